//! `aws-auth import`: the keys of a section of ~/.aws/credentials go into real pass, the
//! profile into profiles.toml, and only once they read back do that section's two key lines
//! leave the file, every other byte kept; a session token, --keep and an early failure leave
//! the file untouched.

use crate::support::profile_kit::*;
use crate::support::sts_form::{form_field, signing_key_id};
use crate::support::*;
use std::os::unix::fs::PermissionsExt;

/// A credentials file as people keep them: comments, old keys commented out inside the
/// section, CRLF, and many other accounts (over 2 KiB; the bound is 1 MiB).
fn credentials() -> String {
    let others: String = (0..40)
        .map(|n| {
            format!("[other-{n}]\naws_access_key_id = AKIAOTHER{n:011}\naws_secret_access_key = other/{n}\n")
        })
        .collect();
    format!(
        "# keys I should not keep here\n[default]\naws_access_key_id = AKIADEFAULT000000000\n\
         aws_secret_access_key = default/secret\n\n[work]\n; the work account\n\
         #aws_access_key_id = AKIAOLDKEY0000000000\n; aws_secret_access_key = old/secret\n\
         aws_access_key_id = {SOURCE_ACCESS_KEY_ID}\r\nregion = eu-west-1\n\
         aws_secret_access_key = {SOURCE_SECRET_ACCESS_KEY}\n\n{others}[temp]\n\
         aws_access_key_id = ASIATEMP000000000000\naws_secret_access_key = t\naws_session_token = SESSIONTOKEN\n"
    )
}

/// The file as import leaves it: the two key lines of [work] gone, every other byte kept.
fn without_work_keys() -> String {
    credentials()
        .replace(
            &format!("aws_access_key_id = {SOURCE_ACCESS_KEY_ID}\r\n"),
            "",
        )
        .replace(
            &format!("aws_secret_access_key = {SOURCE_SECRET_ACCESS_KEY}\n"),
            "",
        )
}

fn setup() -> (Kit, std::path::PathBuf) {
    let kit = Kit::with_pass();
    let file = kit.sandbox.write("home/.aws/credentials", credentials());
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    (kit, file)
}

fn import(kit: &Kit, file: &std::path::Path, args: &[&str]) -> Run {
    let mut cmd = kit.aws_auth();
    cmd.arg("import")
        .args(args)
        .env("AWS_SHARED_CREDENTIALS_FILE", file);
    run(&mut cmd)
}

#[test]
fn keys_move_into_pass_and_leave_the_file_byte_for_byte() {
    let (kit, file) = setup();
    let out = import(&kit, &file, &["--profile", "work", "--backend", "pass"]);
    out.assert_success();
    assert!(out.stdout.is_empty());
    assert_absent(&out.stderr, &[SOURCE_SECRET_ACCESS_KEY], "stderr");
    let show = kit.pass().show(&kit.sandbox, "aws-auth/work");
    show.assert_success();
    assert_eq!(
        show.stdout_str(),
        format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n")
    );
    assert!(credentials().len() > 2048);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), without_work_keys());
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let profiles =
        std::fs::read_to_string(kit.sandbox.path("home/.config/aws-auth/profiles.toml")).unwrap();
    assert!(profiles.contains("[profiles.work]") && profiles.contains("backend = \"pass\""));
    // The imported profile works.
    let run = run(&mut kit.profile("work", &["--role-arn", &role_arn("imported")]));
    run.assert_success();
    assert_eq!(
        signing_key_id(&kit.only_request()).as_deref(),
        Some(SOURCE_ACCESS_KEY_ID)
    );
    assert!(kit.only_request().verified());
}

/// The AWS CLI's own role profiles that took their keys from the section are named, with
/// how to run them now; and the way named works.
#[test]
fn the_aws_cli_profiles_that_used_the_keys_are_named_and_run_through_aws_auth() {
    let (kit, file) = setup();
    let role = role_arn("prod");
    kit.sandbox.write(
        "home/.aws/config",
        format!(
            "[profile prod]\nsource_profile = work\nrole_arn = {role}\nmfa_serial = {SERIAL_NUMBER}\n\n\
             [profile other]\nsource_profile = elsewhere\nrole_arn = {role}\n"
        ),
    );
    let out = import(&kit, &file, &["--profile", "work", "--backend", "pass"]);
    out.assert_success();
    assert!(
        out.stderr.contains("profile prod of ")
            && out
                .stderr
                .contains("takes the keys of [work] (source_profile)")
            && out.stderr.contains("eval \"$(aws-auth --profile prod)\""),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("other"), "{}", out.stderr);
    run(&mut kit.profile("prod", &["--token-code", TOKEN_CODE])).assert_success();
    let request = kit.only_request();
    assert_eq!(
        form_field(&request, "RoleArn").as_deref(),
        Some(role.as_str())
    );
    assert_eq!(
        signing_key_id(&request).as_deref(),
        Some(SOURCE_ACCESS_KEY_ID)
    );
}

#[test]
fn a_session_token_keep_and_an_early_failure_leave_the_file_untouched() {
    let (kit, file) = setup();
    let out = import(&kit, &file, &["--profile", "temp"]);
    assert_clear_error(&out, 2, &["session token", "[temp]"]);
    assert_absent(&out.stderr, &["SESSIONTOKEN"], "stderr");

    let out = import(&kit, &file, &["--profile", "work", "--backend", "lpass"]);
    assert_clear_error(&out, 2, &["cannot write to \"lpass\""]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), credentials());

    let out = import(
        &kit,
        &file,
        &["--profile", "w2", "--from", "work", "--keep"],
    );
    out.assert_success();
    assert!(out.stderr.contains("--keep"), "{}", out.describe());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), credentials());
    assert!(
        kit.pass()
            .show(&kit.sandbox, "aws-auth/w2")
            .stdout_str()
            .starts_with(SOURCE_SECRET_ACCESS_KEY)
    );
}

/// The keyring keeps the id and the secret as two items: both are read back, and then the
/// lines leave the file.
#[test]
fn keys_move_into_the_keyring_as_two_items() {
    let (kit, file) = setup();
    let bus = crate::support::secret_service::SecretService::start(&kit.sandbox);
    let mut cmd = kit.aws_auth();
    bus.env(&mut cmd)
        .args(["import", "--profile", "work", "--backend", "keyring"])
        .env("AWS_SHARED_CREDENTIALS_FILE", &file);
    let out = run(&mut cmd);
    out.assert_success();
    assert_eq!(
        bus.lookup(&kit.sandbox, "aws-auth", "work/secret_access_key")
            .as_deref(),
        Some(SOURCE_SECRET_ACCESS_KEY)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), without_work_keys());
}

/// A store that reads back another secret key beside the right id (here gpg, which pass
/// decrypts with, hands back a changed entry): the keys are not the ones imported, so the
/// credentials file keeps them.
#[test]
fn keys_that_read_back_otherwise_stay_in_the_file() {
    let (kit, file) = setup();
    let mut cmd = kit.aws_auth();
    cmd.args(["import", "--profile", "work", "--backend", "pass"])
        .env("AWS_SHARED_CREDENTIALS_FILE", &file);
    gpg2_first_on_path(
        &kit.sandbox,
        &mut cmd,
        &format!(
            "for a; do [ \"$a\" = -d ] && {{ printf 'changed/secret\\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\\n'; exit 0; }}; done\n\
             exec /usr/bin/gpg \"$@\"\n"
        ),
    );
    let out = run(&mut cmd);
    // What was done is said first; the error is the last line.
    // A step failed part-way (the keys are stored): exit 1, not a usage error.
    out.assert_failure(1);
    let last = out.stderr.trim().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("aws-auth: error: ") && last.contains("reading them back gave other keys"),
        "{}",
        out.describe()
    );
    assert_absent(
        &out.stderr,
        &[SOURCE_SECRET_ACCESS_KEY, "changed/secret"],
        "stderr",
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), credentials());
}

/// Regression (key loss): a section that appears twice had its last pair stored and the key
/// lines of both deleted, so the first key was lost. Refused before anything changes.
#[test]
fn a_section_given_twice_is_refused_and_nothing_changes() {
    let (kit, file) = setup();
    let twice = format!(
        "{}[work]\naws_access_key_id = AKIASECONDKEY0000000\naws_secret_access_key = second/secret\n",
        credentials()
    );
    std::fs::write(&file, &twice).unwrap();
    let out = import(&kit, &file, &["--profile", "work"]);
    assert_clear_error(&out, 2, &["2 [work] sections", "Nothing was changed"]);
    assert_absent(
        &out.stderr,
        &[SOURCE_SECRET_ACCESS_KEY, "second/secret"],
        "stderr",
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), twice);
    assert_ne!(kit.pass().show(&kit.sandbox, "aws-auth/work").code, Some(0));
}

/// `import` takes the MFA device and the role, as `add` does, so one command finishes the move.
#[test]
fn import_takes_the_mfa_device_and_the_role() {
    let (kit, file) = setup();
    let role = role_arn("imported");
    let out = import(
        &kit,
        &file,
        &[
            "--profile",
            "work",
            "--serial-number",
            SERIAL_NUMBER,
            "--role-arn",
            &role,
        ],
    );
    out.assert_success();
    let show = kit.pass().show(&kit.sandbox, "aws-auth/work");
    let text = show.stdout_str();
    assert!(
        text.contains(&format!("mfa_serial: {SERIAL_NUMBER}\n"))
            && text.contains(&format!("role_arn: {role}\n")),
        "{text}"
    );
    let bad = import(
        &kit,
        &file,
        &[
            "--profile",
            "other",
            "--from",
            "default",
            "--role-arn",
            "nope",
        ],
    );
    assert_clear_error(&bad, 2, &["--role-arn"]);
}
