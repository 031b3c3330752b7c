//! profiles.toml, read as written (stage one of two; `profile` resolves it): where it is,
//! its raw profiles, and errors that point at a line and column without quoting the file
//! (a malformed line may hold a secret).

use crate::safe_file::{self, FileError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The largest profiles.toml read (a real one is a few kilobytes).
pub const MAX_SIZE: u64 = 1024 * 1024;

/// One `[profiles.NAME]` table, unresolved: strings are literals or references. `Debug`
/// hides the fields that may hold a literal secret.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    pub backend: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub mfa_serial: Option<String>,
    pub role_arn: Option<String>,
    pub mfa_code: Option<String>,
    pub role_duration_seconds: Option<u64>,
    pub session_duration_seconds: Option<u64>,
    pub role_session_name: Option<String>,
    pub external_id: Option<String>,
    pub region: Option<String>,
    /// How the MFA code is asked when it must be: auto, terminal, zenity, kdialog, osascript.
    pub prompt: Option<String>,
    /// The scope of the profile's role sessions (`settings::scope`): an inline session
    /// policy as JSON text, or the path of a file that holds one.
    pub policy: Option<String>,
    pub policy_file: Option<String>,
    pub policy_arns: Option<Vec<String>>,
    pub read_only: Option<bool>,
    pub source_identity: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub transitive_tags: Option<Vec<String>>,
}

impl RawProfile {
    /// Takes `from`'s scope fields, all of them: a profile's scope is its own, never one
    /// inherited along a source_profile chain.
    pub fn take_scope(&mut self, from: &RawProfile) {
        self.policy.clone_from(&from.policy);
        self.policy_file.clone_from(&from.policy_file);
        self.policy_arns.clone_from(&from.policy_arns);
        self.read_only = from.read_only;
        self.source_identity.clone_from(&from.source_identity);
        self.tags.clone_from(&from.tags);
        self.transitive_tags.clone_from(&from.transitive_tags);
    }
}

/// A role assumed on the way to a profile's own: that of a profile of its `source_profile`
/// chain, with the settings of that profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ViaRole {
    /// The profile whose role it is, for messages.
    pub profile: String,
    pub role_arn: String,
    pub external_id: Option<String>,
    pub role_session_name: Option<String>,
}

impl std::fmt::Debug for RawProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "[REDACTED]");
        f.debug_struct("RawProfile")
            .field("backend", &self.backend)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &hidden(&self.secret_access_key))
            .field("mfa_serial", &self.mfa_serial)
            .field("role_arn", &self.role_arn)
            .field("mfa_code", &hidden(&self.mfa_code))
            .field("role_duration_seconds", &self.role_duration_seconds)
            .field("session_duration_seconds", &self.session_duration_seconds)
            .field("role_session_name", &self.role_session_name)
            .field("external_id", &self.external_id)
            .field("region", &self.region)
            .field("prompt", &self.prompt)
            .field("policy", &self.policy)
            .field("policy_file", &self.policy_file)
            .field("policy_arns", &self.policy_arns)
            .field("read_only", &self.read_only)
            .field("source_identity", &self.source_identity)
            .field("tags", &self.tags)
            .field("transitive_tags", &self.transitive_tags)
            .finish()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    profiles: BTreeMap<String, RawProfile>,
}

/// The profiles of one file.
#[derive(Debug)]
pub struct Profiles {
    pub path: PathBuf,
    pub profiles: BTreeMap<String, RawProfile>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no profiles file at {path}: add a profile with `aws-auth add --profile NAME` (keys typed or piped), or \
         `aws-auth import --profile NAME` (keys moved out of ~/.aws/credentials); `aws-auth profiles --example` \
         prints a commented example of every setting"
    )]
    Missing { path: PathBuf },
    #[error("profiles file: {0}")]
    Unsafe(FileError),
    #[error("{path}: {problem}")]
    AwsConfig { path: PathBuf, problem: String },
    #[error("{path}, line {line}, column {column}: {message}")]
    Malformed {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("profile name \"{name}\" {why}: use letters, digits and . _ - @ + only")]
    BadName { name: String, why: &'static str },
    #[error("no profile \"{name}\" in {path}; {}", known_list(.known))]
    UnknownProfile {
        name: String,
        path: PathBuf,
        known: Vec<String>,
    },
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        "it defines none yet (add one with `aws-auth add --profile NAME`)".to_owned()
    } else {
        format!("known profiles: {}", known.join(", "))
    }
}

/// `--config`, else `$AWS_AUTH_CONFIG`, else `$XDG_CONFIG_HOME/aws-auth/profiles.toml`,
/// else `~/.config/aws-auth/profiles.toml`.
pub fn path(flag: Option<&Path>, home: Option<&Path>) -> PathBuf {
    if let Some(path) = flag {
        return path.to_owned();
    }
    if let Some(path) = crate::env::var("AWS_AUTH_CONFIG") {
        return PathBuf::from(path);
    }
    config_dir(home).join("profiles.toml")
}

/// `$XDG_CONFIG_HOME/aws-auth`, else `~/.config/aws-auth`.
pub fn config_dir(home: Option<&Path>) -> PathBuf {
    match crate::env::var("XDG_CONFIG_HOME") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir).join("aws-auth"),
        _ => home
            .unwrap_or(Path::new("/"))
            .join(".config")
            .join("aws-auth"),
    }
}

/// A profile name becomes part of entry paths (`pass:aws-auth/NAME`, the op item
/// `aws-auth-NAME`, keyring accounts `NAME/...`) and of argv: it must not be able to reach
/// another entry (`/`, `..`), pick a field (`#`), look like an option (`-x`), or carry
/// control characters.
pub fn check_name(name: &str) -> Result<(), ConfigError> {
    let bad = |why| {
        Err(ConfigError::BadName {
            name: name.to_owned(),
            why,
        })
    };
    if name.is_empty() {
        return bad("is empty");
    }
    if name.starts_with('-') {
        return bad("starts with '-'");
    }
    if name.contains("..") {
        return bad("contains '..'");
    }
    if name.len() > 64 {
        return bad("is longer than 64 characters");
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || "._-@+".contains(c))
    {
        return bad(
            "contains a character that is not allowed (such as / # : a space or a control character)",
        );
    }
    Ok(())
}

/// profiles.toml with every key documented, as `aws-auth profiles --example` prints it.
pub const EXAMPLE: &str = include_str!("../../profiles.example.toml");

impl Profiles {
    /// `load`, with a file that does not exist read as one without profiles (a user whose
    /// profiles are all in ~/.aws/config).
    pub fn load_or_empty(path: &Path) -> Result<Profiles, ConfigError> {
        match Profiles::load(path) {
            Err(ConfigError::Missing { .. }) => Ok(Profiles {
                path: path.to_owned(),
                profiles: BTreeMap::new(),
            }),
            other => other,
        }
    }

    /// Reads and parses the file: a regular file of at most `MAX_SIZE` bytes that only the
    /// user (or root) can have written.
    pub fn load(path: &Path) -> Result<Profiles, ConfigError> {
        let text = match safe_file::read_text(path, MAX_SIZE, safe_file::Check::Owner) {
            Ok(text) => text,
            Err(FileError::Missing(_)) => {
                return Err(ConfigError::Missing {
                    path: path.to_owned(),
                });
            }
            Err(e) => return Err(ConfigError::Unsafe(e)),
        };
        Profiles::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Profiles, ConfigError> {
        let file: File = toml::from_str(text).map_err(|e| {
            let at = crate::toml_error::describe(text, &e);
            ConfigError::Malformed {
                path: path.to_owned(),
                line: at.line,
                column: at.column,
                message: at.message,
            }
        })?;
        Ok(Profiles {
            path: path.to_owned(),
            profiles: file.profiles,
        })
    }

    pub fn get(&self, name: &str) -> Result<&RawProfile, ConfigError> {
        check_name(name)?;
        self.profiles
            .get(name)
            .ok_or_else(|| ConfigError::UnknownProfile {
                name: name.to_owned(),
                path: self.path.clone(),
                known: self.profiles.keys().cloned().collect(),
            })
    }
}

#[cfg(test)]
mod tests;
