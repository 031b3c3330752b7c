//! Everything one run is to do, resolved once before anything runs and never changed after:
//! the flags (checked), the profile as written (with its AWS config merge and role chain),
//! or the environment's keys, the cache's identity of what is asked for, the STS endpoint,
//! how to ask for a code, and the variables no child may inherit. Like ripgrep's `HiArgs`
//! from its parsed flags: every later stage reads this value, and a field that would be
//! "filled in later" belongs to `providers::resolve` instead.

use crate::cli::{FlowArgs, Target};
use crate::credentials::SourceCredentials;
use crate::error::Error;
use crate::secrets::backend::spec::Specs;
use crate::secrets::dialog::Prompt;
use crate::settings::config::{RawProfile, ViaRole};
use crate::settings::files::Files;
use crate::settings::scope::{self, Scope};
use crate::settings::validate::{self, ROLE_DURATION, SESSION_DURATION};
use crate::settings::{identity, profile};
use std::path::PathBuf;
use std::time::Duration;

/// The most `--min-ttl` may ask: the longest role session.
pub const MAX_MIN_TTL: u64 = 43_200;

/// Where the source keys come from.
pub enum Source {
    /// A profile, as written: nothing is read from its backends until a run needs it.
    Profile(Box<ProfileRun>),
    /// The standard AWS variables, read once.
    Env(SourceCredentials),
}

/// A profile as a run uses it.
pub struct ProfileRun {
    pub name: String,
    /// profiles.toml's definition merged with the AWS config file's.
    pub raw: RawProfile,
    /// The profile whose backend layout holds the keys (the end of a source_profile chain).
    pub keys_from: String,
    /// The chain's roles before the profile's own, from the keys on.
    pub via_roles: Vec<ViaRole>,
    /// The profiles file it was read from.
    pub file: PathBuf,
}

/// One run's settings.
pub struct RunSettings {
    /// The flags as parsed (each value checked).
    pub flags: FlowArgs,
    pub source: Source,
    pub timeout: Duration,
    pub min_ttl: u64,
    /// Whether the session cache is used (`--no-cache` or `AWS_AUTH_NO_CACHE` turn it off).
    pub cache: bool,
    /// `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL`, when set.
    pub sts_url: Option<String>,
    pub prompt: Prompt,
    /// Variables that hold a secret the profile reads with `env:`: no child inherits them
    /// (they are removed from the runner's children from the moment these settings exist).
    pub scrub: Vec<String>,
    /// What the role session is narrowed to and marked with (checked, the policy read).
    pub scope: Scope,
    /// What the credentials asked for are filed under in the cache.
    pub cache_key: String,
    /// The per-profile lock's name.
    pub lock_name: String,
    pub specs: Specs,
    pub home: Option<PathBuf>,
}

impl RunSettings {
    /// From the command line: the profile's files are read (not its backends).
    pub fn resolve(target: &Target, flags: &FlowArgs) -> Result<RunSettings, Error> {
        check_flags(flags)?;
        match &target.profile {
            Some(name) => {
                let files = Files::for_profile(target.file.config.as_deref(), name)?;
                RunSettings::for_profile(&files, name, flags)
            }
            None => {
                let home = crate::passwd::home_dir();
                let specs = crate::secrets::backend::spec::Specs::load(None)
                    .map_err(|e| Error::Profile(profile::ProfileError::Backends(e)))?;
                RunSettings::build(Source::Env(crate::env::source_keys()?), flags, specs, home)
            }
        }
    }

    /// Profile `name` of files already loaded (doctor checks each profile of one load).
    pub fn for_profile(files: &Files, name: &str, flags: &FlowArgs) -> Result<RunSettings, Error> {
        check_flags(flags)?;
        let found = files.profile(name)?;
        let run = ProfileRun {
            name: name.to_owned(),
            raw: found.raw,
            keys_from: found.keys_from,
            via_roles: found.via_roles,
            file: files.profiles.path.clone(),
        };
        // Known at once: the references are parsed and the plan made, nothing read.
        let wanted = profile::plan(
            &run.name,
            &run.raw,
            &run.keys_from,
            flags,
            false,
            &files.specs,
        )?;
        if profile::literal_secret(&wanted) {
            crate::say!(
                "aws-auth: warning: profile \"{name}\" keeps its secret_access_key as plain text in the profiles file; \
                 move it to a password manager (e.g. `aws-auth add --profile {name}`) and use a reference"
            );
        }
        RunSettings::build(
            Source::Profile(Box::new(run)),
            flags,
            files.specs.clone(),
            files.home.clone(),
        )
    }

    fn build(
        source: Source,
        flags: &FlowArgs,
        specs: Specs,
        home: Option<PathBuf>,
    ) -> Result<RunSettings, Error> {
        let sts_url = crate::env::endpoint_url(crate::env::STS_ENDPOINT)?;
        let scope = match &source {
            Source::Profile(p) => scope::resolve(
                &flags.scope,
                Some((&p.name, &p.raw, &p.file)),
                home.as_deref(),
            )?,
            Source::Env(_) => scope::resolve(&flags.scope, None, home.as_deref())?,
        };
        let (prompt, scrub) = match &source {
            Source::Profile(p) => (
                crate::env::prompt(p.raw.prompt.as_deref().map(|text| (p.name.as_str(), text)))?,
                profile::env_references(&p.raw)
                    .into_iter()
                    .filter_map(|(var, secret)| secret.then_some(var))
                    .collect(),
            ),
            Source::Env(_) => (crate::env::prompt(None)?, Vec::new()),
        };
        let prompt = if flags.no_prompt {
            Prompt::Never
        } else {
            prompt
        };
        // Nothing asks now, gpg's pinentry under a password manager included.
        if prompt == Prompt::Never {
            crate::secrets::process::turn_asking_off();
        }
        // From here on, no child of this process inherits a secret the profile reads from
        // the environment, whichever way the run goes (a cache hit runs no backend).
        for var in &scrub {
            crate::secrets::process::scrub(var);
        }
        let cache_key = identity::credentials_key(
            flags,
            &source,
            &scope,
            sts_url.as_deref(),
            &specs,
            home.as_deref(),
        );
        let lock_name = identity::lock_name(&source);
        Ok(RunSettings {
            flags: flags.clone(),
            timeout: Duration::from_secs(flags.limit.timeout),
            min_ttl: flags.min_ttl,
            cache: !flags.no_cache,
            sts_url,
            prompt,
            scrub,
            scope,
            cache_key,
            lock_name,
            source,
            specs,
            home,
        })
    }

    /// The profile named on the command line, if any.
    pub fn profile(&self) -> Option<&str> {
        match &self.source {
            Source::Profile(p) => Some(&p.name),
            Source::Env(_) => None,
        }
    }

    /// Whether no role can come of these settings: keys from the environment and no
    /// `--role-arn` (a profile's role may still be a line of its backend entry).
    pub fn has_no_role(&self) -> bool {
        matches!(self.source, Source::Env(_)) && self.flags.role_arn.is_none()
    }

    /// What the cache files this run's sessions under: the profile, or "" for keys from the
    /// environment.
    pub fn filed_under(&self) -> &str {
        self.profile().unwrap_or("")
    }
}

/// Every flag on its own, before anything is read: ranges and formats, each with its
/// own message.
pub fn check_flags(flags: &FlowArgs) -> Result<(), Error> {
    validate::timeout(flags.limit.timeout)?;
    if flags.min_ttl > MAX_MIN_TTL {
        return Err(Error::Usage(format!(
            "--min-ttl {} is out of range: at most {MAX_MIN_TTL} s (no session lasts longer)",
            flags.min_ttl
        )));
    }
    if let Some(serial) = &flags.serial_number {
        validate::serial_number(serial).map_err(|e| e.flag("--serial-number"))?;
    }
    if let Some(code) = &flags.token_code {
        use secrecy::ExposeSecret;
        validate::token_code(code.expose_secret()).map_err(|e| e.flag("--token-code"))?;
    }
    if let Some(role_arn) = &flags.role_arn {
        validate::role_arn(role_arn).map_err(|e| e.flag("--role-arn"))?;
    }
    if let Some(seconds) = flags.role_duration_seconds {
        validate::duration(
            "--role-duration-seconds",
            seconds,
            ROLE_DURATION,
            "AssumeRole",
        )?;
    }
    if let Some(seconds) = flags.session_duration_seconds {
        validate::duration(
            "--session-duration-seconds",
            seconds,
            SESSION_DURATION,
            "GetSessionToken",
        )?;
    }
    if let Some(name) = &flags.role_session_name {
        validate::session_name(name).map_err(|e| e.flag("--role-session-name"))?;
    }
    if let Some(id) = &flags.external_id {
        validate::external_id(id).map_err(|e| e.flag("--external-id"))?;
    }
    if let Some(region) = &flags.region {
        validate::region(region).map_err(|e| e.flag("--region"))?;
    }
    Ok(())
}
