//! The one loader of what aws-auth reads from files before anything runs: profiles.toml, the
//! AWS config file, the backend definitions, and the home directory they are found from.
//! The flow and every command load through here, so the rules (which file, which checks,
//! when a broken AWS config file is only a warning) are written once.

use crate::error::Error;
use crate::secrets::backend::spec::Specs;
use crate::settings::aws_config::{self, AwsProfiles};
use crate::settings::config::{self, ConfigError, Profiles};
use crate::settings::profile::ProfileError;
use std::path::{Path, PathBuf};

/// The files, as read.
pub struct Files {
    pub home: Option<PathBuf>,
    pub profiles: Profiles,
    pub aws: Option<AwsProfiles>,
    pub specs: Specs,
}

impl Files {
    /// For one profile: profiles.toml must exist (keys come from it); an AWS config file that
    /// cannot be used (others can write it, it does not parse) fails only a profile that
    /// needs it, and is left out with a warning for a profile of profiles.toml.
    pub fn for_profile(config_flag: Option<&Path>, name: &str) -> Result<Files, Error> {
        let home = crate::passwd::home_dir();
        let profiles = Profiles::load(&config::path(config_flag, home.as_deref()))?;
        let aws = aws_config::load_for(name, &profiles, &aws_config::path(home.as_deref()))?;
        Files::with(home, profiles, aws)
    }

    /// Every profile, for a listing or a check of all of them: no profiles.toml is no
    /// profiles, and an AWS config file that cannot be used is left out with a warning.
    pub fn all(config_flag: Option<&Path>) -> Result<Files, Error> {
        let home = crate::passwd::home_dir();
        let profiles = Profiles::load_or_empty(&config::path(config_flag, home.as_deref()))?;
        let aws = match AwsProfiles::load(&aws_config::path(home.as_deref())) {
            Ok(aws) => aws,
            Err(e) => {
                crate::say!("aws-auth: warning: {e}; using profiles.toml alone");
                None
            }
        };
        Files::with(home, profiles, aws)
    }

    /// The files read, with the backend definitions of `home`.
    fn with(
        home: Option<PathBuf>,
        profiles: Profiles,
        aws: Option<AwsProfiles>,
    ) -> Result<Files, Error> {
        let specs = Specs::load(Some(&config::config_dir(home.as_deref()).join("backends")))
            .map_err(|e| Error::Profile(ProfileError::Backends(e)))?;
        Ok(Files {
            home,
            profiles,
            aws,
            specs,
        })
    }

    /// Profile `name` as a run uses it: from profiles.toml, the AWS config file, or both.
    pub fn profile(&self, name: &str) -> Result<aws_config::Resolved, ConfigError> {
        aws_config::resolve(name, &self.profiles, self.aws.as_ref())
    }

    /// Every profile name of both files, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.profiles.profiles.keys().cloned().collect();
        if let Some(aws) = &self.aws {
            names.extend(aws.profiles.keys().cloned());
        }
        names.sort();
        names.dedup();
        names
    }

    /// Where backend files of the user's own live.
    pub fn backends_dir(&self) -> PathBuf {
        config::config_dir(self.home.as_deref()).join("backends")
    }
}

/// Every profile name of profiles.toml (`--config`, else its default place) and of the AWS
/// config file, sorted; files that cannot be read add none (for completions and hints,
/// which never fail).
pub fn names(config_flag: Option<&Path>) -> Vec<String> {
    let home = crate::passwd::home_dir();
    let mut names: Vec<String> = Profiles::load(&config::path(config_flag, home.as_deref()))
        .map(|p| p.profiles.into_keys().collect())
        .unwrap_or_default();
    if let Ok(Some(aws)) = AwsProfiles::load(&aws_config::path(home.as_deref())) {
        names.extend(aws.profiles.into_keys());
    }
    names.sort();
    names.dedup();
    names
}
