//! The session cache's keys: what a cached session is filed under, so that it is handed
//! only to a run that asks for the same credentials as the same identity. A key names what
//! is asked for (profile, flags, region, endpoint), never how (the MFA code, `--timeout`,
//! the format), and binds who asks without reading a secret: the values of `env:`
//! variables (hashed), each backend's definition and the store it reads (its
//! `store_env`, hashed), the profiles file's path. The MFA session's key is made from the
//! keys themselves, once they have been read for the call that needs it.

use crate::cache::KeyBuilder;
use crate::cli::FlowArgs;
use crate::credentials::SourceCredentials;
use crate::secrets::backend::spec::Specs;
use crate::settings::reference::{self, Reference, Value};
use crate::settings::run::Source;
use crate::settings::scope::Scope;
use secrecy::ExposeSecret;
use std::path::Path;

/// Default GetSessionToken length: 12 hours (also the cached MFA session's).
pub const DEFAULT_SESSION_DURATION: u64 = 43_200;

/// The key of the credentials a run asks for.
pub fn credentials_key(
    flags: &FlowArgs,
    source: &Source,
    scope: &Scope,
    endpoint: Option<&str>,
    specs: &Specs,
    home: Option<&Path>,
) -> String {
    let mut key = KeyBuilder::new("credentials v2");
    match source {
        Source::Profile(p) => {
            let raw = &p.raw;
            key.field("profile", Some(&p.name))
                .field("profiles file", Some(&p.file.to_string_lossy()))
                .field("keys from", Some(&p.keys_from))
                .field("backend", raw.backend.as_deref())
                .field("access_key_id", raw.access_key_id.as_deref())
                .secret("secret_access_key", raw.secret_access_key.as_deref())
                .field("mfa_serial", raw.mfa_serial.as_deref())
                .field("role_arn", raw.role_arn.as_deref())
                .secret("mfa_code", raw.mfa_code.as_deref())
                .number("role_duration_seconds", raw.role_duration_seconds)
                .number("session_duration_seconds", raw.session_duration_seconds)
                .field("role_session_name", raw.role_session_name.as_deref())
                .field("external_id", raw.external_id.as_deref())
                .field("region", raw.region.as_deref());
            for via in &p.via_roles {
                key.field("via role", Some(&via.role_arn))
                    .field("via external_id", via.external_id.as_deref())
                    .field("via role_session_name", via.role_session_name.as_deref());
            }
            // Who: the stores the keys are read from, and what `env:` gives now.
            for place in reads_from(&p.name, raw, &p.keys_from, specs, home) {
                key.field("reads from", Some(&place));
            }
            for (var, _) in crate::settings::profile::env_references(raw) {
                let value = std::env::var(&var).ok();
                key.field("env", Some(&var))
                    .secret("env value", value.as_deref());
            }
        }
        Source::Env(keys) => {
            key.field("env access_key_id", Some(&keys.access_key_id))
                .secret(
                    "env secret_access_key",
                    Some(keys.secret_access_key.expose_secret()),
                )
                .secret(
                    "env session_token",
                    keys.session_token.as_ref().map(|t| t.expose_secret()),
                );
        }
    }
    key.field("--serial-number", flags.serial_number.as_deref())
        .field("--role-arn", flags.role_arn.as_deref())
        .number("--role-duration-seconds", flags.role_duration_seconds)
        .field("--role-session-name", flags.role_session_name.as_deref())
        .number("--session-duration-seconds", flags.session_duration_seconds)
        .field("--external-id", flags.external_id.as_deref())
        .field("--region", flags.region.as_deref())
        .field("AWS_REGION", crate::env::var("AWS_REGION").as_deref())
        .field(
            "AWS_DEFAULT_REGION",
            crate::env::var("AWS_DEFAULT_REGION").as_deref(),
        )
        .field("endpoint", endpoint)
        // The default role session name follows USER, then LOGNAME, then the account name
        // (which needs no field: a cache is the user's own).
        .field("USER", crate::env::var("USER").as_deref())
        .field("LOGNAME", crate::env::var("LOGNAME").as_deref());
    // What the session may do and how it is marked, whichever of flags and profile said it.
    scope.add_to_key(&mut key);
    key.finish()
}

/// Where the profile's keys are read from: for each backend reference of its key fields,
/// the backend's identity (definition, store); `keyring:` and `env:` as their kind (env
/// values are bound separately). An unparsable profile gives what it can: the run fails
/// on it before any cache use.
fn reads_from(
    name: &str,
    raw: &crate::settings::config::RawProfile,
    keys_from: &str,
    specs: &Specs,
    home: Option<&Path>,
) -> Vec<String> {
    let Ok((id, secret)) = crate::settings::profile::key_references(name, raw, keys_from, specs)
    else {
        return Vec::new();
    };
    let mut places: Vec<String> = [id, secret]
        .iter()
        .filter_map(|value| match value {
            Value::Ref(reference) => Some(place(reference, specs, home)),
            Value::Literal(_) => None,
        })
        .collect();
    if let Some(code) = raw.mfa_code.as_deref()
        && let Ok(Value::Ref(reference)) = reference::parse(code, &specs.schemes())
    {
        places.push(place(&reference, specs, home));
    }
    places.sort();
    places.dedup();
    places
}

fn place(reference: &Reference, specs: &Specs, home: Option<&Path>) -> String {
    match reference {
        Reference::Command { backend, .. } => specs
            .get(backend)
            .map_or_else(|| backend.clone(), |s| s.store_identity(home)),
        Reference::OnePassword(_) => specs
            .get("op")
            .map_or_else(|| "op".to_owned(), |s| s.store_identity(home)),
        Reference::Keyring { .. } => "keyring".to_owned(),
        Reference::Env(_) => "env".to_owned(),
        Reference::Totp(inner) => place(inner, specs, home),
    }
}

/// The per-profile lock's name: one run at a time per profile (or per key from the
/// environment) asks STS; the others wait and take its result.
pub fn lock_name(source: &Source) -> String {
    let mut lock = KeyBuilder::new("lock");
    match source {
        Source::Profile(p) => lock.field("profile", Some(&p.name)),
        Source::Env(keys) => lock.field("access_key_id", Some(&keys.access_key_id)),
    };
    lock.finish()[..32].to_owned()
}

/// The MFA session of these source keys and this device, at this endpoint: profiles that
/// share keys and a device share it (one code for all of their roles).
pub fn mfa_session_key(source: &SourceCredentials, serial: &str, endpoint: Option<&str>) -> String {
    let mut key = KeyBuilder::new("mfa-session v1");
    key.field("access_key_id", Some(&source.access_key_id))
        .secret(
            "secret_access_key",
            Some(source.secret_access_key.expose_secret()),
        )
        .field("serial", Some(serial))
        .field("endpoint", endpoint)
        .number("duration", Some(DEFAULT_SESSION_DURATION));
    key.finish()
}
