//! Unit tests of `output::serve::endpoint`.

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
    let caps = super::super::connections::Caps {
        overall: 8,
        per_peer: 8,
    };
    Server::new(
        held,
        Token::generate().unwrap(),
        PORT,
        Connections::new(caps),
    )
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
    let mut elsewhere = request("GET", host, Some(&token));
    elsewhere.uri = "/latest/meta-data".parse().unwrap();
    for (parts, status) in cases.into_iter().chain([(elsewhere, 404)]) {
        let response = server.answer(&parts);
        assert_eq!(response.status().as_u16(), status, "{parts:?}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        // A refused request's connection ends; a served one's stays for the next.
        let closes = response.headers().get(header::CONNECTION);
        if status == 200 {
            assert_eq!(closes, None, "{parts:?}");
        } else {
            assert_eq!(closes.unwrap(), "close", "{parts:?}");
        }
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
    // The owner's SDK asks again on the same connection once a refresh worked.
    assert_eq!(response.headers().get(header::CONNECTION), None);
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
