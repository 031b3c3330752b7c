//! Questions to the person at the terminal. They go to /dev/tty, never stdout (which carries
//! the result) nor stderr (which credential_process callers swallow).

use secrecy::SecretString;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::io::AsRawFd;
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("{what} is needed but there is no terminal to ask on ({reason}). {hint}")]
    NoTerminal {
        what: String,
        reason: String,
        hint: String,
    },
    #[error("reading {what} from the terminal failed: {reason}")]
    Read { what: String, reason: String },
    #[error("nothing was entered for {what}")]
    Empty { what: String },
    #[error("{what} was not entered: the terminal's input ended (Ctrl-D)")]
    Closed { what: String },
    #[error("{what} was not entered: the {program} dialog was cancelled")]
    Cancelled { what: String, program: String },
    #[error("the {program} dialog got no answer within {} s (--timeout)", .limit.as_secs())]
    DialogTimeout {
        program: String,
        limit: std::time::Duration,
    },
    #[error(
        "no MFA code was entered: {tries} answers in a row were not 6 digits; run again and type the code your device shows now"
    )]
    NotACode { tries: usize },
    #[error(
        "the MFA code is needed but cannot be asked: {why}; install one ({install}), or give the profile a code source (mfa_code)"
    )]
    NoDialog { why: String, install: String },
}

/// The name of aws-auth's controlling terminal (`/dev/pts/3`), for a program that asks
/// there by itself: gpg-agent's pinentry goes to the terminal `GPG_TTY` names. `None`
/// without one (cron, `setsid`, an IDE). Looked up once.
pub fn controlling_name() -> Option<String> {
    static NAME: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening /dev/tty succeeds only with a controlling terminal. Its ttyname() is
        // "/dev/tty" itself, which names no terminal to another process: the device is
        // found by its number instead.
        let tty = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open("/dev/tty")
            .ok()?;
        device_name().or_else(|| {
            // Elsewhere: the name of a standard descriptor that is that terminal.
            [0, 2, 1]
                .into_iter()
                .find_map(name_of)
                .or_else(|| name_of(tty.as_raw_fd()))
        })
    })
    .clone()
}

/// `ttyname()` of `fd`, unless it is the `/dev/tty` alias.
fn name_of(fd: std::os::unix::io::RawFd) -> Option<String> {
    let mut name = [0u8; 256];
    // SAFETY: ttyname_r writes at most `name.len()` bytes, NUL included, into our buffer.
    if unsafe { libc::ttyname_r(fd, name.as_mut_ptr().cast(), name.len()) } != 0 {
        return None;
    }
    let end = name.iter().position(|&b| b == 0)?;
    let name = String::from_utf8(name[..end].to_vec()).ok()?;
    (name != "/dev/tty").then_some(name)
}

/// Linux: the device file of the controlling terminal, by the number `/proc/self/stat`
/// gives (`tty_nr`), searched in /dev/pts and then /dev.
#[cfg(target_os = "linux")]
fn device_name() -> Option<String> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // After "PID (COMM) ": state, ppid, pgrp, session, tty_nr.
    let tty_nr: u64 = stat[stat.rfind(')')? + 2..]
        .split(' ')
        .nth(4)?
        .parse()
        .ok()?;
    let (major, minor) = (
        (tty_nr >> 8) & 0xfff,
        (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00),
    );
    if tty_nr == 0 {
        return None;
    }
    ["/dev/pts", "/dev"].into_iter().find_map(|dir| {
        std::fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
            let meta = entry.metadata().ok()?;
            let rdev = meta.rdev();
            (meta.file_type().is_char_device()
                && u64::from(libc::major(rdev)) == major
                && u64::from(libc::minor(rdev)) == minor
                && entry.file_name() != "tty")
                .then(|| entry.path().to_string_lossy().into_owned())
        })
    })
}

#[cfg(not(target_os = "linux"))]
fn device_name() -> Option<String> {
    None
}

fn open_tty(what: &str, hint: &str) -> Result<File, PromptError> {
    let no_terminal = |reason: String| PromptError::NoTerminal {
        what: what.to_owned(),
        reason,
        hint: hint.to_owned(),
    };
    let tty = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| {
            no_terminal(if e.raw_os_error() == Some(libc::ENXIO) {
                "no controlling terminal".to_owned()
            } else {
                e.to_string()
            })
        })?;
    // A background job that reads its terminal is stopped (SIGTTIN) until someone brings it
    // to the foreground: `aws-auth serve &` renewing a session would hang there. Fail instead.
    // SAFETY: both calls only read process state; the descriptor is open.
    let (foreground, ours) = unsafe { (libc::tcgetpgrp(tty.as_raw_fd()), libc::getpgrp()) };
    if foreground != ours {
        return Err(no_terminal(
            "aws-auth is running in the background of its terminal".to_owned(),
        ));
    }
    Ok(tty)
}

/// Reads one line from `tty` byte by byte into a zeroizing buffer (no buffered reader keeps
/// a copy), up to `MAX_ANSWER` bytes. `Ok(None)` when input ended before any newline.
fn read_answer(tty: &File, what: &str) -> Result<Option<Zeroizing<Vec<u8>>>, PromptError> {
    let mut answer = Zeroizing::new(Vec::with_capacity(MAX_ANSWER));
    let mut byte = [0u8; 1];
    loop {
        match (&*tty).read(&mut byte) {
            Ok(0) if answer.is_empty() => return Ok(None),
            Ok(0) => return Ok(Some(answer)),
            Ok(_) if byte[0] == b'\n' => return Ok(Some(answer)),
            Ok(_) => {
                if answer.len() == MAX_ANSWER {
                    return Err(PromptError::Read {
                        what: what.to_owned(),
                        reason: format!("the answer is longer than {MAX_ANSWER} bytes"),
                    });
                }
                answer.push(byte[0]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(PromptError::Read {
                    what: what.to_owned(),
                    reason: e.kind().to_string(),
                });
            }
        }
    }
}

/// The longest answer read from a prompt (a secret access key is 40 characters).
const MAX_ANSWER: usize = 1024;

/// The answer as text, trimmed; an empty one or an ended input is an error that says which.
fn into_secret(
    answer: Option<Zeroizing<Vec<u8>>>,
    what: &str,
) -> Result<SecretString, PromptError> {
    let Some(answer) = answer else {
        return Err(PromptError::Closed {
            what: what.to_owned(),
        });
    };
    let text = std::str::from_utf8(&answer).map_err(|_| PromptError::Read {
        what: what.to_owned(),
        reason: "the answer is not UTF-8 text".into(),
    })?;
    let text = text.trim_end_matches('\r').trim();
    if text.is_empty() {
        return Err(PromptError::Empty {
            what: what.to_owned(),
        });
    }
    Ok(SecretString::from(text))
}

/// Asks one line on the terminal and returns it without its line ending. Echo stays on:
/// fine for an MFA code, which is dead once used.
pub fn ask_line(question: &str, what: &str, hint: &str) -> Result<SecretString, PromptError> {
    let tty = open_tty(what, hint)?;
    (&tty)
        .write_all(question.as_bytes())
        .map_err(|e| PromptError::Read {
            what: what.to_owned(),
            reason: e.kind().to_string(),
        })?;
    into_secret(read_answer(&tty, what)?, what)
}

/// Asks for a secret with echo off. The terminal's mode is restored on every way out: a
/// normal answer, an error, a panic (a guard's Drop), and SIGINT, SIGTERM, SIGHUP or SIGQUIT
/// (a handler restores it, then the signal takes its default course); Ctrl-Z restores it
/// while stopped and turns echo off again on `fg`.
pub fn ask_hidden(question: &str, what: &str, hint: &str) -> Result<SecretString, PromptError> {
    let tty = open_tty(what, hint)?;
    let read_err = |e: std::io::Error| PromptError::Read {
        what: what.to_owned(),
        reason: e.kind().to_string(),
    };
    (&tty).write_all(question.as_bytes()).map_err(read_err)?;
    let answer = {
        let _quiet = hidden::Quiet::start(&tty).map_err(read_err)?;
        read_answer(&tty, what)
    };
    // Echo was off, so the newline the user typed did not show.
    let _ = (&tty).write_all(b"\n");
    into_secret(answer?, what)
}

/// Echo off for the length of one answer, restored whatever happens.
mod hidden {
    use std::fs::File;
    use std::os::unix::io::AsRawFd;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

    /// The terminal and its mode before echo went off, for the signal handler, which can
    /// take no lock: written before ACTIVE is set, read only while it is.
    static FD: AtomicI32 = AtomicI32::new(-1);
    static ACTIVE: AtomicBool = AtomicBool::new(false);
    static mut SAVED: std::mem::MaybeUninit<libc::termios> = std::mem::MaybeUninit::uninit();
    static mut QUIET: std::mem::MaybeUninit<libc::termios> = std::mem::MaybeUninit::uninit();
    /// One hidden prompt at a time.
    static ONE: Mutex<()> = Mutex::new(());

    const FATAL: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];
    const STOP: [libc::c_int; 3] = [libc::SIGTSTP, libc::SIGTTIN, libc::SIGTTOU];

    pub struct Quiet {
        previous: Vec<(libc::c_int, libc::sigaction)>,
        _one: std::sync::MutexGuard<'static, ()>,
    }

    impl Quiet {
        pub fn start(tty: &File) -> std::io::Result<Quiet> {
            let one = ONE.lock().unwrap_or_else(|e| e.into_inner());
            let fd = tty.as_raw_fd();
            // SAFETY: tcgetattr fills the struct; SAVED and QUIET are written only here,
            // under ONE, before ACTIVE publishes them to the handler.
            unsafe {
                let mut saved: libc::termios = std::mem::zeroed();
                if libc::tcgetattr(fd, &mut saved) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let mut quiet = saved;
                quiet.c_lflag &= !(libc::ECHO | libc::ECHOE | libc::ECHOK);
                (*std::ptr::addr_of_mut!(SAVED)).write(saved);
                (*std::ptr::addr_of_mut!(QUIET)).write(quiet);
                FD.store(fd, Ordering::SeqCst);
                ACTIVE.store(true, Ordering::SeqCst);
            }
            let mut previous = Vec::new();
            for sig in FATAL.into_iter().chain(STOP) {
                // SAFETY: installs a handler that only calls async-signal-safe functions.
                unsafe {
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = handler();
                    libc::sigemptyset(&mut action.sa_mask);
                    action.sa_flags = libc::SA_RESTART;
                    let mut old: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(sig, &action, &mut old) == 0 {
                        previous.push((sig, old));
                    }
                }
            }
            let quiet = Quiet {
                previous,
                _one: one,
            };
            // SAFETY: QUIET was written above.
            if unsafe {
                libc::tcsetattr(fd, libc::TCSAFLUSH, (*std::ptr::addr_of!(QUIET)).as_ptr())
            } != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(quiet)
        }
    }

    impl Drop for Quiet {
        fn drop(&mut self) {
            restore();
            ACTIVE.store(false, Ordering::SeqCst);
            for (sig, old) in &self.previous {
                // SAFETY: puts back the disposition sigaction reported.
                unsafe {
                    libc::sigaction(*sig, old, std::ptr::null_mut());
                }
            }
        }
    }

    /// Puts the saved mode back, if a prompt is active. Async-signal-safe.
    fn restore() {
        if ACTIVE.load(Ordering::SeqCst) {
            // SAFETY: SAVED is initialised while ACTIVE is set; tcsetattr is
            // async-signal-safe.
            unsafe {
                libc::tcsetattr(
                    FD.load(Ordering::SeqCst),
                    libc::TCSANOW,
                    (*std::ptr::addr_of!(SAVED)).as_ptr(),
                );
            }
        }
    }

    fn handler() -> libc::sighandler_t {
        on_signal as extern "C" fn(libc::c_int) as *const () as libc::sighandler_t
    }

    /// Restores the terminal, then lets the signal do what it would have done: end the
    /// process (with the signal's own status) or stop it; after a stop, echo goes off again.
    extern "C" fn on_signal(sig: libc::c_int) {
        restore();
        // SAFETY: signal, raise, sigprocmask, write and tcsetattr are async-signal-safe.
        unsafe {
            let _ = libc::write(FD.load(Ordering::SeqCst), b"\n".as_ptr().cast(), 1);
            libc::signal(sig, libc::SIG_DFL);
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, sig);
            libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            libc::raise(sig);
            // Only a stop signal comes back here, after SIGCONT.
            libc::signal(sig, handler());
            if ACTIVE.load(Ordering::SeqCst) {
                libc::tcsetattr(
                    FD.load(Ordering::SeqCst),
                    libc::TCSAFLUSH,
                    (*std::ptr::addr_of!(QUIET)).as_ptr(),
                );
            }
        }
    }
}
