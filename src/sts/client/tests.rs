//! Unit tests of `sts::client`.

use super::*;
use crate::sts::Mfa;
use aws_sdk_sts::operation::get_session_token::GetSessionTokenError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::DateTime;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;
use std::io::{Read, Write};

const CODE: &str = "907153";

fn source() -> SourceCredentials {
    SourceCredentials {
        access_key_id: "AKIAEXAMPLE".into(),
        secret_access_key: SecretString::from("source-secret"),
        session_token: None,
        origin: crate::credentials::KeyOrigin::both("the test"),
    }
}

fn session(mfa: bool) -> Call {
    Call::SessionToken {
        duration_seconds: 900,
        mfa: mfa.then(|| Mfa {
            serial_number: "arn:aws:iam::123456789012:mfa/alice".into(),
            token_code: SecretString::from(CODE),
        }),
    }
}

fn sts(url: Option<&str>) -> SdkSts {
    SdkSts::new(
        Endpoint {
            region: "eu-west-1".into(),
            url: url.map(str::to_owned),
            timeout: Duration::from_secs(1),
        },
        None,
    )
}

/// A one-shot STS on loopback: reads one request, waits `delay`, answers with `status`
/// and `body`, and hands back the request it read.
fn sts_once(
    status: u16,
    body: impl Into<String>,
    delay: Duration,
) -> (String, std::thread::JoinHandle<String>) {
    let body = body.into();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).unwrap();
            request.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                if request.len() >= end + 4 + length {
                    break;
                }
            }
            assert!(n > 0, "the client hung up mid-request");
        }
        std::thread::sleep(delay);
        write!(
            stream,
            "HTTP/1.1 {status} X\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        String::from_utf8(request).unwrap()
    });
    (url, server)
}

/// What STS answers to GetSessionToken, with a session that ends an hour from now (an
/// expiration in the past or years ahead is refused), and that end.
fn issued() -> (String, DateTime) {
    let ends = DateTime::from_secs(crate::credentials::now_secs() + 3600);
    let body = format!(
        "<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <GetSessionTokenResult><Credentials>\
         <AccessKeyId>ASIAISSUED</AccessKeyId><SecretAccessKey>issued-secret</SecretAccessKey>\
         <SessionToken>issued-token</SessionToken><Expiration>{}</Expiration>\
         </Credentials></GetSessionTokenResult>\
         <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetSessionTokenResponse>",
        crate::credentials::format_expiration(&ends)
    );
    (body, ends)
}

/// An answer that comes well within --timeout is taken (the guard over the SDK's own
/// timeout sits beyond it, not before it), and the session is what STS issued.
#[test]
fn an_answer_within_the_timeout_gives_the_issued_session() {
    let (body, ends) = issued();
    let (url, server) = sts_once(200, body, Duration::from_millis(300));
    let creds = sts(Some(&url)).call(&source(), &session(true)).unwrap();
    assert_eq!(creds.access_key_id, "ASIAISSUED");
    assert_eq!(creds.secret_access_key.expose_secret(), "issued-secret");
    assert_eq!(creds.session_token.expose_secret(), "issued-token");
    assert_eq!(creds.expiration, ends);
    let request = server.join().unwrap();
    for sent in [
        "Action=GetSessionToken",
        "DurationSeconds=900",
        "SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Falice",
    ] {
        assert!(request.contains(sent), "{sent} not sent");
    }
    assert!(
        request.contains(&format!("TokenCode={CODE}")),
        "no TokenCode sent"
    );
}

/// STS's refusal comes back as its code, message and status, with the endpoint asked,
/// without the MFA code.
#[test]
fn a_refusal_names_the_code_and_the_endpoint_asked() {
    let (url, server) = sts_once(
        403,
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
         <Type>Sender</Type><Code>AccessDenied</Code><Message>MultiFactorAuthentication failed</Message>\
         </Error><RequestId>r</RequestId></ErrorResponse>",
        Duration::ZERO,
    );
    let err = sts(Some(&url)).call(&source(), &session(true)).unwrap_err();
    server.join().unwrap();
    assert_eq!(err.endpoint, url);
    assert!(
        matches!(&err.kind, StsErrorKind::Service { code, message, status: Some(403) }
            if code == "AccessDenied" && message == "MultiFactorAuthentication failed"),
        "{err}"
    );
    assert!(
        !err.to_string().contains(CODE),
        "the error shows the MFA code"
    );
}

/// An answer that is not STS's is reported as such, naming the endpoint that sent it.
#[test]
fn an_answer_that_is_not_sts_names_the_endpoint() {
    let (url, server) = sts_once(200, "<html>captive portal</html>", Duration::ZERO);
    let err = sts(Some(&url)).call(&source(), &session(true)).unwrap_err();
    server.join().unwrap();
    assert!(
        matches!(
            err.kind,
            StsErrorKind::BadResponse { .. } | StsErrorKind::NoCredentials
        ),
        "{err}"
    );
    assert!(err.to_string().contains(&format!(" at {url} ")), "{err}");
}

/// Without an explicit endpoint, errors name AWS's own endpoint for the region.
#[test]
fn the_endpoint_shown_is_the_explicit_one_else_aws_own() {
    assert_eq!(
        sts(None).shown_endpoint(),
        "https://sts.eu-west-1.amazonaws.com"
    );
    assert_eq!(
        sts(Some("http://127.0.0.1:4566")).shown_endpoint(),
        "http://127.0.0.1:4566"
    );
}

/// A duration goes to STS as given; one beyond what STS's i32 field holds is capped, never
/// wrapped round to a negative or small number.
#[test]
fn durations_are_sent_as_given_and_capped_at_i32() {
    assert_eq!(to_i32(900), 900);
    assert_eq!(to_i32(129_600), 129_600);
    assert_eq!(to_i32(i32::MAX as u64), i32::MAX);
    assert_eq!(to_i32(i32::MAX as u64 + 1), i32::MAX);
    assert_eq!(to_i32(u64::MAX), i32::MAX);
}

type Error = SdkError<GetSessionTokenError, HttpResponse>;

fn response(status: u16) -> HttpResponse {
    HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty())
}

fn refused(code: Option<&str>, message: Option<&str>) -> Error {
    let mut meta = ErrorMetadata::builder();
    if let Some(code) = code {
        meta = meta.code(code);
    }
    if let Some(message) = message {
        meta = meta.message(message);
    }
    SdkError::service_error(GetSessionTokenError::generic(meta.build()), response(400))
}

#[derive(Debug)]
struct Cause(&'static str, Option<Box<Cause>>);
impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}
impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.1.as_deref().map(|c| c as _)
    }
}

fn chain(texts: &[&'static str]) -> Cause {
    texts
        .iter()
        .rev()
        .fold(None, |inner, text| Some(Cause(text, inner.map(Box::new))))
        .unwrap()
}

/// Each way the SDK can fail gets its own plain-words kind.
#[test]
fn sdk_errors_are_classified() {
    let limit = Duration::from_secs(7);
    let classify = |e: Error| classify(e, limit);
    let timeout = |e: Error| matches!(classify(e), StsErrorKind::Timeout(l) if l == limit);
    assert!(timeout(SdkError::timeout_error(chain(&["slow"]))));
    assert!(timeout(SdkError::dispatch_failure(
        ConnectorError::timeout(Box::new(chain(&["read timed out"])))
    )));
    match classify(SdkError::dispatch_failure(ConnectorError::io(Box::new(
        chain(&["io error", "Connection refused (os error 111)"]),
    )))) {
        StsErrorKind::Network(detail) => {
            assert_eq!(detail, "Connection refused (os error 111)")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        classify(SdkError::response_error(chain(&["xml"]), response(502))),
        StsErrorKind::BadResponse {
            status: Some(502),
            ..
        }
    ));
    // A code alone, or a message alone, is still STS's answer.
    for (code, message) in [(Some("Throttling"), None), (None, Some("slow down"))] {
        match classify(refused(code, message)) {
            StsErrorKind::Service {
                code: c,
                message: m,
                status: Some(400),
            } => assert_eq!(
                (c.as_str(), m.as_str()),
                (code.unwrap_or(""), message.unwrap_or(""))
            ),
            other => panic!("{other:?}"),
        }
    }
    // Neither: not an STS error body at all.
    assert!(matches!(
        classify(refused(None, None)),
        StsErrorKind::BadResponse {
            status: Some(400),
            ..
        }
    ));
    // Server text is cleaned of control characters.
    assert!(matches!(
        classify(refused(Some("Bad\u{1b}[2J"), Some("m"))),
        StsErrorKind::Service { code, .. } if code == "Bad [2J"
    ));
}

/// The innermost cause that says something is shown; an error without causes shows
/// itself.
#[test]
fn the_innermost_cause_is_shown() {
    assert_eq!(
        source_chain(&chain(&[
            "dispatch failure",
            "io error",
            "Connection refused"
        ])),
        "Connection refused"
    );
    // An empty innermost text is skipped, not shown as nothing.
    assert_eq!(
        source_chain(&chain(&["dispatch failure", "tls handshake", " "])),
        "tls handshake"
    );
    assert_eq!(source_chain(&chain(&["only\u{7}me"])), "only me");
}
