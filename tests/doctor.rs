//! `aws-auth doctor`: a line per check, exit 0 only when all pass, never an MFA code used
//! (GetCallerIdentity is the only STS call) and never a value printed.

use crate::support::profile_kit::{Kit, TOTP_SEED, otpauth_line};
use crate::support::*;
use std::os::unix::fs::PermissionsExt;

/// An HTTP date (RFC 7231) `offset` seconds from now.
fn http_date(offset: i64) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d"])
        .arg(format!("@{}", unix_now() + offset))
        .arg("+%a, %d %b %Y %H:%M:%S GMT")
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A pass profile in the one-entry layout, with a role and a TOTP seed.
fn kit_with_profile(date_offset: i64) -> Kit {
    let mut kit = Kit::with_pass();
    kit.sts = HostileSts::always(Reply::CallerIdentity {
        date: http_date(date_offset),
    });
    kit.pass_insert(
        "aws-auth/doc",
        &format!(
            "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n\
             mfa_serial: {SERIAL_NUMBER}\nrole_arn: {}\n{}\n",
            role_arn("doctor"),
            otpauth_line()
        ),
    );
    kit.profiles("[profiles.doc]\nbackend = \"pass\"\n");
    kit
}

fn doctor(kit: &Kit) -> Run {
    let mut cmd = kit.aws_auth();
    cmd.args(["doctor", "--profile", "doc"]);
    run(&mut without_terminal(&cmd))
}

/// Some line of doctor's report is `wanted`.
fn assert_line(out: &Run, wanted: impl Fn(&str) -> bool) {
    assert!(out.stdout_str().lines().any(wanted), "{}", out.describe());
}

#[test]
fn a_sound_setup_passes_every_check_and_uses_no_code() {
    let kit = kit_with_profile(3);
    let out = doctor(&kit);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let text = out.stdout_str();
    for line in text.lines() {
        assert!(
            line.starts_with("✓ ") || line.starts_with("· "),
            "{line}\n{}",
            out.describe()
        );
    }
    for needle in [
        "profiles file",
        "every reference read",
        &format!("MFA device {SERIAL_NUMBER}"),
        &format!("role {}", role_arn("doctor")),
        "TOTP seed",
        "session cache",
        "arn:aws:iam::123456789012:user/alice",
        "clock: within",
    ] {
        assert!(text.contains(needle), "{needle}\n{}", out.describe());
    }
    // Only GetCallerIdentity, signed with the profile's key; no code was sent anywhere.
    let requests = kit.sts.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_eq!(requests[0].action(), Some("GetCallerIdentity"));
    assert!(!requests[0].has_field("TokenCode"));
    assert!(
        requests[0].verified(),
        "signed with the profile's secret key"
    );
    for secret in [SOURCE_SECRET_ACCESS_KEY, TOTP_SEED] {
        assert!(!text.contains(secret) && !out.stderr.contains(secret));
    }
    let digits6 = text
        .split(|c: char| !c.is_ascii_digit())
        .any(|w| w.len() == 6);
    assert!(
        !digits6,
        "a 6-digit number (an MFA code?) was printed\n{text}"
    );
}

#[test]
fn a_clock_off_by_minutes_is_a_failed_check() {
    let kit = kit_with_profile(-400);
    let out = doctor(&kit);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert_line(&out, |l| {
        l.starts_with("✗ clock:") && l.contains("ahead of") && l.contains("timedatectl")
    });
}

#[test]
fn broken_parts_are_named_with_their_fix() {
    // A profiles file others can write: refused, and nothing is read or sent.
    let kit = kit_with_profile(0);
    let path = kit.sandbox.path("home/.config/aws-auth/profiles.toml");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = doctor(&kit);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(out.stdout_str().contains("✗ ") && out.stdout_str().contains("chmod go-w"));
    assert_eq!(kit.sts.request_count(), 0);

    // A backend that is logged out: named, with what it said.
    let kit = Kit::new();
    kit.profiles("[profiles.doc]\nbackend = \"op\"\n");
    let mut cmd = kit.aws_auth();
    cmd.args(["doctor", "--profile", "doc"])
        .env("FAKE_LOGGED_OUT", "1");
    let out = run(&mut without_terminal(&cmd));
    assert_eq!(out.code, Some(1), "{}", out.describe());
    let text = out.stdout_str();
    assert!(
        text.lines()
            .any(|l| l.starts_with("✗ profile \"doc\"") && l.contains("not signed in")),
        "{}",
        out.describe()
    );
    assert_eq!(kit.sts.request_count(), 0);

    // Keys STS refuses.
    let kit = Kit::new();
    let server = HostileSts::always(Reply::Error {
        status: 403,
        kind: "Sender",
        code: "InvalidClientTokenId",
        message: "The security token included in the request is invalid.".into(),
    });
    let mut cmd = kit.sandbox.aws_auth_with_keys(&server.url());
    cmd.arg("doctor");
    let out = run(&mut cmd);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert_line(&out, |l| {
        l.starts_with("✗ STS refused GetCallerIdentity") && l.contains("InvalidClientTokenId")
    });
}

/// The real AWS STS protocol, through moto: keys from the environment.
#[test]
fn doctor_against_moto_with_environment_keys() {
    let sandbox = Sandbox::new();
    let out = run(sandbox.aws_auth_with_keys(&moto().url).arg("doctor"));
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(
        out.stdout_str()
            .contains("✓ STS answers and the keys are valid")
    );
    // No profiles file: keys from the environment are a note, not a failure.
    assert_line(&out, |l| l.starts_with("· no profiles file at"));
}

/// `--region` reaches the one STS call (its signature's scope), a profile of the AWS config
/// file is said to take another profile's keys (and a profiles.toml one is not), and an
/// 8-digit TOTP seed, which no AWS MFA device accepts, is a failed check of the profile.
#[test]
fn the_region_the_keys_source_and_the_code_length_are_checked() {
    let kit = kit_with_profile(0);
    let config = kit.sandbox.write(
        "aws-config",
        format!(
            "[profile cfg]\nrole_arn = {}\nsource_profile = doc\n",
            role_arn("cfg")
        ),
    );
    let doctor_of = |profile: &str, extra: &[&str]| {
        let mut cmd = kit.aws_auth();
        cmd.args(["doctor", "--profile", profile])
            .args(extra)
            .env("AWS_CONFIG_FILE", &config);
        run(&mut without_terminal(&cmd))
    };
    let out = doctor_of("doc", &["--region", "eu-west-3"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(
        !out.stdout_str().contains("AWS config file"),
        "{}",
        out.describe()
    );
    let request = kit.only_request();
    let signed = crate::support::sigv4::authorization(&request).unwrap();
    assert_eq!(signed.region, "eu-west-3", "{request:#?}");

    let out = doctor_of("cfg", &[]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_line(&out, |l| {
        l == "✓ profile \"cfg\" is in the AWS config file; its keys are profile \"doc\"'s"
    });

    kit.pass_insert(
        "aws-auth/doc",
        &format!(
            "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n\
             mfa_serial: {SERIAL_NUMBER}\n{}&digits=8\n",
            otpauth_line()
        ),
    );
    let out = doctor_of("doc", &[]);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert_line(&out, |l| {
        l.starts_with("✗ profile \"doc\", mfa_code: must be exactly 6 digits")
    });
}

/// A profile asked for by name in a profiles file that does not exist is a failed check
/// (without --profile, the same missing file is only a note).
#[test]
fn a_named_profile_without_a_profiles_file_is_a_failed_check() {
    let sandbox = Sandbox::new();
    let out = run(sandbox
        .aws_auth_with_keys(&moto().url)
        .args(["doctor", "--profile", "work"]));
    assert_eq!(out.code, Some(1), "{}", out.describe());
    let first = out.stdout_str().lines().next().unwrap_or_default();
    assert!(
        first.starts_with("✗ ") && first.contains("profiles.toml"),
        "{}",
        out.describe()
    );
}

/// A store AWS_AUTH_CACHE_STORE names but that cannot be used (no bus for the Secret
/// Service), or a value that names none, is a failed check; the sound setup's other lines
/// still pass.
#[test]
fn a_named_cache_store_that_cannot_be_used_is_a_failed_check() {
    let kit = kit_with_profile(3);
    for (value, wanted) in [
        (
            "secret-service",
            "✗ session cache: none, every run asks STS (no D-Bus session bus \
             (DBUS_SESSION_BUS_ADDRESS is unset), so no Secret Service; \
             AWS_AUTH_CACHE_STORE=secret-service rules out the kernel keyring)",
        ),
        (
            "bogus",
            "✗ session cache: AWS_AUTH_CACHE_STORE is \"bogus\", not auto, secret-service or \
             kernel-keyring",
        ),
    ] {
        let mut cmd = kit.aws_auth();
        cmd.args(["doctor", "--profile", "doc"])
            .env("AWS_AUTH_CACHE_STORE", value);
        let out = run(&mut without_terminal(&cmd));
        assert_eq!(out.code, Some(1), "{}", out.describe());
        assert_line(&out, |l| l == wanted);
        let failed: Vec<&str> = out
            .stdout_str()
            .lines()
            .filter(|l| l.starts_with("✗ "))
            .collect();
        assert_eq!(failed, [wanted], "{}", out.describe());
    }
}

/// Regression: without --profile, doctor checked only the environment's keys and failed
/// ("no keys to sign with") on a machine whose profiles all work. It checks every profile,
/// a block each, and exits 0 when all pass; a profile of ~/.aws/config that only the AWS
/// CLI can use (its keys are in ~/.aws/credentials) is noted, not failed.
#[test]
fn without_a_profile_every_profile_is_checked_in_a_block_of_its_own() {
    let kit = kit_with_profile(0);
    kit.fakes.gopass_entry(
        "aws-auth/team",
        &format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n"),
    );
    kit.profiles(&format!(
        "[profiles.doc]\nbackend = \"pass\"\n[profiles.team]\nbackend = \"gopass\"\n\
         [profiles.lit]\naccess_key_id = \"{SOURCE_ACCESS_KEY_ID}\"\nsecret_access_key = \"env:DOC_SECRET\"\n"
    ));
    let config = kit.sandbox.write(
        "aws-config",
        format!(
            "[profile prod]\nrole_arn = {}\nsource_profile = team\n[profile cli-only]\nregion = eu-west-1\n",
            role_arn("prod")
        ),
    );
    let mut cmd = kit.aws_auth();
    cmd.arg("doctor")
        .env("AWS_CONFIG_FILE", &config)
        .env("DOC_SECRET", SOURCE_SECRET_ACCESS_KEY);
    let out = run(&mut without_terminal(&cmd));
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let text = out.stdout_str();
    for name in ["doc", "team", "lit", "prod"] {
        assert!(
            text.contains(&format!("\nprofile {name}\n")),
            "{name}\n{text}"
        );
        assert!(
            text.contains(&format!("profile \"{name}\": every reference read")),
            "{name}\n{text}"
        );
    }
    assert!(
        text.contains("\nprofile cli-only\n· not an aws-auth profile"),
        "{text}"
    );
    assert_eq!(
        text.matches("✓ STS answers and the keys are valid").count(),
        4,
        "{text}"
    );
    assert!(!text.contains("✗"), "{text}");

    // One broken profile fails the whole report, in its own block.
    let mut cmd = kit.aws_auth();
    cmd.arg("doctor").env("AWS_CONFIG_FILE", &config);
    let out = run(&mut without_terminal(&cmd));
    assert_eq!(out.code, Some(1), "{}", out.describe());
    let text = out.stdout_str();
    let lit = &text[text.find("\nprofile lit\n").unwrap()..];
    assert!(
        lit.lines().nth(2).unwrap().starts_with("✗ profile \"lit\""),
        "{text}"
    );
}

/// A profile's scope is read and checked (the policy file too) and summed up; a scope with
/// no role is a failed check that says why.
#[test]
fn a_profile_s_scope_is_checked_and_a_scope_without_a_role_fails() {
    let kit = kit_with_profile(3);
    kit.profiles(
        "[profiles.doc]\nbackend = \"pass\"\nread_only = true\nsource_identity = \"agent\"\n\
         tags = { purpose = \"agent\" }\n",
    );
    let out = doctor(&kit);
    out.assert_success();
    assert_line(&out, |l| {
        l == "✓ scope of the role session, within STS's limits: ReadOnlyAccess; source identity agent; tags purpose"
    });
    kit.pass_insert(
        "aws-auth/doc",
        &format!(
            "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nmfa_serial: {SERIAL_NUMBER}\n"
        ),
    );
    let out = doctor(&kit);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert_line(&out, |l| {
        l.starts_with(
            "✗ scope (ReadOnlyAccess; source identity agent; tags purpose) without a role",
        )
    });
    kit.profiles("[profiles.doc]\nbackend = \"pass\"\ntags = { \"aws:x\" = \"v\" }\n");
    let out = doctor(&kit);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert_line(&out, |l| {
        l.starts_with("✗ profile \"doc\", tags: \"aws:x\" starts with \"aws:\"")
    });
}
