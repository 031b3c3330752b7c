//! Declarative definitions of command-line password managers: backends/*.toml embedded at
//! build time, plus the user's `$XDG_CONFIG_HOME/aws-auth/backends/NAME.toml` (scheme `NAME:`).
//! This file only parses and checks them; `command` runs them.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const BUILT_IN: &[(&str, &str)] = &[
    ("pass", include_str!("../../../backends/pass.toml")),
    ("gopass", include_str!("../../../backends/gopass.toml")),
    ("lpass", include_str!("../../../backends/lpass.toml")),
    ("op", include_str!("../../../backends/op.toml")),
    ("passage", include_str!("../../../backends/passage.toml")),
    ("bw", include_str!("../../../backends/bw.toml")),
    ("ykman", include_str!("../../../backends/ykman.toml")),
];

/// The largest backend file read (a real one is under a kilobyte).
const MAX_SIZE: u64 = 64 * 1024;

/// How `#FIELD` is read.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Fields {
    /// One call reads the whole entry: line 1 is the value, `#KEY` a `KEY: value` line.
    #[default]
    Lines,
    /// Each field is a call of `read_field`; the whole output is the value.
    Command,
    /// `read` prints a Bitwarden item as JSON (one call per item): the entry alone is its
    /// password, `#username`, `#password`, `#notes`, `#uri` its own fields, any other `#FIELD`
    /// a custom field by name; `#totp` is a call of `read_field` (the current code).
    Bitwarden,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Errors {
    #[serde(default)]
    pub not_found: Vec<String>,
    #[serde(default)]
    pub not_signed_in: Vec<String>,
    /// The device the backend reads from is not there (a YubiKey not plugged in).
    #[serde(default)]
    pub no_device: Vec<String>,
    /// What to do about a `not_signed_in` failure, added to its message; `{entry}` is the
    /// entry's name (pass: how to unlock a GPG key ahead of a run with no terminal).
    #[serde(default)]
    pub not_signed_in_hint: Option<String>,
    /// The name matches several entries (bw: "More than one result was found.").
    #[serde(default)]
    pub ambiguous: Vec<String>,
    /// The entry is there and has no such field (bw: "No TOTP available for this login.").
    #[serde(default)]
    pub no_field: Vec<String>,
    /// stderr text -> what to do about it, added to the message of whatever class the
    /// failure is (bw tells a locked vault from a logged-out one; `{entry}` is the entry).
    #[serde(default)]
    pub advice: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Write {
    pub args: Vec<String>,
    /// argv that deletes an entry (`aws-auth migrate` once the keys are in another store).
    #[serde(default)]
    pub remove: Option<Vec<String>>,
}

/// One backend file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(skip)]
    pub name: String,
    pub description: String,
    pub program: String,
    #[serde(default)]
    pub install: Option<String>,
    pub read: Vec<String>,
    #[serde(default)]
    pub fields: Fields,
    #[serde(default)]
    pub read_field: Option<Vec<String>>,
    #[serde(default)]
    pub entry_file: Option<String>,
    #[serde(default)]
    pub defaults: BTreeMap<String, String>,
    #[serde(default)]
    pub ambiguous_stdout: Vec<String>,
    #[serde(default)]
    pub errors: Errors,
    #[serde(default)]
    pub write: Option<Write>,
    /// stderr lines, by prefix, shown to the user as they arrive (a "touch your key" note).
    #[serde(default)]
    pub relay_stderr: Vec<String>,
    /// `"pass-gpg"`: the entry file may be decrypted directly, as `pass show` does it.
    #[serde(default)]
    pub decrypt: Option<Decrypt>,
    /// Variables that choose the store or account the backend reads (`PASSWORD_STORE_DIR`,
    /// `OP_SERVICE_ACCOUNT_TOKEN`): their values (or `defaults`), hashed, are part of the
    /// session cache's key, so two stores never share a cached session.
    #[serde(default)]
    pub store_env: Vec<String>,
    /// SHA-256 of the definition's text: a changed definition is another backend to the cache.
    #[serde(skip)]
    pub digest: String,
}

/// Ways to read an entry without its program.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum Decrypt {
    /// `gpg -d` of `entry_file` with the options pass 1.7 uses.
    #[serde(rename = "pass-gpg")]
    PassGpg,
    /// `age -d -i IDENTITIES` of `entry_file`, as `passage show` does it.
    #[serde(rename = "passage-age")]
    PassageAge,
}

/// A backend file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("backend file {path}: {problem}")]
pub struct SpecError {
    pub path: String,
    pub problem: String,
}

impl Spec {
    pub fn parse(name: &str, text: &str, path: &str) -> Result<Spec, SpecError> {
        let err = |problem: String| SpecError {
            path: path.to_owned(),
            problem,
        };
        let mut spec: Spec = toml::from_str(text).map_err(|e| {
            let at = crate::toml_error::describe(text, &e);
            err(format!(
                "line {}, column {}: {}",
                at.line, at.column, at.message
            ))
        })?;
        spec.name = name.to_owned();
        spec.digest = crate::cache::sha256_hex(text.as_bytes());
        if spec.program.trim().is_empty() {
            return Err(err("`program` is empty".into()));
        }
        if !spec.read.iter().any(|a| a.contains("{entry}")) {
            return Err(err("`read` must contain \"{entry}\"".into()));
        }
        match (&spec.fields, &spec.read_field) {
            (Fields::Command | Fields::Bitwarden, Some(args))
                if !args.iter().any(|a| a.contains("{field}")) =>
            {
                return Err(err("`read_field` must contain \"{field}\"".into()));
            }
            (Fields::Lines, Some(_)) => {
                return Err(err("`read_field` needs fields = \"command\"".into()));
            }
            _ => {}
        }
        if spec.decrypt.is_some() && (spec.entry_file.is_none() || spec.fields != Fields::Lines) {
            return Err(err(
                "`decrypt` needs `entry_file` and fields = \"lines\"".into()
            ));
        }
        if let Some(write) = &spec.write {
            let bad = |args: &[String]| !args.iter().any(|a| a.contains("{entry}"));
            if bad(&write.args) {
                return Err(err("`write.args` must contain \"{entry}\"".into()));
            }
            if write.remove.as_deref().is_some_and(bad) {
                return Err(err("`write.remove` must contain \"{entry}\"".into()));
            }
        }
        Ok(spec)
    }

    /// Where this backend reads from, as the cache key binds it: the definition's digest and
    /// each `store_env` variable's value (else its default, `~` expanded), hashed; a relative
    /// path (a variable named `*_DIR`, `*_HOME`, `*_HOMEDIR`, `*_FILE`) joined to the current
    /// directory first, since the same words name another store from another directory.
    /// Cheap: no program runs, no file is looked at, and no secret is read.
    pub fn store_identity(&self, home: Option<&Path>) -> String {
        let mut out = format!("{} {}", self.name, self.digest);
        for var in &self.store_env {
            let shown = match self.setting(var, home) {
                Some(v) => value_identity(var, &v),
                None => "-".to_owned(),
            };
            out.push_str(&format!(" {var}={shown}"));
        }
        out
    }

    /// A variable that chooses where the backend reads (`PASSAGE_DIR`): its value, else the
    /// definition's default, `~` expanded.
    pub fn setting(&self, var: &str, home: Option<&Path>) -> Option<String> {
        crate::env::var(var)
            .or_else(|| self.defaults.get(var).cloned())
            .map(|v| expand_home(&v, home))
    }

    /// argv after the program for one read; each template element gives exactly one argument.
    pub fn read_args(&self, entry: &str, field: Option<&str>) -> Option<Vec<String>> {
        let template = match (field, self.fields) {
            (Some(_), Fields::Command | Fields::Bitwarden) => self.read_field.as_ref()?,
            _ => &self.read,
        };
        Some(fill(template, entry, field.unwrap_or_default()))
    }

    /// The file that must exist for `entry` to be an entry (not a folder), if the backend
    /// declares one: `$VAR` from the environment or `defaults`, a leading `~` for home.
    pub fn entry_path(&self, entry: &str, home: Option<&Path>) -> Option<PathBuf> {
        let template = self.entry_file.as_ref()?;
        let mut out = String::new();
        let mut rest = template.as_str();
        while let Some(pos) = rest.find('$') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            let var = &after[..len];
            let value = std::env::var(var)
                .ok()
                .filter(|v| !v.is_empty())
                .or_else(|| self.defaults.get(var).cloned())
                .unwrap_or_default();
            out.push_str(&expand_home(&value, home));
            rest = &after[len..];
        }
        out.push_str(rest);
        Some(PathBuf::from(
            expand_home(&out, home).replace("{entry}", entry),
        ))
    }
}

/// A `store_env` value as the cache key holds it: hashed, a relative path first joined to the
/// current directory.
fn value_identity(var: &str, value: &str) -> String {
    if is_path_var(var) && Path::new(value).is_relative() {
        let bound = std::path::absolute(value)
            .map_or_else(|_| value.to_owned(), |p| p.display().to_string());
        return crate::cache::sha256_hex(bound.as_bytes());
    }
    crate::cache::sha256_hex(value.as_bytes())
}

/// Whether a `store_env` variable names a path, by the names tools give them
/// (`PASSWORD_STORE_DIR`, `LPASS_HOME`, `GOPASS_HOMEDIR`, `PASSAGE_IDENTITIES_FILE`).
fn is_path_var(var: &str) -> bool {
    ["_DIR", "_HOME", "_HOMEDIR", "_FILE"]
        .iter()
        .any(|suffix| var.ends_with(suffix))
}

fn expand_home(path: &str, home: Option<&Path>) -> String {
    match (path.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            format!("{}{rest}", home.display())
        }
        _ => path.to_owned(),
    }
}

pub fn fill(template: &[String], entry: &str, field: &str) -> Vec<String> {
    template
        .iter()
        .map(|a| a.replace("{entry}", entry).replace("{field}", field))
        .collect()
}

/// All backends: the built-in ones, then the user's files (which may replace one).
#[derive(Clone, Debug)]
pub struct Specs {
    specs: BTreeMap<String, Spec>,
}

impl Specs {
    /// Loads the built-in definitions and `dir/*.toml` if `dir` exists.
    pub fn load(dir: Option<&Path>) -> Result<Specs, SpecError> {
        let mut specs = BTreeMap::new();
        for (name, text) in BUILT_IN {
            let spec = Spec::parse(name, text, &format!("backends/{name}.toml (built in)"))?;
            specs.insert((*name).to_owned(), spec);
        }
        if let Some(dir) = dir {
            let Ok(listing) = std::fs::read_dir(dir) else {
                return Ok(Specs { specs });
            };
            // A file here decides which program runs for a scheme (even `pass`): it and its
            // directory must be the user's own, as ssh requires of ~/.ssh.
            crate::safe_file::check_dir(dir).map_err(|e| SpecError {
                path: dir.display().to_string(),
                problem: e.to_string(),
            })?;
            let mut paths: Vec<PathBuf> =
                listing.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for path in paths
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            {
                let shown = path.display().to_string();
                let name = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_owned();
                let reserved = ["op", "keyring", "env", "totp", "literal", "arn"];
                let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && name.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
                    });
                if !valid || reserved.contains(&name.as_str()) && name != "op" {
                    return Err(SpecError {
                        path: shown,
                        problem: format!(
                            "\"{name}\" cannot be a scheme name (use lowercase letters, digits, - and _; not {})",
                            reserved.join(", ")
                        ),
                    });
                }
                let text =
                    crate::safe_file::read_text(&path, MAX_SIZE, crate::safe_file::Check::Owner)
                        .map_err(|e| SpecError {
                            path: shown.clone(),
                            problem: e.to_string(),
                        })?;
                specs.insert(name.clone(), Spec::parse(&name, &text, &shown)?);
            }
        }
        Ok(Specs { specs })
    }

    pub fn get(&self, name: &str) -> Option<&Spec> {
        self.specs.get(name)
    }

    /// Every backend's name, built-in and the user's.
    pub fn names(&self) -> Vec<String> {
        self.specs.keys().cloned().collect()
    }

    /// Schemes that name a command-line backend (op has its own reference syntax).
    pub fn schemes(&self) -> Vec<String> {
        self.specs.keys().filter(|n| *n != "op").cloned().collect()
    }
}

#[cfg(test)]
mod tests;
