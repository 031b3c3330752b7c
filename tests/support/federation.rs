//! The console's federation endpoint on loopback, as ../shared/REFERENCE.md describes it:
//! `GET /federation?Action=getSigninToken&Session=<URL-encoded JSON>` answers
//! `{"SigninToken":"..."}` for credentials with a session token, and HTTP 400 otherwise.
//! Every Session it got is recorded, decoded, so a test can check which credentials came.

use super::hostile_sts::{accept_until_stopped, read_request};
use super::sts_form::percent_decode;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The token every sign-in gets: distinctive, so a leak is easy to spot, and as long as
/// AWS's are (over a kilobyte).
pub const SIGNIN_TOKEN: &str = concat!(
    "SIGNINTOKEN-do-not-leak_",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789abcdefghijklmnopqrstuvwxyz",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789abcdefghijklmnopqrstuvwxyz",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789abcdefghijklmnopqrstuvwxyz",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789abcdefghijklmnopqrstuvwxyz",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789abcdefghijklmnopqrstuvwxyz",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789abcdefghijklmnopqrstuvwxyz",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789abcdefghijklmnopqrstuvwxyz",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789abcdefghijklmnopqrstuvwxyz",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789abcdefghijklmnopqrstuvwxyz",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789abcdefghijklmnopqrstuvwxyz",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789abcdefghijklmnopqrstuvwxyz",
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789abcdefghijklmnopqrstuvwxyz",
);

struct Shared {
    sessions: Mutex<Vec<String>>,
    refuse: bool,
    stop: AtomicBool,
}

pub struct Federation {
    port: u16,
    shared: Arc<Shared>,
}

impl Federation {
    /// `refuse`: every request gets HTTP 400, as AWS answers credentials it does not take.
    pub fn start(refuse: bool) -> Federation {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the federation server");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            sessions: Mutex::new(Vec::new()),
            refuse,
            stop: AtomicBool::new(false),
        });
        accept_until_stopped(listener, Arc::clone(&shared), |s| &s.stop, serve);
        Federation { port, shared }
    }

    /// What AWS_AUTH_SIGNIN_URL is set to.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/federation", self.port)
    }

    /// The decoded `Session` JSON of every getSigninToken request.
    pub fn sessions(&self) -> Vec<String> {
        self.shared.sessions.lock().unwrap().clone()
    }
}

impl Drop for Federation {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(mut stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Some(request) = read_request(&stream) else {
        return;
    };
    let query = request.target.split_once('?').map(|(_, q)| q).unwrap_or("");
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .map(percent_decode)
    };
    let session = param("Session");
    let ok = !shared.refuse
        && request.method == "GET"
        && request.target.starts_with("/federation?")
        && param("Action").as_deref() == Some("getSigninToken")
        && session
            .as_deref()
            .is_some_and(|s| s.contains("\"sessionToken\":\""));
    if let Some(session) = session {
        shared.sessions.lock().unwrap().push(session);
    }
    let (status, body) = if ok {
        ("200 OK", format!("{{\"SigninToken\":\"{SIGNIN_TOKEN}\"}}"))
    } else {
        (
            "400 Bad Request",
            "<html><body>Bad Request</body></html>".to_owned(),
        )
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}
