//! The values of one run, merged: the flags, and over what they leave out, the profile's
//! values as read, each checked (a value read from a backend is never echoed in an error;
//! its source is named instead). Also which MFA code source may wait until a call needs it.

use super::gather::Gathered;
use crate::cli::FlowArgs;
use crate::credentials::{KeyOrigin, SourceCredentials};
use crate::secrets::backend::Unit;
use crate::secrets::backend::spec::Specs;
use crate::secrets::totp::Totp;
use crate::settings::config::RawProfile;
use crate::settings::profile::{NO_DEVICE, ProfileError, Wanted};
use crate::settings::reference::{Reference, Value};
use crate::settings::validate::{self, ROLE_DURATION, SESSION_DURATION};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;

/// The values of a run once flags and profile are merged.
#[derive(Default)]
pub(super) struct Values {
    pub(super) serial: Option<String>,
    pub(super) code: Option<SecretString>,
    pub(super) role_arn: Option<String>,
    pub(super) role_duration: Option<u64>,
    pub(super) session_duration: Option<u64>,
    pub(super) session_name: Option<String>,
    pub(super) external_id: Option<String>,
    pub(super) region: Option<String>,
    /// Where the region came from, for an error about it.
    pub(super) region_from: &'static str,
}

impl Values {
    pub(super) fn of_flags(flags: &FlowArgs, given: Option<SecretString>) -> Values {
        Values {
            serial: flags.serial_number.clone(),
            code: given,
            role_arn: flags.role_arn.clone(),
            role_duration: flags.role_duration_seconds,
            session_duration: flags.session_duration_seconds,
            session_name: flags.role_session_name.clone(),
            external_id: flags.external_id.clone(),
            region: flags.region.clone(),
            region_from: "--region",
        }
    }
}

/// Whether the MFA code `w` can wait until a call needs it: a reference to a code (not a
/// seed, not a literal) whose entry no other field reads (that one is read anyway).
pub(super) fn deferrable(w: &Wanted, wanted: &[Wanted], specs: &Specs) -> bool {
    let Value::Ref(reference) = &w.value else {
        return false;
    };
    if w.field != "mfa_code" || w.otpauth_only || matches!(reference, Reference::Totp(_)) {
        return false;
    }
    let unit = Unit::of(reference, specs);
    !wanted.iter().any(|other| {
        other.field != "mfa_code"
            && matches!(&other.value, Value::Ref(r) if Unit::of(r, specs) == unit)
    })
}

/// An `mfa_code` value that is a TOTP seed (an otpauth URI, or base32 of 80 bits or more)
/// rather than a code: the message that says to write `totp:`, naming where it came from
/// (`None`: profiles.toml itself, where a seed is a secret in plain text). Never the value.
pub(crate) fn seed_not_code(value: &str, source: Option<&String>) -> Option<String> {
    Totp::from_text(value).ok().filter(|t| t.seed_len() >= 10)?;
    Some(match source {
        Some(source) => format!(
            "the value of {source} is a TOTP seed, not a 6-digit code: write mfa_code = \"totp:{source}\" so \
             aws-auth computes the current code from it"
        ),
        None => "the value is a TOTP seed, not a 6-digit code, kept in plain text in the profiles file: store it \
                 with `aws-auth configure --profile NAME --totp` (or in your password manager, with mfa_code = \
                 \"totp:pass:ENTRY\") and remove it from the file"
            .to_owned(),
    })
}

/// The values read, checked, over the flags (which win): the source keys and the merged
/// values. A value read from a backend is never echoed in an error.
pub(super) fn fill(
    name: &str,
    raw: &RawProfile,
    flags: &FlowArgs,
    given: Option<SecretString>,
    wanted: &[Wanted],
    Gathered {
        mut values,
        mut totp,
    }: Gathered,
) -> Result<(SourceCredentials, Values, Option<Totp>), ProfileError> {
    let field_err = |field: &'static str, problem: String| ProfileError::Field {
        profile: name.to_owned(),
        field,
        problem,
    };
    let mut take = |field: &str| values.remove(field);
    // Where each field was read: named in errors instead of the value.
    let sources: HashMap<&'static str, String> = wanted
        .iter()
        .map(|w| {
            let place = match &w.value {
                Value::Ref(r) => r.to_string(),
                Value::Literal(_) => format!("profile \"{name}\" ({})", w.field),
            };
            (w.field, place)
        })
        .collect();
    let access_key_id = take("access_key_id")
        .map(|v| v.expose_secret().trim().to_owned())
        .unwrap_or_default();
    // Never echoed: a mistyped reference may have read the secret key instead.
    validate::access_key_id(&access_key_id).map_err(|e| field_err("access_key_id", e.problem))?;
    let secret_access_key = take("secret_access_key")
        .ok_or_else(|| field_err("secret_access_key", "is empty".into()))?;
    let plain = |v: SecretString| v.expose_secret().trim().to_owned();
    let invalid = |field: &'static str, value: &str| {
        let hidden = sources
            .get(field)
            .filter(|s| !s.starts_with("profile \""))
            .map(|source| (zeroize::Zeroizing::new(value.to_owned()), source.clone()));
        move |e: validate::ValidationError| ProfileError::Field {
            profile: name.to_owned(),
            field,
            problem: match hidden {
                Some((value, source)) if !value.is_empty() => e
                    .problem
                    .replace(value.as_str(), &format!("the value of {source}")),
                _ => e.problem,
            },
        }
    };
    let mut merged = Values::of_flags(flags, given);
    if let Some(serial) = take("mfa_serial").map(plain) {
        validate::serial_number(&serial).map_err(invalid("mfa_serial", &serial))?;
        merged.serial = Some(serial);
    }
    if let Some(role_arn) = take("role_arn").map(plain) {
        validate::role_arn(&role_arn).map_err(invalid("role_arn", &role_arn))?;
        merged.role_arn = Some(role_arn);
    }
    // A code without a device is useless: from the default layout it is dropped (the item
    // may hold a one-time password for something else); set explicitly, it is a mistake.
    let explicit_code = raw.mfa_code.is_some();
    if let Some(code) = take("mfa_code").filter(|_| merged.serial.is_some() || explicit_code) {
        if merged.serial.is_none() {
            return Err(field_err("mfa_code", NO_DEVICE.into()));
        }
        let code = SecretString::from(code.expose_secret().trim());
        let place = sources
            .get("mfa_code")
            .filter(|s| !s.starts_with("profile \""));
        if let Some(problem) = seed_not_code(code.expose_secret(), place) {
            return Err(field_err("mfa_code", problem));
        }
        validate::token_code(code.expose_secret())
            .map_err(invalid("mfa_code", code.expose_secret()))?;
        merged.code = Some(code);
    } else {
        totp = None;
    }
    if let Some(v) = take("role_session_name").map(plain) {
        validate::session_name(&v).map_err(invalid("role_session_name", &v))?;
        merged.session_name = Some(v);
    }
    if let Some(v) = take("external_id").map(plain) {
        validate::external_id(&v).map_err(invalid("external_id", &v))?;
        merged.external_id = Some(v);
    }
    if let Some(v) = take("region").map(plain) {
        validate::region(&v).map_err(invalid("region", &v))?;
        merged.region = Some(v);
    }
    if merged.role_duration.is_none()
        && let Some(seconds) = raw.role_duration_seconds
    {
        validate::duration(
            "role_duration_seconds",
            seconds,
            ROLE_DURATION,
            "AssumeRole",
        )
        .map_err(invalid("role_duration_seconds", ""))?;
        merged.role_duration = Some(seconds);
    }
    if merged.session_duration.is_none()
        && let Some(seconds) = raw.session_duration_seconds
    {
        validate::duration(
            "session_duration_seconds",
            seconds,
            SESSION_DURATION,
            "GetSessionToken",
        )
        .map_err(invalid("session_duration_seconds", ""))?;
        merged.session_duration = Some(seconds);
    }
    let origin = KeyOrigin {
        access_key_id: sources.get("access_key_id").cloned().unwrap_or_default(),
        secret_access_key: sources
            .get("secret_access_key")
            .cloned()
            .unwrap_or_default(),
    };
    let source = SourceCredentials {
        access_key_id,
        secret_access_key,
        session_token: None,
        origin,
    };
    Ok((source, merged, totp))
}
