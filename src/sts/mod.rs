//! What aws-auth asks of STS (and of IAM, for `rotate`), and how STS can fail, in plain
//! words. The trait is narrow so the flow can be tested without a server; `client` is the
//! real implementation.

mod bounded;
pub mod ca_bundle;
pub mod client;
pub mod federation;
pub mod iam;
pub mod identity;
mod region;
mod scope;

pub use region::partition;
use region::unknown_region;

use crate::credentials::{KeyOrigin, SessionCredentials, SourceCredentials};
use crate::settings::scope::Scope;
use secrecy::SecretString;
use std::fmt;
use std::time::Duration;

/// An MFA device and the current code from it.
pub struct Mfa {
    pub serial_number: String,
    pub token_code: SecretString,
}

/// The one STS call a run makes.
pub enum Call {
    /// GetSessionToken: an MFA session from long-term keys.
    SessionToken {
        duration_seconds: u64,
        mfa: Option<Mfa>,
    },
    /// AssumeRole straight from the source keys, carrying the MFA code when there is one.
    AssumeRole {
        role_arn: String,
        session_name: String,
        duration_seconds: Option<u64>,
        external_id: Option<String>,
        mfa: Option<Mfa>,
        /// Session policies, tags and a source identity, when the run is scoped.
        scope: Option<Box<Scope>>,
    },
}

impl Call {
    pub fn operation(&self) -> &'static str {
        match self {
            Call::SessionToken { .. } => "GetSessionToken",
            Call::AssumeRole { .. } => "AssumeRole",
        }
    }

    /// A call that carries an MFA code must not be retried: a code must not be replayed.
    pub fn carries_mfa(&self) -> bool {
        match self {
            Call::SessionToken { mfa, .. } | Call::AssumeRole { mfa, .. } => mfa.is_some(),
        }
    }

    fn role_arn(&self) -> Option<&str> {
        match self {
            Call::AssumeRole { role_arn, .. } => Some(role_arn),
            Call::SessionToken { .. } => None,
        }
    }

    /// What the role's trust policy must allow besides sts:AssumeRole, for this call's marks.
    fn trust_needs(&self) -> Vec<&'static str> {
        let Call::AssumeRole {
            scope: Some(scope), ..
        } = self
        else {
            return Vec::new();
        };
        [
            (
                "sts:SetSourceIdentity (for the source identity)",
                scope.source_identity.is_some(),
            ),
            ("sts:TagSession (for the tags)", !scope.tags.is_empty()),
        ]
        .iter()
        .filter_map(|(action, needed)| needed.then_some(*action))
        .collect()
    }

    fn serial_number(&self) -> Option<&str> {
        match self {
            Call::SessionToken { mfa, .. } | Call::AssumeRole { mfa, .. } => {
                mfa.as_ref().map(|m| m.serial_number.as_str())
            }
        }
    }
}

/// Where and how long to talk to STS.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub region: String,
    /// An explicit endpoint (`AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL`), else AWS's own.
    pub url: Option<String>,
    /// The bound on the whole call, retries included.
    pub timeout: Duration,
}

pub trait Sts: Send + Sync {
    fn call(&self, source: &SourceCredentials, call: &Call)
    -> Result<SessionCredentials, StsError>;
}

/// How an STS call failed. Built from the SDK error without its raw HTTP dump; every string
/// here that came from the server has been cleaned of control characters.
#[derive(Debug)]
pub struct StsError {
    pub operation: &'static str,
    pub role_arn: Option<String>,
    /// The MFA device the call carried a code for.
    pub serial_number: Option<String>,
    /// The run's MFA device, when the call carried none (a role assumed from the MFA
    /// session): there is a device, so "pass --serial-number" would be wrong advice.
    pub device: Option<String>,
    /// Where the keys that signed the call came from, named when STS refuses them.
    pub keys: KeyOrigin,
    /// What the trust policy must allow for the call's source identity and tags.
    pub trust_needs: Vec<&'static str>,
    pub endpoint: String,
    pub kind: StsErrorKind,
}

#[derive(Debug)]
pub enum StsErrorKind {
    /// No answer within the time limit.
    Timeout(Duration),
    /// Could not connect or the connection broke.
    Network(String),
    /// STS answered with an error code.
    Service {
        code: String,
        message: String,
        status: Option<u16>,
    },
    /// The answer was not a well-formed STS response.
    BadResponse { status: Option<u16>, detail: String },
    /// The answer parsed but held no credentials.
    NoCredentials,
    /// The request could not be made from what was given (nothing was sent).
    Request(String),
}

impl StsError {
    pub fn new(call: &Call, endpoint: &str, kind: StsErrorKind) -> Self {
        StsError {
            operation: call.operation(),
            role_arn: call.role_arn().map(str::to_owned),
            serial_number: call.serial_number().map(str::to_owned),
            device: None,
            keys: KeyOrigin::default(),
            trust_needs: call.trust_needs(),
            endpoint: endpoint.to_owned(),
            kind,
        }
    }

    /// For a call that is not one of `Call`'s (GetCallerIdentity, GetFederationToken).
    pub fn of(operation: &'static str, endpoint: &str, kind: StsErrorKind) -> Self {
        StsError {
            operation,
            role_arn: None,
            serial_number: None,
            device: None,
            keys: KeyOrigin::default(),
            trust_needs: Vec::new(),
            endpoint: endpoint.to_owned(),
            kind,
        }
    }

    /// Names where the signing keys came from.
    pub fn signed_with(self, source: &SourceCredentials) -> Self {
        StsError {
            keys: source.origin.clone(),
            ..self
        }
    }

    /// Names the run's MFA device, for a call that carried no code.
    pub fn with_device(self, device: Option<&str>) -> Self {
        StsError {
            device: self.device.or(device.map(str::to_owned)),
            ..self
        }
    }

    /// A wrong or already used MFA code: what AWS answers for one, on any call that
    /// carried a code.
    fn code_refused(&self) -> bool {
        matches!(&self.kind, StsErrorKind::Service { code, message, .. }
            if code == "AccessDenied" && message.to_ascii_lowercase().contains("multifactorauthentication"))
    }

    fn advice(&self, code: &str) -> String {
        let role = self.role_arn.as_deref().unwrap_or("the role");
        let keys = |which: &str, fallback: &str| {
            if which.is_empty() {
                fallback.to_owned()
            } else {
                which.to_owned()
            }
        };
        if self.code_refused() {
            return "STS refused the MFA code: it is wrong, or was already used (each code works once). Wait for the \
                    next code on your device and run again."
                .into();
        }
        match (code, self.operation) {
            ("AccessDenied", "AssumeRole") => format!(
                "Your IAM user needs sts:AssumeRole on {role}, and the role's trust policy must allow it{}{}.",
                self.trust_needs
                    .iter()
                    .map(|need| format!(" and {need}"))
                    .collect::<String>(),
                match (&self.serial_number, &self.device) {
                    (Some(_), _) => "; if the policy requires MFA, check that the MFA device ARN is yours",
                    (None, Some(_)) => "",
                    (None, None) => "; if the role requires MFA, pass --serial-number (or set mfa_serial in the profile)",
                }
            ),
            ("PackedPolicyTooLarge", _) => {
                "The session policies and tags are too large once STS packs them: shorten the inline policy, or use \
                 fewer managed policies or tags."
                    .into()
            }
            ("MalformedPolicyDocument", _) => {
                "The inline session policy is JSON but not a policy IAM accepts: check its grammar (Effect, Action, \
                 Resource) against the IAM policy reference."
                    .into()
            }
            ("AccessDenied", _) => {
                "Check that the MFA device ARN belongs to this IAM user and that the code is current (each code works once).".into()
            }
            ("InvalidClientTokenId", _) => format!(
                "The access key id is not valid (deleted, inactive, or mistyped): check {}.",
                keys(&self.keys.access_key_id, "the access key id")
            ),
            ("SignatureDoesNotMatch", _) => format!(
                "The secret access key does not match the access key id: check {}.",
                keys(&self.keys.secret_access_key, "the secret access key")
            ),
            ("ExpiredToken", _) => "The source credentials have expired: unset AWS_SESSION_TOKEN or refresh them.".into(),
            ("RegionDisabledException", _) => "STS is not enabled in this region: pass another --region.".into(),
            ("Throttling", _) => "STS is throttling requests: wait a moment and try again.".into(),
            _ => "Check the inputs named above and try again.".into(),
        }
    }
}

impl fmt::Display for StsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = match (&self.role_arn, &self.serial_number) {
            (Some(role), Some(serial)) => format!(" for role {role} with MFA device {serial}"),
            (Some(role), None) => format!(" for role {role}"),
            (None, Some(serial)) => format!(" with MFA device {serial}"),
            (None, None) => String::new(),
        };
        match &self.kind {
            StsErrorKind::Timeout(limit) => write!(
                f,
                "STS {}{target} got no answer from {} within {} s. Check your network (or the endpoint), or raise --timeout.",
                self.operation,
                self.endpoint,
                limit.as_secs_f64()
            ),
            StsErrorKind::Network(detail) if detail.contains("certificate") => write!(
                f,
                "STS {}{target} could not reach {}: {detail}. The server's TLS certificate is not trusted; if \
                 your network inspects TLS, set AWS_CA_BUNDLE to the file of its CA certificates.",
                self.operation, self.endpoint
            ),
            StsErrorKind::Network(detail) => write!(
                f,
                "STS {}{target} could not reach {}: {detail}. {}",
                self.operation,
                self.endpoint,
                unknown_region(&self.endpoint, detail).unwrap_or_else(|| {
                    "Check your network connection, proxy and endpoint settings.".to_owned()
                })
            ),
            StsErrorKind::Service {
                code,
                message,
                status,
            } => {
                let status = status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
                let code_shown = if code.is_empty() {
                    "an unrecognised error"
                } else {
                    code
                };
                // The advice starts a sentence of its own: the server's full stop is not doubled.
                let message = message.trim_end().trim_end_matches('.');
                let message = if message.is_empty() {
                    String::new()
                } else {
                    format!(": {message}")
                };
                write!(
                    f,
                    "STS refused {}{target} with {code_shown}{status}{message}. {}",
                    self.operation,
                    self.advice(code)
                )
            }
            StsErrorKind::BadResponse { status, detail } => write!(
                f,
                "STS {}{target} at {} sent a response that is not a valid STS answer{} ({detail}). Check that the endpoint really is STS.",
                self.operation,
                self.endpoint,
                status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
            ),
            StsErrorKind::Request(detail) => {
                write!(f, "STS {}{target} was not sent: {detail}", self.operation)
            }
            StsErrorKind::NoCredentials => write!(
                f,
                "STS {}{target} at {} answered without credentials. Check that the endpoint really is STS.",
                self.operation, self.endpoint
            ),
        }
    }
}

impl std::error::Error for StsError {}

/// The longest any STS session lasts (GetSessionToken's 36 hours), and a little for clock
/// steps: an answer that claims more was not made by STS.
pub const LONGEST_SESSION: i64 = 129_600 + 300;

/// Credentials STS sent are usable: not expired already, and not claiming a lifetime no
/// session has (a broken or hostile endpoint). `None` when they are; else what is wrong.
pub fn implausible_lifetime(credentials: &SessionCredentials, now: i64) -> Option<String> {
    let left = credentials.remaining_secs(now);
    let at = crate::credentials::format_expiration(&credentials.expiration);
    if left <= 0 {
        return Some(format!(
            "the credentials it sent had expired already (at {at})"
        ));
    }
    (left > LONGEST_SESSION).then(|| {
        format!("the credentials it sent claim to last until {at}, longer than any STS session (36 hours)")
    })
}

#[cfg(test)]
mod tests;
