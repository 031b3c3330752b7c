//! `aws-auth add`: puts a profile's keys into a password manager (through stdin or the
//! keyring API, never argv) and the profile into profiles.toml.

use crate::cli::AddArgs;
use crate::error::Error;
use crate::passwd;
use crate::secrets::backend::spec::Specs;
use crate::secrets::backend::{FetchErrorKind, Unit, keyring, write};
use crate::secrets::tty;
use crate::settings::config::{self, ConfigError, Profiles};
use crate::settings::validate;
use secrecy::{ExposeSecret, SecretString};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zeroize::Zeroizing;

pub fn run(args: AddArgs) -> Result<Zeroizing<String>, Error> {
    let stored = store(args, read_keys)?;
    crate::say!(
        "aws-auth: try it: eval \"$(aws-auth --profile {})\"",
        stored.name
    );
    Ok(Zeroizing::new(String::new()))
}

/// Where `store` put the keys, so a caller can read them back.
pub struct Stored {
    pub name: String,
    pub units: Vec<Unit>,
    pub specs: Specs,
    pub home: Option<PathBuf>,
    pub limit: Duration,
}

/// Everything `add` does, with the keys from `keys` (asked only once the backend and the
/// profiles file are known to be able to take them).
pub fn store(
    args: AddArgs,
    keys: impl FnOnce() -> Result<(String, SecretString), Error>,
) -> Result<Stored, Error> {
    let config_flag = args.config.as_deref();
    let name = &args.profile;
    config::check_name(name)?;
    if let Some(serial) = &args.serial_number {
        validate::serial_number(serial).map_err(|e| e.flag("--serial-number"))?;
    }
    if let Some(role) = &args.role_arn {
        validate::role_arn(role).map_err(|e| e.flag("--role-arn"))?;
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
                Error::Usage(format!(
                    "aws-auth add cannot write to \"{backend}\" (it writes to pass, gopass and keyring); create the entry \
                     in {backend} yourself and reference it in profiles.toml (see profiles.example.toml)"
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
        if backend == "keyring" {
            fields.extend(
                extras
                    .iter()
                    .filter_map(|(key, value)| value.as_deref().map(|v| (*key, v))),
            );
        }
        Some(Staged::prepare(&path, name, &fields)?)
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
            staged.commit()?;
            crate::say!("aws-auth: added profile \"{name}\" to {}", path.display());
        }
    }
    if args.force {
        forget_sessions(name);
    }
    Ok(Stored {
        name: name.clone(),
        units,
        specs,
        home,
        limit,
    })
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

/// The first two lines of stdin, read with read(2) straight into a zeroizing buffer: std's
/// stdin would keep a copy of the secret in its 8 KiB buffer until the process ends.
fn read_stdin_lines() -> Result<Zeroizing<Vec<u8>>, Error> {
    const MAX: usize = 4096;
    let mut input = Zeroizing::new(vec![0u8; MAX]);
    let mut len = 0;
    while len < MAX && input[..len].iter().filter(|&&b| b == b'\n').count() < 2 {
        // SAFETY: reads into the unused tail of a buffer we own.
        let n = unsafe {
            libc::read(
                libc::STDIN_FILENO,
                input[len..].as_mut_ptr().cast(),
                MAX - len,
            )
        };
        match n {
            0 => break,
            n if n > 0 => len += n as usize,
            _ => {
                let e = std::io::Error::last_os_error();
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return Err(Error::Usage(format!("reading stdin failed: {}", e.kind())));
                }
            }
        }
    }
    input.truncate(len);
    Ok(input)
}

/// From the terminal when stdin is one, else two lines of stdin.
fn read_keys() -> Result<(String, SecretString), Error> {
    let (access_key_id, secret) = if std::io::stdin().is_terminal() {
        let hint = "Pipe the access key id and the secret access key on two lines of stdin";
        let id = tty::ask_line("AWS access key id: ", "the access key id", hint)?;
        let secret = tty::ask_hidden("AWS secret access key: ", "the secret access key", hint)?;
        (id.expose_secret().trim().to_owned(), secret)
    } else {
        let input = read_stdin_lines()?;
        let text = std::str::from_utf8(&input)
            .map_err(|_| Error::Usage("stdin is not UTF-8 text".into()))?;
        let mut lines = text.lines();
        let id = lines.next().unwrap_or_default().trim().to_owned();
        let secret = SecretString::from(lines.next().unwrap_or_default().trim());
        (id, secret)
    };
    Ok((access_key_id, secret))
}

/// The access key id's shape (an IAM user's long-term key: AKIA…, never a session's ASIA…),
/// and a secret with no spaces; checked before anything is written, and never echoed.
fn check_keys(access_key_id: &str, secret: &SecretString) -> Result<(), Error> {
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

/// profiles.toml with the new profile, made in memory by `prepare` (before anything is asked
/// or stored) and written by `commit` through a temporary file renamed over it: the user's comments, order and layout are kept (toml_edit), the name
/// is quoted as TOML needs (`[profiles."work.eu"]`), and the result is checked to parse back
/// with the profile in it before anything is stored.
struct Staged {
    text: Zeroizing<String>,
    mode: u32,
    path: PathBuf,
}

impl Staged {
    fn prepare(path: &Path, name: &str, fields: &[(&str, &str)]) -> Result<Staged, Error> {
        let fail = |e: std::io::Error| {
            Error::Usage(format!("cannot write {}: {}", path.display(), e.kind()))
        };
        let (old, mode) = match crate::safe_file::read_text(
            path,
            config::MAX_SIZE,
            crate::safe_file::Check::Owner,
        ) {
            Ok(text) => {
                let mode = std::fs::metadata(path)
                    .map(|m| m.permissions().mode() & 0o777)
                    .unwrap_or(0o600);
                (text, mode)
            }
            Err(crate::safe_file::FileError::Missing(_)) => (Zeroizing::new(String::new()), 0o600),
            Err(e) => return Err(ConfigError::Unsafe(e).into()),
        };
        let mut doc: toml_edit::DocumentMut = old.parse().map_err(|_| {
            // Profiles::load has parsed it already; this is a race with an editor.
            Error::Usage(format!(
                "{} changed while aws-auth read it; run again",
                path.display()
            ))
        })?;
        let profiles = doc
            .entry("profiles")
            .or_insert_with(|| {
                let mut t = toml_edit::Table::new();
                t.set_implicit(true);
                toml_edit::Item::Table(t)
            })
            .as_table_mut()
            .ok_or_else(|| {
                Error::Usage(format!(
                    "{}: `profiles` is not a table, so no profile can be added to it",
                    path.display()
                ))
            })?;
        let mut table = toml_edit::Table::new();
        for (key, value) in fields {
            table.insert(key, toml_edit::value(*value));
        }
        profiles.insert(name, toml_edit::Item::Table(table));
        let text = doc.to_string();
        let parsed = Profiles::parse(&text, path)?;
        if parsed.get(name).is_err() {
            return Err(Error::Usage(format!(
                "the profile could not be added to {} as written; add it by hand",
                path.display()
            )));
        }
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(fail)?;
        let c_dir = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes())
            .map_err(|_| fail(std::io::ErrorKind::InvalidInput.into()))?;
        // SAFETY: access(2) with a NUL-terminated path only asks.
        if unsafe { libc::access(c_dir.as_ptr(), libc::W_OK) } != 0 {
            return Err(fail(std::io::Error::last_os_error()));
        }
        Ok(Staged {
            text: Zeroizing::new(text),
            mode,
            path: path.to_owned(),
        })
    }

    /// Writes the file: a temporary file beside it, synced, renamed over it.
    /// Writes the file through `safe_file::replace` (a link stays a link, the mode kept).
    fn commit(self) -> Result<(), Error> {
        crate::safe_file::replace(&self.path, self.text.as_bytes(), self.mode).map_err(|e| {
            Error::Usage(format!(
                "the keys are stored, but {} could not be written ({}); add the profile by hand",
                self.path.display(),
                e.kind()
            ))
        })
    }
}

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};

/// Sessions cached for the profile came from the keys just replaced: drop them, so the next
/// run uses the new keys (a failure here only warns: the keys are stored).
pub(crate) fn forget_sessions(name: &str) {
    use crate::cache::Opened;
    let store = match crate::cache::open() {
        Ok(Opened {
            store: Some(store), ..
        }) => store,
        // No store where none was asked for (a container without keyctl): nothing cached.
        Ok(Opened { refused: false, .. }) => return,
        Ok(Opened { reason, .. }) | Err(reason) => {
            crate::say!(
                "aws-auth: warning: could not clear the cached sessions of profile \"{name}\": {reason}"
            );
            return;
        }
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
    use super::*;

    /// Regression (review item 12): `add --profile work.eu` wrote an unquoted
    /// `[profiles.work.eu]`, a dotted table that broke every profile.
    #[test]
    fn a_new_profile_keeps_the_file_and_its_name_is_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        let before = "# my profiles\n[profiles.ops]   # the ops account\nbackend = \"pass\"\nregion = \"eu-west-1\"\n";
        std::fs::write(&path, before).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let staged = Staged::prepare(
            &path,
            "work.eu",
            &[
                ("backend", "keyring"),
                ("role_arn", "arn:aws:iam::1:role/\"x\""),
            ],
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            before,
            "nothing written yet"
        );
        staged.commit().unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert!(after.starts_with(before), "{after}");
        assert!(after.contains("[profiles.\"work.eu\"]"), "{after}");
        let profiles = Profiles::parse(&after, &path).unwrap();
        assert_eq!(
            profiles.get("ops").unwrap().region.as_deref(),
            Some("eu-west-1")
        );
        let added = profiles.get("work.eu").unwrap();
        assert_eq!(added.backend.as_deref(), Some("keyring"));
        assert_eq!(added.role_arn.as_deref(), Some("arn:aws:iam::1:role/\"x\""));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn a_profiles_file_that_is_a_link_stays_one() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("dotfiles-profiles.toml");
        std::fs::write(&real, "[profiles.ops]\nbackend = \"pass\"\n").unwrap();
        let link = dir.path().join("profiles.toml");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        Staged::prepare(&link, "new", &[("backend", "pass")])
            .unwrap()
            .commit()
            .unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            std::fs::read_to_string(&real)
                .unwrap()
                .contains("[profiles.new]")
        );
    }

    #[test]
    fn a_new_file_is_private_and_an_unwritten_stage_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/profiles.toml");
        let staged = Staged::prepare(&path, "a", &[("backend", "pass")]).unwrap();
        drop(staged);
        assert!(!path.exists());
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            0
        );
        Staged::prepare(&path, "a", &[("backend", "pass")])
            .unwrap()
            .commit()
            .unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }

    #[test]
    fn a_file_whose_profiles_is_not_a_table_is_refused_before_anything_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        std::fs::write(&path, "profiles = 3\n").unwrap();
        assert!(Staged::prepare(&path, "a", &[("backend", "pass")]).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "profiles = 3\n");
    }
}
