//! Questions to the person at the terminal. They go to /dev/tty, never stdout (which carries
//! the result) nor stderr (which credential_process callers swallow).

use secrecy::SecretString;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
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
    #[error("no {what} was entered")]
    Empty { what: String },
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

/// Asks one line on the terminal and returns it without its line ending. Echo stays on:
/// fine for an MFA code, which is dead once used.
pub fn ask_line(question: &str, what: &str, hint: &str) -> Result<SecretString, PromptError> {
    let tty = open_tty(what, hint)?;
    let read_err = |e: std::io::Error| PromptError::Read {
        what: what.to_owned(),
        reason: e.kind().to_string(),
    };
    (&tty).write_all(question.as_bytes()).map_err(read_err)?;
    let mut line = Zeroizing::new(String::with_capacity(64));
    BufReader::new(&tty)
        .read_line(&mut line)
        .map_err(read_err)?;
    let answer = line.trim_end_matches(['\n', '\r']).trim();
    if answer.is_empty() {
        return Err(PromptError::Empty {
            what: what.to_owned(),
        });
    }
    Ok(SecretString::from(answer))
}

/// Asks for a secret with echo off (rpassword reads /dev/tty).
pub fn ask_hidden(question: &str, what: &str, hint: &str) -> Result<SecretString, PromptError> {
    drop(open_tty(what, hint)?);
    let answer =
        Zeroizing::new(
            rpassword::prompt_password(question).map_err(|e| PromptError::Read {
                what: what.to_owned(),
                reason: e.kind().to_string(),
            })?,
        );
    if answer.trim().is_empty() {
        return Err(PromptError::Empty {
            what: what.to_owned(),
        });
    }
    Ok(SecretString::from(answer.trim()))
}
