//! A run's settings with the profile's references read: the source keys (and where they
//! came from), the MFA device and where its code comes from, the roles to assume in order,
//! the durations and the region. Flags win; the profile fills what they leave out; every
//! value read from a backend is checked and never echoed in an error. Done only when a run
//! needs it: on a cache miss, or by doctor and rotate, which need the keys themselves.

use super::assume_role::RoleStep;
use super::code::{Asker, CodeSource, DeferredCode};
use super::gather::gather;
use super::values::{Values, deferrable, fill};
use crate::credentials::SourceCredentials;
use crate::error::Error;
use crate::secrets::totp::Totp;
use crate::settings::config::ViaRole;
use crate::settings::profile::{self, NO_DEVICE, ProfileError};
use crate::settings::run::{ProfileRun, RunSettings, Source};
use crate::settings::scope::Scope;
use crate::settings::session_name;
use crate::settings::validate::{self, CHAINED_ROLE_MAX};
use secrecy::SecretString;

/// A run, ready to ask STS.
pub struct Resolved {
    pub source: SourceCredentials,
    pub serial: Option<String>,
    pub code: CodeSource,
    /// The roles to assume in turn (the profile's own last); none: GetSessionToken.
    pub roles: Vec<RoleStep>,
    /// GetSessionToken's duration, when given.
    pub session_duration: Option<u64>,
    /// The region given by flag or profile: handed on with the credentials.
    pub region: Option<String>,
    /// Where STS is asked: the given region, else the environment's, else us-east-1.
    pub sts_region: String,
    /// A scope given with no role to carry it: GetSessionToken takes none (an error), and
    /// only `login`'s GetFederationToken can take part of it.
    pub roleless_scope: Option<Scope>,
}

impl Resolved {
    /// Reads the profile's references (or takes the environment's keys) and checks how the
    /// values go together. `given`: the code of `--token-code`, when it is still unspent.
    pub fn read(settings: &RunSettings, given: Option<SecretString>) -> Result<Resolved, Error> {
        let asker = |profile: Option<&str>| Asker {
            prompt: settings.prompt,
            profile: profile.map(str::to_owned),
            limit: settings.timeout,
        };
        match &settings.source {
            Source::Env(keys) => {
                let values = Values::of_flags(&settings.flags, given);
                let asker = asker(None);
                assemble(values, &[], keys.clone(), &settings.scope, |code| {
                    CodeSource::pick(None, code, None, asker)
                })
            }
            Source::Profile(p) => {
                let (source, values, totp, deferred) = read_profile(p, settings, given)?;
                // A --role-arn replaces the chain: that role is assumed from the keys.
                let via = if settings.flags.role_arn.is_some() {
                    &[][..]
                } else {
                    &p.via_roles[..]
                };
                let asker = asker(Some(&p.name));
                assemble(values, via, source, &settings.scope, |code| {
                    CodeSource::pick(totp, code, deferred, asker)
                })
            }
        }
    }

    /// A run of `flags` (and the roles `via` before theirs) from `source`, with `code`:
    /// how the tests build runs without a profile to read.
    #[cfg(test)]
    pub(crate) fn from_flags(
        flags: &crate::cli::FlowArgs,
        via: &[ViaRole],
        source: SourceCredentials,
        code: CodeSource,
    ) -> Result<Resolved, Error> {
        let values = Values::of_flags(flags, flags.token_code.clone());
        let scope = crate::settings::scope::resolve(&flags.scope, None, None)?;
        assemble(values, via, source, &scope, |_| code)
    }
}

/// The merged values checked together and made into a run, `scope` on its last role; `code`
/// makes the code source from the code in hand, if any.
fn assemble(
    values: Values,
    via: &[ViaRole],
    source: SourceCredentials,
    scope: &Scope,
    code: impl FnOnce(Option<SecretString>) -> CodeSource,
) -> Result<Resolved, Error> {
    check_combination(&values, via, source.session_token.is_some())?;
    let sts_region = crate::env::region(
        values
            .region
            .as_deref()
            .map(|region| (values.region_from, region)),
    )?;
    let default_name = || session_name::fallback(crate::env::var, session_name::account_name);
    let mut roles: Vec<RoleStep> = via
        .iter()
        .map(|v| RoleStep {
            role_arn: v.role_arn.clone(),
            session_name: v.role_session_name.clone().unwrap_or_else(default_name),
            duration_seconds: None,
            external_id: v.external_id.clone(),
            scope: None,
        })
        .collect();
    if let Some(role_arn) = &values.role_arn {
        roles.push(RoleStep {
            role_arn: role_arn.clone(),
            session_name: values.session_name.clone().unwrap_or_else(default_name),
            duration_seconds: values.role_duration,
            external_id: values.external_id.clone(),
            scope: None,
        });
    }
    // The session handed out is the last role's: the scope narrows and marks that one.
    let scope = (!scope.is_empty()).then(|| scope.clone());
    if let Some(scope) = &scope {
        scope.check_size(crate::sts::partition(&sts_region))?;
    }
    let roleless_scope = match roles.last_mut() {
        Some(last) => {
            if let Some(scope) = &scope {
                scope.check_accounts(&last.role_arn)?;
            }
            last.scope = scope;
            None
        }
        None => scope,
    };
    Ok(Resolved {
        source,
        serial: values.serial,
        code: code(values.code),
        roles,
        session_duration: values.session_duration,
        region: values.region,
        sts_region,
        roleless_scope,
    })
}

type Read = (
    SourceCredentials,
    Values,
    Option<Totp>,
    Option<DeferredCode>,
);

/// The profile's planned references, read (all at once) and checked; an MFA code a backend
/// gives fresh each time is left to be read when a call carries it.
fn read_profile(
    p: &ProfileRun,
    settings: &RunSettings,
    given: Option<SecretString>,
) -> Result<Read, Error> {
    let specs = &settings.specs;
    let mut wanted = profile::plan(
        &p.name,
        &p.raw,
        &p.keys_from,
        &settings.flags,
        given.is_some(),
        specs,
    )?;
    let deferred = wanted
        .iter()
        .position(|w| deferrable(w, &wanted, specs))
        .map(|at| wanted.remove(at));
    for via in &p.via_roles {
        let field_err = |field: &'static str, e: validate::ValidationError| ProfileError::Field {
            profile: p.name.clone(),
            field,
            problem: format!("{} (of profile {}, on the way)", e.problem, via.profile),
        };
        validate::role_arn(&via.role_arn).map_err(|e| field_err("role_arn", e))?;
        if let Some(id) = &via.external_id {
            validate::external_id(id).map_err(|e| field_err("external_id", e))?;
        }
        if let Some(session) = &via.role_session_name {
            validate::session_name(session).map_err(|e| field_err("role_session_name", e))?;
        }
    }
    let gathered = gather(
        &wanted,
        specs,
        settings.home.as_deref(),
        settings.timeout,
        &p.name,
    )?;
    let (source, mut values, totp) =
        fill(&p.name, &p.raw, &settings.flags, given, &wanted, gathered)?;
    let deferred = match deferred {
        // As for a code read now: useless without a device; set explicitly, a mistake.
        Some(_) if values.serial.is_none() && p.raw.mfa_code.is_some() => {
            return Err(ProfileError::Field {
                profile: p.name.clone(),
                field: "mfa_code",
                problem: NO_DEVICE.into(),
            }
            .into());
        }
        Some(wanted) if values.serial.is_some() => Some(DeferredCode {
            profile: p.name.clone(),
            wanted,
            specs: specs.clone(),
            home: settings.home.clone(),
            limit: settings.timeout,
        }),
        _ => None,
    };
    if values.region.is_some() && settings.flags.region.is_none() {
        values.region_from = "the profile's region";
    }
    Ok((source, values, totp, deferred))
}

/// How the values go together, once profile and flags are merged.
fn check_combination(
    values: &Values,
    via: &[ViaRole],
    source_is_temporary: bool,
) -> Result<(), Error> {
    if values.serial.is_none() && values.code.is_some() {
        return Err(Error::Usage(
            "--token-code needs --serial-number: name the MFA device the code comes from (arn:aws:iam::ACCOUNT:mfa/USER)".into(),
        ));
    }
    if values.role_arn.is_some() {
        if values.session_duration.is_some() {
            return Err(Error::Usage(
                "--session-duration-seconds applies to GetSessionToken, not to --role-arn: use --role-duration-seconds".into(),
            ));
        }
    } else {
        for (flag, given) in [
            ("--role-duration-seconds", values.role_duration.is_some()),
            ("--role-session-name", values.session_name.is_some()),
            ("--external-id", values.external_id.is_some()),
        ] {
            if given {
                return Err(Error::Usage(format!(
                    "{flag} needs --role-arn (the role to assume)"
                )));
            }
        }
        if source_is_temporary {
            return Err(Error::Usage(
                "the source keys are temporary (AWS_SESSION_TOKEN is set with an ASIA… key), and GetSessionToken needs \
                 long-term keys: use your IAM user's keys, or pass --role-arn to assume a role"
                    .into(),
            ));
        }
    }
    if let (Some(seconds), Some(first)) = (values.role_duration, via.first())
        && seconds > CHAINED_ROLE_MAX
    {
        return Err(Error::Usage(format!(
            "a role duration of {seconds} s is too long for role chaining: the role is assumed through {} \
             (profile {}), and STS limits chained role sessions to {CHAINED_ROLE_MAX} s; set duration_seconds to at \
             most {CHAINED_ROLE_MAX}",
            first.role_arn, first.profile
        )));
    }
    if let Some(seconds) = values.role_duration
        && source_is_temporary
        && seconds > CHAINED_ROLE_MAX
    {
        return Err(Error::Usage(format!(
            "--role-duration-seconds {seconds} is too long for role chaining: the source keys are temporary \
             (AWS_SESSION_TOKEN is set), and STS caps such role sessions at {CHAINED_ROLE_MAX} s. Use long-term \
             keys with --serial-number for up to 43200 s"
        )));
    }
    Ok(())
}
