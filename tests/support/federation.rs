//! The console's federation endpoint on loopback, as ../shared/REFERENCE.md describes it:
//! `GET /federation?Action=getSigninToken&Session=<URL-encoded JSON>` answers
//! `{"SigninToken":"..."}` for credentials with a session token, and HTTP 400 otherwise.
//! Every Session it got is recorded, decoded, so a test can check which credentials came.
//! Served by [`super::http`].

use super::http::{Answer, Request, Response, Server};
use super::sts_form::percent_decode;
use std::sync::{Arc, Mutex};

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
}

/// Stops serving when dropped.
pub struct Federation {
    server: Server,
    shared: Arc<Shared>,
}

impl Federation {
    /// `refuse`: every request gets HTTP 400, as AWS answers credentials it does not take.
    pub fn start(refuse: bool) -> Federation {
        let shared = Arc::new(Shared {
            sessions: Mutex::new(Vec::new()),
            refuse,
        });
        let handler = Arc::clone(&shared);
        let server = Server::start(move |request| serve(request, &handler));
        Federation { server, shared }
    }

    /// What AWS_AUTH_SIGNIN_URL is set to.
    pub fn url(&self) -> String {
        format!("{}/federation", self.server.url())
    }

    /// The decoded `Session` JSON of every getSigninToken request.
    pub fn sessions(&self) -> Vec<String> {
        self.shared.sessions.lock().unwrap().clone()
    }
}

fn serve(request: Request, shared: &Shared) -> Answer {
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
        (200, format!("{{\"SigninToken\":\"{SIGNIN_TOKEN}\"}}"))
    } else {
        (400, "<html><body>Bad Request</body></html>".to_owned())
    };
    Response::new(status, "application/json", body).into()
}
