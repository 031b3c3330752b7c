//! Opens a URL that is a credential (the console sign-in URL) in the user's browser without
//! putting it on any process's argv, where other local users could read it: the opener
//! (`xdg-open`, `open`) gets `http://127.0.0.1:PORT/NONCE` instead, and a one-shot server on
//! that port answers the first request for the nonce, from a connection of this user's
//! (checked in /proc/net/tcp on Linux), with a redirect to the real URL, then stops.

use crate::secrets::process;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The longest request line read (the page's is about 50 bytes).
const MAX_LINE: usize = 8192;

/// How long the browser has to ask for the page.
pub const WAIT: Duration = Duration::from_secs(120);

/// The program that opens a URL in the default browser.
fn opener() -> &'static str {
    if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    }
}

/// What happened to one connection.
enum Answer {
    /// The browser got the redirect: done.
    Redirected,
    /// Someone else, or another path: refused, keep waiting.
    Refused,
}

/// Sends the browser to `url` through a one-shot loopback redirect.
pub fn open(url: &Zeroizing<String>, wait: Duration) -> Result<(), String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|e| format!("cannot listen on 127.0.0.1: {}", e.kind()))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on 127.0.0.1: {}", e.kind()))?;
    let mut nonce_bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut nonce_bytes).map_err(|_| "no random numbers".to_owned())?;
    let nonce: String = nonce_bytes.iter().map(|b| format!("{b:02x}")).collect();
    let page = format!("http://{local}/{nonce}");
    let program = opener();
    let mut child = process::spawn_quiet(program, std::slice::from_ref(&page)).map_err(|e| {
        format!("{e}; run `aws-auth login --print` and open the URL it prints yourself")
    })?;
    let deadline = Instant::now() + wait;
    let mut opener_done = false;
    loop {
        match listener.accept() {
            Ok((stream, peer)) => {
                if let Answer::Redirected = answer(stream, peer, local, &nonce, url) {
                    return Ok(());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if !opener_done && let Ok(Some(status)) = child.try_wait() {
                    opener_done = true;
                    if !status.success() {
                        return Err(format!(
                            "{program} could not open a browser ({status}); run `aws-auth login --print` and open \
                             the URL it prints yourself"
                        ));
                    }
                }
                if Instant::now() >= deadline {
                    return Err(format!(
                        "no browser asked for the sign-in page within {} s; run `aws-auth login --print` and open \
                         the URL it prints yourself",
                        wait.as_secs()
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(format!("waiting for the browser failed: {}", e.kind())),
        }
    }
}

/// Reads one request and answers it.
fn answer(
    mut stream: TcpStream,
    peer: SocketAddr,
    local: SocketAddr,
    nonce: &str,
    url: &str,
) -> Answer {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    // Only the request line matters (`GET /NONCE HTTP/1.1`): read until it is whole.
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.contains(&b'\n') && head.len() < MAX_LINE {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let wanted = format!("GET /{nonce} ");
    let mut reply = |status: &str, extra: &str| {
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\n{extra}Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let _ = stream.flush();
    };
    if !same_user(peer, local) {
        reply("403 Forbidden", "");
        return Answer::Refused;
    }
    if !line.starts_with(wanted.as_bytes()) {
        reply("404 Not Found", "");
        return Answer::Refused;
    }
    let mut location = Zeroizing::new(String::with_capacity(url.len() + 16));
    location.push_str("Location: ");
    location.push_str(url);
    location.push_str("\r\n");
    reply("302 Found", &location);
    Answer::Redirected
}

/// Whether the connection from `peer` to `local` is a socket of this user's.
#[cfg(target_os = "linux")]
fn same_user(peer: SocketAddr, local: SocketAddr) -> bool {
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    std::fs::read_to_string("/proc/net/tcp")
        .ok()
        .and_then(|table| socket_uid(&table, peer, local))
        == Some(me)
}

/// Other systems have no table to ask: the nonce alone guards the page.
#[cfg(not(target_os = "linux"))]
fn same_user(_peer: SocketAddr, _local: SocketAddr) -> bool {
    true
}

/// The uid of the socket `from` -> `to` in a /proc/net/tcp table (addresses as the
/// kernel prints them: the IPv4 address as a native-endian hex word, the port in hex).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn socket_uid(table: &str, from: SocketAddr, to: SocketAddr) -> Option<u32> {
    let hex = |address: SocketAddr| match address {
        SocketAddr::V4(a) => Some(format!(
            "{:08X}:{:04X}",
            u32::from_ne_bytes(a.ip().octets()),
            a.port()
        )),
        SocketAddr::V6(_) => None,
    };
    let (from, to) = (hex(from)?, hex(to)?);
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        (fields.len() > 7 && fields[1] == from && fields[2] == to)
            .then(|| fields[7].parse().ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connecting_socket_s_owner_is_found_in_the_table() {
        let word = |ip: [u8; 4]| format!("{:08X}", u32::from_ne_bytes(ip));
        let lo = word([127, 0, 0, 1]);
        let table = format!(
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
             \x20  0: {lo}:9C40 {lo}:1F90 01 00000000:00000000 00:00000000 00000000  1001        0 1 1\n\
             \x20  1: {lo}:9C41 {lo}:1F90 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n\
             \x20  2: {lo}:9C42 {lo}:1F90 01 00000000:00000000 00:00000000 00000000\n"
        );
        let to: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(
            socket_uid(&table, "127.0.0.1:40000".parse().unwrap(), to),
            Some(1001)
        );
        assert_eq!(
            socket_uid(&table, "127.0.0.1:40001".parse().unwrap(), to),
            Some(0)
        );
        assert_eq!(
            socket_uid(&table, "127.0.0.1:40003".parse().unwrap(), to),
            None
        );
        // A line cut short (7 fields, no uid) is no answer, and no panic.
        assert_eq!(
            socket_uid(&table, "127.0.0.1:40002".parse().unwrap(), to),
            None
        );
        // The reverse direction is the server's own socket, not the client's.
        assert_eq!(
            socket_uid(&table, to, "127.0.0.1:40000".parse().unwrap()),
            None
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_connection_of_this_user_is_recognised() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let local = listener.local_addr().unwrap();
        let client = TcpStream::connect(local).unwrap();
        let (_server, peer) = listener.accept().unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert!(same_user(peer, local));
        // A connection that is not in the table is nobody's.
        assert!(!same_user("127.0.0.1:1".parse().unwrap(), local));
    }
}
