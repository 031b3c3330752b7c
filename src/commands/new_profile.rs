//! What the commands that write keys share (not a command itself): a new profile's keys
//! written to a password manager (through its stdin or the keyring API, never argv) and the
//! profile added to profiles.toml, with every check made before anything is asked or
//! written (`add`, `import`); whether a store already holds an entry, the keys' shape, and
//! the error for a profile that is not in profiles.toml (`configure`, `migrate`).

use crate::cli::NewKeys;
use crate::error::Error;
use crate::secrets::backend::spec::Specs;
use crate::secrets::backend::{FetchErrorKind, Unit, keyring, write};
use crate::settings::aws_config::AwsProfiles;
use crate::settings::config::{self, ConfigError};
use crate::settings::edit::Edit;
use crate::settings::files::Files;
use crate::settings::validate;
use secrecy::{ExposeSecret, SecretString};
use std::path::PathBuf;
use std::time::Duration;
use zeroize::Zeroizing;

/// Where `store` put the keys, so a caller can read them back.
pub struct Stored {
    pub name: String,
    pub units: Vec<Unit>,
    pub specs: Specs,
    pub home: Option<PathBuf>,
    pub limit: Duration,
    /// The AWS config file as it was read before anything was stored.
    pub aws: Option<AwsProfiles>,
}

/// Everything `add` does, with the keys from `keys` (asked only once the backend and the
/// profiles file are known to be able to take them).
pub fn store(
    args: NewKeys,
    keys: impl FnOnce() -> Result<(String, SecretString), Error>,
) -> Result<Stored, Error> {
    let config_flag = args.file.config.as_deref();
    let name = &args.profile;
    config::check_name(name)?;
    if let Some(serial) = &args.serial_number {
        validate::serial_number(serial).map_err(|e| e.flag("--serial-number"))?;
    }
    if let Some(role) = &args.role_arn {
        validate::role_arn(role).map_err(|e| e.flag("--role-arn"))?;
    }
    if let Some(region) = &args.region {
        validate::region(region).map_err(|e| e.flag("--region"))?;
    }
    validate::timeout(args.limit.timeout)?;
    let files = Files::all(config_flag)?;
    let home = files.home.clone();
    let path = files.profiles.path.clone();
    let exists = files.profiles.profiles.contains_key(name);
    if exists && !args.force {
        return Err(Error::Usage(format!(
            "profile \"{name}\" already exists in {}; pass --force to replace its keys in the backend",
            path.display()
        )));
    }
    if exists && let Some(region) = &args.region {
        return Err(Error::Usage(format!(
            "profile \"{name}\" already exists in {}, and --force replaces its keys only: set its region with \
             `aws-auth configure --profile {name} --region {region}`; nothing was changed",
            path.display()
        )));
    }
    let specs = files.specs;
    let aws = files.aws;
    let limit = Duration::from_secs(args.limit.timeout);
    let backend = args.backend.as_str();
    let entry = format!("aws-auth/{name}");
    // Where the keys go, checked before anything is asked or written.
    let (spec, units) = if backend == "keyring" {
        // Long-term keys go only where they last: refused here, before anything is asked
        // or written, when the keyring would be the kernel's (memory only).
        if let Some(why) = keyring::durable_unavailable(limit) {
            return Err(Error::Usage(why));
        }
        let units = ["access_key_id", "secret_access_key"].map(|account| Unit::Keyring {
            service: "aws-auth".into(),
            account: format!("{name}/{account}"),
        });
        (None, units.to_vec())
    } else {
        let unit = Unit::Command {
            backend: backend.to_owned(),
            entry: entry.clone(),
            field: None,
        };
        let spec = specs
            .get(backend)
            .filter(|_| write::writable(&unit, &specs))
            .ok_or_else(|| {
                let mut writable: Vec<String> = specs
                    .names()
                    .into_iter()
                    .filter(|n| {
                        let unit = Unit::Command { backend: n.clone(), entry: String::new(), field: None };
                        write::writable(&unit, &specs)
                    })
                    .collect();
                writable.push("keyring".into());
                let near = crate::suggest::nearest(backend, writable.iter().map(String::as_str))
                    .filter(|n| *n != backend)
                    .map(|n| format!("did you mean \"{n}\"? "))
                    .unwrap_or_default();
                Error::Usage(format!(
                    "{near}aws-auth add cannot write to \"{backend}\" (it writes to {}); create the entry in {backend} \
                     yourself and reference it in profiles.toml (`aws-auth profiles --example` shows how)",
                    writable.join(", ")
                ))
            })?;
        (Some(spec), vec![unit])
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
    let extras = [
        ("mfa_serial", &args.serial_number),
        ("role_arn", &args.role_arn),
    ];
    // The profiles file is made ready before any key is stored: a file that cannot take
    // the profile fails the run while the backend is still untouched.
    let staged = if exists {
        None
    } else {
        let mut fields = vec![("backend", backend)];
        if let Some(region) = &args.region {
            fields.push(("region", region));
        }
        if backend == "keyring" {
            fields.extend(
                extras
                    .iter()
                    .filter_map(|(key, value)| value.as_deref().map(|v| (*key, v))),
            );
        }
        Some(
            Edit::open(&path)?
                .add_profile(name, &fields)?
                .stage_with(name)?,
        )
    };
    let (access_key_id, secret) = keys()?;
    check_keys(&access_key_id, &secret)?;
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
        }
        Some(_) => {
            let mut text = Zeroizing::new(String::with_capacity(512));
            text.push_str(secret.expose_secret());
            text.push_str(&format!("\naws_access_key_id: {access_key_id}\n"));
            for (key, value) in extras {
                if let Some(value) = value {
                    text.push_str(&format!("{key}: {value}\n"));
                }
            }
            let stored = format!("storing {backend}:{entry}");
            write::store(&units[0], &SecretString::from(text.as_str()), &specs, limit)
                .map_err(|kind| Error::Backend(stored, kind))?;
            crate::say!("aws-auth: stored the keys in {backend} entry {entry}");
        }
    }
    match staged {
        None => crate::say!(
            "aws-auth: profile \"{name}\" is already in {}; left it as it is",
            path.display()
        ),
        Some(staged) => {
            staged.commit().map_err(|e| {
                Error::Stopped(format!(
                    "the keys are stored, but {} could not be written ({}); add the profile by hand",
                    path.display(),
                    e.kind()
                ))
            })?;
            crate::say!("aws-auth: added profile \"{name}\" to {}", path.display());
        }
    }
    if args.force {
        crate::cache::forget_profile(name);
    }
    Ok(Stored {
        name: name.clone(),
        units,
        specs,
        home,
        limit,
        aws,
    })
}

/// Whether a backend already holds `unit`: found, or not found; any other failure (not
/// installed, locked) is reported, since writing would fail the same way.
pub(crate) fn entry_exists(
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
        Err(
            FetchErrorKind::NotFound(_)
            | FetchErrorKind::NoField(_)
            | FetchErrorKind::NoItemField { .. },
        ) => Ok(false),
        Err(kind) => Err(Error::Backend(
            format!("checking for an existing {unit}"),
            kind,
        )),
    }
}

/// The access key id's shape (an IAM user's long-term key: AKIA…, never a session's ASIA…),
/// and a secret with no spaces; checked before anything is written, and never echoed.
pub(crate) fn check_keys(access_key_id: &str, secret: &SecretString) -> Result<(), Error> {
    check_key_id(access_key_id)?;
    if secret.expose_secret().is_empty() || secret.expose_secret().contains(char::is_whitespace) {
        return Err(Error::Usage(
            "the secret access key is empty or contains spaces".into(),
        ));
    }
    if secret.expose_secret() == access_key_id {
        return Err(Error::Usage(
            "the secret access key is the access key id again: give the id, then the secret".into(),
        ));
    }
    Ok(())
}

/// An access key id that is one: shaped like one, and a long-term key's.
pub(crate) fn check_key_id(access_key_id: &str) -> Result<(), Error> {
    validate::access_key_id(access_key_id).map_err(|e| {
        Error::Usage(format!(
            "{}; give the access key id first, then the secret access key",
            e.problem
        ))
    })?;
    if access_key_id.starts_with("ASIA") {
        return Err(Error::Usage(
            "the access key id starts with ASIA: that is a temporary session key, which stops working within hours; \
             store your IAM user's long-term key (AKIA...)"
                .into(),
        ));
    }
    Ok(())
}

/// A profile that is not in profiles.toml: in the AWS config file (edit that), or unknown.
pub fn not_in_profiles_toml(name: &str, files: &Files) -> Error {
    if let Some(aws) = files.aws.as_ref().filter(|a| a.profiles.contains_key(name)) {
        return Error::Usage(format!(
            "profile \"{name}\" is in {}, not in profiles.toml: change it there (aws configure set role_arn ARN \
             --profile {name}), or configure the profile its keys come from",
            aws.path.display()
        ));
    }
    ConfigError::UnknownProfile {
        name: name.to_owned(),
        path: files.profiles.path.clone(),
        known: files.profiles.profiles.keys().cloned().collect(),
    }
    .into()
}
