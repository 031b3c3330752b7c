//! aws-auth against a real STS (moto on loopback), its output consumed by real programs: each
//! shell evaluates it exactly as a user would (`eval "$(aws-auth ...)"`, `aws-auth | source`)
//! and the real AWS CLI then calls STS with the new credentials; the JSON format runs as a
//! real `credential_process`.

use crate::support::*;
use std::process::Command;

/// Environment a shell needs to run aws-auth against moto and then the AWS CLI: source keys
/// for aws-auth, moto's endpoint and a region for both (the CLI v1 needs AWS_DEFAULT_REGION).
fn against_moto(cmd: &mut Command) -> &mut Command {
    cmd.env("AWS_ACCESS_KEY_ID", SOURCE_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SOURCE_SECRET_ACCESS_KEY)
        .env("AWS_ENDPOINT_URL", &moto().url)
        .env("AWS_DEFAULT_REGION", "us-east-1")
}

#[test]
fn assumed_role_from_sh_output_works_with_the_aws_cli_in_bash_zsh_and_dash() {
    let sandbox = Sandbox::new();
    for shell in POSIX_SHELLS {
        let session = format!("{shell}-session");
        let script = format!(
            r#"eval "$(aws-auth --serial-number {SERIAL_NUMBER} --token-code {TOKEN_CODE} \
                 --role-arn {} --role-session-name {session})"
               aws sts get-caller-identity --query Arn --output text"#,
            role_arn("e2e-role")
        );
        let run = run(against_moto(&mut sandbox.shell(shell, &script)));
        assert_eq!(
            caller_arn(&run),
            assumed_role_arn("e2e-role", &session),
            "in {shell}\n{}",
            run.describe()
        );
    }
}

#[test]
fn assumed_role_from_fish_output_works_with_the_aws_cli() {
    let sandbox = Sandbox::new();
    let script = format!(
        "aws-auth --format fish --serial-number {SERIAL_NUMBER} --token-code {TOKEN_CODE} \
         --role-arn {} --role-session-name fish-session | source\n\
         aws sts get-caller-identity --query Arn --output text",
        role_arn("e2e-fish-role")
    );
    let run = run(against_moto(&mut sandbox.shell("fish", &script)));
    assert_eq!(
        caller_arn(&run),
        assumed_role_arn("e2e-fish-role", "fish-session"),
        "{}",
        run.describe()
    );
}

#[test]
fn region_flag_exports_both_region_variables_that_the_aws_cli_uses() {
    let sandbox = Sandbox::new();
    let script = format!(
        r#"eval "$(aws-auth --region eu-west-2 --role-arn {} --role-session-name region-session)"
           printf '%s\0' "$AWS_REGION" "$AWS_DEFAULT_REGION"
           aws sts get-caller-identity --query Arn --output text"#,
        role_arn("e2e-region-role")
    );
    let run = run(against_moto(&mut sandbox.shell("bash", &script)));
    run.assert_success();
    let fields = split_nul(&run.stdout);
    assert_eq!(fields.len(), 3, "{}", run.describe());
    assert_eq!(fields[0], b"eu-west-2");
    assert_eq!(fields[1], b"eu-west-2");
    assert_eq!(
        String::from_utf8_lossy(&fields[2]).trim(),
        assumed_role_arn("e2e-region-role", "region-session")
    );
}

#[test]
fn json_output_works_as_a_credential_process_for_the_aws_cli() {
    let sandbox = Sandbox::new();
    let config = sandbox.write(
        "aws-config",
        format!(
            "[profile mfa-role]\n\
             credential_process = {} --format json --serial-number {SERIAL_NUMBER} \
             --token-code {TOKEN_CODE} --role-arn {} --role-session-name process-session\n",
            aws_bin_path(),
            role_arn("e2e-process-role")
        ),
    );
    // An explicit --profile makes the CLI skip the environment's keys, which the helper
    // inherits as its source keys.
    let run = run(against_moto(
        sandbox
            .command("aws")
            .env("AWS_CONFIG_FILE", &config)
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                sandbox.path("no-credentials"),
            )
            .args([
                "sts",
                "get-caller-identity",
                "--profile",
                "mfa-role",
                "--query",
                "Arn",
                "--output",
                "text",
            ]),
    ));
    assert_eq!(
        caller_arn(&run),
        assumed_role_arn("e2e-process-role", "process-session"),
        "{}",
        run.describe()
    );
}

fn aws_bin_path() -> String {
    let path = aws_auth_bin().to_str().expect("a UTF-8 binary path");
    assert!(
        !path.contains(char::is_whitespace),
        "credential_process needs a path without spaces: {path}"
    );
    path.to_owned()
}

/// GetSessionToken (no role): every shell ends up with all four variables, fresh keys and an
/// RFC 3339 UTC expiration, and no region variable that was not asked for.
#[test]
fn session_token_output_sets_all_four_variables_in_every_shell() {
    let sandbox = Sandbox::new();
    let print = r#"printf '%s\0' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_SESSION_EXPIRATION" "${AWS_REGION-unset}""#;
    let flags = format!("--serial-number {SERIAL_NUMBER} --token-code {TOKEN_CODE}");
    let mut scripts: Vec<(&str, String)> = POSIX_SHELLS
        .iter()
        .map(|&shell| (shell, format!("eval \"$(aws-auth {flags})\"\n{print}")))
        .collect();
    scripts.push((
        "fish",
        format!(
            "aws-auth --format fish {flags} | source\n\
             set -q AWS_REGION; or set AWS_REGION unset\n\
             printf '%s\\0' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\" \"$AWS_SESSION_EXPIRATION\" \"$AWS_REGION\""
        ),
    ));
    for (shell, script) in scripts {
        let run = run(against_moto(&mut sandbox.shell(shell, &script)));
        run.assert_success();
        let fields: Vec<String> = split_nul(&run.stdout)
            .into_iter()
            .map(|f| String::from_utf8(f).expect("UTF-8 values"))
            .collect();
        assert_eq!(fields.len(), 5, "in {shell}\n{}", run.describe());
        let [key, secret, token, expiration, region] = &fields[..] else {
            unreachable!()
        };
        assert!(
            key.starts_with("ASIA") || key.starts_with("AKIA"),
            "in {shell}: {key:?}"
        );
        assert_ne!(
            key, SOURCE_ACCESS_KEY_ID,
            "in {shell}: the source key is still set"
        );
        assert!(!secret.is_empty(), "in {shell}");
        assert_ne!(secret, SOURCE_SECRET_ACCESS_KEY, "in {shell}");
        assert!(!token.is_empty(), "in {shell}");
        assert!(
            is_rfc3339_utc_seconds(expiration),
            "in {shell}: expiration {expiration:?}"
        );
        assert_eq!(
            region, "unset",
            "in {shell}: no --region, no region variable"
        );
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, what AWS itself sends (moto's microseconds must be dropped).
fn is_rfc3339_utc_seconds(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// The cron case: no USER or LOGNAME, no terminal. The session name comes from the password
/// database, and the code from --token-code.
#[test]
fn without_user_logname_or_terminal_the_session_name_is_the_account_name() {
    let sandbox = Sandbox::new();
    let account = {
        let who = run(sandbox.command("id").arg("-un"));
        who.assert_success();
        who.stdout_str().trim().to_owned()
    };
    let mut cmd = sandbox.aws_auth();
    against_moto(&mut cmd).args([
        "--serial-number",
        SERIAL_NUMBER,
        "--token-code",
        TOKEN_CODE,
        "--role-arn",
        &role_arn("cron-role"),
    ]);
    let envs: Vec<_> = cmd.get_envs().map(|(k, _)| k.to_owned()).collect();
    assert!(!envs.iter().any(|k| k == "USER" || k == "LOGNAME"));
    let output = run(&mut without_terminal(&cmd));
    output.assert_success();

    let mut check = sandbox.shell(
        "bash",
        r#"eval "$AWS_AUTH_OUTPUT"; aws sts get-caller-identity --query Arn --output text"#,
    );
    against_moto(&mut check).env("AWS_AUTH_OUTPUT", output.stdout_str());
    let arn = run(&mut check);
    assert_eq!(
        caller_arn(&arn),
        assumed_role_arn("cron-role", &account),
        "{}",
        arn.describe()
    );
}
