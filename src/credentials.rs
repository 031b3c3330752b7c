//! The two kinds of AWS credentials aws-auth handles: the long-term keys it starts from and
//! the temporary session it prints. Secret parts are `SecretString`; `Debug` never shows them.

use aws_smithy_types::DateTime;
use secrecy::SecretString;
use std::fmt;

/// The keys aws-auth signs its STS call with (usually an IAM user's permanent keys).
#[derive(Clone)]
pub struct SourceCredentials {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    /// Set when the source keys are themselves temporary (role chaining).
    pub session_token: Option<SecretString>,
    /// Where they came from, for an error that says which key to check.
    pub origin: KeyOrigin,
}

/// Where a pair of keys was read, as a person would look for it: `AWS_ACCESS_KEY_ID`, or
/// `pass:aws-auth/work#aws_access_key_id`, or "the MFA session". Never a value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyOrigin {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl KeyOrigin {
    /// Both halves from one place (a session STS issued).
    pub fn both(place: &str) -> KeyOrigin {
        KeyOrigin {
            access_key_id: place.to_owned(),
            secret_access_key: place.to_owned(),
        }
    }
}

impl fmt::Debug for SourceCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[REDACTED]")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("origin", &self.origin)
            .finish()
    }
}

/// Temporary credentials returned by STS: the final result of a run.
pub struct SessionCredentials {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    pub session_token: SecretString,
    /// Whole seconds, UTC.
    pub expiration: DateTime,
}

impl fmt::Debug for SessionCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[REDACTED]")
            .field("session_token", &"[REDACTED]")
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// What a run obtained: the session, and the region to hand on with it (only one that was
/// given by flag, profile or environment; never the us-east-1 fallback).
#[derive(Debug)]
pub struct Issued {
    pub credentials: SessionCredentials,
    pub region: Option<String>,
    /// The cache key of the MFA session these were derived from, when they were (so that
    /// `cache clear --profile P` forgets it with them).
    pub mfa_session: Option<String>,
}

impl Issued {
    /// Credentials with no region and no MFA session behind them.
    pub fn plain(credentials: SessionCredentials) -> Issued {
        Issued {
            credentials,
            region: None,
            mfa_session: None,
        }
    }
}

impl SessionCredentials {
    /// Seconds left until `expiration` (negative once expired).
    pub fn remaining_secs(&self, now: i64) -> i64 {
        self.expiration.secs() - now
    }

    /// Whether they are good to hand out: more than `min_ttl` seconds left. The one rule the
    /// cache (serve a hit) and serve (refresh before) both follow, so a refresh never gets
    /// back the credentials it is replacing.
    pub fn lasts(&self, min_ttl: i64, now: i64) -> bool {
        self.remaining_secs(now) > min_ttl
    }

    /// As the source of the next call (role chaining from a session), from `place`.
    pub fn into_source(self, place: &str) -> SourceCredentials {
        SourceCredentials {
            access_key_id: self.access_key_id,
            secret_access_key: self.secret_access_key,
            session_token: Some(self.session_token),
            origin: KeyOrigin::both(place),
        }
    }
}

/// Now, in whole seconds since the epoch.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// RFC 3339 UTC with whole seconds, e.g. `2026-11-24T20:00:00Z` (what AWS itself sends).
pub fn format_expiration(at: &DateTime) -> String {
    DateTime::from_secs(at.secs())
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiration_is_rfc3339_utc_without_fraction() {
        let at = DateTime::from_fractional_secs(1_795_550_400, 0.287_881);
        assert_eq!(format_expiration(&at), "2026-11-24T20:00:00Z");
    }

    #[test]
    fn debug_never_shows_secrets() {
        let creds = SessionCredentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: SecretString::from("top-secret-key"),
            session_token: SecretString::from("top-secret-token"),
            expiration: DateTime::from_secs(0),
        };
        let shown = format!("{creds:?}");
        assert!(shown.contains("ASIAEXAMPLE"));
        assert!(!shown.contains("top-secret"));
        let source = SourceCredentials {
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: SecretString::from("top-secret-key"),
            session_token: Some(SecretString::from("top-secret-token")),
            origin: KeyOrigin::both("env"),
        };
        assert!(!format!("{source:?}").contains("top-secret"));
    }
}
