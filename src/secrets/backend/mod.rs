//! Where secrets enter aws-auth: references are grouped into fetch units (one per entry
//! for line-based managers, so several fields cost one decryption), units are fetched, and
//! each reference's value is taken from its unit's text. Values are `SecretString`.

mod bitwarden;
mod failure;
pub mod keyring;
mod pass_gpg;
mod passage_age;
pub mod spec;
pub mod write;

use crate::secrets::process::{self, RunError};
use crate::secrets::totp::Totp;
use crate::settings::reference::Reference;
use secrecy::{ExposeSecret, SecretString};
use spec::{Fields, Spec, Specs};
use std::fmt;

pub use failure::FetchErrorKind;
pub(crate) use failure::classify;
use std::path::Path;
use std::time::Duration;

/// What one fetch needs to run: the same unit serves every reference into it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    Command {
        backend: String,
        entry: String,
        field: Option<String>,
    },
    Keyring {
        service: String,
        account: String,
    },
    Env(String),
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unit::Command {
                backend,
                entry,
                field: Some(field),
            } => write!(f, "{backend}:{entry}#{field}"),
            Unit::Command {
                backend,
                entry,
                field: None,
            } => write!(f, "{backend}:{entry}"),
            Unit::Keyring { service, account } => write!(f, "keyring:{service}/{account}"),
            Unit::Env(var) => write!(f, "env:{var}"),
        }
    }
}

impl Unit {
    /// The unit a reference is read from.
    pub fn of(reference: &Reference, specs: &Specs) -> Unit {
        match reference {
            Reference::Command {
                backend,
                entry,
                field,
            } => {
                // bw: one item read serves every field but the code, a call of its own.
                let per_field = specs.get(backend).is_some_and(|s| match s.fields {
                    Fields::Command => true,
                    Fields::Bitwarden => field.as_deref() == Some("totp"),
                    Fields::Lines => false,
                });
                Unit::Command {
                    backend: backend.clone(),
                    entry: entry.clone(),
                    field: if per_field { field.clone() } else { None },
                }
            }
            Reference::OnePassword(uri) => Unit::Command {
                backend: "op".into(),
                entry: uri.clone(),
                field: None,
            },
            Reference::Keyring { service, account } => Unit::Keyring {
                service: service.clone(),
                account: account.clone(),
            },
            Reference::Env(var) => Unit::Env(var.clone()),
            Reference::Totp(inner) => Unit::of(inner, specs),
        }
    }

    /// Fetches the unit's whole text.
    pub fn fetch(
        &self,
        specs: &Specs,
        home: Option<&Path>,
        limit: Duration,
    ) -> Result<SecretString, FetchErrorKind> {
        match self {
            Unit::Command {
                backend,
                entry,
                field,
            } => {
                let spec = specs
                    .get(backend)
                    .ok_or_else(|| FetchErrorKind::Failed(format!("no backend named {backend}")))?;
                run_spec(spec, entry, field.as_deref(), home, limit)
            }
            Unit::Keyring { service, account } => keyring::get(service, account, limit),
            Unit::Env(var) => match std::env::var(var) {
                Ok(value) if !value.is_empty() => Ok(SecretString::from(value)),
                Ok(_) => Err(FetchErrorKind::Empty),
                Err(_) => Err(FetchErrorKind::NotFound(format!(
                    "environment variable {var} is not set"
                ))),
            },
        }
    }
}

fn run_spec(
    spec: &Spec,
    entry: &str,
    field: Option<&str>,
    home: Option<&Path>,
    limit: Duration,
) -> Result<SecretString, FetchErrorKind> {
    let direct = match spec.decrypt {
        Some(spec::Decrypt::PassGpg) => pass_gpg::read(spec, entry, home, limit),
        Some(spec::Decrypt::PassageAge) => passage_age::read(spec, entry, home, limit),
        None => None,
    };
    if let Some(read) = direct {
        return read;
    }
    let args = spec.read_args(entry, field).ok_or_else(|| {
        FetchErrorKind::Failed(format!("the {} backend cannot read fields", spec.name))
    })?;
    let relay = process::Relay {
        prefixes: &spec.relay_stderr,
        label: &spec.name,
    };
    let done = process::run_relaying(&spec.program, &args, &relay, limit).map_err(|e| match e {
        RunError::NotInstalled { program } => FetchErrorKind::NotInstalled {
            program,
            install: spec.install.clone(),
        },
        RunError::Timeout { limit, .. } => FetchErrorKind::Timeout(limit),
        e @ RunError::WantsTerminal { .. } => FetchErrorKind::NotSignedIn(e.to_string()),
        other => FetchErrorKind::Failed(other.to_string()),
    })?;
    if done.code != Some(0) {
        return Err(classify(spec, &spec.program, entry, field, &done));
    }
    let text = std::str::from_utf8(&done.stdout).map_err(|_| {
        FetchErrorKind::Failed(format!(
            "{} printed something that is not UTF-8 text",
            spec.program
        ))
    })?;
    if spec
        .ambiguous_stdout
        .iter()
        .any(|p| text.starts_with(p.as_str()))
    {
        return Err(FetchErrorKind::Ambiguous);
    }
    if let Some(path) = spec.entry_path(entry, home)
        && !path.is_file()
    {
        return Err(FetchErrorKind::NotFound(format!(
            "{entry} is a folder, not an entry ({} does not exist)",
            path.display()
        )));
    }
    if text.trim().is_empty() {
        return Err(FetchErrorKind::Empty);
    }
    Ok(SecretString::from(text))
}

/// The TOTP generator a `totp:` reference names, from its unit's text (so the flow can
/// compute a code when it sends it, and the next one if STS refuses it as used).
pub fn totp_of(
    reference: &Reference,
    text: &SecretString,
    specs: &Specs,
) -> Result<Totp, FetchErrorKind> {
    let Reference::Totp(inner) = reference else {
        return Err(FetchErrorKind::BadSeed("not a totp: reference".into()));
    };
    // A line-based entry read without #KEY: look for the otpauth line in all of it.
    let whole_entry =
        matches!(&**inner, Reference::Command { field: None, .. }) && is_lines(inner, specs);
    let source = if whole_entry {
        text.clone()
    } else {
        extract(inner, text, specs)?
    };
    Totp::from_text(source.expose_secret()).map_err(|e| FetchErrorKind::BadSeed(e.to_string()))
}

/// Takes a reference's value from its unit's text (a missing `#KEY` line is `NoField`).
pub fn extract(
    reference: &Reference,
    text: &SecretString,
    specs: &Specs,
) -> Result<SecretString, FetchErrorKind> {
    if let Reference::Totp(_) = reference {
        let totp = totp_of(reference, text, specs)?;
        return Ok(SecretString::from(totp.code_now().as_str()));
    }
    let text = text.expose_secret();
    match reference {
        Reference::Command { backend, field, .. }
            if field.as_deref() != Some("totp")
                && specs
                    .get(backend)
                    .is_some_and(|s| s.fields == Fields::Bitwarden) =>
        {
            bitwarden::field(text, field.as_deref())
        }
        Reference::Command { field, .. } if is_lines(reference, specs) => match field {
            None => {
                let first = text.lines().next().unwrap_or_default();
                if first.trim().is_empty() {
                    Err(FetchErrorKind::Empty)
                } else {
                    Ok(SecretString::from(first))
                }
            }
            Some(key) => text
                .lines()
                .find_map(|line| key_line(line, key))
                .filter(|v| !v.is_empty())
                .map(SecretString::from)
                .ok_or_else(|| FetchErrorKind::NoField(key.clone())),
        },
        _ => Ok(SecretString::from(trim_newline(text))),
    }
}

/// The value of a line-based entry's `KEY: value` line, when `line` is `key`'s (the key at
/// the start of the line, the colon right after it): how a run finds `#KEY`.
pub fn key_line<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.strip_prefix(key)?.strip_prefix(':').map(str::trim)
}

fn is_lines(reference: &Reference, specs: &Specs) -> bool {
    matches!(reference, Reference::Command { backend, .. } if specs.get(backend).is_some_and(|s| s.fields == Fields::Lines))
}

/// A value is trimmed of its trailing newline only.
fn trim_newline(text: &str) -> &str {
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.strip_suffix('\r').unwrap_or(text)
}

#[cfg(test)]
mod tests;
