//! `aws-auth exec`: the command replaces aws-auth (execve) with the credentials in its
//! environment and the profile variables gone; its stdout, exit status and signals are the
//! command's own; a failure before the exec runs nothing. Against the strict STS, with the
//! real AWS CLI as the child where it matters.

use crate::support::sessions_rig::{Cache, Printed, ROLE, Rig};
use crate::support::strict_sts::StrictSts;
use crate::support::*;
use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

/// `env -0` output as a map.
fn child_env(run: &Run) -> BTreeMap<String, String> {
    run.assert_success();
    split_nul(&run.stdout)
        .into_iter()
        .map(|f| String::from_utf8(f).expect("UTF-8 environment"))
        .map(|f| {
            let (k, v) = f.split_once('=').expect("NAME=value");
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn assert_gets(env: &BTreeMap<String, String>, creds: &Printed) {
    let get = |name: &str| env.get(name).map(String::as_str);
    assert_eq!(get("AWS_ACCESS_KEY_ID"), Some(creds.access_key_id.as_str()));
    assert_eq!(
        get("AWS_SECRET_ACCESS_KEY"),
        Some(creds.secret_access_key.as_str())
    );
    assert_eq!(get("AWS_SESSION_TOKEN"), Some(creds.session_token.as_str()));
    assert_eq!(
        get("AWS_SESSION_EXPIRATION"),
        Some(creds.expiration.as_str())
    );
    assert_eq!(
        get("AWS_CREDENTIAL_EXPIRATION"),
        Some(creds.expiration.as_str())
    );
    for gone in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"] {
        assert_eq!(get(gone), None, "{gone} must be removed: {env:?}");
    }
}

#[test]
fn the_aws_cli_run_by_exec_is_the_role() {
    let rig = Rig::new(Cache::Off, StrictSts::builder().role_requires_mfa().start());
    let p = rig.profile(
        "exec-cli",
        Some(ROLE),
        false,
        "role_session_name = \"exec-session\"",
    );
    let out = run(&mut without_terminal(&rig.aws_auth(&[
        "exec",
        "--profile",
        &p,
        "--token-code",
        TOKEN_CODE,
        "--region",
        "us-east-1",
        "--",
        "aws",
        "sts",
        "get-caller-identity",
        "--query",
        "Arn",
        "--output",
        "text",
    ])));
    out.assert_success();
    assert_eq!(
        out.stdout_str(),
        format!("{}\n", assumed_role_arn("cache-role", "exec-session")),
        "stdout is the command's alone\n{}",
        out.describe()
    );
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 2, "{calls:#?}");
    assert_eq!(calls[0].action, "AssumeRole");
    assert_eq!(calls[0].param("TokenCode"), Some(TOKEN_CODE));
    assert_eq!(calls[1].action, "GetCallerIdentity");
    assert_eq!(calls[1].signer(), rig.sts.issued()[0].access_key_id);
}

#[test]
fn the_child_gets_the_credentials_and_not_the_profile_variables() {
    let rig = Rig::new(Cache::Off, StrictSts::start());
    let p = rig.profile("exec-env", Some(ROLE), false, "");
    let with_profile = |cmd: &mut std::process::Command| {
        cmd.env("AWS_PROFILE", "leftover")
            .env("AWS_DEFAULT_PROFILE", "leftover")
            .env("AWS_SECURITY_TOKEN", "leftover-token")
            .env("AWS_CONFIG_FILE", "/nonexistent/config")
            .env("KEEP_ME", "kept");
    };

    let mut cmd = rig.aws_auth(&["exec", "--profile", &p, "--token-code", "111111"]);
    cmd.args(["--region", "eu-west-2", "--", "env", "-0"]);
    with_profile(&mut cmd);
    let env = child_env(&run(&mut without_terminal(&cmd)));
    assert_gets(&env, &Printed::of(&rig.sts.issued()[0]));
    assert_eq!(env.get("AWS_REGION").map(String::as_str), Some("eu-west-2"));
    assert_eq!(
        env.get("AWS_DEFAULT_REGION").map(String::as_str),
        Some("eu-west-2")
    );
    assert_eq!(env.get("AWS_AUTH_PROFILE"), Some(&p));
    assert_eq!(env.get("KEEP_ME").map(String::as_str), Some("kept"));
    assert_eq!(
        env.get("AWS_CONFIG_FILE").map(String::as_str),
        Some("/nonexistent/config"),
        "left alone"
    );

    // Keys from the environment, no region: the source keys are replaced, no region or
    // profile variable appears.
    let mut cmd = rig.aws_auth(&["exec", "--serial-number", SERIAL_NUMBER]);
    cmd.args(["--token-code", "222222", "--", "env", "-0"])
        .env("AWS_ACCESS_KEY_ID", SOURCE_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SOURCE_SECRET_ACCESS_KEY);
    with_profile(&mut cmd);
    let env = child_env(&run(&mut without_terminal(&cmd)));
    assert_gets(&env, &Printed::of(&rig.sts.issued()[1]));
    for absent in ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_AUTH_PROFILE"] {
        assert_eq!(env.get(absent), None, "{absent}: {env:?}");
    }
    assert_eq!(rig.sts.requests()[1].action, "GetSessionToken");
}

#[test]
fn exec_replaces_aws_auth_and_passes_on_the_exit_status_and_signals() {
    let rig = Rig::new(Cache::Off, StrictSts::start());
    let p = rig.profile("exec-status", None, false, "");
    // Run directly (not through setsid): the child spawned is the one that execs.
    let exec = |code: &str, script: &str| {
        let mut cmd = rig.aws_auth(&["exec", "--profile", &p, "--token-code", code]);
        cmd.args(["--", "sh", "-c", script])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };

    // execve: the shell has aws-auth's pid.
    let child = exec("111111", "echo $$").spawn().expect("running aws-auth");
    let pid = child.id();
    let output = child.wait_with_output().expect("waiting for aws-auth");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), format!("{pid}\n"));

    let seven = exec("222222", "exit 7").output().expect("running aws-auth");
    assert_eq!(seven.status.code(), Some(7), "{seven:?}");
    assert!(seven.stdout.is_empty(), "{seven:?}");

    let killed = exec("333333", "kill -TERM $$")
        .output()
        .expect("running aws-auth");
    assert_eq!(
        killed.status.signal(),
        Some(15),
        "a SIGTERM death: {killed:?}"
    );
    assert_eq!(rig.sts.total(), 3);
}

#[test]
fn exec_without_a_command_runs_shell() {
    let rig = Rig::new(Cache::Off, StrictSts::start());
    let p = rig.profile("exec-shell", None, false, "");
    let shell = rig.sandbox.write(
        "bin/my-shell",
        "#!/bin/sh\nprintf 'shell %s args=%s\\n' \"$AWS_ACCESS_KEY_ID\" \"$#\"\n",
    );
    std::fs::set_permissions(&shell, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = run(&mut without_terminal(
        rig.aws_auth(&["exec", "--profile", &p, "--token-code", TOKEN_CODE])
            .env("SHELL", &shell),
    ));
    out.assert_success();
    assert_eq!(
        out.stdout_str(),
        format!("shell {} args=0\n", rig.sts.issued()[0].access_key_id)
    );
}

#[test]
fn exec_of_a_missing_command_exits_127_naming_it() {
    let rig = Rig::new(Cache::Off, StrictSts::start());
    let p = rig.profile("exec-missing", None, false, "");
    let out = run(&mut without_terminal(&rig.aws_auth(&[
        "exec",
        "--profile",
        &p,
        "--token-code",
        TOKEN_CODE,
        "--",
        "aws-auth-no-such-command",
        "arg",
    ])));
    out.assert_failure(127);
    assert!(
        out.stderr.contains("aws-auth-no-such-command"),
        "{}",
        out.describe()
    );
}

#[test]
fn exec_with_a_bad_flag_exits_2_and_runs_nothing() {
    let rig = Rig::new(Cache::Off, StrictSts::start());
    let p = rig.profile("exec-flag", None, false, "");
    let marker = rig.sandbox.path("ran");
    let marker_arg = marker.to_str().unwrap();
    for args in [
        vec![
            "exec",
            "--profile",
            &p,
            "--no-such-flag",
            "--",
            "touch",
            marker_arg,
        ],
        vec![
            "exec",
            "--profile",
            &p,
            "--role-duration-seconds",
            "100",
            "--token-code",
            TOKEN_CODE,
            "--",
            "touch",
            marker_arg,
        ],
        vec![
            "exec",
            "--profile",
            "no-such-profile",
            "--",
            "touch",
            marker_arg,
        ],
    ] {
        let out = run(&mut without_terminal(&rig.aws_auth(&args)));
        out.assert_failure(2);
        assert!(!marker.exists(), "the command ran\n{}", out.describe());
    }
    assert_eq!(rig.sts.total(), 0);
}

#[test]
fn exec_when_sts_refuses_exits_1_and_runs_nothing() {
    let rig = Rig::new(Cache::Off, StrictSts::start());
    let marker = rig.sandbox.path("ran");
    let out = run(&mut without_terminal(
        rig.aws_auth(&["exec", "--", "touch", marker.to_str().unwrap()])
            .env("AWS_ACCESS_KEY_ID", "AKIAUNKNOWNKEY000001")
            .env("AWS_SECRET_ACCESS_KEY", SOURCE_SECRET_ACCESS_KEY),
    ));
    out.assert_failure(1);
    assert!(!marker.exists(), "the command ran\n{}", out.describe());
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!(calls[0].error.as_deref(), Some("InvalidClientTokenId"));
}

#[test]
fn exec_on_a_warm_cache_makes_no_request() {
    let rig = Rig::new(Cache::Kernel, StrictSts::start());
    let p = rig.profile("exec-warm", Some(ROLE), false, "");
    let printed = Printed::sh(&rig.run(&p, &["--token-code", TOKEN_CODE]));
    assert_eq!(rig.sts.total(), 2);
    let gopass_runs = rig.fakes.calls_of("gopass").len();
    let env = child_env(&run(&mut without_terminal(&rig.aws_auth(&[
        "exec",
        "--profile",
        &p,
        "--",
        "env",
        "-0",
    ]))));
    assert_gets(&env, &printed);
    assert_eq!(rig.sts.total(), 2, "{:#?}", rig.sts.requests());
    assert_eq!(rig.fakes.calls_of("gopass").len(), gopass_runs);
}
