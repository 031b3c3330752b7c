//! `aws-auth serve`: the container-credentials endpoint as real clients see it. The real AWS
//! CLI gets its credentials through it (as a command run under serve, and after `eval` of the
//! printed variables), curl pokes at every refusal, a fake STS drives a refresh across an
//! expiry, and the command's environment, exit status and signals are checked.

use crate::support::background::Background;
use crate::support::*;
use std::process::Command;
use std::time::{Duration, Instant};

/// What a serve test starts from: keys in the environment, an STS at `endpoint`.
fn serve(sandbox: &Sandbox, endpoint: &str, flags: &[&str], command: &[&str]) -> Command {
    let mut cmd = sandbox.aws_auth_with_keys(endpoint);
    cmd.args(["serve", "--no-cache"]).args(flags);
    if !command.is_empty() {
        cmd.arg("--").args(command);
    }
    cmd
}

/// `serve ... -- sh -c SCRIPT`.
fn serve_script(sandbox: &Sandbox, endpoint: &str, flags: &[&str], script: &str) -> Command {
    serve(sandbox, endpoint, flags, &["sh", "-c", script])
}

/// Credentials whose secrets need escaping in JSON (and in XML, on the way in).
fn json_tricky() -> FakeCredentials {
    FakeCredentials {
        access_key_id: "ASIASERVEEXAMPLE0001".into(),
        secret_access_key: "se\"cret\\key/+ü€ 'x'".into(),
        session_token: "tok\"en\\\t'$(touch x)' “q” 🦀 end".into(),
        expiration: in_an_hour(),
    }
}

/// RFC 3339 UTC for a Unix time, as STS writes expirations.
fn rfc3339(secs: i64) -> String {
    crate::support::strict_sts::rfc3339(u64::try_from(secs).expect("a time after 1970"))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs() as i64
}

/// The `NAME=value` lines of `env` output.
fn env_lines(run: &Run) -> Vec<(String, String)> {
    run.stdout_str()
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

fn lookup<'a>(vars: &'a [(String, String)], name: &str) -> Option<&'a str> {
    vars.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn wait_for_file(path: &std::path::Path, limit: Duration) {
    let start = Instant::now();
    while !path.exists() {
        assert!(start.elapsed() < limit, "{} never appeared", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_aws_cli_run_under_serve_gets_the_assumed_role_from_the_endpoint() {
    let sandbox = Sandbox::new();
    let role = role_arn("serve-role");
    let mut cmd = serve(
        &sandbox,
        &moto().url,
        &[
            "--serial-number",
            SERIAL_NUMBER,
            "--token-code",
            TOKEN_CODE,
            "--role-arn",
            &role,
            "--role-session-name",
            "serve-session",
        ],
        &[
            "aws",
            "sts",
            "get-caller-identity",
            "--query",
            "Arn",
            "--output",
            "text",
        ],
    );
    // The CLI inherits the endpoint and region, and (since serve removes the keys) can only
    // have its credentials from the container endpoint.
    cmd.env("AWS_DEFAULT_REGION", "us-east-1");
    let run = run(&mut cmd);
    assert_eq!(
        caller_arn(&run),
        assumed_role_arn("serve-role", "serve-session"),
        "{}",
        run.describe()
    );
    assert!(
        run.stderr
            .contains("aws-auth: serving credentials on http://127.0.0.1:"),
        "{}",
        run.describe()
    );
    assert!(!run.stderr.contains(SOURCE_SECRET_ACCESS_KEY));
}

#[test]
fn the_commands_exit_status_is_serves_and_a_signal_death_is_128_plus_n() {
    let sandbox = Sandbox::new();
    let sts = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    for (script, code) in [
        ("exit 0", 0),
        ("exit 7", 7),
        ("kill -TERM $$", 128 + 15),
        ("kill -KILL $$", 128 + 9),
    ] {
        let run = run(&mut serve_script(&sandbox, &sts.url(), &[], script));
        assert_eq!(run.code, Some(code), "{script}\n{}", run.describe());
    }
}

#[test]
fn a_command_that_is_not_found_exits_127_with_a_clear_message() {
    let sandbox = Sandbox::new();
    let sts = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let run = run(&mut serve(
        &sandbox,
        &sts.url(),
        &[],
        &["aws-auth-no-such-command", "--flag"],
    ));
    run.assert_failure(127);
    assert!(
        run.stderr.contains("aws-auth-no-such-command") && run.stderr.contains("not found"),
        "{}",
        run.describe()
    );
}

#[test]
fn the_command_gets_the_endpoint_and_token_and_never_a_key() {
    let sandbox = Sandbox::new();
    let creds = FakeCredentials::plain();
    let sts = HostileSts::always(Reply::Credentials(creds.clone()));
    let mut cmd = serve(&sandbox, &sts.url(), &["--region", "eu-west-3"], &["env"]);
    // aws-auth itself starts with keys (its source), a profile and another endpoint's
    // settings: none of it may reach the command.
    cmd.env("AWS_SESSION_TOKEN", "leftover-session-token")
        .env("AWS_SECURITY_TOKEN", "leftover-security-token")
        .env("AWS_PROFILE", "some-profile")
        .env("AWS_DEFAULT_PROFILE", "some-profile")
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/some/token/file")
        .env(
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "/v2/credentials/x",
        )
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "inherited-token")
        .env(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://169.254.170.23/",
        );
    let run = run(&mut cmd);
    run.assert_success();
    let vars = env_lines(&run);
    let url = lookup(&vars, "AWS_CONTAINER_CREDENTIALS_FULL_URI").unwrap_or_default();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
        "{}",
        run.describe()
    );
    let token = lookup(&vars, "AWS_CONTAINER_AUTHORIZATION_TOKEN").unwrap_or_default();
    assert!(
        token.len() >= 43
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "the token must be long, random and plain: {token:?}"
    );
    assert_ne!(token, "inherited-token");
    assert_eq!(lookup(&vars, "AWS_REGION"), Some("eu-west-3"));
    assert_eq!(lookup(&vars, "AWS_DEFAULT_REGION"), Some("eu-west-3"));
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_AUTH_PROFILE",
    ] {
        assert_eq!(lookup(&vars, name), None, "{name} reached the command");
    }
    let everything = format!("{}{}", run.stdout_str(), run.stderr);
    for secret in [
        SOURCE_SECRET_ACCESS_KEY,
        SOURCE_ACCESS_KEY_ID,
        &creds.secret_access_key,
        &creds.session_token,
    ] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
    assert!(!run.stderr.contains(token), "the token was logged");
}

#[test]
fn a_profiles_command_is_told_the_profile_name() {
    let kit = profile_kit::Kit::new();
    let note = "aws-auth/lp";
    kit.fakes
        .lpass_field(note, "Access Key ID", SOURCE_ACCESS_KEY_ID);
    kit.fakes
        .lpass_field(note, "Secret Access Key", SOURCE_SECRET_ACCESS_KEY);
    kit.fakes.lpass_field(note, "MFA ARN", SERIAL_NUMBER);
    kit.profiles("[profiles.lp]\nbackend = \"lpass\"\n");
    let run = run(kit.aws_auth().args([
        "serve",
        "--no-cache",
        "--profile",
        "lp",
        "--token-code",
        TOKEN_CODE,
        "--",
        "env",
    ]));
    run.assert_success();
    let vars = env_lines(&run);
    assert_eq!(lookup(&vars, "AWS_AUTH_PROFILE"), Some("lp"));
    assert!(
        run.stderr
            .contains("aws-auth: serving credentials for profile lp on http://127.0.0.1:"),
        "{}",
        run.describe()
    );
}

/// Statuses of the refusals, then the answer, through curl from the command.
const POKE: &str = r#"
u=$AWS_CONTAINER_CREDENTIALS_FULL_URI
t=$AWS_CONTAINER_AUTHORIZATION_TOKEN
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
echo "none $(status "$u")"
echo "wrong $(status -H "Authorization: ${t}x" "$u")"
echo "bearer $(status -H "Authorization: Bearer $t" "$u")"
echo "evil-host $(status -H "Authorization: $t" -H 'Host: evil.example' "$u")"
echo "rebound-host $(status -H "Authorization: $t" -H 'Host: 127.0.0.1.evil.example' "$u")"
echo "no-host $(status -H "Authorization: $t" -H 'Host:' "$u")"
echo "post $(status -X POST -H "Authorization: $t" "$u")"
echo "put $(status -X PUT -H "Authorization: $t" "$u")"
echo "localhost $(status -H "Authorization: $t" -H "Host: localhost" "$u")"
echo "ok $(status -H "Authorization: $t" "$u")"
curl -s --max-time 5 -o refused.json "$u"
curl -s --max-time 5 -D headers.txt -o answer.json -H "Authorization: $t" "$u"
"#;

/// The four fields of the endpoint's answer (or an error's two), NUL-separated, by python's
/// own JSON parser.
const FIELDS: &str = r#"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
keys = sys.argv[2:]
assert sorted(d) == sorted(keys), sorted(d)
sys.stdout.write("".join(d[k] + "\0" for k in keys))
"#;

fn json_fields(sandbox: &Sandbox, file: &str, keys: &[&str]) -> Vec<String> {
    let run = run(sandbox
        .command("python3")
        .arg("-c")
        .arg(FIELDS)
        .arg(sandbox.path(file))
        .args(keys));
    run.assert_success();
    split_nul(&run.stdout)
        .into_iter()
        .map(|f| String::from_utf8(f).expect("UTF-8"))
        .collect()
}

#[test]
fn the_endpoint_refuses_without_the_token_on_a_foreign_host_or_another_method() {
    let sandbox = Sandbox::new();
    let creds = json_tricky();
    let sts = HostileSts::always(Reply::Credentials(creds.clone()));
    let run = run(&mut serve_script(&sandbox, &sts.url(), &[], POKE));
    run.assert_success();
    let statuses: Vec<(&str, &str)> = run
        .stdout_str()
        .lines()
        .filter_map(|l| l.split_once(' '))
        .collect();
    assert_eq!(
        statuses,
        [
            ("none", "401"),
            ("wrong", "403"),
            ("bearer", "403"),
            ("evil-host", "403"),
            ("rebound-host", "403"),
            ("no-host", "403"),
            ("post", "405"),
            ("put", "405"),
            ("localhost", "200"),
            ("ok", "200"),
        ],
        "{}",
        run.describe()
    );
    let refused = json_fields(&sandbox, "refused.json", &["code", "message"]);
    assert_eq!(refused[0], "MissingAuthorization");
    assert_eq!(
        json_fields(
            &sandbox,
            "answer.json",
            &["AccessKeyId", "SecretAccessKey", "Token", "Expiration"]
        ),
        [
            creds.access_key_id.as_str(),
            &creds.secret_access_key,
            &creds.session_token,
            &creds.expiration
        ]
    );
    let headers = std::fs::read_to_string(sandbox.path("headers.txt")).expect("headers");
    assert!(
        headers
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{headers}"
    );
}

#[test]
fn credentials_are_refreshed_before_they_expire_and_no_request_waits_for_sts() {
    let sandbox = Sandbox::new();
    // Valid for --min-ttl and 20 s more: the refresh is due about 20 s in. The next STS
    // request hangs (the refresh must not hold up any request), the one after that works.
    let first = FakeCredentials {
        access_key_id: "ASIAFIRSTSESSION0001".into(),
        expiration: rfc3339(now() + 920),
        ..FakeCredentials::plain()
    };
    let second = FakeCredentials {
        access_key_id: "ASIASECONDSESSION002".into(),
        ..FakeCredentials::plain()
    };
    let sts = HostileSts::start(vec![
        Reply::Credentials(first),
        Reply::Hang,
        Reply::Credentials(second),
    ]);
    let script = r#"
        polls=0 seen_first=no
        end=$(( $(date +%s) + 60 ))
        while [ "$(date +%s)" -lt "$end" ]; do
          body=$(curl -sS --fail --max-time 1 -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" \
                 "$AWS_CONTAINER_CREDENTIALS_FULL_URI") || { echo "request $polls failed or waited" >&2; exit 3; }
          polls=$((polls + 1))
          case $body in
            *ASIAFIRSTSESSION0001*) seen_first=yes ;;
            *ASIASECONDSESSION002*) echo "first=$seen_first polls=$polls"; exit 0 ;;
            *) echo "unexpected: $body" >&2; exit 5 ;;
          esac
          sleep 0.2
        done
        echo "never saw the second session" >&2
        exit 4
    "#;
    let run = run(&mut serve_script(
        &sandbox,
        &sts.url(),
        &["--min-ttl", "900", "--timeout", "2"],
        script,
    ));
    run.assert_success();
    assert!(
        run.stdout_str().starts_with("first=yes "),
        "{}",
        run.describe()
    );
    assert!(
        sts.request_count() >= 3,
        "STS saw {} requests",
        sts.request_count()
    );
}

#[test]
fn expired_credentials_that_could_not_be_refreshed_get_a_503_and_a_log_line() {
    let sandbox = Sandbox::new();
    let short = FakeCredentials {
        expiration: rfc3339(now() + 4),
        ..FakeCredentials::plain()
    };
    let sts = HostileSts::start(vec![
        Reply::Credentials(short.clone()),
        Reply::access_denied("Denied by the hostile test server."),
    ]);
    let script = r#"
        seen_ok=no
        end=$(( $(date +%s) + 30 ))
        while [ "$(date +%s)" -lt "$end" ]; do
          code=$(curl -s -o body.json -w '%{http_code}' --max-time 1 \
                 -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_CONTAINER_CREDENTIALS_FULL_URI")
          case $seen_ok.$code in
            expired.503) echo "still 503 later"; exit 0 ;;
            expired.*) echo "status $code after the 503" >&2; exit 7 ;;
          esac
          case $code in
            200) seen_ok=yes ;;
            503) [ "$seen_ok" = yes ] || { echo "503 before any 200" >&2; exit 6; }
                 seen_ok=expired; sleep 2; continue ;;
            *) echo "unexpected status $code" >&2; exit 5 ;;
          esac
          sleep 0.2
        done
        exit 4
    "#;
    let run = run(&mut serve_script(
        &sandbox,
        &sts.url(),
        &["--min-ttl", "0"],
        script,
    ));
    run.assert_success();
    assert_eq!(
        run.stdout_str().trim(),
        "still 503 later",
        "{}",
        run.describe()
    );
    let error = json_fields(&sandbox, "body.json", &["code", "message"]);
    assert_eq!(error[0], "CredentialsExpired");
    assert!(
        run.stderr
            .contains("aws-auth: serve: refreshing the credentials failed: "),
        "{}",
        run.describe()
    );
    for secret in [
        SOURCE_SECRET_ACCESS_KEY,
        &short.secret_access_key,
        &short.session_token,
    ] {
        assert!(!run.stderr.contains(secret), "{}", run.describe());
    }
}

#[test]
fn a_first_obtain_that_fails_prints_nothing_and_starts_nothing() {
    let sandbox = Sandbox::new();
    let sts = HostileSts::always(Reply::access_denied("Denied by the hostile test server."));
    let started = sandbox.path("started");
    let run = run(&mut serve_script(
        &sandbox,
        &sts.url(),
        &["--role-arn", &role_arn("denied")],
        ": > started",
    ));
    run.assert_failure(1);
    assert!(!started.exists(), "the command ran\n{}", run.describe());
    assert!(!run.stderr.contains("serving"), "{}", run.describe());
}

#[test]
fn json_format_without_a_command_is_a_usage_error_before_any_sts_call() {
    let sandbox = Sandbox::new();
    let sts = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let run = run(serve(&sandbox, &sts.url(), &[], &[]).args(["--format", "json"]));
    run.assert_failure(2);
    assert_eq!(sts.request_count(), 0);
}

#[test]
fn sigint_is_left_to_the_command_and_sigterm_is_passed_on_to_it() {
    let sandbox = Sandbox::new();
    let sts = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let script = r#"trap 'echo got-term; exit 42' TERM
        : > ready
        while :; do sleep 0.1; done"#;
    let mut server = Background::start(&mut serve_script(&sandbox, &sts.url(), &[], script));
    wait_for_file(&sandbox.path("ready"), Duration::from_secs(30));
    server.signal("INT");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        server.still_running(),
        "SIGINT ended aws-auth before its command"
    );
    server.signal("TERM");
    let stdout = server.stdout_until_closed(Duration::from_secs(10));
    let (code, stderr) = server.wait(Duration::from_secs(10));
    assert_eq!(code, Some(42), "{stderr}");
    assert_eq!(stdout, "got-term\n");
}

#[test]
fn without_a_command_it_prints_variables_that_the_aws_cli_uses_then_serves_until_sigterm() {
    let sandbox = Sandbox::new();
    let role = role_arn("background-role");
    let mut cmd = serve(
        &sandbox,
        &moto().url,
        &["--role-arn", &role, "--role-session-name", "background"],
        &[],
    );
    cmd.env("AWS_DEFAULT_REGION", "us-east-1");
    let mut server = Background::start(&mut cmd);
    // stdout closes while the server goes on: `eval "$(aws-auth serve &)"` returns.
    let exports = server.stdout_until_closed(Duration::from_secs(60));
    assert!(server.still_running(), "the server stopped\n{exports}");
    assert!(
        exports.starts_with("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN"),
        "{exports}"
    );
    assert!(!exports.contains(SOURCE_SECRET_ACCESS_KEY));

    // The shell still has keys and a profile: the unsets must clear them, or the CLI
    // would use them (or fail on the profile) instead of the endpoint.
    let script = r#"eval "$SERVE_EXPORTS"
        printf '%s\n' "$AWS_AUTH_SERVER_PID"
        aws sts get-caller-identity --query Arn --output text"#;
    let run = run(sandbox
        .shell("bash", script)
        .env("SERVE_EXPORTS", &exports)
        .env("AWS_ACCESS_KEY_ID", SOURCE_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SOURCE_SECRET_ACCESS_KEY)
        .env("AWS_PROFILE", "no-such-profile")
        .env("AWS_ENDPOINT_URL", &moto().url)
        .env("AWS_DEFAULT_REGION", "us-east-1"));
    run.assert_success();
    let lines: Vec<&str> = run.stdout_str().lines().collect();
    assert_eq!(
        lines,
        [
            server.child.id().to_string().as_str(),
            &assumed_role_arn("background-role", "background")
        ],
        "{}",
        run.describe()
    );

    server.signal("TERM");
    let (code, stderr) = server.wait(Duration::from_secs(10));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("aws-auth: serving credentials on http://127.0.0.1:"),
        "{stderr}"
    );
}

#[test]
fn fish_variables_point_at_the_endpoint_and_sigint_stops_the_server() {
    let sandbox = Sandbox::new();
    let creds = FakeCredentials::plain();
    let sts = HostileSts::always(Reply::Credentials(creds.clone()));
    let mut server =
        Background::start(serve(&sandbox, &sts.url(), &[], &[]).args(["--format", "fish"]));
    let exports = server.stdout_until_closed(Duration::from_secs(30));
    assert!(server.still_running(), "the server stopped\n{exports}");
    assert!(
        exports.starts_with("set -e AWS_ACCESS_KEY_ID\n"),
        "{exports}"
    );
    let script = r#"printf '%s' $SERVE_EXPORTS | source
        curl -s --max-time 5 -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" $AWS_CONTAINER_CREDENTIALS_FULL_URI"#;
    let run = run(sandbox
        .shell("fish", script)
        .env("SERVE_EXPORTS", &exports)
        .env("AWS_ACCESS_KEY_ID", SOURCE_ACCESS_KEY_ID));
    run.assert_success();
    assert!(
        run.stdout_str()
            .contains(&format!("\"AccessKeyId\": \"{}\"", creds.access_key_id)),
        "{}",
        run.describe()
    );
    server.signal("INT");
    let (code, stderr) = server.wait(Duration::from_secs(10));
    assert_eq!(code, Some(0), "{stderr}");
}

/// Regression: each refresh resent the `--token-code` of the command line, which STS refuses
/// (a code works once), so a server started with one failed every refresh.
#[test]
fn a_refresh_never_replays_the_token_code_given_on_the_command_line() {
    let sandbox = Sandbox::new();
    // Role credentials valid for --min-ttl and 2 s more: a refresh is due almost at once.
    let sts = crate::support::strict_sts::StrictSts::builder()
        .role_lifetime(902)
        .start();
    let role = role_arn("serve-no-replay");
    let run = run(&mut serve_script(
        &sandbox,
        &sts.url(),
        &[
            "--serial-number",
            SERIAL_NUMBER,
            "--token-code",
            TOKEN_CODE,
            "--role-arn",
            &role,
            "--min-ttl",
            "900",
        ],
        "sleep 6",
    ));
    run.assert_success();
    // The refresh needed a new code and had no terminal to ask on: it said so and sent
    // nothing, rather than resending the spent code.
    assert!(
        run.stderr
            .contains("aws-auth: serve: refreshing the credentials failed: ")
            && run.stderr.contains("no terminal"),
        "{}",
        run.describe()
    );
    let calls = sts.requests();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].param("TokenCode"), Some(TOKEN_CODE));
    assert!(calls[0].succeeded(), "{calls:?}");
}
