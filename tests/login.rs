//! `aws-auth login` against moto's STS and a federation endpoint of our own on loopback:
//! the credentials traded for the sign-in token are the role's (they work with the real AWS
//! CLI as that role), or a federation token without a role; the login URL is printed whole
//! with --print, and otherwise reaches the browser (a fake xdg-open that fetches like one)
//! only through the one-shot loopback redirect, never on an argv.

use crate::support::fakes::Fakes;
use crate::support::federation::{Federation, SIGNIN_TOKEN};
use crate::support::*;
use std::process::Command;

fn login(sandbox: &Sandbox, fed: &Federation, args: &[&str]) -> Command {
    let mut cmd = sandbox.aws_auth_with_keys(&moto().url);
    Fakes::new(sandbox).apply(&mut cmd);
    cmd.env("AWS_AUTH_SIGNIN_URL", fed.url())
        .env("FAKE_BROWSER_LOG", sandbox.path("browser.log"))
        .arg("login")
        .args(args);
    cmd
}

/// A JSON string field of the recorded Session (`"name":"value"`).
fn field(session: &str, name: &str) -> String {
    let start = format!("\"{name}\":\"");
    let rest = session.split_once(&start).expect(session).1;
    rest.split('"').next().unwrap().to_owned()
}

/// The AWS CLI signed with the Session's credentials: who they are.
fn who(sandbox: &Sandbox, session: &str) -> String {
    let mut cmd = sandbox.command("aws");
    cmd.env("AWS_ACCESS_KEY_ID", field(session, "sessionId"))
        .env("AWS_SECRET_ACCESS_KEY", field(session, "sessionKey"))
        .env("AWS_SESSION_TOKEN", field(session, "sessionToken"))
        .env("AWS_ENDPOINT_URL", &moto().url)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .args([
            "sts",
            "get-caller-identity",
            "--query",
            "Arn",
            "--output",
            "text",
        ]);
    caller_arn(&run(&mut cmd))
}

fn expected_url(fed: &Federation, destination: &str) -> String {
    let mut encoded = String::new();
    for b in destination.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!(
        "{}?Action=login&Issuer=aws-auth&Destination={encoded}&SigninToken={SIGNIN_TOKEN}",
        fed.url()
    )
}

#[test]
fn print_gives_the_login_url_of_the_role_s_credentials() {
    let sandbox = Sandbox::new();
    let fed = Federation::start(false);
    let role = role_arn("console-role");
    let run = run(&mut login(
        &sandbox,
        &fed,
        &[
            "--print",
            "--role-arn",
            &role,
            "--role-session-name",
            "con",
            "--region",
            "eu-west-1",
        ],
    ));
    run.assert_success();
    assert_eq!(
        run.stdout_str(),
        format!(
            "{}\n",
            expected_url(
                &fed,
                "https://console.aws.amazon.com/console/home?region=eu-west-1"
            )
        )
    );
    assert!(!run.stderr.contains(SIGNIN_TOKEN), "{}", run.describe());
    let sessions = fed.sessions();
    assert_eq!(sessions.len(), 1);
    assert_eq!(
        who(&sandbox, &sessions[0]),
        assumed_role_arn("console-role", "con")
    );
    assert_ne!(field(&sessions[0], "sessionId"), SOURCE_ACCESS_KEY_ID);
}

/// A profile whose role is in profiles.toml: the role is known before any backend runs, so
/// the entry is read once (not once to look for a role line and again for the keys).
#[test]
fn a_profiles_own_role_reads_its_backend_once() {
    let sandbox = Sandbox::new();
    let fed = Federation::start(false);
    let fakes = Fakes::new(&sandbox);
    fakes.gopass_entry(
        "aws-auth/con",
        &format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n"),
    );
    sandbox.write(
        "home/.config/aws-auth/profiles.toml",
        format!(
            "[profiles.con]\nbackend = \"gopass\"\nrole_arn = \"{}\"\nrole_session_name = \"con\"\n",
            role_arn("profile-role")
        ),
    );
    let mut cmd = login(&sandbox, &fed, &["--print", "--profile", "con"]);
    cmd.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY");
    let run = run(&mut cmd);
    run.assert_success();
    assert_eq!(fakes.calls_of("gopass").len(), 1, "{}", fakes.log());
    let sessions = fed.sessions();
    assert_eq!(sessions.len(), 1);
    assert_eq!(
        who(&sandbox, &sessions[0]),
        assumed_role_arn("profile-role", "con")
    );
}

/// moto's GetFederationToken hands out fixed example keys nothing knows, so this one runs
/// against the recording STS, which answers any call with credentials.
#[test]
fn without_a_role_a_federation_token_signs_in_and_the_missing_mfa_is_said() {
    let sandbox = Sandbox::new();
    let fed = Federation::start(false);
    let sts = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let mut cmd = login(
        &sandbox,
        &fed,
        &[
            "--print",
            "--destination",
            "https://console.aws.amazon.com/s3/",
        ],
    );
    cmd.env("AWS_ENDPOINT_URL", sts.url())
        .env("USER", "alice.example-user-with-a-very-long-name");
    let run = run(&mut cmd);
    run.assert_success();
    assert_eq!(
        run.stdout_str(),
        format!(
            "{}\n",
            expected_url(&fed, "https://console.aws.amazon.com/s3/")
        )
    );
    assert!(
        run.stderr.contains(
            "aws-auth: no role: signing in as a federated user of GetFederationToken, which \
             carries no MFA, so a policy that requires MFA will deny it; set a role"
        ),
        "{}",
        run.describe()
    );
    let requests = sts.requests();
    assert_eq!(requests.len(), 1);
    let call = &requests[0];
    assert_eq!(call.action(), Some("GetFederationToken"));
    let form = |name| crate::support::sts_form::form_field(call, name);
    assert_eq!(
        form("Name").as_deref(),
        Some("alice.example-user-with-a-very-l"),
        "32 characters at most"
    );
    assert_eq!(form("DurationSeconds").as_deref(), Some("43200"));
    assert_eq!(
        form("Policy").as_deref(),
        Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        ),
        "an allow-all session policy: the user's own permissions, no more"
    );
    let sessions = fed.sessions();
    assert_eq!(sessions.len(), 1);
    let plain = FakeCredentials::plain();
    assert_eq!(field(&sessions[0], "sessionId"), plain.access_key_id);
    assert_eq!(field(&sessions[0], "sessionKey"), plain.secret_access_key);
    assert_eq!(field(&sessions[0], "sessionToken"), plain.session_token);
}

#[test]
fn the_browser_gets_the_url_through_a_one_shot_redirect_and_no_argv_holds_it() {
    let sandbox = Sandbox::new();
    let fed = Federation::start(false);
    let role = role_arn("browser-role");
    // The browser first asks for another path (a guess at the port): 404, and the redirect
    // is still the browser's.
    let run = run(login(&sandbox, &fed, &["--role-arn", &role]).env("FAKE_XDG_OPEN_PROBE", "1"));
    run.assert_success();
    assert!(run.stdout.is_empty(), "{}", run.describe());
    // The fake browser goes on after aws-auth is done (a reload): wait for it to finish.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let browser = loop {
        let log = std::fs::read_to_string(sandbox.path("browser.log")).unwrap_or_default();
        if log.ends_with("done\n") || std::time::Instant::now() > deadline {
            break log;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut lines = browser.lines();
    assert_eq!(lines.next(), Some("probe 404"), "{browser}");
    assert_eq!(
        lines.next().unwrap(),
        format!(
            "302 {}",
            expected_url(&fed, "https://console.aws.amazon.com/")
        ),
        "the first request is redirected to the login URL"
    );
    let second = lines.next().unwrap();
    assert!(
        second == "refused" || second == "000",
        "then nothing answers: {second}"
    );
    let argv = Fakes::new(&sandbox).log();
    let opened: Vec<&str> = argv.lines().filter(|l| l.starts_with("xdg-open")).collect();
    assert_eq!(opened.len(), 1, "{argv}");
    assert!(
        opened[0].starts_with("xdg-open\thttp://127.0.0.1:"),
        "{argv}"
    );
    assert!(!argv.contains(SIGNIN_TOKEN), "{argv}");
    assert!(!argv.contains("SigninToken"), "{argv}");
}

#[test]
fn a_browser_that_cannot_open_fails_with_the_way_out() {
    let sandbox = Sandbox::new();
    let fed = Federation::start(false);
    let mut cmd = login(&sandbox, &fed, &["--role-arn", &role_arn("r")]);
    cmd.env("FAKE_XDG_OPEN_FAIL", "1");
    let run = run(&mut cmd);
    run.assert_failure(1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("xdg-open could not open a browser") && run.stderr.contains("--print"),
        "the opener's failure is reported at once: {}",
        run.describe()
    );
    assert!(!run.stderr.contains(SIGNIN_TOKEN), "{}", run.describe());
}

#[test]
fn a_refusing_endpoint_fails_with_nothing_on_stdout() {
    let sandbox = Sandbox::new();
    let fed = Federation::start(true);
    let run = run(&mut login(
        &sandbox,
        &fed,
        &["--print", "--role-arn", &role_arn("r")],
    ));
    run.assert_failure(1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("refused the credentials (HTTP 400"),
        "{}",
        run.describe()
    );
    // The request held the credentials: the error must not.
    assert!(!run.stderr.contains("sessionKey"), "{}", run.describe());
    assert!(!run.stderr.contains("Session="), "{}", run.describe());
}

#[test]
fn a_plain_http_signin_url_off_this_machine_is_refused() {
    let sandbox = Sandbox::new();
    let fed = Federation::start(false);
    let mut cmd = login(&sandbox, &fed, &["--print", "--role-arn", &role_arn("r")]);
    cmd.env(
        "AWS_AUTH_SIGNIN_URL",
        "http://signin.example.com/federation",
    );
    let run = run(&mut cmd);
    run.assert_failure(2);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("AWS_AUTH_SIGNIN_URL"),
        "{}",
        run.describe()
    );
}

/// Regression (second review, item 3): `http://127.0.0.1:1@HOST/` starts like loopback but
/// sends to HOST (the userinfo part is `127.0.0.1:1`). Here HOST is our own endpoint on
/// 127.0.0.1 too, so that a leak would be seen as a request reaching it: none does.
#[test]
fn a_signin_url_with_a_userinfo_part_is_refused_before_any_request() {
    let sandbox = Sandbox::new();
    let fed = Federation::start(false);
    let mut cmd = login(&sandbox, &fed, &["--print", "--role-arn", &role_arn("r")]);
    let target = fed.url().replacen("http://", "http://127.0.0.1:1@", 1);
    cmd.env("AWS_AUTH_SIGNIN_URL", &target);
    let run = run(&mut cmd);
    run.assert_failure(2);
    assert!(run.stderr.contains("user:password@"), "{}", run.describe());
    assert!(
        fed.sessions().is_empty(),
        "credentials reached the host behind the userinfo"
    );
    // The same parser judges STS's endpoint.
    let mut cmd = sandbox.aws_auth_with_keys(&target);
    let run = crate::support::run(&mut cmd);
    run.assert_failure(2);
    assert!(
        run.stderr.contains("AWS_ENDPOINT_URL"),
        "{}",
        run.describe()
    );
}

/// An endpoint nobody answers on: the cause is named (never the request, which holds the
/// credentials), stdout stays empty.
#[test]
fn an_unreachable_endpoint_names_the_cause_and_not_the_request() {
    let sandbox = Sandbox::new();
    let fed = Federation::start(false);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut cmd = login(&sandbox, &fed, &["--print", "--role-arn", &role_arn("r")]);
    cmd.env(
        "AWS_AUTH_SIGNIN_URL",
        format!("http://127.0.0.1:{port}/federation"),
    );
    let run = run(&mut cmd);
    run.assert_failure(1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains(&format!(
            "could not reach http://127.0.0.1:{port}/federation"
        )) && run.stderr.to_lowercase().contains("connection refused"),
        "{}",
        run.describe()
    );
    assert!(!run.stderr.contains("Session="), "{}", run.describe());
    assert!(!run.stderr.contains("sessionKey"), "{}", run.describe());
}

/// The partition's console, from the environment's region when no flag or profile gives one.
#[test]
fn the_environment_s_region_picks_the_partition_s_console() {
    let sandbox = Sandbox::new();
    let fed = Federation::start(false);
    let mut cmd = login(
        &sandbox,
        &fed,
        &["--print", "--role-arn", &role_arn("cn-role")],
    );
    cmd.env("AWS_REGION", "cn-north-1");
    let run = run(&mut cmd);
    run.assert_success();
    assert_eq!(
        run.stdout_str(),
        format!(
            "{}\n",
            expected_url(
                &fed,
                "https://console.amazonaws.cn/console/home?region=cn-north-1"
            )
        )
    );
}
