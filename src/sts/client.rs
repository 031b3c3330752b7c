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
    /// The region STS is asked in.
    pub(super) fn region(&self) -> &str {
        &self.endpoint.region
    }

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
                scope,
            } => {
                let mut request = client
                    .assume_role()
                    .role_arn(role_arn)
                    .role_session_name(session_name)
                    .set_duration_seconds(duration_seconds.map(to_i32))
                    .set_external_id(external_id.clone());
                if let Some(scope) = scope {
                    request = request
                        .set_policy(scope.policy.clone())
                        .set_policy_arns(super::scope::policy_arns(scope, self.region()))
                        .set_tags(
                            super::scope::tags(scope)
                                .map_err(|e| fail(StsErrorKind::Request(e)))?,
                        )
                        .set_transitive_tag_keys(super::scope::transitive(scope))
                        .set_source_identity(scope.source_identity.clone());
                }
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
        let credentials = take_credentials(&mut raw);
        check_lifetime(&credentials).map_err(|detail| {
            fail(StsError::new(
                call,
                &self.shown_endpoint(),
                StsErrorKind::BadResponse {
                    status: Some(200),
                    detail,
                },
            ))
        })?;
        Ok(credentials)
    }
}

/// `Err` with what is wrong when STS's credentials expired already or claim a lifetime no
/// session has: a run never hands those on (exit 1, stdout empty).
pub(super) fn check_lifetime(credentials: &SessionCredentials) -> Result<(), String> {
    match super::implausible_lifetime(credentials, crate::credentials::now_secs()) {
        None => Ok(()),
        Some(detail) => Err(detail),
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
mod tests;
