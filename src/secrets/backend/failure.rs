//! What a failed fetch means, as the user needs to hear it: the classes of failure (not
//! installed, not signed in, no such entry or field, ...) and the reading of a password
//! manager's stderr into one, with the backend's advice for what it said.

use super::spec::Spec;
use crate::secrets::process;
use std::fmt;
use std::time::Duration;

/// Why a value could not be had, classified as the user needs to hear it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchErrorKind {
    NotInstalled {
        program: String,
        install: Option<String>,
    },
    NotSignedIn(String),
    NoDevice(String),
    NotFound(String),
    NoField(String),
    /// An item (Bitwarden's) has no field of that name; `has` names the custom fields it has.
    NoItemField {
        field: String,
        has: Vec<String>,
    },
    Ambiguous,
    Empty,
    Timeout(Duration),
    Failed(String),
    BadSeed(String),
}

impl fmt::Display for FetchErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchErrorKind::NotInstalled { program, install } => {
                write!(f, "not installed: `{program}` is not on PATH")?;
                if let Some(install) = install {
                    write!(f, " (install: {install})")?;
                }
                Ok(())
            }
            FetchErrorKind::NotSignedIn(detail) => write!(f, "not signed in / locked: {detail}"),
            FetchErrorKind::NoDevice(detail) => {
                write!(f, "no device: {detail} (plug it in and try again)")
            }
            FetchErrorKind::NotFound(detail) => write!(f, "no such entry: {detail}"),
            FetchErrorKind::NoField(field) => {
                write!(f, "no such field: the entry has no \"{field}: ...\" line")
            }
            FetchErrorKind::NoItemField { field, has } => {
                write!(f, "no such field: the item has no \"{field}\"")?;
                if !has.is_empty() {
                    write!(f, " (its custom fields: {})", has.join(", "))?;
                }
                Ok(())
            }
            FetchErrorKind::Ambiguous => write!(
                f,
                "the name matches several entries; use a unique name or the entry's id"
            ),
            FetchErrorKind::Empty => write!(f, "the backend printed nothing"),
            FetchErrorKind::Timeout(limit) => {
                write!(
                    f,
                    "no answer within {} s (is it waiting for a password? unlock it first, or raise --timeout)",
                    limit.as_secs_f64()
                )
            }
            FetchErrorKind::Failed(detail) => write!(f, "failed: {detail}"),
            FetchErrorKind::BadSeed(detail) => write!(f, "no usable TOTP seed: {detail}"),
        }
    }
}

/// What a failed run of `program` (the backend's own, or the decrypter it stands in for)
/// means, from its stderr and the backend's error patterns; `advice` for the pattern seen is
/// added to the message.
pub(crate) fn classify(
    spec: &Spec,
    program: &str,
    entry: &str,
    field: Option<&str>,
    done: &process::Finished,
) -> FetchErrorKind {
    let stderr = &done.stderr;
    let mut shown = if stderr.is_empty() {
        "(nothing on stderr)".to_owned()
    } else {
        stderr.clone()
    };
    let seen = |patterns: &[String]| patterns.iter().any(|p| stderr.contains(p.as_str()));
    let errors = &spec.errors;
    if let Some((_, advice)) = errors
        .advice
        .iter()
        .find(|(p, _)| stderr.contains(p.as_str()))
    {
        shown = format!("{shown}; {}", advice.replace("{entry}", entry));
    }
    if seen(&errors.not_signed_in) {
        FetchErrorKind::NotSignedIn(match &errors.not_signed_in_hint {
            Some(hint) => format!("{shown}; {}", hint.replace("{entry}", entry)),
            None => shown,
        })
    } else if seen(&errors.no_device) {
        FetchErrorKind::NoDevice(shown)
    } else if seen(&errors.ambiguous) {
        FetchErrorKind::Ambiguous
    } else if seen(&errors.no_field) {
        FetchErrorKind::NoItemField {
            field: field.unwrap_or_default().to_owned(),
            has: Vec::new(),
        }
    } else if seen(&errors.not_found) {
        match field {
            // A field read by its own call (lpass --field): the item has no such field.
            Some(field) if stderr.contains("field") => FetchErrorKind::NoItemField {
                field: field.to_owned(),
                has: Vec::new(),
            },
            _ => FetchErrorKind::NotFound(shown),
        }
    } else {
        let code = done
            .code
            .map_or("a signal".to_owned(), |c| format!("exit code {c}"));
        FetchErrorKind::Failed(format!("{program} ended with {code}: {shown}"))
    }
}
