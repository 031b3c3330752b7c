//! Process-level protections applied before anything else runs, as ssh-agent and gpg-agent
//! do: no core dump and no ptrace by another process of the user (either would hand over the
//! secrets in memory), and standard descriptors that are really there, so that a file opened
//! later can never land on fd 1 and receive the credentials. Not for anything per-run: this
//! file only touches process state.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

/// What `at_start` found and changed.
#[derive(Clone, Copy, Debug)]
pub struct Started {
    /// fd 1 was closed (`>&-`) or not open for writing when aws-auth started: nothing printed
    /// can reach anyone, so a command that prints must fail instead of discarding its result.
    pub stdout_unusable: bool,
    /// The core-file limit aws-auth was started with, restored for a command run by `exec`
    /// and `serve` (the user's own program, not ours).
    pub core_limit: Option<(u64, u64)>,
    /// The descriptor limit aws-auth was started with: `serve` raises its own soft limit,
    /// and a command run by `exec` or `serve` gets this one back (a program built on
    /// select() breaks past 1024 descriptors, which is why the soft limit is low).
    pub descriptor_limit: Option<(u64, u64)>,
}

static STARTED: OnceLock<Started> = OnceLock::new();

/// Whether fd 1 was usable before Rust's runtime started: std's start-up points a closed
/// fd 0, 1 or 2 at /dev/null (read-write) before `main`, which hides `>&-` from any check made
/// in `main`. 0: not recorded, 1: usable, 2: closed or read-only.
static STDOUT_AT_EXEC: AtomicU8 = AtomicU8::new(0);

/// Records whether fd 1 is writable. The binary calls this from an `.init_array` entry,
/// which the C runtime runs before Rust's start-up code.
pub extern "C" fn record_stdout_at_exec() {
    let state = if writable(libc::STDOUT_FILENO) { 1 } else { 2 };
    STDOUT_AT_EXEC.store(state, Ordering::Relaxed);
}

/// Makes the process non-dumpable, sets its core-file limit to 0, and fills any closed
/// standard descriptor with /dev/null. Idempotent: the first call's findings are kept.
pub fn at_start() -> Started {
    *STARTED.get_or_init(|| {
        let stdout_unusable = match STDOUT_AT_EXEC.load(Ordering::Relaxed) {
            0 => !writable(libc::STDOUT_FILENO),
            state => state == 2,
        };
        fill_standard_fds();
        let core_limit = limit(libc::RLIMIT_CORE);
        let descriptor_limit = limit(libc::RLIMIT_NOFILE);
        // The soft limit only: the hard one stays, so `exec` can give the user's command
        // its limit back (non-dumpable alone already stops the kernel writing a core).
        if let Some((_, hard)) = core_limit {
            let zero = libc::rlimit {
                rlim_cur: 0,
                rlim_max: hard,
            };
            // SAFETY: setrlimit with an initialised struct; it only lowers our own limit.
            unsafe {
                libc::setrlimit(libc::RLIMIT_CORE, &zero);
            }
        }
        non_dumpable();
        Started {
            stdout_unusable,
            core_limit,
            descriptor_limit,
        }
    })
}

/// The findings of `at_start`, if it ran.
pub fn started() -> Option<Started> {
    STARTED.get().copied()
}

/// The soft and hard limits of `resource`, if they can be read.
fn limit(resource: Resource) -> Option<(u64, u64)> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(resource, &mut limit) } == 0 {
        Some((limit.rlim_cur, limit.rlim_max))
    } else {
        None
    }
}

/// What getrlimit and setrlimit take (its type differs between libcs).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
type Resource = libc::__rlimit_resource_t;
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
type Resource = libc::c_int;

/// Raises this process's soft descriptor limit to its hard limit (or as near as the system
/// allows: macOS refuses more than OPEN_MAX), for `serve`, which holds a descriptor per
/// connection. Returns the soft limit now, if it can be read.
pub fn raise_descriptor_limit() -> Option<u64> {
    let (soft, hard) = limit(libc::RLIMIT_NOFILE)?;
    for wanted in [hard, hard.min(10_240)] {
        if wanted <= soft {
            break;
        }
        let raised = libc::rlimit {
            rlim_cur: wanted,
            rlim_max: hard,
        };
        // SAFETY: setrlimit with an initialised struct; the soft limit stays under the hard.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            return Some(wanted);
        }
    }
    Some(soft)
}

/// Whether `fd` is open for writing.
fn writable(fd: libc::c_int) -> bool {
    // SAFETY: fcntl F_GETFL only reads the descriptor's flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    flags >= 0 && (flags & libc::O_ACCMODE) != libc::O_RDONLY
}

/// Points each closed standard descriptor at /dev/null, lowest first, so that no later
/// `open` can take fd 0, 1 or 2. Rust's start-up does the same for the binary before `main`;
/// this covers a caller of the library that has no such start-up. Async-signal-safe.
fn fill_standard_fds() {
    for fd in [libc::STDIN_FILENO, libc::STDOUT_FILENO, libc::STDERR_FILENO] {
        fill_if_closed(fd);
    }
}

/// Points `fd` at /dev/null when it is closed, so no later `open` can take its number.
fn fill_if_closed(fd: libc::c_int) {
    // SAFETY: F_GETFD only asks whether the descriptor exists; open and dup2 act on
    // descriptors this function owns, and the temporary one is closed unless it is `fd`.
    unsafe {
        if libc::fcntl(fd, libc::F_GETFD) != -1 {
            return;
        }
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null < 0 || null == fd {
            return;
        }
        libc::dup2(null, fd);
        libc::close(null);
    }
}

/// No core dump, no ptrace by another process of the user, no reading of /proc/PID/mem and
/// /proc/PID/environ (one function, so one mutant: the other system's half is not compiled).
fn non_dumpable() {
    // SAFETY: PR_SET_DUMPABLE takes plain integers and only affects this process.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
    // SAFETY: PT_DENY_ATTACH takes no address or data; it only affects this process.
    #[cfg(target_os = "macos")]
    unsafe {
        libc::ptrace(libc::PT_DENY_ATTACH, 0, std::ptr::null_mut(), 0);
    }
}

/// For a command of the user's run by `exec` or `serve`, after fork and before exec: give
/// back the core-file and descriptor limits aws-auth was started with. Async-signal-safe
/// (setrlimit only).
pub fn restore_limits_in_child() -> std::io::Result<()> {
    if let Some(started) = started() {
        for (resource, limit) in [
            (libc::RLIMIT_CORE, started.core_limit),
            (libc::RLIMIT_NOFILE, started.descriptor_limit),
        ] {
            if let Some((soft, hard)) = limit {
                let limit = libc::rlimit {
                    rlim_cur: soft,
                    rlim_max: hard,
                };
                // SAFETY: setrlimit with an initialised struct; the soft limit goes back to
                // what it was, under the hard limit that was never lowered.
                unsafe {
                    libc::setrlimit(resource, &limit);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_start_no_core_file_can_be_written_and_the_process_is_not_dumpable() {
        at_start();
        assert_eq!(limit(libc::RLIMIT_CORE).map(|(soft, _)| soft), Some(0));
        #[cfg(target_os = "linux")]
        // SAFETY: PR_GET_DUMPABLE only reads.
        assert_eq!(unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) }, 0);
    }

    #[test]
    fn without_the_init_array_entry_stdout_is_judged_at_start() {
        // The test binary has no `.init_array` entry, so at_start looks at fd 1 itself: the
        // harness's stdout is writable.
        assert_eq!(STDOUT_AT_EXEC.load(Ordering::Relaxed), 0);
        assert!(writable(libc::STDOUT_FILENO));
        assert!(!at_start().stdout_unusable);
    }

    /// Runs `body` in a forked child (only async-signal-safe calls: the test process has
    /// threads) and returns its exit status: 0 when every check held, else the failed one.
    fn in_child(body: fn() -> i32) -> i32 {
        // SAFETY: the child calls only fcntl, fstat, open, dup2, close, pipe and _exit.
        unsafe {
            match libc::fork() {
                -1 => panic!("fork: {}", std::io::Error::last_os_error()),
                0 => libc::_exit(body()),
                pid => {
                    let mut status = 0;
                    assert_eq!(libc::waitpid(pid, &mut status, 0), pid);
                    assert!(libc::WIFEXITED(status), "the child died: {status}");
                    libc::WEXITSTATUS(status)
                }
            }
        }
    }

    /// The device and inode `fd` points at, or `None` when it is closed.
    fn identity(fd: libc::c_int) -> Option<(libc::dev_t, libc::ino_t, libc::dev_t)> {
        // SAFETY: fstat writes into a zeroed struct we own.
        unsafe {
            let mut st: libc::stat = std::mem::zeroed();
            (libc::fstat(fd, &mut st) == 0).then_some((st.st_dev, st.st_ino, st.st_rdev))
        }
    }

    fn dev_null() -> Option<(libc::dev_t, libc::ino_t, libc::dev_t)> {
        // SAFETY: open and close of a descriptor this function owns.
        unsafe {
            let fd = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
            let id = identity(fd);
            libc::close(fd);
            id
        }
    }

    #[test]
    fn closed_standard_descriptors_are_filled_with_dev_null_and_open_ones_are_kept() {
        // All three closed: each becomes /dev/null (each open takes the lowest free number,
        // the one being filled), and a later open cannot take any of them.
        // SAFETY (both children): close, dup2 and pipe on the child's own descriptors.
        let status = in_child(|| unsafe {
            let null = dev_null();
            for fd in 0..3 {
                libc::close(fd);
            }
            fill_standard_fds();
            for fd in 0..3 {
                if identity(fd).is_none() || identity(fd) != null {
                    return 10 + fd;
                }
            }
            let later = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
            if later < 3 {
                return 20;
            }
            0
        });
        assert_eq!(status, 0, "check {status} failed");

        // Only fd 1 closed, fd 0 and fd 2 on a pipe: fd 1 becomes /dev/null, and fd 0 and
        // fd 2 are still the pipe (an open descriptor is never replaced).
        let status = in_child(|| unsafe {
            let null = dev_null();
            let mut pipe = [0; 2];
            if libc::pipe(pipe.as_mut_ptr()) != 0 {
                return 30;
            }
            libc::dup2(pipe[0], 0);
            libc::dup2(pipe[1], 2);
            libc::close(1);
            let (read_end, write_end) = (identity(pipe[0]), identity(pipe[1]));
            fill_standard_fds();
            if identity(0) != read_end || identity(2) != write_end {
                return 31;
            }
            if identity(1).is_none() || identity(1) != null {
                return 32;
            }
            0
        });
        assert_eq!(status, 0, "check {status} failed");
    }

    #[test]
    fn a_descriptor_is_filled_even_when_a_lower_one_is_free() {
        // fd 2 closed with fd 0 (then fd 1) free below it: /dev/null opens on the lower
        // number and is moved onto fd 2, and the lower one is left as it was, closed.
        let status = in_child(|| fill_above(0));
        assert_eq!(status, 0, "fd 0 free below fd 2: check {status} failed");
        let status = in_child(|| fill_above(1));
        assert_eq!(status, 0, "fd 1 free below fd 2: check {status} failed");
    }

    /// In a child: closes `lower` and fd 2, fills fd 2 alone, and checks both.
    fn fill_above(lower: libc::c_int) -> i32 {
        // SAFETY: close of the child's own descriptors.
        unsafe {
            let null = dev_null();
            libc::close(lower);
            libc::close(2);
            fill_if_closed(2);
            if identity(2).is_none() || identity(2) != null {
                return 40;
            }
            if libc::fcntl(lower, libc::F_GETFD) != -1 {
                return 41;
            }
        }
        0
    }

    #[test]
    fn a_read_only_descriptor_is_not_writable() {
        let file = std::fs::File::open("/dev/null").unwrap();
        use std::os::fd::AsRawFd;
        assert!(!writable(file.as_raw_fd()));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .unwrap();
        assert!(writable(file.as_raw_fd()));
        assert!(!writable(-1));
    }
}
