//! The MFA code prompt: asked on the terminal (/dev/tty), answered there, and the code sent
//! once with the STS call; stdout still carries nothing but the credentials.

use crate::support::profile_kit::assert_absent;
use crate::support::*;
use std::time::Duration;

#[test]
fn asks_for_the_mfa_code_on_the_terminal_and_keeps_stdout_for_credentials() {
    let sandbox = Sandbox::new();
    let server = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let mut cmd = sandbox.aws_auth();
    cmd.env("AWS_ACCESS_KEY_ID", SOURCE_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SOURCE_SECRET_ACCESS_KEY)
        .env("AWS_ENDPOINT_URL", server.url())
        .args(["--serial-number", SERIAL_NUMBER]);
    let (stdout, stderr) = (sandbox.path("stdout"), sandbox.path("stderr"));
    let terminal = run_with_stdin(
        &mut in_terminal(&cmd, &stdout, &stderr),
        format!("{TOKEN_CODE}\n").as_bytes(),
        Duration::from_secs(60),
    );
    let stdout = std::fs::read_to_string(&stdout).unwrap_or_default();
    let stderr = std::fs::read_to_string(&stderr).unwrap_or_default();
    let context = format!(
        "{}\n--- aws-auth stdout ---\n{stdout}\n--- aws-auth stderr ---\n{stderr}",
        terminal.describe()
    );
    terminal.assert_success();
    let transcript = String::from_utf8_lossy(&terminal.stdout);
    assert!(
        transcript.contains(&format!("MFA code for {SERIAL_NUMBER}")),
        "the prompt must appear on the terminal\n{context}"
    );
    assert!(
        !transcript.contains("ASIAHOSTILEEXAMPLE01"),
        "credentials must go to stdout, not the terminal\n{context}"
    );
    assert!(
        stdout.starts_with(
            "unset AWS_AUTH_PROFILE\nexport AWS_ACCESS_KEY_ID='ASIAHOSTILEEXAMPLE01'\n"
        ) && stdout.lines().skip(1).all(|l| l.starts_with("export AWS_")),
        "stdout must hold only the credentials\n{context}"
    );
    assert!(
        !stdout.contains("MFA code"),
        "the prompt leaked to stdout\n{context}"
    );
    assert!(
        !stderr.contains(TOKEN_CODE),
        "the code leaked to stderr\n{context}"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{context}");
    assert!(
        requests[0]
            .body
            .contains(&format!("TokenCode={TOKEN_CODE}")),
        "the typed code must be sent: {}",
        requests[0].body
    );
}

/// Runs aws-auth (keys in the environment, `args`) in a fresh terminal, types `typed` there,
/// and returns the terminal's run with aws-auth's own stdout and stderr.
fn typed_at_the_prompt(
    sandbox: &Sandbox,
    server: &HostileSts,
    args: &[&str],
    typed: &str,
) -> (Run, String, String) {
    let mut cmd = sandbox.aws_auth_with_keys(&server.url());
    cmd.args(args);
    let (stdout, stderr) = (sandbox.path("stdout"), sandbox.path("stderr"));
    let terminal = run_with_stdin(
        &mut in_terminal(&cmd, &stdout, &stderr),
        format!("{typed}\n").as_bytes(),
        Duration::from_secs(60),
    );
    (
        terminal,
        std::fs::read_to_string(&stdout).unwrap_or_default(),
        std::fs::read_to_string(&stderr).unwrap_or_default(),
    )
}

/// A code of the wrong shape typed at the prompt is asked for again (three answers in all)
/// before anything reaches STS; three wrong ones end the run (exit 2) with no request.
#[test]
fn a_malformed_code_typed_at_the_prompt_is_asked_again_and_never_sent() {
    let sandbox = Sandbox::new();
    let server = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let role = role_arn("admin");
    for (typed, args) in [
        (
            "90715\n9071534\n9O7153",
            vec!["--serial-number", SERIAL_NUMBER],
        ),
        (
            "\n\n\n",
            vec!["--serial-number", SERIAL_NUMBER, "--role-arn", &role],
        ),
    ] {
        let (terminal, stdout, stderr) = typed_at_the_prompt(&sandbox, &server, &args, typed);
        let context = format!(
            "typed {typed:?}\n{}\n--- aws-auth stdout ---\n{stdout}\n--- aws-auth stderr ---\n{stderr}",
            terminal.describe()
        );
        // `script --return` exits with aws-auth's own code.
        assert_eq!(terminal.code, Some(2), "{context}");
        assert!(stdout.is_empty(), "{context}");
        assert!(
            stderr.starts_with("aws-auth: error: no MFA code was entered: 3 answers"),
            "{context}"
        );
        let transcript = String::from_utf8_lossy(&terminal.stdout);
        assert_eq!(
            transcript.matches("That was not a 6-digit code.").count(),
            2,
            "asked again twice\n{context}"
        );
        for line in typed.lines().filter(|l| !l.is_empty()) {
            assert!(!stderr.contains(line), "the typed code leaked\n{context}");
        }
    }
    assert_eq!(
        server.request_count(),
        0,
        "a malformed typed code must not be sent"
    );

    // A wrong shape, then a good code (spaces inside it, as apps show it, are dropped).
    let (terminal, stdout, stderr) = typed_at_the_prompt(
        &sandbox,
        &server,
        &["--serial-number", SERIAL_NUMBER],
        "9071\n907 153",
    );
    assert_eq!(
        terminal.code,
        Some(0),
        "{}\n{stdout}\n{stderr}",
        terminal.describe()
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0]
            .body
            .contains(&format!("TokenCode={TOKEN_CODE}")),
        "{}",
        requests[0].body
    );
}

/// A typed code that STS refuses is not sent again, and not asked for again: one request,
/// exit 1 (whether STS refused it, or failed with a 5xx that other calls would retry).
#[test]
fn a_refused_typed_code_is_sent_once() {
    for reply in [
        Reply::access_denied(
            "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        ),
        Reply::internal_failure(),
    ] {
        let sandbox = Sandbox::new();
        let server = HostileSts::always(reply);
        let (terminal, stdout, stderr) = typed_at_the_prompt(
            &sandbox,
            &server,
            &["--serial-number", SERIAL_NUMBER],
            TOKEN_CODE,
        );
        let context = format!(
            "{}\n--- aws-auth stdout ---\n{stdout}\n--- aws-auth stderr ---\n{stderr}",
            terminal.describe()
        );
        assert_eq!(terminal.code, Some(1), "{context}");
        assert!(stdout.is_empty(), "{context}");
        assert_eq!(server.request_count(), 1, "{context}");
        let transcript = String::from_utf8_lossy(&terminal.stdout);
        assert_eq!(
            transcript.matches("MFA code for").count(),
            1,
            "asked more than once\n{context}"
        );
    }
}

/// `add` at a terminal: an id that is not one (a secret typed or pasted at the id's prompt,
/// which echoes) is refused before the secret is asked, saying it is on the screen.
#[test]
fn add_refuses_a_secret_typed_as_the_id_before_asking_for_the_secret() {
    let sandbox = Sandbox::new();
    let mut cmd = sandbox.aws_auth();
    cmd.args(["add", "--profile", "early", "--backend", "pass", "--config"])
        .arg(sandbox.path("profiles.toml"));
    let (stdout, stderr) = (sandbox.path("stdout"), sandbox.path("stderr"));
    let terminal = run_with_stdin(
        &mut in_terminal(&cmd, &stdout, &stderr),
        format!("{SOURCE_SECRET_ACCESS_KEY}\n").as_bytes(),
        Duration::from_secs(60),
    );
    let stderr = std::fs::read_to_string(&stderr).unwrap_or_default();
    let transcript = String::from_utf8_lossy(&terminal.stdout);
    assert_eq!(terminal.code, Some(2), "{}\n{stderr}", terminal.describe());
    assert!(
        transcript.contains("AWS access key id: ") && !transcript.contains("secret access key: "),
        "{transcript}"
    );
    assert!(
        stderr.contains("nothing was stored") && stderr.contains("clear it"),
        "{stderr}"
    );
    assert_absent(&stderr, &[SOURCE_SECRET_ACCESS_KEY], "stderr");
    assert!(!sandbox.path("profiles.toml").exists());
}

/// Shell code printed on a terminal sets nothing: one line says how to have the shell read
/// it (`eval "$(aws-auth)"`), and the code is still printed.
#[test]
fn shell_code_shown_on_a_terminal_says_how_to_eval_it() {
    let sandbox = Sandbox::new();
    let server = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let mut cmd = sandbox.aws_auth_with_keys(&server.url());
    cmd.arg("--no-cache");
    let term = crate::support::tmux::Tmux::interactive(&sandbox, &cmd);
    term.wait_for(
        "these lines set nothing by being shown; to set them in your shell, run: eval \"$(aws-auth)\"",
        Duration::from_secs(30),
    );
    term.wait_for("AWS_SESSION_TOKEN=", Duration::from_secs(30));
}
