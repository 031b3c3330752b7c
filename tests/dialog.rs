//! The MFA code asked where there is no terminal: a real zenity on a real X display (Xvfb),
//! typed into with xdotool as a person would; the real AWS CLI consumes the result, both
//! after `eval` and through `credential_process`. `auto` picks the terminal when there is
//! one; a cancelled dialog, a missing dialog program and a bad setting are clear errors.

use crate::support::desktop::Desktop;
use crate::support::profile_kit::assert_clear_error;
use crate::support::strict_sts::StrictSts;
use crate::support::*;
use std::process::Command;
use std::time::Duration;

const CODE: &str = "246813";

fn role() -> String {
    role_arn("dialog")
}

fn profiles(sandbox: &Sandbox, extra: &str) {
    sandbox.write(
        "home/.config/aws-auth/profiles.toml",
        format!(
            "[profiles.dlg]\naccess_key_id = \"{SOURCE_ACCESS_KEY_ID}\"\nsecret_access_key = \"env:DLG_SECRET\"\n\
             mfa_serial = \"{SERIAL_NUMBER}\"\nrole_arn = \"{}\"\nrole_session_name = \"dlg\"\n{extra}",
            role()
        ),
    );
}

/// `cmd` with the profile's secret, the strict STS and the display.
fn on_desktop<'c>(cmd: &'c mut Command, sts: &StrictSts, desktop: &Desktop) -> &'c mut Command {
    cmd.env("DLG_SECRET", SOURCE_SECRET_ACCESS_KEY)
        .env("AWS_ENDPOINT_URL", sts.url())
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("DISPLAY", &desktop.display)
}

/// Runs `cmd` without a terminal while `answer` works the dialog. When answering fails (the
/// dialog never showed), the panic carries the run's transcript: why it never asked.
fn run_answering(cmd: &Command, answer: impl FnOnce() + Send) -> Run {
    std::thread::scope(|scope| {
        let typing = scope.spawn(answer);
        let out = run(&mut without_terminal(cmd));
        if let Err(panic) = typing.join() {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            panic!("{why}\n{}", out.describe());
        }
        out
    })
}

fn assert_code_sent(sts: &StrictSts) {
    let coded = sts.coded_calls();
    assert_eq!(coded.len(), 1, "{:?}", sts.requests());
    assert_eq!(coded[0].param("TokenCode"), Some(CODE));
    assert!(coded[0].succeeded());
}

#[test]
fn without_a_terminal_the_dialog_asks_and_the_aws_cli_sees_the_role() {
    let sandbox = Sandbox::new();
    let desktop = Desktop::start();
    let sts = StrictSts::start();
    profiles(&sandbox, "");
    let mut cmd = sandbox.shell(
        "bash",
        "eval \"$(aws-auth --profile dlg)\" && aws sts get-caller-identity --query Arn --output text",
    );
    on_desktop(&mut cmd, &sts, &desktop);
    let out = run_answering(&cmd, || desktop.answer(CODE, "Return"));
    out.assert_success();
    assert_eq!(
        out.stdout_str().trim(),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/dialog/dlg")
    );
    assert_code_sent(&sts);
}

#[test]
fn credential_process_from_the_aws_cli_shows_the_dialog() {
    let sandbox = Sandbox::new();
    let desktop = Desktop::start();
    let sts = StrictSts::start();
    profiles(&sandbox, "");
    let config = sandbox.write(
        "home/.aws/config",
        "[profile cp]\ncredential_process = aws-auth --profile dlg --format json\n",
    );
    let mut cmd = sandbox.shell(
        "sh",
        "aws --profile cp sts get-caller-identity --query Arn --output text",
    );
    on_desktop(&mut cmd, &sts, &desktop)
        .env("AWS_CONFIG_FILE", config)
        .env("AWS_SHARED_CREDENTIALS_FILE", sandbox.path("none"));
    let out = run_answering(&cmd, || desktop.answer(CODE, "Return"));
    out.assert_success();
    assert!(
        out.stdout_str().contains("assumed-role/dialog/dlg"),
        "{}",
        out.describe()
    );
    assert_code_sent(&sts);
}

#[test]
fn escape_cancels_and_an_open_dialog_is_bounded_by_the_timeout() {
    let sandbox = Sandbox::new();
    let desktop = Desktop::start();
    let sts = StrictSts::start();
    profiles(&sandbox, "");
    let mut cmd = sandbox.aws_auth();
    cmd.args(["--profile", "dlg"]);
    on_desktop(&mut cmd, &sts, &desktop);
    let out = run_answering(&cmd, || desktop.answer("", "Escape"));
    assert_clear_error(&out, 1, &["MFA code", "zenity dialog was cancelled"]);

    cmd.args(["--timeout", "2"]);
    let out = run(&mut without_terminal(&cmd));
    assert_clear_error(&out, 1, &["zenity dialog got no answer within 2 s"]);
    assert_eq!(sts.total(), 0);
    // The dialog did not outlive aws-auth.
    assert_eq!(desktop.dialog(Duration::from_millis(500)), None);
}

#[test]
fn auto_asks_on_the_terminal_when_there_is_one() {
    let sandbox = Sandbox::new();
    let desktop = Desktop::start();
    let sts = StrictSts::start();
    profiles(&sandbox, "");
    let mut cmd = sandbox.aws_auth();
    cmd.args(["--profile", "dlg"]);
    on_desktop(&mut cmd, &sts, &desktop);
    let (stdout, stderr) = (sandbox.path("stdout"), sandbox.path("stderr"));
    let terminal = run_with_stdin(
        &mut in_terminal(&cmd, &stdout, &stderr),
        format!("{CODE}\n").as_bytes(),
        Duration::from_secs(60),
    );
    terminal.assert_success();
    assert!(String::from_utf8_lossy(&terminal.stdout).contains("MFA code for"));
    assert!(
        std::fs::read_to_string(&stdout)
            .unwrap()
            .contains("AWS_SESSION_TOKEN")
    );
    assert_code_sent(&sts);
}

#[test]
fn settings_that_forbid_or_lack_a_dialog_are_clear_errors() {
    let sandbox = Sandbox::new();
    let desktop = Desktop::start();
    let sts = StrictSts::start();
    // prompt = "terminal": never a dialog, even on a desktop.
    profiles(&sandbox, "prompt = \"terminal\"\n");
    let mut cmd = sandbox.aws_auth();
    cmd.args(["--profile", "dlg"]);
    on_desktop(&mut cmd, &sts, &desktop);
    let out = run(&mut without_terminal(&cmd));
    assert_clear_error(&out, 1, &["no terminal to ask on"]);
    assert_eq!(desktop.dialog(Duration::from_millis(300)), None);

    // No dialog program on PATH: named, with how to install one.
    profiles(&sandbox, "");
    // A PATH with nothing but setsid (which runs aws-auth here without a terminal).
    let bare = sandbox.path("bare-bin");
    std::fs::create_dir_all(&bare).unwrap();
    std::os::unix::fs::symlink("/usr/bin/setsid", bare.join("setsid")).unwrap();
    cmd.env("PATH", &bare);
    let out = run(&mut without_terminal(&cmd));
    assert_clear_error(&out, 1, &["no dialog program", "apt-get install zenity"]);

    // prompt = "zenity" where there is none: that program named, with its install line.
    profiles(&sandbox, "prompt = \"zenity\"\n");
    let out = run(&mut without_terminal(&cmd));
    assert_clear_error(
        &out,
        1,
        &["zenity is not installed", "sudo apt-get install zenity"],
    );
    profiles(&sandbox, "");

    // No desktop at all (cron: no DISPLAY, no WAYLAND_DISPLAY), zenity on PATH: auto stays
    // with the terminal's error and never starts a dialog that has nowhere to appear.
    let mut cmd = sandbox.aws_auth();
    on_desktop(&mut cmd, &sts, &desktop).env_remove("DISPLAY");
    cmd.args(["--profile", "dlg"]);
    let out = run(&mut without_terminal(&cmd));
    assert_clear_error(&out, 1, &["no terminal to ask on"]);
    assert!(!out.stderr.contains("zenity"), "{}", out.describe());

    // A display that is not there: zenity's own words, not "cancelled".
    let mut cmd = sandbox.aws_auth();
    cmd.args(["--profile", "dlg"]);
    on_desktop(&mut cmd, &sts, &desktop).env("DISPLAY", ":59999");
    let out = run(&mut without_terminal(&cmd));
    assert_clear_error(&out, 1, &["zenity failed", "cannot open display"]);
    assert!(!out.stderr.contains("cancelled"), "{}", out.describe());

    // A way of asking that does not exist: a usage error naming where it came from.
    let mut cmd = sandbox.aws_auth();
    cmd.args(["--profile", "dlg"]);
    on_desktop(&mut cmd, &sts, &desktop).env("AWS_AUTH_PROMPT", "carrier-pigeon");
    let out = run(&mut without_terminal(&cmd));
    assert_clear_error(&out, 2, &["AWS_AUTH_PROMPT", "carrier-pigeon", "zenity"]);
    assert_eq!(sts.total(), 0);
}

/// Parallel callers on an empty cache (eight tools started at once) see one dialog: the one
/// that holds the profile's lock asks, the others wait and take its result.
#[test]
fn parallel_callers_see_one_dialog() {
    use crate::support::sessions_rig::{Cache, Rig};
    let desktop = Desktop::start();
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder().role_requires_mfa().start(),
    );
    let p = rig.profile("dlg-par", Some(&role()), false, "");
    let runs = std::thread::scope(|scope| {
        let callers: Vec<_> = (0..4)
            .map(|_| {
                let mut cmd = rig.with_profile(&p, &[]);
                cmd.env("DISPLAY", &desktop.display);
                scope.spawn(move || run(&mut without_terminal(&cmd)))
            })
            .collect();
        desktop.answer(CODE, "Return");
        // No second dialog: the others take the first one's result.
        assert_eq!(
            desktop.dialog(Duration::from_secs(2)),
            None,
            "a second dialog showed"
        );
        callers
            .into_iter()
            .map(|c| c.join().unwrap())
            .collect::<Vec<_>>()
    });
    for out in &runs {
        out.assert_success();
    }
    assert_eq!(rig.sts.coded_calls().len(), 1);
    assert_eq!(rig.sts.coded_calls()[0].param("TokenCode"), Some(CODE));
}

/// A dialog answer that is not six digits brings the dialog back, saying why, before
/// anything reaches STS; the next good answer is the one sent.
#[test]
fn a_malformed_answer_brings_the_dialog_back() {
    let sandbox = Sandbox::new();
    let desktop = Desktop::start();
    let sts = StrictSts::start();
    profiles(&sandbox, "");
    let mut cmd = sandbox.aws_auth();
    cmd.args(["--profile", "dlg"]);
    on_desktop(&mut cmd, &sts, &desktop);
    let out = run_answering(&cmd, || {
        desktop.answer("24681", "Return");
        desktop.answer(CODE, "Return");
    });
    out.assert_success();
    assert_code_sent(&sts);
    assert_eq!(
        sts.requests().len(),
        1,
        "one AssumeRole with the good code, nothing before"
    );
}
