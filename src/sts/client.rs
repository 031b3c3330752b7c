//! The real STS, through aws-sdk-sts. The client is built by hand (no aws-config), so no AWS
//! config file is opened; endpoint, region and limits come from `Endpoint`.

use crate::credentials::{SessionCredentials, SourceCredentials};
use crate::sts::{Call, Endpoint, Sts, StsError, StsErrorKind};
use aws_sdk_sts::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use zeroize::Zeroize;

/// Attempts for calls without an MFA code (throttling and 5xx are retried with backoff).
const MAX_ATTEMPTS: u32 = 3;

pub struct SdkSts {
    endpoint: Endpoint,
    /// A client of our own, only when AWS_CA_BUNDLE asks for extra trust; else the SDK's.
    http_client: Option<SharedHttpClient>,
}

impl SdkSts {
    pub fn new(endpoint: Endpoint, http_client: Option<SharedHttpClient>) -> Self {
        SdkSts {
            endpoint,
            http_client,
        }
    }

    /// A client for `region` at `url` (else AWS's endpoint) that also trusts
    /// `AWS_CA_BUNDLE`, when it is set: parsed only now, when STS is about to be called.
    pub fn configured(
        region: String,
        url: Option<String>,
        timeout: Duration,
    ) -> Result<SdkSts, crate::error::Error> {
        let http_client = super::ca_bundle::from_env()?;
        Ok(SdkSts::new(
            Endpoint {
                region,
                url,
                timeout,
            },
            http_client,
        ))
    }

    /// The endpoint as errors show it: a `user:password@` in it is never echoed.
    pub(super) fn shown_endpoint(&self) -> String {
        self.endpoint
            .url
            .as_deref()
            .map(crate::report::redact_url)
            .unwrap_or_else(|| format!("https://sts.{}.amazonaws.com", self.endpoint.region))
    }

    /// The bound on one call.
    pub(super) fn timeout(&self) -> Duration {
        self.endpoint.timeout
    }

    /// A client signing with `source`; `retries` off for a call that carries an MFA code.
    pub(super) fn client(&self, source: &SourceCredentials, retries: bool) -> aws_sdk_sts::Client {
        let retry = if retries {
            RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS)
        } else {
            RetryConfig::disabled()
        };
        let mut config = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(self.endpoint.region.clone()))
            .credentials_provider(sdk_credentials(source))
            .interceptor(super::bounded::BoundedResponse)
            .retry_config(retry)
            .timeout_config(timeouts(self.endpoint.timeout));
        if let Some(url) = &self.endpoint.url {
            config = config.endpoint_url(url);
        }
        if let Some(http_client) = &self.http_client {
            config = config.http_client(http_client.clone());
        }
        aws_sdk_sts::Client::from_conf(config.build())
    }

    async fn send(
        &self,
        client: &aws_sdk_sts::Client,
        call: &Call,
    ) -> Result<aws_sdk_sts::types::Credentials, StsError> {
        let fail = |kind| StsError::new(call, &self.shown_endpoint(), kind);
        let credentials = match call {
            Call::SessionToken {
                duration_seconds,
                mfa,
            } => {
                let mut request = client
                    .get_session_token()
                    .duration_seconds(to_i32(*duration_seconds));
                if let Some(mfa) = mfa {
                    request = request
                        .serial_number(&mfa.serial_number)
                        .token_code(mfa.token_code.expose_secret());
                }
                request
                    .send()
                    .await
                    .map_err(|e| fail(classify(e, self.endpoint.timeout)))?
                    .credentials
            }
            Call::AssumeRole {
                role_arn,
                session_name,
                duration_seconds,
                external_id,
                mfa,
            } => {
                let mut request = client
                    .assume_role()
                    .role_arn(role_arn)
                    .role_session_name(session_name)
                    .set_duration_seconds(duration_seconds.map(to_i32))
                    .set_external_id(external_id.clone());
                if let Some(mfa) = mfa {
                    request = request
                        .serial_number(&mfa.serial_number)
                        .token_code(mfa.token_code.expose_secret());
                }
                request
                    .send()
                    .await
                    .map_err(|e| fail(classify(e, self.endpoint.timeout)))?
                    .credentials
            }
        };
        credentials.ok_or_else(|| fail(StsErrorKind::NoCredentials))
    }
}

fn to_i32(seconds: u64) -> i32 {
    i32::try_from(seconds).unwrap_or(i32::MAX)
}

impl Sts for SdkSts {
    fn call(
        &self,
        source: &SourceCredentials,
        call: &Call,
    ) -> Result<SessionCredentials, StsError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                StsError::new(
                    call,
                    &self.shown_endpoint(),
                    StsErrorKind::Network(format!("cannot start the I/O runtime: {e}")),
                )
            })?;
        let fail = |e: StsError| e.signed_with(source);
        let client = self.client(source, !call.carries_mfa());
        // A guard over the SDK's own operation timeout, in case a layer below ignores it.
        let limit = self.endpoint.timeout + Duration::from_secs(1);
        let result =
            runtime.block_on(async { tokio::time::timeout(limit, self.send(&client, call)).await });
        let mut raw = match result {
            Ok(sent) => sent.map_err(fail)?,
            Err(_) => {
                return Err(fail(StsError::new(
                    call,
                    &self.shown_endpoint(),
                    StsErrorKind::Timeout(self.endpoint.timeout),
                )));
            }
        };
        Ok(take_credentials(&mut raw))
    }
}

/// The SDK's form of `source`, for signing (the SDK keeps its own copy while the client
/// lives).
pub(crate) fn sdk_credentials(source: &SourceCredentials) -> Credentials {
    Credentials::new(
        source.access_key_id.clone(),
        source.secret_access_key.expose_secret().to_owned(),
        source
            .session_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
        None,
        "aws-auth",
    )
}

/// The SDK's time limits for one call bounded by `timeout` (connecting: at most 5 s).
pub(crate) fn timeouts(timeout: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .operation_timeout(timeout)
        .operation_attempt_timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .read_timeout(timeout)
        .build()
}

/// Issued credentials moved out of the SDK's answer: the secrets into `SecretString`s, the
/// SDK's copies zeroized.
pub(super) fn take_credentials(raw: &mut aws_sdk_sts::types::Credentials) -> SessionCredentials {
    let creds = SessionCredentials {
        access_key_id: std::mem::take(&mut raw.access_key_id),
        secret_access_key: SecretString::from(raw.secret_access_key.as_str()),
        session_token: SecretString::from(raw.session_token.as_str()),
        expiration: raw.expiration,
    };
    raw.secret_access_key.zeroize();
    raw.session_token.zeroize();
    creds
}

impl SdkSts {
    /// One request that carries no MFA code, run to completion on a runtime of its own
    /// under a guard a second past the SDK's own time-out; `fail` names the operation.
    pub(super) fn block_on<T, E>(
        &self,
        fail: impl Fn(StsErrorKind) -> StsError,
        request: impl std::future::Future<
            Output = Result<
                T,
                SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
            >,
        >,
    ) -> Result<T, StsError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                fail(StsErrorKind::Network(format!(
                    "cannot start the I/O runtime: {e}"
                )))
            })?;
        let limit = self.timeout() + Duration::from_secs(1);
        match runtime.block_on(async { tokio::time::timeout(limit, request).await }) {
            Ok(Ok(output)) => Ok(output),
            Ok(Err(e)) => Err(fail(classify(e, self.timeout()))),
            Err(_) => Err(fail(StsErrorKind::Timeout(self.timeout()))),
        }
    }
}

/// Turns an SDK error into plain words, never including the raw HTTP response.
pub(crate) fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(
    error: SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
    timeout: Duration,
) -> StsErrorKind {
    match &error {
        SdkError::TimeoutError(_) => StsErrorKind::Timeout(timeout),
        SdkError::DispatchFailure(failure) => {
            if failure.is_timeout() {
                StsErrorKind::Timeout(timeout)
            } else {
                StsErrorKind::Network(source_chain(&error))
            }
        }
        SdkError::ResponseError(response) => StsErrorKind::BadResponse {
            status: Some(response.raw().status().as_u16()),
            detail: if source_chain(&error).contains("length limit exceeded") {
                format!(
                    "the answer is too large: more than {} KiB",
                    super::bounded::MAX_RESPONSE / 1024
                )
            } else {
                "the body could not be parsed".into()
            },
        },
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = service
                .err()
                .code()
                .map(crate::report::clean)
                .unwrap_or_default();
            let message = service
                .err()
                .message()
                .map(crate::report::clean)
                .unwrap_or_default();
            if code.is_empty() && message.is_empty() {
                StsErrorKind::BadResponse {
                    status: Some(status),
                    detail: "no error code or message in the body".into(),
                }
            } else {
                StsErrorKind::Service {
                    code,
                    message,
                    status: Some(status),
                }
            }
        }
        _ => StsErrorKind::Network(source_chain(&error)),
    }
}

/// The innermost cause of an error: "Connection refused" and the like.
fn source_chain(error: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut current = error.source();
    while let Some(e) = current {
        let text = crate::report::clean(&e.to_string());
        if !text.is_empty() && !parts.contains(&text) {
            parts.push(text);
        }
        current = e.source();
    }
    // The innermost cause says what happened ("Connection refused (os error 111)").
    parts
        .pop()
        .unwrap_or_else(|| crate::report::clean(&error.to_string()))
}

#[cfg(test)]
mod tests {
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
        body: &'static str,
        delay: Duration,
    ) -> (String, std::thread::JoinHandle<String>) {
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

    const ISSUED: &str = "<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
        <GetSessionTokenResult><Credentials>\
        <AccessKeyId>ASIAISSUED</AccessKeyId><SecretAccessKey>issued-secret</SecretAccessKey>\
        <SessionToken>issued-token</SessionToken><Expiration>2026-12-01T20:00:00Z</Expiration>\
        </Credentials></GetSessionTokenResult>\
        <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetSessionTokenResponse>";

    /// An answer that comes well within --timeout is taken (the guard over the SDK's own
    /// timeout sits beyond it, not before it), and the session is what STS issued.
    #[test]
    fn an_answer_within_the_timeout_gives_the_issued_session() {
        let (url, server) = sts_once(200, ISSUED, Duration::from_millis(300));
        let creds = sts(Some(&url)).call(&source(), &session(true)).unwrap();
        assert_eq!(creds.access_key_id, "ASIAISSUED");
        assert_eq!(creds.secret_access_key.expose_secret(), "issued-secret");
        assert_eq!(creds.session_token.expose_secret(), "issued-token");
        assert_eq!(creds.expiration, DateTime::from_secs(1_796_155_200));
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
}
