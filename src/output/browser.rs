//! Opens a URL that is a credential (the console sign-in URL) in the user's browser without
//! putting it on any process's argv, where other local users could read it: the opener
//! (`xdg-open`, `open`) gets `http://127.0.0.1:PORT/NONCE` instead, and a one-shot server on
//! that port answers the first request for the nonce with a redirect to the real URL, then
//! stops. Another user learns the port and nonce from the opener's argv, so a connection of
//! theirs is closed before anything is read from it (Linux), each connection is served on
//! its own thread (an idle one holds up nobody), and the deadline holds whatever arrives.

use super::peer;
use crate::secrets::process;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The longest request line read (the page's is about 50 bytes).
const MAX_LINE: usize = 8192;

/// How long the browser has to ask for the page.
pub const WAIT: Duration = Duration::from_secs(120);

/// How long one connection has to send its request line.
const REQUEST_WAIT: Duration = Duration::from_secs(5);

/// Connections of this user's served at once; more are closed unread.
const MAX_OPEN: usize = 16;

/// The program that opens a URL in the default browser.
fn opener() -> &'static str {
    if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    }
}

/// Sends the browser to `url` through a one-shot loopback redirect.
pub fn open(url: &Zeroizing<String>, wait: Duration) -> Result<(), String> {
    let redirect = Redirect::listen()?;
    let program = opener();
    let page = redirect.page();
    let mut child = process::spawn_quiet(program, std::slice::from_ref(&page)).map_err(|e| {
        format!("{e}; run `aws-auth login --print` and open the URL it prints yourself")
    })?;
    let mut opener_done = false;
    redirect.serve(url, wait, || {
        if !opener_done && let Ok(Some(status)) = child.try_wait() {
            opener_done = true;
            if !status.success() {
                return Err(format!(
                    "{program} could not open a browser ({status}); run `aws-auth login --print` \
                     and open the URL it prints yourself"
                ));
            }
        }
        Ok(())
    })
}

/// The listening side: the port and the nonce that make up the page's address.
struct Redirect {
    listener: TcpListener,
    local: SocketAddr,
    nonce: String,
}

impl Redirect {
    fn listen() -> Result<Redirect, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| format!("cannot listen on 127.0.0.1: {}", e.kind()))?;
        let local = listener
            .local_addr()
            .map_err(|e| format!("cannot listen on 127.0.0.1: {}", e.kind()))?;
        let mut nonce_bytes = [0u8; 16];
        aws_lc_rs::rand::fill(&mut nonce_bytes).map_err(|_| "no random numbers".to_owned())?;
        let nonce = nonce_bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Redirect {
            listener,
            local,
            nonce,
        })
    }

    /// The address the opener gets.
    fn page(&self) -> String {
        format!("http://{}/{}", self.local, self.nonce)
    }

    /// Serves until a connection of this user's got the redirect (Ok), `watch` fails, or
    /// `wait` has passed. The accept loop never reads: each connection gets a thread.
    fn serve(
        self,
        url: &Zeroizing<String>,
        wait: Duration,
        mut watch: impl FnMut() -> Result<(), String>,
    ) -> Result<(), String> {
        let deadline = Instant::now() + wait;
        let shared = Arc::new(Shared {
            nonce: self.nonce,
            url: Zeroizing::new(url.as_str().to_owned()),
            given: AtomicBool::new(false),
            open: AtomicUsize::new(0),
            deadline,
        });
        let (done, redirected) = mpsc::channel();
        loop {
            match self.listener.accept() {
                Ok((stream, peer)) => {
                    // Another user's connection, one too many, or one after the redirect
                    // was given (the page is gone): closed, nothing read.
                    if !shared.given.load(Ordering::SeqCst)
                        && peer::is_own(peer, self.local)
                        && shared.open.load(Ordering::SeqCst) < MAX_OPEN
                    {
                        start_answering(stream, &shared, &done);
                    }
                    continue;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(format!("waiting for the browser failed: {}", e.kind())),
            }
            if redirected.try_recv().is_ok() {
                return Ok(());
            }
            watch()?;
            if Instant::now() >= deadline {
                return Err(format!(
                    "no browser asked for the sign-in page within {} s; run `aws-auth login \
                     --print` and open the URL it prints yourself",
                    wait.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// What the accept loop and the connections' threads share.
struct Shared {
    nonce: String,
    url: Zeroizing<String>,
    /// Set by the one connection that sends the redirect: it is given once.
    given: AtomicBool,
    /// Connections being answered now.
    open: AtomicUsize,
    deadline: Instant,
}

/// Answers `stream` on a thread of its own; `done` hears of a redirect.
fn start_answering(stream: TcpStream, shared: &Arc<Shared>, done: &mpsc::Sender<()>) {
    shared.open.fetch_add(1, Ordering::SeqCst);
    let (mine, done) = (Arc::clone(shared), done.clone());
    let spawned = std::thread::Builder::new()
        .name("login-redirect".into())
        .spawn(move || {
            if answer(stream, &mine) {
                let _ = done.send(());
            }
            mine.open.fetch_sub(1, Ordering::SeqCst);
        });
    if spawned.is_err() {
        // No thread, no answer: the connection was closed with the closure.
        shared.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Reads one request line (until the deadline at most) and answers it: the redirect for the
/// nonce, the first time only; 404 otherwise. Whether this was the redirect.
fn answer(mut stream: TcpStream, shared: &Shared) -> bool {
    let _ = stream.set_nonblocking(false);
    let until = Instant::now() + REQUEST_WAIT;
    // Only the request line matters (`GET /NONCE HTTP/1.1`): read until it is whole.
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.contains(&b'\n') && head.len() < MAX_LINE {
        let left = until
            .min(shared.deadline)
            .saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let wanted = format!("GET /{} ", shared.nonce);
    let mut reply = |status: &str, extra: &str| {
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\n{extra}Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let _ = stream.flush();
    };
    if !line.starts_with(wanted.as_bytes()) || shared.given.swap(true, Ordering::SeqCst) {
        reply("404 Not Found", "");
        return false;
    }
    let mut location = Zeroizing::new(String::with_capacity(shared.url.len() + 16));
    location.push_str("Location: ");
    location.push_str(&shared.url);
    location.push_str("\r\n");
    reply("302 Found", &location);
    true
}

#[cfg(test)]
mod tests;
