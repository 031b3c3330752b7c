//! The session cache against a strict STS (tests/support/strict_sts.rs): a hit makes no
//! request and runs no password manager; a role is derived from a cached MFA session without
//! a code; parallel runs share one coded call; `--no-cache` touches nothing; `cache list`,
//! `clear`, `status`; corrupt entries; the TOTP retry; both stores (the persistent kernel
//! keyring, each run in its own `keyctl session` as separate logins are, and gnome-keyring
//! over D-Bus); nothing on disk; and the real AWS CLI through `credential_process`.
//!
//! The kernel keyring is the user's, shared by every test running in parallel: each test
//! has its own STS (its own endpoint, which is part of every cache key) and its own profile
//! names, looks only at its own profiles' entries, and clears them when it ends.

use crate::support::profile_kit::TOTP_SEED;
use crate::support::seccomp;
use crate::support::sessions_rig::*;
use crate::support::sigv4::{Mismatch, SIGNATURE_MISMATCH_MESSAGE, SignatureCheck};
use crate::support::strict_sts::{INVALID_MFA_MESSAGE, Issued, StrictSts, now, parse_rfc3339};
use crate::support::*;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

// 1 -------------------------------------------------------------------------------------

#[test]
fn a_second_run_makes_no_request_runs_no_password_manager_and_prints_the_same_in_sh_and_json() {
    let rig = Rig::new(Cache::Kernel, StrictSts::start());
    let p = rig.profile("hit", None, false, "");
    let first = rig.run(&p, &["--token-code", TOKEN_CODE]);
    let printed = Printed::sh(&first);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_coded_session_token(&calls[0], TOKEN_CODE);
    assert_eq!(calls[0].param("DurationSeconds"), Some("43200"));
    assert_eq!(printed, Printed::of(&rig.sts.issued()[0]));
    assert_eq!(rig.fakes.calls_of("gopass").len(), 1);

    // The same code again: had it gone to STS, STS would refuse it.
    let second = rig.run(&p, &["--token-code", TOKEN_CODE]);
    second.assert_success();
    assert_eq!(second.stdout, first.stdout, "{}", second.describe());
    let json = rig.run(&p, &["--token-code", TOKEN_CODE, "--format", "json"]);
    assert_eq!(Printed::json(&json), printed, "{}", json.describe());
    // No code at all and no terminal: a hit needs none.
    let bare = rig.run(&p, &[]);
    assert_eq!(Printed::sh(&bare), printed, "{}", bare.describe());

    assert_eq!(rig.sts.total(), 1, "{:#?}", rig.sts.requests());
    assert_eq!(
        rig.fakes.calls_of("gopass").len(),
        1,
        "a hit runs no password manager: {:?}",
        rig.fakes.calls()
    );
    // A warm cache does not make a bad value acceptable.
    rig.run(&p, &["--token-code", "12345x"]).assert_failure(2);
    assert_eq!(rig.sts.total(), 1);
}

// 2 -------------------------------------------------------------------------------------

#[test]
fn eight_parallel_runs_on_an_empty_cache_share_one_coded_call() {
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder().role_requires_mfa().start(),
    );
    let p = rig.profile("par", Some(ROLE), false, "");
    let barrier = std::sync::Barrier::new(8);
    let runs: Vec<Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    let mut cmd =
                        without_terminal(&rig.with_profile(&p, &["--token-code", TOKEN_CODE]));
                    barrier.wait();
                    run(&mut cmd)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let first = Printed::sh(&runs[0]);
    for r in &runs {
        assert_eq!(Printed::sh(r), first, "{}", r.describe());
    }
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 2, "GetSessionToken + AssumeRole: {calls:#?}");
    assert_eq!(rig.sts.coded_calls().len(), 1, "{calls:#?}");
    assert_coded_session_token(&calls[0], TOKEN_CODE);
    assert_eq!(calls[0].param("DurationSeconds"), Some("43200"));
    let session = &rig.sts.issued()[0];
    assert_role_from_session(&calls[1], ROLE, &session.access_key_id);
    assert_eq!(first, Printed::of(&rig.sts.issued()[1]));
}

// 3 -------------------------------------------------------------------------------------

#[test]
fn a_role_inside_the_margin_is_derived_again_from_the_cached_mfa_session_without_a_code() {
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder()
            .role_requires_mfa()
            .role_lifetime(1000)
            .start(),
    );
    let p = rig.profile("margin", Some(ROLE), false, "");
    let first = Printed::sh(&rig.run(&p, &["--token-code", TOKEN_CODE]));
    assert_eq!(rig.sts.total(), 2);
    let session = rig.sts.issued()[0].clone();

    // 1000 s left < 1200: a new role, from the MFA session; no code, no terminal, no prompt.
    let refreshed = rig.run(&p, &["--min-ttl", "1200"]);
    let second = Printed::sh(&refreshed);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 3, "exactly one more call: {calls:#?}");
    assert_role_from_session(&calls[2], ROLE, &session.access_key_id);
    assert_eq!(rig.sts.coded_calls().len(), 1);
    assert_ne!(second.access_key_id, first.access_key_id);
    assert_eq!(second, Printed::of(&rig.sts.issued()[2]));

    // With the default margin (900 s) the new role is served from the cache.
    assert_eq!(Printed::sh(&rig.run(&p, &[])), second);
    assert_eq!(rig.sts.total(), 3);
    // AWS_AUTH_MIN_TTL is the flag's variable.
    let by_env = run(&mut without_terminal(
        rig.with_profile(&p, &[]).env("AWS_AUTH_MIN_TTL", "1200"),
    ));
    let third = Printed::sh(&by_env);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 4, "{calls:#?}");
    assert_role_from_session(&calls[3], ROLE, &session.access_key_id);
    assert_ne!(third.access_key_id, second.access_key_id);
}

// 4 -------------------------------------------------------------------------------------

#[test]
fn a_role_longer_than_an_hour_is_one_coded_assume_role_from_the_source_keys_then_hits() {
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder().role_requires_mfa().start(),
    );
    let p = rig.profile("long", Some(ROLE), false, "");
    let args = [
        "--role-duration-seconds",
        "7200",
        "--token-code",
        TOKEN_CODE,
    ];
    let first = Printed::sh(&rig.run(&p, &args));
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_coded_role(&calls[0], ROLE, TOKEN_CODE);
    assert_eq!(calls[0].param("DurationSeconds"), Some("7200"));
    let left = parse_rfc3339(&first.expiration).unwrap() as i64 - now() as i64;
    assert!((7100..=7200).contains(&left), "{first:?}");
    let expected: Vec<(String, String)> = vec![("credentials".into(), first.expiration.clone())];
    assert_eq!(rig.entries(&p), expected, "no MFA session for a long role");

    assert_eq!(Printed::sh(&rig.run(&p, &args)), first);
    // Cached for its whole life: still served with 7000 s asked to remain.
    let late = ["--role-duration-seconds", "7200", "--min-ttl", "7000"];
    assert_eq!(Printed::sh(&rig.run(&p, &late)), first);
    assert_eq!(rig.sts.total(), 1, "{:#?}", rig.sts.requests());
}

// 5 -------------------------------------------------------------------------------------

#[test]
fn no_cache_neither_reads_nor_writes_the_cache() {
    let rig = Rig::new(Cache::Kernel, StrictSts::start());
    let p = rig.profile("nocache", Some(ROLE), false, "");

    let cold = Printed::sh(&rig.run(&p, &["--no-cache", "--token-code", "111111"]));
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 1, "today's one call: {calls:#?}");
    assert_coded_role(&calls[0], ROLE, "111111");
    assert_eq!(cold, Printed::of(&rig.sts.issued()[0]));
    assert_eq!(rig.entries(&p), [], "--no-cache wrote to the cache");

    let cached = Printed::sh(&rig.run(&p, &["--token-code", "222222"]));
    assert_eq!(rig.sts.total(), 3);
    let warm = rig.entries(&p);
    assert_eq!(warm.len(), 2, "{warm:?}");

    let bypass = Printed::sh(&rig.run(&p, &["--no-cache", "--token-code", "333333"]));
    let calls = rig.sts.requests();
    assert_eq!(
        calls.len(),
        4,
        "--no-cache must not read a warm cache: {calls:#?}"
    );
    assert_coded_role(&calls[3], ROLE, "333333");
    assert_ne!(bypass.access_key_id, cached.access_key_id);
    assert_eq!(rig.entries(&p), warm, "--no-cache must not write");

    let by_env = run(&mut without_terminal(
        rig.with_profile(&p, &["--token-code", "444444"])
            .env("AWS_AUTH_NO_CACHE", "1"),
    ));
    let by_env = Printed::sh(&by_env);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 5, "{calls:#?}");
    assert_coded_role(&calls[4], ROLE, "444444");
    assert_ne!(by_env.access_key_id, cached.access_key_id);
    assert_eq!(rig.entries(&p), warm);

    // The cached credentials are still the ones served.
    assert_eq!(Printed::sh(&rig.run(&p, &[])), cached);
    assert_eq!(rig.sts.total(), 5);
}

// 6 -------------------------------------------------------------------------------------

#[test]
fn cache_list_shows_a_profiles_entries_and_clear_removes_only_them() {
    // Other source keys for q: an MFA session is kept per source key and device.
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder()
            .long_term_key(OTHER_SOURCE_KEY, SOURCE_SECRET_ACCESS_KEY)
            .start(),
    );
    let p = rig.profile("clear-p", Some(ROLE), false, "");
    let q = rig.profile_with_key("clear-q", OTHER_SOURCE_KEY, Some(ROLE), false, "");
    Printed::sh(&rig.run(&p, &["--token-code", "111111"]));
    let q_printed = Printed::sh(&rig.run(&q, &["--token-code", "222222"]));
    let issued = rig.sts.issued();
    assert_eq!(issued.len(), 4);
    let expected = |session: &Issued, role: &Issued| {
        vec![
            ("credentials".to_owned(), role.expiration.clone()),
            ("mfa-session".to_owned(), session.expiration.clone()),
        ]
    };
    assert_eq!(rig.entries(&p), expected(&issued[0], &issued[1]));
    let q_entries = rig.entries(&q);
    assert_eq!(q_entries, expected(&issued[2], &issued[3]));

    let cleared = rig.clear(&p);
    cleared.assert_success();
    assert!(cleared.stdout.is_empty(), "{}", cleared.describe());
    assert!(
        aws_auth_stderr(&cleared).contains('2'),
        "clear says how many it removed\n{}",
        cleared.describe()
    );
    assert_eq!(rig.entries(&p), []);
    assert_eq!(rig.entries(&q), q_entries, "another profile's entries stay");

    let again = rig.run(&p, &["--token-code", "333333"]);
    again.assert_success();
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 6, "{calls:#?}");
    assert_coded_session_token(&calls[4], "333333");
    assert_role_from_session(&calls[5], ROLE, &rig.sts.issued()[4].access_key_id);
    assert_eq!(Printed::sh(&rig.run(&q, &[])), q_printed);
    assert_eq!(rig.sts.total(), 6);
}

/// In a private Secret Service, `clear` without --profile is safe to run: it removes every
/// entry, keys from the environment (`-`) included.
#[test]
fn cache_list_shows_environment_keys_as_a_dash_and_clear_removes_everything() {
    let rig = Rig::new(Cache::SecretService, StrictSts::start());
    let p = rig.profile("all", None, false, "");
    let env_run = run(&mut without_terminal(
        rig.aws_auth(&["--serial-number", SERIAL_NUMBER, "--token-code", "111111"])
            .env("AWS_ACCESS_KEY_ID", SOURCE_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SOURCE_SECRET_ACCESS_KEY),
    ));
    let env_printed = Printed::sh(&env_run);
    let p_printed = Printed::sh(&rig.run(&p, &["--token-code", "222222"]));
    assert_eq!(
        rig.entries("-"),
        [("credentials".to_owned(), env_printed.expiration.clone())]
    );
    assert_eq!(
        rig.entries(&p),
        [("credentials".to_owned(), p_printed.expiration.clone())]
    );

    let cleared = run(&mut rig.aws_auth(&["cache", "clear"]));
    cleared.assert_success();
    assert!(cleared.stdout.is_empty(), "{}", cleared.describe());
    assert!(cleared.stderr.contains('2'), "{}", cleared.describe());
    let list = run(&mut rig.aws_auth(&["cache", "list"]));
    list.assert_success();
    assert_eq!(
        list.stdout_str(),
        "PROFILE\tKIND\tEXPIRATION\n",
        "{}",
        list.describe()
    );
}

// 7 -------------------------------------------------------------------------------------

fn corrupt_entry_is_ignored_and_replaced(cache: Cache) {
    let rig = Rig::new(cache, StrictSts::start());
    let p = rig.profile("corrupt", None, false, "");
    Printed::sh(&rig.run(&p, &["--token-code", "111111"]));
    let junk = "aws-auth-cache 1\nnot an entry\n";
    let corrupted = match cache {
        Cache::Kernel => corrupt_kernel_entries(&rig.sandbox, &p, junk),
        _ => corrupt_secret_items(&rig, &p, junk),
    };
    assert_eq!(corrupted, 1, "{cache:?}: the run stored one entry");

    let replaced = rig.run(&p, &["--token-code", "222222"]);
    let printed = Printed::sh(&replaced);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 2, "{cache:?}: {calls:#?}");
    assert_coded_session_token(&calls[1], "222222");
    assert_eq!(printed, Printed::of(&rig.sts.issued()[1]));
    assert_no_secret(&replaced.stderr, &rig.sts, "stderr");

    // Replaced: the next run hits (the same code again would be refused by STS).
    assert_eq!(
        Printed::sh(&rig.run(&p, &["--token-code", "222222"])),
        printed
    );
    assert_eq!(rig.sts.total(), 2, "{cache:?}");
}

#[test]
fn a_corrupt_kernel_keyring_entry_is_ignored_and_replaced() {
    corrupt_entry_is_ignored_and_replaced(Cache::Kernel);
}

#[test]
fn a_corrupt_secret_service_entry_is_ignored_and_replaced() {
    corrupt_entry_is_ignored_and_replaced(Cache::SecretService);
}

// 8 -------------------------------------------------------------------------------------

/// Sleeps into the next 30-second TOTP step unless at least `margin` of this one is left.
fn with_totp_step_left(margin: u64) {
    let left = 30 - now() % 30;
    if left < margin {
        std::thread::sleep(Duration::from_millis(left * 1000 + 300));
    }
}

#[test]
fn a_refused_totp_code_is_retried_once_in_the_next_window() {
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder().totp_seed(TOTP_SEED).start(),
    );
    let p = rig.profile("retry", None, true, "");
    with_totp_step_left(10);
    // Uses this step's code up.
    Printed::sh(&rig.run(&p, &["--no-cache"]));
    let used = rig.sts.requests()[0].clone();
    assert!(used.succeeded() && used.is_coded(), "{used:#?}");

    let retried = rig.run(&p, &[]);
    let printed = Printed::sh(&retried);
    assert!(
        aws_auth_stderr(&retried).contains("waiting"),
        "the wait must be announced\n{}",
        retried.describe()
    );
    assert!(
        !aws_auth_stderr(&retried).contains("   "),
        "a message, not a run of blanks from a broken string continuation\n{}",
        retried.describe()
    );
    assert!(
        retried.elapsed < Duration::from_secs(40),
        "{}",
        retried.describe()
    );
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 3, "one refusal, one retry: {calls:#?}");
    assert_eq!(calls[1].param("TokenCode"), used.param("TokenCode"));
    assert_eq!(calls[1].error.as_deref(), Some("AccessDenied"));
    assert_coded_session_token(&calls[2], calls[2].param("TokenCode").unwrap());
    assert_ne!(calls[2].param("TokenCode"), used.param("TokenCode"));
    assert_eq!(printed, Printed::of(&rig.sts.issued()[1]));

    assert_eq!(Printed::sh(&rig.run(&p, &[])), printed);
    assert_eq!(rig.sts.total(), 3);
}

/// A code from --token-code is the user's: a refusal is reported, never waited out.
#[test]
fn a_refused_flag_code_is_not_retried() {
    let rig = Rig::new(Cache::Kernel, StrictSts::start());
    let p = rig.profile("noretry", None, false, "");
    Printed::sh(&rig.run(&p, &["--no-cache", "--token-code", TOKEN_CODE]));
    let refused = rig.run(&p, &["--token-code", TOKEN_CODE]);
    refused.assert_failure(1);
    assert!(
        refused.elapsed < Duration::from_secs(15),
        "{}",
        refused.describe()
    );
    assert!(
        !refused.stderr.contains("waiting"),
        "{}",
        refused.describe()
    );
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 2, "{calls:#?}");
    assert_eq!(calls[1].error.as_deref(), Some("AccessDenied"));
    assert_eq!(rig.entries(&p), [], "a failure caches nothing");
    assert!(
        refused.stderr.contains("AccessDenied")
            || refused.stderr.contains(INVALID_MFA_MESSAGE.trim()),
        "the refusal is reported\n{}",
        refused.describe()
    );
}

// 9, 13 ---------------------------------------------------------------------------------

/// `cache status`: `store: ...`, `reason: ...`, for the kernel keyring `quota: ...` (the
/// user's key quota in use), then `locks: DIR`.
fn status(rig: &Rig, cmd: &mut Command) -> Vec<String> {
    let out = run(cmd);
    out.assert_success();
    let lines: Vec<String> = out.stdout_str().lines().map(str::to_owned).collect();
    let kernel = lines[0] == "store: kernel-keyring";
    assert_eq!(
        lines.len(),
        if kernel { 4 } else { 3 },
        "{}",
        out.describe()
    );
    assert!(lines[1].starts_with("reason: "), "{}", out.describe());
    if kernel {
        assert!(
            lines[2].starts_with("quota: the user's kernel key quota: "),
            "{}",
            out.describe()
        );
    }
    let locks = rig.sandbox.runtime_dir().join("aws-auth");
    assert_eq!(
        lines[lines.len() - 1].trim_end_matches('/'),
        format!("locks: {}", locks.display()),
        "{}",
        out.describe()
    );
    lines
}

#[test]
fn cache_status_names_the_store() {
    let kernel = Rig::new(Cache::Kernel, StrictSts::start());
    let lines = status(&kernel, &mut kernel.aws_auth(&["cache", "status"]));
    assert_eq!(lines[0], "store: kernel-keyring");
    // Unnamed (auto), a bus address that reaches nothing falls back to the kernel keyring.
    for store in [None, Some("auto")] {
        let mut cmd = kernel.aws_auth(&["cache", "status"]);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .env_remove("AWS_AUTH_CACHE_STORE");
        if let Some(store) = store {
            cmd.env("AWS_AUTH_CACHE_STORE", store);
        }
        let lines = status(&kernel, &mut cmd);
        assert_eq!(lines[0], "store: kernel-keyring", "{store:?}");
    }

    let ss = Rig::new(Cache::SecretService, StrictSts::start());
    let lines = status(&ss, &mut ss.aws_auth(&["cache", "status"]));
    assert_eq!(lines[0], "store: secret-service");
}

/// AWS_AUTH_CACHE_STORE names the store, and then it is that store or none. With a Secret
/// Service on the bus, `kernel-keyring` caches in the kernel keyring only; `secret-service`
/// without a bus is no store (never the kernel keyring): runs still succeed, each saying so
/// and asking STS, while `cache list` and `cache clear` fail (their entries, if any, were
/// not reached). A value that names no store is a usage error; `--no-cache` never reads it.
#[test]
fn a_named_store_is_that_store_or_none() {
    let ss = Rig::new(Cache::SecretService, StrictSts::start());
    let p = ss.profile("named", None, false, "");
    let in_kernel = |rig: &Rig, p: &str, args: &[&str]| {
        let mut cmd = rig.with_profile(p, args);
        cmd.env("AWS_AUTH_CACHE_STORE", "kernel-keyring");
        run(&mut without_terminal(&cmd))
    };
    let printed = Printed::sh(&in_kernel(&ss, &p, &["--token-code", TOKEN_CODE]));
    assert_eq!(ss.entries(&p), [], "nothing in the Secret Service");
    assert_eq!(kernel_entries(&ss.sandbox, &p).len(), 1);
    assert_eq!(Printed::sh(&in_kernel(&ss, &p, &[])), printed);
    assert_eq!(ss.sts.total(), 1);
    let mut clear = ss.aws_auth(&["cache", "clear", "--profile", &p]);
    clear.env("AWS_AUTH_CACHE_STORE", "kernel-keyring");
    let cleared = run(&mut clear);
    cleared.assert_success();
    assert!(
        cleared
            .stderr
            .contains("removed 1 cached session from the kernel-keyring"),
        "{}",
        cleared.describe()
    );
    assert_eq!(kernel_entries(&ss.sandbox, &p), Vec::<String>::new());

    // secret-service, and no bus: no store.
    let kernel = Rig::new(Cache::Kernel, StrictSts::start());
    let q = kernel.profile("named-none", None, false, "");
    let in_ss = |args: &[&str]| {
        let mut cmd = kernel.aws_auth(args);
        cmd.env("AWS_AUTH_CACHE_STORE", "secret-service");
        run(&mut without_terminal(&cmd))
    };
    for code in ["111111", "222222"] {
        let out = in_ss(&["--profile", &q, "--token-code", code]);
        Printed::sh(&out);
        let warning = "aws-auth: warning: no session cache: no D-Bus session bus \
                       (DBUS_SESSION_BUS_ADDRESS is unset), so no Secret Service; \
                       AWS_AUTH_CACHE_STORE=secret-service rules out the kernel keyring; \
                       continuing without it";
        assert_eq!(aws_auth_stderr(&out), warning, "{}", out.describe());
    }
    assert_eq!(kernel.sts.total(), 2, "nothing was cached");
    assert_eq!(kernel_entries(&kernel.sandbox, &q), Vec::<String>::new());
    for sub in ["list", "clear"] {
        let out = in_ss(&["cache", sub]);
        out.assert_failure(1);
        assert!(
            out.stderr.contains("rules out the kernel keyring"),
            "{}",
            out.describe()
        );
    }
    let status = in_ss(&["cache", "status"]);
    status.assert_success();
    assert!(
        status.stdout_str().starts_with("store: none\n"),
        "{}",
        status.describe()
    );

    // A value that names no store.
    let mut bad = kernel.with_profile(&q, &["--token-code", "333333"]);
    bad.env("AWS_AUTH_CACHE_STORE", "kernel");
    let out = run(&mut without_terminal(&bad));
    out.assert_failure(2);
    assert!(
        out.stderr.contains(
            "AWS_AUTH_CACHE_STORE is \"kernel\", not auto, secret-service or kernel-keyring"
        ),
        "{}",
        out.describe()
    );
    assert_eq!(kernel.sts.total(), 2, "refused before any request");
    bad.arg("--no-cache");
    Printed::sh(&run(&mut without_terminal(&bad)));
    let mut list = kernel.aws_auth(&["cache", "list"]);
    list.env("AWS_AUTH_CACHE_STORE", "kernel");
    run(&mut list).assert_failure(2);
}

/// Where keyctl is forbidden (Docker's default seccomp profile) there is no store: unnamed,
/// a run says nothing of it and `cache list` tells why there is nothing to list; with the
/// kernel keyring named, every run warns and `cache list` fails.
#[test]
fn without_keyctl_there_is_no_store_and_only_a_named_one_is_an_error() {
    let rig = Rig::new(Cache::Off, StrictSts::start());
    let p = rig.profile("no-keyctl", None, false, "");
    let forbidden = |store: Option<&str>, args: &[&str]| {
        let mut cmd = rig.aws_auth(args);
        cmd.env_remove("AWS_AUTH_NO_CACHE");
        if let Some(store) = store {
            cmd.env("AWS_AUTH_CACHE_STORE", store);
        }
        let mut cmd = without_terminal(&cmd);
        seccomp::forbid_keyrings(&mut cmd);
        run(&mut cmd)
    };
    let unnamed = forbidden(None, &["--profile", &p, "--token-code", "111111"]);
    Printed::sh(&unnamed);
    assert_eq!(unnamed.stderr, "", "{}", unnamed.describe());
    let status = forbidden(None, &["cache", "status"]);
    status.assert_success();
    let reason = status.stdout_str().lines().nth(1).unwrap_or_default();
    assert!(
        status.stdout_str().starts_with("store: none\n")
            && reason.contains("kernel keyring: keyctl get_persistent")
            && reason.ends_with("; aws-auth runs without a session cache"),
        "{}",
        status.describe()
    );
    let list = forbidden(None, &["cache", "list"]);
    list.assert_success();
    assert!(
        list.stderr.starts_with("aws-auth: no session cache: "),
        "{}",
        list.describe()
    );

    let named = forbidden(
        Some("kernel-keyring"),
        &["--profile", &p, "--token-code", "222222"],
    );
    Printed::sh(&named);
    assert!(
        named
            .stderr
            .starts_with("aws-auth: warning: no session cache: ")
            && named
                .stderr
                .contains("kernel keyring: keyctl get_persistent")
            && named.stderr.ends_with("; continuing without it\n")
            && !named
                .stderr
                .contains("aws-auth runs without a session cache"),
        "{}",
        named.describe()
    );
    forbidden(Some("kernel-keyring"), &["cache", "list"]).assert_failure(1);
    assert_eq!(rig.sts.total(), 2);
}

#[test]
fn the_kernel_keyring_serves_a_later_login() {
    let rig = Rig::new(Cache::Kernel, StrictSts::start());
    let p = rig.profile("kernel", Some(ROLE), false, "");
    // Every run is its own `keyctl session`, as two logins are.
    let first = Printed::sh(&rig.run(&p, &["--token-code", TOKEN_CODE]));
    let ids = kernel_entries(&rig.sandbox, &p);
    assert_eq!(ids.len(), 2);
    // The kernel drops each entry itself when its credentials expire (an hour's role, a
    // 12-hour MFA session): /proc/keys shows a timeout under a day for both ("59m", "11h"),
    // never "perm" or weeks.
    let keys = std::fs::read_to_string("/proc/keys").unwrap();
    for id in &ids {
        let hex = format!("{:08x}", id.parse::<u32>().unwrap());
        let line = keys
            .lines()
            .find(|l| l.starts_with(&hex))
            .unwrap_or_else(|| panic!("key {hex} in /proc/keys:\n{keys}"));
        let timeout = line.split_whitespace().nth(3).unwrap();
        let (count, unit) = timeout.split_at(timeout.len() - 1);
        assert!(
            count.parse::<u32>().is_ok() && ["s", "m", "h"].contains(&unit),
            "timeout of {line}"
        );
    }
    assert_eq!(Printed::sh(&rig.run(&p, &[])), first);
    assert_eq!(rig.sts.total(), 2);
}

#[test]
fn the_secret_service_holds_the_entries_and_serves_a_later_run() {
    let rig = Rig::new(Cache::SecretService, StrictSts::start());
    let p = rig.profile("ss", Some(ROLE), false, "");
    let first = Printed::sh(&rig.run(&p, &["--token-code", TOKEN_CODE]));
    let mut items: Vec<(String, String)> = secret_items(&rig, &p)
        .into_iter()
        .map(|item| {
            let key = &item["key"];
            assert!(
                key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()),
                "{item:?}"
            );
            assert_eq!(item["profile"], p);
            (item["kind"].clone(), key.clone())
        })
        .collect();
    items.sort();
    let kinds: Vec<&str> = items.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["credentials", "mfa-session"]);
    assert_eq!(
        kernel_entries(&rig.sandbox, &p),
        Vec::<String>::new(),
        "with a Secret Service, nothing goes to the kernel keyring"
    );
    assert_eq!(Printed::sh(&rig.run(&p, &[])), first);
    assert_eq!(rig.sts.total(), 2);
}

// 10 ------------------------------------------------------------------------------------

/// Files under `dir` (not following symlinks) that contain any of `needles`; unreadable
/// files and files over 16 MiB are skipped. Returns (files read, files containing one).
fn scan(dir: &Path, needles: &[String], hits: &mut Vec<String>) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut read = 0;
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            read += scan(&path, needles, hits);
        } else if kind.is_file() {
            if entry.metadata().map_or(true, |m| m.len() > 16 << 20) {
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            read += 1;
            let text = String::from_utf8_lossy(&bytes);
            if needles.iter().any(|n| text.contains(n.as_str())) {
                hits.push(path.display().to_string());
            }
        }
    }
    read
}

fn nothing_on_disk(cache: Cache) {
    let rig = Rig::new(cache, StrictSts::builder().role_requires_mfa().start());
    let p = rig.profile("disk", Some(ROLE), false, "");
    let q = rig.profile("disk-plain", None, false, "");
    Printed::sh(&rig.run(&p, &["--token-code", "111111"]));
    Printed::sh(&rig.run(&p, &[]));
    Printed::json(&rig.run(&p, &["--format", "json"]));
    Printed::sh(&rig.run(&q, &["--token-code", "222222"]));
    Printed::sh(&rig.run(&q, &[]));
    assert_eq!(rig.sts.total(), 3, "{cache:?}");
    let needles = handed_out(&rig.sts);
    assert_eq!(needles.len(), 6);

    // The scanner finds what is there.
    let canary = rig
        .sandbox
        .write("home/.cache/canary", format!("x{}x", needles[0]));
    let mut hits = Vec::new();
    scan(rig.sandbox.root(), &needles, &mut hits);
    assert_eq!(hits, [canary.display().to_string()]);
    std::fs::remove_file(&canary).unwrap();

    let mut hits = Vec::new();
    let mut read = 0;
    for dir in [
        rig.sandbox.root(),
        Path::new("/tmp"),
        Path::new("/var/tmp"),
        Path::new("/dev/shm"),
    ] {
        read += scan(dir, &needles, &mut hits);
    }
    assert!(read > 0);
    assert_eq!(hits, Vec::<String>::new(), "{cache:?}: secrets on disk");
}

#[test]
fn no_session_secret_is_written_to_disk_with_the_kernel_keyring() {
    nothing_on_disk(Cache::Kernel);
}

#[test]
fn no_session_secret_is_written_to_disk_with_the_secret_service() {
    nothing_on_disk(Cache::SecretService);
}

// 11 ------------------------------------------------------------------------------------

/// `aws --profile cp sts get-caller-identity` with `credential_process = aws-auth --profile
/// NAME --format json` in ~/.aws/config.
fn aws_through_credential_process(rig: &Rig, name: &str) -> Command {
    let config = rig.sandbox.write(
        "home/.aws/config",
        format!("[profile cp]\ncredential_process = aws-auth --profile {name} --format json\n"),
    );
    let mut cmd = rig.command("aws");
    cmd.env("AWS_CONFIG_FILE", config)
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            rig.sandbox.path("no-credentials"),
        )
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .args(["--profile", "cp", "sts", "get-caller-identity"])
        .args(["--query", "Arn", "--output", "text"]);
    cmd
}

fn credential_process_rig() -> (Rig, String) {
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder()
            .role_requires_mfa()
            .totp_seed(TOTP_SEED)
            .start(),
    );
    let p = rig.profile("cp", Some(ROLE), true, "role_session_name = \"cp-session\"");
    (rig, p)
}

#[test]
fn credential_process_calls_share_one_coded_call() {
    let arn = assumed_role_arn("cache-role", "cp-session");
    let (rig, p) = credential_process_rig();
    for _ in 0..5 {
        let out = run(&mut aws_through_credential_process(&rig, &p));
        assert_eq!(caller_arn(&out), arn, "{}", out.describe());
    }
    assert_eq!(rig.sts.coded_calls().len(), 1, "{:#?}", rig.sts.requests());
    assert_eq!(rig.sts.count("GetSessionToken"), 1);
    assert_eq!(rig.sts.count("AssumeRole"), 1);
    let role_key = rig.sts.issued()[1].access_key_id.clone();
    let identities = rig.sts.calls_of("GetCallerIdentity");
    assert_eq!(identities.len(), 5);
    assert!(
        identities
            .iter()
            .all(|c| c.signer() == role_key && c.succeeded())
    );

    // Four at once, on an empty cache.
    let (rig, p) = credential_process_rig();
    let runs: Vec<Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let mut cmd = aws_through_credential_process(&rig, &p);
                scope.spawn(move || run(&mut cmd))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in &runs {
        assert_eq!(caller_arn(out), arn, "{}", out.describe());
    }
    assert_eq!(rig.sts.coded_calls().len(), 1, "{:#?}", rig.sts.requests());
    assert_eq!(rig.sts.count("GetSessionToken"), 1);
    assert_eq!(rig.sts.count("AssumeRole"), 1);
    assert_eq!(rig.sts.count("GetCallerIdentity"), 4);
}

// The cache key ------------------------------------------------------------------------

/// What is asked for, not how: the code, --timeout and --format share an entry; another
/// role, region or profile definition is another entry, its role derived from the same MFA
/// session (kept per source key and device) without a code.
#[test]
fn the_cache_key_ignores_code_timeout_and_format_but_not_role_region_or_profile() {
    let rig = Rig::new(Cache::Kernel, StrictSts::start());
    let p = rig.profile("key", Some(ROLE), false, "");
    let first = Printed::sh(&rig.run(&p, &["--token-code", "111111"]));
    assert_eq!(rig.sts.total(), 2);
    let session_key = rig.sts.issued()[0].access_key_id.clone();

    let json = rig.run(
        &p,
        &[
            "--format",
            "json",
            "--timeout",
            "7",
            "--token-code",
            "222222",
        ],
    );
    assert_eq!(Printed::json(&json), first, "{}", json.describe());
    assert_eq!(rig.sts.total(), 2, "{:#?}", rig.sts.requests());

    let other = Printed::sh(&rig.run(&p, &["--role-arn", OTHER_ROLE, "--token-code", "333333"]));
    assert_ne!(other.access_key_id, first.access_key_id);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 3, "{calls:#?}");
    assert_role_from_session(&calls[2], OTHER_ROLE, &session_key);

    let region = Printed::sh(&rig.run(&p, &["--region", "eu-west-2", "--token-code", "444444"]));
    assert_ne!(region.access_key_id, first.access_key_id);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 4, "{calls:#?}");
    assert_role_from_session(&calls[3], ROLE, &session_key);

    // The definition as written: one more key in the profile is another entry.
    let toml = rig.profiles_toml().replace(
        &format!("[profiles.{p}]\n"),
        &format!("[profiles.{p}]\nrole_session_name = \"changed\"\n"),
    );
    rig.write_profiles(&toml);
    let changed = Printed::sh(&rig.run(&p, &["--token-code", "555555"]));
    assert_ne!(changed.access_key_id, first.access_key_id);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 5, "{calls:#?}");
    assert_role_from_session(&calls[4], ROLE, &session_key);
    assert_eq!(calls[4].param("RoleSessionName"), Some("changed"));

    // Back as it was: the first entry is still there, untouched by the others.
    rig.write_profiles(&rig.profiles_toml());
    assert_eq!(Printed::sh(&rig.run(&p, &[])), first);
    assert_eq!(rig.sts.total(), 5);
}

// The strict STS itself ------------------------------------------------------------------

/// One request signed (SigV4) with the secret of `key` (the source secret for the source key,
/// the issued one for issued keys), with the token header when given, straight over TCP:
/// (status, body).
fn post(sts: &StrictSts, key: &str, token: Option<&str>, form: &[(&str, &str)]) -> (u16, String) {
    let secret = match sts.issued_for(key) {
        Some(issued) => issued.secret_access_key,
        None => SOURCE_SECRET_ACCESS_KEY.to_owned(),
    };
    post_signed(sts, key, &secret, token, form)
}

/// As [`post`], signed with `secret`.
fn post_signed(
    sts: &StrictSts,
    key: &str,
    secret: &str,
    token: Option<&str>,
    form: &[(&str, &str)],
) -> (u16, String) {
    use crate::support::sigv4;
    use std::io::{Read, Write};
    let body: Vec<String> = [("Version", "2011-06-15")]
        .iter()
        .chain(form)
        .map(|(k, v)| format!("{k}={}", v.replace(':', "%3A").replace('/', "%2F")))
        .collect();
    let body = body.join("&");
    let address = sts.address();
    let date = sigv4::amz_date(now());
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), address.clone()),
        (
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ),
        ("x-amz-date".into(), date.clone()),
    ];
    if let Some(token) = token {
        headers.push(("x-amz-security-token".into(), token.to_owned()));
    }
    let authorization = sigv4::sign(
        "POST",
        sts.path(),
        &headers,
        &body,
        key,
        secret,
        "us-east-1",
        &date,
    );
    headers.push(("authorization".into(), authorization));
    let mut head = format!("POST {} HTTP/1.1\r\n", sts.path());
    for (name, value) in &headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    let mut stream = std::net::TcpStream::connect(address).expect("connecting to the STS");
    stream
        .write_all(format!("{head}\r\n{body}").as_bytes())
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}

fn xml_value(body: &str, tag: &str) -> String {
    let start = body
        .find(&format!("<{tag}>"))
        .unwrap_or_else(|| panic!("no <{tag}> in {body}"))
        + tag.len()
        + 2;
    let end = body[start..].find(&format!("</{tag}>")).unwrap() + start;
    body[start..end].to_owned()
}

#[test]
fn the_strict_sts_refuses_what_aws_refuses() {
    let sts = StrictSts::builder().role_requires_mfa().start();
    let gst = [("Action", "GetSessionToken")];
    let coded = |code: &'static str| [("SerialNumber", SERIAL_NUMBER), ("TokenCode", code)];
    let assume = |extra: &[(&'static str, &'static str)]| {
        let mut form = vec![
            ("Action", "AssumeRole"),
            ("RoleArn", ROLE),
            ("RoleSessionName", "s"),
        ];
        form.extend_from_slice(extra);
        form
    };
    let with =
        |a: &[(&'static str, &'static str)], b: &[(&'static str, &'static str)]| [a, b].concat();

    let (status, body) = post(
        &sts,
        SOURCE_ACCESS_KEY_ID,
        None,
        &with(&gst, &coded("111111")),
    );
    assert_eq!(status, 200, "{body}");
    let session = sts.issued_for(&xml_value(&body, "AccessKeyId")).unwrap();
    assert_eq!(xml_value(&body, "SessionToken"), session.session_token);
    assert!(session.session_token.len() > 300);
    let left = session.expires_at - now();
    assert!((43_190..=43_200).contains(&left));

    // A code works once.
    let (status, body) = post(
        &sts,
        SOURCE_ACCESS_KEY_ID,
        None,
        &with(&gst, &coded("111111")),
    );
    assert_eq!(status, 403);
    assert_eq!(xml_value(&body, "Code"), "AccessDenied");
    assert_eq!(xml_value(&body, "Message"), INVALID_MFA_MESSAGE);
    // No GetSessionToken from session credentials.
    let (status, body) = post(
        &sts,
        &session.access_key_id,
        Some(&session.session_token),
        &gst,
    );
    assert_eq!(
        (status, xml_value(&body, "Code").as_str()),
        (403, "AccessDenied")
    );
    // Session credentials need their token.
    let (status, body) = post(&sts, &session.access_key_id, None, &assume(&[]));
    assert_eq!(
        (status, xml_value(&body, "Code").as_str()),
        (403, "InvalidClientTokenId")
    );
    // Role chaining: at most an hour.
    let (status, body) = post(
        &sts,
        &session.access_key_id,
        Some(&session.session_token),
        &assume(&[("DurationSeconds", "7200")]),
    );
    assert_eq!(status, 400);
    assert_eq!(xml_value(&body, "Code"), "ValidationError");
    assert!(body.contains("1 hour session limit"), "{body}");
    // The role requires MFA: the MFA session has it, the bare keys do not.
    let (status, body) = post(
        &sts,
        &session.access_key_id,
        Some(&session.session_token),
        &assume(&[]),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(xml_value(&body, "Arn"), assumed_role_arn("cache-role", "s"));
    let role = sts.issued_for(&xml_value(&body, "AccessKeyId")).unwrap();
    assert!((3599..=3600).contains(&(role.expires_at - now())));
    let (status, _) = post(&sts, SOURCE_ACCESS_KEY_ID, None, &assume(&[]));
    assert_eq!(status, 403);
    let (status, body) = post(&sts, SOURCE_ACCESS_KEY_ID, None, &assume(&coded("222222")));
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(&sts, SOURCE_ACCESS_KEY_ID, None, &gst);
    assert_eq!(status, 200, "{body}");
    let plain = sts.issued_for(&xml_value(&body, "AccessKeyId")).unwrap();
    let (status, _) = post(
        &sts,
        &plain.access_key_id,
        Some(&plain.session_token),
        &assume(&[]),
    );
    assert_eq!(
        status, 403,
        "a session without MFA does not satisfy the role"
    );

    // Who is calling.
    let identity = [("Action", "GetCallerIdentity")];
    let arn_of = |key: &str, token: Option<&str>| {
        let (status, body) = post(&sts, key, token, &identity);
        assert_eq!(status, 200, "{body}");
        xml_value(&body, "Arn")
    };
    assert_eq!(
        arn_of(SOURCE_ACCESS_KEY_ID, None),
        "arn:aws:iam::123456789012:user/alice"
    );
    assert_eq!(
        arn_of(&session.access_key_id, Some(&session.session_token)),
        "arn:aws:iam::123456789012:user/alice"
    );
    assert_eq!(
        arn_of(&role.access_key_id, Some(&role.session_token)),
        assumed_role_arn("cache-role", "s")
    );
    let (status, body) = post(&sts, "AKIAUNKNOWN000000000", None, &identity);
    assert_eq!(
        (status, xml_value(&body, "Code").as_str()),
        (403, "InvalidClientTokenId")
    );

    // Signed with another secret (one byte off): refused as AWS refuses it. Issued keys are
    // checked with their own secret, not the source's.
    let off_by_one = SOURCE_SECRET_ACCESS_KEY.replacen('w', "W", 1);
    for (key, secret, token) in [
        (SOURCE_ACCESS_KEY_ID, off_by_one.as_str(), None),
        (
            session.access_key_id.as_str(),
            SOURCE_SECRET_ACCESS_KEY,
            Some(session.session_token.as_str()),
        ),
    ] {
        let (status, body) = post_signed(&sts, key, secret, token, &identity);
        assert_eq!(
            (status, xml_value(&body, "Code").as_str()),
            (403, "SignatureDoesNotMatch"),
            "{body}"
        );
        assert_eq!(xml_value(&body, "Type"), "Sender");
        assert_eq!(xml_value(&body, "Message"), SIGNATURE_MISMATCH_MESSAGE);
    }

    assert_eq!(sts.total(), 16);
    assert_eq!(sts.coded_calls().len(), 3);
    assert_eq!(sts.count("AssumeRole"), 6);
    let calls = sts.requests();
    let first = &calls[0];
    assert_eq!(first.param("SerialNumber"), Some(SERIAL_NUMBER));
    assert_eq!(first.signer(), SOURCE_ACCESS_KEY_ID);
    let checks: Vec<&SignatureCheck> = calls.iter().map(|c| &c.signature).collect();
    let mut expected = vec![&SignatureCheck::Verified; 13];
    expected.push(&SignatureCheck::NotChecked); // the unknown key
    let refused = SignatureCheck::Refused(Mismatch::Signature);
    expected.extend([&refused, &refused]);
    assert_eq!(checks, expected, "{calls:#?}");

    // With a seed, only the current code passes.
    let sts = StrictSts::builder().totp_seed(TOTP_SEED).start();
    let current = crate::support::strict_sts::current_totp(TOTP_SEED);
    let wrong = if current == "000000" {
        "000001"
    } else {
        "000000"
    };
    let form = [
        ("Action", "GetSessionToken"),
        ("SerialNumber", SERIAL_NUMBER),
        ("TokenCode", wrong),
    ];
    assert_eq!(post(&sts, SOURCE_ACCESS_KEY_ID, None, &form).0, 403);
    let form = [
        ("Action", "GetSessionToken"),
        ("SerialNumber", SERIAL_NUMBER),
        ("TokenCode", current.as_str()),
    ];
    let (status, body) = post(&sts, SOURCE_ACCESS_KEY_ID, None, &form);
    // A step boundary may fall between computing the code and the request.
    assert!(status == 200 || now() % 30 < 2, "{body}");
}
