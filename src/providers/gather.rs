//! Reading a profile's planned references: each fetch unit (an entry of a line-based
//! password manager, an op reference, a keyring item) once, all of them at the same time,
//! and each field's value taken from its unit's text. Optional fields the backend does not
//! have are left out; a TOTP reference yields its generator as well as today's code.

use crate::secrets::backend::spec::Specs;
use crate::secrets::backend::{FetchErrorKind, Unit, extract, totp_of};
use crate::secrets::totp::Totp;
use crate::settings::profile::{ProfileError, Wanted};
use crate::settings::reference::{Reference, Value};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// The values read, by field, and the MFA code's TOTP generator when it comes from a seed.
pub struct Gathered {
    pub values: HashMap<&'static str, SecretString>,
    pub totp: Option<Totp>,
}

/// Reads `wanted` for `profile` (named in errors, with the field and reference).
pub fn gather(
    wanted: &[Wanted],
    specs: &Specs,
    home: Option<&Path>,
    limit: Duration,
    profile: &str,
) -> Result<Gathered, ProfileError> {
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
                    FetchErrorKind::NoField(_)
                        | FetchErrorKind::NoItemField { .. }
                        | FetchErrorKind::NotFound(_)
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
    Ok(Gathered { values, totp })
}
