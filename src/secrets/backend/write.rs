//! Writing secrets into a backend (`add`, `import`, `rotate`): a whole entry's text on the
//! password manager's stdin (never argv), or one keyring item; and the rewrite of a few
//! fields of a line-based entry (`KEY: value` lines, line 1) that keeps every other line.

use super::spec::{Fields, Specs, fill};
use super::{FetchErrorKind, Unit, keyring};
use crate::secrets::process::{self, RunError};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use zeroize::Zeroizing;

/// Whether aws-auth can write `unit`: a keyring item, or an entry of a line-based backend
/// whose file has a `[write]` table (pass and gopass).
pub fn writable(unit: &Unit, specs: &Specs) -> bool {
    match unit {
        Unit::Keyring { .. } => true,
        Unit::Command { backend, .. } => specs
            .get(backend)
            .is_some_and(|s| s.write.is_some() && s.fields == Fields::Lines),
        Unit::Env(_) => false,
    }
}

/// Replaces `unit`'s whole text with `text`. Returns where it went, for messages.
pub fn store(
    unit: &Unit,
    text: &SecretString,
    specs: &Specs,
    limit: Duration,
) -> Result<String, FetchErrorKind> {
    match unit {
        Unit::Keyring { service, account } => keyring::set(service, account, text)
            .map(|store| format!("the {store} (service {service}, account {account})")),
        Unit::Command { backend, entry, .. } => {
            let spec = specs
                .get(backend)
                .filter(|_| writable(unit, specs))
                .ok_or_else(|| {
                    FetchErrorKind::Failed(format!("aws-auth cannot write to {backend}"))
                })?;
            let template = spec
                .write
                .as_ref()
                .map(|w| w.args.clone())
                .unwrap_or_default();
            let done = process::run(
                &spec.program,
                &fill(&template, entry, ""),
                Some(text.expose_secret().as_bytes()),
                limit,
            )
            .map_err(|e| match e {
                RunError::NotInstalled { program } => FetchErrorKind::NotInstalled {
                    program,
                    install: spec.install.clone(),
                },
                RunError::Timeout { limit, .. } => FetchErrorKind::Timeout(limit),
                other => FetchErrorKind::Failed(other.to_string()),
            })?;
            if done.code != Some(0) {
                let stderr = done.stderr.trim();
                return Err(FetchErrorKind::Failed(if stderr.is_empty() {
                    format!(
                        "{} exited with {:?} (nothing on stderr)",
                        spec.program, done.code
                    )
                } else {
                    stderr.to_owned()
                }));
            }
            Ok(format!("{backend} entry {entry}"))
        }
        Unit::Env(var) => Err(FetchErrorKind::Failed(format!(
            "an environment variable ({var}) cannot be written"
        ))),
    }
}

/// Deletes `unit` from its store: a keyring item, or an entry through the backend's
/// `write.remove` argv. `Ok(false)`: the backend has no way to delete (op, lpass, bw).
pub fn remove(unit: &Unit, specs: &Specs, limit: Duration) -> Result<bool, FetchErrorKind> {
    match unit {
        Unit::Keyring { service, account } => keyring::delete(service, account).map(|()| true),
        Unit::Command { backend, entry, .. } => {
            let Some(template) = specs
                .get(backend)
                .and_then(|s| s.write.as_ref())
                .and_then(|w| w.remove.as_ref())
            else {
                return Ok(false);
            };
            let program = specs
                .get(backend)
                .map(|s| s.program.clone())
                .unwrap_or_default();
            let done = process::run(&program, &fill(template, entry, ""), None, limit).map_err(
                |e| match e {
                    RunError::Timeout { limit, .. } => FetchErrorKind::Timeout(limit),
                    other => FetchErrorKind::Failed(other.to_string()),
                },
            )?;
            if done.code == Some(0) {
                Ok(true)
            } else {
                Err(FetchErrorKind::Failed(format!(
                    "{program} ended with {}: {}",
                    done.code
                        .map_or("a signal".to_owned(), |c| format!("exit code {c}")),
                    done.stderr.trim()
                )))
            }
        }
        Unit::Env(_) => Ok(false),
    }
}

/// `text` with some fields replaced: `None` is line 1, `Some(KEY)` the first `KEY:` line
/// (the line `extract` reads), written `KEY: value`. Each line keeps its line ending; every
/// other line is kept byte for byte. A field with no line is `NoField`.
pub fn replace_fields(
    text: &str,
    fields: &[(Option<&str>, &str)],
) -> Result<Zeroizing<String>, FetchErrorKind> {
    let mut out = Zeroizing::new(String::with_capacity(text.len() + 256));
    let mut done = vec![false; fields.len()];
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        let ending = &line[body.len()..];
        let replacement = fields.iter().enumerate().find(|(at, (field, _))| {
            !done[*at]
                && match field {
                    None => index == 0,
                    Some(key) => body
                        .strip_prefix(key)
                        .is_some_and(|rest| rest.starts_with(':')),
                }
        });
        match replacement {
            Some((at, (field, value))) => {
                done[at] = true;
                if let Some(key) = field {
                    out.push_str(key);
                    out.push_str(": ");
                }
                out.push_str(value);
                out.push_str(ending);
            }
            None => out.push_str(line),
        }
    }
    match fields.iter().zip(&done).find(|(_, done)| !**done) {
        None => Ok(out),
        Some(((Some(key), _), _)) => Err(FetchErrorKind::NoField((*key).to_owned())),
        Some(((None, _), _)) => Err(FetchErrorKind::Empty),
    }
}

/// `text` with its TOTP seed set to `uri`: the first `otpauth://` line replaced (its line
/// ending kept), else `uri` added as a last line. Every other line is kept byte for byte.
pub fn with_otpauth(text: &str, uri: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len() + uri.len() + 2));
    let mut replaced = false;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if !replaced && body.trim_start().starts_with("otpauth://") {
            replaced = true;
            out.push_str(uri);
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
    }
    if !replaced {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(uri);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_otpauth_line_is_replaced_or_added_and_the_rest_kept() {
        let uri = "otpauth://totp/aws-auth:w?secret=NEW";
        assert_eq!(
            with_otpauth(
                "s3cret\r\notpauth://totp/x?secret=OLD\r\nuser: a\notpauth://totp/y\n",
                uri
            )
            .as_str(),
            "s3cret\r\notpauth://totp/aws-auth:w?secret=NEW\r\nuser: a\notpauth://totp/y\n"
        );
        assert_eq!(
            with_otpauth("s3cret\naws_access_key_id: AKIA", uri).as_str(),
            "s3cret\naws_access_key_id: AKIA\notpauth://totp/aws-auth:w?secret=NEW\n"
        );
        assert_eq!(
            with_otpauth("", uri).as_str(),
            "otpauth://totp/aws-auth:w?secret=NEW\n"
        );
    }

    #[test]
    fn fields_are_replaced_and_every_other_byte_is_kept() {
        let entry = "old/secret\r\nuser: alice\naws_access_key_id:AKIAOLD\notpauth://totp/A?secret=X\n\
                     aws_access_key_id: second\nnotes";
        let new = replace_fields(
            entry,
            &[(Some("aws_access_key_id"), "AKIANEW"), (None, "new+secret")],
        )
        .unwrap();
        assert_eq!(
            new.as_str(),
            "new+secret\r\nuser: alice\naws_access_key_id: AKIANEW\notpauth://totp/A?secret=X\n\
             aws_access_key_id: second\nnotes"
        );
        // A last line without a newline, replaced.
        assert_eq!(
            replace_fields("a\nk: v", &[(Some("k"), "w")])
                .unwrap()
                .as_str(),
            "a\nk: w"
        );
    }

    #[test]
    fn a_field_that_is_not_there_is_an_error_not_an_addition() {
        assert_eq!(
            replace_fields("secret\nuser: x\n", &[(Some("aws_access_key_id"), "A")]),
            Err(FetchErrorKind::NoField("aws_access_key_id".into()))
        );
        // A key that is a prefix of another line's key does not match it.
        assert_eq!(
            replace_fields("s\nkey_id2: x\n", &[(Some("key_id"), "A")]),
            Err(FetchErrorKind::NoField("key_id".into()))
        );
        assert_eq!(
            replace_fields("", &[(None, "A")]),
            Err(FetchErrorKind::Empty)
        );
    }

    #[test]
    fn only_line_based_backends_with_a_write_table_and_the_keyring_are_writable() {
        let specs = Specs::load(None).unwrap();
        let cmd = |backend: &str| Unit::Command {
            backend: backend.into(),
            entry: "e".into(),
            field: None,
        };
        assert!(writable(&cmd("pass"), &specs));
        assert!(writable(&cmd("gopass"), &specs));
        assert!(!writable(&cmd("lpass"), &specs));
        assert!(!writable(&cmd("op"), &specs));
        // Line-based, but with nothing to write with.
        assert!(!writable(&cmd("ykman"), &specs));
        assert!(!writable(&cmd("nope"), &specs));
        assert!(writable(
            &Unit::Keyring {
                service: "s".into(),
                account: "a".into()
            },
            &specs
        ));
        assert!(!writable(&Unit::Env("X".into()), &specs));
    }
}
