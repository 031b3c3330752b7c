use super::*;
use std::net::{TcpListener, TcpStream};

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
    let uid = |from: &str| socket_uid(&table, from.parse().unwrap(), to);
    assert_eq!(uid("127.0.0.1:40000"), Some(1001));
    assert_eq!(uid("127.0.0.1:40001"), Some(0));
    assert_eq!(uid("127.0.0.1:40003"), None);
    // A line cut short (no uid) is no answer, and no panic.
    assert_eq!(uid("127.0.0.1:40002"), None);
    // The reverse direction is the server's own socket, not the client's.
    assert_eq!(
        socket_uid(&table, to, "127.0.0.1:40000".parse().unwrap()),
        None
    );
    // IPv6 peers are not in this table.
    assert_eq!(socket_uid(&table, "[::1]:40000".parse().unwrap(), to), None);
}

#[cfg(target_os = "linux")]
#[test]
fn a_connection_of_this_user_is_recognised() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let local = listener.local_addr().unwrap();
    let client = TcpStream::connect(local).unwrap();
    let (_server, peer) = listener.accept().unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
    assert!(is_own(peer, local));
    // A connection that is not in the table is nobody's.
    assert!(!is_own("127.0.0.1:1".parse().unwrap(), local));
}
