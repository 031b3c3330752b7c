//! The one place that picks how a run's credentials are obtained, from its resolved
//! settings:
//! - no role: GetSessionToken, with the MFA code when there is a device;
//! - a role of at most an hour, with a device and a cache, from long-term keys: an MFA
//!   session (GetSessionToken with the code, cached for its 12 hours), and the role assumed
//!   from it without a code, so later runs derive new role sessions without asking again;
//! - any other role: AssumeRole from the keys, carrying the code;
//! - a chain (a source_profile chain's roles): the first role as above, each next one from
//!   the one before, the profile's own role last.

use super::Provider;
use super::assume_role::{AssumeRole, From};
use super::cached::Cached;
use super::code::MfaDevice;
use super::resolve::Resolved;
use super::session_token::SessionToken;
use crate::cache::{Cache, Kind};
use crate::settings::identity::{DEFAULT_SESSION_DURATION, mfa_session_key};
use crate::settings::validate::CHAINED_ROLE_MAX;
use crate::sts::Sts;

/// A cached MFA session must have this much left to derive a role from it.
pub const SESSION_MARGIN: i64 = 60;

/// Where the MFA session may be kept: the cache, and what entries are filed under.
#[derive(Clone, Copy)]
pub struct Keep<'a> {
    pub cache: &'a Cache,
    pub profile: &'a str,
    pub endpoint: Option<&'a str>,
}

/// The stack for `run`.
pub fn choose<'a>(
    run: &'a Resolved,
    sts: &'a dyn Sts,
    keep: Option<Keep<'a>>,
) -> Box<dyn Provider + 'a> {
    let mfa = run.serial.as_deref().map(|serial| MfaDevice {
        serial,
        code: &run.code,
    });
    let Some((first, rest)) = run.roles.split_first() else {
        return Box::new(SessionToken {
            sts,
            source: &run.source,
            duration_seconds: run.session_duration.unwrap_or(DEFAULT_SESSION_DURATION),
            mfa,
        });
    };
    // Only the profile's own role (the last) has a duration of its own.
    let from_mfa_session = match (keep, mfa) {
        (Some(keep), Some(mfa))
            if run.source.session_token.is_none()
                && first.duration_seconds.unwrap_or(CHAINED_ROLE_MAX) <= CHAINED_ROLE_MAX =>
        {
            Some(Cached {
                inner: SessionToken {
                    sts,
                    source: &run.source,
                    duration_seconds: DEFAULT_SESSION_DURATION,
                    mfa: Some(mfa),
                },
                cache: keep.cache,
                key: mfa_session_key(&run.source, mfa.serial, keep.endpoint),
                kind: Kind::MfaSession,
                profile: keep.profile.to_owned(),
                lock: None,
                margin: SESSION_MARGIN,
            })
        }
        _ => None,
    };
    let from = match from_mfa_session {
        Some(session) => From::Session(Box::new(session)),
        None => From::Keys {
            source: &run.source,
            mfa,
        },
    };
    let device = run.serial.as_deref();
    let mut provider: Box<dyn Provider + 'a> = Box::new(AssumeRole {
        sts,
        from,
        role: first,
        device,
    });
    for role in rest {
        provider = Box::new(AssumeRole {
            sts,
            from: From::Session(provider),
            role,
            device,
        });
    }
    provider
}
