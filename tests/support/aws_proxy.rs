//! A proxy in front of moto that injects AWS errors: each request is forwarded as it came,
//! unless a fault matches its `Action` (and, optionally, the key that signed it), in which
//! case the proxy answers with that fault's error instead, as AWS would (an `ErrorResponse`
//! document). Used to fail a multi-step command (rotate) between any two of its steps, with
//! every other step done by the real moto. Served by [`super::http`].

use super::hostile_sts::{Request, error_body};
use super::http::{self, Answer, Response, Server};
use super::sts_form::signing_key_id;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

/// An error answered instead of forwarding.
#[derive(Clone, Debug)]
pub struct Fault {
    pub action: &'static str,
    /// Only requests signed by a key other than this one (None: any request).
    pub unless_signed_by: Option<String>,
    /// How many matching requests fail (then they are forwarded).
    pub times: usize,
    pub status: u16,
    pub code: &'static str,
}

impl Fault {
    /// Every `action` request fails with `code`.
    pub fn always(action: &'static str, status: u16, code: &'static str) -> Fault {
        Fault {
            action,
            unless_signed_by: None,
            times: usize::MAX,
            status,
            code,
        }
    }
}

struct Shared {
    upstream: u16,
    faults: Mutex<Vec<Fault>>,
    /// (Action, signing key id) of every request, in order.
    seen: Mutex<Vec<(String, Option<String>)>>,
}

/// Stops serving when dropped.
pub struct AwsProxy {
    server: Server,
    shared: Arc<Shared>,
}

impl AwsProxy {
    /// A proxy to the moto server on `upstream`.
    pub fn start(upstream: u16, faults: Vec<Fault>) -> AwsProxy {
        let shared = Arc::new(Shared {
            upstream,
            faults: Mutex::new(faults),
            seen: Mutex::new(Vec::new()),
        });
        let handler = Arc::clone(&shared);
        let server = Server::start(move |request| serve(request, &handler));
        AwsProxy { server, shared }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// (Action, signing key id) of every request so far, in order.
    pub fn calls(&self) -> Vec<(String, Option<String>)> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// The actions requested so far, in order.
    pub fn actions(&self) -> Vec<String> {
        let seen = self.shared.seen.lock().unwrap();
        seen.iter().map(|(action, _)| action.clone()).collect()
    }
}

fn serve(request: http::Request, shared: &Shared) -> Answer {
    // Read as STS's form; forwarded as it came.
    let form = Request::from(request.clone());
    let action = form.action().unwrap_or_default().to_owned();
    let key = signing_key_id(&form);
    shared
        .seen
        .lock()
        .unwrap()
        .push((action.clone(), key.clone()));
    let fault = {
        let mut faults = shared.faults.lock().unwrap();
        faults
            .iter_mut()
            .find(|f| {
                f.times > 0
                    && f.action == action
                    && f.unless_signed_by
                        .as_ref()
                        .is_none_or(|id| key.as_deref() != Some(id.as_str()))
            })
            .map(|f| {
                f.times -= 1;
                f.clone()
            })
    };
    if let Some(fault) = fault {
        let body = error_body(
            "Sender",
            fault.code,
            &format!("injected by the test proxy for {action}"),
        );
        return Response::new(fault.status, "text/xml", body).into();
    }
    forward(shared.upstream, &request).map_or(Answer::Close, Answer::Verbatim)
}

/// Moto's whole answer to `request`, sent as it came but with `connection: close`, so the
/// answer ends where moto closes; None (the client's connection closed unanswered) when moto
/// cannot be reached.
fn forward(upstream: u16, request: &http::Request) -> Option<Vec<u8>> {
    let mut upstream = TcpStream::connect(("127.0.0.1", upstream)).ok()?;
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.target);
    for (name, value) in &request.headers {
        if name != "connection" {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("connection: close\r\n\r\n");
    let mut forwarded = head.into_bytes();
    forwarded.extend_from_slice(&request.body);
    upstream.write_all(&forwarded).ok()?;
    let mut answer = Vec::new();
    // What came before an error is still sent on, as a cut answer.
    let _ = upstream.read_to_end(&mut answer);
    Some(answer)
}
