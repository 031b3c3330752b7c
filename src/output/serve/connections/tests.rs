use super::*;
use std::time::Duration;

fn pushed_out(connection: &Admitted) -> bool {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(async {
            tokio::time::timeout(Duration::from_millis(20), connection.pushed_out())
                .await
                .is_ok()
        })
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn the_caps_fit_under_the_descriptor_limit() {
    let caps = |limit| {
        let c = Caps::for_limit(limit);
        (c.overall, c.per_peer)
    };
    assert_eq!(caps(1024), (960, 480));
    assert_eq!(caps(256), (192, 96));
    assert_eq!(caps(1_048_576), (4096, 2048));
    assert_eq!(caps(u64::MAX), (4096, 2048));
    assert_eq!(caps(20), (8, 4));
}

#[test]
fn past_the_overall_cap_the_longest_idle_connection_goes() {
    let connections = Connections::new(Caps {
        overall: 3,
        per_peer: 3,
    });
    let lo = ip("127.0.0.1");
    let first = connections.admit(lo);
    std::thread::sleep(Duration::from_millis(2));
    let second = connections.admit(lo);
    std::thread::sleep(Duration::from_millis(2));
    let third = connections.admit(lo);
    std::thread::sleep(Duration::from_millis(2));
    // The first asks again: the second is now the one idle longest.
    first.busy();
    let fourth = connections.admit(lo);
    assert_eq!(connections.count(), 3);
    assert!(pushed_out(&second));
    assert!(!pushed_out(&first));
    assert!(!pushed_out(&third));
    assert!(!pushed_out(&fourth));
    // Gone already: its end changes nothing for the others.
    drop(second);
    assert_eq!(connections.count(), 3);
    drop(third);
    assert_eq!(connections.count(), 2);
}

#[test]
fn past_the_cap_for_one_address_that_address_s_idlest_goes() {
    let connections = Connections::new(Caps {
        overall: 10,
        per_peer: 2,
    });
    let elder = connections.admit(ip("127.0.0.1"));
    std::thread::sleep(Duration::from_millis(2));
    let a = connections.admit(ip("127.0.0.2"));
    std::thread::sleep(Duration::from_millis(2));
    let b = connections.admit(ip("127.0.0.2"));
    std::thread::sleep(Duration::from_millis(2));
    let c = connections.admit(ip("127.0.0.2"));
    assert!(pushed_out(&a));
    assert!(!pushed_out(&elder));
    assert!(!pushed_out(&b));
    assert!(!pushed_out(&c));
    assert_eq!(connections.count(), 3);
}
