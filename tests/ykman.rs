//! `mfa_code = "ykman:ACCOUNT"`: the current code of a YubiKey OATH account, read with
//! `ykman oath accounts code --single` (a fake that follows ykman 5's output and errors),
//! accepted by a strict STS that takes only the current TOTP code; a touch-required account's
//! note reaches the user while ykman waits; a missing key and a missing account are named.

use crate::support::profile_kit::*;
use crate::support::strict_sts::StrictSts;
use crate::support::*;
use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

const ACCOUNT: &str = "AWS:alice";

fn profile(kit: &Kit, mfa_code: &str) {
    kit.profiles(&format!(
        "[profiles.yk]\naccess_key_id = \"{SOURCE_ACCESS_KEY_ID}\"\nsecret_access_key = \"env:YK_SOURCE_SECRET\"\n\
         mfa_serial = \"{SERIAL_NUMBER}\"\nmfa_code = \"{mfa_code}\"\nrole_arn = \"{}\"\n",
        role_arn("yk")
    ));
}

fn command(kit: &Kit, sts: &StrictSts) -> std::process::Command {
    let mut cmd = kit.profile("yk", &[]);
    cmd.env("YK_SOURCE_SECRET", SOURCE_SECRET_ACCESS_KEY)
        .env("AWS_ENDPOINT_URL", sts.url());
    cmd
}

#[test]
fn the_yubikey_s_current_code_is_what_sts_gets() {
    let kit = Kit::new();
    let sts = StrictSts::builder().totp_seed(TOTP_SEED).start();
    kit.fakes.ykman_account(ACCOUNT, TOTP_SEED, false);
    kit.fakes
        .ykman_account("GitHub:alice", "JBSWY3DPEHPK3PXP", false);
    profile(&kit, &format!("ykman:{ACCOUNT}"));
    let out = run(&mut without_terminal(&command(&kit, &sts)));
    out.assert_success();
    assert_eq!(sts.coded_calls().len(), 1);
    assert!(sts.coded_calls()[0].succeeded(), "{:?}", sts.requests());
    assert_eq!(
        kit.fakes.calls_of("ykman"),
        [["oath", "accounts", "code", "--single", ACCOUNT]]
    );
    // A part of one name is enough, as ykman matches.
    profile(&kit, "ykman:alice");
    let sts = StrictSts::builder().totp_seed(TOTP_SEED).start();
    let out = run(&mut without_terminal(&command(&kit, &sts)));
    assert_clear_error(
        &out,
        1,
        &["mfa_code", "ykman", "no such entry", "Multiple matches"],
    );
    assert_eq!(sts.total(), 0);
}

#[test]
fn a_touch_note_reaches_the_user_while_ykman_waits() {
    let kit = Kit::new();
    let sts = StrictSts::builder().totp_seed(TOTP_SEED).start();
    kit.fakes.ykman_account(ACCOUNT, TOTP_SEED, true);
    profile(&kit, &format!("ykman:{ACCOUNT}"));
    let mut child = without_terminal(&command(&kit, &sts))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let start = Instant::now();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("Touch your YubiKey") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no touch note: {seen:?}"
        );
        let n = stderr.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "aws-auth ended before the touch: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    // Still waiting: nothing sent yet.
    assert_eq!(sts.total(), 0);
    kit.fakes.ykman_touch();
    let status = child.wait().unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert!(status.success(), "{}", String::from_utf8_lossy(&seen));
    assert!(stdout.contains("AWS_SESSION_TOKEN"));
    assert!(
        String::from_utf8_lossy(&seen).contains("aws-auth: ykman: Touch your YubiKey..."),
        "{}",
        String::from_utf8_lossy(&seen)
    );
    assert_eq!(sts.coded_calls().len(), 1);
}

#[test]
fn a_missing_key_or_account_is_named() {
    let kit = Kit::new();
    let sts = StrictSts::builder().totp_seed(TOTP_SEED).start();
    kit.fakes.ykman_account(ACCOUNT, TOTP_SEED, false);
    profile(&kit, "ykman:AWS:bob");
    let out = run(&mut without_terminal(&command(&kit, &sts)));
    assert_clear_error(
        &out,
        1,
        &[
            "profile \"yk\"",
            "mfa_code",
            "ykman:AWS:bob",
            "no such entry",
            "No matching account found",
        ],
    );
    profile(&kit, &format!("ykman:{ACCOUNT}"));
    let mut cmd = command(&kit, &sts);
    cmd.env("FAKE_YKMAN_NO_DEVICE", "1");
    let out = run(&mut without_terminal(&cmd));
    assert_clear_error(
        &out,
        1,
        &["mfa_code", "no device", "No YubiKey detected", "plug it in"],
    );
    assert_eq!(sts.total(), 0);
}

/// The code is read only when a call carries one: a role derived again from the cached MFA
/// session asks the YubiKey for nothing (no touch), and neither does a cache hit.
#[test]
fn a_run_that_needs_no_code_asks_the_yubikey_for_none() {
    use crate::support::sessions_rig::{Cache, ROLE, Rig};
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder()
            .totp_seed(TOTP_SEED)
            .role_requires_mfa()
            .role_lifetime(1000)
            .start(),
    );
    rig.fakes.ykman_account(ACCOUNT, TOTP_SEED, true);
    rig.fakes.ykman_touch();
    let p = rig.profile(
        "yk",
        Some(ROLE),
        false,
        &format!("mfa_code = \"ykman:{ACCOUNT}\""),
    );
    rig.run(&p, &[]).assert_success();
    assert_eq!(
        rig.fakes.calls_of("ykman").len(),
        1,
        "the first run reads one code"
    );
    assert_eq!(rig.sts.coded_calls().len(), 1);
    // 1000 s left < 1200: a new role from the MFA session, and no code read.
    rig.run(&p, &["--min-ttl", "1200"]).assert_success();
    assert_eq!(rig.sts.total(), 3);
    // A hit.
    rig.run(&p, &[]).assert_success();
    assert_eq!(rig.sts.total(), 3);
    assert_eq!(
        rig.fakes.calls_of("ykman").len(),
        1,
        "a run without a coded call read the YubiKey"
    );
}
