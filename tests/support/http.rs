//! The one loopback HTTP/1.1 server under the tests' fake AWS endpoints (the hostile and the
//! strict STS, the federation endpoint, the fault-injecting proxy): it binds 127.0.0.1:0,
//! serves each connection on a thread of its own, reads one request (head and a
//! Content-Length body, both bounded), hands it to the endpoint's handler, writes what that
//! answers with `Connection: close`, and stops when dropped. No keep-alive: none of the
//! endpoints needs it, and every client (aws-auth, the AWS CLI, curl) reconnects when told
//! to close.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// The most a request line and its headers may take. AWS requests need a few KiB; the bound
/// only keeps a broken client from filling memory.
const MAX_HEAD: usize = 64 * 1024;
/// The largest body read; the biggest the tests send is an STS or IAM form of a few KiB.
const MAX_BODY: usize = 1024 * 1024;
/// A client that sends nothing for this long is dropped, so no connection thread waits forever.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// One request as received. Header names are lower-cased, values trimmed.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// The request target as sent: path and query string.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A response to send: the status line, `Content-Type`, `Content-Length`, `headers` in their
/// order, `Connection: close`, then the body.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            content_type: content_type.to_owned(),
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header after those already added.
    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("Connection: close\r\n\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// What the server does with a request, as its handler decides.
#[derive(Clone, Debug)]
pub enum Answer {
    /// Sends this response, then closes the connection.
    Send(Response),
    /// Sends these bytes as they are (a whole response from elsewhere), then closes.
    Verbatim(Vec<u8>),
    /// Answers nothing and keeps the connection open until the server is dropped, as a
    /// server that hangs.
    Hang,
    /// Closes the connection without a word.
    Close,
}

impl From<Response> for Answer {
    fn from(response: Response) -> Answer {
        Answer::Send(response)
    }
}

/// A loopback port bound but not yet served, for a handler built with its number (the strict
/// STS salts its random source with it).
pub struct Port {
    listener: TcpListener,
    number: u16,
}

impl Port {
    pub fn bind() -> Port {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding a loopback port");
        let number = listener.local_addr().expect("local address").port();
        Port { listener, number }
    }

    pub fn number(&self) -> u16 {
        self.number
    }

    /// Serves every request with `handler`, each connection on a thread of its own, until the
    /// returned server is dropped.
    pub fn serve<H>(self, handler: H) -> Server
    where
        H: Fn(Request) -> Answer + Send + Sync + 'static,
    {
        let inner = Arc::new(Inner {
            stop: AtomicBool::new(false),
            held: Mutex::new(Vec::new()),
        });
        let accepting = Arc::clone(&inner);
        let handler = Arc::new(handler);
        thread::spawn(move || {
            for stream in self.listener.incoming() {
                if accepting.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (inner, handler) = (Arc::clone(&accepting), Arc::clone(&handler));
                thread::spawn(move || connection(stream, &*handler, &inner));
            }
        });
        Server {
            port: self.number,
            inner,
        }
    }
}

/// What the accept loop and the connection threads share with the [`Server`].
struct Inner {
    stop: AtomicBool,
    /// Connections kept open by [`Answer::Hang`].
    held: Mutex<Vec<TcpStream>>,
}

/// A serving loopback port; dropping it stops the accept loop and closes the hung connections.
pub struct Server {
    port: u16,
    inner: Arc<Inner>,
}

impl Server {
    /// Serves `handler` on a free loopback port.
    pub fn start<H>(handler: H) -> Server
    where
        H: Fn(Request) -> Answer + Send + Sync + 'static,
    {
        Port::bind().serve(handler)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        self.inner.held.lock().unwrap().clear();
    }
}

/// Why no request came off a connection.
enum Unread {
    /// Cut short, timed out or not HTTP: nothing to answer.
    Broken,
    /// Past [`MAX_HEAD`] or [`MAX_BODY`]: answered 413, so the test that sent it sees why.
    TooLarge,
}

fn connection(stream: TcpStream, handler: &impl Fn(Request) -> Answer, inner: &Inner) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let answer = match read_request(&stream) {
        Ok(request) => handler(request),
        Err(Unread::TooLarge) => Response::new(
            413,
            "text/plain",
            "the request is larger than the test server reads",
        )
        .into(),
        Err(Unread::Broken) => return,
    };
    let bytes = match answer {
        Answer::Send(response) => response.to_bytes(),
        Answer::Verbatim(bytes) => bytes,
        Answer::Hang => {
            inner.held.lock().unwrap().push(stream);
            return;
        }
        Answer::Close => return,
    };
    let mut stream = stream;
    let _ = stream.write_all(&bytes);
    let _ = stream.flush();
}

/// Reads one request (head + Content-Length body) off `stream`.
fn read_request(stream: &TcpStream) -> Result<Request, Unread> {
    let mut reader = BufReader::new(stream);
    let mut head_left = MAX_HEAD;
    let line = head_line(&mut reader, &mut head_left)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(Unread::Broken);
    };
    let (method, target) = (method.to_owned(), target.to_owned());
    let mut headers = Vec::new();
    loop {
        let line = head_line(&mut reader, &mut head_left)?;
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').ok_or(Unread::Broken)?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    // No Content-Length (or one that is not a number) means no body: no client of these
    // servers sends a chunked one.
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if length > MAX_BODY {
        return Err(Unread::TooLarge);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|_| Unread::Broken)?;
    Ok(Request {
        method,
        target,
        headers,
        body,
    })
}

/// One line of the head, line end included, taken from what is left of [`MAX_HEAD`].
fn head_line(reader: &mut impl BufRead, left: &mut usize) -> Result<String, Unread> {
    let mut line = String::new();
    let read = (&mut *reader)
        .take(*left as u64)
        .read_line(&mut line)
        .map_err(|_| Unread::Broken)?;
    if !line.ends_with('\n') {
        // A line cut by the bound is too large; one cut by the end of the stream, broken.
        return Err(if read == *left {
            Unread::TooLarge
        } else {
            Unread::Broken
        });
    }
    *left -= read;
    Ok(line)
}

/// The reason phrase for the statuses the fake servers send.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `bytes`, then reads until the server closes (or 5 s pass).
    fn exchange(server: &Server, bytes: &[u8]) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream.write_all(bytes).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[test]
    fn a_request_reaches_the_handler_and_its_response_the_client() {
        let server = Server::start(|request: Request| {
            let seen = format!(
                "{} {} {:?} {}",
                request.method,
                request.target,
                request.headers,
                String::from_utf8_lossy(&request.body)
            );
            Response::new(200, "text/plain", seen)
                .header("X-One", "1")
                .into()
        });
        let answer = exchange(
            &server,
            b"POST /p?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nA=b&c",
        );
        let seen = "POST /p?q=1 [(\"host\", \"x\"), (\"content-length\", \"5\")] A=b&c";
        assert_eq!(
            answer,
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
                 X-One: 1\r\nConnection: close\r\n\r\n{seen}",
                seen.len()
            )
        );
    }

    #[test]
    fn a_request_past_the_bounds_is_answered_413_unseen() {
        let server = Server::start(|_| panic!("the handler must not see it"));
        let long_header = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert!(exchange(&server, long_header.as_bytes()).starts_with("HTTP/1.1 413 "));
        let long_body = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        );
        assert!(exchange(&server, long_body.as_bytes()).starts_with("HTTP/1.1 413 "));
    }

    #[test]
    fn close_answers_nothing_and_hang_holds_the_connection_until_the_drop() {
        let closing = Server::start(|_| Answer::Close);
        assert_eq!(exchange(&closing, b"GET / HTTP/1.1\r\n\r\n"), "");
        let hanging = Server::start(|_| Answer::Hang);
        let mut stream = TcpStream::connect(("127.0.0.1", hanging.port())).unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut byte = [0; 1];
        assert!(stream.read(&mut byte).is_err(), "nothing while it hangs");
        drop(hanging);
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        // The server's end closes: end of stream (or a reset), not a timeout.
        let end = stream.read(&mut byte);
        assert!(
            matches!(end, Ok(0))
                || end
                    .as_ref()
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
            "{end:?}"
        );
    }
}
