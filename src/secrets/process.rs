//! The one place aws-auth runs other programs. argv only, never a shell; stdin closed or fed
//! from a zeroizing buffer through a pipe; stdout read into a zeroizing buffer of bounded
//! size, stderr into a bounded one (the rest is read and dropped); every run bounded in time.
//! Each password manager runs in a process group of its own: reading stops once it has exited
//! and its output is drained (a background child left holding the pipes cannot stall us), and
//! on time-out the whole group is killed. Children never see aws-auth's AWS secrets nor any
//! variable a profile reads a secret from (`scrub`).

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The most a password manager may print for one read.
const MAX_STDOUT: usize = 64 * 1024;
/// The most stderr kept for a message (characters, after cleaning).
const MAX_STDERR: usize = 2000;
/// The most stderr bytes held while a program runs; more is read and dropped.
const MAX_STDERR_BYTES: usize = 8 * 1024;

/// What a finished program left.
pub struct Finished {
    /// `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: Zeroizing<Vec<u8>>,
    /// Cleaned of control characters and cut short; may be shown to the user.
    pub stderr: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{program} is not installed (not found on PATH)")]
    NotInstalled { program: String },
    #[error("{program} did not finish within {} s", .limit.as_secs_f64())]
    Timeout { program: String, limit: Duration },
    #[error(
        "{program} stopped to ask on the terminal, which aws-auth never lets a password manager do; \
         unlock it first, then run again"
    )]
    WantsTerminal { program: String },
    #[error("{program} printed more than {MAX_STDOUT} bytes")]
    TooMuchOutput { program: String },
    #[error("running {program} failed: {reason}")]
    Io { program: String, reason: String },
}

/// Variables a child never needs: aws-auth's own AWS secrets.
const SCRUBBED: &[&str] = &[
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
];

/// Variables named by the profile's `env:` references: they hold secrets, so no child
/// (password manager, the gpg-agent one may start, a command under exec or serve) gets them.
static SCRUBBED_TOO: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// From now on, no child of this process inherits `var`.
pub fn scrub(var: &str) {
    let mut names = SCRUBBED_TOO.lock().unwrap_or_else(|e| e.into_inner());
    if !names.iter().any(|n| n == var) {
        names.push(var.to_owned());
    }
}

/// Removes every variable a child must not inherit.
fn remove_secrets(command: &mut Command) {
    for var in SCRUBBED {
        command.env_remove(var);
    }
    for var in SCRUBBED_TOO
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        command.env_remove(var);
    }
}

/// The executable file `name` resolves to on PATH, as a shell's `which` finds it.
pub fn find_program(name: &str) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Runs `program args` with `stdin` (none: closed) and waits at most `limit`.
/// On time-out the child's process group is killed and the call returns at once.
pub fn run(
    program: &str,
    args: &[String],
    stdin: Option<&[u8]>,
    limit: Duration,
) -> Result<Finished, RunError> {
    run_inner(program, args, stdin, &[], &Relay::NONE, limit)
}

/// `run` with stdin closed and `env` set for the child on top of what it inherits.
pub fn run_with_env(
    program: &str,
    args: &[String],
    env: &[(&str, &str)],
    limit: Duration,
) -> Result<Finished, RunError> {
    run_inner(program, args, None, env, &Relay::NONE, limit)
}

/// `run` with stdin closed, passing on to the user, as they arrive, the stderr lines that
/// start with one of `relay.prefixes` (a "touch your YubiKey" note while the program waits).
pub fn run_relaying(
    program: &str,
    args: &[String],
    relay: &Relay,
    limit: Duration,
) -> Result<Finished, RunError> {
    run_inner(program, args, None, &[], relay, limit)
}

/// Which stderr lines of a running program are shown to the user at once, and whose they are.
pub struct Relay<'a> {
    pub prefixes: &'a [String],
    pub label: &'a str,
}

impl Relay<'_> {
    const NONE: Relay<'static> = Relay {
        prefixes: &[],
        label: "",
    };

    /// Shows each complete line of `stderr` from `from` on that matches, and returns where
    /// the next unseen line starts.
    fn pass_on(&self, stderr: &[u8], from: usize) -> usize {
        let (lines, next) = self.matching(stderr, from);
        for line in lines {
            crate::say!("aws-auth: {}: {line}", self.label);
        }
        next
    }

    /// The complete lines of `stderr` from `from` on that start with a prefix (trimmed), and
    /// where the first line not yet complete starts.
    fn matching(&self, stderr: &[u8], from: usize) -> (Vec<String>, usize) {
        if self.prefixes.is_empty() {
            return (Vec::new(), stderr.len());
        }
        let mut lines = Vec::new();
        let mut start = from;
        while let Some(end) = stderr[start..].iter().position(|&b| b == b'\n') {
            let line = String::from_utf8_lossy(&stderr[start..start + end]);
            let line = line.trim();
            if self.prefixes.iter().any(|p| line.starts_with(p.as_str())) {
                lines.push(line.to_owned());
            }
            start += end + 1;
        }
        (lines, start)
    }
}

fn run_inner(
    program: &str,
    args: &[String],
    stdin: Option<&[u8]>,
    env: &[(&str, &str)],
    relay: &Relay,
    limit: Duration,
) -> Result<Finished, RunError> {
    let deadline = Instant::now() + limit;
    let io_err = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::NotFound {
            RunError::NotInstalled {
                program: program.to_owned(),
            }
        } else {
            RunError::Io {
                program: program.to_owned(),
                reason: e.kind().to_string(),
            }
        }
    };
    let mut command = Command::new(program);
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        // Its own group, so that a time-out can kill what it started too.
        .process_group(0);
    remove_secrets(&mut command);
    // gpg (under pass, gopass or our own read of a pass entry) asks for a key's passphrase
    // through gpg-agent's pinentry, on the terminal GPG_TTY names: pass's `$(tty)` cannot
    // name it (stdin is not the terminal), so the controlling terminal's name goes along.
    if std::env::var_os("GPG_TTY").is_none()
        && let Some(tty) = crate::secrets::tty::controlling_name()
    {
        command.env("GPG_TTY", tty);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    // cron may set no HOME; pass, gpg and friends find their stores through it.
    if crate::env::var("HOME").is_none()
        && let Some(home) = crate::passwd::home_dir()
    {
        command.env("HOME", home);
    }
    let mut child = command.spawn().map_err(io_err)?;
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let bytes = Zeroizing::new(bytes.to_vec());
        // A thread, so a child that reads its stdin late cannot block our reading of its
        // output; it ends when the bytes are in the pipe or the child is gone (EPIPE).
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let mut watch = Watch::new(&mut child, relay);
    let outcome = watch.read_until_exit(deadline);
    let (stdout, stderr) = (watch.stdout, watch.stderr);
    match outcome {
        Ok(status) => Ok(Finished {
            code: status.code(),
            stdout,
            stderr: clean(&stderr),
        }),
        Err(Stop::Timeout) => {
            kill_group(&mut child);
            Err(RunError::Timeout {
                program: program.to_owned(),
                limit,
            })
        }
        Err(Stop::WantsTerminal) => {
            kill_group(&mut child);
            Err(RunError::WantsTerminal {
                program: program.to_owned(),
            })
        }
        Err(Stop::TooMuch) => {
            kill_group(&mut child);
            Err(RunError::TooMuchOutput {
                program: program.to_owned(),
            })
        }
        Err(Stop::Io(e)) => {
            kill_group(&mut child);
            Err(io_err(e))
        }
    }
}

/// Kills the child's whole process group and reaps the child.
fn kill_group(child: &mut Child) {
    // SAFETY: kill(2) on the group the child leads (process_group(0) made its pgid its pid).
    unsafe {
        libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

enum Stop {
    Timeout,
    WantsTerminal,
    TooMuch,
    Io(std::io::Error),
}

/// Reads a running child's stdout and stderr with poll(2) until it has exited.
struct Watch<'a> {
    child: &'a mut Child,
    relay: &'a Relay<'a>,
    /// Where the stderr lines not yet looked at by `relay` start.
    relayed: usize,
    out: Option<std::process::ChildStdout>,
    err: Option<std::process::ChildStderr>,
    /// Readable once the child has exited (Linux ≥ 5.3); without it, exit is polled.
    pidfd: Option<std::os::fd::OwnedFd>,
    stdout: Zeroizing<Vec<u8>>,
    stderr: Vec<u8>,
}

impl<'a> Watch<'a> {
    fn new(child: &'a mut Child, relay: &'a Relay<'a>) -> Watch<'a> {
        let out = child.stdout.take();
        let err = child.stderr.take();
        let pidfd = pidfd_open(child.id());
        Watch {
            child,
            relay,
            relayed: 0,
            out,
            err,
            pidfd,
            stdout: Zeroizing::new(Vec::with_capacity(MAX_STDOUT + 1)),
            stderr: Vec::new(),
        }
    }

    fn read_until_exit(&mut self, deadline: Instant) -> Result<std::process::ExitStatus, Stop> {
        loop {
            match child_state(self.child.id()).map_err(Stop::Io)? {
                ChildState::Running => {}
                ChildState::Exited(status) => {
                    // Whatever it wrote is in the pipes now: take that and stop, even if a
                    // background child of its own still holds them open.
                    self.drain()?;
                    return Ok(status);
                }
                // In its own process group it is not the terminal's foreground: reading
                // or setting up the terminal stops it. It wanted to ask for a password.
                ChildState::Stopped => return Err(Stop::WantsTerminal),
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Stop::Timeout);
            }
            let mut fds: Vec<libc::pollfd> = Vec::with_capacity(3);
            for fd in [
                self.out.as_ref().map(|p| p.as_raw_fd()),
                self.err.as_ref().map(|p| p.as_raw_fd()),
                self.pidfd.as_ref().map(|p| p.as_raw_fd()),
            ]
            .into_iter()
            .flatten()
            {
                fds.push(libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                });
            }
            let left = deadline - now;
            // With a pidfd, exit wakes us; without one (or once both pipes are closed and
            // there is nothing else to wait on), look again every few milliseconds.
            // A stop (SIGTTIN, SIGTTOU) wakes nothing: look for one every 100 ms.
            let slice = if self.pidfd.is_some() {
                left.min(Duration::from_millis(100))
            } else {
                left.min(Duration::from_millis(5))
            };
            let timeout = slice.as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
            // SAFETY: `fds` is a live array of `fds.len()` pollfd structs.
            let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
            if ready < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(Stop::Io(e));
            }
            for pfd in &fds {
                if pfd.revents == 0 {
                    continue;
                }
                if self.out.as_ref().is_some_and(|p| p.as_raw_fd() == pfd.fd) {
                    self.read_stdout()?;
                } else if self.err.as_ref().is_some_and(|p| p.as_raw_fd() == pfd.fd) {
                    self.read_stderr()?;
                }
            }
        }
    }

    /// One read of stdout; at EOF the pipe is closed.
    fn read_stdout(&mut self) -> Result<(), Stop> {
        let Some(pipe) = self.out.as_mut() else {
            return Ok(());
        };
        let len = self.stdout.len();
        // Read into the spare capacity: the buffer never reallocates (no copy left behind).
        self.stdout.resize(MAX_STDOUT + 1, 0);
        let (n, eof) = match pipe.read(&mut self.stdout[len..]) {
            Ok(n) => (n, n == 0),
            Err(e) if would_block(&e) => (0, false),
            Err(e) => {
                self.stdout.truncate(len);
                return Err(Stop::Io(e));
            }
        };
        self.stdout.truncate(len + n);
        if eof {
            self.out = None;
        }
        if self.stdout.len() > MAX_STDOUT {
            return Err(Stop::TooMuch);
        }
        Ok(())
    }

    /// One read of stderr, kept up to `MAX_STDERR_BYTES`; at EOF the pipe is closed.
    fn read_stderr(&mut self) -> Result<(), Stop> {
        let Some(pipe) = self.err.as_mut() else {
            return Ok(());
        };
        let mut chunk = [0u8; 4096];
        match pipe.read(&mut chunk) {
            Ok(0) => self.err = None,
            Ok(n) => {
                let room = MAX_STDERR_BYTES.saturating_sub(self.stderr.len());
                self.stderr.extend_from_slice(&chunk[..n.min(room)]);
                self.relayed = self.relay.pass_on(&self.stderr, self.relayed);
            }
            Err(e) if would_block(&e) => {}
            Err(e) => return Err(Stop::Io(e)),
        }
        Ok(())
    }

    /// After exit: what is already in the pipes, without waiting for more.
    fn drain(&mut self) -> Result<(), Stop> {
        for fd in [
            self.out.as_ref().map(|p| p.as_raw_fd()),
            self.err.as_ref().map(|p| p.as_raw_fd()),
        ]
        .into_iter()
        .flatten()
        {
            set_nonblocking(fd);
        }
        while self.out.is_some() {
            let before = self.stdout.len();
            self.read_stdout()?;
            if self.stdout.len() == before {
                break;
            }
        }
        while self.err.is_some() {
            let before = self.stderr.len();
            self.read_stderr()?;
            if self.stderr.len() == before || self.stderr.len() >= MAX_STDERR_BYTES {
                break;
            }
        }
        Ok(())
    }
}

enum ChildState {
    Running,
    Exited(std::process::ExitStatus),
    /// Stopped by a signal (a terminal read or mode change from a background group).
    Stopped,
}

/// waitpid(WNOHANG | WUNTRACED): std's `try_wait` cannot see a stopped child.
fn child_state(pid: u32) -> std::io::Result<ChildState> {
    use std::os::unix::process::ExitStatusExt;
    let mut status: libc::c_int = 0;
    // SAFETY: waitpid on our own child, writing into a local.
    let reaped = unsafe {
        libc::waitpid(
            pid as libc::pid_t,
            &mut status,
            libc::WNOHANG | libc::WUNTRACED,
        )
    };
    match reaped {
        0 => Ok(ChildState::Running),
        r if r < 0 => {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                Ok(ChildState::Running)
            } else {
                Err(e)
            }
        }
        _ if libc::WIFSTOPPED(status) => Ok(ChildState::Stopped),
        _ => Ok(ChildState::Exited(std::process::ExitStatus::from_raw(
            status,
        ))),
    }
}

fn would_block(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
    )
}

fn set_nonblocking(fd: RawFd) {
    // SAFETY: F_GETFL/F_SETFL on a descriptor we own.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
    }
}

#[cfg(target_os = "linux")]
fn pidfd_open(pid: u32) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: the descriptor was just returned to us and is owned by nobody else.
    Some(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as RawFd) })
}

#[cfg(not(target_os = "linux"))]
fn pidfd_open(_pid: u32) -> Option<std::os::fd::OwnedFd> {
    None
}

/// The environment a command run with credentials gets: `set` added, `remove` taken out,
/// the rest inherited.
pub struct ChildEnv<'a> {
    pub set: Vec<(&'static str, &'a str)>,
    pub remove: Vec<&'a str>,
}

fn command_with(program: &OsStr, args: &[OsString], env: &ChildEnv) -> Command {
    let mut command = Command::new(program);
    command.args(args);
    remove_secrets(&mut command);
    for name in &env.remove {
        command.env_remove(name);
    }
    for (name, value) in &env.set {
        command.env(name, value);
    }
    // SAFETY: the closure runs between fork and exec and calls only setrlimit, which is
    // async-signal-safe; it allocates nothing and takes no lock.
    unsafe {
        command.pre_exec(crate::hardening::restore_core_limit_in_child);
    }
    command
}

/// Replaces this process with `program args` (execve: the command's signals, its exit
/// status, its stdout). Returns only on failure.
#[cfg(unix)]
pub fn exec(program: &OsStr, args: &[OsString], env: &ChildEnv) -> std::io::Error {
    command_with(program, args, env).exec()
}

/// Starts `program args` with stdin, stdout and stderr inherited (a command run under
/// `aws-auth serve`); the caller waits for it.
pub fn spawn(
    program: &OsStr,
    args: &[OsString],
    env: &ChildEnv,
) -> std::io::Result<std::process::Child> {
    command_with(program, args, env).spawn()
}

/// Starts `program args` in a group of its own with stdin, stdout and stderr on /dev/null
/// (the browser opener of `login`: nothing it prints may reach our stdout), and without
/// the variables children never get. The caller polls it; it may outlive aws-auth.
pub fn spawn_quiet(program: &str, args: &[String]) -> Result<std::process::Child, RunError> {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    remove_secrets(&mut command);
    command.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            RunError::NotInstalled {
                program: program.to_owned(),
            }
        } else {
            RunError::Io {
                program: program.to_owned(),
                reason: e.kind().to_string(),
            }
        }
    })
}

/// stderr for a message: lossy UTF-8, control characters as spaces, one paragraph, bounded.
/// stderr as it may be shown: the one sanitizer, with room for a program's whole message.
fn clean(stderr: &[u8]) -> String {
    crate::report::clean_to(&String::from_utf8_lossy(stderr), MAX_STDERR)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// `sh FILE` for a script written to a temp file: the runner gets plain argv.
    fn sh(body: &str) -> (tempfile::TempDir, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("script.sh");
        std::fs::write(&path, body).unwrap();
        (dir, vec![path.to_string_lossy().into_owned()])
    }

    #[test]
    fn captures_stdout_stderr_and_code() {
        let (_dir, args) = sh("printf 'a\\nb\\n'; echo oops >&2; exit 3");
        let done = run("sh", &args, None, Duration::from_secs(10)).unwrap();
        assert_eq!(done.code, Some(3));
        assert_eq!(&done.stdout[..], b"a\nb\n");
        assert_eq!(done.stderr, "oops");
    }

    /// serve's SIGTERM handler can interrupt the runner's `poll` (when the kernel gives the
    /// signal to the thread that waits): an interrupted wait goes on, it is not a failure.
    #[test]
    fn a_signal_that_interrupts_the_wait_is_not_an_error() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        extern "C" fn nothing(_: libc::c_int) {}
        // SAFETY: a handler that does nothing, for a signal no other test uses; no
        // SA_RESTART, so a blocked poll returns EINTR.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = nothing as extern "C" fn(libc::c_int) as libc::sighandler_t;
            assert_eq!(
                libc::sigaction(libc::SIGUSR2, &action, std::ptr::null_mut()),
                0
            );
        }
        // SAFETY: pthread_self has no preconditions.
        let waiter = unsafe { libc::pthread_self() };
        let stop = Arc::new(AtomicBool::new(false));
        let kicks = Arc::new(AtomicUsize::new(0));
        let kicker = {
            let (stop, kicks) = (stop.clone(), kicks.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    // SAFETY: the waiting thread is alive until this thread is joined.
                    unsafe { libc::pthread_kill(waiter, libc::SIGUSR2) };
                    kicks.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        };
        let (_dir, args) = sh("sleep 0.3; echo done");
        let result = run("sh", &args, None, Duration::from_secs(10));
        stop.store(true, Ordering::SeqCst);
        kicker.join().unwrap();
        assert!(kicks.load(Ordering::SeqCst) > 5);
        let done = result.unwrap();
        assert_eq!(done.code, Some(0));
        assert_eq!(&done.stdout[..], b"done\n");
    }

    #[test]
    fn stdin_is_closed_unless_fed() {
        let done = run("cat", &[], None, Duration::from_secs(10)).unwrap();
        assert!(done.stdout.is_empty());
        let done = run("cat", &[], Some(b"fed\n"), Duration::from_secs(10)).unwrap();
        assert_eq!(&done.stdout[..], b"fed\n");
    }

    #[test]
    fn missing_program_is_not_installed() {
        let result = run(
            "aws-auth-no-such-program",
            &[],
            None,
            Duration::from_secs(5),
        );
        assert!(matches!(result, Err(RunError::NotInstalled { .. })));
    }

    #[test]
    fn a_hung_program_is_cut_off_even_if_a_grandchild_holds_the_pipe() {
        let (_dir, args) = sh("sleep 30; echo late");
        let start = Instant::now();
        let err = run("sh", &args, None, Duration::from_millis(300))
            .err()
            .unwrap();
        assert!(matches!(err, RunError::Timeout { .. }), "{err}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn output_is_bounded() {
        let (_dir, args) = sh("head -c 200000 /dev/zero");
        let err = run("sh", &args, None, Duration::from_secs(10))
            .err()
            .unwrap();
        assert!(matches!(err, RunError::TooMuchOutput { .. }), "{err}");
    }
    /// Regression (hardening review, item 6): a program that leaves a background child
    /// holding its stdout made every read wait out the whole --timeout.
    #[test]
    fn a_background_child_holding_the_pipes_does_not_stall_the_read() {
        let (_dir, args) = sh("(sleep 30 &); (sleep 30 >&2 &); echo value");
        let start = Instant::now();
        let done = run("sh", &args, None, Duration::from_secs(20)).unwrap();
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(&done.stdout[..], b"value\n");
        assert_eq!(done.code, Some(0));
    }

    /// Regression (item 6): on time-out, what the program started dies with it.
    #[test]
    fn a_time_out_kills_the_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let script = dir.path().join("s.sh");
        std::fs::write(
            &script,
            format!("sleep 60 & echo $! > '{}'; wait", pid_file.display()),
        )
        .unwrap();
        let err = run(
            "sh",
            &[script.to_string_lossy().into_owned()],
            None,
            Duration::from_millis(500),
        )
        .err()
        .unwrap();
        assert!(matches!(err, RunError::Timeout { .. }), "{err}");
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let gone = (0..100).any(|_| {
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let dead = state.is_empty()
                || state
                    .rsplit(") ")
                    .next()
                    .is_some_and(|s| s.starts_with('Z'));
            if !dead {
                std::thread::sleep(Duration::from_millis(20));
            }
            dead
        });
        assert!(gone, "the grandchild {pid} outlived the time-out");
    }

    /// Regression (item 5): stderr was read without a bound; a flood grew aws-auth by as
    /// much as the program printed.
    #[test]
    fn a_flood_on_stderr_is_read_in_bounded_memory() {
        let peak = || {
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: getrusage writes into the struct we own.
            unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
            usage.ru_maxrss // KiB
        };
        let before = peak();
        let (_dir, args) = sh("head -c 400000000 /dev/zero >&2; echo done");
        let done = run("sh", &args, None, Duration::from_secs(60)).unwrap();
        assert_eq!(&done.stdout[..], b"done\n");
        assert!(done.stderr.chars().count() <= MAX_STDERR + 1);
        let grown = peak() - before;
        assert!(grown < 100_000, "peak memory grew by {grown} KiB");
    }

    /// The bounds in absolute terms: 64 KiB of stdout (a long entry with notes) is taken,
    /// and a 1500-character message on stderr is kept whole.
    #[test]
    fn the_bounds_are_64_kib_of_stdout_and_8_kib_of_stderr() {
        let (_dir, args) = sh("head -c 65536 /dev/zero");
        assert_eq!(
            run("sh", &args, None, Duration::from_secs(10))
                .unwrap()
                .stdout
                .len(),
            65536
        );
        let (_dir, args) = sh("head -c 65537 /dev/zero");
        assert!(matches!(
            run("sh", &args, None, Duration::from_secs(10)),
            Err(RunError::TooMuchOutput { .. })
        ));
        let (_dir, args) = sh("printf 'x%.0s' $(seq 1500) >&2");
        let done = run("sh", &args, None, Duration::from_secs(10)).unwrap();
        assert_eq!(done.stderr.len(), 1500, "{}", done.stderr);
    }

    /// A program that has already exited when aws-auth first looks: all it wrote is taken
    /// from the pipes (the drain after exit), none is lost.
    #[test]
    fn output_of_a_program_that_already_exited_is_drained() {
        let mut child = Command::new("sh")
            .args([
                "-c",
                "printf 'entry text'; head -c 6000 /dev/zero | tr '\\0' x >&2",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the exit without reaping (WNOWAIT), so the watch finds it exited at once.
        // SAFETY: waitid on our own child into a zeroed siginfo.
        unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(
                libc::P_PID,
                child.id() as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            );
        }
        let mut watch = Watch::new(&mut child, &Relay::NONE);
        let status = watch
            .read_until_exit(Instant::now() + Duration::from_secs(10))
            .ok()
            .unwrap();
        assert!(status.success());
        assert_eq!(&watch.stdout[..], b"entry text");
        // More than one read's worth (4096 bytes) of stderr, all of it.
        assert_eq!(watch.stderr, vec![b'x'; 6000]);
    }

    #[test]
    fn relayed_lines_are_the_complete_matching_ones_and_the_rest_waits() {
        let prefixes = vec!["Touch your".to_owned()];
        let relay = Relay {
            prefixes: &prefixes,
            label: "ykman",
        };
        let text = b"noise\n  Touch your YubiKey...\nTouch your YubiKey again\nTouch your";
        let (lines, next) = relay.matching(text, 0);
        assert_eq!(lines, ["Touch your YubiKey...", "Touch your YubiKey again"]);
        assert_eq!(
            next,
            text.len() - "Touch your".len(),
            "the unfinished line waits"
        );
        // From where it stopped, nothing is seen twice.
        let (lines, again) = relay.matching(text, next);
        assert!(lines.is_empty());
        assert_eq!(again, next);
        let (lines, _) = relay.matching(text, 6);
        assert_eq!(lines.len(), 2, "from the second line on");
        assert_eq!(relay.pass_on(text, 0), next);
        // With no prefixes, everything counts as seen at once.
        assert_eq!(Relay::NONE.matching(text, 0), (Vec::new(), text.len()));
    }

    #[test]
    fn a_message_is_cut_only_past_its_bound() {
        let exact = "x".repeat(MAX_STDERR);
        assert_eq!(clean(exact.as_bytes()), exact);
        let over = "x".repeat(MAX_STDERR + 1);
        assert_eq!(clean(over.as_bytes()), format!("{exact}…"));
        assert_eq!(clean(b"a\x1b[31m\n b\tc"), "a [31m b c");
    }

    #[test]
    fn stdout_at_exactly_the_limit_is_accepted() {
        let (_dir, args) = sh(&format!("head -c {MAX_STDOUT} /dev/zero"));
        let done = run("sh", &args, None, Duration::from_secs(10)).unwrap();
        assert_eq!(done.stdout.len(), MAX_STDOUT);
    }

    #[test]
    fn a_program_killed_by_a_signal_has_no_code() {
        let (_dir, args) = sh("echo partial; kill -9 $$");
        let done = run("sh", &args, None, Duration::from_secs(10)).unwrap();
        assert_eq!(done.code, None);
        assert_eq!(&done.stdout[..], b"partial\n");
    }

    /// Item 7: a variable handed to `scrub` never reaches a child.
    #[test]
    fn scrubbed_variables_never_reach_children() {
        scrub("HOME_FOR_SCRUB_TEST_NEVER_SET");
        scrub("PATH_SCRUB_PROBE");
        let mut command = Command::new("env");
        command.env("PATH_SCRUB_PROBE", "secret-value");
        remove_secrets(&mut command);
        let out = command.output().unwrap();
        assert!(!String::from_utf8_lossy(&out.stdout).contains("secret-value"));
        let names = SCRUBBED_TOO.lock().unwrap();
        assert_eq!(names.iter().filter(|n| *n == "PATH_SCRUB_PROBE").count(), 1);
    }

    /// A password manager never sees aws-auth's own AWS secrets, whatever name they go by
    /// (AWS_SECURITY_TOKEN is the old name of the session token). The integration test
    /// `backends::password_managers_never_see_aws_secrets_from_the_environment` checks the
    /// same through a real child.
    #[test]
    fn aws_secrets_are_scrubbed_from_children() {
        for name in [
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
        ] {
            assert!(SCRUBBED.contains(&name), "{name} reaches password managers");
        }
    }
}
