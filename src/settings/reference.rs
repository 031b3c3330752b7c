//! Values in profiles.toml: a literal, or a reference to a secret kept elsewhere
//! (`pass:ENTRY#KEY`, `op://VAULT/ITEM/FIELD`, `keyring:SERVICE/ACCOUNT`, `env:VAR`,
//! `totp:REFERENCE`, or a scheme from a user's backend file). Parsing only: nothing is fetched.

use std::fmt;

/// A value as written in a profile. `Debug` hides literals: one may be a secret key.
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    Literal(String),
    Ref(Reference),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Literal(_) => f.write_str("Literal([REDACTED])"),
            Value::Ref(r) => f.debug_tuple("Ref").field(r).finish(),
        }
    }
}

/// Where a secret lives. Shown in messages as written (it names a place, not a secret).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Reference {
    /// A command-line password manager defined in backends/*.toml: pass, gopass, lpass, or
    /// a user's own. `field` is the `#KEY` part.
    Command {
        backend: String,
        entry: String,
        field: Option<String>,
    },
    /// 1Password: the whole `op://...` reference, handed to `op read` as is.
    OnePassword(String),
    /// The OS keyring.
    Keyring { service: String, account: String },
    /// An environment variable of aws-auth's own process.
    Env(String),
    /// An RFC 6238 code computed here from the seed the inner reference yields.
    Totp(Box<Reference>),
}

/// A reference that cannot be parsed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    #[error(
        "unknown scheme \"{scheme}:\" (known: {known}){hint}; a literal value containing ':' is written as \"literal:VALUE\""
    )]
    UnknownScheme {
        scheme: String,
        known: String,
        /// What was probably meant ("; did you mean \"pass:\"?"), or "".
        hint: String,
    },
    #[error("\"{text}\" is not a valid {scheme}: reference: {why}")]
    Malformed {
        scheme: String,
        text: String,
        why: String,
    },
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Command {
                backend,
                entry,
                field: Some(field),
            } => write!(f, "{backend}:{entry}#{field}"),
            Reference::Command {
                backend,
                entry,
                field: None,
            } => write!(f, "{backend}:{entry}"),
            Reference::OnePassword(uri) => f.write_str(uri),
            Reference::Keyring { service, account } => write!(f, "keyring:{service}/{account}"),
            Reference::Env(var) => write!(f, "env:{var}"),
            Reference::Totp(inner) => write!(f, "totp:{inner}"),
        }
    }
}

impl Reference {
    /// The backend a reference goes to, for messages and grouping.
    pub fn backend(&self) -> &str {
        match self {
            Reference::Command { backend, .. } => backend,
            Reference::OnePassword(_) => "op",
            Reference::Keyring { .. } => "keyring",
            Reference::Env(_) => "env",
            Reference::Totp(inner) => inner.backend(),
        }
    }
}

/// Parses a profile value. `command_backends` are the schemes backends/*.toml define
/// (built in and the user's). `arn:` values and strings without a scheme are literals.
pub fn parse(text: &str, command_backends: &[String]) -> Result<Value, ReferenceError> {
    let Some((scheme, rest)) = split_scheme(text) else {
        return Ok(Value::Literal(text.to_owned()));
    };
    if scheme == "arn" {
        return Ok(Value::Literal(text.to_owned()));
    }
    if scheme == "literal" {
        return Ok(Value::Literal(rest.to_owned()));
    }
    parse_reference(scheme, rest, text, command_backends).map(Value::Ref)
}

/// `scheme:rest` where scheme is a lowercase word; `None` for anything else.
fn split_scheme(text: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    (first_ok
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'))
    .then_some((scheme, rest))
}

fn malformed(scheme: &str, text: &str, why: &str) -> ReferenceError {
    ReferenceError::Malformed {
        scheme: scheme.to_owned(),
        text: text.to_owned(),
        why: why.to_owned(),
    }
}

fn parse_reference(
    scheme: &str,
    rest: &str,
    text: &str,
    command_backends: &[String],
) -> Result<Reference, ReferenceError> {
    match scheme {
        "totp" => {
            let inner = match parse(rest, command_backends)? {
                Value::Ref(Reference::Totp(_)) => {
                    return Err(malformed(
                        scheme,
                        text,
                        "a totp: reference cannot wrap another totp:",
                    ));
                }
                Value::Ref(inner) => inner,
                Value::Literal(_) => {
                    return Err(malformed(
                        scheme,
                        text,
                        "it must wrap a reference to the seed, e.g. totp:pass:aws/work-otp (never the seed itself)",
                    ));
                }
            };
            Ok(Reference::Totp(Box::new(inner)))
        }
        "op" => {
            let path = rest.strip_prefix("//").ok_or_else(|| {
                malformed(scheme, text, "expected op://VAULT/ITEM[/SECTION]/FIELD")
            })?;
            let path = path.split_once('?').map_or(path, |(p, _)| p);
            let parts: Vec<&str> = path.split('/').collect();
            if !(3..=4).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
                return Err(malformed(
                    scheme,
                    text,
                    "expected op://VAULT/ITEM[/SECTION]/FIELD",
                ));
            }
            Ok(Reference::OnePassword(text.to_owned()))
        }
        "keyring" => {
            let (service, account) = rest
                .split_once('/')
                .filter(|(s, a)| !s.is_empty() && !a.is_empty())
                .ok_or_else(|| malformed(scheme, text, "expected keyring:SERVICE/ACCOUNT"))?;
            Ok(Reference::Keyring {
                service: service.to_owned(),
                account: account.to_owned(),
            })
        }
        "env" => {
            let ok =
                !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return Err(malformed(scheme, text, "expected env:VARIABLE_NAME"));
            }
            Ok(Reference::Env(rest.to_owned()))
        }
        _ if command_backends.iter().any(|b| b == scheme) => {
            let (entry, field) = match rest.split_once('#') {
                Some((entry, field)) => (entry, Some(field)),
                None => (rest, None),
            };
            if entry.is_empty() || field.is_some_and(str::is_empty) {
                return Err(malformed(
                    scheme,
                    text,
                    &format!("expected {scheme}:ENTRY or {scheme}:ENTRY#FIELD"),
                ));
            }
            // Each becomes an argument of the password manager: one that starts with '-'
            // would be read as an option (`bw:item#--session=x`).
            if entry.starts_with('-') {
                return Err(malformed(
                    scheme,
                    text,
                    "an entry name cannot start with '-'",
                ));
            }
            if field.is_some_and(|f| f.starts_with('-')) {
                return Err(malformed(
                    scheme,
                    text,
                    "a field name cannot start with '-'",
                ));
            }
            if rest.chars().any(char::is_control) {
                return Err(malformed(
                    scheme,
                    text,
                    "an entry or field name cannot hold control characters",
                ));
            }
            Ok(Reference::Command {
                backend: scheme.to_owned(),
                entry: entry.to_owned(),
                field: field.map(str::to_owned),
            })
        }
        _ => {
            let mut known: Vec<&str> = command_backends.iter().map(String::as_str).collect();
            known.extend(["op", "keyring", "env", "totp", "literal"]);
            known.sort_unstable();
            let hint = if scheme.eq_ignore_ascii_case("otpauth") {
                "; an otpauth:// URI is a TOTP seed, a secret: keep it in your password manager and write \
                 mfa_code = \"totp:pass:ENTRY\" (`aws-auth configure --profile NAME --totp` stores it for you)"
                    .to_owned()
            } else {
                crate::suggest::nearest(scheme, known.iter().copied())
                    .map(|near| format!("; did you mean \"{near}:\"?"))
                    .unwrap_or_default()
            };
            Err(ReferenceError::UnknownScheme {
                scheme: scheme.to_owned(),
                known: known.join(", "),
                hint,
            })
        }
    }
}

#[cfg(test)]
mod tests;
