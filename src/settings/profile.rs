//! A profile as written becomes a plan of what to read, and from where: its own references,
//! else its backend's default layout, leaving out what flags already give. Nothing is
//! fetched here (`secrets::gather` does that) and nothing is filled in: `providers::resolve`
//! checks the values once they are read.

use crate::cli::FlowArgs;
use crate::secrets::backend::spec::{Fields, SpecError, Specs};
use crate::settings::config::{ConfigError, RawProfile};
use crate::settings::reference::{self, Value};

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
        kind: crate::secrets::backend::FetchErrorKind,
    },
}

/// What to say of an MFA code (or seed) a profile gives without an MFA device.
pub const NO_DEVICE: &str =
    "is set but there is no MFA device: set mfa_serial too (or pass --serial-number)";

/// One field to fill: where its value comes from, and whether it may be absent
/// (fields the default layout offers but does not require).
#[derive(Clone)]
pub struct Wanted {
    pub field: &'static str,
    pub value: Value,
    pub optional: bool,
    /// The default layout's MFA code: only an `otpauth://` line of the entry counts.
    pub otpauth_only: bool,
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
/// `role_arn:` lines and an optional otpauth line. bw, lpass, op and keyring have their own.
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
        "bw" => {
            let item = format!("bw:aws-auth/{profile}");
            Some(Layout {
                access_key_id: format!("{item}#username"),
                secret_access_key: item.clone(),
                mfa_serial: format!("{item}#mfa_serial"),
                role_arn: format!("{item}#role_arn"),
                mfa_code: Some(format!("{item}#totp")),
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

/// Where the profile's access key id and secret access key are read from (its own
/// references, else its backend's default layout), as written: nothing is fetched. For
/// `rotate`, which writes new keys to the same places.
pub fn key_references(
    name: &str,
    raw: &RawProfile,
    keys_from: &str,
    specs: &Specs,
) -> Result<(Value, Value), ProfileError> {
    let mut wanted = plan(name, raw, keys_from, &FlowArgs::default(), false, specs)?;
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

/// The variables the profile reads with `env:` (in any field, `totp:env:` included), each
/// with whether it holds a secret: the secret key's and the MFA code's (or seed's). Those
/// are kept from every child; all of them bind the session cache's key to their values.
pub fn env_references(raw: &RawProfile) -> Vec<(String, bool)> {
    let fields = [
        (&raw.access_key_id, false),
        (&raw.secret_access_key, true),
        (&raw.mfa_serial, false),
        (&raw.role_arn, false),
        (&raw.mfa_code, true),
        (&raw.role_session_name, false),
        (&raw.external_id, false),
        (&raw.region, false),
    ];
    fields
        .into_iter()
        .filter_map(|(value, secret)| {
            let value = value.as_deref()?;
            let value = value.strip_prefix("totp:").unwrap_or(value);
            value
                .strip_prefix("env:")
                .map(|var| (var.to_owned(), secret))
        })
        .collect()
}

/// Whether the planned secret key is a literal, kept in the profiles file in plain text.
pub fn literal_secret(wanted: &[Wanted]) -> bool {
    matches!(
        wanted.iter().find(|w| w.field == "secret_access_key"),
        Some(Wanted {
            value: Value::Literal(_),
            ..
        })
    )
}

/// Which fields to fetch and from where: the profile's own references, else its backend's
/// default layout, leaving out what flags already give. Nothing is fetched here.
/// `code_given`: an MFA code is already in hand (`--token-code`, not yet spent), so the
/// profile's code source is not read.
pub fn plan(
    name: &str,
    raw: &RawProfile,
    keys_from: &str,
    flow: &FlowArgs,
    code_given: bool,
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
        Some(backend) => Some(layout(backend, keys_from, specs).ok_or_else(|| {
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
    if !code_given && mfa_possible {
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
    Ok(wanted)
}

#[cfg(test)]
mod tests;
