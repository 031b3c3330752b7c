//! `aws-auth configure`: a profile's MFA device, role and region change in profiles.toml with
//! its comments kept, and its TOTP seed goes into its backend (real pass, a real Secret
//! Service) from stdin, never argv; the next run sends that seed's code with no prompt.

use crate::support::profile_kit::*;
use crate::support::secret_service::SecretService;
use crate::support::sts_form::form_field;
use crate::support::*;
use std::time::Duration;

/// The device and `--totp`: what most seed tests give.
const WITH_SEED: [&str; 5] = [
    "--profile",
    "work",
    "--serial-number",
    SERIAL_NUMBER,
    "--totp",
];

fn configure(kit: &Kit, args: &[&str], stdin: &str) -> Run {
    let mut cmd = kit.aws_auth();
    cmd.arg("configure").args(args);
    run_with_stdin(&mut cmd, stdin.as_bytes(), Duration::from_secs(60))
}

/// Runs `cmd` from cron (no terminal): it succeeds, and the one request carries the seed's
/// code of the moment (oathtool's, just before or just after).
fn sends_the_seed_s_code(kit: &Kit, cmd: &mut std::process::Command) {
    let before = oathtool_now(&kit.sandbox, TOTP_SEED);
    let out = run(&mut without_terminal(cmd));
    let after = oathtool_now(&kit.sandbox, TOTP_SEED);
    out.assert_success();
    sent_totp_code(&kit.only_request(), &before, &after);
}

/// A pass one-entry profile: keys only, as `add` leaves it.
fn pass_kit() -> Kit {
    let kit = Kit::with_pass();
    kit.pass_insert(
        "aws-auth/work",
        &format!(
            "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nuser: alice\n"
        ),
    );
    kit.profiles("# my profiles\n[profiles.work]   # the work account\nbackend = \"pass\"\n");
    kit
}

#[test]
fn device_role_and_region_are_set_in_place_and_the_next_run_uses_them() {
    let kit = pass_kit();
    let role = role_arn("configured");
    let out = configure(
        &kit,
        &[
            "--profile",
            "work",
            "--serial-number",
            SERIAL_NUMBER,
            "--role-arn",
            &role,
            "--region",
            "eu-central-1",
        ],
        "",
    );
    out.assert_success();
    assert!(out.stdout.is_empty(), "{}", out.describe());
    let file =
        std::fs::read_to_string(kit.sandbox.path("home/.config/aws-auth/profiles.toml")).unwrap();
    assert_eq!(
        file,
        format!(
            "# my profiles\n[profiles.work]   # the work account\nbackend = \"pass\"\nmfa_serial = \"{SERIAL_NUMBER}\"\n\
             role_arn = \"{role}\"\nregion = \"eu-central-1\"\n"
        )
    );
    let run_out = run(&mut kit.profile("work", &["--token-code", TOKEN_CODE]));
    run_out.assert_success();
    assert!(
        run_out
            .stdout_str()
            .contains("export AWS_REGION='eu-central-1'")
    );
    let request = kit.only_request();
    assert_eq!(
        form_field(&request, "RoleArn").as_deref(),
        Some(role.as_str())
    );
    assert_eq!(
        form_field(&request, "SerialNumber").as_deref(),
        Some(SERIAL_NUMBER)
    );
    // A bad value is refused by its flag, with nothing changed.
    let bad = configure(&kit, &["--profile", "work", "--role-arn", "admin"], "");
    assert_clear_error(&bad, 2, &["--role-arn"]);
    let nothing = configure(&kit, &["--profile", "work"], "");
    assert_clear_error(&nothing, 2, &["nothing to change"]);
    assert_eq!(
        std::fs::read_to_string(kit.sandbox.path("home/.config/aws-auth/profiles.toml")).unwrap(),
        file
    );
}

/// The seed goes into the profile's own entry (its otpauth line, every other line kept),
/// from stdin, never on any argv; a run from cron then sends the seed's current code.
#[test]
fn a_totp_seed_goes_into_the_entry_and_the_next_run_needs_no_prompt() {
    let kit = pass_kit();
    let out = configure(&kit, &WITH_SEED, &format!("{TOTP_SEED}\n"));
    out.assert_success();
    assert!(
        out.stderr.contains("both factors"),
        "the note on one store: {}",
        out.describe()
    );
    assert_absent(&out.stderr, &[TOTP_SEED], "stderr");
    assert_absent(&kit.fakes.log(), &[TOTP_SEED], "argv of every program run");
    let entry = kit.pass().show(&kit.sandbox, "aws-auth/work");
    assert_eq!(
        entry.stdout_str(),
        format!(
            "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nuser: alice\n\
             otpauth://totp/aws-auth:work?secret={TOTP_SEED}&issuer=aws-auth\n"
        )
    );
    sends_the_seed_s_code(&kit, &mut kit.profile("work", &[]));
    // A second seed replaces the first line, not adds one.
    let other = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    configure(
        &kit,
        &["--profile", "work", "--totp"],
        &format!("otpauth://totp/AWS:alice?secret={other}&issuer=AWS\n"),
    )
    .assert_success();
    let entry = kit.pass().show(&kit.sandbox, "aws-auth/work");
    assert_eq!(
        entry.stdout_str().matches("otpauth://").count(),
        1,
        "{}",
        entry.stdout_str()
    );
    assert!(entry.stdout_str().contains(other));
}

/// The recipe's separate entries: the seed gets an entry of its own (the others are read by
/// people's old scripts and stay one line each) and the profile an mfa_code for it.
#[test]
fn with_separate_entries_the_seed_gets_its_own_entry() {
    let kit = Kit::with_pass();
    kit.pass_insert("aws-access-key-id", &format!("{SOURCE_ACCESS_KEY_ID}\n"));
    kit.pass_insert(
        "aws-secret-access-key",
        &format!("{SOURCE_SECRET_ACCESS_KEY}\n"),
    );
    kit.profiles(&format!(
        "[profiles.recipe]\naccess_key_id = \"pass:aws-access-key-id\"\nsecret_access_key = \"pass:aws-secret-access-key\"\n\
         mfa_serial = \"{SERIAL_NUMBER}\"\n"
    ));
    configure(
        &kit,
        &["--profile", "recipe", "--totp"],
        &format!("{TOTP_SEED}\n"),
    )
    .assert_success();
    let file =
        std::fs::read_to_string(kit.sandbox.path("home/.config/aws-auth/profiles.toml")).unwrap();
    assert!(
        file.contains("mfa_code = \"totp:pass:aws-auth/totp/recipe\""),
        "{file}"
    );
    assert_eq!(
        kit.pass()
            .show(&kit.sandbox, "aws-secret-access-key")
            .stdout_str(),
        format!("{SOURCE_SECRET_ACCESS_KEY}\n")
    );
    sends_the_seed_s_code(&kit, &mut kit.profile("recipe", &[]));
}

#[test]
fn a_totp_seed_goes_into_the_keyring_item_of_the_keyring_layout() {
    let kit = Kit::new();
    let secrets = SecretService::start(&kit.sandbox);
    secrets.store(
        &kit.sandbox,
        "aws-auth",
        "kr/access_key_id",
        SOURCE_ACCESS_KEY_ID,
    );
    secrets.store(
        &kit.sandbox,
        "aws-auth",
        "kr/secret_access_key",
        SOURCE_SECRET_ACCESS_KEY,
    );
    kit.profiles(&format!(
        "[profiles.kr]\nbackend = \"keyring\"\nmfa_serial = \"{SERIAL_NUMBER}\"\n"
    ));
    let mut cmd = kit.aws_auth();
    cmd.args(["configure", "--profile", "kr", "--totp"]);
    let out = run_with_stdin(
        secrets.env(&mut cmd),
        format!("{TOTP_SEED}\n").as_bytes(),
        Duration::from_secs(60),
    );
    out.assert_success();
    let stored = secrets
        .lookup(&kit.sandbox, "aws-auth", "kr/totp_seed")
        .expect("the seed item");
    assert!(stored.contains(TOTP_SEED), "stored {stored:?}");
    sends_the_seed_s_code(&kit, secrets.env(&mut kit.profile("kr", &[])));
}

#[test]
fn a_seed_that_gives_no_codes_and_a_backend_that_cannot_hold_one_are_refused_with_nothing_changed()
{
    let kit = pass_kit();
    let profiles = kit.sandbox.path("home/.config/aws-auth/profiles.toml");
    let before_file = std::fs::read_to_string(&profiles).unwrap();
    let before_entry = kit
        .pass()
        .show(&kit.sandbox, "aws-auth/work")
        .stdout_str()
        .to_owned();
    for (seed, needle) in [
        ("not a seed!\n", "cannot be used"),
        ("\n", "is empty"),
        (
            "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8\n",
            "6 digits",
        ),
        ("GEZDGNBV\n", "too short"),
    ] {
        let out = configure(&kit, &WITH_SEED, seed);
        assert_clear_error(&out, 2, &["TOTP seed", needle, "nothing was stored"]);
    }
    assert_eq!(std::fs::read_to_string(&profiles).unwrap(), before_file);
    assert_eq!(
        kit.pass().show(&kit.sandbox, "aws-auth/work").stdout_str(),
        before_entry
    );

    kit.profiles(
        "[profiles.lp]\nbackend = \"lpass\"\nmfa_serial = \"arn:aws:iam::123456789012:mfa/a\"\n",
    );
    let out = configure(
        &kit,
        &["--profile", "lp", "--totp"],
        &format!("{TOTP_SEED}\n"),
    );
    assert_clear_error(&out, 2, &["lpass", "cannot write a seed", "ykman"]);

    let out = configure(&kit, &["--profile", "nope", "--region", "eu-west-1"], "");
    assert_clear_error(&out, 2, &["no profile \"nope\""]);
}
