//! What a run leaves in its memory at the very end (review item 13): aws-auth runs under
//! gdb, stopped at its final `exit_group`, and the core gdb writes then is scanned for the
//! secrets of the run. Source secret keys and TOTP seeds must be gone, whatever backend they
//! came from; what is left is pinned and documented (README, Security notes): keys given in
//! the environment stay in the environment block the process was started with, and the SDK's
//! response buffer (freed, not zeroed) may hold the new session's secret.

use crate::support::profile_kit::*;
use crate::support::*;
use std::process::Command;

const SESSION_SECRET: &str = "MemScanSessionSecret0123456789/+abcdefXY";
const SESSION_TOKEN: &str = "MemScanSessionTokenQWERTYUIOPasdfghjkl0987654321==";

fn server() -> HostileSts {
    HostileSts::always(Reply::Credentials(FakeCredentials {
        access_key_id: "ASIAMEMSCANEXAMPLE01".into(),
        secret_access_key: SESSION_SECRET.into(),
        session_token: SESSION_TOKEN.into(),
        expiration: in_an_hour(),
    }))
}

/// Runs `cmd` (a command made by a Sandbox) under gdb, stops it at exit_group, and returns
/// the core of that moment, with the run's stdout (and gdb's lines).
fn core_at_exit(sandbox: &Sandbox, cmd: &Command) -> (Vec<u8>, String) {
    let core = sandbox.path("core");
    let mut gdb = Command::new("gdb");
    gdb.args(["-nx", "-batch", "-q"])
        .args(["-ex", "set startup-with-shell off"])
        .args(["-ex", "set pagination off"])
        .args(["-ex", "catch syscall exit_group"])
        .args(["-ex", "run"])
        .args(["-ex", &format!("gcore {}", core.display())])
        .args(["-ex", "kill"])
        .arg("--args")
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear()
        .stdin(std::process::Stdio::null());
    for (name, value) in cmd.get_envs() {
        if let Some(value) = value {
            gdb.env(name, value);
        }
    }
    gdb.current_dir(sandbox.root());
    let run = run(&mut gdb);
    let bytes = std::fs::read(&core)
        .unwrap_or_else(|e| panic!("no core written ({e})\n{}", run.describe()));
    // gdb's stdout is the program's, with gdb's own lines around it.
    (bytes, String::from_utf8_lossy(&run.stdout).into_owned())
}

/// How many times the last 20 bytes of `needle` occur: malloc writes its own pointers over
/// the first 16 bytes of a freed block, so a freed copy shows only its tail.
fn count(haystack: &[u8], needle: &str) -> usize {
    let needle = needle.as_bytes();
    let needle = &needle[needle.len().saturating_sub(20)..];
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

/// The core must hold the run's result nowhere but where it is pinned, and the source
/// secret and seed not at all.
fn assert_scrubbed(core: &[u8], stdout: &str, what: &str) {
    assert!(
        stdout.contains("ASIAMEMSCANEXAMPLE01"),
        "{what}: the run did not succeed: {stdout}"
    );
    assert_eq!(
        count(core, SOURCE_SECRET_ACCESS_KEY),
        0,
        "{what}: the source secret key is in memory at exit"
    );
    assert_eq!(
        count(core, TOTP_SEED),
        0,
        "{what}: the TOTP seed is in memory at exit"
    );
    // The scan sees the heap: the source key id, which nothing zeroizes, is still there.
    assert!(
        count(core, SOURCE_ACCESS_KEY_ID) >= 1,
        "{what}: the scan found nothing at all"
    );
    // What is left of the new session: one copy each, the SDK's response buffer (freed,
    // not zeroed; see README, Security notes). More would be a copy of ours.
    assert!(
        count(core, SESSION_SECRET) <= 1,
        "{what}: copies of the session secret"
    );
    assert!(
        count(core, SESSION_TOKEN) <= 1,
        "{what}: copies of the session token"
    );
}

#[test]
fn pass_profile_leaves_neither_the_secret_key_nor_the_seed() {
    let mut kit = Kit::with_pass();
    kit.sts = server();
    kit.pass_insert(
        "aws-auth/mem",
        &format!(
            "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n\
             mfa_serial: {SERIAL_NUMBER}\nrole_arn: {}\n{}\n",
            role_arn("mem"),
            otpauth_line()
        ),
    );
    kit.profiles("[profiles.mem]\nbackend = \"pass\"\n");
    let (core, stdout) = core_at_exit(&kit.sandbox, &kit.profile("mem", &[]));
    assert_scrubbed(&core, &stdout, "pass");
}

#[test]
fn command_backends_leave_neither_the_secret_key_nor_the_seed() {
    let mut kit = Kit::new();
    kit.sts = server();
    kit.fakes.op_field(
        "Private/aws-auth-mem/AWS_ACCESS_KEY_ID",
        SOURCE_ACCESS_KEY_ID,
    );
    kit.fakes.op_field(
        "Private/aws-auth-mem/AWS_SECRET_ACCESS_KEY",
        SOURCE_SECRET_ACCESS_KEY,
    );
    kit.fakes
        .lpass_field("mem", "Secret Access Key", SOURCE_SECRET_ACCESS_KEY);
    kit.fakes
        .lpass_field("mem", "Access Key ID", SOURCE_ACCESS_KEY_ID);
    kit.fakes.gopass_entry(
        "mem",
        &format!(
            "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n{}\n",
            otpauth_line()
        ),
    );
    kit.profiles(&format!(
        "[profiles.op]\naccess_key_id = \"op://Private/aws-auth-mem/AWS_ACCESS_KEY_ID\"\n\
         secret_access_key = \"op://Private/aws-auth-mem/AWS_SECRET_ACCESS_KEY\"\nrole_arn = \"{r}\"\n\
         [profiles.lp]\naccess_key_id = \"lpass:mem#Access Key ID\"\nsecret_access_key = \"lpass:mem#Secret Access Key\"\nrole_arn = \"{r}\"\n\
         [profiles.gp]\naccess_key_id = \"gopass:mem#aws_access_key_id\"\nsecret_access_key = \"gopass:mem\"\n\
         mfa_serial = \"{SERIAL_NUMBER}\"\nmfa_code = \"totp:gopass:mem\"\nrole_arn = \"{r}\"\n",
        r = role_arn("mem")
    ));
    for profile in ["op", "lp", "gp"] {
        let (core, stdout) = core_at_exit(&kit.sandbox, &kit.profile(profile, &[]));
        assert_scrubbed(&core, &stdout, profile);
    }
}

/// Keys from the environment: the environment block the process started with holds the
/// secret (as the shell that set it does); aws-auth itself keeps no copy of it.
#[test]
fn keys_from_the_environment_stay_only_in_the_environment_block() {
    let sandbox = Sandbox::new();
    let server = server();
    let mut cmd = sandbox.aws_auth_with_keys(&server.url());
    cmd.args(["--serial-number", SERIAL_NUMBER, "--token-code", TOKEN_CODE]);
    let (core, stdout) = core_at_exit(&sandbox, &cmd);
    assert!(stdout.contains("ASIAMEMSCANEXAMPLE01"), "{stdout}");
    assert_eq!(
        count(
            &core,
            &format!("AWS_SECRET_ACCESS_KEY={SOURCE_SECRET_ACCESS_KEY}")
        ),
        1,
        "the environment block"
    );
    assert_eq!(
        count(&core, SOURCE_SECRET_ACCESS_KEY),
        1,
        "a copy besides the environment block"
    );
}
