//! `aws-auth serve`: hands the session to AWS SDKs through the container-credentials endpoint
//! on loopback (`http://127.0.0.1:PORT/` and a token) instead of through the keys'
//! variables, and refreshes it in the background so no request waits on STS or a prompt.
//! With a command, the command gets the endpoint (never the keys) and the server ends with
//! it; without one, the endpoint's variables are printed for `eval` and the server runs until
//! SIGINT or SIGTERM. The HTTP side is in `endpoint`, the refreshing in `refresh`.

mod child;
mod connections;
mod endpoint;
mod exports;
mod refresh;
mod until;

use crate::Outcome;
use crate::error::Error;
use crate::output::render::Format;
use crate::providers::{Provider, Session};
use std::ffi::OsString;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// What can go wrong in serve itself (the credentials' own errors come from the provider).
/// No variant holds a secret.
/// What can go wrong in serve itself; `Error::Serve` says "serve: " before each.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("the system's random generator failed, so there is no token")]
    Random,
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(std::io::Error),
    #[error("cannot start the server: {0}")]
    Runtime(std::io::Error),
    #[error("cannot watch for SIGINT and SIGTERM: {0}")]
    Signals(std::io::Error),
    #[error("cannot start the refresh thread: {0}")]
    Thread(std::io::Error),
    #[error("waiting for the command failed: {0}")]
    Wait(std::io::Error),
    #[error("cannot point stdout at /dev/null: {0}")]
    Detach(std::io::Error),
    #[error("--until-exit {0}: there is no process {0}")]
    NoSuchProcess(u32),
}

/// Serves `provider`'s credentials: runs `command` against the endpoint and returns its exit
/// status, or (no command) prints the endpoint's variables in `format` and serves until
/// SIGINT or SIGTERM. The first `obtain` happens before anything is printed or started: if it
/// fails, that error is all there is.
pub fn run(
    session: Arc<Session>,
    format: Format,
    until_exit: Option<u32>,
    command: Vec<OsString>,
) -> Result<Outcome, Error> {
    if command.is_empty() && format.is_json() {
        return Err(Error::Usage(
            "serve without a command prints variables for a shell: --format json or sts has no use \
             there (use sh, fish or powershell)"
                .into(),
        ));
    }
    if let Some(pid) = until_exit
        && !crate::secrets::process::exists(pid)
    {
        return Err(ServeError::NoSuchProcess(pid).into());
    }
    let issued = session.obtain()?;
    let token = endpoint::Token::generate()?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(ServeError::Listen)?;
    listener.set_nonblocking(true).map_err(ServeError::Listen)?;
    let port = listener.local_addr().map_err(ServeError::Listen)?.port();
    let url = format!("http://127.0.0.1:{port}/");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;

    let held = Arc::new(refresh::Held::new(issued.credentials));
    let provider: Arc<dyn Provider> = Arc::clone(&session) as Arc<dyn Provider>;
    let _refresher = refresh::start(provider, session.min_ttl(), Arc::clone(&held))?;
    let connections = connections::Connections::new(connections::Caps::from_descriptor_limit());
    let server = endpoint::Server::new(held, token, port, connections);
    let region = issued.region;

    runtime.block_on(async move {
        // Before any child exists: a handler (unlike SIG_IGN) is not inherited across exec.
        let signals = Signals::watch()?;
        // Once SIGTERM is caught: the watch may send it at once.
        if let Some(pid) = until_exit {
            until::watch(pid)?;
        }
        let listener = tokio::net::TcpListener::from_std(listener).map_err(ServeError::Listen)?;
        match session.profile() {
            Some(profile) => {
                crate::say!("aws-auth: serving credentials for profile {profile} on {url}")
            }
            None => crate::say!("aws-auth: serving credentials on {url}"),
        }
        tokio::spawn(Arc::clone(&server).serve(listener));
        if command.is_empty() {
            let text = exports::render(
                format,
                &url,
                server.token(),
                region.as_deref(),
                session.profile(),
            )?;
            crate::write_stdout(text.as_bytes())?;
            detach_stdout()?;
            signals.either().await;
            Ok(Outcome::Exit(0))
        } else {
            let env = child::Env {
                url: &url,
                token: server.token(),
                region: region.as_deref(),
                profile: session.profile(),
                scrub: &session.settings().scrub,
            };
            child::run(command, &env, signals).await
        }
    })
}

/// SIGINT and SIGTERM, caught from here on.
struct Signals {
    interrupt: Signal,
    terminate: Signal,
}

impl Signals {
    fn watch() -> Result<Signals, ServeError> {
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt()).map_err(ServeError::Signals)?,
            terminate: signal(SignalKind::terminate()).map_err(ServeError::Signals)?,
        })
    }

    /// Until one of the two arrives.
    async fn either(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

/// Points fd 1 at /dev/null once the variables are out, so that
/// `eval "$(aws-auth serve &)"` sees end of file and returns while the server keeps running.
fn detach_stdout() -> Result<(), ServeError> {
    use std::os::fd::AsRawFd;
    let null = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .map_err(ServeError::Detach)?;
    // SAFETY: dup2 on two open descriptors; `null` stays open for the call, and fd 1 is
    // replaced atomically (std's stdout handle keeps writing to fd 1, now /dev/null).
    if unsafe { libc::dup2(null.as_raw_fd(), libc::STDOUT_FILENO) } < 0 {
        return Err(ServeError::Detach(std::io::Error::last_os_error()));
    }
    Ok(())
}
