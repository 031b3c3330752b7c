//! Stage two of profiles: a raw `[profiles.NAME]` table plus the command line becomes the
//! inputs of one run. Flags win; fields left out follow the backend's default layout; every
//! reference is fetched concurrently, each fetch unit (entry) once.

use crate::cli::FlowArgs;
use crate::credentials::SourceCredentials;
use crate::secrets::backend::spec::{Fields, SpecError, Specs};
use crate::secrets::backend::{FetchErrorKind, Unit, extract, totp_of};
use crate::secrets::totp::Totp;
use crate::settings::config::{ConfigError, RawProfile};
use crate::settings::reference::{self, Reference, Value};
use crate::settings::validate;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Backends(#[from] SpecError),
    #[error("profile \"{profile}\", {field}: {problem}")]
    Field {
        profile: String,
        field: &'static str,
        problem: String,
    },
    #[error("profile \"{profile}\", {field}: {backend} could not give {reference}: {kind}")]
    Fetch {
        profile: String,
        field: &'static str,
        backend: String,
        reference: String,
        kind: FetchErrorKind,
    },
}

const NO_DEVICE: &str =
    "is set but there is no MFA device: set mfa_serial too (or pass --serial-number)";

/// One field to fill: where its value comes from, and whether it may be absent
/// (fields the default layout offers but does not require).
#[derive(Clone)]
struct Wanted {
    field: &'static str,
    value: Value,
    optional: bool,
    /// The default layout's MFA code: only an `otpauth://` line of the entry counts.
    otpauth_only: bool,
}

/// The default layout of a backend: references for the fields a profile leaves out.
struct Layout {
    access_key_id: String,
    secret_access_key: String,
    mfa_serial: String,
    role_arn: String,
    mfa_code: Option<String>,
    /// The code comes from reading the whole entry: only an `otpauth://` line in it counts
    /// (line 1 is the secret key, not a seed). Other layouts name a dedicated field.
    mfa_code_in_entry: bool,
}

/// `backend = "pass"` (or gopass, or a user's line-based backend): one entry
/// `aws-auth/PROFILE`, line 1 the secret key, `aws_access_key_id:` / `mfa_serial:` /
/// `role_arn:` lines and an optional otpauth line. lpass, op and keyring have their own.
fn layout(backend: &str, profile: &str, specs: &Specs) -> Option<Layout> {
    match backend {
        "op" => {
            let item = format!("op://Private/aws-auth-{profile}");
            Some(Layout {
                access_key_id: format!("{item}/AWS_ACCESS_KEY_ID"),
                secret_access_key: format!("{item}/AWS_SECRET_ACCESS_KEY"),
                mfa_serial: format!("{item}/AWS_TOTP_SERIAL_NUMBER"),
                role_arn: format!("{item}/AWS_ROLE_ARN"),
                mfa_code: Some(format!("{item}/one-time password?attribute=otp")),
                mfa_code_in_entry: false,
            })
        }
        "keyring" => {
            let base = format!("keyring:aws-auth/{profile}");
            Some(Layout {
                access_key_id: format!("{base}/access_key_id"),
                secret_access_key: format!("{base}/secret_access_key"),
                mfa_serial: format!("{base}/mfa_serial"),
                role_arn: format!("{base}/role_arn"),
                mfa_code: Some(format!("totp:{base}/totp_seed")),
                mfa_code_in_entry: false,
            })
        }
        "lpass" => {
            let note = format!("lpass:aws-auth/{profile}");
            Some(Layout {
                access_key_id: format!("{note}#Access Key ID"),
                secret_access_key: format!("{note}#Secret Access Key"),
                mfa_serial: format!("{note}#MFA ARN"),
                role_arn: format!("{note}#Role ARN"),
                mfa_code: None,
                mfa_code_in_entry: false,
            })
        }
        name => {
            let spec = specs.get(name)?;
            (spec.fields == Fields::Lines).then(|| {
                let entry = format!("{name}:aws-auth/{profile}");
                Layout {
                    access_key_id: format!("{entry}#aws_access_key_id"),
                    secret_access_key: entry.clone(),
                    mfa_serial: format!("{entry}#mfa_serial"),
                    role_arn: format!("{entry}#role_arn"),
                    mfa_code: Some(format!("totp:{entry}")),
                    mfa_code_in_entry: true,
                }
            })
        }
    }
}

/// What a profile yields besides the flow's filled-in values.
pub struct Resolved {
    pub source: SourceCredentials,
    /// The generator behind the MFA code when it came from a TOTP seed: the flow computes
    /// the code when it sends it (and the next one if STS refuses it as already used).
    pub totp: Option<Totp>,
    /// The MFA code's source when a backend gives a fresh code each time it is asked (op's
    /// one-time password, a YubiKey): read only when a call needs a code.
    pub code: Option<DeferredCode>,
}

/// An MFA code read from a backend only when a call carries one, so a run that needs no
/// code (a cached MFA session re-deriving a role) costs no YubiKey touch and no `op` call.
pub struct DeferredCode {
    profile: String,
    wanted: Wanted,
    specs: Specs,
    home: Option<PathBuf>,
    limit: Duration,
}

impl DeferredCode {
    /// The current code, checked to be six digits (a wrong value is named by its source,
    /// never shown); `None` when the default layout's item has no code (then: a prompt).
    pub fn read(&self) -> Result<Option<SecretString>, ProfileError> {
        let (mut values, _) = fetch(
            std::slice::from_ref(&self.wanted),
            &self.specs,
            self.home.as_deref(),
            self.limit,
            &self.profile,
        )?;
        let Some(code) = values.remove("mfa_code") else {
            return Ok(None);
        };
        let code = SecretString::from(code.expose_secret().trim());
        if validate::token_code(code.expose_secret()).is_err() {
            let source = match &self.wanted.value {
                Value::Ref(r) => r.to_string(),
                Value::Literal(_) => "the profile".to_owned(),
            };
            if let Some(problem) = seed_not_code(code.expose_secret(), Some(&source)) {
                return Err(ProfileError::Field {
                    profile: self.profile.clone(),
                    field: "mfa_code",
                    problem,
                });
            }
            return Err(ProfileError::Field {
                profile: self.profile.clone(),
                field: "mfa_code",
                problem: format!("the value of {source} is not a 6-digit MFA code"),
            });
        }
        Ok(Some(code))
    }
}

/// An `mfa_code` value that is a TOTP seed (an otpauth URI, or base32 of 80 bits or more)
/// rather than a code: the message that says to write `totp:`, naming where it came from
/// (`None`: profiles.toml itself, where a seed is a secret in plain text). Never the value.
fn seed_not_code(value: &str, source: Option<&String>) -> Option<String> {
    let seed = Totp::from_text(value).ok().filter(|t| t.seed_len() >= 10)?;
    drop(seed);
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

/// Whether the MFA code `w` can wait until a call needs it: a reference to a code (not a
/// seed, not a literal) whose entry no other field reads (that one is fetched anyway).
fn deferrable(w: &Wanted, wanted: &[Wanted], specs: &Specs) -> bool {
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

/// Fills `flow` from the profile and returns the source keys. Flags already in `flow` win.
pub fn apply(
    name: &str,
    raw: &RawProfile,
    flow: &mut FlowArgs,
    specs: &Specs,
    home: Option<&Path>,
    limit: Duration,
) -> Result<Resolved, ProfileError> {
    scrub_env_references(raw);
    let role_flag = flow.role_arn.is_some();
    let mut wanted = plan(name, raw, flow, specs)?;
    let deferred = wanted
        .iter()
        .position(|w| deferrable(w, &wanted, specs))
        .map(|at| wanted.remove(at));
    let (values, totp) = fetch(&wanted, specs, home, limit, name)?;
    let mut resolved = fill(name, raw, flow, &wanted, values, totp)?;
    // The chain's roles lead to the profile's own role; a --role-arn replaces that role and
    // is assumed from the keys, as for any profile.
    if !role_flag {
        for via in &raw.via_roles {
            let field_err =
                |field: &'static str, e: validate::ValidationError| ProfileError::Field {
                    profile: name.to_owned(),
                    field,
                    problem: format!("{} (of profile {}, on the way)", e.problem, via.profile),
                };
            validate::role_arn(&via.role_arn).map_err(|e| field_err("role_arn", e))?;
            if let Some(id) = &via.external_id {
                validate::external_id(id).map_err(|e| field_err("external_id", e))?;
            }
            if let Some(session) = &via.role_session_name {
                validate::session_name(session).map_err(|e| field_err("role_session_name", e))?;
            }
        }
        flow.via_roles = raw.via_roles.clone();
    }
    if let Some(wanted) = deferred {
        // As for a fetched code: useless without a device; set explicitly, a mistake.
        if flow.serial_number.is_none() {
            if raw.mfa_code.is_some() {
                return Err(ProfileError::Field {
                    profile: name.to_owned(),
                    field: "mfa_code",
                    problem: NO_DEVICE.into(),
                });
            }
        } else {
            resolved.code = Some(DeferredCode {
                profile: name.to_owned(),
                wanted,
                specs: specs.clone(),
                home: home.map(Path::to_path_buf),
                limit,
            });
        }
    }
    Ok(resolved)
}

/// Where the profile's access key id and secret access key are read from (its own
/// references, else its backend's default layout), as written: nothing is fetched. For
/// `rotate`, which writes new keys to the same places.
pub fn key_references(
    name: &str,
    raw: &RawProfile,
    specs: &Specs,
) -> Result<(Value, Value), ProfileError> {
    let mut wanted = plan(name, raw, &FlowArgs::default(), specs)?;
    let mut take = |field: &str| {
        wanted
            .iter()
            .position(|w| w.field == field)
            .map(|at| wanted.swap_remove(at).value)
    };
    match (take("access_key_id"), take("secret_access_key")) {
        (Some(id), Some(secret)) => Ok((id, secret)),
        // plan requires both; this is only for the types.
        _ => Err(ProfileError::Field {
            profile: name.to_owned(),
            field: "access_key_id",
            problem: "not set".into(),
        }),
    }
}

/// A variable the profile reads its secret key or MFA code (or TOTP seed) from with `env:`
/// holds a secret: no child aws-auth starts from here on inherits it (a password manager,
/// the gpg-agent it may leave running, a command under exec or serve). Variables of the
/// other fields (a region, a role) are not secrets and stay.
fn scrub_env_references(raw: &RawProfile) {
    for value in [&raw.secret_access_key, &raw.mfa_code]
        .into_iter()
        .flatten()
    {
        let value = value.strip_prefix("totp:").unwrap_or(value);
        if let Some(var) = value.strip_prefix("env:") {
            crate::secrets::process::scrub(var);
        }
    }
}

/// Which fields to fetch and from where: the profile's own references, else its backend's
/// default layout, leaving out what flags already give. Nothing is fetched here.
fn plan(
    name: &str,
    raw: &RawProfile,
    flow: &FlowArgs,
    specs: &Specs,
) -> Result<Vec<Wanted>, ProfileError> {
    let field_err = |field: &'static str, problem: String| ProfileError::Field {
        profile: name.to_owned(),
        field,
        problem,
    };
    let layout = match raw.backend.as_deref() {
        None => None,
        // A profile of the AWS config file reads the layout of the profile its keys are from.
        Some(backend) => Some(layout(backend, raw.keys_from.as_deref().unwrap_or(name), specs).ok_or_else(|| {
            let mut known = specs.schemes();
            known.extend(["op".to_owned(), "keyring".to_owned()]);
            known.sort();
            let near = crate::suggest::nearest(backend, known.iter().map(String::as_str))
                .map(|near| format!("did you mean \"{near}\"? "))
                .unwrap_or_default();
            field_err(
                "backend",
                format!("\"{backend}\" has no default layout ({near}backends with one: {}); set access_key_id and secret_access_key instead", known.join(", ")),
            )
        })?),
    };
    let schemes = specs.schemes();
    let mut wanted: Vec<Wanted> = Vec::new();
    let mut want = |field: &'static str,
                    own: &Option<String>,
                    default: Option<&String>,
                    required: bool,
                    otpauth_only: bool|
     -> Result<(), ProfileError> {
        let (text, optional) = match (own, default) {
            (Some(text), _) => (text, false),
            (None, Some(text)) => (text, !required),
            (None, None) if required => {
                return Err(field_err(
                    field,
                    format!(
                        "not set: give {field} (e.g. \"pass:aws/{name}#{field}\"), or set backend = \"pass\" for the one-entry layout"
                    ),
                ));
            }
            (None, None) => return Ok(()),
        };
        let value =
            reference::parse(text, &schemes).map_err(|e| field_err(field, e.to_string()))?;
        wanted.push(Wanted {
            field,
            value,
            optional,
            otpauth_only: otpauth_only && own.is_none(),
        });
        Ok(())
    };
    want(
        "access_key_id",
        &raw.access_key_id,
        layout.as_ref().map(|l| &l.access_key_id),
        true,
        false,
    )?;
    want(
        "secret_access_key",
        &raw.secret_access_key,
        layout.as_ref().map(|l| &l.secret_access_key),
        true,
        false,
    )?;
    if flow.serial_number.is_none() {
        want(
            "mfa_serial",
            &raw.mfa_serial,
            layout.as_ref().map(|l| &l.mfa_serial),
            false,
            false,
        )?;
    }
    if flow.role_arn.is_none() {
        want(
            "role_arn",
            &raw.role_arn,
            layout.as_ref().map(|l| &l.role_arn),
            false,
            false,
        )?;
    }
    let mfa_possible = flow.serial_number.is_some() || raw.mfa_serial.is_some() || layout.is_some();
    if raw.mfa_code.is_some() && !mfa_possible {
        return Err(field_err("mfa_code", NO_DEVICE.into()));
    }
    if flow.token_code.is_none() && mfa_possible {
        want(
            "mfa_code",
            &raw.mfa_code,
            layout.as_ref().and_then(|l| l.mfa_code.as_ref()),
            false,
            layout.as_ref().is_some_and(|l| l.mfa_code_in_entry),
        )?;
    }
    for (field, own, flag_given) in [
        (
            "role_session_name",
            &raw.role_session_name,
            flow.role_session_name.is_some(),
        ),
        ("external_id", &raw.external_id, flow.external_id.is_some()),
        ("region", &raw.region, flow.region.is_some()),
    ] {
        if !flag_given {
            want(field, own, None, false, false)?;
        }
    }
    if let Some(Wanted {
        value: Value::Literal(_),
        ..
    }) = wanted.iter().find(|w| w.field == "secret_access_key")
    {
        crate::say!(
            "aws-auth: warning: profile \"{name}\" keeps its secret_access_key as plain text in the profiles file; \
             move it to a password manager (e.g. `aws-auth add --profile {name}`) and use a reference"
        );
    }

    Ok(wanted)
}

/// Checks each fetched value and fills `flow` with it (flags already there win); returns
/// the source keys. Values fetched from a backend are never echoed in an error.
fn fill(
    name: &str,
    raw: &RawProfile,
    flow: &mut FlowArgs,
    wanted: &[Wanted],
    mut values: HashMap<&'static str, SecretString>,
    mut totp: Option<Totp>,
) -> Result<Resolved, ProfileError> {
    let field_err = |field: &'static str, problem: String| ProfileError::Field {
        profile: name.to_owned(),
        field,
        problem,
    };
    let mut take = |field: &str| values.remove(field);

    let access_key_id = take("access_key_id")
        .map(|v| v.expose_secret().trim().to_owned())
        .unwrap_or_default();
    // Never echoed: a mistyped reference may have fetched the secret key instead.
    validate::access_key_id(&access_key_id).map_err(|e| field_err("access_key_id", e.problem))?;
    let secret_access_key = take("secret_access_key")
        .ok_or_else(|| field_err("secret_access_key", "is empty".into()))?;
    let plain = |v: SecretString| v.expose_secret().trim().to_owned();
    // A value fetched from a backend may be a secret put in the wrong place (a reference
    // missing its #KEY reads line 1, the secret key): errors name its source, never echo it.
    let sources: HashMap<&'static str, String> = wanted
        .iter()
        .filter_map(|w| match &w.value {
            Value::Ref(r) => Some((w.field, r.to_string())),
            Value::Literal(_) => None,
        })
        .collect();
    let invalid = |field: &'static str, value: &str| {
        let hidden = sources
            .get(field)
            .map(|source| (Zeroizing::new(value.to_owned()), source.clone()));
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
    if let Some(serial) = take("mfa_serial").map(plain) {
        validate::serial_number(&serial).map_err(invalid("mfa_serial", &serial))?;
        flow.serial_number = Some(serial);
    }
    if let Some(role_arn) = take("role_arn").map(plain) {
        validate::role_arn(&role_arn).map_err(invalid("role_arn", &role_arn))?;
        flow.role_arn = Some(role_arn);
    }
    // A code without a device is useless: from the default layout it is dropped (the item
    // may hold a one-time password for something else); set explicitly, it is a mistake.
    let explicit_code = raw.mfa_code.is_some();
    if let Some(code) = take("mfa_code").filter(|_| flow.serial_number.is_some() || explicit_code) {
        if flow.serial_number.is_none() {
            return Err(field_err("mfa_code", NO_DEVICE.into()));
        }
        let code = SecretString::from(code.expose_secret().trim());
        if let Some(problem) = seed_not_code(code.expose_secret(), sources.get("mfa_code")) {
            return Err(field_err("mfa_code", problem));
        }
        validate::token_code(code.expose_secret())
            .map_err(invalid("mfa_code", code.expose_secret()))?;
        flow.token_code = Some(code);
    } else {
        totp = None;
    }
    if let Some(v) = take("role_session_name").map(plain) {
        validate::session_name(&v).map_err(invalid("role_session_name", &v))?;
        flow.role_session_name = Some(v);
    }
    if let Some(v) = take("external_id").map(plain) {
        validate::external_id(&v).map_err(invalid("external_id", &v))?;
        flow.external_id = Some(v);
    }
    if let Some(v) = take("region").map(plain) {
        validate::region(&v).map_err(invalid("region", &v))?;
        flow.region = Some(v);
    }
    if flow.role_duration_seconds.is_none()
        && let Some(seconds) = raw.role_duration_seconds
    {
        validate::duration(
            "role_duration_seconds",
            seconds,
            validate::ROLE_DURATION,
            "AssumeRole",
        )
        .map_err(invalid("role_duration_seconds", ""))?;
        flow.role_duration_seconds = Some(seconds);
    }
    if flow.session_duration_seconds.is_none()
        && let Some(seconds) = raw.session_duration_seconds
    {
        validate::duration(
            "session_duration_seconds",
            seconds,
            validate::SESSION_DURATION,
            "GetSessionToken",
        )
        .map_err(invalid("session_duration_seconds", ""))?;
        flow.session_duration_seconds = Some(seconds);
    }
    Ok(Resolved {
        source: SourceCredentials {
            access_key_id,
            secret_access_key,
            session_token: None,
        },
        totp,
        code: None,
    })
}

/// Fetches every reference, each unit once and all units at the same time, and returns the
/// values by field (absent optional fields are left out), and the MFA code's TOTP generator
/// when the code comes from a seed.
fn fetch(
    wanted: &[Wanted],
    specs: &Specs,
    home: Option<&Path>,
    limit: Duration,
    profile: &str,
) -> Result<(HashMap<&'static str, SecretString>, Option<Totp>), ProfileError> {
    let mut units: Vec<Unit> = Vec::new();
    for w in wanted {
        if let Value::Ref(r) = &w.value {
            let unit = Unit::of(r, specs);
            if !units.contains(&unit) {
                units.push(unit);
            }
        }
    }
    let results: Vec<Result<SecretString, FetchErrorKind>> = if units.len() == 1 {
        vec![units[0].fetch(specs, home, limit)]
    } else {
        std::thread::scope(|scope| {
            let running: Vec<_> = units
                .iter()
                .map(|u| scope.spawn(move || u.fetch(specs, home, limit)))
                .collect();
            running
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(FetchErrorKind::Failed("the fetch thread failed".into()))
                    })
                })
                .collect()
        })
    };
    let texts: HashMap<&Unit, &Result<SecretString, FetchErrorKind>> =
        units.iter().zip(results.iter()).collect();

    let mut values = HashMap::new();
    let mut totp = None;
    for w in wanted {
        let reference = match &w.value {
            Value::Literal(text) => {
                values.insert(w.field, SecretString::from(text.as_str()));
                continue;
            }
            Value::Ref(r) => r,
        };
        let fail = |kind: FetchErrorKind| ProfileError::Fetch {
            profile: profile.to_owned(),
            field: w.field,
            backend: reference.backend().to_owned(),
            reference: reference.to_string(),
            kind,
        };
        let absent = |kind: &FetchErrorKind| {
            w.optional
                && matches!(
                    kind,
                    FetchErrorKind::NoField(_) | FetchErrorKind::NotFound(_)
                )
        };
        let text = match texts[&Unit::of(reference, specs)] {
            Ok(text) => text,
            Err(kind) if absent(kind) => continue,
            Err(kind) => return Err(fail(kind.clone())),
        };
        if w.otpauth_only
            && !text
                .expose_secret()
                .lines()
                .any(|l| l.trim_start().starts_with("otpauth://"))
        {
            continue;
        }
        if w.field == "mfa_code" && matches!(reference, Reference::Totp(_)) {
            match totp_of(reference, text, specs) {
                Ok(generator) => {
                    values.insert(w.field, SecretString::from(generator.code_now().as_str()));
                    totp = Some(generator);
                }
                Err(kind) if absent(&kind) => {}
                Err(kind) => return Err(fail(kind)),
            }
            continue;
        }
        match extract(reference, text, specs) {
            Ok(value) => {
                values.insert(w.field, value);
            }
            Err(kind) if absent(&kind) => {}
            Err(kind) => return Err(fail(kind)),
        }
    }
    Ok((values, totp))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs() -> Specs {
        Specs::load(None).unwrap()
    }

    /// `apply` for profile `name` with the built-in backends.
    fn resolve(
        name: &str,
        raw: &RawProfile,
        flow: &mut FlowArgs,
    ) -> Result<SourceCredentials, ProfileError> {
        apply(name, raw, flow, &specs(), None, Duration::from_secs(5)).map(|r| r.source)
    }

    /// The message of the error `apply` must give for profile "w".
    fn error_of(raw: &RawProfile) -> String {
        resolve("w", raw, &mut FlowArgs::default())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn flags_win_and_literals_fill_the_rest() {
        let raw = RawProfile {
            access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
            secret_access_key: Some("env:AWS_AUTH_TEST_NEVER_SET_SECRET".into()),
            role_arn: Some("arn:aws:iam::123456789012:role/from-profile".into()),
            region: Some("eu-west-1".into()),
            role_duration_seconds: Some(7200),
            ..Default::default()
        };
        let mut flow = FlowArgs {
            role_arn: Some("arn:aws:iam::123456789012:role/from-flag".into()),
            ..Default::default()
        };
        let err = resolve("work", &raw, &mut flow).unwrap_err();
        assert!(err.to_string().contains("profile \"work\", secret_access_key: env could not give env:AWS_AUTH_TEST_NEVER_SET_SECRET"), "{err}");

        let raw = RawProfile {
            secret_access_key: Some("env:PATH".into()),
            ..raw
        };
        let source = resolve("work", &raw, &mut flow).unwrap();
        assert_eq!(source.access_key_id, "AKIAIOSFODNN7EXAMPLE");
        assert_eq!(
            flow.role_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/from-flag")
        );
        assert_eq!(flow.region.as_deref(), Some("eu-west-1"));
        assert_eq!(flow.role_duration_seconds, Some(7200));
    }

    #[test]
    fn missing_keys_name_the_field_and_the_convention() {
        let raw = RawProfile {
            access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
            ..Default::default()
        };
        let msg = error_of(&raw);
        assert!(
            msg.contains("secret_access_key") && msg.contains("backend = \"pass\""),
            "{msg}"
        );
    }

    #[test]
    fn unknown_scheme_and_unknown_backend_are_errors() {
        let raw = RawProfile {
            access_key_id: Some("vault:x".into()),
            secret_access_key: Some("env:PATH".into()),
            ..Default::default()
        };
        let msg = error_of(&raw);
        assert!(
            msg.contains("access_key_id") && msg.contains("unknown scheme \"vault:\""),
            "{msg}"
        );
        let raw = RawProfile {
            backend: Some("vault".into()),
            ..Default::default()
        };
        let msg = error_of(&raw);
        assert!(
            msg.contains("backend") && msg.contains("\"vault\""),
            "{msg}"
        );
    }

    #[test]
    fn profile_values_are_validated_with_their_field_name() {
        let raw = RawProfile {
            access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
            secret_access_key: Some("env:PATH".into()),
            role_duration_seconds: Some(100),
            ..Default::default()
        };
        let msg = error_of(&raw);
        assert!(
            msg.contains("profile \"w\", role_duration_seconds: 100 is out of range"),
            "{msg}"
        );
    }

    #[test]
    fn an_mfa_code_without_a_device_is_named() {
        let raw = RawProfile {
            access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
            secret_access_key: Some("env:PATH".into()),
            mfa_code: Some("env:PATH".into()),
            ..Default::default()
        };
        let msg = error_of(&raw);
        assert!(
            msg.contains("profile \"w\", mfa_code") && msg.contains("mfa_serial"),
            "{msg}"
        );
    }

    #[test]
    fn a_fetched_value_that_fails_validation_is_not_echoed() {
        let raw = RawProfile {
            access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
            secret_access_key: Some("env:PATH".into()),
            mfa_serial: Some("env:PATH".into()),
            ..Default::default()
        };
        let msg = error_of(&raw);
        let path = std::env::var("PATH").unwrap();
        assert!(msg.contains("profile \"w\", mfa_serial"), "{msg}");
        assert!(!msg.contains(&path), "{msg}");

        let raw = RawProfile {
            access_key_id: Some("env:PATH".into()),
            ..raw
        };
        let msg = error_of(&raw);
        assert!(
            msg.contains("access_key_id") && !msg.contains(&path),
            "{msg}"
        );
    }
    /// Every flag wins over the profile's value for the same field; the profile fills only
    /// what the flags leave out.
    #[test]
    fn every_flag_wins_over_the_profile() {
        let raw = RawProfile {
            access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
            secret_access_key: Some("env:PATH".into()),
            mfa_serial: Some("arn:aws:iam::123456789012:mfa/profile".into()),
            role_arn: Some("arn:aws:iam::123456789012:role/profile".into()),
            mfa_code: Some("111111".into()),
            role_duration_seconds: Some(7200),
            role_session_name: Some("from-profile".into()),
            external_id: Some("profile-id".into()),
            region: Some("eu-west-1".into()),
            ..Default::default()
        };
        let mut flow = FlowArgs {
            serial_number: Some("arn:aws:iam::123456789012:mfa/flag".into()),
            token_code: Some(SecretString::from("222222")),
            role_arn: Some("arn:aws:iam::123456789012:role/flag".into()),
            role_duration_seconds: Some(900),
            role_session_name: Some("from-flag".into()),
            external_id: Some("flag-id".into()),
            region: Some("ap-south-1".into()),
            ..Default::default()
        };
        resolve("w", &raw, &mut flow).unwrap();
        assert_eq!(
            flow.serial_number.as_deref(),
            Some("arn:aws:iam::123456789012:mfa/flag")
        );
        assert_eq!(flow.token_code.unwrap().expose_secret(), "222222");
        assert_eq!(
            flow.role_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/flag")
        );
        assert_eq!(flow.role_duration_seconds, Some(900));
        assert_eq!(flow.role_session_name.as_deref(), Some("from-flag"));
        assert_eq!(flow.external_id.as_deref(), Some("flag-id"));
        assert_eq!(flow.region.as_deref(), Some("ap-south-1"));

        let mut flow = FlowArgs::default();
        resolve("w", &raw, &mut flow).unwrap();
        assert_eq!(
            flow.serial_number.as_deref(),
            Some("arn:aws:iam::123456789012:mfa/profile")
        );
        assert_eq!(flow.token_code.unwrap().expose_secret(), "111111");
        assert_eq!(
            flow.role_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/profile")
        );
        assert_eq!(flow.role_duration_seconds, Some(7200));
        assert_eq!(flow.role_session_name.as_deref(), Some("from-profile"));
        assert_eq!(flow.external_id.as_deref(), Some("profile-id"));
        assert_eq!(flow.region.as_deref(), Some("eu-west-1"));

        // session_duration_seconds belongs to the no-role case.
        let raw = RawProfile {
            session_duration_seconds: Some(7200),
            role_arn: None,
            role_duration_seconds: None,
            role_session_name: None,
            external_id: None,
            ..raw
        };
        let mut flow = FlowArgs {
            session_duration_seconds: Some(900),
            ..Default::default()
        };
        resolve("w", &raw, &mut flow).unwrap();
        assert_eq!(flow.session_duration_seconds, Some(900));
        let mut flow = FlowArgs::default();
        resolve("w", &raw, &mut flow).unwrap();
        assert_eq!(flow.session_duration_seconds, Some(7200));
        assert_eq!(flow.role_arn, None);
    }
}
