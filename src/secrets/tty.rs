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
    /// Asking is turned off (`--no-prompt`, `prompt = "never"`, AWS_AUTH_PROMPT=never).
    #[error("{what} is needed, and asking is turned off (--no-prompt). {hint}")]
    NotAsked { what: String, hint: String },
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

/// Asks for a secret with echo off. The terminal's mode is restored on every way out
/// (`hidden`): an answer, an error, a panic, any signal that would end the process.
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

mod hidden;
