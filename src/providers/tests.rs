//! The provider stack against a recording STS: which calls a run makes, signed with which
//! keys, carrying which code, for every shape of run (no role, a role, a chain, an MFA
//! session from the cache); and that nothing invalid reaches STS.

use super::code::{Asker, CodeSource};
use super::resolve::Resolved;
use super::stack::{self, Keep};
use crate::cache::Cache;
use crate::cache::store::Memory;
use crate::cli::FlowArgs;
use crate::credentials::{Issued, KeyOrigin, SessionCredentials, SourceCredentials, now_secs};
use crate::error::Error;
use crate::secrets::totp::Totp;
use crate::settings::config::ViaRole;
use crate::settings::run::check_flags;
use crate::settings::{session_name, validate};
use crate::sts::{Call, Sts, StsError, StsErrorKind};
use aws_smithy_types::DateTime;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Mutex;

/// A run of `flow` from `source` with `code`: the flags checked as settings are, the run
/// assembled, the stack chosen (with the cache when given) and asked.
fn run_with(
    flow: &FlowArgs,
    source: &SourceCredentials,
    code: CodeSource,
    sts: &Recording,
    cache: Option<&Cache>,
) -> Result<Issued, Error> {
    run_chain(flow, &[], source, code, sts, cache)
}

/// `run_with` with the roles of a source_profile chain before the flags' own.
fn run_chain(
    flow: &FlowArgs,
    via: &[ViaRole],
    source: &SourceCredentials,
    code: CodeSource,
    sts: &Recording,
    cache: Option<&Cache>,
) -> Result<Issued, Error> {
    check_flags(flow)?;
    let run = Resolved::from_flags(flow, via, source.clone(), code)?;
    let keep = cache.map(|cache| Keep {
        cache,
        profile: "work",
        endpoint: Some("http://127.0.0.1:1"),
    });
    stack::choose(&run, sts, keep).retrieve()
}

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
    scope: Option<crate::settings::scope::Scope>,
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
        let (duration, mfa, role_arn, session_name, external_id, scope) = match call {
            Call::SessionToken {
                duration_seconds,
                mfa,
            } => (Some(*duration_seconds), mfa, None, None, None, None),
            Call::AssumeRole {
                role_arn,
                session_name,
                duration_seconds,
                external_id,
                mfa,
                scope,
            } => (
                *duration_seconds,
                mfa,
                Some(role_arn.clone()),
                Some(session_name.clone()),
                external_id.clone(),
                scope.as_deref().cloned(),
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
            scope,
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
        origin: KeyOrigin::both("the test"),
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

/// The roles of a source_profile chain before the profile's own.
fn via() -> Vec<ViaRole> {
    vec![
        ViaRole {
            profile: "jump".into(),
            role_arn: "arn:aws:iam::1:role/jump".into(),
            external_id: Some("jump-ext".into()),
            role_session_name: Some("jumper".into()),
        },
        ViaRole {
            profile: "middle".into(),
            role_arn: "arn:aws:iam::2:role/middle".into(),
            external_id: None,
            role_session_name: Some("mid".into()),
        },
    ]
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
    let creds = run_chain(
        &role_flow(Some(1800)),
        &via(),
        &long_term(),
        code(),
        &sts,
        None,
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
    let creds = run_chain(
        &role_flow(None),
        &via(),
        &long_term(),
        code(),
        &sts,
        Some(&cache),
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
    let err = run_chain(
        &role_flow(Some(3601)),
        &via(),
        &long_term(),
        code(),
        &sts,
        None,
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
        run_chain(
            &role_flow(Some(3600)),
            &via(),
            &long_term(),
            code(),
            &Recording::default(),
            None
        )
        .is_ok()
    );
}

#[test]
fn without_a_cache_a_role_is_one_assume_role_carrying_the_code() {
    let sts = Recording::default();
    let creds = run_with(&role_flow(None), &long_term(), code(), &sts, None).unwrap();
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
    let creds = run_with(&role_flow(None), &long_term(), code(), &sts, Some(&cache)).unwrap();
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
        Some(&cache),
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
    run_with(&role_flow(None), &other, code(), &sts, Some(&cache)).unwrap();
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
        Some(&cache),
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
    run_with(&role_flow(None), &source, code(), &sts, Some(&cache)).unwrap();
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
    run_with(&flow, &long_term(), code(), &sts, None).unwrap();
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
        let err = run_with(&role_flow(None), &long_term(), code, &sts, None).unwrap_err();
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
    let err = run_with(&role_flow(None), &long_term(), code(), &sts, None).unwrap_err();
    assert!(err.to_string().contains("AccessDenied"), "{err}");
    assert_eq!(seen(&sts).len(), 1);
}

#[test]
fn min_ttl_above_the_longest_role_session_is_a_usage_error() {
    let flags = |min_ttl| FlowArgs {
        min_ttl,
        ..Default::default()
    };
    let err = check_flags(&flags(43_201)).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("--min-ttl 43201"), "{err}");
    check_flags(&flags(43_200)).unwrap();
}

#[test]
fn a_session_no_longer_than_min_ttl_is_warned_about() {
    use super::session::never_cached_warning;
    let run = |role: Option<u64>, session: Option<u64>, has_role: bool| {
        let flags = FlowArgs {
            role_arn: has_role.then(|| "arn:aws:iam::123456789012:role/admin".into()),
            role_duration_seconds: role,
            session_duration_seconds: session,
            ..Default::default()
        };
        Resolved::from_flags(&flags, &[], long_term(), code()).unwrap()
    };
    let warning = never_cached_warning(&run(Some(900), None, true), 900).unwrap();
    assert!(warning.contains("role duration (900 s)"), "{warning}");
    assert!(never_cached_warning(&run(Some(901), None, true), 900).is_none());
    // The default role (3600 s) and the default session (43200 s).
    assert!(never_cached_warning(&run(None, None, true), 3600).is_some());
    assert!(never_cached_warning(&run(None, None, true), 3599).is_none());
    let warning = never_cached_warning(&run(None, Some(900), false), 900).unwrap();
    assert!(warning.contains("session duration (900 s)"), "{warning}");
    assert!(never_cached_warning(&run(None, None, false), 43_199).is_none());
}

#[test]
fn the_cache_key_names_what_is_asked_for_not_how() {
    use crate::settings::identity::credentials_key;
    use crate::settings::run::Source;
    let specs = crate::secrets::backend::spec::Specs::load(None).unwrap();
    let scoped = |scope: &crate::settings::scope::Scope| {
        credentials_key(
            &role_flow(None),
            &Source::Env(long_term()),
            scope,
            Some("http://e"),
            &specs,
            None,
        )
    };
    let key = |flags: &FlowArgs, source: &Source, endpoint: Option<&str>| {
        credentials_key(flags, source, &Default::default(), endpoint, &specs, None)
    };
    let source = || Source::Env(long_term());
    let base = key(&role_flow(None), &source(), Some("http://e"));
    let same = FlowArgs {
        token_code: Some(SecretString::from("654321")),
        limit: crate::cli::Timeout { timeout: 99 },
        min_ttl: 1,
        ..role_flow(None)
    };
    assert_eq!(key(&same, &source(), Some("http://e")), base);
    let other_role = FlowArgs {
        role_arn: Some("arn:aws:iam::123456789012:role/other".into()),
        ..role_flow(None)
    };
    assert_ne!(key(&other_role, &source(), Some("http://e")), base);
    assert_ne!(
        key(&role_flow(Some(900)), &source(), Some("http://e")),
        base
    );
    assert_ne!(key(&role_flow(None), &source(), None), base);
    let other_keys = Source::Env(SourceCredentials {
        secret_access_key: SecretString::from("other"),
        ..long_term()
    });
    assert_ne!(key(&role_flow(None), &other_keys, Some("http://e")), base);
    // Every part of a scope makes a key of its own: a scoped session never answers an
    // unscoped run, nor another scope.
    use crate::settings::scope::Scope;
    assert_eq!(scoped(&Scope::default()), base);
    let scopes = [
        Scope {
            policy: Some("{\"Statement\":[]}".into()),
            ..Scope::default()
        },
        Scope {
            policy_arns: vec!["arn:aws:iam::aws:policy/A".into()],
            ..Scope::default()
        },
        Scope {
            read_only: true,
            ..Scope::default()
        },
        Scope {
            source_identity: Some("agent".into()),
            ..Scope::default()
        },
        Scope {
            tags: vec![("k".into(), "v".into())],
            ..Scope::default()
        },
        Scope {
            tags: vec![("k".into(), "w".into())],
            ..Scope::default()
        },
        Scope {
            tags: vec![("k".into(), "v".into())],
            transitive_tags: vec!["k".into()],
            ..Scope::default()
        },
    ];
    let keys: std::collections::BTreeSet<String> = scopes.iter().map(scoped).collect();
    assert_eq!(keys.len(), scopes.len());
    assert!(!keys.contains(&base));
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

#[test]
fn a_given_session_duration_is_sent_as_given() {
    for seconds in [900, 3600, 129_600] {
        let sts = Recording::default();
        let flow = FlowArgs {
            session_duration_seconds: Some(seconds),
            ..mfa_only()
        };
        run_with(&flow, &long_term(), code(), &sts, None).unwrap();
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
        run_with(&role_flow(duration), &long_term(), code(), &sts, None).unwrap();
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
        None,
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
            scope: None,
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
    run_with(&flow, &long_term(), code(), &sts, Some(&cache)).unwrap();
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
    run_with(&flow, &long_term(), code(), &sts, None).unwrap();
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
    run_with(&flow, &long_term(), code(), &sts, None).unwrap();
    assert_eq!(calls(&sts)[0].token_code, None);
    assert_eq!(calls(&sts)[0].serial_number, None);
    let sts = Recording::default();
    run_with(&FlowArgs::default(), &long_term(), code(), &sts, None).unwrap();
    assert_eq!(calls(&sts)[0].operation, "GetSessionToken");
    assert_eq!(calls(&sts)[0].token_code, None);
}

/// A region the run was given (flag or profile) is where STS is asked, whatever the
/// environment says; only a given region is handed on with the credentials.
#[test]
fn a_given_region_wins_over_the_environment() {
    let flags = FlowArgs {
        region: Some("eu-north-1".into()),
        ..Default::default()
    };
    let run = Resolved::from_flags(&flags, &[], long_term(), code()).unwrap();
    assert_eq!(run.sts_region, "eu-north-1");
    assert_eq!(run.region.as_deref(), Some("eu-north-1"));
    let run = Resolved::from_flags(&FlowArgs::default(), &[], long_term(), code()).unwrap();
    assert_eq!(run.region, None);
}

/// Role chaining: STS caps a role assumed with temporary keys at 3600 s. Asking for more
/// is a usage error that names the cap, before any call; 3600 itself goes through.
#[test]
fn temporary_keys_cap_a_role_at_one_hour() {
    for with_cache in [false, true] {
        let cache = memory_cache();
        let chained = with_cache.then_some(&cache);
        let sts = Recording::default();
        let err =
            run_with(&role_flow(Some(3601)), &temporary(), code(), &sts, chained).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{err}");
        assert!(
            err.to_string().contains("3601") && err.to_string().contains("3600 s"),
            "{err}"
        );
        assert!(calls(&sts).is_empty());
        run_with(&role_flow(Some(3600)), &temporary(), code(), &sts, chained).unwrap();
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
    run_with(&role_flow(Some(43_200)), &long_term(), code(), &sts, None).unwrap();
    assert_eq!(calls(&sts)[0].duration, Some(43_200));
}

#[test]
fn get_session_token_from_temporary_keys_is_refused_before_any_call() {
    let sts = Recording::default();
    for flow in [mfa_only(), FlowArgs::default()] {
        let err = run_with(&flow, &temporary(), code(), &sts, None).unwrap_err();
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
            let chained = if with_cache { Some(&cache) } else { None };
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
        run_with(&role_flow(Some(seconds)), &long_term(), code(), &sts, None).unwrap();
        assert_eq!(calls(&sts)[0].duration, Some(seconds));
    }
    for seconds in [900, 129_600] {
        let sts = Recording::default();
        let flow = FlowArgs {
            session_duration_seconds: Some(seconds),
            ..mfa_only()
        };
        run_with(&flow, &long_term(), code(), &sts, None).unwrap();
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
    let err = run_with(&role_flow(None), &long_term(), code(), &sts, Some(&cache)).unwrap_err();
    assert_eq!(err.exit_code(), 1, "{err}");
    assert_eq!(calls(&sts).len(), 1);
    assert_eq!(calls(&sts)[0].operation, "GetSessionToken");
    run_with(&role_flow(None), &long_term(), code(), &sts, Some(&cache)).unwrap();
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
            Totp::from_text("otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&period=1")
                .unwrap(),
        )
    };
    let sts = Recording {
        refuse_codes: 1,
        ..Default::default()
    };
    let creds = run_with(&mfa_only(), &long_term(), totp(), &sts, None).unwrap();
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
    let err = run_with(&role_flow(None), &long_term(), totp(), &sts, None).unwrap_err();
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
        None,
    )
    .unwrap_err();
    assert_eq!(err.exit_code(), 1, "{err}");
    assert_eq!(calls(&sts).len(), 1);
}

fn scoped_flow() -> FlowArgs {
    FlowArgs {
        serial_number: Some(SERIAL.into()),
        role_arn: Some(ROLE.into()),
        scope: crate::cli::ScopeArgs {
            read_only: true,
            source_identity: Some("agent".into()),
            tags: vec![("job".into(), "nightly".into())],
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The scope goes on the AssumeRole whose session is handed out, whatever it is assumed
/// from; the cached MFA session (GetSessionToken) carries none, so it stays shared with
/// unscoped runs and a scoped run asks for no new code.
#[test]
fn the_scope_goes_on_the_last_role_only_and_the_mfa_session_stays_unscoped() {
    let expected = crate::settings::scope::Scope {
        read_only: true,
        source_identity: Some("agent".into()),
        tags: vec![("job".into(), "nightly".into())],
        ..Default::default()
    };
    // From the keys (no cache): one AssumeRole, scoped.
    let sts = Recording::default();
    run_with(&scoped_flow(), &long_term(), code(), &sts, None).unwrap();
    let seen = calls(&sts);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].scope.as_ref(), Some(&expected));
    // From the cached MFA session: GetSessionToken unscoped, the role scoped.
    let sts = Recording::default();
    let cache = memory_cache();
    run_with(&scoped_flow(), &long_term(), code(), &sts, Some(&cache)).unwrap();
    let seen = calls(&sts);
    assert_eq!(
        seen.iter()
            .map(|s| (s.operation, s.scope.is_some()))
            .collect::<Vec<_>>(),
        [("GetSessionToken", false), ("AssumeRole", true)]
    );
    // A chain: the roles on the way carry nothing, the profile's own role the scope.
    let sts = Recording::default();
    let via = [ViaRole {
        profile: "base".into(),
        role_arn: "arn:aws:iam::123456789012:role/base".into(),
        ..Default::default()
    }];
    let run = Resolved::from_flags(&scoped_flow(), &via, long_term(), code()).unwrap();
    stack::choose(&run, &sts, None).retrieve().unwrap();
    let seen = calls(&sts);
    assert_eq!(
        seen.iter()
            .map(|s| (s.role_arn.clone().unwrap_or_default(), s.scope.is_some()))
            .collect::<Vec<_>>(),
        [
            ("arn:aws:iam::123456789012:role/base".to_owned(), false),
            (ROLE.to_owned(), true)
        ]
    );
}

/// Without a role the scope is kept aside (login's GetFederationToken can take part of it),
/// never on a role that is not there, and its size is checked in the run's partition.
#[test]
fn a_scope_without_a_role_is_kept_aside_and_its_size_checked() {
    let flags = FlowArgs {
        role_arn: None,
        ..scoped_flow()
    };
    let run = Resolved::from_flags(&flags, &[], long_term(), code()).unwrap();
    assert!(run.roles.is_empty());
    assert!(run.roleless_scope.is_some_and(|s| s.read_only));
    let too_many = FlowArgs {
        scope: crate::cli::ScopeArgs {
            policy_arns: (0..10)
                .map(|n| format!("arn:aws:iam::123456789012:policy/p{n}"))
                .collect(),
            read_only: true,
            ..Default::default()
        },
        ..scoped_flow()
    };
    let error = Resolved::from_flags(&too_many, &[], long_term(), code())
        .err()
        .unwrap();
    assert!(
        error.to_string().starts_with("11 managed session policies"),
        "{error}"
    );
}
