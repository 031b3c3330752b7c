//! Edits of profiles.toml that keep the user's comments, order and layout (toml_edit): a new
//! profile (`add`, `import`) or some fields of one (`configure`). An edit is made in memory
//! and checked to parse back before anything else is changed (`stage`); `commit` writes it
//! through a temporary file renamed over the old one, with the file's mode. Names are quoted
//! as TOML needs (`[profiles."work.eu"]`). Not for reading: `config` reads the file.

use crate::error::Error;
use crate::settings::config::{self, ConfigError, Profiles};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// profiles.toml as it is now, being edited.
pub struct Edit {
    doc: toml_edit::DocumentMut,
    mode: u32,
    path: PathBuf,
}

/// An edit checked to parse back, ready to write.
pub struct Staged {
    text: Zeroizing<String>,
    mode: u32,
    path: PathBuf,
}

impl Edit {
    /// Reads the file (a new one when there is none: 0600, in a 0700 directory), with the
    /// same checks as a run (a regular file only you or root can change).
    pub fn open(path: &Path) -> Result<Edit, Error> {
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
        let doc = old.parse().map_err(|_| {
            // Profiles::load has parsed it already; this is a race with an editor.
            Error::io(
                path.display().to_string(),
                "it changed while aws-auth read it; run again",
            )
        })?;
        Ok(Edit {
            doc,
            mode,
            path: path.to_owned(),
        })
    }

    fn profiles(&mut self) -> Result<&mut toml_edit::Table, Error> {
        let path = self.path.display().to_string();
        self.doc
            .entry("profiles")
            .or_insert_with(|| {
                let mut t = toml_edit::Table::new();
                t.set_implicit(true);
                toml_edit::Item::Table(t)
            })
            .as_table_mut()
            .ok_or_else(|| {
                Error::Usage(format!(
                    "{path}: `profiles` is not a table, so no profile can be added to it"
                ))
            })
    }

    /// Adds `[profiles.NAME]` with `fields`, after every table already there.
    pub fn add_profile(mut self, name: &str, fields: &[(&str, &str)]) -> Result<Edit, Error> {
        let mut table = toml_edit::Table::new();
        for (key, value) in fields {
            table.insert(key, toml_edit::value(*value));
        }
        self.profiles()?.insert(name, toml_edit::Item::Table(table));
        Ok(self)
    }

    /// Sets (`Some`) or removes (`None`) one key of an existing profile; the comments and
    /// the other keys of its table stay as they are.
    pub fn set(mut self, name: &str, key: &str, value: Option<&str>) -> Result<Edit, Error> {
        let path = self.path.display().to_string();
        let table = self
            .profiles()?
            .get_mut(name)
            .and_then(toml_edit::Item::as_table_mut)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "{path} has no [profiles.{name}] table that aws-auth can edit; edit it by hand"
                ))
            })?;
        match value {
            Some(value) => {
                // A key that exists keeps its place and its decoration (a comment after it).
                match table.get_mut(key).and_then(toml_edit::Item::as_value_mut) {
                    Some(old) => {
                        let decor = old.decor().clone();
                        *old = toml_edit::Value::from(value);
                        *old.decor_mut() = decor;
                    }
                    None => {
                        table.insert(key, toml_edit::value(value));
                    }
                }
            }
            None => {
                table.remove(key);
            }
        }
        Ok(self)
    }

    /// The new text, checked to parse back with profile `name` in it, and the directory
    /// checked to be writable: nothing has been written yet.
    pub fn stage_with(self, name: &str) -> Result<Staged, Error> {
        let path = &self.path;
        let fail =
            |e: std::io::Error| Error::io(format!("cannot write {}", path.display()), e.kind());
        let text = self.doc.to_string();
        let parsed = Profiles::parse(&text, path)?;
        if parsed.get(name).is_err() {
            return Err(Error::Usage(format!(
                "profile \"{name}\" could not be written to {} as asked; edit it by hand",
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
            mode: self.mode,
            path: self.path,
        })
    }
}

impl Staged {
    /// Writes the file through `safe_file::replace` (synced, renamed over the old one; a
    /// link stays a link, the mode is kept).
    pub fn commit(self) -> std::io::Result<()> {
        crate::safe_file::replace(&self.path, self.text.as_bytes(), self.mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(path: &Path, name: &str, fields: &[(&str, &str)]) -> Result<Staged, Error> {
        Edit::open(path)?
            .add_profile(name, fields)?
            .stage_with(name)
    }

    /// Regression (review item 12): `add --profile work.eu` wrote an unquoted
    /// `[profiles.work.eu]`, a dotted table that broke every profile.
    #[test]
    fn a_new_profile_keeps_the_file_and_its_name_is_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        let before = "# my profiles\n[profiles.ops]   # the ops account\nbackend = \"pass\"\nregion = \"eu-west-1\"\n";
        std::fs::write(&path, before).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let staged = add(
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
    fn fields_of_a_profile_are_set_and_removed_keeping_comments_and_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        let before = "# mine\n[profiles.ops]   # the ops account\nbackend = \"pass\"\n\
                      region = \"eu-west-1\"  # Ireland\nmfa_code = \"ykman:x\"\n\n[profiles.dev]\nbackend = \"gopass\"\n";
        std::fs::write(&path, before).unwrap();
        Edit::open(&path)
            .unwrap()
            .set("ops", "region", Some("us-west-2"))
            .unwrap()
            .set(
                "ops",
                "role_arn",
                Some("arn:aws:iam::123456789012:role/admin"),
            )
            .unwrap()
            .set("ops", "mfa_code", None)
            .unwrap()
            .stage_with("ops")
            .unwrap()
            .commit()
            .unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            after,
            "# mine\n[profiles.ops]   # the ops account\nbackend = \"pass\"\n\
             region = \"us-west-2\"  # Ireland\nrole_arn = \"arn:aws:iam::123456789012:role/admin\"\n\n\
             [profiles.dev]\nbackend = \"gopass\"\n"
        );
        let err = Edit::open(&path)
            .unwrap()
            .set("nope", "region", Some("x"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("no [profiles.nope]"), "{err}");
    }

    #[test]
    fn a_value_that_would_not_parse_back_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        std::fs::write(&path, "[profiles.ops]\nbackend = \"pass\"\n").unwrap();
        // role_duration_seconds is a number in the file's schema: a string is refused.
        let err = Edit::open(&path)
            .unwrap()
            .set("ops", "role_duration_seconds", Some("x"))
            .unwrap()
            .stage_with("ops");
        assert!(err.is_err());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[profiles.ops]\nbackend = \"pass\"\n"
        );
    }

    #[test]
    fn a_profiles_file_that_is_a_link_stays_one() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("dotfiles-profiles.toml");
        std::fs::write(&real, "[profiles.ops]\nbackend = \"pass\"\n").unwrap();
        let link = dir.path().join("profiles.toml");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        add(&link, "new", &[("backend", "pass")])
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
        let staged = add(&path, "a", &[("backend", "pass")]).unwrap();
        drop(staged);
        assert!(!path.exists());
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            0
        );
        add(&path, "a", &[("backend", "pass")])
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
        assert!(add(&path, "a", &[("backend", "pass")]).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "profiles = 3\n");
    }
}
