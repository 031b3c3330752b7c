//! The container-credentials endpoint: HTTP/1 on a loopback port, answering each request at
//! once from the credentials held now (never waiting on STS). A request must name a loopback
//! host (a guard against DNS rebinding) and carry the token, compared in constant time.
//! Bodies with secrets are built in zeroizing buffers that hyper writes without copying.

use super::ServeError;
use super::refresh::Held;
use crate::credentials::{SessionCredentials, format_expiration, now_secs};
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
}

impl Server {
    pub fn new(held: Arc<Held>, token: Token, port: u16) -> Arc<Server> {
        Arc::new(Server { held, token, port })
    }

    pub fn token(&self) -> &str {
        self.token.as_str()
    }

    /// Accepts connections until the runtime stops, one task per connection.
    pub async fn serve(self: Arc<Self>, listener: tokio::net::TcpListener) {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of descriptors, or a connection reset before accept: try again soon.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let server = Arc::clone(&self);
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<Incoming>| {
                    let response = server.answer(&request.into_parts().0);
                    async move { Ok::<_, Infallible>(response) }
                });
                // writev: hyper queues the body as given instead of copying it into its own
                // (never zeroized) write buffer.
                let _ = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_READ_TIMEOUT)
                    .writev(true)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
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
        if self == Refusal::Method {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET"));
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
mod tests {
    use super::*;

    /// The body is sized for the worst case up front (a grown buffer leaves a copy of the
    /// secret behind): credentials of nothing but control characters, six bytes each in
    /// JSON, stay inside it (the function's debug assertion checks it).
    #[test]
    fn the_worst_case_body_fits_the_buffer() {
        let control = "\u{1}".repeat(300);
        let body = credentials_body(&SessionCredentials {
            access_key_id: control.clone(),
            secret_access_key: SecretString::from(control.clone()),
            session_token: SecretString::from(control.repeat(3)),
            expiration: DateTime::from_secs(1_700_000_000),
        });
        assert!(body.len() > 6 * 5 * control.len(), "{}", body.len());
    }

    /// 64 lowercase hex digits, each nibble of the random bytes one digit: over 64 tokens
    /// every digit shows in both places of a byte (a nibble lost to a bad shift or mask
    /// would leave whole digits out, and the token with a fraction of its 256 bits), and no
    /// token repeats.
    #[test]
    fn a_token_is_every_random_bit_in_hex() {
        let tokens: Vec<String> = (0..64)
            .map(|_| Token::generate().unwrap().as_str().to_owned())
            .collect();
        let mut high = std::collections::BTreeSet::new();
        let mut low = std::collections::BTreeSet::new();
        for token in &tokens {
            assert_eq!(token.len(), 2 * TOKEN_BYTES);
            assert!(
                token.bytes().all(|b| b"0123456789abcdef".contains(&b)),
                "{token}"
            );
            for pair in token.as_bytes().chunks(2) {
                high.insert(pair[0]);
                low.insert(pair[1]);
            }
        }
        assert_eq!(high.len(), 16, "high nibbles");
        assert_eq!(low.len(), 16, "low nibbles");
        let distinct: std::collections::BTreeSet<&String> = tokens.iter().collect();
        assert_eq!(distinct.len(), tokens.len());
    }
    use aws_smithy_types::DateTime;
    use http_body_util::BodyExt;
    use secrecy::SecretString;

    const PORT: u16 = 4321;

    fn server(expiration: i64) -> Arc<Server> {
        let held = Arc::new(Held::new(SessionCredentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: SecretString::from("se\"cret\\key"),
            session_token: SecretString::from("tok\nen"),
            expiration: DateTime::from_secs(expiration),
        }));
        Server::new(held, Token::generate().unwrap(), PORT)
    }

    fn request(method: &str, host: Option<&str>, authorization: Option<&str>) -> Parts {
        let mut builder = Request::builder().method(method).uri("/");
        if let Some(host) = host {
            builder = builder.header(header::HOST, host);
        }
        if let Some(value) = authorization {
            builder = builder.header(header::AUTHORIZATION, value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn body(response: Response<Full<Bytes>>) -> String {
        let collected = futures_now(response.into_body().collect()).unwrap();
        String::from_utf8(collected.to_bytes().to_vec()).unwrap()
    }

    /// A `Full` body is ready at once: one poll with a no-op waker finishes it.
    fn futures_now<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        match future.as_mut().poll(&mut context) {
            std::task::Poll::Ready(output) => output,
            std::task::Poll::Pending => panic!("a full body was not ready"),
        }
    }

    #[test]
    fn token_is_64_hex_characters_and_new_each_time() {
        let a = Token::generate().unwrap();
        let b = Token::generate().unwrap();
        assert_eq!(a.as_str().len(), 64);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.as_str(), b.as_str());
    }

    #[test]
    fn loopback_hosts_with_no_port_or_this_port_only() {
        for good in [
            "127.0.0.1",
            "127.0.0.1:4321",
            "localhost",
            "LocalHost:4321",
            "[::1]",
            "[::1]:4321",
        ] {
            assert!(is_loopback_host(good.as_bytes(), PORT), "{good}");
        }
        for bad in [
            "",
            "evil.example",
            "127.0.0.1:80",
            "127.0.0.1:",
            "127.0.0.1.evil.example",
            "localhost.evil.example:4321",
            "localhost:43210",
            "[::1]x",
            "127.0.0.2",
            "0.0.0.0",
        ] {
            assert!(!is_loopback_host(bad.as_bytes(), PORT), "{bad}");
        }
    }

    #[test]
    fn each_check_has_its_status() {
        let server = server(now_secs() + 3600);
        let token = server.token().to_owned();
        let host = Some("127.0.0.1:4321");
        let cases = [
            (request("GET", host, None), 401),
            (request("GET", host, Some("wrong")), 403),
            (request("GET", host, Some(&format!("Bearer {token}"))), 403),
            (request("GET", host, Some(&token[..63])), 403),
            (request("GET", Some("evil.example"), Some(&token)), 403),
            (request("GET", None, Some(&token)), 403),
            (request("POST", host, Some(&token)), 405),
            (request("HEAD", host, Some(&token)), 405),
            (request("GET", host, Some(&token)), 200),
        ];
        for (parts, status) in cases {
            let response = server.answer(&parts);
            assert_eq!(response.status().as_u16(), status, "{parts:?}");
            assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        }
    }

    #[test]
    fn two_authorization_headers_are_refused() {
        let server = server(now_secs() + 3600);
        let mut parts = request("GET", Some("localhost"), Some(server.token()));
        let token = HeaderValue::from_str(server.token()).unwrap();
        parts.headers.append(header::AUTHORIZATION, token);
        assert_eq!(server.answer(&parts).status(), StatusCode::FORBIDDEN);
    }

    #[test]
    fn an_absolute_uri_must_name_loopback_too() {
        let server = server(now_secs() + 3600);
        let mut parts = request("GET", Some("localhost"), Some(server.token()));
        parts.uri = "http://evil.example/".parse().unwrap();
        assert_eq!(server.answer(&parts).status(), StatusCode::FORBIDDEN);
    }

    #[test]
    fn credentials_are_json_with_the_four_fields() {
        let server = server(4_102_444_800);
        let parts = request("GET", Some("[::1]"), Some(server.token()));
        assert_eq!(
            body(server.answer(&parts)),
            "{\"AccessKeyId\": \"ASIAEXAMPLE\", \"SecretAccessKey\": \"se\\\"cret\\\\key\", \
             \"Token\": \"tok\\nen\", \"Expiration\": \"2100-01-01T00:00:00Z\"}"
        );
    }

    #[test]
    fn expired_credentials_are_a_503_with_a_json_error() {
        let server = server(now_secs() - 1);
        let parts = request("GET", Some("localhost"), Some(server.token()));
        let response = server.answer(&parts);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let text = body(response);
        assert!(text.starts_with("{\"code\": \"CredentialsExpired\", \"message\": "));
        assert!(!text.contains("cret"));
    }

    #[test]
    fn errors_never_carry_the_token() {
        let server = server(now_secs() + 3600);
        let parts = request("GET", Some("evil.example"), Some(server.token()));
        assert!(!body(server.answer(&parts)).contains(server.token()));
    }
}
