//! Bad input is refused before any request: exit 2, nothing on stdout, and a message that
//! names the flag at fault. A secret (the source secret key, the MFA code) never shows up in
//! stderr, whatever went wrong.

use crate::support::sts_form::form_field;
use crate::support::*;
use std::process::Command;

/// aws-auth with source keys, pointed at a server that would hand out credentials, so a run
/// that got past validation would succeed (and show up in the request count).
fn with_keys(sandbox: &Sandbox, server: &HostileSts) -> Command {
    sandbox.aws_auth_with_keys(&server.url())
}

/// True if `message` names `flag`, literally (`--token-code`) or in words ("token code").
fn names_flag(message: &str, flag: &str) -> bool {
    let words = flag.trim_start_matches('-').replace('-', " ");
    message.contains(flag) || message.to_lowercase().contains(&words.to_lowercase())
}

fn assert_no_secret(run: &Run, extra: &[&str]) {
    for secret in [SOURCE_SECRET_ACCESS_KEY, TOKEN_CODE].iter().chain(extra) {
        assert!(
            !run.stderr.contains(secret),
            "secret {secret:?} in stderr\n{}",
            run.describe()
        );
    }
}

#[test]
fn invalid_flags_exit_2_with_empty_stdout_and_name_the_flag() {
    let sandbox = Sandbox::new();
    let server = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let role = role_arn("admin");
    let mfa = ["--serial-number", SERIAL_NUMBER, "--token-code", TOKEN_CODE];
    // (flag the message must name, secrets that must not appear, arguments)
    let cases: Vec<(&str, Vec<&str>, Vec<&str>)> = vec![
        (
            "--token-code",
            vec!["98765"],
            vec!["--serial-number", SERIAL_NUMBER, "--token-code", "98765"],
        ),
        (
            "--token-code",
            vec!["9876543"],
            vec!["--serial-number", SERIAL_NUMBER, "--token-code", "9876543"],
        ),
        (
            "--token-code",
            vec!["98765x"],
            vec!["--serial-number", SERIAL_NUMBER, "--token-code", "98765x"],
        ),
        (
            "--serial-number",
            vec![],
            vec!["--serial-number", "alice", "--token-code", TOKEN_CODE],
        ),
        (
            "--serial-number",
            vec![],
            vec![
                "--serial-number",
                "arn:aws:iam::123456789012:user/alice",
                "--token-code",
                TOKEN_CODE,
            ],
        ),
        (
            "--serial-number",
            vec![],
            vec![
                "--serial-number",
                "arn:aws:iam::123456789012:mfa/$(id)",
                "--token-code",
                TOKEN_CODE,
            ],
        ),
        ("--role-arn", vec![], vec!["--role-arn", "admin"]),
        (
            "--role-arn",
            vec![],
            vec!["--role-arn", "arn:aws:iam::123456789012:user/admin"],
        ),
        (
            "--role-arn",
            vec![],
            vec!["--role-arn", "arn:aws:iam::12345:role/admin"],
        ),
        (
            "--role-duration-seconds",
            vec![],
            vec!["--role-arn", &role, "--role-duration-seconds", "899"],
        ),
        (
            "--role-duration-seconds",
            vec![],
            vec!["--role-arn", &role, "--role-duration-seconds", "43201"],
        ),
        (
            "--session-duration-seconds",
            vec![],
            [&mfa[..], &["--session-duration-seconds", "899"]].concat(),
        ),
        (
            "--session-duration-seconds",
            vec![],
            [&mfa[..], &["--session-duration-seconds", "129601"]].concat(),
        ),
        (
            "--role-session-name",
            vec![],
            vec!["--role-arn", &role, "--role-session-name", "a"],
        ),
        (
            "--role-session-name",
            vec![],
            vec!["--role-arn", &role, "--role-session-name", "al ice"],
        ),
        (
            "--role-session-name",
            vec![],
            vec!["--role-arn", &role, "--role-session-name", "x;touch y"],
        ),
        (
            "--external-id",
            vec![],
            vec!["--role-arn", &role, "--external-id", "x"],
        ),
        (
            "--external-id",
            vec![],
            vec!["--role-arn", &role, "--external-id", "a b;c"],
        ),
        ("--serial-number", vec![], vec!["--token-code", TOKEN_CODE]),
        ("--role-arn", vec![], vec!["--role-session-name", "alice"]),
        ("--region", vec![], vec!["--region", "evil.example.com/x"]),
        ("--timeout", vec![], vec!["--timeout", "0"]),
        (
            "--role-duration-seconds",
            vec![],
            vec!["--role-arn", &role, "--role-duration-seconds", "soon"],
        ),
        ("--format", vec![], vec!["--format", "csh"]),
    ];
    for (flag, secrets, args) in cases {
        let run = run(with_keys(&sandbox, &server).args(&args));
        run.assert_failure(2);
        assert!(
            names_flag(&run.stderr, flag),
            "the message must name {flag}\n{}",
            run.describe()
        );
        assert_no_secret(&run, &secrets);
    }
    assert_eq!(
        server.request_count(),
        0,
        "invalid input must be refused before any request"
    );
}

#[test]
fn missing_source_keys_exit_2_and_name_both_variables() {
    let sandbox = Sandbox::new();
    let server = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let args = ["--serial-number", SERIAL_NUMBER, "--token-code", TOKEN_CODE];
    let mut no_keys = sandbox.aws_auth();
    no_keys.env("AWS_ENDPOINT_URL", server.url());
    let mut only_id = sandbox.aws_auth();
    only_id
        .env("AWS_ENDPOINT_URL", server.url())
        .env("AWS_ACCESS_KEY_ID", SOURCE_ACCESS_KEY_ID);
    let mut only_secret = sandbox.aws_auth();
    only_secret
        .env("AWS_ENDPOINT_URL", server.url())
        .env("AWS_SECRET_ACCESS_KEY", SOURCE_SECRET_ACCESS_KEY);
    for mut cmd in [no_keys, only_id, only_secret] {
        let run = run(cmd.args(args));
        run.assert_failure(2);
        for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            assert!(run.stderr.contains(name), "{}", run.describe());
        }
        assert_no_secret(&run, &[]);
    }
    assert_eq!(server.request_count(), 0);
}

/// Under cron or CI there is no terminal to ask for the code on: aws-auth must fail at once,
/// telling the user about --token-code, rather than hang or read stdin.
#[test]
fn without_a_terminal_and_without_token_code_it_fails_and_points_to_token_code() {
    let sandbox = Sandbox::new();
    let server = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    for args in [
        vec!["--serial-number", SERIAL_NUMBER],
        vec![
            "--serial-number",
            SERIAL_NUMBER,
            "--role-arn",
            "arn:aws:iam::123456789012:role/admin",
        ],
    ] {
        let mut cmd = with_keys(&sandbox, &server);
        cmd.args(&args);
        // A code on stdin must not be read either: stdout carries the result, stdin is not
        // where the user types.
        let run = run_with_stdin(
            &mut without_terminal(&cmd),
            format!("{TOKEN_CODE}\n").as_bytes(),
            std::time::Duration::from_secs(60),
        );
        // No terminal for a prompt is a flow failure (README, Exit codes): 1, not usage.
        run.assert_failure(1);
        assert!(
            run.stderr.contains("--token-code"),
            "the message must point to --token-code\n{}",
            run.describe()
        );
        assert_no_secret(&run, &[]);
    }
    assert_eq!(server.request_count(), 0);
}

/// STS failures (with the MFA code sent) must not echo the code or the source secret either.
#[test]
fn sts_failures_never_echo_the_code_or_the_secret_key() {
    let sandbox = Sandbox::new();
    let server = HostileSts::always(Reply::access_denied("Denied for the hostile test server."));
    for args in [
        vec!["--serial-number", SERIAL_NUMBER, "--token-code", TOKEN_CODE],
        vec![
            "--serial-number",
            SERIAL_NUMBER,
            "--token-code",
            TOKEN_CODE,
            "--role-arn",
            "arn:aws:iam::123456789012:role/admin",
            "--external-id",
            "external-1234",
        ],
    ] {
        let run = run(with_keys(&sandbox, &server).args(&args));
        run.assert_failure(1);
        assert_no_secret(&run, &[]);
    }
}

/// `--help` and `--version` are answers, not errors: exit 0 with the text on stdout and
/// nothing on stderr (a script running `aws-auth --version` must see success). A flag clap
/// does not know is a usage error: 2.
#[test]
fn help_and_version_exit_0_on_stdout_and_unknown_flags_exit_2() {
    let sandbox = Sandbox::new();
    let version = format!("aws-auth {}", env!("CARGO_PKG_VERSION"));
    for (args, expected) in [
        (vec!["--help"], "Usage: aws-auth"),
        (vec!["-h"], "Usage: aws-auth"),
        (vec!["help"], "Usage: aws-auth"),
        (vec!["exec", "--help"], "Usage: aws-auth exec"),
        (vec!["serve", "--help"], "Usage: aws-auth serve"),
        (vec!["cache", "--help"], "Usage: aws-auth cache"),
        (vec!["--version"], version.as_str()),
        (vec!["-V"], version.as_str()),
    ] {
        let run = run(sandbox.aws_auth().args(&args));
        run.assert_success();
        assert!(
            run.stdout_str().contains(expected),
            "{args:?}: expected {expected:?} on stdout\n{}",
            run.describe()
        );
        assert!(run.stderr.is_empty(), "{args:?}\n{}", run.describe());
    }
    for args in [
        vec!["--no-such-flag"],
        vec!["no-such-command"],
        vec!["--profile"],
    ] {
        let run = run(sandbox.aws_auth().args(&args));
        run.assert_failure(2);
        assert!(
            run.stderr.starts_with("error: ") || run.stderr.starts_with("aws-auth: error: "),
            "{args:?}\n{}",
            run.describe()
        );
    }
}

/// A session token left in the shell by an earlier `eval` beside a long-term AKIA key
/// belongs to another session: it is ignored (not sent, and GetSessionToken is not refused
/// as if the keys were temporary), with a warning on stderr that never reaches stdout,
/// where it would be `eval`ed.
#[test]
fn a_leftover_session_token_beside_a_long_term_key_is_ignored_with_a_warning_on_stderr() {
    let sandbox = Sandbox::new();
    let server = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let leftover = "LeftoverSessionTokenFromAnEarlierEval";
    let run = run(with_keys(&sandbox, &server)
        .env("AWS_SESSION_TOKEN", leftover)
        .args(["--serial-number", SERIAL_NUMBER, "--token-code", TOKEN_CODE]));
    run.assert_success();
    assert!(
        run.stderr
            .contains("aws-auth: warning: ignoring AWS_SESSION_TOKEN"),
        "the warning must be on stderr\n{}",
        run.describe()
    );
    assert!(
        run.stdout_str()
            .lines()
            .all(|l| l.starts_with("export AWS_") || l == "unset AWS_AUTH_PROFILE"),
        "stdout must hold only the exports\n{}",
        run.describe()
    );
    assert!(!run.stdout_str().contains("warning"), "{}", run.describe());
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{}", run.describe());
    assert_eq!(requests[0].action(), Some("GetSessionToken"));
    assert_eq!(
        form_field(&requests[0], "TokenCode").as_deref(),
        Some(TOKEN_CODE)
    );
    assert!(
        !requests[0].headers.iter().any(|(name, value)| name
            .eq_ignore_ascii_case("x-amz-security-token")
            || value.contains(leftover)),
        "the leftover token was sent: {:?}",
        requests[0].headers
    );
    assert!(!run.stderr.contains(leftover), "{}", run.describe());
}

/// The same variable beside a temporary ASIA key is that key's token, not a leftover: it is
/// used (so GetSessionToken, which needs long-term keys, is refused before any request).
#[test]
fn a_session_token_beside_a_temporary_key_is_used() {
    let sandbox = Sandbox::new();
    let server = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let run = run(sandbox
        .aws_auth()
        .env("AWS_ENDPOINT_URL", server.url())
        .env("AWS_ACCESS_KEY_ID", "ASIAAWSAUTHSOURCE001")
        .env("AWS_SECRET_ACCESS_KEY", SOURCE_SECRET_ACCESS_KEY)
        .env("AWS_SESSION_TOKEN", "TheTemporaryKeysOwnToken")
        .args(["--serial-number", SERIAL_NUMBER, "--token-code", TOKEN_CODE]));
    run.assert_failure(2);
    assert!(
        run.stderr.contains("temporary") && !run.stderr.contains("warning"),
        "{}",
        run.describe()
    );
    assert_eq!(server.request_count(), 0);
}
