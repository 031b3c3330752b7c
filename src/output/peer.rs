//! Whose is the other end of a loopback TCP connection: `serve` and `login`'s redirect
//! answer only sockets of the user running aws-auth. Linux says in /proc/net/tcp; other
//! systems have no such table, and there the token or nonce alone guards the server.

use std::net::SocketAddr;

/// Whether the connection from `peer` to `local` (as accepted on our listener) is a socket
/// of this process's effective user.
#[cfg(target_os = "linux")]
pub fn is_own(peer: SocketAddr, local: SocketAddr) -> bool {
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    std::fs::read_to_string("/proc/net/tcp")
        .ok()
        .and_then(|table| socket_uid(&table, peer, local))
        == Some(me)
}

/// Other systems have no table to ask.
#[cfg(not(target_os = "linux"))]
pub fn is_own(_peer: SocketAddr, _local: SocketAddr) -> bool {
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
    // One search over the whole table for the pair, then the fields of that line only
    // (serve reads the table for every connection, a flood's included).
    let pair = format!(" {} {} ", hex(from)?, hex(to)?);
    let at = table.find(&pair)?;
    let line = table[at..].lines().next()?;
    line.split_whitespace().nth(6)?.parse().ok()
}

#[cfg(test)]
mod tests;
