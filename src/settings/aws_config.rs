//! Profiles of the AWS config file (`AWS_CONFIG_FILE`, else ~/.aws/config), parsed with the
//! AWS SDK's own profile-file parser, and how one becomes an aws-auth profile: its role
//! settings (`role_arn`, `mfa_serial`, `region`, `duration_seconds`, `role_session_name`,
//! `external_id`) over the keys of the profile its `source_profile` chain ends in, which
//! profiles.toml must define (keys always come from a password manager, never from
//! ~/.aws/credentials). The roles of the chain's other profiles are assumed in turn before
//! the profile's own (role chaining, as the AWS CLI does). A name in both files merges field
//! by field, profiles.toml winning.
//! Read only when a profile is asked for; never for a cache-less listing of profiles.toml.

use crate::safe_file::{self, FileError};
use crate::settings::config::{ConfigError, Profiles, RawProfile, ViaRole};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_runtime::env_config::section::EnvConfigSections;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The largest AWS config file read.
const MAX_SIZE: u64 = 1024 * 1024;

/// The settings of one `[profile NAME]` (or `[default]`) that aws-auth reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwsProfile {
    pub role_arn: Option<String>,
    pub source_profile: Option<String>,
    pub mfa_serial: Option<String>,
    pub region: Option<String>,
    pub duration_seconds: Option<String>,
    pub role_session_name: Option<String>,
    pub external_id: Option<String>,
}

/// The profiles of one AWS config file.
#[derive(Debug)]
pub struct AwsProfiles {
    pub path: PathBuf,
    pub profiles: BTreeMap<String, AwsProfile>,
}

/// `AWS_CONFIG_FILE`, else ~/.aws/config.
pub fn path(home: Option<&Path>) -> PathBuf {
    match crate::env::var("AWS_CONFIG_FILE") {
        Some(path) => PathBuf::from(path),
        None => home.unwrap_or(Path::new("/")).join(".aws").join("config"),
    }
}

impl AwsProfiles {
    /// The file's profiles; `None` when there is no file.
    pub fn load(path: &Path) -> Result<Option<AwsProfiles>, ConfigError> {
        let text = match safe_file::read_text(path, MAX_SIZE, safe_file::Check::Owner) {
            Ok(text) => text,
            Err(FileError::Missing(_)) => return Ok(None),
            Err(e) => return Err(ConfigError::Unsafe(e)),
        };
        AwsProfiles::parse(&text, path).map(Some)
    }

    /// Parses the text of a config file with the SDK's parser.
    pub fn parse(text: &str, path: &Path) -> Result<AwsProfiles, ConfigError> {
        let files = EnvConfigFiles::builder()
            .with_contents(EnvConfigFileKind::Config, text.to_owned())
            .build();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| ConfigError::AwsConfig {
                path: path.to_owned(),
                problem: e.to_string(),
            })?;
        let env = aws_types::os_shim_internal::Env::from_slice(&[]);
        let fs = aws_types::os_shim_internal::Fs::from_slice(&[]);
        let sections = runtime
            .block_on(aws_runtime::env_config::source::load(&env, &fs, &files))
            .map_err(|e| ConfigError::AwsConfig {
                path: path.to_owned(),
                problem: e.to_string(),
            })
            .and_then(|source| {
                EnvConfigSections::parse(source).map_err(|e| ConfigError::AwsConfig {
                    path: path.to_owned(),
                    // The parser's message names the line and what it expected; it quotes
                    // no value of a property.
                    problem: e.to_string(),
                })
            })?;
        let profiles = sections
            .profiles()
            .filter_map(|name| {
                let p = sections.get_profile(name)?;
                let get = |key: &str| p.get(key).map(str::to_owned);
                Some((
                    name.to_owned(),
                    AwsProfile {
                        role_arn: get("role_arn"),
                        source_profile: get("source_profile"),
                        mfa_serial: get("mfa_serial"),
                        region: get("region"),
                        duration_seconds: get("duration_seconds"),
                        role_session_name: get("role_session_name"),
                        external_id: get("external_id"),
                    },
                ))
            })
            .collect();
        Ok(AwsProfiles {
            path: path.to_owned(),
            profiles,
        })
    }
}

/// The AWS config file for a run of profile `name`: when the profile is in profiles.toml, a
/// config file that cannot be used (unsafe permissions, malformed) is left out with a
/// warning instead of failing a profile that does not need it.
pub fn load_for(
    name: &str,
    toml: &Profiles,
    path: &Path,
) -> Result<Option<AwsProfiles>, ConfigError> {
    match AwsProfiles::load(path) {
        Ok(aws) => Ok(aws),
        Err(e) if toml.profiles.contains_key(name) => {
            crate::say!(
                "aws-auth: warning: {e}; profile \"{name}\" is read from profiles.toml alone"
            );
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// A profile as a run uses it: the merged definition, and whose keys (whose default layout)
/// it reads.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub raw: RawProfile,
    /// The profiles.toml profile the keys come from (the requested one, or the end of its
    /// `source_profile` chain): its backend's default layout is read under this name.
    pub keys_from: String,
    /// The roles the `source_profile` chain assumes before the profile's own, in order from
    /// the keys on (role chaining).
    pub via_roles: Vec<ViaRole>,
}

/// `name` from profiles.toml, the AWS config file, or both (merged, profiles.toml winning
/// field by field). `aws` is loaded by the caller, and only when needed.
pub fn resolve(
    name: &str,
    toml: &Profiles,
    aws: Option<&AwsProfiles>,
) -> Result<Resolved, ConfigError> {
    crate::settings::config::check_name(name)?;
    let own = toml.profiles.get(name);
    let Some((aws_file, section)) = aws.and_then(|a| a.profiles.get(name).map(|p| (a, p))) else {
        return match own {
            Some(raw) => Ok(Resolved {
                raw: raw.clone(),
                keys_from: name.to_owned(),
                via_roles: Vec::new(),
            }),
            None => Err(unknown(name, toml, aws)),
        };
    };
    let aws = aws_file;
    let path = aws.path.clone();
    let bad = |problem: String| ConfigError::AwsConfig {
        path: path.clone(),
        problem,
    };
    // Whose keys: the profile's own, when profiles.toml gives it keys; else the end of its
    // source_profile chain.
    let has_keys = |raw: &RawProfile| {
        raw.backend.is_some() || raw.access_key_id.is_some() || raw.secret_access_key.is_some()
    };
    // The roles of the chain's other profiles, nearest first: each is assumed in turn
    // (role chaining), as the AWS CLI does.
    let mut chained: Vec<ViaRole> = Vec::new();
    // The MFA device of the nearest profile of the chain that names one: the code goes with
    // the first call from the keys, whichever profile's role that is.
    let mut chain_mfa: Option<String> = None;
    let via = |profile: &str,
               role: &Option<String>,
               external_id: &Option<String>,
               session: &Option<String>| {
        role.as_ref().map(|role_arn| ViaRole {
            profile: profile.to_owned(),
            role_arn: role_arn.clone(),
            external_id: external_id.clone(),
            role_session_name: session.clone(),
        })
    };
    let (keys_from, base) = match own.filter(|raw| has_keys(raw)) {
        Some(raw) => (name.to_owned(), raw.clone()),
        None => {
            let mut chain = vec![name.to_owned()];
            let mut current = section;
            loop {
                let Some(next) = current.source_profile.clone() else {
                    return Err(bad(format!(
                        "profile {last} has no keys: it must be in profiles.toml (keys always come from a password \
                         manager; run `aws-auth add --profile {last}`, or `aws-auth import --profile {last}` to move \
                         its keys out of ~/.aws/credentials), or name one there with source_profile",
                        last = chain.last().map_or(name, String::as_str)
                    )));
                };
                if chain.contains(&next) {
                    chain.push(next);
                    return Err(bad(format!("source_profile loops: {}", chain.join(" -> "))));
                }
                chain.push(next.clone());
                if let Some(raw) = toml.profiles.get(&next).filter(|raw| has_keys(raw)) {
                    let section = aws.profiles.get(&next);
                    let pick = |toml: &Option<String>, aws: Option<&Option<String>>| {
                        toml.clone().or_else(|| aws.cloned().flatten())
                    };
                    chained.extend(via(
                        &next,
                        &pick(&raw.role_arn, section.map(|s| &s.role_arn)),
                        &pick(&raw.external_id, section.map(|s| &s.external_id)),
                        &pick(
                            &raw.role_session_name,
                            section.map(|s| &s.role_session_name),
                        ),
                    ));
                    break (next, raw.clone());
                }
                match aws.profiles.get(&next) {
                    Some(p) => {
                        chained.extend(via(
                            &next,
                            &p.role_arn,
                            &p.external_id,
                            &p.role_session_name,
                        ));
                        chain_mfa = chain_mfa.or(p.mfa_serial.clone());
                        current = p;
                    }
                    None => {
                        return Err(bad(format!(
                            "profile {name}: source_profile {next} is in neither profiles.toml nor {}",
                            aws.path.display()
                        )));
                    }
                }
            }
        }
    };
    let mut raw = base;
    // The requested profile's own settings in profiles.toml win over the config file's.
    let mine = own.cloned().unwrap_or_default();
    let pick = |toml: &Option<String>, aws: &Option<String>| toml.clone().or_else(|| aws.clone());
    raw.mfa_serial = pick(&mine.mfa_serial, &section.mfa_serial)
        .or(chain_mfa)
        .or(raw.mfa_serial.clone());
    raw.region = pick(&mine.region, &section.region).or(raw.region.clone());
    match pick(&mine.role_arn, &section.role_arn) {
        // The profile's own role, reached through the chain's roles (if any).
        Some(role_arn) => {
            raw.role_arn = Some(role_arn);
            raw.role_session_name = pick(&mine.role_session_name, &section.role_session_name).or(
                if chained.is_empty() {
                    raw.role_session_name.clone()
                } else {
                    None
                },
            );
            raw.external_id = pick(&mine.external_id, &section.external_id);
        }
        // No role of its own: the nearest role of the chain is the profile's role.
        None if !chained.is_empty() => {
            let nearest = chained.remove(0);
            raw.role_arn = Some(nearest.role_arn);
            raw.role_session_name = pick(&mine.role_session_name, &section.role_session_name)
                .or(nearest.role_session_name);
            raw.external_id = nearest.external_id;
        }
        None => {
            raw.role_arn = None;
            raw.role_session_name = pick(&mine.role_session_name, &section.role_session_name)
                .or(raw.role_session_name.clone());
            raw.external_id =
                pick(&mine.external_id, &section.external_id).or(raw.external_id.clone());
        }
    }
    chained.reverse();
    raw.take_scope(&mine);
    raw.prompt = mine.prompt.or(raw.prompt);
    raw.mfa_code = mine.mfa_code.or(raw.mfa_code);
    raw.role_duration_seconds = match (mine.role_duration_seconds, &section.duration_seconds) {
        (Some(seconds), _) => Some(seconds),
        (None, Some(text)) => Some(text.trim().parse::<u64>().map_err(|_| {
            bad(format!(
                "profile {name}: duration_seconds is not a number of seconds"
            ))
        })?),
        (None, None) => raw.role_duration_seconds,
    };
    Ok(Resolved {
        raw,
        keys_from,
        via_roles: chained,
    })
}

fn unknown(name: &str, toml: &Profiles, aws: Option<&AwsProfiles>) -> ConfigError {
    let mut known: Vec<String> = toml.profiles.keys().cloned().collect();
    if let Some(aws) = aws {
        known.extend(aws.profiles.keys().cloned());
    }
    known.sort();
    known.dedup();
    ConfigError::UnknownProfile {
        name: name.to_owned(),
        path: match aws {
            Some(aws) => {
                PathBuf::from(format!("{} or {}", toml.path.display(), aws.path.display()))
            }
            None => toml.path.clone(),
        },
        known,
    }
}

#[cfg(test)]
mod tests;
