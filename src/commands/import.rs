//! `aws-auth import`: moves the plain-text keys of one section of the shared credentials file
//! (`AWS_SHARED_CREDENTIALS_FILE`, else ~/.aws/credentials) into a password manager, as `add`
//! stores them, and adds the profile to profiles.toml; reads them back through the backend
//! and compares; only then removes that section's two key lines, by an atomic rewrite that
//! keeps the file's mode and every other byte. Any failure before that leaves the file as it
//! was; `--keep` never edits it. A section with a session token is refused.

use super::new_profile::{self, Stored};
use crate::cli::ImportArgs;
use crate::error::Error;
use crate::secrets::backend::{Unit, extract};
use crate::settings::reference::Reference;
use secrecy::{ExposeSecret, SecretString};

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

const ID_KEY: &str = "aws_access_key_id";
const SECRET_KEY: &str = "aws_secret_access_key";

/// `AWS_SHARED_CREDENTIALS_FILE`, else ~/.aws/credentials.
pub fn credentials_path(home: Option<&Path>) -> PathBuf {
    match crate::env::var("AWS_SHARED_CREDENTIALS_FILE") {
        Some(path) => PathBuf::from(path),
        None => home
            .unwrap_or(Path::new("/"))
            .join(".aws")
            .join("credentials"),
    }
}

/// One section's keys and the byte ranges of their lines (newline included).
struct Found {
    access_key_id: String,
    secret: SecretString,
    lines: Vec<std::ops::Range<usize>>,
}

/// Finds `[section]` in the text of a credentials file (INI: `[name]` headers, `key = value`,
/// `#` and `;` comment lines) and its key lines.
fn find(text: &str, section: &str, path: &Path) -> Result<Found, Error> {
    let shown = path.display();
    let mut current: Option<String> = None;
    let mut id = None;
    let mut secret: Option<SecretString> = None;
    let mut token = false;
    let mut lines = Vec::new();
    let headers = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix('[')?.strip_suffix(']'))
        .filter(|h| h.trim() == section)
        .count();
    if headers > 1 {
        return Err(Error::Usage(format!(
            "{shown} has {headers} [{section}] sections, so it is not clear which keys to import (the AWS CLI \
             itself reads them as one); merge them into one section, then run again. Nothing was changed"
        )));
    }
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        // Comment lines (`#`, `;`) need no case of their own: they are no header, and the
        // key before their `=` starts with `#` or `;`, so it is never one of ours.
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            current = Some(header.trim().to_owned());
            continue;
        }
        if current.as_deref() != Some(section) {
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        // Two values for one key: whichever were stored, the other's lines would be deleted
        // with it, and that key lost. Refused before anything changes.
        let twice = || {
            Error::Usage(format!(
                "[{section}] of {shown} gives {key} more than once, so it is not clear which key to import; \
                 keep one pair in that section (or import another section with --from), then run again. \
                 Nothing was changed"
            ))
        };
        match key.as_str() {
            ID_KEY => {
                if id.replace(value.trim().to_owned()).is_some() {
                    return Err(twice());
                }
                lines.push(start..at);
            }
            SECRET_KEY => {
                if secret.replace(SecretString::from(value.trim())).is_some() {
                    return Err(twice());
                }
                lines.push(start..at);
            }
            "aws_session_token" | "aws_security_token" => token = true,
            _ => {}
        }
    }
    if headers == 0 {
        return Err(Error::Usage(format!("{shown} has no [{section}] section")));
    }
    if token {
        return Err(Error::Usage(format!(
            "[{section}] of {shown} holds a session token: those are temporary credentials, not long-term keys; \
             import a section with a long-term key (AKIA...)"
        )));
    }
    match (id, secret) {
        (Some(access_key_id), Some(secret)) => Ok(Found {
            access_key_id,
            secret,
            lines,
        }),
        _ => Err(Error::Usage(format!(
            "[{section}] of {shown} lacks {ID_KEY} or {SECRET_KEY}"
        ))),
    }
}

pub fn run(args: ImportArgs) -> Result<Zeroizing<String>, Error> {
    let home = crate::passwd::home_dir();
    let path = credentials_path(home.as_deref());
    let section = args
        .from
        .clone()
        .unwrap_or_else(|| args.keys.profile.clone());
    let text = crate::safe_file::read_text(&path, 1024 * 1024, crate::safe_file::Check::Owner)
        .map_err(|e| Error::io("credentials file", e))?;
    let found = find(&text, &section, &path)?;
    let id = found.access_key_id.clone();
    let secret = found.secret.clone();
    let stored = new_profile::store(args.keys.clone(), move || Ok((id, secret)))?;
    read_back(&stored, &found)?;
    if args.keep {
        crate::say!(
            "aws-auth: the keys are stored and read back; {} is left as it was (--keep): remove [{section}]'s keys \
             from it yourself",
            path.display()
        );
    } else {
        remove_lines(&path, &text, &found.lines)?;
        crate::say!(
            "aws-auth: removed the keys of [{section}] from {} (the rest of the file is as it was)",
            path.display()
        );
        sources_note(&section, stored.aws.as_ref());
    }
    crate::say!(
        "aws-auth: try it: eval \"$(aws-auth --profile {})\"",
        args.keys.profile
    );
    Ok(Zeroizing::new(String::new()))
}

/// Names the AWS CLI's profiles that take their keys from `[section]`: without those keys in
/// the credentials file the AWS CLI alone no longer runs them, and aws-auth does.
fn sources_note(section: &str, aws: Option<&crate::settings::aws_config::AwsProfiles>) {
    let Some(aws) = aws else {
        return;
    };
    let users: Vec<&str> = aws
        .profiles
        .iter()
        .filter(|(_, p)| p.source_profile.as_deref() == Some(section))
        .map(|(name, _)| name.as_str())
        .collect();
    if let Some(first) = users.first() {
        let one = users.len() == 1;
        crate::say!(
            "aws-auth: {} {} of {} take{} the keys of [{section}] (source_profile): the AWS CLI alone can no \
             longer run {it}; aws-auth runs {it} as the AWS CLI did, with the keys from where they are now: \
             eval \"$(aws-auth --profile {first})\", or aws-auth exec --profile {first} -- aws ...",
            if one { "profile" } else { "profiles" },
            users.join(", "),
            aws.path.display(),
            if one { "s" } else { "" },
            it = if one { "it" } else { "them" },
        );
    }
}

/// Reads the keys back through the backend, and compares them with what was imported.
fn read_back(stored: &Stored, found: &Found) -> Result<(), Error> {
    let fail = |what: &str| {
        Error::Stopped(format!(
            "the keys were stored, but reading them back gave {what}; the credentials file is left as it was"
        ))
    };
    let fetch = |unit: &Unit| {
        unit.fetch(&stored.specs, stored.home.as_deref(), stored.limit)
            .map_err(|kind| Error::Backend(format!("reading back {unit}"), kind))
    };
    let (id, secret) = match stored.units.as_slice() {
        [Unit::Command { backend, entry, .. }] => {
            let text = fetch(&stored.units[0])?;
            let reference = |field: Option<&str>| Reference::Command {
                backend: backend.clone(),
                entry: entry.clone(),
                field: field.map(str::to_owned),
            };
            let secret = extract(&reference(None), &text, &stored.specs)
                .map_err(|_| fail("no secret key"))?;
            let id = extract(&reference(Some(ID_KEY)), &text, &stored.specs)
                .map_err(|_| fail("no access key id"))?;
            (id, secret)
        }
        [id_unit, secret_unit] => (fetch(id_unit)?, fetch(secret_unit)?),
        _ => return Err(fail("nothing")),
    };
    if id.expose_secret().trim() != found.access_key_id
        || secret.expose_secret().trim() != found.secret.expose_secret()
    {
        return Err(fail("other keys"));
    }
    Ok(())
}

/// Rewrites `path` without the byte ranges `lines`, atomically (a temporary file beside it,
/// synced, renamed over it), with the file's mode.
fn remove_lines(path: &Path, text: &str, lines: &[std::ops::Range<usize>]) -> Result<(), Error> {
    let mut kept = Zeroizing::new(String::with_capacity(text.len()));
    let mut at = 0;
    for range in lines {
        kept.push_str(&text[at..range.start]);
        at = range.end;
    }
    kept.push_str(&text[at..]);
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o600);
    crate::safe_file::replace(path, kept.as_bytes(), mode).map_err(|e| {
        Error::Stopped(format!(
            "the keys are stored and read back, but {} could not be rewritten ({}); remove its key lines yourself",
            path.display(),
            e.kind()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# my keys\n[default]\naws_access_key_id = AKIADEFAULT000000000\naws_secret_access_key = def/secret\n\n\
        [work]  \r\n; work account\naws_access_key_id=AKIAWORK000000000000\r\nregion = eu-west-1\n  AWS_Secret_Access_Key =  work+secret/x  \n\
        [temp]\naws_access_key_id = ASIATEMP000000000000\naws_secret_access_key = t\naws_session_token = SESSIONTOKENVALUE\n";

    #[test]
    fn a_section_s_keys_and_their_lines_are_found() {
        let found = find(FILE, "work", Path::new("c")).unwrap();
        assert_eq!(found.access_key_id, "AKIAWORK000000000000");
        assert_eq!(found.secret.expose_secret(), "work+secret/x");
        let removed: Vec<&str> = found.lines.iter().map(|r| &FILE[r.clone()]).collect();
        assert_eq!(
            removed,
            [
                "aws_access_key_id=AKIAWORK000000000000\r\n",
                "  AWS_Secret_Access_Key =  work+secret/x  \n"
            ]
        );
    }

    #[test]
    fn a_session_token_a_missing_section_or_key_is_refused() {
        let err = find(FILE, "temp", Path::new("c"))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("session token"), "{err}");
        assert!(!err.contains("SESSIONTOKENVALUE"), "{err}");
        let err = find(FILE, "nope", Path::new("c"))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("no [nope] section"), "{err}");
        let err = find("[a]\naws_access_key_id = AKIA\n", "a", Path::new("c"))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("lacks"), "{err}");
    }

    /// Regression: the last pair was stored and every occurrence's key lines deleted, so
    /// the first key was lost.
    #[test]
    fn a_section_given_twice_or_a_key_given_twice_is_refused_without_echo() {
        let twice = "[w]\naws_access_key_id = AKIAFIRST00000000000\naws_secret_access_key = first/secret\n\
            [x]\n[w]\naws_access_key_id = AKIASECOND0000000000\naws_secret_access_key = second/secret\n";
        let err = find(twice, "w", Path::new("c")).err().unwrap().to_string();
        assert!(err.contains("2 [w] sections"), "{err}");
        assert!(err.contains("Nothing was changed"), "{err}");
        for key in ["aws_access_key_id", "aws_secret_access_key"] {
            let text = format!(
                "[w]\naws_access_key_id = AKIAFIRST00000000000\naws_secret_access_key = first/secret\n{key} = again/value\n"
            );
            let err = find(&text, "w", Path::new("c")).err().unwrap().to_string();
            assert!(
                err.contains(&format!("gives {key} more than once")),
                "{err}"
            );
            assert!(
                !err.contains("secret\n")
                    && !err.contains("again/value")
                    && !err.contains("first/secret"),
                "{err}"
            );
        }
        // Other sections may repeat a key; only the imported one counts.
        assert!(find(&format!("{twice}[y]\n"), "x", Path::new("c")).is_err());
        let ok = "[w]\naws_access_key_id = AKIAFIRST00000000000\naws_secret_access_key = s\n[v]\naws_access_key_id = A\naws_access_key_id = B\n";
        assert!(find(ok, "w", Path::new("c")).is_ok());
    }

    #[test]
    fn the_rewrite_keeps_every_other_byte_and_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(&path, FILE).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let found = find(FILE, "work", &path).unwrap();
        remove_lines(&path, FILE, &found.lines).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        let expected = FILE
            .replace("aws_access_key_id=AKIAWORK000000000000\r\n", "")
            .replace("  AWS_Secret_Access_Key =  work+secret/x  \n", "");
        assert_eq!(after, expected);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }
}
