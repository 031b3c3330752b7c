//! A proxy in front of moto that injects AWS errors: each request is forwarded as it came,
//! unless a fault matches its `Action` (and, optionally, the key that signed it), in which
//! case the proxy answers with that fault's error instead, as AWS would (an `ErrorResponse`
//! document). Used to fail a multi-step command (rotate) between any two of its steps, with
//! every other step done by the real moto.

use super::hostile_sts::{accept_until_stopped, error_body, read_request, reason};
use super::sts_form::signing_key_id;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    stop: AtomicBool,
}

pub struct AwsProxy {
    port: u16,
    shared: Arc<Shared>,
}

impl AwsProxy {
    /// A proxy to the moto server on `upstream`.
    pub fn start(upstream: u16, faults: Vec<Fault>) -> AwsProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the proxy");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            upstream,
            faults: Mutex::new(faults),
            seen: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        accept_until_stopped(listener, Arc::clone(&shared), |s| &s.stop, serve);
        AwsProxy { port, shared }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
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

impl Drop for AwsProxy {
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
    let action = request.action().unwrap_or_default().to_owned();
    let key = signing_key_id(&request);
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
        let head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            fault.status,
            reason(fault.status),
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body.as_bytes());
        return;
    }
    let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", shared.upstream)) else {
        return;
    };
    let mut forwarded = format!("{} {} HTTP/1.1\r\n", request.method, request.target);
    for (name, value) in &request.headers {
        if name != "connection" {
            forwarded.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    forwarded.push_str("connection: close\r\n\r\n");
    forwarded.push_str(&request.body);
    if upstream.write_all(forwarded.as_bytes()).is_err() {
        return;
    }
    let mut answer = Vec::new();
    let _ = upstream.read_to_end(&mut answer);
    let _ = stream.write_all(&answer);
}
