//! aws-auth against an STS that misbehaves: credentials full of shell metacharacters, an
//! AccessDenied after a success, no answer at all, an answer that is not XML, and nothing but
//! HTTP 500 or 503. Every failure must leave stdout empty, exit 1 with one clear paragraph
//! that names the operation, show no raw HTTP or XML, never panic, and stop in bounded time.
//! The server checks the SigV4 signature of every request signed with the source key (and
//! of the keys it hands out): each run here signs right, and a wrong secret is refused.

use crate::support::hostile_sts::Verify;
use crate::support::sigv4::{Mismatch, SignatureCheck};
use crate::support::*;
use std::process::Command;
use std::time::Duration;

fn against(server: &HostileSts, sandbox: &Sandbox) -> Command {
    sandbox.aws_auth_with_keys(&server.url())
}

fn with_mfa_role<'c>(cmd: &'c mut Command, role: &str) -> &'c mut Command {
    cmd.args([
        "--serial-number",
        SERIAL_NUMBER,
        "--token-code",
        TOKEN_CODE,
        "--role-arn",
        role,
        "--role-session-name",
        "hostile",
    ])
}

/// The STS failure contract, on top of `Run::assert_failure(1)`.
fn assert_clean_sts_failure(run: &Run, operation: &str) {
    run.assert_failure(1);
    let err = &run.stderr;
    assert!(
        err.contains(operation),
        "the error must name {operation}\n{}",
        run.describe()
    );
    assert!(
        err.starts_with("aws-auth: error: "),
        "the error must say who speaks\n{}",
        run.describe()
    );
    assert!(
        !err.trim().contains("\n\n") && err.trim().lines().count() <= 3,
        "the error must be one short paragraph\n{}",
        run.describe()
    );
    for raw in [
        "<?xml",
        "</",
        "<Error",
        "<ErrorResponse",
        "HTTP/1.1",
        "content-length",
        "Content-Length",
        "x-amzn-RequestId",
        "RequestId>",
        "Response {",
        "SdkError",
        "DispatchFailure",
        "ServiceError",
    ] {
        assert!(
            !err.contains(raw),
            "raw HTTP/XML/SDK debug output ({raw:?}) in the error\n{}",
            run.describe()
        );
    }
    for secret in [SOURCE_SECRET_ACCESS_KEY, TOKEN_CODE] {
        assert!(
            !err.contains(secret),
            "a secret leaked into stderr\n{}",
            run.describe()
        );
    }
}

/// Credentials an attacker-controlled STS might send: every shell metacharacter, each trying
/// to create `marker` if anything in it ever runs.
fn shell_metacharacter_credentials(marker: &str) -> FakeCredentials {
    FakeCredentials {
        access_key_id: format!("ASIA'$(touch {marker})'\"`touch {marker}`\";x"),
        secret_access_key: format!(
            "s3cr3t\\'; touch {marker}; echo '\n$HOME ${{HOME}} \\n \\\\ \\' | touch {marker} & ü€ “x” ‘y’ 🦀"
        ),
        session_token: format!(
            "tok\"en$(touch {marker})\r\n;&|<>*?~{{a,b}}[x]'\\''\t%s%n\\x41\\u0041 (touch {marker}) $'x' !! ∑\u{2028}end"
        ),
        expiration: in_an_hour(),
    }
}

/// Evaluates sh output in bash and returns the four variables as exact bytes.
fn eval_in_bash(sandbox: &Sandbox, output: &str) -> Vec<Vec<u8>> {
    let run = run(sandbox
        .shell(
            "bash",
            r#"eval "$AWS_AUTH_OUTPUT"
               printf '%s\0' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_SESSION_EXPIRATION""#,
        )
        .env("AWS_AUTH_OUTPUT", output));
    run.assert_success();
    split_nul(&run.stdout)
}

#[test]
fn shell_metacharacters_in_sts_credentials_come_back_exactly_and_never_run() {
    let sandbox = Sandbox::new();
    let marker = sandbox.path("MARKER");
    let marker_str = marker.to_str().expect("UTF-8 temp path");
    let creds = shell_metacharacter_credentials(marker_str);
    let server = HostileSts::always(Reply::Credentials(creds.clone()));

    let assume = run(with_mfa_role(
        &mut against(&server, &sandbox),
        &role_arn("hostile"),
    ));
    let session = run(against(&server, &sandbox).args([
        "--serial-number",
        SERIAL_NUMBER,
        "--token-code",
        TOKEN_CODE,
    ]));
    for run in [&assume, &session] {
        run.assert_success();
        let values = eval_in_bash(&sandbox, run.stdout_str());
        let expected = [
            creds.access_key_id.as_bytes(),
            creds.secret_access_key.as_bytes(),
            creds.session_token.as_bytes(),
            creds.expiration.as_bytes(),
        ];
        assert_eq!(values.len(), 4, "{}", run.describe());
        for (got, want) in values.iter().zip(expected) {
            assert_eq!(
                String::from_utf8_lossy(got),
                String::from_utf8_lossy(want),
                "a value changed on its way through aws-auth and bash\n{}",
                run.describe()
            );
        }
    }
    let actions: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.action().unwrap_or("?").to_owned())
        .collect();
    assert_eq!(actions, ["AssumeRole", "GetSessionToken"]);
    assert!(
        server.requests().iter().all(|r| r.verified()),
        "{:#?}",
        server.requests()
    );
    assert!(
        !marker.exists(),
        "something in the credentials ran: {} exists",
        marker.display()
    );
}

#[test]
fn access_denied_after_a_success_names_the_role_and_the_permission() {
    let sandbox = Sandbox::new();
    let server = HostileSts::start(vec![
        Reply::Credentials(FakeCredentials::plain()),
        Reply::access_denied("Denied by the hostile test server."),
    ]);
    let role = role_arn("denied-role");

    let first = run(with_mfa_role(&mut against(&server, &sandbox), &role));
    first.assert_success();
    assert!(
        first
            .stdout_str()
            .contains("export AWS_ACCESS_KEY_ID='ASIAHOSTILEEXAMPLE01'\n"),
        "{}",
        first.describe()
    );

    let second = run(with_mfa_role(&mut against(&server, &sandbox), &role));
    assert_clean_sts_failure(&second, "AssumeRole");
    for needed in [role.as_str(), "sts:AssumeRole", "AccessDenied"] {
        assert!(
            second.stderr.contains(needed),
            "the error must mention {needed}\n{}",
            second.describe()
        );
    }
    // One request per run. (A 403 is never retried, with or without a code: that no MFA
    // call is retried is pinned on 5xx by server_errors_are_retried_only_when_no_mfa_code_is_sent.)
    assert_eq!(server.request_count(), 2, "{:#?}", server.requests());
}

#[test]
fn a_server_that_never_answers_is_given_up_on_within_the_timeout() {
    // Each run its own server, so its count is its own: the MFA call is sent once.
    let (mfa_server, plain_server) = (
        HostileSts::always(Reply::Hang),
        HostileSts::always(Reply::Hang),
    );
    let bound = Duration::from_secs(15);
    // Both kinds of call at once: one carries an MFA code, the other may be retried.
    let (mfa, plain) = std::thread::scope(|scope| {
        let mfa = scope.spawn(|| {
            let sandbox = Sandbox::new();
            let mut cmd = against(&mfa_server, &sandbox);
            with_mfa_role(&mut cmd, &role_arn("hang-role")).args(["--timeout", "3"]);
            run_limited(&mut cmd, Duration::from_secs(60))
        });
        let sandbox = Sandbox::new();
        let plain = run_limited(
            against(&plain_server, &sandbox).args(["--timeout", "3"]),
            Duration::from_secs(60),
        );
        (mfa.join().expect("the MFA run"), plain)
    });
    for (run, operation) in [(&mfa, "AssumeRole"), (&plain, "GetSessionToken")] {
        assert_clean_sts_failure(run, operation);
        assert!(
            run.elapsed < bound,
            "took {:?} with --timeout 3\n{}",
            run.elapsed,
            run.describe()
        );
        assert!(
            run.elapsed >= Duration::from_secs(2),
            "gave up before the timeout: {:?}\n{}",
            run.elapsed,
            run.describe()
        );
        assert!(
            run.stderr.contains("--timeout"),
            "a timeout should say how to wait longer\n{}",
            run.describe()
        );
    }
    assert_eq!(
        mfa_server.request_count(),
        1,
        "{:#?}",
        mfa_server.requests()
    );
    assert!(plain_server.request_count() >= 1);
    for server in [&mfa_server, &plain_server] {
        assert!(server.requests().iter().all(|r| r.verified()));
    }
}

#[test]
fn an_answer_that_is_not_xml_is_a_clean_error() {
    let sandbox = Sandbox::new();
    let body = "HOSTILE <<< this is not xml >>> &&& \u{1b}[31m";
    let server = HostileSts::always(Reply::not_xml(body));
    for (operation, args) in [
        (
            "AssumeRole",
            vec![
                "--serial-number",
                SERIAL_NUMBER,
                "--token-code",
                TOKEN_CODE,
                "--role-arn",
                "arn:aws:iam::123456789012:role/not-xml",
            ],
        ),
        (
            "GetSessionToken",
            vec!["--serial-number", SERIAL_NUMBER, "--token-code", TOKEN_CODE],
        ),
    ] {
        let run = run(against(&server, &sandbox).args(args));
        assert_clean_sts_failure(&run, operation);
        assert!(
            !run.stderr.contains("HOSTILE") && !run.stderr.contains('\u{1b}'),
            "the body (or its escape sequence) reached the terminal\n{}",
            run.describe()
        );
    }
}

/// The SDK retries a 500 and a 503 (three attempts in all) when no code is sent; a call that
/// carries an MFA code is sent once, as a code must never be replayed. Each run has its own
/// server, so a count is that run's attempts, never another client's request.
#[test]
fn server_errors_are_retried_only_when_no_mfa_code_is_sent() {
    let role = role_arn("flaky-role");
    let mfa_role = vec![
        "--serial-number",
        SERIAL_NUMBER,
        "--token-code",
        TOKEN_CODE,
        "--role-arn",
        &role,
    ];
    let mfa_session = vec!["--serial-number", SERIAL_NUMBER, "--token-code", TOKEN_CODE];
    let cases: [(&str, Vec<&str>, usize); 4] = [
        ("AssumeRole", mfa_role, 1),
        ("GetSessionToken", mfa_session, 1),
        ("AssumeRole", vec!["--role-arn", &role], 3),
        ("GetSessionToken", vec![], 3),
    ];
    let unavailable = Reply::Error {
        status: 503,
        kind: "Receiver",
        code: "ServiceUnavailable",
        message: "The hostile test server is unavailable.".into(),
    };
    let handles: Vec<_> = [Reply::internal_failure(), unavailable]
        .into_iter()
        .flat_map(|reply| cases.clone().map(|case| (reply.clone(), case)))
        .map(|(reply, (operation, args, attempts))| {
            let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
            std::thread::spawn(move || {
                let sandbox = Sandbox::new();
                let server = HostileSts::always(reply);
                let run = run(against(&server, &sandbox).args(&args));
                assert_clean_sts_failure(&run, operation);
                let requests = server.requests();
                assert_eq!(
                    requests.len(),
                    attempts,
                    "{operation} {args:?}: expected {attempts} request(s)\n{}",
                    run.describe()
                );
                for request in &requests {
                    assert_eq!(request.action(), Some(operation));
                    assert!(request.verified(), "{request:#?}");
                    assert_eq!(
                        request.has_field("TokenCode"),
                        attempts == 1,
                        "TokenCode sent iff --token-code given: {}",
                        request.body
                    );
                }
            })
        })
        .collect();
    for handle in handles {
        if let Err(panic) = handle.join() {
            std::panic::resume_unwind(panic);
        }
    }
}

/// A request signed with the wrong secret is refused as AWS refuses it, and aws-auth says the
/// secret access key is wrong; with the right one, both calls verify. Verification off, the
/// same wrong secret goes through (the switch the tests about other things use).
#[test]
fn a_wrong_secret_is_refused_and_reported_and_the_right_one_verifies() {
    let sandbox = Sandbox::new();
    let wrong = SOURCE_SECRET_ACCESS_KEY.replacen('w', "W", 1);
    let server = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let refused = run(with_mfa_role(
        against(&server, &sandbox).env("AWS_SECRET_ACCESS_KEY", &wrong),
        &role_arn("signed"),
    ));
    assert_clean_sts_failure(&refused, "AssumeRole");
    for needed in [
        "SignatureDoesNotMatch",
        "secret access key",
        "AWS_SECRET_ACCESS_KEY",
    ] {
        assert!(
            refused.stderr.contains(needed),
            "{needed:?}\n{}",
            refused.describe()
        );
    }
    assert!(!refused.stderr.contains(&wrong), "{}", refused.describe());
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_eq!(
        requests[0].signature,
        SignatureCheck::Refused(Mismatch::Signature)
    );

    let session = run(against(&server, &sandbox).args([
        "--serial-number",
        SERIAL_NUMBER,
        "--token-code",
        TOKEN_CODE,
    ]));
    session.assert_success();
    let role = run(with_mfa_role(
        &mut against(&server, &sandbox),
        &role_arn("signed"),
    ));
    role.assert_success();
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "{requests:#?}");
    assert!(requests[1..].iter().all(|r| r.verified()), "{requests:#?}");

    let unchecked = HostileSts::start_verifying(
        vec![Reply::Credentials(FakeCredentials::plain())],
        Verify::Off,
    );
    run(against(&unchecked, &sandbox).env("AWS_SECRET_ACCESS_KEY", &wrong)).assert_success();
    assert_eq!(
        unchecked.requests()[0].signature,
        SignatureCheck::NotChecked
    );
}

#[test]
fn nothing_listening_is_a_clean_network_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let sandbox = Sandbox::new();
    let mut cmd = sandbox.aws_auth();
    cmd.env("AWS_ACCESS_KEY_ID", SOURCE_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SOURCE_SECRET_ACCESS_KEY)
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"));
    with_mfa_role(&mut cmd, &role_arn("unreachable"));
    let run = run_limited(&mut cmd, Duration::from_secs(60));
    assert_clean_sts_failure(&run, "AssumeRole");
    assert!(
        run.stderr.contains(&format!("127.0.0.1:{port}")),
        "the error must say where it tried\n{}",
        run.describe()
    );
}

/// XML cannot carry a NUL, but a character reference can smuggle one past a lenient parser;
/// no environment variable can hold it, so aws-auth must refuse rather than truncate.
#[test]
fn a_nul_smuggled_into_credentials_is_refused_not_truncated() {
    let sandbox = Sandbox::new();
    let body = format!(
        "<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
        <GetSessionTokenResult><Credentials>\
        <AccessKeyId>ASIANULEXAMPLE000001</AccessKeyId>\
        <SecretAccessKey>secret&#0;tail</SecretAccessKey>\
        <SessionToken>token</SessionToken>\
        <Expiration>{}</Expiration>\
        </Credentials></GetSessionTokenResult></GetSessionTokenResponse>",
        in_an_hour()
    );
    let server = HostileSts::always(Reply::Raw {
        status: 200,
        content_type: "text/xml",
        body,
    });
    let run = run(against(&server, &sandbox).args([
        "--serial-number",
        SERIAL_NUMBER,
        "--token-code",
        TOKEN_CODE,
    ]));
    run.assert_failure(1);
    assert!(
        run.stderr.contains("AWS_SECRET_ACCESS_KEY") && run.stderr.contains("NUL"),
        "the error must say which value and why\n{}",
        run.describe()
    );
    assert!(!run.stderr.contains("tail"), "{}", run.describe());
}

/// Regression (review item 14): a hostile plain-http endpoint could stream an answer of any
/// size into memory. An answer past the bound is refused, quickly, with a clean error.
#[test]
fn an_oversized_answer_is_refused_not_read_into_memory() {
    let sandbox = Sandbox::new();
    // Well-formed start, then far more than any STS answer: 16 MiB of padding.
    let body = format!(
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA{}",
        "A".repeat(16 * 1024 * 1024)
    );
    let server = HostileSts::always(Reply::Raw {
        status: 200,
        content_type: "text/xml",
        body,
    });
    let run = run(with_mfa_role(
        &mut against(&server, &sandbox),
        &role_arn("big"),
    ));
    assert_clean_sts_failure(&run, "AssumeRole");
    assert!(
        run.stderr.contains("length limit") || run.stderr.contains("too large"),
        "the error must say the answer was too large\n{}",
        run.describe()
    );
}

/// Regression (second review, item 8): credentials whose Expiration is already past, or
/// beyond any STS session, were printed with exit 0. Refused: exit 1, stdout empty, in
/// every output format and under exec, which would otherwise hand them to a command.
#[test]
fn credentials_that_expired_already_or_outlive_any_session_are_refused() {
    let sandbox = Sandbox::new();
    for (expiration, said) in [
        ("2020-01-01T00:00:00Z", "expired already"),
        ("2099-01-01T00:00:00Z", "longer than any STS session"),
    ] {
        let server = HostileSts::always(Reply::Credentials(FakeCredentials {
            expiration: expiration.into(),
            ..FakeCredentials::plain()
        }));
        for format in ["sh", "json"] {
            let out = run(against(&server, &sandbox).args(["--format", format]));
            out.assert_failure(1);
            assert!(out.stderr.contains(said), "{}", out.describe());
            assert!(!out.stderr.contains("hostile/secret"), "{}", out.describe());
        }
        let marker = sandbox.path("ran");
        let out = run(against(&server, &sandbox)
            .args(["exec", "--", "touch"])
            .arg(&marker));
        out.assert_failure(1);
        assert!(
            !marker.exists(),
            "the command ran with unusable credentials"
        );
    }
}

/// Regression (second review, item 9): `| Invoke-Expression` takes a native command's output
/// a line at a time, so a value with a line break would be evaluated outside its quotes.
/// PowerShell output refuses it (exit 1, stdout empty, the variable named, no secret shown).
#[test]
fn a_line_break_in_a_value_is_refused_for_powershell() {
    let sandbox = Sandbox::new();
    for token in ["tok\nen; Remove-Item x", "tok\ren", "tok\u{2028}en"] {
        let server = HostileSts::always(Reply::Credentials(FakeCredentials {
            session_token: token.into(),
            ..FakeCredentials::plain()
        }));
        let out = run(against(&server, &sandbox).args(["--format", "powershell"]));
        out.assert_failure(1);
        assert!(out.stdout.is_empty(), "{}", out.describe());
        assert!(
            out.stderr.contains("AWS_SESSION_TOKEN") && !out.stderr.contains("Remove-Item"),
            "{}",
            out.describe()
        );
    }
}
