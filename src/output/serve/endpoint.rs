//! The container-credentials endpoint: HTTP/1 on a loopback port, answering each request at
//! once from the credentials held now (never waiting on STS). A request must name a loopback
//! host (a guard against DNS rebinding) and carry the token, compared in constant time; a
//! refused one ends its connection. Which connections are taken at all is `connections`'.
//! Bodies with secrets are built in zeroizing buffers that hyper writes without copying.

use super::ServeError;
use super::connections::Connections;
use super::refresh::Held;
use crate::credentials::{SessionCredentials, format_expiration, now_secs};
use crate::output::peer;
use crate::output::render::json::quote;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::http::request::Parts;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use secrecy::ExposeSecret;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// Random bytes in a token (hex-encoded: twice as many characters, no CR or LF).
const TOKEN_BYTES: usize = 32;
/// A client that has not sent its request head by then is dropped.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The value clients send verbatim in `Authorization`.
pub struct Token(Zeroizing<String>);

impl Token {
    pub fn generate() -> Result<Token, ServeError> {
        let mut bytes = Zeroizing::new([0u8; TOKEN_BYTES]);
        aws_lc_rs::rand::fill(&mut bytes[..]).map_err(|_| ServeError::Random)?;
        let mut hex = Zeroizing::new(String::with_capacity(2 * TOKEN_BYTES));
        for byte in bytes.iter() {
            for nibble in [byte >> 4, byte & 0xf] {
                hex.push(char::from(b"0123456789abcdef"[usize::from(nibble)]));
            }
        }
        Ok(Token(hex))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn matches(&self, given: &[u8]) -> bool {
        aws_lc_rs::constant_time::verify_slices_are_equal(self.0.as_bytes(), given).is_ok()
    }
}

/// What every connection shares: the credentials, the token and the port requests must name.
pub struct Server {
    held: Arc<Held>,
    token: Token,
    port: u16,
    connections: Arc<Connections>,
}

impl Server {
    pub fn new(
        held: Arc<Held>,
        token: Token,
        port: u16,
        connections: Arc<Connections>,
    ) -> Arc<Server> {
        Arc::new(Server {
            held,
            token,
            port,
            connections,
        })
    }

    pub fn token(&self) -> &str {
        self.token.as_str()
    }

    /// Accepts connections until the runtime stops, one task per connection. Another
    /// user's connection is closed unread; the rest are admitted under the caps.
    pub async fn serve(self: Arc<Self>, listener: tokio::net::TcpListener) {
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(_) => {
                    // A connection reset before accept, or (past the caps' reserve) out of
                    // descriptors: try again soon.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            match stream.local_addr() {
                Ok(local) if peer::is_own(peer, local) => {}
                _ => continue,
            }
            let admitted = Arc::new(self.connections.admit(peer.ip()));
            let server = Arc::clone(&self);
            tokio::spawn(async move {
                let service = service_fn({
                    let admitted = Arc::clone(&admitted);
                    move |request: Request<Incoming>| {
                        admitted.busy();
                        let response = server.answer(&request.into_parts().0);
                        async move { Ok::<_, Infallible>(response) }
                    }
                });
                // writev: hyper queues the body as given instead of copying it into its own
                // (never zeroized) write buffer.
                let connection = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_READ_TIMEOUT)
                    .writev(true)
                    .serve_connection(TokioIo::new(stream), service);
                tokio::select! {
                    _ = connection => {}
                    () = admitted.pushed_out() => {}
                }
            });
        }
    }

    /// The whole answer to one request.
    pub fn answer(&self, request: &Parts) -> Response<Full<Bytes>> {
        if let Err(refusal) = self.check(request) {
            return refusal.response();
        }
        let credentials = self.held.get();
        if credentials.remaining_secs(now_secs()) <= 0 {
            return Refusal::Expired.response();
        }
        respond(
            StatusCode::OK,
            Bytes::from_owner(credentials_body(&credentials)),
        )
    }

    /// Host first (a rebinding page learns nothing), then the token, then the method and path.
    fn check(&self, request: &Parts) -> Result<(), Refusal> {
        let host = single(&request.headers, header::HOST).map_err(|_| Refusal::Host)?;
        if !is_loopback_host(host.as_bytes(), self.port)
            || request
                .uri
                .authority()
                .is_some_and(|a| !is_loopback_host(a.as_str().as_bytes(), self.port))
        {
            return Err(Refusal::Host);
        }
        match single(&request.headers, header::AUTHORIZATION) {
            Err(Missing::None) => return Err(Refusal::NoToken),
            Err(Missing::Several) => return Err(Refusal::WrongToken),
            Ok(given) if !self.token.matches(given.as_bytes()) => {
                return Err(Refusal::WrongToken);
            }
            Ok(_) => {}
        }
        if request.method != Method::GET {
            return Err(Refusal::Method);
        }
        if request.uri.path() != "/" {
            return Err(Refusal::Path);
        }
        Ok(())
    }
}

enum Missing {
    None,
    Several,
}

/// The one value of a header that must appear exactly once.
fn single(headers: &HeaderMap, name: header::HeaderName) -> Result<&HeaderValue, Missing> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => Ok(value),
        (None, _) => Err(Missing::None),
        (Some(_), Some(_)) => Err(Missing::Several),
    }
}

/// `127.0.0.1`, `localhost` or `[::1]`, with no port or this server's port.
fn is_loopback_host(host: &[u8], port: u16) -> bool {
    let port = format!(":{port}");
    ["127.0.0.1", "localhost", "[::1]"].iter().any(|name| {
        host.len() >= name.len() && host[..name.len()].eq_ignore_ascii_case(name.as_bytes()) && {
            let rest = &host[name.len()..];
            rest.is_empty() || rest == port.as_bytes()
        }
    })
}

/// Every way a request is turned down, with its status and JSON error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Host,
    NoToken,
    WrongToken,
    Method,
    Path,
    Expired,
}

impl Refusal {
    fn response(self) -> Response<Full<Bytes>> {
        let (status, code, message) = match self {
            Refusal::Host => (
                StatusCode::FORBIDDEN,
                "InvalidHost",
                "the Host header must name a loopback address (127.0.0.1, localhost or [::1])",
            ),
            Refusal::NoToken => (
                StatusCode::UNAUTHORIZED,
                "MissingAuthorization",
                "send the value of AWS_CONTAINER_AUTHORIZATION_TOKEN in the Authorization header",
            ),
            Refusal::WrongToken => (
                StatusCode::FORBIDDEN,
                "InvalidAuthorization",
                "the Authorization header does not hold this server's token",
            ),
            Refusal::Method => (
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                "only GET is served",
            ),
            Refusal::Path => (
                StatusCode::NOT_FOUND,
                "NotFound",
                "credentials are served at /",
            ),
            Refusal::Expired => (
                StatusCode::SERVICE_UNAVAILABLE,
                "CredentialsExpired",
                "the credentials have expired and refreshing them has failed so far \
                 (see aws-auth's stderr)",
            ),
        };
        let mut body = String::with_capacity(64 + code.len() + message.len());
        body.push_str("{\"code\": ");
        quote(code, &mut body);
        body.push_str(", \"message\": ");
        quote(message, &mut body);
        body.push('}');
        let mut response = respond(status, Bytes::from(body));
        let headers = response.headers_mut();
        if self == Refusal::Method {
            headers.insert(header::ALLOW, HeaderValue::from_static("GET"));
        }
        // A request that failed the checks is not from a client of ours: its connection ends
        // (hyper closes it once this is written). An owner's request for expired
        // credentials keeps its connection for the next try.
        if self != Refusal::Expired {
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

fn respond(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}`, in a buffer sized for the
/// worst case up front (growing would leave an unzeroized copy behind).
fn credentials_body(credentials: &SessionCredentials) -> Zeroizing<Vec<u8>> {
    let expiration = format_expiration(&credentials.expiration);
    let secret = credentials.secret_access_key.expose_secret();
    let token = credentials.session_token.expose_secret();
    // JSON's \u00XX is six bytes for one.
    let capacity =
        128 + 6 * (credentials.access_key_id.len() + secret.len() + token.len() + expiration.len());
    let mut out = Zeroizing::new(String::with_capacity(capacity));
    out.push_str("{\"AccessKeyId\": ");
    quote(&credentials.access_key_id, &mut out);
    out.push_str(", \"SecretAccessKey\": ");
    quote(secret, &mut out);
    out.push_str(", \"Token\": ");
    quote(token, &mut out);
    out.push_str(", \"Expiration\": ");
    quote(&expiration, &mut out);
    out.push('}');
    debug_assert!(out.len() <= capacity, "the body buffer grew");
    // Moves the buffer out (no copy); the empty String left behind has nothing to wipe.
    Zeroizing::new(std::mem::take(&mut *out).into_bytes())
}

#[cfg(test)]
mod tests;
