//! `aws-auth migrate`: a profile's long-term keys (and the MFA device, role and TOTP seed it
//! reads from the same store) moved to another store, in an order that leaves a profile that
//! works whenever it stops: written to the new store, read back and compared, the profile
//! switched (one atomic rewrite of profiles.toml), and only then removed from the old store.
//! INT, TERM and HUP wait until it is done; a kill leaves the profile on one side of the
//! switch, each side reading a store that holds the keys.

mod source;

use crate::cli::{FlowArgs, MigrateArgs};
use crate::error::Error;
use crate::providers::gather::gather;
use crate::secrets::backend::spec::{Fields, Specs};
use crate::secrets::backend::{Unit, keyring, write};
use crate::secrets::totp::Totp;
use crate::settings::edit::Edit;
use crate::settings::files::Files;
use crate::settings::profile;
use crate::settings::validate;
use secrecy::{ExposeSecret, SecretString};
use source::{Source, Value};
use std::path::Path;
use std::time::Duration;
use zeroize::Zeroizing;

/// Where the keys go: the one-entry layout of a line-based store, or the keyring layout.
enum Place {
    Entry { backend: String, entry: String },
    Keyring { name: String },
}

impl Place {
    /// The destination `to`, refused before anything is read when it cannot hold keys that
    /// last (a store aws-auth cannot write, the kernel keyring).
    fn of(to: &str, name: &str, specs: &Specs, limit: Duration) -> Result<Place, Error> {
        if to == "keyring" {
            if let Some(why) = keyring::durable_unavailable(limit) {
                return Err(Error::Usage(why));
            }
            return Ok(Place::Keyring {
                name: name.to_owned(),
            });
        }
        let writable = |backend: &str| {
            specs
                .get(backend)
                .is_some_and(|s| s.fields == Fields::Lines && s.write.is_some())
        };
        if writable(to) {
            return Ok(Place::Entry {
                backend: to.to_owned(),
                entry: format!("aws-auth/{name}"),
            });
        }
        let mut can: Vec<String> = specs.names().into_iter().filter(|n| writable(n)).collect();
        can.push("keyring".into());
        let near = crate::suggest::nearest(to, can.iter().map(String::as_str))
            .filter(|n| *n != to)
            .map(|n| format!("did you mean \"{n}\"? "))
            .unwrap_or_default();
        Err(Error::Usage(format!(
            "{near}aws-auth migrate cannot write to \"{to}\": it moves keys into {}",
            can.join(", ")
        )))
    }

    /// The units written, each with what goes in it.
    fn units(&self, value: &Value) -> Vec<(Unit, Zeroizing<String>)> {
        match self {
            Place::Entry { backend, entry } => {
                let mut text = Zeroizing::new(String::with_capacity(512));
                text.push_str(value.secret_access_key.expose_secret());
                text.push_str(&format!("\naws_access_key_id: {}\n", value.access_key_id));
                for (key, field) in [
                    ("mfa_serial", &value.mfa_serial),
                    ("role_arn", &value.role_arn),
                ] {
                    if let Some(field) = field {
                        text.push_str(&format!("{key}: {field}\n"));
                    }
                }
                if let Some(seed) = &value.seed {
                    text.push_str(seed);
                    text.push('\n');
                }
                let unit = Unit::Command {
                    backend: backend.clone(),
                    entry: entry.clone(),
                    field: None,
                };
                vec![(unit, text)]
            }
            Place::Keyring { name } => {
                let item = |account: &str| Unit::Keyring {
                    service: "aws-auth".into(),
                    account: format!("{name}/{account}"),
                };
                let mut out = vec![
                    (
                        item("access_key_id"),
                        Zeroizing::new(value.access_key_id.clone()),
                    ),
                    (
                        item("secret_access_key"),
                        Zeroizing::new(value.secret_access_key.expose_secret().to_owned()),
                    ),
                ];
                for (account, field) in [
                    ("mfa_serial", value.mfa_serial.as_ref()),
                    ("role_arn", value.role_arn.as_ref()),
                ] {
                    if let Some(field) = field {
                        out.push((item(account), Zeroizing::new(field.clone())));
                    }
                }
                if let Some(seed) = &value.seed {
                    out.push((item("totp_seed"), seed.clone()));
                }
                out
            }
        }
    }
}

pub fn run(args: MigrateArgs) -> Result<Zeroizing<String>, Error> {
    let name = args.profile.as_str();
    validate::timeout(args.limit.timeout)?;
    let limit = Duration::from_secs(args.limit.timeout);
    let files = Files::all(args.file.config.as_deref())?;
    let raw = files
        .profiles
        .profiles
        .get(name)
        .cloned()
        .ok_or_else(|| super::new_profile::not_in_profiles_toml(name, &files))?;
    let specs = &files.specs;
    let home = files.home.as_deref();
    let place = Place::of(&args.to, name, specs, limit)?;
    let source = Source::plan(name, &raw, specs)?;
    let value = source.read(name, specs, home, limit)?;
    let writes = place.units(&value);
    let old_units = source.units(specs);
    if let Some((unit, _)) = writes.iter().find(|(u, _)| old_units.contains(u)) {
        return Err(Error::Usage(format!(
            "profile \"{name}\" already reads {unit}: it is in {} already",
            args.to
        )));
    }
    let mut existed = Vec::new();
    for (unit, _) in &writes {
        if super::new_profile::entry_exists(unit, specs, home, limit)? {
            existed.push(unit.clone());
        }
    }
    if !existed.is_empty() && !args.force {
        let shown: Vec<String> = existed.iter().map(Unit::to_string).collect();
        return Err(Error::Usage(format!(
            "{} already exist{} (an earlier migrate that stopped, or another profile's keys?); check, then pass \
             --force to replace {}; nothing was changed",
            shown.join(" and "),
            if shown.len() == 1 { "s" } else { "" },
            if shown.len() == 1 { "it" } else { "them" }
        )));
    }

    // The profile as it will read, staged (checked to parse and to be writable) before any
    // store is touched.
    let mut after = raw.clone();
    source.switch(&mut after, &args.to);
    let staged = source
        .edits(Edit::open(&files.profiles.path)?, name, &after)?
        .stage_with(name)?;

    let _finishing = crate::deferral::Deferral::start(&crate::deferral::MIGRATING);
    let mut written = Vec::new();
    let checked = write_all(&writes, &mut written, specs, limit)
        .and_then(|()| read_back(name, &after, &value, specs, home, limit));
    if let Err(e) = checked {
        undo(&written, &existed, specs, limit);
        return Err(Error::Stopped(format!(
            "{e}; nothing was changed: profile \"{name}\" still reads its keys from {}",
            source.describe(specs)
        )));
    }
    if let Err(e) = staged.commit() {
        undo(&written, &existed, specs, limit);
        return Err(Error::Stopped(format!(
            "{} could not be written ({}); nothing was changed: profile \"{name}\" still reads its keys from {}",
            files.profiles.path.display(),
            e.kind(),
            source.describe(specs)
        )));
    }
    let shown: Vec<String> = writes.iter().map(|(u, _)| u.to_string()).collect();
    crate::say!(
        "aws-auth: profile \"{name}\" now reads its keys from {} (written, read back and compared)",
        shown.join(", ")
    );
    if args.keep {
        crate::say!(
            "aws-auth: --keep: they are still in {} too",
            source.describe(specs)
        );
    } else {
        source.remove(&value, &readers(name, &files), specs, home, limit);
    }
    Ok(Zeroizing::new(String::new()))
}

/// Every store unit another profile of profiles.toml reads, with that profile's name: what
/// it still reads stays where it is.
fn readers(name: &str, files: &Files) -> Vec<(Unit, String)> {
    let mut readers = Vec::new();
    for (other, raw) in &files.profiles.profiles {
        if other == name {
            continue;
        }
        // A profile that cannot be planned reads nothing (a run of it stops at the same error).
        let Ok(wanted) =
            profile::plan(other, raw, other, &FlowArgs::default(), false, &files.specs)
        else {
            continue;
        };
        for w in wanted {
            if let crate::settings::reference::Value::Ref(r) = &w.value {
                let read = (Unit::of(r, &files.specs), other.clone());
                if !readers.contains(&read) {
                    readers.push(read);
                }
            }
        }
    }
    readers
}

/// Writes each unit, noting in `written` those that were.
fn write_all(
    writes: &[(Unit, Zeroizing<String>)],
    written: &mut Vec<Unit>,
    specs: &Specs,
    limit: Duration,
) -> Result<(), Error> {
    for (unit, text) in writes {
        write::store(unit, &SecretString::from(text.as_str()), specs, limit)
            .map_err(|kind| Error::Backend(format!("writing {unit}"), kind))?;
        written.push(unit.clone());
    }
    Ok(())
}

/// The profile as switched, read as a run reads it: every value must be what was read from
/// the old store (the seed: the same codes).
fn read_back(
    name: &str,
    after: &crate::settings::config::RawProfile,
    value: &Value,
    specs: &Specs,
    home: Option<&Path>,
    limit: Duration,
) -> Result<(), Error> {
    let wanted = profile::plan(name, after, name, &FlowArgs::default(), false, specs)?;
    let read = gather(&wanted, specs, home, limit, name)?;
    let got = |field: &str| read.values.get(field).map(|v| v.expose_secret().to_owned());
    let differs = |what: &str| {
        Error::Usage(format!(
            "the {what} read back from the new store is not the one written"
        ))
    };
    if got("access_key_id").as_deref() != Some(value.access_key_id.as_str()) {
        return Err(differs("access key id"));
    }
    if read
        .values
        .get("secret_access_key")
        .map(|v| v.expose_secret() != value.secret_access_key.expose_secret())
        .unwrap_or(true)
    {
        return Err(differs("secret access key"));
    }
    if value.mfa_serial.is_some() && got("mfa_serial") != value.mfa_serial {
        return Err(differs("MFA device"));
    }
    if value.role_arn.is_some() && got("role_arn") != value.role_arn {
        return Err(differs("role"));
    }
    if let Some(seed) = &value.seed {
        let same = match (&read.totp, Totp::from_text(seed)) {
            (Some(stored), Ok(given)) => [0, 1_000_000_007]
                .iter()
                .all(|&t| stored.code_at(t) == given.code_at(t)),
            _ => false,
        };
        if !same {
            return Err(differs("TOTP seed"));
        }
    }
    Ok(())
}

/// Takes back what was written before the switch (what was there before and replaced with
/// --force stays replaced: its old text is gone either way).
fn undo(written: &[Unit], existed: &[Unit], specs: &Specs, limit: Duration) {
    for unit in written {
        if existed.contains(unit) {
            continue;
        }
        if let Err(kind) = write::remove(unit, specs, limit) {
            crate::say!(
                "aws-auth: warning: could not remove {unit} again ({kind}); nothing reads it, delete it yourself"
            );
        }
    }
}
