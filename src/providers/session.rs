//! What print, exec, serve and login hold: a run's settings and its cache, and `obtain`,
//! which gives credentials with at least `--min-ttl` left. The credentials are cached as a
//! whole (`Cached` over the step that reads the profile and runs the chosen stack), so a
//! hit runs no password manager and no STS call; the caller cannot tell a hit from a call.

use super::Provider;
use super::cached::Cached;
use super::federation::Federation;
use super::resolve::Resolved;
use super::stack::{self, Keep};
use crate::cache::{self, Cache, Kind};
use crate::credentials::Issued;
use crate::error::Error;
use crate::settings::identity::DEFAULT_SESSION_DURATION;
use crate::settings::run::{RunSettings, Source};
use crate::settings::scope::Scope;
use crate::settings::session_name;
use crate::sts::client::SdkSts;
use secrecy::SecretString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub struct Session {
    settings: RunSettings,
    cache: Option<Cache>,
    /// A `--token-code` works once: a later fetch of the same run (serve's refreshes) asks
    /// the profile's code source or the person instead of replaying it.
    flag_code_spent: AtomicBool,
}

impl Session {
    /// Opens the cache store (unless the settings turn the cache off).
    pub fn new(settings: RunSettings) -> Result<Session, Error> {
        let cache = if settings.cache {
            cache::open().map_err(Error::Usage)?.into_cache()
        } else {
            None
        };
        Ok(Session {
            settings,
            cache,
            flag_code_spent: AtomicBool::new(false),
        })
    }

    pub fn settings(&self) -> &RunSettings {
        &self.settings
    }

    /// How long credentials handed out must still be valid.
    pub fn min_ttl(&self) -> Duration {
        Duration::from_secs(self.settings.min_ttl)
    }

    /// The profile named on the command line, if any.
    pub fn profile(&self) -> Option<&str> {
        self.settings.profile()
    }

    /// `--token-code`'s code, the first time only.
    fn given_code(&self) -> Option<SecretString> {
        if self.flag_code_spent.swap(true, Ordering::SeqCst) {
            None
        } else {
            self.settings.flags.token_code.clone()
        }
    }

    /// Credentials with more than `--min-ttl` left: cached ones, else new ones. With a
    /// cache, one run at a time per profile asks; the others wait and take its result.
    pub fn obtain(&self) -> Result<Issued, Error> {
        // Known before the cache or any backend is asked: no role can carry the scope.
        if self.settings.has_no_role() && !self.settings.scope.is_empty() {
            return Err(scope_needs_role(&self.settings.scope, None));
        }
        let step = Fresh { session: self };
        let Some(cache) = &self.cache else {
            return step.retrieve();
        };
        Cached {
            inner: step,
            cache,
            key: self.settings.cache_key.clone(),
            kind: Kind::Credentials,
            profile: self.settings.filed_under().to_owned(),
            lock: Some((self.settings.lock_name.clone(), self.settings.timeout)),
            margin: self.settings.min_ttl as i64,
        }
        .retrieve()
    }

    /// Credentials the console's federation endpoint accepts: a role's, as `obtain` gives
    /// them (cache included), else a federation token from the source keys (never cached).
    pub fn console(&self) -> Result<Issued, Error> {
        let written_role = match &self.settings.source {
            Source::Profile(p) => p.raw.role_arn.is_some(),
            Source::Env(_) => false,
        };
        if self.settings.flags.role_arn.is_some() || written_role {
            return self.obtain();
        }
        // The role may still be a line of the profile's entry.
        let run = Resolved::read(&self.settings, self.given_code())?;
        if !run.roles.is_empty() {
            return self.obtain();
        }
        if run.source.session_token.is_some() {
            return Err(Error::Usage(
                "without a role, the console session comes from GetFederationToken, which needs long-term keys, \
                 not a session token: give a role (--role-arn or the profile's role_arn)"
                    .into(),
            ));
        }
        if let Some(scope) = &run.roleless_scope
            && (scope.source_identity.is_some() || !scope.transitive_tags.is_empty())
        {
            return Err(Error::Usage(
                "without a role, the console session comes from GetFederationToken, which takes no source identity \
                 and no transitive tags (only session policies and tags): give a role (--role-arn or the profile's \
                 role_arn) to carry them, or leave them out"
                    .into(),
            ));
        }
        crate::say!(
            "aws-auth: no role: signing in as a federated user of GetFederationToken, which carries no MFA, so a \
             policy that requires MFA will deny it; set a role (--role-arn or role_arn) to sign in through it"
        );
        let sts = sts_for(&self.settings, &run)?;
        let name = crate::sts::federation::federated_name(&session_name::fallback(
            crate::env::var,
            session_name::account_name,
        ));
        let issued = Federation {
            sts: &sts,
            source: &run.source,
            name,
            duration_seconds: run.session_duration.unwrap_or(DEFAULT_SESSION_DURATION),
            scope: run.roleless_scope.as_ref(),
        }
        .retrieve()?;
        Ok(Issued {
            region: run.region,
            ..issued
        })
    }
}

/// The STS client of a run: the run's region, the settings' endpoint and time limit, and
/// `AWS_CA_BUNDLE`'s extra trust (parsed only now: a cache hit does not pay for it).
pub fn sts_for(settings: &RunSettings, run: &Resolved) -> Result<SdkSts, Error> {
    SdkSts::configured(
        run.sts_region.clone(),
        settings.sts_url.clone(),
        settings.timeout,
    )
}

/// New credentials: the profile read, the stack chosen and asked.
struct Fresh<'a> {
    session: &'a Session,
}

impl Provider for Fresh<'_> {
    fn retrieve(&self) -> Result<Issued, Error> {
        let settings = &self.session.settings;
        let run = Resolved::read(settings, self.session.given_code())?;
        if let Some(scope) = &run.roleless_scope {
            return Err(scope_needs_role(scope, settings.profile()));
        }
        if self.session.cache.is_some()
            && let Some(warning) = never_cached_warning(&run, settings.min_ttl)
        {
            crate::say!("{warning}");
        }
        let sts = sts_for(settings, &run)?;
        let keep = self.session.cache.as_ref().map(|cache| Keep {
            cache,
            profile: settings.filed_under(),
            endpoint: settings.sts_url.as_deref(),
        });
        let issued = stack::choose(&run, &sts, keep).retrieve()?;
        Ok(Issued {
            region: run.region.clone(),
            ..issued
        })
    }
}

/// A scope with no role to carry it: said, never dropped.
fn scope_needs_role(scope: &Scope, profile: Option<&str>) -> Error {
    let add = match profile {
        Some(profile) => format!(
            "pass --role-arn ARN, or give the profile one (aws-auth configure --profile {profile} --role-arn ARN)"
        ),
        None => "pass --role-arn ARN".to_owned(),
    };
    Error::Usage(format!(
        "{} scope a role session, and there is no role: GetSessionToken takes no session policy, tag or source \
         identity, and aws-auth does not drop them. Assume a role to scope: {add}",
        scope.named()
    ))
}

/// A session asked for no longer than `--min-ttl` is never served from the cache: the
/// warning that says so (every run would then ask STS, and without a cached MFA session, for
/// a code), or `None`.
pub(super) fn never_cached_warning(run: &Resolved, min_ttl: u64) -> Option<String> {
    let (what, seconds) = match run.roles.last() {
        Some(role) => (
            "role duration",
            role.duration_seconds
                .unwrap_or(crate::settings::validate::CHAINED_ROLE_MAX),
        ),
        None => (
            "session duration",
            run.session_duration.unwrap_or(DEFAULT_SESSION_DURATION),
        ),
    };
    (seconds <= min_ttl).then(|| {
        format!(
            "aws-auth: warning: the {what} ({seconds} s) is not longer than --min-ttl ({min_ttl} s), so the \
             cache can never serve these credentials: lower --min-ttl (or AWS_AUTH_MIN_TTL)"
        )
    })
}

impl Provider for Session {
    fn retrieve(&self) -> Result<Issued, Error> {
        self.obtain()
    }
}
