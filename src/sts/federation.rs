//! GetFederationToken, for `aws-auth login` without a role: the console accepts only role
//! credentials or these. It takes long-term keys, carries no MFA, and is given an allow-all
//! session policy, so the session has exactly the IAM user's own permissions (a session
//! without a policy would have none), or the run's session policies in its place: STS
//! allows what any one policy of a call allows, so the two are never sent together.

use crate::credentials::{SessionCredentials, SourceCredentials};
use crate::settings::scope::Scope;
use crate::sts::client::{SdkSts, take_credentials};
use crate::sts::{StsError, StsErrorKind};

/// The session policy: intersected with the user's policies, it grants what they grant.
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// GetFederationToken's limit on the federated user's name.
pub const MAX_NAME: usize = 32;

impl SdkSts {
    /// A federated session of `name` for `duration_seconds` (900 to 129600), from long-term
    /// keys, narrowed by `scope`'s session policies and marked with its tags (its source
    /// identity and transitive tags are refused before this). Retried on throttling and 5xx:
    /// no code is sent.
    pub fn federation_token(
        &self,
        source: &SourceCredentials,
        name: &str,
        duration_seconds: u64,
        scope: Option<&Scope>,
    ) -> Result<SessionCredentials, StsError> {
        let fail = |kind| {
            StsError::of("GetFederationToken", &self.shown_endpoint(), kind).signed_with(source)
        };
        let client = self.client(source, true);
        let mut request = client
            .get_federation_token()
            .name(name)
            .duration_seconds(i32::try_from(duration_seconds).unwrap_or(i32::MAX));
        request = match scope {
            Some(scope) if scope.has_policies() => request
                .set_policy(scope.policy.clone())
                .set_policy_arns(super::scope::policy_arns(scope, self.region())),
            _ => request.policy(ALLOW_ALL),
        };
        if let Some(scope) = scope {
            request = request
                .set_tags(super::scope::tags(scope).map_err(|e| fail(StsErrorKind::Request(e)))?);
        }
        let output = self.block_on(fail, request.send())?;
        let mut raw = output
            .credentials
            .ok_or_else(|| fail(StsErrorKind::NoCredentials))?;
        let credentials = take_credentials(&mut raw);
        super::client::check_lifetime(&credentials).map_err(|detail| {
            fail(StsErrorKind::BadResponse {
                status: Some(200),
                detail,
            })
        })?;
        Ok(credentials)
    }
}

/// A federated user's name from a session name: at most 32 characters (the session name
/// is already made of the allowed characters).
pub fn federated_name(session_name: &str) -> String {
    session_name.chars().take(MAX_NAME).collect()
}
