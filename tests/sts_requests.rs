//! The exact STS requests aws-auth sends, read off the strict STS (tests/support/strict_sts.rs),
//! which checks every SigV4 signature: for GetSessionToken and AssumeRole, with and without
//! the cache (the MFA session, then the role from it), every form parameter is pinned (no
//! more, no fewer, the right values and defaults), every call must verify with the right
//! secret, and a wrong secret is reported as such. The signature checker itself is held to
//! the real AWS CLI: its requests verify, and the same request with the secret one byte off
//! does not.

use crate::support::hostile_sts::Verify;
use crate::support::sessions_rig::{Cache, ROLE, Rig};
use crate::support::sigv4::{self, Mismatch, SignatureCheck};
use crate::support::strict_sts::{Call, StrictSts};
use crate::support::*;
use std::collections::BTreeMap;
use std::process::Command;

/// The source secret with one byte changed.
fn off_by_one_secret() -> String {
    let wrong = SOURCE_SECRET_ACCESS_KEY.replacen('w', "W", 1);
    assert_ne!(wrong, SOURCE_SECRET_ACCESS_KEY);
    assert_eq!(wrong.len(), SOURCE_SECRET_ACCESS_KEY.len());
    wrong
}

/// Asserts that `call` is `action` with exactly `params` (besides `Action` and `Version`),
/// signed by `signer`, verified, and answered.
fn assert_exact(call: &Call, action: &str, signer: &str, params: &[(&str, &str)]) {
    let mut expected: BTreeMap<String, String> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    expected.insert("Action".into(), action.into());
    expected.insert("Version".into(), "2011-06-15".into());
    assert_eq!(
        call.params, expected,
        "the parameters of {action}: {call:#?}"
    );
    assert_eq!(call.signer(), signer, "{call:#?}");
    assert_eq!(
        call.signature,
        SignatureCheck::Verified,
        "the signature must verify with the signer's secret: {call:#?}"
    );
    assert!(call.succeeded(), "{call:#?}");
}

/// aws-auth with the source keys in the environment, against `sts`, without the cache (the
/// Sandbox sets AWS_AUTH_NO_CACHE=1).
fn against(sandbox: &Sandbox, sts: &StrictSts) -> Command {
    sandbox.aws_auth_with_keys(&sts.url())
}

/// Runs `cmd` and returns the calls it added to `sts`.
fn calls_of_run(sts: &StrictSts, cmd: &mut Command) -> (Run, Vec<Call>) {
    let before = sts.total();
    let run = run(cmd);
    let calls = sts.requests().split_off(before);
    (run, calls)
}

fn mfa_args(code: &str) -> [&str; 4] {
    ["--serial-number", SERIAL_NUMBER, "--token-code", code]
}

// GetSessionToken ------------------------------------------------------------------------

#[test]
fn get_session_token_sends_the_device_the_code_and_twelve_hours_unless_told() {
    let sandbox = Sandbox::new();
    let sts = StrictSts::start();

    let (run, calls) = calls_of_run(&sts, against(&sandbox, &sts).args(mfa_args("111111")));
    run.assert_success();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_exact(
        &calls[0],
        "GetSessionToken",
        SOURCE_ACCESS_KEY_ID,
        &[
            ("DurationSeconds", "43200"),
            ("SerialNumber", SERIAL_NUMBER),
            ("TokenCode", "111111"),
        ],
    );

    let (run, calls) = calls_of_run(
        &sts,
        against(&sandbox, &sts)
            .args(mfa_args("222222"))
            .args(["--session-duration-seconds", "900"]),
    );
    run.assert_success();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_exact(
        &calls[0],
        "GetSessionToken",
        SOURCE_ACCESS_KEY_ID,
        &[
            ("DurationSeconds", "900"),
            ("SerialNumber", SERIAL_NUMBER),
            ("TokenCode", "222222"),
        ],
    );

    // No MFA device: neither SerialNumber nor TokenCode.
    let (run, calls) = calls_of_run(&sts, &mut against(&sandbox, &sts));
    run.assert_success();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_exact(
        &calls[0],
        "GetSessionToken",
        SOURCE_ACCESS_KEY_ID,
        &[("DurationSeconds", "43200")],
    );
}

// AssumeRole without the cache -----------------------------------------------------------

#[test]
fn assume_role_without_the_cache_sends_exactly_what_was_given() {
    let sandbox = Sandbox::new();
    let sts = StrictSts::start();
    let role = role_arn("exact-role");

    // No --role-duration-seconds: no DurationSeconds (STS's own default, one hour).
    let (run, calls) = calls_of_run(
        &sts,
        against(&sandbox, &sts).args(mfa_args("111111")).args([
            "--role-arn",
            &role,
            "--role-session-name",
            "exact-session",
        ]),
    );
    run.assert_success();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_exact(
        &calls[0],
        "AssumeRole",
        SOURCE_ACCESS_KEY_ID,
        &[
            ("RoleArn", &role),
            ("RoleSessionName", "exact-session"),
            ("SerialNumber", SERIAL_NUMBER),
            ("TokenCode", "111111"),
        ],
    );

    let (run, calls) = calls_of_run(
        &sts,
        against(&sandbox, &sts).args(mfa_args("222222")).args([
            "--role-arn",
            &role,
            "--role-session-name",
            "exact-session",
            "--role-duration-seconds",
            "7200",
            "--external-id",
            "ext-id+=,.@:/-1",
        ]),
    );
    run.assert_success();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_exact(
        &calls[0],
        "AssumeRole",
        SOURCE_ACCESS_KEY_ID,
        &[
            ("RoleArn", &role),
            ("RoleSessionName", "exact-session"),
            ("DurationSeconds", "7200"),
            ("ExternalId", "ext-id+=,.@:/-1"),
            ("SerialNumber", SERIAL_NUMBER),
            ("TokenCode", "222222"),
        ],
    );

    // No MFA device: neither SerialNumber nor TokenCode.
    let (run, calls) = calls_of_run(
        &sts,
        against(&sandbox, &sts).args([
            "--role-arn",
            &role,
            "--role-session-name",
            "plain-session",
            "--role-duration-seconds",
            "900",
        ]),
    );
    run.assert_success();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_exact(
        &calls[0],
        "AssumeRole",
        SOURCE_ACCESS_KEY_ID,
        &[
            ("RoleArn", &role),
            ("RoleSessionName", "plain-session"),
            ("DurationSeconds", "900"),
        ],
    );
}

/// The session name: `--role-session-name`, else `$USER`, else `$LOGNAME`, else the account
/// name from the password database. The Sandbox clears both variables, so each is set here.
#[test]
fn the_session_name_defaults_to_user_then_logname_then_the_account_name() {
    let sandbox = Sandbox::new();
    let sts = StrictSts::start();
    let role = role_arn("name-role");
    let account = {
        let who = run(sandbox.command("id").arg("-un"));
        who.assert_success();
        who.stdout_str().trim().to_owned()
    };
    assert!(
        !["alice.user", "bob@login"].contains(&account.as_str()),
        "the account name must differ from the variables' values: {account}"
    );
    /// (USER, LOGNAME, flags, expected RoleSessionName)
    type Case<'a> = (Option<&'a str>, Option<&'a str>, &'a [&'a str], &'a str);
    let cases: [Case; 5] = [
        (Some("alice.user"), Some("bob@login"), &[], "alice.user"),
        (None, Some("bob@login"), &[], "bob@login"),
        (None, None, &[], &account),
        (
            Some("alice.user"),
            Some("bob@login"),
            &["--role-session-name", "flag-name"],
            "flag-name",
        ),
        // Made to fit STS: a space is not allowed.
        (Some("carol smith"), None, &[], "carol-smith"),
    ];
    for (user, logname, extra, expected) in cases {
        let mut cmd = against(&sandbox, &sts);
        cmd.args(["--role-arn", &role]).args(extra);
        if let Some(user) = user {
            cmd.env("USER", user);
        }
        if let Some(logname) = logname {
            cmd.env("LOGNAME", logname);
        }
        let (run, calls) = calls_of_run(&sts, &mut cmd);
        run.assert_success();
        assert_eq!(calls.len(), 1, "{calls:#?}");
        assert_exact(
            &calls[0],
            "AssumeRole",
            SOURCE_ACCESS_KEY_ID,
            &[("RoleArn", &role), ("RoleSessionName", expected)],
        );
    }
}

// With a profile and the cache -----------------------------------------------------------

/// A profile's `external_id` is sent (a flag wins over it), with and without the cache; in
/// the cache's chain the role comes from the MFA session without a code but with the id.
#[test]
fn a_profiles_external_id_is_sent_and_the_flag_wins() {
    for cache in [Cache::Off, Cache::Kernel] {
        let rig = Rig::new(cache, StrictSts::start());
        let p = rig.profile(
            "extid",
            Some(ROLE),
            false,
            "external_id = \"profile-ext-id\"\nrole_session_name = \"ext-session\"",
        );
        let first = rig.run(&p, &["--token-code", "111111"]);
        first.assert_success();
        let issued = rig.sts.issued();
        let calls = rig.sts.requests();
        let role_params = [
            ("RoleArn", ROLE),
            ("RoleSessionName", "ext-session"),
            ("ExternalId", "profile-ext-id"),
        ];
        if cache == Cache::Off {
            assert_eq!(calls.len(), 1, "{calls:#?}");
            let mut params = role_params.to_vec();
            params.extend([("SerialNumber", SERIAL_NUMBER), ("TokenCode", "111111")]);
            assert_exact(&calls[0], "AssumeRole", SOURCE_ACCESS_KEY_ID, &params);
        } else {
            assert_eq!(calls.len(), 2, "{calls:#?}");
            assert_exact(
                &calls[0],
                "GetSessionToken",
                SOURCE_ACCESS_KEY_ID,
                &[
                    ("DurationSeconds", "43200"),
                    ("SerialNumber", SERIAL_NUMBER),
                    ("TokenCode", "111111"),
                ],
            );
            assert_exact(
                &calls[1],
                "AssumeRole",
                &issued[0].access_key_id,
                &role_params,
            );
        }

        let flagged = rig.run(
            &p,
            &["--token-code", "222222", "--external-id", "flag-ext-id"],
        );
        flagged.assert_success();
        let calls = rig.sts.requests();
        let last = calls.last().expect("a call");
        assert_eq!(last.param("ExternalId"), Some("flag-ext-id"), "{last:#?}");
        assert!(last.verified(), "{last:#?}");
    }
}

/// The chain (cache on, a role of at most an hour, an MFA device): GetSessionToken from the
/// source keys with the device, the code and 12 hours; then AssumeRole signed with the MFA
/// session's keys and its X-Amz-Security-Token, with neither SerialNumber nor TokenCode, and
/// DurationSeconds only when asked for. A longer role is one coded AssumeRole instead.
#[test]
fn the_cached_chain_sends_the_code_once_and_the_role_call_without_it() {
    let rig = Rig::new(Cache::Kernel, StrictSts::start());
    let p = rig.profile("chain", Some(ROLE), false, "");
    let with_user = |args: &[&str]| {
        let mut cmd = rig.with_profile(&p, args);
        cmd.env("USER", "chain.user");
        run(&mut without_terminal(&cmd))
    };

    with_user(&["--token-code", "111111"]).assert_success();
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 2, "{calls:#?}");
    assert_exact(
        &calls[0],
        "GetSessionToken",
        SOURCE_ACCESS_KEY_ID,
        &[
            ("DurationSeconds", "43200"),
            ("SerialNumber", SERIAL_NUMBER),
            ("TokenCode", "111111"),
        ],
    );
    let session = rig.sts.issued()[0].clone();
    assert_exact(
        &calls[1],
        "AssumeRole",
        &session.access_key_id,
        &[("RoleArn", ROLE), ("RoleSessionName", "chain.user")],
    );

    // Another duration is another cache entry; the MFA session is reused, no code sent.
    with_user(&["--role-duration-seconds", "1800"]).assert_success();
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 3, "{calls:#?}");
    assert_exact(
        &calls[2],
        "AssumeRole",
        &session.access_key_id,
        &[
            ("RoleArn", ROLE),
            ("RoleSessionName", "chain.user"),
            ("DurationSeconds", "1800"),
        ],
    );

    // Longer than an hour: one AssumeRole from the source keys, with the code.
    with_user(&["--role-duration-seconds", "7200", "--token-code", "222222"]).assert_success();
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 4, "{calls:#?}");
    assert_exact(
        &calls[3],
        "AssumeRole",
        SOURCE_ACCESS_KEY_ID,
        &[
            ("RoleArn", ROLE),
            ("RoleSessionName", "chain.user"),
            ("DurationSeconds", "7200"),
            ("SerialNumber", SERIAL_NUMBER),
            ("TokenCode", "222222"),
        ],
    );

    // No role, with the cache: the same GetSessionToken as without it.
    let q = rig.profile("chain-gst", None, false, "");
    run(&mut without_terminal(
        &rig.with_profile(&q, &["--token-code", "333333"]),
    ))
    .assert_success();
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 5, "{calls:#?}");
    assert_exact(
        &calls[4],
        "GetSessionToken",
        SOURCE_ACCESS_KEY_ID,
        &[
            ("DurationSeconds", "43200"),
            ("SerialNumber", SERIAL_NUMBER),
            ("TokenCode", "333333"),
        ],
    );
}

// A wrong secret -------------------------------------------------------------------------

#[test]
fn a_wrong_secret_is_reported_as_signature_does_not_match_naming_the_secret_key() {
    let sandbox = Sandbox::new();
    let sts = StrictSts::start();
    let wrong = off_by_one_secret();
    let role = role_arn("wrong-secret-role");
    let cases: [(&str, Vec<&str>); 4] = [
        ("GetSessionToken", mfa_args("111111").to_vec()),
        ("GetSessionToken", vec![]),
        (
            "AssumeRole",
            [
                &mfa_args("222222")[..],
                &["--role-arn", &role, "--role-session-name", "wrong-secret"],
            ]
            .concat(),
        ),
        ("AssumeRole", vec!["--role-arn", &role]),
    ];
    for (operation, args) in cases {
        let (run, calls) = calls_of_run(
            &sts,
            against(&sandbox, &sts)
                .env("AWS_SECRET_ACCESS_KEY", &wrong)
                .args(&args),
        );
        run.assert_failure(1);
        for needed in [operation, "SignatureDoesNotMatch", "secret access key"] {
            assert!(
                run.stderr.contains(needed),
                "the error must say {needed:?}\n{}",
                run.describe()
            );
        }
        for secret in [wrong.as_str(), SOURCE_SECRET_ACCESS_KEY] {
            assert!(!run.stderr.contains(secret), "{}", run.describe());
        }
        // A 403 is not retried, with or without a code.
        assert_eq!(calls.len(), 1, "{operation} {args:?}: {calls:#?}");
        assert_eq!(calls[0].action, operation);
        assert_eq!(
            calls[0].signature,
            SignatureCheck::Refused(Mismatch::Signature),
            "{calls:#?}"
        );
        assert_eq!(calls[0].status, 403);
        assert_eq!(calls[0].error.as_deref(), Some("SignatureDoesNotMatch"));
    }
    assert!(sts.issued().is_empty());
}

// The checker against the AWS CLI --------------------------------------------------------

/// The real AWS CLI, with `secret` for the source key, against `endpoint`.
fn aws_cli(sandbox: &Sandbox, endpoint: &str, secret: &str, args: &[&str]) -> Command {
    let mut cmd = sandbox.command("aws");
    cmd.env("AWS_ACCESS_KEY_ID", SOURCE_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_DEFAULT_REGION", "eu-west-1")
        .env("AWS_CONFIG_FILE", sandbox.path("no-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            sandbox.path("no-credentials"),
        )
        .env("AWS_MAX_ATTEMPTS", "1")
        .args(args)
        .args(["--output", "text"]);
    cmd
}

/// What the AWS CLI signs, the checker accepts with the right secret, on both test servers;
/// with the secret one byte off, the CLI is told SignatureDoesNotMatch.
#[test]
fn the_aws_clis_requests_verify_and_fail_with_a_secret_one_byte_off() {
    let sandbox = Sandbox::new();
    let sts = StrictSts::start();
    let role = role_arn("cli-role");
    let identity = ["sts", "get-caller-identity", "--query", "Arn"];
    let assume = [
        "sts",
        "assume-role",
        "--role-arn",
        &role,
        "--role-session-name",
        "cli-session",
        "--serial-number",
        SERIAL_NUMBER,
        "--token-code",
        "111111",
        "--duration-seconds",
        "900",
        "--external-id",
        "cli-ext",
        "--query",
        "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]",
    ];
    let who = run(&mut aws_cli(
        &sandbox,
        &sts.url(),
        SOURCE_SECRET_ACCESS_KEY,
        &identity,
    ));
    who.assert_success();
    assert_eq!(
        who.stdout_str().trim(),
        crate::support::strict_sts::USER_ARN
    );
    let assumed = run(&mut aws_cli(
        &sandbox,
        &sts.url(),
        SOURCE_SECRET_ACCESS_KEY,
        &assume,
    ));
    assumed.assert_success();
    let fields: Vec<String> = assumed
        .stdout_str()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(fields.len(), 3, "{}", assumed.describe());
    // The role's credentials: signed with their own secret and session token.
    let as_role = run(aws_cli(&sandbox, &sts.url(), &fields[1], &identity)
        .env("AWS_ACCESS_KEY_ID", &fields[0])
        .env("AWS_SESSION_TOKEN", &fields[2]));
    as_role.assert_success();
    assert_eq!(
        as_role.stdout_str().trim(),
        assumed_role_arn("cli-role", "cli-session")
    );

    let calls = sts.requests();
    assert_eq!(calls.len(), 3, "{calls:#?}");
    assert_exact(&calls[0], "GetCallerIdentity", SOURCE_ACCESS_KEY_ID, &[]);
    assert_exact(
        &calls[1],
        "AssumeRole",
        SOURCE_ACCESS_KEY_ID,
        &[
            ("RoleArn", &role),
            ("RoleSessionName", "cli-session"),
            ("SerialNumber", SERIAL_NUMBER),
            ("TokenCode", "111111"),
            ("DurationSeconds", "900"),
            ("ExternalId", "cli-ext"),
        ],
    );
    assert_exact(&calls[2], "GetCallerIdentity", &fields[0], &[]);

    let wrong = off_by_one_secret();
    for args in [&identity[..], &assume[..]] {
        let refused = run(&mut aws_cli(&sandbox, &sts.url(), &wrong, args));
        // The AWS CLI v1 (scripts/test.sh pins it) exits 255 on an error from the service.
        assert_eq!(refused.code, Some(255), "{}", refused.describe());
        assert!(
            refused.stderr.contains("SignatureDoesNotMatch")
                && refused.stderr.contains(sigv4::SIGNATURE_MISMATCH_MESSAGE),
            "{}",
            refused.describe()
        );
        let last = sts.requests().pop().expect("a call");
        assert_eq!(
            last.signature,
            SignatureCheck::Refused(Mismatch::Signature),
            "{last:#?}"
        );
    }
    assert_eq!(sts.total(), 5);
}

/// The same recorded request, from the AWS CLI and from aws-auth, checked offline: it
/// verifies with the secret it was signed with, and not with that secret one byte off, or
/// with a trailing newline, or after its body changed by one byte.
#[test]
fn a_recorded_request_verifies_only_with_the_exact_secret() {
    let sandbox = Sandbox::new();
    let server = HostileSts::start_verifying(
        vec![Reply::Credentials(FakeCredentials::plain())],
        Verify::Off,
    );
    let cli = run(&mut aws_cli(
        &sandbox,
        &server.url(),
        SOURCE_SECRET_ACCESS_KEY,
        &[
            "sts",
            "get-session-token",
            "--serial-number",
            SERIAL_NUMBER,
            "--token-code",
            "111111",
        ],
    ));
    cli.assert_success();
    let ours = run(against_hostile(&sandbox, &server).args(mfa_args("222222")));
    ours.assert_success();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let wrong = off_by_one_secret();
    for request in &requests {
        assert_eq!(request.signature, SignatureCheck::NotChecked);
        let signed = sigv4::verify(request, SOURCE_SECRET_ACCESS_KEY)
            .unwrap_or_else(|m| panic!("{m:?}: {request:#?}"));
        assert_eq!(signed.key_id, SOURCE_ACCESS_KEY_ID);
        for secret in [wrong.clone(), format!("{SOURCE_SECRET_ACCESS_KEY}\n")] {
            assert_eq!(
                sigv4::verify(request, &secret),
                Err(Mismatch::Signature),
                "{request:#?}"
            );
        }
        let mut tampered = request.clone();
        tampered.body = tampered.body.replace("TokenCode=", "TokenCodf=");
        assert_ne!(tampered.body, request.body);
        assert_eq!(
            sigv4::verify(&tampered, SOURCE_SECRET_ACCESS_KEY),
            Err(Mismatch::Signature)
        );
    }
    assert_eq!(
        sigv4::verify(&requests[0], SOURCE_SECRET_ACCESS_KEY)
            .unwrap()
            .region,
        "eu-west-1"
    );
}

fn against_hostile(sandbox: &Sandbox, server: &HostileSts) -> Command {
    sandbox.aws_auth_with_keys(&server.url())
}
