//! The command run under `aws-auth serve`: started through `process::spawn` with the
//! endpoint's address and token and without any key, waited for while the server runs. SIGINT
//! is left to the command (the terminal sends it to the whole foreground group), SIGTERM is
//! passed on to it; aws-auth ends only after the command, with its exit status.

use super::{ServeError, Signals};
use crate::Outcome;
use crate::error::Error;
use crate::output::vars::{To, Vars};
use crate::secrets::process::{self, ChildEnv};
use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;

/// What the command is told.
pub struct Env<'a> {
    pub url: &'a str,
    pub token: &'a str,
    pub region: Option<&'a str>,
    pub profile: Option<&'a str>,
    /// Variables the profile reads a secret from.
    pub scrub: &'a [String],
}

/// Runs `command` to its end and returns its exit status (128+N when signal N killed it).
pub async fn run(
    command: Vec<OsString>,
    env: &Env<'_>,
    mut signals: Signals,
) -> Result<Outcome, Error> {
    let mut command = command.into_iter();
    let Some(program) = command.next() else {
        return Err(Error::Usage("serve: no command to run".into()));
    };
    let args: Vec<OsString> = command.collect();
    let vars = Vars::endpoint(
        env.url,
        env.token,
        env.region,
        "",
        To::Command {
            profile: env.profile,
            scrub: env.scrub,
        },
    );
    let child_env = ChildEnv {
        set: vars.set,
        remove: vars.unset,
    };
    let mut child = process::spawn(&program, &args, &child_env).map_err(|source| Error::Exec {
        program: crate::report::clean(&program.to_string_lossy()),
        source,
    })?;
    let pid = child.id();

    // A thread waits for the exit without reaping it, so the pid cannot be reused by another
    // process while SIGTERM may still be passed on to it.
    let (exited, mut has_exited) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("aws-auth-child".into())
        .spawn(move || {
            let _ = exited.send(wait_without_reaping(pid));
        })
        .map_err(ServeError::Thread)?;
    loop {
        tokio::select! {
            result = &mut has_exited => {
                match result {
                    Ok(Ok(())) | Err(_) => break,
                    Ok(Err(e)) => return Err(ServeError::Wait(e).into()),
                }
            }
            _ = signals.terminate.recv() => {
                if let Ok(pid) = libc::pid_t::try_from(pid) {
                    // SAFETY: kill(2) on our own unreaped child: the pid is still its own.
                    unsafe { libc::kill(pid, libc::SIGTERM) };
                }
            }
            // The command got it from the terminal too; it decides whether to stop.
            _ = signals.interrupt.recv() => {}
        }
    }
    let status = child.wait().map_err(ServeError::Wait)?;
    Ok(Outcome::Exit(
        status
            .code()
            .or_else(|| status.signal().map(|n| 128 + n))
            .unwrap_or(1),
    ))
}

/// Blocks until child `pid` has exited, leaving it a zombie for `Child::wait` to reap.
fn wait_without_reaping(pid: u32) -> std::io::Result<()> {
    loop {
        // SAFETY: an all-zero siginfo_t is a valid value, and waitid only writes into it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid on our own child with a valid out pointer.
        let result = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if result == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}
