//! The credentials flow: inputs → checks → (cache) → source keys → MFA code → STS →
//! `SessionCredentials`. Nothing is printed here: printing, `exec` and `serve` take what
//! `Flow::obtain` returns, and cannot tell a cache hit from a fresh call.

use crate::cache::{self, Cache, KeyBuilder, Kind};
use crate::cli::{FlowArgs, Target};
use crate::credentials::{Issued, SessionCredentials, SourceCredentials, now_secs};
use crate::error::Error;
use crate::passwd;
use crate::provider::Provider;
use crate::secrets::backend::spec::Specs;
use crate::secrets::dialog::{self, Prompt};
use crate::secrets::totp::Totp;
use crate::settings::aws_config;
use crate::settings::config::{self, Profiles, RawProfile};
use crate::settings::profile::{self, ProfileError};
use crate::settings::session_name;
use crate::settings::validate::{self, CHAINED_ROLE_MAX, ROLE_DURATION, SESSION_DURATION};
use crate::sts::ca_bundle;
use crate::sts::client::SdkSts;
use crate::sts::{Call, Endpoint, Mfa, Sts, StsError, StsErrorKind};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use zeroize::Zeroizing;

/// Default GetSessionToken length: 12 hours (also the cached MFA session's).
pub const DEFAULT_SESSION_DURATION: u64 = 43_200;

/// The most `--min-ttl` may ask: the longest role session.
const MAX_MIN_TTL: u64 = 43_200;

/// A cached MFA session must have this much left to derive a role from it.
const SESSION_MARGIN: i64 = 60;

/// Where the source keys come from.
enum Source {
    /// A profile of profiles.toml, as written: nothing fetched until a run needs it.
    Profile(Box<ProfileSource>),
    /// The standard AWS variables, read once.
    Env(SourceCredentials),
}

struct ProfileSource {
    name: String,
    raw: RawProfile,
    specs: Specs,
    home: Option<PathBuf>,
}

/// Where the MFA code comes from, asked only when a call needs it.
pub enum CodeSource {
    /// `--token-code`, or a profile reference that yields a code (op's one-time password).
    Given(SecretString),
    /// A TOTP seed: computed when sent, and the next code if STS refuses it as used.
    Totp(Totp),
    /// The person at the terminal, or at a desktop dialog.
    Prompt(Asker),
    /// A backend that gives the current code when asked (a YubiKey, op's one-time
    /// password), read only now; the person is asked if it has none.
    Deferred(Box<profile::DeferredCode>, Asker),
}

impl CodeSource {
    /// The profile's TOTP seed first, then a given code (`--token-code`), then a backend
    /// that gives codes when asked, else the person.
    pub fn pick(
        totp: Option<Totp>,
        given: Option<SecretString>,
        deferred: Option<profile::DeferredCode>,
        asker: Asker,
    ) -> CodeSource {
        match (totp, given, deferred) {
            (Some(totp), _, _) => CodeSource::Totp(totp),
            (None, Some(code), _) => CodeSource::Given(code),
            (None, None, Some(deferred)) => CodeSource::Deferred(Box::new(deferred), asker),
            (None, None, None) => CodeSource::Prompt(asker),
        }
    }
}

/// How to ask the person for a code, and what to tell them it is for.
#[derive(Clone, Debug, Default)]
pub struct Asker {
    pub prompt: Prompt,
    pub profile: Option<String>,
    pub limit: Duration,
}

/// The profile's `prompt`, else `AWS_AUTH_PROMPT`, else auto.
pub(crate) fn prompt_choice(raw: Option<&RawProfile>, profile: &str) -> Result<Prompt, Error> {
    let (text, from) = match raw.and_then(|r| r.prompt.clone()) {
        Some(text) => (text, format!("profile \"{profile}\", prompt")),
        None => match crate::env::var("AWS_AUTH_PROMPT") {
            Some(text) => (text, "AWS_AUTH_PROMPT".to_owned()),
            None => return Ok(Prompt::Auto),
        },
    };
    Prompt::parse(&text).ok_or_else(|| {
        Error::Usage(format!(
            "{from}: \"{text}\" is not a way to ask; use one of {}",
            Prompt::NAMES
        ))
    })
}

/// One run's inputs, checked, with its cache; `obtain` does the rest.
pub struct Flow {
    flags: FlowArgs,
    source: Source,
    endpoint_url: Option<String>,
    cache: Option<Cache>,
    /// What the credentials asked for are filed under in the cache.
    key: String,
    /// The per-profile lock's name.
    lock_name: String,
    /// A `--token-code` works once: a later fetch of the same run (serve's refreshes) asks
    /// the profile's code source or the terminal instead of replaying it.
    flag_code_spent: AtomicBool,
    /// How a code is asked for when nothing else gives one.
    prompt: Prompt,
}

impl Flow {
    /// Everything that needs no password manager and no request: flags checked, the
    /// profile read as written, the cache key computed, the cache store opened.
    pub fn prepare(target: &Target, flags: FlowArgs) -> Result<Flow, Error> {
        validate::timeout(flags.timeout)?;
        if flags.min_ttl > MAX_MIN_TTL {
            return Err(Error::Usage(format!(
                "--min-ttl {} is out of range: at most {MAX_MIN_TTL} s (no session lasts longer)",
                flags.min_ttl
            )));
        }
        check_values(&flags)?;
        let endpoint_url = endpoint_url()?;
        let source = match &target.profile {
            Some(name) => {
                let home = passwd::home_dir();
                let profiles =
                    Profiles::load(&config::path(target.config.as_deref(), home.as_deref()))?;
                let aws =
                    aws_config::load_for(name, &profiles, &aws_config::path(home.as_deref()))?;
                let raw = aws_config::resolve(name, &profiles, aws.as_ref())?.raw;
                let specs =
                    Specs::load(Some(&config::config_dir(home.as_deref()).join("backends")))
                        .map_err(ProfileError::from)?;
                Source::Profile(Box::new(ProfileSource {
                    name: name.clone(),
                    raw,
                    specs,
                    home,
                }))
            }
            None => Source::Env(source_from_env()?),
        };
        let prompt = match &source {
            Source::Profile(p) => prompt_choice(Some(&p.raw), &p.name)?,
            Source::Env(_) => prompt_choice(None, "")?,
        };
        let key = credentials_key(&flags, &source, endpoint_url.as_deref());
        let mut lock = KeyBuilder::new("lock");
        match &source {
            Source::Profile(p) => lock.field("profile", Some(&p.name)),
            Source::Env(keys) => lock.field("access_key_id", Some(&keys.access_key_id)),
        };
        let cache = if flags.no_cache {
            None
        } else {
            cache::open().map_err(Error::Usage)?.into_cache()
        };
        Ok(Flow {
            flags,
            source,
            endpoint_url,
            cache,
            key,
            lock_name: lock.finish()[..32].to_owned(),
            flag_code_spent: AtomicBool::new(false),
            prompt,
        })
    }

    /// The profile's name, or "" for keys from the environment (how the cache files them).
    fn profile_name(&self) -> &str {
        Provider::profile(self).unwrap_or("")
    }

    fn limit(&self) -> Duration {
        Duration::from_secs(self.flags.timeout)
    }

    /// Credentials with at least `--min-ttl` left: a cached entry, else new ones. With a
    /// cache, one run at a time per profile asks STS; the others wait and take its result.
    pub fn obtain(&self) -> Result<Issued, Error> {
        let Some(cache) = &self.cache else {
            return self.fetch(None).map(|(issued, _)| issued);
        };
        let min_ttl = self.flags.min_ttl as i64;
        if let Some(hit) = cache.get(&self.key, Kind::Credentials, min_ttl) {
            return Ok(hit.into_issued());
        }
        let _lock = match cache.lock(&self.lock_name, self.limit()) {
            Ok(lock) => Some(lock),
            Err(e @ cache::lock::LockError::Timeout(_)) => return Err(Error::Lock(e)),
            Err(e) => {
                crate::say!("aws-auth: warning: {e}; going on without the lock");
                None
            }
        };
        // Whoever held the lock may have just filed what we need.
        if let Some(hit) = cache.get(&self.key, Kind::Credentials, min_ttl) {
            return Ok(hit.into_issued());
        }
        let (issued, mfa_session) = self.fetch(Some(cache))?;
        cache.put(
            &self.key,
            Kind::Credentials,
            self.profile_name(),
            issued.region.as_deref(),
            mfa_session.as_deref(),
            &issued.credentials,
        );
        Ok(issued)
    }

    /// Resolves the profile (running its password managers) and asks STS; also returns the
    /// cache key of the MFA session the credentials were derived from, if any.
    fn fetch(&self, cache: Option<&Cache>) -> Result<(Issued, Option<String>), Error> {
        let mut flow = self.flags.clone();
        if self.flag_code_spent.swap(true, Ordering::SeqCst) {
            flow.token_code = None;
        }
        let (source, totp, deferred) = match &self.source {
            Source::Profile(p) => {
                let resolved = profile::apply(
                    &p.name,
                    &p.raw,
                    &mut flow,
                    &p.specs,
                    p.home.as_deref(),
                    self.limit(),
                )?;
                (resolved.source, resolved.totp, resolved.code)
            }
            Source::Env(keys) => (keys.clone(), None, None),
        };
        // Checked here, before the code is taken out of `flow` (run_with checks what is left).
        check(&flow, source.session_token.is_some())?;
        if cache.is_some()
            && let Some(warning) = never_cached_warning(&flow)
        {
            crate::say!("{warning}");
        }
        let endpoint = Endpoint {
            region: region(&flow)?,
            url: self.endpoint_url.clone(),
            timeout: self.limit(),
        };
        let sts = SdkSts::new(endpoint, http_client()?);
        let asker = Asker {
            prompt: self.prompt,
            profile: Provider::profile(self).map(str::to_owned),
            limit: self.limit(),
        };
        let code = CodeSource::pick(totp, flow.token_code.take(), deferred, asker);
        let chained = SessionChain {
            cache,
            profile: self.profile_name(),
            endpoint_url: self.endpoint_url.as_deref(),
        };
        let derived = run_with(&flow, &source, code, &sts, chained)?;
        let issued = Issued {
            credentials: derived.credentials,
            region: flow.region,
        };
        Ok((issued, derived.mfa_session))
    }

    /// Credentials the console's federation endpoint accepts: a role's, as `obtain` gives
    /// them (cache included), else a federation token from the source keys (never cached:
    /// the cache files these flags' credentials as GetSessionToken's).
    pub fn console(&self) -> Result<Issued, Error> {
        let role_given = self.flags.role_arn.is_some()
            || matches!(&self.source, Source::Profile(p) if p.raw.role_arn.is_some());
        if role_given {
            return self.obtain();
        }
        // The role may still be a line of the profile's entry.
        let mut flow = self.flags.clone();
        let source = match &self.source {
            Source::Profile(p) => {
                profile::apply(
                    &p.name,
                    &p.raw,
                    &mut flow,
                    &p.specs,
                    p.home.as_deref(),
                    self.limit(),
                )?
                .source
            }
            Source::Env(keys) => keys.clone(),
        };
        if flow.role_arn.is_some() {
            return self.obtain();
        }
        if source.session_token.is_some() {
            return Err(Error::Usage(
                "without a role, the console session comes from GetFederationToken, which needs long-term keys, \
                 not a session token: give a role (--role-arn or the profile's role_arn)"
                    .into(),
            ));
        }
        check(&flow, false)?;
        crate::say!(
            "aws-auth: no role: signing in as a federated user of GetFederationToken, which carries no MFA, so a \
             policy that requires MFA will deny it; set a role (--role-arn or role_arn) to sign in through it"
        );
        let sts = SdkSts::new(
            Endpoint {
                region: region(&flow)?,
                url: self.endpoint_url.clone(),
                timeout: self.limit(),
            },
            http_client()?,
        );
        let name = crate::sts::federation::federated_name(&match &flow.role_session_name {
            Some(name) => name.clone(),
            None => session_name::fallback(crate::env::var, session_name::account_name),
        });
        let credentials = sts.federation_token(
            &source,
            &name,
            flow.session_duration_seconds
                .unwrap_or(DEFAULT_SESSION_DURATION),
        )?;
        Ok(Issued {
            credentials,
            region: flow.region,
        })
    }
}

impl Provider for Flow {
    fn obtain(&self) -> Result<Issued, Error> {
        Flow::obtain(self)
    }

    fn min_ttl(&self) -> Duration {
        Duration::from_secs(self.flags.min_ttl)
    }

    fn profile(&self) -> Option<&str> {
        match &self.source {
            Source::Profile(p) => Some(&p.name),
            Source::Env(_) => None,
        }
    }
}

/// An HTTPS client that also trusts `AWS_CA_BUNDLE`, when it is set (else the SDK's own).
/// Built only when STS is about to be called: parsing a bundle costs milliseconds that a
/// cache hit does not pay.
pub(crate) fn http_client() -> Result<Option<SharedHttpClient>, Error> {
    match crate::env::var("AWS_CA_BUNDLE") {
        Some(path) => {
            Ok(Some(ca_bundle::client(Path::new(&path)).map_err(|e| {
                Error::Usage(format!("AWS_CA_BUNDLE: {e}"))
            })?))
        }
        None => Ok(None),
    }
}

/// A session asked for no longer than `--min-ttl` is never served from the cache: the
/// warning that says so (every run would then ask STS, and without a cached MFA session, for
/// a code), or `None`.
fn never_cached_warning(flow: &FlowArgs) -> Option<String> {
    let (what, seconds) = match &flow.role_arn {
        Some(_) => (
            "role duration",
            flow.role_duration_seconds.unwrap_or(CHAINED_ROLE_MAX),
        ),
        None => (
            "session duration",
            flow.session_duration_seconds
                .unwrap_or(DEFAULT_SESSION_DURATION),
        ),
    };
    (seconds <= flow.min_ttl).then(|| {
        format!(
            "aws-auth: warning: the {what} ({seconds} s) is not longer than --min-ttl ({} s), so the \
             cache can never serve these credentials: lower --min-ttl (or AWS_AUTH_MIN_TTL)",
            flow.min_ttl
        )
    })
}

/// The cache key of the credentials a run asks for: the profile as written (references, not
/// fetched values), the flags, the region and endpoint settings, and for keys from the
/// environment the keys themselves (hashed). Never the MFA code, `--timeout` or the format.
fn credentials_key(flags: &FlowArgs, source: &Source, endpoint_url: Option<&str>) -> String {
    let mut key = KeyBuilder::new("credentials v1");
    match source {
        Source::Profile(p) => {
            let raw = &p.raw;
            key.field("profile", Some(&p.name))
                .field("keys from", raw.keys_from.as_deref())
                .field("backend", raw.backend.as_deref())
                .field("access_key_id", raw.access_key_id.as_deref())
                .secret("secret_access_key", raw.secret_access_key.as_deref())
                .field("mfa_serial", raw.mfa_serial.as_deref())
                .field("role_arn", raw.role_arn.as_deref())
                .secret("mfa_code", raw.mfa_code.as_deref())
                .number("role_duration_seconds", raw.role_duration_seconds)
                .number("session_duration_seconds", raw.session_duration_seconds)
                .field("role_session_name", raw.role_session_name.as_deref())
                .field("external_id", raw.external_id.as_deref())
                .field("region", raw.region.as_deref());
            for via in &raw.via_roles {
                key.field("via role", Some(&via.role_arn))
                    .field("via external_id", via.external_id.as_deref())
                    .field("via role_session_name", via.role_session_name.as_deref());
            }
        }
        Source::Env(keys) => {
            key.field("env access_key_id", Some(&keys.access_key_id))
                .secret(
                    "env secret_access_key",
                    Some(keys.secret_access_key.expose_secret()),
                )
                .secret(
                    "env session_token",
                    keys.session_token.as_ref().map(|t| t.expose_secret()),
                );
        }
    }
    key.field("--serial-number", flags.serial_number.as_deref())
        .field("--role-arn", flags.role_arn.as_deref())
        .number("--role-duration-seconds", flags.role_duration_seconds)
        .field("--role-session-name", flags.role_session_name.as_deref())
        .number("--session-duration-seconds", flags.session_duration_seconds)
        .field("--external-id", flags.external_id.as_deref())
        .field("--region", flags.region.as_deref())
        .field("AWS_REGION", crate::env::var("AWS_REGION").as_deref())
        .field(
            "AWS_DEFAULT_REGION",
            crate::env::var("AWS_DEFAULT_REGION").as_deref(),
        )
        .field("endpoint", endpoint_url)
        // The default role session name follows USER, then LOGNAME, then the account name
        // (which needs no field: a cache is the user's own).
        .field("USER", crate::env::var("USER").as_deref())
        .field("LOGNAME", crate::env::var("LOGNAME").as_deref());
    key.finish()
}

/// The cache's part in a fetch: where an MFA session may be kept and found.
pub struct SessionChain<'a> {
    cache: Option<&'a Cache>,
    profile: &'a str,
    endpoint_url: Option<&'a str>,
}

impl SessionChain<'_> {
    /// No cache: every run asks STS once, as the original helper did.
    pub fn none() -> SessionChain<'static> {
        SessionChain {
            cache: None,
            profile: "",
            endpoint_url: None,
        }
    }
}

/// What `run_with` obtained.
#[derive(Debug)]
pub struct Derived {
    pub credentials: SessionCredentials,
    /// The cache key of the MFA session the role was assumed from, when it was.
    pub mfa_session: Option<String>,
}

impl From<SessionCredentials> for Derived {
    fn from(credentials: SessionCredentials) -> Self {
        Derived {
            credentials,
            mfa_session: None,
        }
    }
}

/// The flow from resolved source keys on, against any STS:
/// - no role: GetSessionToken (with the MFA code when there is a device);
/// - a role of at most an hour, with MFA and a cache: an MFA session (GetSessionToken with
///   the code, cached for its 12 hours), and the role assumed from it without a code, so
///   later runs derive new role credentials without asking for one;
/// - any other role: one AssumeRole from the source keys, carrying the code.
pub fn run_with(
    flow: &FlowArgs,
    source: &SourceCredentials,
    code: CodeSource,
    sts: &dyn Sts,
    chain: SessionChain,
) -> Result<Derived, Error> {
    check(flow, source.session_token.is_some())?;
    let Some(role_arn) = &flow.role_arn else {
        let duration_seconds = flow
            .session_duration_seconds
            .unwrap_or(DEFAULT_SESSION_DURATION);
        return coded_call(sts, source, flow.serial_number.as_deref(), code, |mfa| {
            Call::SessionToken {
                duration_seconds,
                mfa,
            }
        })
        .map(Derived::from);
    };
    let session_name = |name: &Option<String>| match name {
        Some(name) => name.clone(),
        None => session_name::fallback(crate::env::var, session_name::account_name),
    };
    let own = |mfa| Call::AssumeRole {
        role_arn: role_arn.clone(),
        session_name: session_name(&flow.role_session_name),
        duration_seconds: flow.role_duration_seconds,
        external_id: flow.external_id.clone(),
        mfa,
    };
    let Some((first, rest)) = flow.via_roles.split_first() else {
        return first_role(flow, source, code, sts, chain, own);
    };
    // Role chaining: the first role from the keys (with the MFA code, or from the MFA
    // session), each next one from the one before, the profile's own role last; STS caps
    // every chained session at an hour.
    let hop = |via: &crate::settings::config::ViaRole| {
        let via = via.clone();
        move |mfa| Call::AssumeRole {
            role_arn: via.role_arn.clone(),
            session_name: session_name(&via.role_session_name),
            duration_seconds: None,
            external_id: via.external_id.clone(),
            mfa,
        }
    };
    let Derived {
        mut credentials,
        mfa_session,
    } = first_role(flow, source, code, sts, chain, hop(first))?;
    for via in rest {
        credentials = sts.call(&from_session(credentials), &hop(via)(None))?;
    }
    Ok(Derived {
        credentials: sts.call(&from_session(credentials), &own(None))?,
        mfa_session,
    })
}

/// Session credentials as the source of the next call.
pub(crate) fn from_session(session: SessionCredentials) -> SourceCredentials {
    SourceCredentials {
        access_key_id: session.access_key_id,
        secret_access_key: session.secret_access_key,
        session_token: Some(session.session_token),
    }
}

/// The first role assumed from the source keys: from the cached MFA session when the role
/// session is short enough, else one AssumeRole carrying the code.
fn first_role(
    flow: &FlowArgs,
    source: &SourceCredentials,
    code: CodeSource,
    sts: &dyn Sts,
    chain: SessionChain,
    assume: impl Fn(Option<Mfa>) -> Call,
) -> Result<Derived, Error> {
    let first_duration = if flow.via_roles.is_empty() {
        flow.role_duration_seconds
    } else {
        None
    };
    match (chain.cache, &flow.serial_number) {
        (Some(cache), Some(serial))
            if source.session_token.is_none()
                && first_duration.unwrap_or(CHAINED_ROLE_MAX) <= CHAINED_ROLE_MAX =>
        {
            let (key, session) = mfa_session(cache, &chain, sts, source, serial, code)?;
            Ok(Derived {
                credentials: sts.call(&from_session(session), &assume(None))?,
                mfa_session: Some(key),
            })
        }
        _ => {
            coded_call(sts, source, flow.serial_number.as_deref(), code, assume).map(Derived::from)
        }
    }
}

/// The MFA session of these source keys and this device, with its cache key: cached while
/// it has a minute left, else made now with a code and cached.
fn mfa_session(
    cache: &Cache,
    chain: &SessionChain,
    sts: &dyn Sts,
    source: &SourceCredentials,
    serial: &str,
    code: CodeSource,
) -> Result<(String, SessionCredentials), Error> {
    let mut key = KeyBuilder::new("mfa-session v1");
    key.field("access_key_id", Some(&source.access_key_id))
        .secret(
            "secret_access_key",
            Some(source.secret_access_key.expose_secret()),
        )
        .field("serial", Some(serial))
        .field("endpoint", chain.endpoint_url)
        .number("duration", Some(DEFAULT_SESSION_DURATION));
    let key = key.finish();
    if let Some(hit) = cache.get(&key, Kind::MfaSession, SESSION_MARGIN) {
        return Ok((key, hit.credentials));
    }
    let session = coded_call(sts, source, Some(serial), code, |mfa| Call::SessionToken {
        duration_seconds: DEFAULT_SESSION_DURATION,
        mfa,
    })?;
    cache.put(&key, Kind::MfaSession, chain.profile, None, None, &session);
    Ok((key, session))
}

/// One call, carrying the MFA code when there is a device. A code from a TOTP seed that STS
/// refuses (as it does a code already used) is followed, once, by the next window's code.
fn coded_call(
    sts: &dyn Sts,
    source: &SourceCredentials,
    serial: Option<&str>,
    code: CodeSource,
    call: impl Fn(Option<Mfa>) -> Call,
) -> Result<SessionCredentials, Error> {
    let Some(serial) = serial else {
        return Ok(sts.call(source, &call(None))?);
    };
    let mfa = |token_code| {
        Some(Mfa {
            serial_number: serial.to_owned(),
            token_code,
        })
    };
    let first = match &code {
        CodeSource::Given(code) => code.clone(),
        CodeSource::Totp(totp) => SecretString::from(totp.code_now().as_str()),
        CodeSource::Prompt(asker) => ask_code(serial, asker)?,
        CodeSource::Deferred(deferred, asker) => match deferred.read()? {
            Some(code) => code,
            None => ask_code(serial, asker)?,
        },
    };
    // Whatever the source, nothing but six digits goes out (every source is checked where it
    // enters too; this is the last line).
    validate::token_code(first.expose_secret())?;
    match sts.call(source, &call(mfa(first))) {
        Err(e) if is_code_refused(&e) && matches!(code, CodeSource::Totp(_)) => {
            let CodeSource::Totp(totp) = code else {
                unreachable!("matched above")
            };
            let now = now_secs().max(0) as u64;
            let next = (now / totp.period + 1) * totp.period;
            crate::say!(
                "aws-auth: STS refused the TOTP code for {serial} (a code works only once); waiting {} s for the \
                 next one",
                next - now
            );
            std::thread::sleep(Duration::from_secs(next - now));
            let code = SecretString::from(totp.code_now().as_str());
            validate::token_code(code.expose_secret())?;
            Ok(sts.call(source, &call(mfa(code)))?)
        }
        result => Ok(result?),
    }
}

/// AccessDenied over the MFA code: what AWS answers for a wrong or already used code.
fn is_code_refused(error: &StsError) -> bool {
    matches!(&error.kind, StsErrorKind::Service { code, message, .. }
        if code == "AccessDenied" && message.to_ascii_lowercase().contains("multifactorauthentication"))
}

fn ask_code(serial: &str, asker: &Asker) -> Result<SecretString, Error> {
    let code = dialog::ask_code(
        asker.prompt,
        &dialog::Question {
            profile: asker.profile.as_deref(),
            serial,
            limit: asker.limit,
            hint: "Pass --token-code CODE, set mfa_code in the profile (e.g. mfa_code = \"totp:pass:ENTRY\" \
                   or \"ykman:ACCOUNT\"), keep an otpauth:// line in the profile's pass or gopass entry, \
                   or run it from a desktop session (a dialog asks there)",
        },
    )?;
    validate::token_code(code.expose_secret())?;
    Ok(code)
}

/// Every check that needs no secret and no request, each with its own message.
pub fn check(flow: &FlowArgs, source_is_temporary: bool) -> Result<(), Error> {
    check_values(flow)?;
    check_combination(flow, source_is_temporary)
}

/// Each given value on its own: formats and ranges.
pub fn check_values(flow: &FlowArgs) -> Result<(), Error> {
    if let Some(serial) = &flow.serial_number {
        validate::serial_number(serial).map_err(|e| e.flag("--serial-number"))?;
    }
    if let Some(code) = &flow.token_code {
        validate::token_code(code.expose_secret()).map_err(|e| e.flag("--token-code"))?;
    }
    if let Some(role_arn) = &flow.role_arn {
        validate::role_arn(role_arn).map_err(|e| e.flag("--role-arn"))?;
    }
    if let Some(seconds) = flow.role_duration_seconds {
        validate::duration(
            "--role-duration-seconds",
            seconds,
            ROLE_DURATION,
            "AssumeRole",
        )?;
    }
    if let Some(seconds) = flow.session_duration_seconds {
        validate::duration(
            "--session-duration-seconds",
            seconds,
            SESSION_DURATION,
            "GetSessionToken",
        )?;
    }
    if let Some(name) = &flow.role_session_name {
        validate::session_name(name).map_err(|e| e.flag("--role-session-name"))?;
    }
    if let Some(id) = &flow.external_id {
        validate::external_id(id).map_err(|e| e.flag("--external-id"))?;
    }
    if let Some(region) = &flow.region {
        validate::region(region).map_err(|e| e.flag("--region"))?;
    }
    Ok(())
}

/// How the values go together, once profile and flags are merged.
fn check_combination(flow: &FlowArgs, source_is_temporary: bool) -> Result<(), Error> {
    if flow.serial_number.is_none() && flow.token_code.is_some() {
        return Err(Error::Usage(
            "--token-code needs --serial-number: name the MFA device the code comes from (arn:aws:iam::ACCOUNT:mfa/USER)".into(),
        ));
    }
    if flow.role_arn.is_some() {
        if flow.session_duration_seconds.is_some() {
            return Err(Error::Usage(
                "--session-duration-seconds applies to GetSessionToken, not to --role-arn: use --role-duration-seconds".into(),
            ));
        }
    } else {
        for (flag, given) in [
            (
                "--role-duration-seconds",
                flow.role_duration_seconds.is_some(),
            ),
            ("--role-session-name", flow.role_session_name.is_some()),
            ("--external-id", flow.external_id.is_some()),
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
    if let (Some(seconds), Some(first)) = (flow.role_duration_seconds, flow.via_roles.first())
        && seconds > CHAINED_ROLE_MAX
    {
        return Err(Error::Usage(format!(
            "a role duration of {seconds} s is too long for role chaining: the role is assumed through {} \
             (profile {}), and STS limits chained role sessions to {CHAINED_ROLE_MAX} s; set duration_seconds to at \
             most {CHAINED_ROLE_MAX}",
            first.role_arn, first.profile
        )));
    }
    if let Some(seconds) = flow.role_duration_seconds
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

/// `--region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`, else us-east-1.
pub(crate) fn region(flow: &FlowArgs) -> Result<String, Error> {
    region_from(flow, crate::env::var)
}

/// `region` with the environment lookup as a parameter, so the order can be tested.
fn region_from(flow: &FlowArgs, env: impl Fn(&str) -> Option<String>) -> Result<String, Error> {
    let (name, value) = [
        ("--region", flow.region.clone()),
        ("AWS_REGION", env("AWS_REGION")),
        ("AWS_DEFAULT_REGION", env("AWS_DEFAULT_REGION")),
    ]
    .into_iter()
    .find_map(|(name, value)| value.map(|v| (name, v)))
    .unwrap_or(("default", "us-east-1".to_owned()));
    validate::region(&value).map_err(|e| Error::Usage(format!("{name}: {}", e.problem)))?;
    Ok(value)
}

/// `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`.
pub(crate) fn endpoint_url() -> Result<Option<String>, Error> {
    service_endpoint_url("AWS_ENDPOINT_URL_STS")
}

/// `service_var` (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL_IAM`), else `AWS_ENDPOINT_URL`,
/// unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`: what the AWS CLI and SDKs honour.
pub(crate) fn service_endpoint_url(service_var: &str) -> Result<Option<String>, Error> {
    if crate::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Ok(None);
    }
    for name in [service_var, "AWS_ENDPOINT_URL"] {
        if let Some(url) = crate::env::var(name) {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(Error::Usage(format!(
                    "{name} must be an http:// or https:// URL, not {url:?}"
                )));
            }
            return Ok(Some(url));
        }
    }
    Ok(None)
}

/// The standard AWS variables. A session token beside a long-term (AKIA…) key is a leftover
/// of an earlier eval: it is ignored, with a warning, rather than sent with the wrong key.
pub(crate) fn source_from_env() -> Result<SourceCredentials, Error> {
    let (Some(access_key_id), Some(secret)) = (
        crate::env::var("AWS_ACCESS_KEY_ID"),
        std::env::var_os("AWS_SECRET_ACCESS_KEY"),
    ) else {
        // AWS_PROFILE is never read: a credential_process child of the AWS CLI inherits it.
        if let Some(profile) = crate::env::var("AWS_PROFILE") {
            return Err(Error::Usage(format!(
                "no --profile, and aws-auth does not read AWS_PROFILE (\"{profile}\": a credential_process child of the \
                 AWS CLI inherits it); run aws-auth --profile {profile} (or -p {profile})"
            )));
        }
        return Err(Error::Usage(
            "no AWS keys to start from: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (e.g. \
             AWS_ACCESS_KEY_ID=$(pass aws-access-key-id) AWS_SECRET_ACCESS_KEY=$(pass aws-secret-access-key) aws-auth ...)"
                .into(),
        ));
    };
    // Checked like a profile's: a secret given as the id would travel in a request header.
    validate::access_key_id(&access_key_id)
        .map_err(|e| Error::Usage(format!("AWS_ACCESS_KEY_ID: {}", e.problem)))?;
    let secret = Zeroizing::new(
        secret
            .into_string()
            .map_err(|_| Error::Usage("AWS_SECRET_ACCESS_KEY is not valid UTF-8".into()))?,
    );
    if secret.is_empty() {
        return Err(Error::Usage("AWS_SECRET_ACCESS_KEY is empty".into()));
    }
    let mut session_token = std::env::var_os("AWS_SESSION_TOKEN")
        .filter(|t| !t.is_empty())
        .map(|t| Zeroizing::new(t.to_string_lossy().into_owned()));
    if session_token.is_some() && access_key_id.starts_with("AKIA") {
        crate::say!(
            "aws-auth: warning: ignoring AWS_SESSION_TOKEN: AWS_ACCESS_KEY_ID is a long-term key, so the token is a leftover of an earlier session"
        );
        session_token = None;
    }
    Ok(SourceCredentials {
        access_key_id,
        secret_access_key: SecretString::from(secret.as_str()),
        session_token: session_token.map(|t| SecretString::from(t.as_str())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::store::Memory;
    use aws_smithy_types::DateTime;
    use std::sync::Mutex;

    /// What the fake STS saw of one call.
    #[derive(Clone, Debug, PartialEq)]
    struct Seen {
        operation: &'static str,
        signed_by: String,
        token_code: Option<String>,
        duration: Option<u64>,
        serial_number: Option<String>,
        role_arn: Option<String>,
        session_name: Option<String>,
        external_id: Option<String>,
    }

    /// An STS that records each call and answers with fresh credentials (ASIA1, ASIA2, ...).
    #[derive(Default)]
    struct Recording {
        seen: Mutex<Vec<Seen>>,
        /// How many calls, from the first, to refuse as STS refuses a wrong or used MFA code.
        refuse_codes: usize,
        /// Refuse the first call with an AccessDenied that is not about the MFA code.
        deny_first: bool,
    }

    fn refusal(code: &str, message: &str) -> StsErrorKind {
        StsErrorKind::Service {
            code: code.into(),
            message: message.into(),
            status: Some(403),
        }
    }

    impl Sts for Recording {
        fn call(
            &self,
            source: &SourceCredentials,
            call: &Call,
        ) -> Result<SessionCredentials, StsError> {
            let mut seen = self.seen.lock().unwrap();
            let (duration, mfa, role_arn, session_name, external_id) = match call {
                Call::SessionToken {
                    duration_seconds,
                    mfa,
                } => (Some(*duration_seconds), mfa, None, None, None),
                Call::AssumeRole {
                    role_arn,
                    session_name,
                    duration_seconds,
                    external_id,
                    mfa,
                } => (
                    *duration_seconds,
                    mfa,
                    Some(role_arn.clone()),
                    Some(session_name.clone()),
                    external_id.clone(),
                ),
            };
            seen.push(Seen {
                operation: call.operation(),
                signed_by: source.access_key_id.clone(),
                token_code: mfa
                    .as_ref()
                    .map(|m| m.token_code.expose_secret().to_owned()),
                duration,
                serial_number: mfa.as_ref().map(|m| m.serial_number.clone()),
                role_arn,
                session_name,
                external_id,
            });
            if seen.len() <= self.refuse_codes {
                return Err(StsError::new(
                    call,
                    "test",
                    refusal(
                        "AccessDenied",
                        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                    ),
                ));
            }
            if self.deny_first && seen.len() == 1 {
                return Err(StsError::new(
                    call,
                    "test",
                    refusal(
                        "AccessDenied",
                        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole",
                    ),
                ));
            }
            Ok(SessionCredentials {
                access_key_id: format!("ASIA{}", seen.len()),
                secret_access_key: SecretString::from(format!("secret{}", seen.len())),
                session_token: SecretString::from(format!("token{}", seen.len())),
                expiration: DateTime::from_secs(now_secs() + duration.unwrap_or(3600) as i64),
            })
        }
    }

    fn long_term() -> SourceCredentials {
        SourceCredentials {
            access_key_id: "AKIASOURCE0000000001".into(),
            secret_access_key: SecretString::from("source-secret"),
            session_token: None,
        }
    }

    fn role_flow(duration: Option<u64>) -> FlowArgs {
        FlowArgs {
            serial_number: Some("arn:aws:iam::123456789012:mfa/alice".into()),
            role_arn: Some("arn:aws:iam::123456789012:role/admin".into()),
            role_duration_seconds: duration,
            role_session_name: Some("alice".into()),
            ..Default::default()
        }
    }

    fn code() -> CodeSource {
        CodeSource::Given(SecretString::from("123456"))
    }

    fn memory_cache() -> Cache {
        Cache::with_lock_dir(Box::<Memory>::default(), std::env::temp_dir())
    }

    fn chain(cache: &Cache) -> SessionChain<'_> {
        SessionChain {
            cache: Some(cache),
            profile: "work",
            endpoint_url: Some("http://127.0.0.1:1"),
        }
    }

    fn seen(sts: &Recording) -> Vec<(&'static str, String, Option<String>, Option<u64>)> {
        sts.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s.operation,
                    s.signed_by.clone(),
                    s.token_code.clone(),
                    s.duration,
                )
            })
            .collect()
    }

    fn chained_flow(duration: Option<u64>) -> FlowArgs {
        FlowArgs {
            via_roles: vec![
                crate::settings::config::ViaRole {
                    profile: "jump".into(),
                    role_arn: "arn:aws:iam::1:role/jump".into(),
                    external_id: Some("jump-ext".into()),
                    role_session_name: Some("jumper".into()),
                },
                crate::settings::config::ViaRole {
                    profile: "middle".into(),
                    role_arn: "arn:aws:iam::2:role/middle".into(),
                    external_id: None,
                    role_session_name: Some("mid".into()),
                },
            ],
            ..role_flow(duration)
        }
    }

    /// (operation, signed by, code, role, session name, external id, duration) of each call.
    #[allow(clippy::type_complexity)]
    fn hops(
        sts: &Recording,
    ) -> Vec<(
        &'static str,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<u64>,
    )> {
        sts.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s.operation,
                    s.signed_by.clone(),
                    s.token_code.clone(),
                    s.role_arn.clone(),
                    s.session_name.clone(),
                    s.external_id.clone(),
                    s.duration,
                )
            })
            .collect()
    }

    #[test]
    fn a_chain_of_roles_is_assumed_in_turn_with_the_code_on_the_first() {
        let sts = Recording::default();
        let creds = run_with(
            &chained_flow(Some(1800)),
            &long_term(),
            code(),
            &sts,
            SessionChain::none(),
        )
        .unwrap();
        assert_eq!(creds.credentials.access_key_id, "ASIA3");
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            hops(&sts),
            [
                (
                    "AssumeRole",
                    "AKIASOURCE0000000001".into(),
                    s("123456"),
                    s("arn:aws:iam::1:role/jump"),
                    s("jumper"),
                    s("jump-ext"),
                    None
                ),
                (
                    "AssumeRole",
                    "ASIA1".into(),
                    None,
                    s("arn:aws:iam::2:role/middle"),
                    s("mid"),
                    None,
                    None
                ),
                (
                    "AssumeRole",
                    "ASIA2".into(),
                    None,
                    s("arn:aws:iam::123456789012:role/admin"),
                    s("alice"),
                    None,
                    Some(1800)
                ),
            ]
        );
    }

    #[test]
    fn a_chain_of_roles_starts_from_the_cached_mfa_session() {
        let sts = Recording::default();
        let cache = memory_cache();
        let creds = run_with(
            &chained_flow(None),
            &long_term(),
            code(),
            &sts,
            chain(&cache),
        )
        .unwrap();
        assert_eq!(creds.credentials.access_key_id, "ASIA4");
        assert!(creds.mfa_session.is_some());
        let signed: Vec<(&str, String, Option<String>)> =
            hops(&sts).into_iter().map(|c| (c.0, c.1, c.2)).collect();
        assert_eq!(
            signed,
            [
                (
                    "GetSessionToken",
                    "AKIASOURCE0000000001".into(),
                    Some("123456".into())
                ),
                ("AssumeRole", "ASIA1".into(), None),
                ("AssumeRole", "ASIA2".into(), None),
                ("AssumeRole", "ASIA3".into(), None),
            ]
        );
    }

    #[test]
    fn a_chained_role_longer_than_an_hour_is_refused_before_any_call() {
        let sts = Recording::default();
        let err = run_with(
            &chained_flow(Some(3601)),
            &long_term(),
            code(),
            &sts,
            SessionChain::none(),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let text = err.to_string();
        assert!(
            text.contains("role chaining") && text.contains("profile jump"),
            "{text}"
        );
        assert!(hops(&sts).is_empty());
        // An hour exactly is fine.
        assert!(
            run_with(
                &chained_flow(Some(3600)),
                &long_term(),
                code(),
                &Recording::default(),
                SessionChain::none()
            )
            .is_ok()
        );
    }

    #[test]
    fn without_a_cache_a_role_is_one_assume_role_carrying_the_code() {
        let sts = Recording::default();
        let creds = run_with(
            &role_flow(None),
            &long_term(),
            code(),
            &sts,
            SessionChain::none(),
        )
        .unwrap();
        assert_eq!(creds.credentials.access_key_id, "ASIA1");
        assert_eq!(creds.mfa_session, None);
        assert_eq!(
            seen(&sts),
            [(
                "AssumeRole",
                "AKIASOURCE0000000001".into(),
                Some("123456".into()),
                None
            )]
        );
    }

    #[test]
    fn with_a_cache_a_short_role_comes_from_a_cached_mfa_session_without_a_code() {
        let sts = Recording::default();
        let cache = memory_cache();
        let creds = run_with(&role_flow(None), &long_term(), code(), &sts, chain(&cache)).unwrap();
        assert_eq!(creds.credentials.access_key_id, "ASIA2");
        let session = creds
            .mfa_session
            .clone()
            .expect("derived from the MFA session");
        assert_eq!(
            seen(&sts),
            [
                (
                    "GetSessionToken",
                    "AKIASOURCE0000000001".into(),
                    Some("123456".into()),
                    Some(43_200)
                ),
                ("AssumeRole", "ASIA1".into(), None, None),
            ]
        );
        // The role lapsed, the MFA session did not: one AssumeRole from it, no code asked
        // (a prompt would fail here: there is no terminal in unit tests).
        let creds = run_with(
            &role_flow(Some(3600)),
            &long_term(),
            CodeSource::Prompt(Asker::default()),
            &sts,
            chain(&cache),
        )
        .unwrap();
        assert_eq!(creds.credentials.access_key_id, "ASIA3");
        assert_eq!(creds.mfa_session, Some(session));
        assert_eq!(
            seen(&sts)[2],
            ("AssumeRole", "ASIA1".into(), None, Some(3600))
        );
        assert_eq!(seen(&sts).len(), 3);
        // Other source keys have their own session.
        let other = SourceCredentials {
            secret_access_key: SecretString::from("rotated-secret"),
            ..long_term()
        };
        run_with(&role_flow(None), &other, code(), &sts, chain(&cache)).unwrap();
        assert_eq!(seen(&sts)[3].0, "GetSessionToken");
    }

    #[test]
    fn a_role_longer_than_an_hour_is_assumed_directly_with_the_code() {
        let sts = Recording::default();
        let cache = memory_cache();
        run_with(
            &role_flow(Some(3601)),
            &long_term(),
            code(),
            &sts,
            chain(&cache),
        )
        .unwrap();
        assert_eq!(
            seen(&sts),
            [(
                "AssumeRole",
                "AKIASOURCE0000000001".into(),
                Some("123456".into()),
                Some(3601)
            )]
        );
    }

    #[test]
    fn temporary_source_keys_assume_the_role_directly() {
        let sts = Recording::default();
        let cache = memory_cache();
        let source = SourceCredentials {
            access_key_id: "ASIASOURCE0000000001".into(),
            session_token: Some(SecretString::from("t")),
            ..long_term()
        };
        run_with(&role_flow(None), &source, code(), &sts, chain(&cache)).unwrap();
        assert_eq!(seen(&sts).len(), 1);
        assert_eq!(seen(&sts)[0].0, "AssumeRole");
        assert_eq!(seen(&sts)[0].2.as_deref(), Some("123456"));
    }

    #[test]
    fn without_a_role_one_get_session_token_with_the_default_twelve_hours() {
        let sts = Recording::default();
        let flow = FlowArgs {
            serial_number: Some("arn:aws:iam::123456789012:mfa/alice".into()),
            ..Default::default()
        };
        run_with(&flow, &long_term(), code(), &sts, SessionChain::none()).unwrap();
        assert_eq!(
            seen(&sts),
            [(
                "GetSessionToken",
                "AKIASOURCE0000000001".into(),
                Some("123456".into()),
                Some(43_200)
            )]
        );
    }

    #[test]
    fn a_given_code_that_is_not_six_digits_never_reaches_sts() {
        let sts = Recording::default();
        for bad in ["12345", "1234567", "12345a", ""] {
            let code = CodeSource::Given(SecretString::from(bad));
            let err = run_with(
                &role_flow(None),
                &long_term(),
                code,
                &sts,
                SessionChain::none(),
            )
            .unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}: {err}");
        }
        assert!(seen(&sts).is_empty());
    }

    #[test]
    fn a_refused_given_code_is_not_retried() {
        let sts = Recording {
            refuse_codes: 1,
            ..Default::default()
        };
        let err = run_with(
            &role_flow(None),
            &long_term(),
            code(),
            &sts,
            SessionChain::none(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("AccessDenied"), "{err}");
        assert_eq!(seen(&sts).len(), 1);
    }

    #[test]
    fn min_ttl_above_the_longest_role_session_is_a_usage_error() {
        let flags = |min_ttl| FlowArgs {
            timeout: 30,
            min_ttl,
            ..Default::default()
        };
        let err = Flow::prepare(&Target::default(), flags(43_201))
            .err()
            .unwrap();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--min-ttl 43201"), "{err}");
        // 43200 passes that check (whatever fails next depends on this process's environment).
        if let Err(e) = Flow::prepare(&Target::default(), flags(43_200)) {
            assert!(!e.to_string().contains("--min-ttl"), "{e}");
        }
    }

    #[test]
    fn a_session_no_longer_than_min_ttl_is_warned_about() {
        let with = |role: Option<u64>, session: Option<u64>, has_role: bool, min_ttl| FlowArgs {
            role_arn: has_role.then(|| "arn:aws:iam::123456789012:role/admin".into()),
            role_duration_seconds: role,
            session_duration_seconds: session,
            min_ttl,
            ..Default::default()
        };
        let warning = never_cached_warning(&with(Some(900), None, true, 900)).unwrap();
        assert!(warning.contains("role duration (900 s)"), "{warning}");
        assert!(never_cached_warning(&with(Some(901), None, true, 900)).is_none());
        // The default role (3600 s) and the default session (43200 s).
        assert!(never_cached_warning(&with(None, None, true, 3600)).is_some());
        assert!(never_cached_warning(&with(None, None, true, 3599)).is_none());
        let warning = never_cached_warning(&with(None, Some(900), false, 900)).unwrap();
        assert!(warning.contains("session duration (900 s)"), "{warning}");
        assert!(never_cached_warning(&with(None, None, false, 43_199)).is_none());
    }

    #[test]
    fn the_cache_key_names_what_is_asked_for_not_how() {
        let source = || Source::Env(long_term());
        let base = credentials_key(&role_flow(None), &source(), Some("http://e"));
        let same = FlowArgs {
            token_code: Some(SecretString::from("654321")),
            timeout: 99,
            min_ttl: 1,
            ..role_flow(None)
        };
        assert_eq!(credentials_key(&same, &source(), Some("http://e")), base);
        let other_role = FlowArgs {
            role_arn: Some("arn:aws:iam::123456789012:role/other".into()),
            ..role_flow(None)
        };
        assert_ne!(
            credentials_key(&other_role, &source(), Some("http://e")),
            base
        );
        assert_ne!(
            credentials_key(&role_flow(Some(900)), &source(), Some("http://e")),
            base
        );
        assert_ne!(credentials_key(&role_flow(None), &source(), None), base);
        let other_keys = Source::Env(SourceCredentials {
            secret_access_key: SecretString::from("other"),
            ..long_term()
        });
        assert_ne!(
            credentials_key(&role_flow(None), &other_keys, Some("http://e")),
            base
        );
    }
    const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";
    const ROLE: &str = "arn:aws:iam::123456789012:role/admin";

    fn calls(sts: &Recording) -> Vec<Seen> {
        sts.seen.lock().unwrap().clone()
    }

    /// Keys from an earlier session (role chaining): an ASIA key with its token.
    fn temporary() -> SourceCredentials {
        SourceCredentials {
            access_key_id: "ASIASOURCE0000000001".into(),
            session_token: Some(SecretString::from("t")),
            ..long_term()
        }
    }

    fn mfa_only() -> FlowArgs {
        FlowArgs {
            serial_number: Some(SERIAL.into()),
            ..Default::default()
        }
    }

    /// `env` for `region_from` and `session_name::fallback`: only the given variables set.
    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn a_given_session_duration_is_sent_as_given() {
        for seconds in [900, 3600, 129_600] {
            let sts = Recording::default();
            let flow = FlowArgs {
                session_duration_seconds: Some(seconds),
                ..mfa_only()
            };
            run_with(&flow, &long_term(), code(), &sts, SessionChain::none()).unwrap();
            assert_eq!(calls(&sts)[0].operation, "GetSessionToken");
            assert_eq!(calls(&sts)[0].duration, Some(seconds));
            assert_eq!(calls(&sts).len(), 1);
        }
    }

    /// Without --role-duration-seconds, AssumeRole carries no DurationSeconds (STS then
    /// gives 3600); a given one is sent as given, at both ends of STS's range.
    #[test]
    fn a_role_duration_is_sent_only_when_given() {
        for duration in [None, Some(900), Some(3600), Some(3601), Some(43_200)] {
            let sts = Recording::default();
            run_with(
                &role_flow(duration),
                &long_term(),
                code(),
                &sts,
                SessionChain::none(),
            )
            .unwrap();
            assert_eq!(calls(&sts).len(), 1, "{duration:?}");
            assert_eq!(calls(&sts)[0].duration, duration);
        }
    }

    #[test]
    fn every_role_parameter_reaches_the_call() {
        let sts = Recording::default();
        let flow = FlowArgs {
            external_id: Some("partner-7".into()),
            role_session_name: Some("ci.job@build".into()),
            role_duration_seconds: Some(7200),
            ..role_flow(None)
        };
        run_with(
            &flow,
            &long_term(),
            CodeSource::Given(SecretString::from("246810")),
            &sts,
            SessionChain::none(),
        )
        .unwrap();
        assert_eq!(
            calls(&sts),
            [Seen {
                operation: "AssumeRole",
                signed_by: "AKIASOURCE0000000001".into(),
                token_code: Some("246810".into()),
                duration: Some(7200),
                serial_number: Some(SERIAL.into()),
                role_arn: Some(ROLE.into()),
                session_name: Some("ci.job@build".into()),
                external_id: Some("partner-7".into()),
            }]
        );
    }

    #[test]
    fn the_external_id_also_reaches_a_role_assumed_from_the_mfa_session() {
        let sts = Recording::default();
        let cache = memory_cache();
        let flow = FlowArgs {
            external_id: Some("partner-7".into()),
            ..role_flow(None)
        };
        run_with(&flow, &long_term(), code(), &sts, chain(&cache)).unwrap();
        let seen = calls(&sts);
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].external_id, None);
        assert_eq!(seen[1].operation, "AssumeRole");
        assert_eq!(seen[1].external_id.as_deref(), Some("partner-7"));
        assert_eq!(seen[1].session_name.as_deref(), Some("alice"));
        assert_eq!(seen[1].token_code, None);
    }

    /// No --role-session-name: the default of the session-name chain, made to fit STS,
    /// never an empty or invalid name.
    #[test]
    fn without_a_session_name_the_default_is_sent() {
        let sts = Recording::default();
        let flow = FlowArgs {
            role_session_name: None,
            ..role_flow(None)
        };
        run_with(&flow, &long_term(), code(), &sts, SessionChain::none()).unwrap();
        let sent = calls(&sts)[0].session_name.clone().unwrap();
        assert_eq!(
            sent,
            session_name::fallback(crate::env::var, session_name::account_name)
        );
        validate::session_name(&sent).unwrap();
    }

    #[test]
    fn without_an_mfa_device_no_code_is_sent() {
        let sts = Recording::default();
        let flow = FlowArgs {
            serial_number: None,
            ..role_flow(None)
        };
        run_with(&flow, &long_term(), code(), &sts, SessionChain::none()).unwrap();
        assert_eq!(calls(&sts)[0].token_code, None);
        assert_eq!(calls(&sts)[0].serial_number, None);
        let sts = Recording::default();
        run_with(
            &FlowArgs::default(),
            &long_term(),
            code(),
            &sts,
            SessionChain::none(),
        )
        .unwrap();
        assert_eq!(calls(&sts)[0].operation, "GetSessionToken");
        assert_eq!(calls(&sts)[0].token_code, None);
    }

    /// `--region` (or the profile's, which `profile::apply` puts in the same place), then
    /// AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1.
    #[test]
    fn region_precedence() {
        let flag = FlowArgs {
            region: Some("eu-central-1".into()),
            ..Default::default()
        };
        let none = FlowArgs::default();
        let both = env_of(&[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "us-west-2"),
        ]);
        assert_eq!(region_from(&flag, &both).unwrap(), "eu-central-1");
        assert_eq!(region_from(&none, &both).unwrap(), "eu-west-1");
        assert_eq!(
            region_from(&none, env_of(&[("AWS_DEFAULT_REGION", "us-west-2")])).unwrap(),
            "us-west-2"
        );
        assert_eq!(
            region_from(&none, env_of(&[("AWS_REGION", "ap-south-1")])).unwrap(),
            "ap-south-1"
        );
        assert_eq!(region_from(&none, env_of(&[])).unwrap(), "us-east-1");
    }

    #[test]
    fn a_region_from_the_profile_wins_over_the_environment() {
        let raw = RawProfile {
            access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
            secret_access_key: Some("literal:not-a-real-secret".into()),
            region: Some("eu-north-1".into()),
            ..Default::default()
        };
        let mut flow = FlowArgs::default();
        profile::apply(
            "w",
            &raw,
            &mut flow,
            &Specs::load(None).unwrap(),
            None,
            Duration::from_secs(5),
        )
        .unwrap();
        let env = env_of(&[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "us-west-2"),
        ]);
        assert_eq!(region_from(&flow, &env).unwrap(), "eu-north-1");
    }

    #[test]
    fn an_invalid_region_in_the_environment_is_a_usage_error_naming_it() {
        for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            let err = region_from(
                &FlowArgs::default(),
                env_of(&[(name, "evil.example.com/x")]),
            )
            .unwrap_err();
            assert_eq!(err.exit_code(), 2, "{err}");
            assert!(err.to_string().starts_with(&format!("{name}: ")), "{err}");
        }
    }

    /// Role chaining: STS caps a role assumed with temporary keys at 3600 s. Asking for more
    /// is a usage error that names the cap, before any call; 3600 itself goes through.
    #[test]
    fn temporary_keys_cap_a_role_at_one_hour() {
        for with_cache in [false, true] {
            let cache = memory_cache();
            let chained = || {
                if with_cache {
                    chain(&cache)
                } else {
                    SessionChain::none()
                }
            };
            let sts = Recording::default();
            let err = run_with(
                &role_flow(Some(3601)),
                &temporary(),
                code(),
                &sts,
                chained(),
            )
            .unwrap_err();
            assert_eq!(err.exit_code(), 2, "{err}");
            assert!(
                err.to_string().contains("3601") && err.to_string().contains("3600 s"),
                "{err}"
            );
            assert!(calls(&sts).is_empty());
            run_with(
                &role_flow(Some(3600)),
                &temporary(),
                code(),
                &sts,
                chained(),
            )
            .unwrap();
            let seen = calls(&sts);
            assert_eq!(seen.len(), 1);
            assert_eq!(
                (seen[0].operation, seen[0].signed_by.as_str()),
                ("AssumeRole", "ASIASOURCE0000000001")
            );
            assert_eq!(seen[0].duration, Some(3600));
        }
        // Long-term keys may ask for the full 12 hours.
        let sts = Recording::default();
        run_with(
            &role_flow(Some(43_200)),
            &long_term(),
            code(),
            &sts,
            SessionChain::none(),
        )
        .unwrap();
        assert_eq!(calls(&sts)[0].duration, Some(43_200));
    }

    #[test]
    fn get_session_token_from_temporary_keys_is_refused_before_any_call() {
        let sts = Recording::default();
        for flow in [mfa_only(), FlowArgs::default()] {
            let err =
                run_with(&flow, &temporary(), code(), &sts, SessionChain::none()).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{err}");
            assert!(err.to_string().contains("temporary"), "{err}");
        }
        assert!(calls(&sts).is_empty());
    }

    /// Every value is checked before the first request: a flow with any invalid value (or
    /// combination) is a usage error, and the STS never hears of it, cache or no cache.
    #[test]
    fn invalid_values_never_reach_sts() {
        let role = || role_flow(None);
        let cases: Vec<(&str, FlowArgs)> = vec![
            (
                "--serial-number",
                FlowArgs {
                    serial_number: Some("alice".into()),
                    ..role()
                },
            ),
            (
                "--token-code",
                FlowArgs {
                    token_code: Some(SecretString::from("12345")),
                    ..role()
                },
            ),
            (
                "--token-code",
                FlowArgs {
                    token_code: Some(SecretString::from("12345a")),
                    ..mfa_only()
                },
            ),
            (
                "--role-arn",
                FlowArgs {
                    role_arn: Some("admin".into()),
                    ..role()
                },
            ),
            ("--role-duration-seconds", role_flow(Some(899))),
            ("--role-duration-seconds", role_flow(Some(43_201))),
            (
                "--session-duration-seconds",
                FlowArgs {
                    session_duration_seconds: Some(899),
                    ..mfa_only()
                },
            ),
            (
                "--session-duration-seconds",
                FlowArgs {
                    session_duration_seconds: Some(129_601),
                    ..mfa_only()
                },
            ),
            (
                "--role-session-name",
                FlowArgs {
                    role_session_name: Some("a".into()),
                    ..role()
                },
            ),
            (
                "--role-session-name",
                FlowArgs {
                    role_session_name: Some("al ice".into()),
                    ..role()
                },
            ),
            (
                "--external-id",
                FlowArgs {
                    external_id: Some("x".into()),
                    ..role()
                },
            ),
            (
                "--region",
                FlowArgs {
                    region: Some("evil.example.com/x".into()),
                    ..role()
                },
            ),
            // Combinations.
            (
                "--token-code needs --serial-number",
                FlowArgs {
                    token_code: Some(SecretString::from("123456")),
                    ..Default::default()
                },
            ),
            (
                "--session-duration-seconds applies to GetSessionToken",
                FlowArgs {
                    session_duration_seconds: Some(3600),
                    ..role()
                },
            ),
            (
                "--role-duration-seconds needs --role-arn",
                FlowArgs {
                    role_duration_seconds: Some(3600),
                    ..mfa_only()
                },
            ),
            (
                "--role-session-name needs --role-arn",
                FlowArgs {
                    role_session_name: Some("alice".into()),
                    ..mfa_only()
                },
            ),
            (
                "--external-id needs --role-arn",
                FlowArgs {
                    external_id: Some("partner-7".into()),
                    ..mfa_only()
                },
            ),
        ];
        for (named, flow) in cases {
            for with_cache in [false, true] {
                let sts = Recording::default();
                let cache = memory_cache();
                let chained = if with_cache {
                    chain(&cache)
                } else {
                    SessionChain::none()
                };
                let err = run_with(&flow, &long_term(), code(), &sts, chained).unwrap_err();
                assert_eq!(err.exit_code(), 2, "{named}: {err}");
                assert!(err.to_string().contains(named), "{named}: {err}");
                assert!(calls(&sts).is_empty(), "{named}: {:?}", calls(&sts));
            }
        }
    }

    /// The other side of the ranges: the limits themselves are accepted and sent.
    #[test]
    fn the_limits_of_each_range_are_accepted() {
        for seconds in [900, 43_200] {
            let sts = Recording::default();
            run_with(
                &role_flow(Some(seconds)),
                &long_term(),
                code(),
                &sts,
                SessionChain::none(),
            )
            .unwrap();
            assert_eq!(calls(&sts)[0].duration, Some(seconds));
        }
        for seconds in [900, 129_600] {
            let sts = Recording::default();
            let flow = FlowArgs {
                session_duration_seconds: Some(seconds),
                ..mfa_only()
            };
            run_with(&flow, &long_term(), code(), &sts, SessionChain::none()).unwrap();
            assert_eq!(calls(&sts)[0].duration, Some(seconds));
        }
    }

    /// A refused code on the MFA-session path is not retried either, and nothing is cached:
    /// the next run asks STS again.
    #[test]
    fn a_refused_given_code_for_the_mfa_session_is_not_retried_nor_cached() {
        let sts = Recording {
            refuse_codes: 1,
            ..Default::default()
        };
        let cache = memory_cache();
        let err =
            run_with(&role_flow(None), &long_term(), code(), &sts, chain(&cache)).unwrap_err();
        assert_eq!(err.exit_code(), 1, "{err}");
        assert_eq!(calls(&sts).len(), 1);
        assert_eq!(calls(&sts)[0].operation, "GetSessionToken");
        run_with(&role_flow(None), &long_term(), code(), &sts, chain(&cache)).unwrap();
        let seen = calls(&sts);
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[1].operation, "GetSessionToken");
        assert_eq!(seen[1].token_code.as_deref(), Some("123456"));
    }

    /// A TOTP code STS refuses (used already) is followed by exactly one more call, with the
    /// next window's code; a second refusal ends the run. A one-second period keeps the wait
    /// for the next window short.
    #[test]
    fn a_refused_totp_code_is_retried_once_with_the_next_code() {
        let totp = || {
            CodeSource::Totp(
                Totp::from_text(
                    "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&period=1",
                )
                .unwrap(),
            )
        };
        let sts = Recording {
            refuse_codes: 1,
            ..Default::default()
        };
        let creds = run_with(
            &mfa_only(),
            &long_term(),
            totp(),
            &sts,
            SessionChain::none(),
        )
        .unwrap();
        assert_eq!(creds.credentials.access_key_id, "ASIA2");
        let seen = calls(&sts);
        assert_eq!(seen.len(), 2);
        assert!(seen.iter().all(|s| s.operation == "GetSessionToken"));
        let (first, second) = (seen[0].token_code.clone(), seen[1].token_code.clone());
        assert!(first.is_some() && second.is_some());
        assert_ne!(first, second, "the retry must carry the next window's code");

        let sts = Recording {
            refuse_codes: 2,
            ..Default::default()
        };
        let err = run_with(
            &role_flow(None),
            &long_term(),
            totp(),
            &sts,
            SessionChain::none(),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 1, "{err}");
        assert_eq!(calls(&sts).len(), 2, "one retry, never two");
    }

    /// Only a refusal of the code is retried: an AccessDenied about the role is final.
    #[test]
    fn a_totp_code_is_not_retried_after_another_refusal() {
        let sts = Recording {
            deny_first: true,
            ..Default::default()
        };
        let totp = Totp::from_text("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        let err = run_with(
            &role_flow(None),
            &long_term(),
            CodeSource::Totp(totp),
            &sts,
            SessionChain::none(),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 1, "{err}");
        assert_eq!(calls(&sts).len(), 1);
    }
}
