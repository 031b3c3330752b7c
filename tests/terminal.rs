//! The MFA code prompt: asked on the terminal (/dev/tty), answered there, and the code sent
//! once with the STS call; stdout still carries nothing but the credentials.

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
        stdout.starts_with("export AWS_ACCESS_KEY_ID='ASIAHOSTILEEXAMPLE01'\n")
            && stdout.lines().all(|l| l.starts_with("export AWS_")),
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
