//! `keyring:` against a real Secret Service: gnome-keyring in its own `dbus-run-session`.
//! Items written by `secret-tool` are read by aws-auth, items written by `aws-auth add` are
//! read by `secret-tool`, and the keyring default layout is a whole profile.

use crate::support::profile_kit::*;
use crate::support::secret_service::SecretService;
use crate::support::sts_form::{form_field, signing_key_id};
use crate::support::*;
use std::time::Duration;

const ROLE: &str = "arn:aws:iam::123456789012:role/keyring-role";

fn with_bus(kit: &Kit, service: &SecretService, profile: &str, args: &[&str]) -> Run {
    run(service.env(&mut kit.profile(profile, args)))
}

#[test]
fn keyring_references_read_items_stored_by_secret_tool() {
    let kit = Kit::new();
    let secrets = SecretService::start(&kit.sandbox);
    secrets.store(&kit.sandbox, "aws-test", "work/id", SOURCE_ACCESS_KEY_ID);
    secrets.store(
        &kit.sandbox,
        "aws-test",
        "work/secret",
        SOURCE_SECRET_ACCESS_KEY,
    );
    secrets.store(&kit.sandbox, "aws-test", "work/seed", TOTP_SEED);
    kit.profiles(&format!(
        r#"
[profiles.kr]
access_key_id = "keyring:aws-test/work/id"
secret_access_key = "keyring:aws-test/work/secret"
mfa_serial = "{SERIAL_NUMBER}"
mfa_code = "totp:keyring:aws-test/work/seed"
role_arn = "{ROLE}"
"#
    ));
    let before = oathtool_now(&kit.sandbox, TOTP_SEED);
    let out = run(&mut without_terminal(
        secrets.env(&mut kit.profile("kr", &[])),
    ));
    let after = oathtool_now(&kit.sandbox, TOTP_SEED);
    out.assert_success();
    let request = kit.only_request();
    assert_eq!(form_field(&request, "RoleArn").as_deref(), Some(ROLE));
    assert_eq!(
        form_field(&request, "SerialNumber").as_deref(),
        Some(SERIAL_NUMBER)
    );
    assert_eq!(
        signing_key_id(&request).as_deref(),
        Some(SOURCE_ACCESS_KEY_ID)
    );
    sent_totp_code(&request, &before, &after);
    assert!(kit.fakes.log().is_empty(), "keyring: runs no program");
}

#[test]
fn add_with_the_keyring_backend_stores_items_secret_tool_reads_and_the_profile_works() {
    let kit = Kit::new();
    let secrets = SecretService::start(&kit.sandbox);
    let keys = format!("{SOURCE_ACCESS_KEY_ID}\n{SOURCE_SECRET_ACCESS_KEY}\n");
    let mut add = kit.aws_auth();
    secrets
        .env(&mut add)
        .args(["add", "--profile", "k", "--backend", "keyring"])
        .args(["--serial-number", SERIAL_NUMBER, "--role-arn", ROLE]);
    let added = run_with_stdin(&mut add, keys.as_bytes(), Duration::from_secs(60));
    added.assert_success();
    assert!(added.stdout.is_empty(), "{}", added.describe());
    assert_absent(&added.stderr, &[SOURCE_SECRET_ACCESS_KEY], "add's messages");
    assert!(
        added.stderr.contains("Secret Service"),
        "the keys must go to the Secret Service, not a fallback\n{}",
        added.describe()
    );
    assert_eq!(
        secrets
            .lookup(&kit.sandbox, "aws-auth", "k/secret_access_key")
            .as_deref(),
        Some(SOURCE_SECRET_ACCESS_KEY)
    );
    assert_eq!(
        secrets
            .lookup(&kit.sandbox, "aws-auth", "k/access_key_id")
            .as_deref(),
        Some(SOURCE_ACCESS_KEY_ID)
    );
    let toml = std::fs::read_to_string(kit.sandbox.path("home/.config/aws-auth/profiles.toml"))
        .expect("add wrote the profiles file");
    assert!(
        toml.contains("[profiles.k]") && toml.contains("backend = \"keyring\""),
        "{toml}"
    );
    assert_absent(&toml, &[SOURCE_SECRET_ACCESS_KEY], "profiles.toml");

    with_bus(&kit, &secrets, "k", &["--token-code", TOKEN_CODE]).assert_success();
    let request = kit.only_request();
    assert_eq!(form_field(&request, "RoleArn").as_deref(), Some(ROLE));
    assert_eq!(
        form_field(&request, "SerialNumber").as_deref(),
        Some(SERIAL_NUMBER)
    );
    assert_eq!(
        signing_key_id(&request).as_deref(),
        Some(SOURCE_ACCESS_KEY_ID)
    );
}

fn keyring_layout(kit: &Kit, secrets: &SecretService, profile: &str, seed: &str) {
    for (account, value) in [
        ("access_key_id", SOURCE_ACCESS_KEY_ID),
        ("secret_access_key", SOURCE_SECRET_ACCESS_KEY),
        ("mfa_serial", SERIAL_NUMBER),
        ("role_arn", ROLE),
        ("totp_seed", seed),
    ] {
        secrets.store(
            &kit.sandbox,
            "aws-auth",
            &format!("{profile}/{account}"),
            value,
        );
    }
    kit.profiles(&format!("[profiles.{profile}]\nbackend = \"keyring\"\n"));
}

#[test]
fn keyring_default_layout_is_a_whole_profile() {
    let kit = Kit::new();
    let secrets = SecretService::start(&kit.sandbox);
    keyring_layout(&kit, &secrets, "kd", &otpauth_line());
    let before = oathtool_now(&kit.sandbox, TOTP_SEED);
    let out = run(&mut without_terminal(
        secrets.env(&mut kit.profile("kd", &[])),
    ));
    let after = oathtool_now(&kit.sandbox, TOTP_SEED);
    out.assert_success();
    let request = kit.only_request();
    assert_eq!(form_field(&request, "RoleArn").as_deref(), Some(ROLE));
    assert_eq!(
        form_field(&request, "SerialNumber").as_deref(),
        Some(SERIAL_NUMBER)
    );
    sent_totp_code(&request, &before, &after);
}

/// Regression: the keyring layout keeps "`PROFILE/totp_seed`", a seed; `totp:` accepts "an
/// otpauth:// URI or a bare base32 seed". aws-auth once dropped a default-layout mfa_code
/// without an `otpauth://` line, so a bare seed there was ignored and the terminal asked.
#[test]
fn bug_keyring_default_layout_ignores_a_bare_totp_seed() {
    let kit = Kit::new();
    let secrets = SecretService::start(&kit.sandbox);
    keyring_layout(&kit, &secrets, "kb", TOTP_SEED);
    let before = oathtool_now(&kit.sandbox, TOTP_SEED);
    let out = run(&mut without_terminal(
        secrets.env(&mut kit.profile("kb", &[])),
    ));
    let after = oathtool_now(&kit.sandbox, TOTP_SEED);
    out.assert_success();
    sent_totp_code(&kit.only_request(), &before, &after);
}

#[test]
fn keyring_missing_item_is_no_such_entry_and_says_how_to_store_one() {
    let kit = Kit::new();
    let secrets = SecretService::start(&kit.sandbox);
    kit.profiles(
        "[profiles.km]\naccess_key_id = \"AKIAAWSAUTHSOURCE001\"\nsecret_access_key = \"keyring:aws-test/nobody\"\n",
    );
    let out = with_bus(&kit, &secrets, "km", &[]);
    assert_clear_error(
        &out,
        1,
        &[
            "profile \"km\"",
            "secret_access_key",
            "keyring:aws-test/nobody",
            "no such entry",
            "secret-tool store",
        ],
    );
    assert_eq!(kit.sts.request_count(), 0);
}

/// Regression, as for gopass: without --force, `aws-auth add --backend keyring` must not
/// replace keys the keyring already holds for the profile (it once checked only
/// profiles.toml, then overwrote).
#[test]
fn bug_add_without_force_overwrites_existing_keyring_items() {
    let kit = Kit::new();
    let secrets = SecretService::start(&kit.sandbox);
    let old_secret = "wJalrXUtnFEMI/OlderKeyStillInUse";
    secrets.store(
        &kit.sandbox,
        "aws-auth",
        "k/access_key_id",
        "AKIAOLDERKEYINUSE001",
    );
    secrets.store(&kit.sandbox, "aws-auth", "k/secret_access_key", old_secret);
    let keys = format!("{SOURCE_ACCESS_KEY_ID}\n{SOURCE_SECRET_ACCESS_KEY}\n");
    let mut add = kit.aws_auth();
    secrets
        .env(&mut add)
        .args(["add", "--profile", "k", "--backend", "keyring"]);
    let out = run_with_stdin(&mut add, keys.as_bytes(), Duration::from_secs(60));
    assert_eq!(
        secrets
            .lookup(&kit.sandbox, "aws-auth", "k/secret_access_key")
            .as_deref(),
        Some(old_secret),
        "the existing keyring item was replaced without --force\n{}",
        out.describe()
    );
    assert_clear_error(&out, 2, &["k/secret_access_key", "--force"]);
}

/// Regression (key loss): with no D-Bus session there is no Secret Service, and `add` and
/// `import` stored long-term keys in the kernel keyring (memory: gone at reboot), then
/// `import` deleted them from the credentials file. Both are refused before anything
/// changes: no kernel key, no profile, the credentials file as it was.
#[test]
fn without_a_secret_service_add_and_import_refuse_the_keyring_and_change_nothing() {
    let kit = Kit::new();
    let config = kit.profiles("# mine\n");
    let before = std::fs::read_to_string(&config).unwrap();
    let profile = format!("ku{}", std::process::id());
    let credentials = kit.sandbox.write(
        "credentials",
        format!("[{profile}]\naws_access_key_id = {SOURCE_ACCESS_KEY_ID}\naws_secret_access_key = {SOURCE_SECRET_ACCESS_KEY}\n"),
    );
    let credentials_before = std::fs::read_to_string(&credentials).unwrap();
    let script = kit.sandbox.write(
        "keyutils.sh",
        format!(
            r#"printf '%s\n%s\n' "$KEY_ID" "$SECRET" | aws-auth add --profile {profile} --backend keyring --config {config}
echo "add=$?"
aws-auth import --profile {profile} --backend keyring --config {config}
echo "import=$?"
for a in access_key_id secret_access_key; do
    keyctl search @s user "keyring-rs:{profile}/$a@aws-auth" >/dev/null 2>&1 && echo "found $a in @s"
    p=$(keyctl get_persistent @s 2>/dev/null) && keyctl search "$p" user "keyring-rs:{profile}/$a@aws-auth" >/dev/null 2>&1 && echo "found $a in the persistent keyring"
done
true
"#,
            config = config.display()
        ),
    );
    let mut cmd = kit
        .sandbox
        .shell("sh", "exec keyctl session - sh \"$SCRIPT\"");
    kit.env(&mut cmd)
        .env("SCRIPT", &script)
        .env("KEY_ID", SOURCE_ACCESS_KEY_ID)
        .env("SECRET", SOURCE_SECRET_ACCESS_KEY)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    let out = run_limited(&mut cmd, Duration::from_secs(60));
    out.assert_success();
    let stdout = out.stdout_str();
    assert!(
        stdout.contains("add=2") && stdout.contains("import=2"),
        "{}",
        out.describe()
    );
    assert!(
        !stdout.contains("found"),
        "a key reached the kernel keyring\n{}",
        out.describe()
    );
    for needle in [
        "no Secret Service is reachable",
        "--backend pass",
        "lost at reboot",
        "Nothing was changed",
    ] {
        assert!(
            out.stderr.contains(needle),
            "{needle:?} missing\n{}",
            out.describe()
        );
    }
    assert!(
        !out.stderr.contains(SOURCE_SECRET_ACCESS_KEY),
        "{}",
        out.describe()
    );
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        before,
        "profiles.toml changed"
    );
    assert_eq!(
        std::fs::read_to_string(&credentials).unwrap(),
        credentials_before,
        "the credentials file changed"
    );
}

/// Keys an older aws-auth left in the kernel keyring are still read (refusing them would
/// lock their owner out), with a warning that they do not survive a reboot.
#[test]
fn keys_found_only_in_the_kernel_keyring_are_read_with_a_warning() {
    let kit = Kit::new();
    let profile = format!("kr{}", std::process::id());
    let config = kit.profiles(&format!(
        "[profiles.{profile}]\naccess_key_id = \"keyring:aws-auth/{profile}/access_key_id\"\n\
         secret_access_key = \"keyring:aws-auth/{profile}/secret_access_key\"\n"
    ));
    let script = kit.sandbox.write(
        "keyutils.sh",
        format!(
            r#"set -e
printf %s "$KEY_ID" | keyctl padd user "keyring-rs:{profile}/access_key_id@aws-auth" @s >/dev/null
printf %s "$SECRET" | keyctl padd user "keyring-rs:{profile}/secret_access_key@aws-auth" @s >/dev/null
aws-auth --profile {profile} --config {config} --role-arn {ROLE}
"#,
            config = config.display()
        ),
    );
    let mut cmd = kit
        .sandbox
        .shell("sh", "exec keyctl session - sh \"$SCRIPT\"");
    kit.env(&mut cmd)
        .env("SCRIPT", &script)
        .env("KEY_ID", SOURCE_ACCESS_KEY_ID)
        .env("SECRET", SOURCE_SECRET_ACCESS_KEY)
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    let out = run_limited(&mut cmd, Duration::from_secs(60));
    out.assert_success();
    assert!(
        out.stderr.contains("found only in the kernel keyring")
            && out.stderr.contains("lost at reboot"),
        "{}",
        out.describe()
    );
    assert!(
        out.stdout_str().contains("export AWS_SESSION_TOKEN="),
        "{}",
        out.describe()
    );
    assert_eq!(
        signing_key_id(&kit.only_request()).as_deref(),
        Some(SOURCE_ACCESS_KEY_ID)
    );
}
