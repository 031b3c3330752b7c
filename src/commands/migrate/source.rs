//! What `migrate` moves, and from where: the profile's keys (and the MFA device, role and
//! TOTP seed it reads from a store), refused when a key comes from where nothing can be
//! moved (the environment); then, once the profile reads the new store, the old entries
//! removed, each only when it holds nothing but what moved.

use crate::cli::FlowArgs;
use crate::error::Error;
use crate::providers::gather::gather;
use crate::secrets::backend::spec::{Fields, Specs};
use crate::secrets::backend::{FetchErrorKind, Unit, extract, key_line, write};
use crate::secrets::totp::Totp;
use crate::settings::config::RawProfile;
use crate::settings::edit::Edit;
use crate::settings::profile::{self, Wanted};
use crate::settings::reference::{self as reference, Reference};
use secrecy::{ExposeSecret, SecretString};
use std::path::Path;
use std::time::Duration;
use zeroize::Zeroizing;

/// The fields a profile may read from a store, which move with the keys.
const MOVING: [&str; 4] = [
    "access_key_id",
    "secret_access_key",
    "mfa_serial",
    "role_arn",
];

/// What was read from the old store.
pub struct Value {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    pub mfa_serial: Option<String>,
    pub role_arn: Option<String>,
    /// The TOTP seed, as an otpauth URI.
    pub seed: Option<Zeroizing<String>>,
}

pub struct Source {
    raw: RawProfile,
    moving: Vec<Wanted>,
    /// The MFA code's seed, when it is one (a `totp:` reference; in a line-based layout, the
    /// entry's otpauth line).
    seed: Option<Wanted>,
    /// The old layout's MFA code that is not a seed (op's one-time password, bw's #totp):
    /// the profile keeps reading it, named.
    pinned_code: Option<String>,
}

impl Source {
    pub fn plan(name: &str, raw: &RawProfile, specs: &Specs) -> Result<Source, Error> {
        let wanted = profile::plan(name, raw, name, &FlowArgs::default(), false, specs)?;
        let mut source = Source {
            raw: raw.clone(),
            moving: Vec::new(),
            seed: None,
            pinned_code: None,
        };
        for w in wanted {
            let value = match &w.value {
                reference::Value::Literal(_) if w.field == "access_key_id" => {
                    source.moving.push(w);
                    continue;
                }
                reference::Value::Literal(_) if w.field == "secret_access_key" => {
                    return Err(Error::Usage(format!(
                        "profile \"{name}\" holds its secret_access_key in profiles.toml itself: migrate moves keys \
                         out of a store; store them with `aws-auth add --profile {name} --backend BACKEND --force`"
                    )));
                }
                reference::Value::Literal(_) => continue,
                reference::Value::Ref(r) => r,
            };
            let from_env = |r: &Reference| matches!(r, Reference::Env(_));
            match w.field {
                "access_key_id" | "secret_access_key" if from_env(value) => {
                    return Err(Error::Usage(format!(
                        "profile \"{name}\" reads its {} from {value}: there is nothing to move (migrate moves keys \
                         out of a store); store them with `aws-auth add --profile {name} --backend BACKEND --force`",
                        w.field
                    )));
                }
                field if MOVING.contains(&field) && !from_env(value) => source.moving.push(w),
                "mfa_code" => match value {
                    Reference::Totp(inner) if !from_env(inner) => source.seed = Some(w),
                    _ if raw.mfa_code.is_none() => source.pinned_code = Some(value.to_string()),
                    _ => {}
                },
                _ => {}
            }
        }
        Ok(source)
    }

    /// Reads everything that moves (a missing optional field is left out).
    pub fn read(
        &self,
        name: &str,
        specs: &Specs,
        home: Option<&Path>,
        limit: Duration,
    ) -> Result<Value, Error> {
        let got = gather(&self.moving, specs, home, limit, name)?;
        let text = |field: &str| got.values.get(field).map(|v| v.expose_secret().to_owned());
        let access_key_id = text("access_key_id").unwrap_or_default();
        let secret_access_key = got
            .values
            .get("secret_access_key")
            .cloned()
            .unwrap_or_else(|| SecretString::from(""));
        super::super::new_profile::check_keys(&access_key_id, &secret_access_key)?;
        let seed = match &self.seed {
            Some(w) => seed(name, w, specs, home, limit)?,
            None => None,
        };
        Ok(Value {
            access_key_id,
            secret_access_key,
            mfa_serial: text("mfa_serial"),
            role_arn: text("role_arn"),
            seed,
        })
    }

    /// Every unit the profile reads what moves from.
    pub fn units(&self, specs: &Specs) -> Vec<Unit> {
        self.units_where(specs, |_| true)
    }

    /// The units of the fields `keep` keeps (Env references are never a store's).
    fn units_where(&self, specs: &Specs, keep: impl Fn(&Wanted) -> bool) -> Vec<Unit> {
        let mut units = Vec::new();
        for w in self.moving.iter().chain(&self.seed).filter(|w| keep(w)) {
            if let reference::Value::Ref(r) = &w.value {
                let unit = Unit::of(r, specs);
                if !units.contains(&unit) && !matches!(unit, Unit::Env(_)) {
                    units.push(unit);
                }
            }
        }
        units
    }

    /// The old store, for messages.
    pub fn describe(&self, specs: &Specs) -> String {
        let units: Vec<String> = self.units(specs).iter().map(Unit::to_string).collect();
        units.join(", ")
    }

    /// `after` reading from `to`: the moved fields left to its default layout.
    pub fn switch(&self, after: &mut RawProfile, to: &str) {
        after.backend = Some(to.to_owned());
        for w in &self.moving {
            *field_mut(after, w.field) = None;
        }
        if self.seed.is_some() {
            after.mfa_code = None;
        }
        if let Some(code) = &self.pinned_code {
            after.mfa_code = Some(code.clone());
        }
    }

    /// The edits of profiles.toml that make `raw` into `after` (only the keys that change).
    pub fn edits(&self, mut edit: Edit, name: &str, after: &RawProfile) -> Result<Edit, Error> {
        let mut before = self.raw.clone();
        if before.backend != after.backend {
            edit = edit.set(name, "backend", after.backend.as_deref())?;
        }
        for field in MOVING.iter().copied().chain(["mfa_code"]) {
            let new = field_mut(&mut after.clone(), field).clone();
            if *field_mut(&mut before, field) != new {
                edit = edit.set(name, field, new.as_deref())?;
            }
        }
        Ok(edit)
    }

    /// Removes what moved from the old store: a keyring item, or an entry that holds nothing
    /// else and no other profile reads (`readers`: each unit with the profile that reads it);
    /// says what stays and why. The profile reads the new store already.
    pub fn remove(
        &self,
        value: &Value,
        readers: &[(Unit, String)],
        specs: &Specs,
        home: Option<&Path>,
        limit: Duration,
    ) {
        // An optional field the old layout offered and did not have was never there.
        let present = |w: &Wanted| match w.field {
            "mfa_serial" => value.mfa_serial.is_some(),
            "role_arn" => value.role_arn.is_some(),
            "mfa_code" => value.seed.is_some(),
            _ => true,
        };
        for unit in self.units_where(specs, present) {
            let others: Vec<&str> = readers
                .iter()
                .filter(|(u, _)| *u == unit)
                .map(|(_, profile)| profile.as_str())
                .collect();
            if !others.is_empty() {
                crate::say!(
                    "aws-auth: kept {unit}: profile{} {} read{} it too",
                    if others.len() == 1 { "" } else { "s" },
                    others.join(", "),
                    if others.len() == 1 { "s" } else { "" }
                );
                continue;
            }
            let lines = matches!(&unit, Unit::Command { backend, .. }
                if specs.get(backend).is_some_and(|s| s.fields == Fields::Lines));
            if lines && !self.only_moved(&unit, specs, home, limit) {
                crate::say!(
                    "aws-auth: kept {unit}: it holds more than what moved (other lines); take the keys out of it yourself"
                );
                continue;
            }
            match write::remove(&unit, specs, limit) {
                Ok(true) => crate::say!("aws-auth: removed {unit}"),
                Ok(false) => crate::say!(
                    "aws-auth: {unit} is still there: aws-auth cannot delete in {}; delete it yourself once the profile works",
                    unit_backend(&unit)
                ),
                Err(kind) => crate::say!(
                    "aws-auth: warning: could not remove {unit} ({kind}); the profile no longer reads it: delete it yourself"
                ),
            }
        }
    }

    /// Whether a line-based entry holds only what moved, found as a run finds it: line 1 (if
    /// it moved), the first `KEY:` line of each moved field, the first otpauth line (if the
    /// seed moved), blank lines. A second such line was never read, and would be lost.
    fn only_moved(&self, unit: &Unit, specs: &Specs, home: Option<&Path>, limit: Duration) -> bool {
        let mut first = false;
        let mut keys: Vec<&str> = Vec::new();
        let mut seed = false;
        for w in self.moving.iter().chain(&self.seed) {
            let reference::Value::Ref(r) = &w.value else {
                continue;
            };
            let (inner, is_seed) = match r {
                Reference::Totp(inner) => (&**inner, true),
                r => (r, false),
            };
            if Unit::of(inner, specs) != *unit {
                continue;
            }
            match inner {
                _ if is_seed => seed = true,
                Reference::Command { field: None, .. } => first = true,
                Reference::Command {
                    field: Some(key), ..
                } => keys.push(key),
                _ => {}
            }
        }
        let Ok(text) = unit.fetch(specs, home, limit) else {
            return false;
        };
        let text = text.expose_secret();
        let read: Vec<usize> = keys
            .iter()
            .filter_map(|key| text.lines().position(|line| key_line(line, key).is_some()))
            .chain(
                text.lines()
                    .position(|line| line.trim().starts_with("otpauth://"))
                    .filter(|_| seed),
            )
            .chain(Some(0).filter(|_| first))
            .collect();
        text.lines()
            .enumerate()
            .all(|(i, line)| line.trim().is_empty() || read.contains(&i))
    }
}

fn unit_backend(unit: &Unit) -> &str {
    match unit {
        Unit::Command { backend, .. } => backend,
        Unit::Keyring { .. } => "the keyring",
        Unit::Env(_) => "the environment",
    }
}

fn field_mut<'a>(raw: &'a mut RawProfile, field: &str) -> &'a mut Option<String> {
    match field {
        "access_key_id" => &mut raw.access_key_id,
        "secret_access_key" => &mut raw.secret_access_key,
        "mfa_serial" => &mut raw.mfa_serial,
        "role_arn" => &mut raw.role_arn,
        _ => &mut raw.mfa_code,
    }
}

/// The TOTP seed `w` reads, as an otpauth URI (`None`: the layout offers one, and there is none).
fn seed(
    name: &str,
    w: &Wanted,
    specs: &Specs,
    home: Option<&Path>,
    limit: Duration,
) -> Result<Option<Zeroizing<String>>, Error> {
    let reference::Value::Ref(r) = &w.value else {
        return Ok(None);
    };
    let inner = match r {
        Reference::Totp(inner) => inner,
        r => r,
    };
    let unit = Unit::of(inner, specs);
    let fetch_err = |kind| Error::Backend(format!("reading the TOTP seed from {r}"), kind);
    let text = match unit.fetch(specs, home, limit) {
        Ok(text) => text,
        Err(
            FetchErrorKind::NotFound(_)
            | FetchErrorKind::NoField(_)
            | FetchErrorKind::NoItemField { .. },
        ) if w.optional => return Ok(None),
        Err(kind) => return Err(fetch_err(kind)),
    };
    let whole = matches!(inner, Reference::Command { field: None, .. })
        && matches!(&unit, Unit::Command { backend, .. }
            if specs.get(backend).is_some_and(|s| s.fields == Fields::Lines));
    let value = if whole {
        SecretString::from(text.expose_secret())
    } else {
        extract(inner, &text, specs).map_err(fetch_err)?
    };
    let value = value.expose_secret();
    let line = value
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("otpauth://"));
    let seed = match line {
        Some(uri) => Zeroizing::new(uri.to_owned()),
        None if w.otpauth_only => return Ok(None),
        None => {
            let bare: Zeroizing<String> = Zeroizing::new(
                value
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != '-')
                    .map(|c| c.to_ascii_uppercase())
                    .collect(),
            );
            Zeroizing::new(format!(
                "otpauth://totp/aws-auth:{name}?secret={}&issuer=aws-auth",
                bare.as_str()
            ))
        }
    };
    Totp::from_text(&seed).map_err(|e| {
        Error::Usage(format!(
            "the TOTP seed {r} gives cannot be used ({e}); fix it there first, nothing was changed"
        ))
    })?;
    Ok(Some(seed))
}
