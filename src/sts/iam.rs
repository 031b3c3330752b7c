//! The three IAM calls `aws-auth rotate` makes (ListAccessKeys, CreateAccessKey,
//! DeleteAccessKey), through aws-sdk-iam built as the STS client is: by hand (no config file
//! read), the same timeouts, answer bound and HTTPS client. A new secret key is taken out of
//! the SDK's answer into a `SecretString` and the SDK's copy is zeroized.

use crate::credentials::SourceCredentials;
use crate::sts::client::{classify, sdk_credentials, timeouts};
use crate::sts::{Endpoint, StsErrorKind};
use aws_sdk_iam::config::{BehaviorVersion, Region};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::retry::RetryConfig;
use secrecy::SecretString;
use std::fmt;
use std::time::Duration;
use zeroize::Zeroize;

/// One of a user's access keys, as ListAccessKeys shows it (no secret: IAM never returns one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKey {
    pub id: String,
    /// "Active" or "Inactive".
    pub status: String,
}

/// A key CreateAccessKey just made; its secret exists nowhere else.
pub struct NewKey {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
}

impl fmt::Debug for NewKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewKey")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// How an IAM call failed (the kinds STS calls have: the SDKs fail alike).
#[derive(Debug)]
pub struct IamError {
    pub operation: &'static str,
    pub user: String,
    pub endpoint: String,
    pub kind: StsErrorKind,
}

impl fmt::Display for IamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (op, user, at) = (self.operation, &self.user, &self.endpoint);
        match &self.kind {
            StsErrorKind::Timeout(limit) => write!(
                f,
                "IAM {op} for user {user} got no answer from {at} within {} s",
                limit.as_secs_f64()
            ),
            StsErrorKind::Network(detail) => {
                write!(f, "IAM {op} for user {user} could not reach {at}: {detail}")
            }
            StsErrorKind::Service {
                code,
                message,
                status,
            } => {
                let status = status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
                let message = if message.is_empty() {
                    String::new()
                } else {
                    format!(": {message}")
                };
                let advice = match code.as_str() {
                    "AccessDenied" => {
                        "; your IAM user needs iam:ListAccessKeys, iam:CreateAccessKey and iam:DeleteAccessKey on \
                         itself (a policy that requires MFA needs the profile's mfa_serial)"
                    }
                    "LimitExceeded" => "; IAM allows two access keys per user",
                    _ => "",
                };
                write!(
                    f,
                    "IAM refused {op} for user {user} with {code}{status}{message}{advice}"
                )
            }
            StsErrorKind::BadResponse { status, detail } => write!(
                f,
                "IAM {op} at {at} sent an answer that is not IAM's{} ({detail})",
                status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
            ),
            StsErrorKind::NoCredentials => {
                write!(f, "IAM {op} at {at} answered without the new key")
            }
            StsErrorKind::Request(detail) => write!(f, "IAM {op} was not sent: {detail}"),
        }
    }
}

impl std::error::Error for IamError {}

/// The IAM client: one runtime, signing with the credentials it was made with.
pub struct SdkIam {
    client: aws_sdk_iam::Client,
    runtime: tokio::runtime::Runtime,
    endpoint: String,
    timeout: Duration,
}

impl SdkIam {
    /// A client signing with `credentials`. IAM is global: `endpoint.region` only picks the
    /// partition (us-east-1 and eu-west-1 both mean iam.amazonaws.com).
    pub fn new(
        endpoint: &Endpoint,
        http_client: Option<SharedHttpClient>,
        credentials: &SourceCredentials,
    ) -> std::io::Result<SdkIam> {
        let timeout = endpoint.timeout;
        let mut config = aws_sdk_iam::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(endpoint.region.clone()))
            .credentials_provider(sdk_credentials(credentials))
            .interceptor(super::bounded::BoundedResponse)
            // Listing and deleting are idempotent: throttling and 5xx are retried.
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .timeout_config(timeouts(timeout));
        if let Some(url) = &endpoint.url {
            config = config.endpoint_url(url);
        }
        if let Some(http_client) = http_client {
            config = config.http_client(http_client);
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(SdkIam {
            client: aws_sdk_iam::Client::from_conf(config.build()),
            runtime,
            endpoint: endpoint
                .url
                .as_deref()
                .map(crate::report::redact_url)
                .unwrap_or_else(|| "https://iam.amazonaws.com".into()),
            timeout,
        })
    }

    fn error(&self, operation: &'static str, user: &str, kind: StsErrorKind) -> IamError {
        IamError {
            operation,
            user: user.to_owned(),
            endpoint: self.endpoint.clone(),
            kind,
        }
    }

    /// Runs one request under a guard a second past the SDK's own time-out.
    fn block_on<T, E>(
        &self,
        operation: &'static str,
        user: &str,
        call: impl std::future::Future<
            Output = Result<
                T,
                aws_sdk_iam::error::SdkError<
                    E,
                    aws_smithy_runtime_api::client::orchestrator::HttpResponse,
                >,
            >,
        >,
    ) -> Result<T, IamError>
    where
        E: aws_sdk_iam::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        let limit = self.timeout + Duration::from_secs(1);
        match self
            .runtime
            .block_on(async { tokio::time::timeout(limit, call).await })
        {
            Ok(Ok(output)) => Ok(output),
            Ok(Err(e)) => Err(self.error(operation, user, classify(e, self.timeout))),
            Err(_) => Err(self.error(operation, user, StsErrorKind::Timeout(self.timeout))),
        }
    }

    pub fn list_keys(&self, user: &str) -> Result<Vec<AccessKey>, IamError> {
        let output = self.block_on(
            "ListAccessKeys",
            user,
            self.client.list_access_keys().user_name(user).send(),
        )?;
        Ok(output
            .access_key_metadata
            .into_iter()
            .filter_map(|k| {
                Some(AccessKey {
                    id: k.access_key_id?,
                    status: k.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                })
            })
            .collect())
    }

    pub fn create_key(&self, user: &str) -> Result<NewKey, IamError> {
        // Not idempotent: a retry after an answer that was lost would make a second key.
        let output = self.block_on(
            "CreateAccessKey",
            user,
            self.client
                .create_access_key()
                .user_name(user)
                .customize()
                .config_override(
                    aws_sdk_iam::config::Builder::new().retry_config(RetryConfig::disabled()),
                )
                .send(),
        )?;
        let Some(mut key) = output.access_key else {
            return Err(self.error("CreateAccessKey", user, StsErrorKind::NoCredentials));
        };
        let new = NewKey {
            access_key_id: std::mem::take(&mut key.access_key_id),
            secret_access_key: SecretString::from(key.secret_access_key.as_str()),
        };
        key.secret_access_key.zeroize();
        Ok(new)
    }

    pub fn delete_key(&self, user: &str, access_key_id: &str) -> Result<(), IamError> {
        self.block_on(
            "DeleteAccessKey",
            user,
            self.client
                .delete_access_key()
                .user_name(user)
                .access_key_id(access_key_id)
                .send(),
        )?;
        Ok(())
    }
}
