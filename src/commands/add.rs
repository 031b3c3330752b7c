//! `aws-auth add`: puts a profile's keys into a password manager (through stdin or the
//! keyring API, never argv) and the profile into profiles.toml.

use crate::cli::AddArgs;
use crate::error::Error;
use crate::passwd;
use crate::secrets::backend::spec::{Fields, Specs, fill};
use crate::secrets::backend::{FetchErrorKind, Unit, keyring};
use crate::secrets::process::{self, RunError};
use crate::secrets::tty;
use crate::settings::config::{self, ConfigError, Profiles};
use crate::settings::validate;
use secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;
use zeroize::Zeroizing;

pub fn run(args: AddArgs) -> Result<Zeroizing<String>, Error> {
    let config_flag = args.config.as_deref();
    let name = &args.profile;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(Error::Usage(format!(
            "--profile {name:?}: use letters, digits, '-', '_' and '.'"
        )));
    }
    if let Some(serial) = &args.serial_number {
        validate::serial_number(serial)?;
    }
    if let Some(role) = &args.role_arn {
        validate::role_arn(role)?;
    }
    validate::timeout(args.timeout)?;
    let home = passwd::home_dir();
    let path = config::path(config_flag, home.as_deref());
    let exists = match Profiles::load(&path) {
        Ok(profiles) => profiles.profiles.contains_key(name),
        Err(ConfigError::Missing { .. }) => false,
        Err(e) => return Err(e.into()),
    };
    if exists && !args.force {
        return Err(Error::Usage(format!(
            "profile \"{name}\" already exists in {}; pass --force to replace its keys in the backend",
            path.display()
        )));
    }
    let specs = Specs::load(Some(&config::config_dir(home.as_deref()).join("backends")))
        .map_err(crate::settings::profile::ProfileError::from)?;
    let limit = Duration::from_secs(args.timeout);
    let backend = args.backend.as_str();
    let entry = format!("aws-auth/{name}");
    // Where the keys go, checked before anything is asked or written.
    let (spec, units) = if backend == "keyring" {
        let units = ["access_key_id", "secret_access_key"].map(|account| Unit::Keyring {
            service: "aws-auth".into(),
            account: format!("{name}/{account}"),
        });
        (None, units.to_vec())
    } else {
        let spec = specs
            .get(backend)
            .filter(|s| s.write.is_some() && s.fields == Fields::Lines)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "aws-auth add cannot write to \"{backend}\" (it writes to pass, gopass and keyring); create the entry \
                     in {backend} yourself and reference it in profiles.toml (see profiles.example.toml)"
                ))
            })?;
        (
            Some(spec),
            vec![Unit::Command {
                backend: backend.to_owned(),
                entry: entry.clone(),
                field: None,
            }],
        )
    };
    if !args.force {
        let mut existing = Vec::new();
        for unit in &units {
            if entry_exists(unit, &specs, home.as_deref(), limit)? {
                existing.push(unit.to_string());
            }
        }
        if !existing.is_empty() {
            let one = existing.len() == 1;
            return Err(Error::Usage(format!(
                "{} already exist{}; pass --force to replace {}",
                existing.join(" and "),
                if one { "s" } else { "" },
                if one { "it" } else { "them" }
            )));
        }
    }
    let (access_key_id, secret) = read_keys()?;
    let mut section = format!("\n[profiles.{name}]\nbackend = {}\n", toml_string(backend));
    let extras = [
        ("mfa_serial", &args.serial_number),
        ("role_arn", &args.role_arn),
    ];
    match spec {
        None => {
            let store = |account: &str, value: &SecretString| {
                keyring::set("aws-auth", &format!("{name}/{account}"), value).map_err(|kind| {
                    Error::Backend(
                        format!("storing aws-auth/{name}/{account} in the keyring"),
                        kind,
                    )
                })
            };
            store("access_key_id", &SecretString::from(access_key_id.as_str()))?;
            let store_name = store("secret_access_key", &secret)?;
            crate::say!(
                "aws-auth: stored the keys in the {store_name} (service aws-auth, accounts {name}/access_key_id and {name}/secret_access_key)"
            );
            for (key, value) in extras {
                if let Some(value) = value {
                    section.push_str(&format!("{key} = {}\n", toml_string(value)));
                }
            }
        }
        Some(spec) => {
            let mut text = Zeroizing::new(String::with_capacity(512));
            text.push_str(secret.expose_secret());
            text.push_str(&format!("\naws_access_key_id: {access_key_id}\n"));
            for (key, value) in extras {
                if let Some(value) = value {
                    text.push_str(&format!("{key}: {value}\n"));
                }
            }
            let template = spec
                .write
                .as_ref()
                .map(|w| w.args.clone())
                .unwrap_or_default();
            let stored = format!("storing {backend}:{entry}");
            let done = process::run(
                &spec.program,
                &fill(&template, &entry, ""),
                Some(text.as_bytes()),
                limit,
            )
            .map_err(|e| {
                let kind = match e {
                    RunError::NotInstalled { program } => FetchErrorKind::NotInstalled {
                        program,
                        install: spec.install.clone(),
                    },
                    RunError::Timeout { limit, .. } => FetchErrorKind::Timeout(limit),
                    other => FetchErrorKind::Failed(other.to_string()),
                };
                Error::Backend(stored.clone(), kind)
            })?;
            if done.code != Some(0) {
                return Err(Error::Backend(stored, FetchErrorKind::Failed(done.stderr)));
            }
            crate::say!("aws-auth: stored the keys in {backend} entry {entry}");
        }
    }
    if exists {
        crate::say!(
            "aws-auth: profile \"{name}\" is already in {}; left it as it is",
            path.display()
        );
    } else {
        append(&path, &section)?;
        crate::say!("aws-auth: added profile \"{name}\" to {}", path.display());
    }
    if args.force {
        forget_sessions(name);
    }
    crate::say!("aws-auth: try it: eval \"$(aws-auth --profile {name})\"");
    Ok(Zeroizing::new(String::new()))
}

/// Whether a backend already holds `unit`: found, or not found; any other failure (not
/// installed, locked) is reported, since writing would fail the same way.
fn entry_exists(
    unit: &Unit,
    specs: &Specs,
    home: Option<&std::path::Path>,
    limit: Duration,
) -> Result<bool, Error> {
    // A backend whose entries are files (pass) answers without decrypting anything.
    if let Unit::Command { backend, entry, .. } = unit
        && let Some(path) = specs.get(backend).and_then(|s| s.entry_path(entry, home))
    {
        return Ok(path.exists());
    }
    match unit.fetch(specs, home, limit) {
        Ok(_) => Ok(true),
        Err(FetchErrorKind::NotFound(_) | FetchErrorKind::NoField(_)) => Ok(false),
        Err(kind) => Err(Error::Backend(
            format!("checking for an existing {unit}"),
            kind,
        )),
    }
}

/// From the terminal when stdin is one, else two lines of stdin.
fn read_keys() -> Result<(String, SecretString), Error> {
    let (access_key_id, secret) = if std::io::stdin().is_terminal() {
        let hint = "Pipe the access key id and the secret access key on two lines of stdin";
        let id = tty::ask_line("AWS access key id: ", "the access key id", hint)?;
        let secret = tty::ask_hidden("AWS secret access key: ", "the secret access key", hint)?;
        (id.expose_secret().trim().to_owned(), secret)
    } else {
        let mut lines = std::io::stdin().lock();
        let mut id = Zeroizing::new(String::new());
        let mut secret = Zeroizing::new(String::with_capacity(128));
        let read = |buf: &mut String, lines: &mut std::io::StdinLock| {
            lines
                .read_line(buf)
                .map_err(|e| Error::Usage(format!("reading stdin failed: {}", e.kind())))
        };
        read(&mut id, &mut lines)?;
        read(&mut secret, &mut lines)?;
        (id.trim().to_owned(), SecretString::from(secret.trim()))
    };
    if access_key_id.len() < 16
        || access_key_id.len() > 128
        || !access_key_id.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(Error::Usage(
            "the access key id must be 16 to 128 letters and digits (like AKIAIOSFODNN7EXAMPLE); give it first, then the secret access key".into(),
        ));
    }
    if secret.expose_secret().is_empty() || secret.expose_secret().contains(char::is_whitespace) {
        return Err(Error::Usage(
            "the secret access key is empty or contains spaces".into(),
        ));
    }
    Ok((access_key_id, secret))
}

/// Appends a section, creating the file (0600) and its folder (0700) if needed.
fn append(path: &PathBuf, section: &str) -> Result<(), Error> {
    let fail =
        |e: std::io::Error| Error::Usage(format!("cannot write {}: {}", path.display(), e.kind()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(fail)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(fail)?;
    file.write_all(section.as_bytes()).map_err(fail)
}

/// A TOML basic string.
fn toml_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};

/// Sessions cached for the profile came from the keys just replaced: drop them, so the next
/// run uses the new keys (a failure here only warns: the keys are stored).
fn forget_sessions(name: &str) {
    let Some(store) = crate::cache::open().store else {
        return;
    };
    match crate::cache::Cache::new(store).clear(Some(name)) {
        Ok(0) => {}
        Ok(n) => crate::say!(
            "aws-auth: removed {n} cached session{} of profile \"{name}\"",
            if n == 1 { "" } else { "s" }
        ),
        Err(e) => crate::say!(
            "aws-auth: warning: could not clear the cached sessions of profile \"{name}\": {e}; run \
             `aws-auth cache clear --profile {name}`"
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn toml_strings_round_trip() {
        for value in ["plain", "with \"quotes\" and \\ back", "tab\there"] {
            let doc = format!("v = {}", super::toml_string(value));
            let parsed: toml::Table = toml::from_str(&doc).unwrap();
            assert_eq!(parsed["v"].as_str(), Some(value));
        }
    }
}
