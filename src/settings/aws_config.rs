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
                        "profile {} has no keys: it must be in profiles.toml (keys always come from a password \
                         manager; run `aws-auth add --profile {}`), or name one there with source_profile",
                        chain.last().map_or(name, String::as_str),
                        chain.last().map_or(name, String::as_str)
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
mod tests {
    use super::*;

    fn toml(text: &str) -> Profiles {
        Profiles::parse(text, Path::new("profiles.toml")).unwrap()
    }

    fn aws(text: &str) -> AwsProfiles {
        AwsProfiles::parse(text, Path::new("config")).unwrap()
    }

    const CONFIG: &str = "[default]\nregion = us-east-1\n\n# comment\n[profile prod]\nrole_arn = arn:aws:iam::123456789012:role/prod\n\
        source_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nregion = eu-west-1\n\
        duration_seconds = 1800\nrole_session_name = alice-prod\nexternal_id = ext-1\n\n\
        [profile hop]\nsource_profile = prod2\n[profile prod2]\nsource_profile = base\n\
        [profile loop-a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop-b\n[profile loop-b]\nsource_profile = loop-a\n\
        [profile orphan]\nrole_arn = arn:aws:iam::1:role/o\nsource_profile = nowhere\n\
        [profile both]\nrole_arn = arn:aws:iam::123456789012:role/both\nregion = ap-south-1\n";

    #[test]
    fn the_sdk_parser_reads_profiles_and_default() {
        let a = aws(CONFIG);
        assert_eq!(a.profiles["default"].region.as_deref(), Some("us-east-1"));
        let prod = &a.profiles["prod"];
        assert_eq!(prod.source_profile.as_deref(), Some("base"));
        assert_eq!(prod.duration_seconds.as_deref(), Some("1800"));
        assert_eq!(prod.external_id.as_deref(), Some("ext-1"));
    }

    #[test]
    fn a_config_profile_takes_its_keys_from_the_end_of_its_chain() {
        let t = toml("[profiles.base]\nbackend = \"pass\"\nregion = \"us-west-2\"\n");
        let a = aws(CONFIG);
        let r = resolve("prod", &t, Some(&a)).unwrap();
        assert_eq!(r.keys_from, "base");
        assert_eq!(r.raw.backend.as_deref(), Some("pass"));
        assert_eq!(
            r.raw.role_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/prod")
        );
        assert_eq!(
            r.raw.mfa_serial.as_deref(),
            Some("arn:aws:iam::123456789012:mfa/alice")
        );
        assert_eq!(r.raw.region.as_deref(), Some("eu-west-1"));
        assert_eq!(r.raw.role_duration_seconds, Some(1800));
        assert_eq!(r.raw.role_session_name.as_deref(), Some("alice-prod"));
        assert_eq!(r.raw.external_id.as_deref(), Some("ext-1"));
        // Two hops of source_profile without roles end at the same keys.
        assert_eq!(resolve("hop", &t, Some(&a)).unwrap().keys_from, "base");
    }

    #[test]
    fn loops_orphans_and_keyless_ends_are_named() {
        let t = toml("[profiles.base]\nbackend = \"pass\"\n");
        let a = aws(CONFIG);
        let err = resolve("loop-a", &t, Some(&a)).unwrap_err().to_string();
        assert!(err.contains("loops: loop-a -> loop-b -> loop-a"), "{err}");
        let err = resolve("orphan", &t, Some(&a)).unwrap_err().to_string();
        assert!(
            err.contains("source_profile nowhere is in neither"),
            "{err}"
        );
        let err = resolve("both", &t, Some(&a)).unwrap_err().to_string();
        assert!(
            err.contains("has no keys") && err.contains("aws-auth add --profile both"),
            "{err}"
        );
        let err = resolve("nope", &t, Some(&a)).unwrap_err();
        assert!(
            matches!(err, ConfigError::UnknownProfile { ref known, .. } if known.contains(&"prod".to_owned()) && known.contains(&"base".to_owned())),
            "{err}"
        );
    }

    #[test]
    fn a_name_in_both_files_merges_with_profiles_toml_winning() {
        let t = toml("[profiles.both]\nbackend = \"pass\"\nregion = \"eu-central-1\"\n");
        let a = aws(CONFIG);
        let r = resolve("both", &t, Some(&a)).unwrap();
        assert_eq!(r.keys_from, "both");
        assert_eq!(
            r.raw.region.as_deref(),
            Some("eu-central-1"),
            "profiles.toml wins"
        );
        assert_eq!(
            r.raw.role_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/both"),
            "the config fills the rest"
        );
    }

    #[test]
    fn the_roles_of_a_chain_are_assumed_in_turn_from_the_keys_on() {
        let t = toml(
            "[profiles.base]\nbackend = \"pass\"\nrole_arn = \"arn:aws:iam::1:role/base\"\nexternal_id = \"base-ext\"\n",
        );
        let config = format!(
            "{CONFIG}[profile jump]\nrole_arn = arn:aws:iam::1:role/jump\nsource_profile = base\n\
             role_session_name = jumper\nexternal_id = jump-ext\n\
             [profile target]\nrole_arn = arn:aws:iam::2:role/target\nsource_profile = jump\n\
             [profile via-jump]\nsource_profile = jump\nregion = eu-north-1\n"
        );
        let a = aws(&config);
        // prod's role over base's own.
        let r = resolve("prod", &t, Some(&a)).unwrap();
        assert_eq!(
            r.raw.role_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/prod")
        );
        assert_eq!(r.raw.external_id.as_deref(), Some("ext-1"));
        assert_eq!(
            r.via_roles,
            [ViaRole {
                profile: "base".into(),
                role_arn: "arn:aws:iam::1:role/base".into(),
                external_id: Some("base-ext".into()),
                role_session_name: None,
            }]
        );
        // Three roles: base's, jump's, then target's own; each hop keeps its own settings,
        // and the last role takes none of theirs.
        let r = resolve("target", &t, Some(&a)).unwrap();
        assert_eq!(r.keys_from, "base");
        assert_eq!(
            r.raw.role_arn.as_deref(),
            Some("arn:aws:iam::2:role/target")
        );
        assert_eq!(r.raw.external_id, None);
        assert_eq!(r.raw.role_session_name, None);
        let hops: Vec<(&str, &str, Option<&str>)> = r
            .via_roles
            .iter()
            .map(|v| {
                (
                    v.profile.as_str(),
                    v.role_arn.as_str(),
                    v.external_id.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            hops,
            [
                ("base", "arn:aws:iam::1:role/base", Some("base-ext")),
                ("jump", "arn:aws:iam::1:role/jump", Some("jump-ext")),
            ]
        );
        assert_eq!(r.via_roles[1].role_session_name.as_deref(), Some("jumper"));
        // A profile without a role of its own takes the nearest role of its chain.
        let r = resolve("via-jump", &t, Some(&a)).unwrap();
        assert_eq!(r.raw.role_arn.as_deref(), Some("arn:aws:iam::1:role/jump"));
        assert_eq!(r.raw.role_session_name.as_deref(), Some("jumper"));
        assert_eq!(r.raw.external_id.as_deref(), Some("jump-ext"));
        assert_eq!(r.raw.region.as_deref(), Some("eu-north-1"));
        assert_eq!(r.via_roles.len(), 1);
        assert_eq!(r.via_roles[0].profile, "base");
        // base itself: its own role, no chain.
        let r = resolve("base", &t, Some(&a)).unwrap();
        assert!(r.via_roles.is_empty());
        assert_eq!(r.raw.role_arn.as_deref(), Some("arn:aws:iam::1:role/base"));
    }

    #[test]
    fn without_a_config_file_profiles_toml_alone_answers() {
        let t = toml("[profiles.base]\nbackend = \"pass\"\n");
        assert_eq!(resolve("base", &t, None).unwrap().keys_from, "base");
        assert!(matches!(
            resolve("prod", &t, None),
            Err(ConfigError::UnknownProfile { .. })
        ));
    }

    #[test]
    fn any_key_field_in_profiles_toml_makes_the_profile_its_own_source() {
        let a = aws("[profile half]\nsource_profile = base\nregion = eu-west-1\n");
        for fields in [
            "backend = \"pass\"",
            "access_key_id = \"pass:x#id\"",
            "secret_access_key = \"pass:x\"",
        ] {
            let t = toml(&format!(
                "[profiles.base]\nbackend = \"pass\"\n[profiles.half]\n{fields}\n"
            ));
            assert_eq!(
                resolve("half", &t, Some(&a)).unwrap().keys_from,
                "half",
                "{fields}"
            );
        }
        let t = toml("[profiles.base]\nbackend = \"pass\"\n[profiles.half]\nregion = \"x\"\n");
        assert_eq!(resolve("half", &t, Some(&a)).unwrap().keys_from, "base");
    }

    #[test]
    fn a_config_file_up_to_a_mebibyte_is_read_and_a_larger_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        // Long comments, as a config file grown over the years has.
        let comments = "# ".to_owned() + &"x".repeat(98) + "\n";
        let body = "[profile big]\nregion = eu-west-1\n";
        let fill = |size: usize| {
            let mut text = body.to_owned();
            while text.len() + comments.len() <= size {
                text.push_str(&comments);
            }
            text.push_str(&"#".repeat(size - text.len()));
            text
        };
        std::fs::write(&path, fill(1024 * 1024)).unwrap();
        let loaded = AwsProfiles::load(&path).unwrap().unwrap();
        assert_eq!(loaded.profiles["big"].region.as_deref(), Some("eu-west-1"));
        std::fs::write(&path, fill(1024 * 1024 + 1)).unwrap();
        assert!(AwsProfiles::load(&path).is_err());
    }
}
