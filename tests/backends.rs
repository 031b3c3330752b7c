//! The command-line backends other than pass, through fakes that follow REFERENCE.md to the
//! letter (tests/fakes/: `lpass`, `op`, `gopass`, and `bw` behind a user's backend file):
//! each default layout and reference form, each failure class (no such entry, not signed
//! in, not installed, hangs, prints nothing, ambiguous), and the rule that no secret ever
//! reaches a child's argv.

use crate::support::profile_kit::*;
use crate::support::sts_form::{form_field, signing_key_id};
use crate::support::*;
use std::time::Duration;

const ROLE: &str = "arn:aws:iam::123456789012:role/backend-role";

/// The original LastPass recipe: a secure note with three fields, the role in a site's
/// password.
fn lpass_recipe(kit: &Kit, note: &str) {
    kit.fakes
        .lpass_field(note, "Access Key ID", SOURCE_ACCESS_KEY_ID);
    kit.fakes
        .lpass_field(note, "Secret Access Key", SOURCE_SECRET_ACCESS_KEY);
    kit.fakes.lpass_field(note, "MFA ARN", SERIAL_NUMBER);
    kit.fakes.lpass_password("aws-role", ROLE);
}

/// The original 1Password recipe's item, with the built-in one-time password.
fn op_recipe(kit: &Kit, item: &str) {
    kit.fakes.op_field(
        &format!("Private/{item}/AWS_ACCESS_KEY_ID"),
        SOURCE_ACCESS_KEY_ID,
    );
    kit.fakes.op_field(
        &format!("Private/{item}/AWS_SECRET_ACCESS_KEY"),
        SOURCE_SECRET_ACCESS_KEY,
    );
    kit.fakes.op_field(
        &format!("Private/{item}/AWS_TOTP_SERIAL_NUMBER"),
        SERIAL_NUMBER,
    );
    kit.fakes.op_field(
        &format!("Private/{item}/one-time password"),
        &otpauth_line(),
    );
}

fn gopass_entry(kit: &Kit, name: &str) {
    kit.fakes.gopass_entry(
        name,
        &format!(
            "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nmfa_serial: {SERIAL_NUMBER}\nrole_arn: {ROLE}\n{}\n",
            otpauth_line()
        ),
    );
}

const BW_BACKEND: &str = r#"# Bitwarden CLI: scheme bw:ITEM (the password), bw:ITEM#FIELD (bw get FIELD ITEM).
description = "Bitwarden CLI"
program = "bw"
install = "npm install -g @bitwarden/cli, then bw login and export BW_SESSION"
read = ["get", "password", "{entry}"]
fields = "command"
read_field = ["get", "{field}", "{entry}"]

[errors]
not_found = ["Not found."]
not_signed_in = ["You are not logged in", "Vault is locked"]
"#;

/// The user's own definition of a scheme `mybw:` (bw itself is built in).
fn user_backend(kit: &Kit) {
    kit.sandbox
        .write("home/.config/aws-auth/backends/mybw.toml", BW_BACKEND);
}

fn assert_request(kit: &Kit, action: &str, role: Option<&str>, code: &str) {
    let request = kit.only_request();
    assert_eq!(request.action(), Some(action), "{request:#?}");
    assert_eq!(form_field(&request, "RoleArn").as_deref(), role);
    assert_eq!(
        form_field(&request, "SerialNumber").as_deref(),
        Some(SERIAL_NUMBER)
    );
    assert_eq!(form_field(&request, "TokenCode").as_deref(), Some(code));
    assert_eq!(
        signing_key_id(&request).as_deref(),
        Some(SOURCE_ACCESS_KEY_ID)
    );
}

fn strings(calls: Vec<Vec<String>>) -> Vec<String> {
    let mut calls: Vec<String> = calls.into_iter().map(|c| c.join(" ")).collect();
    calls.sort();
    calls
}

#[test]
fn lpass_default_layout_is_the_original_recipes_secure_note() {
    let kit = Kit::new();
    lpass_recipe(&kit, "aws-auth/lp");
    kit.profiles("[profiles.lp]\nbackend = \"lpass\"\nrole_arn = \"lpass:aws-role\"\n");
    let run = run(&mut kit.profile("lp", &["--token-code", TOKEN_CODE]));
    run.assert_success();
    assert_request(&kit, "AssumeRole", Some(ROLE), TOKEN_CODE);
    assert_eq!(
        strings(kit.fakes.calls_of("lpass")),
        [
            "show --color=never --field=Access Key ID aws-auth/lp",
            "show --color=never --field=MFA ARN aws-auth/lp",
            "show --color=never --field=Secret Access Key aws-auth/lp",
            "show --color=never --password aws-role",
        ]
    );
}

#[test]
fn lpass_field_references_with_spaces_are_one_argument_each() {
    let kit = Kit::new();
    lpass_recipe(&kit, "Shared-AWS/work; rm -rf ~");
    kit.profiles(
        r#"
[profiles.work]
access_key_id = "lpass:Shared-AWS/work; rm -rf ~#Access Key ID"
secret_access_key = "lpass:Shared-AWS/work; rm -rf ~#Secret Access Key"
mfa_serial = "lpass:Shared-AWS/work; rm -rf ~#MFA ARN"
"#,
    );
    run(&mut kit.profile("work", &["--token-code", TOKEN_CODE])).assert_success();
    assert_request(&kit, "GetSessionToken", None, TOKEN_CODE);
    assert!(
        kit.fakes
            .calls_of("lpass")
            .iter()
            .all(|c| c.last().map(String::as_str) == Some("Shared-AWS/work; rm -rf ~")),
        "{:?}",
        kit.fakes.calls()
    );
}

#[test]
fn op_references_with_a_section_and_the_one_time_password() {
    let kit = Kit::new();
    kit.fakes
        .op_field("Work/AWS/AWS_ACCESS_KEY_ID", SOURCE_ACCESS_KEY_ID);
    kit.fakes
        .op_field("Work/AWS/keys/secret", SOURCE_SECRET_ACCESS_KEY);
    kit.fakes.op_field("Work/AWS/mfa/serial", SERIAL_NUMBER);
    kit.fakes.op_field("Work/AWS/role", ROLE);
    kit.fakes
        .op_field("Work/AWS/one-time password", &otpauth_line());
    kit.profiles(
        r#"
[profiles.onep]
access_key_id = "op://Work/AWS/AWS_ACCESS_KEY_ID"
secret_access_key = "op://Work/AWS/keys/secret"
mfa_serial = "op://Work/AWS/mfa/serial"
role_arn = "op://Work/AWS/role"
mfa_code = "op://Work/AWS/one-time password?attribute=otp"
"#,
    );
    let (before, run, after) = with_oathtool_around(
        &kit.sandbox,
        TOTP_SEED,
        &mut without_terminal(&kit.profile("onep", &[])),
    );
    run.assert_success();
    let code = sent_totp_code(&kit.only_request(), &before, &after);
    assert_request(&kit, "AssumeRole", Some(ROLE), &code);
    assert_eq!(
        strings(kit.fakes.calls_of("op")),
        [
            "read --no-newline op://Work/AWS/AWS_ACCESS_KEY_ID",
            "read --no-newline op://Work/AWS/keys/secret",
            "read --no-newline op://Work/AWS/mfa/serial",
            "read --no-newline op://Work/AWS/one-time password?attribute=otp",
            "read --no-newline op://Work/AWS/role",
        ]
    );
}

/// Regression: the op default layout is the original recipe's item "and the built-in one-time
/// password". `op read ...?attribute=otp` yields the code itself, not an otpauth line, and
/// aws-auth once dropped any default-layout mfa_code without an `otpauth://` line, so the
/// one-time password was never used and aws-auth fell back to the terminal.
#[test]
fn bug_op_default_layout_ignores_its_one_time_password() {
    let kit = Kit::new();
    op_recipe(&kit, "aws-auth-onep");
    kit.profiles("[profiles.onep]\nbackend = \"op\"\n");
    let (before, run, after) = with_oathtool_around(
        &kit.sandbox,
        TOTP_SEED,
        &mut without_terminal(&kit.profile("onep", &[])),
    );
    run.assert_success();
    let code = sent_totp_code(&kit.only_request(), &before, &after);
    assert_request(&kit, "GetSessionToken", None, &code);
}

#[test]
fn op_default_layout_with_the_code_on_the_command_line() {
    let kit = Kit::new();
    op_recipe(&kit, "aws-auth-onep");
    kit.fakes
        .op_field("Private/aws-auth-onep/AWS_ROLE_ARN", ROLE);
    kit.profiles("[profiles.onep]\nbackend = \"op\"\n");
    run(&mut kit.profile("onep", &["--token-code", TOKEN_CODE])).assert_success();
    assert_request(&kit, "AssumeRole", Some(ROLE), TOKEN_CODE);
}

#[test]
fn gopass_one_entry_convention_with_its_otpauth_line() {
    let kit = Kit::new();
    gopass_entry(&kit, "aws-auth/gp");
    kit.profiles("[profiles.gp]\nbackend = \"gopass\"\n");
    let (before, run, after) = with_oathtool_around(
        &kit.sandbox,
        TOTP_SEED,
        &mut without_terminal(&kit.profile("gp", &[])),
    );
    run.assert_success();
    let code = sent_totp_code(&kit.only_request(), &before, &after);
    assert_request(&kit, "AssumeRole", Some(ROLE), &code);
    assert_eq!(
        kit.fakes.calls_of("gopass"),
        [["show", "-f", "aws-auth/gp"]],
        "one entry, one call"
    );
}

#[test]
fn gopass_entry_key_references() {
    let kit = Kit::new();
    gopass_entry(&kit, "team/aws");
    kit.profiles(
        r#"
[profiles.team]
access_key_id = "gopass:team/aws#aws_access_key_id"
secret_access_key = "gopass:team/aws"
mfa_serial = "gopass:team/aws#mfa_serial"
"#,
    );
    run(&mut kit.profile("team", &["--token-code", TOKEN_CODE])).assert_success();
    assert_request(&kit, "GetSessionToken", None, TOKEN_CODE);
    assert_eq!(kit.fakes.calls_of("gopass"), [["show", "-f", "team/aws"]]);
}

#[test]
fn user_backend_file_adds_a_scheme_without_recompiling() {
    let kit = Kit::new();
    user_backend(&kit);
    kit.fakes
        .bw_field("aws-work", "password", SOURCE_SECRET_ACCESS_KEY);
    kit.fakes
        .bw_field("aws-work", "username", SOURCE_ACCESS_KEY_ID);
    kit.profiles(&format!(
        "[profiles.bw]\naccess_key_id = \"mybw:aws-work#username\"\nsecret_access_key = \"mybw:aws-work\"\nmfa_serial = \"{SERIAL_NUMBER}\"\nrole_arn = \"{ROLE}\"\n"
    ));
    run(&mut kit.profile("bw", &["--token-code", TOKEN_CODE])).assert_success();
    assert_request(&kit, "AssumeRole", Some(ROLE), TOKEN_CODE);
    assert_eq!(
        strings(kit.fakes.calls_of("bw")),
        ["get password aws-work", "get username aws-work"]
    );

    // The user's error patterns classify failures too.
    kit.sandbox.write(
        "home/.config/aws-auth/profiles.toml",
        format!(
            "{}\n[profiles.gone]\naccess_key_id = \"mybw:nothing#username\"\nsecret_access_key = \"mybw:nothing\"\n",
            std::fs::read_to_string(kit.sandbox.path("home/.config/aws-auth/profiles.toml")).unwrap()
        ),
    );
    let gone = run(&mut kit.profile("gone", &[]));
    assert_clear_error(
        &gone,
        1,
        &[
            "profile \"gone\"",
            "mybw",
            "mybw:nothing",
            "no such entry",
            "Not found.",
        ],
    );
    let run = crate::support::run(
        kit.profile("bw", &["--token-code", TOKEN_CODE])
            .env("FAKE_LOGGED_OUT", "1"),
    );
    assert_clear_error(
        &run,
        1,
        &[
            "profile \"bw\"",
            "bw",
            "not signed in",
            "You are not logged in.",
        ],
    );
}

// ---- failures: each with empty stdout, one clear paragraph, bounded time ----

/// A profile for each fake backend whose every field goes through that backend.
fn failing_profiles(kit: &Kit) {
    kit.profiles(
        r#"
[profiles.lp]
backend = "lpass"

[profiles.onep]
access_key_id = "op://Private/aws/AWS_ACCESS_KEY_ID"
secret_access_key = "op://Private/aws/AWS_SECRET_ACCESS_KEY"

[profiles.gp]
backend = "gopass"

[profiles.bw]
access_key_id = "bw:aws#username"
secret_access_key = "bw:aws"
"#,
    );
}

fn fill_failing_profiles(kit: &Kit) {
    lpass_recipe(kit, "aws-auth/lp");
    op_recipe(kit, "aws");
    gopass_entry(kit, "aws-auth/gp");
    kit.fakes
        .bw_field("aws", "password", SOURCE_SECRET_ACCESS_KEY);
    kit.fakes.bw_field("aws", "username", SOURCE_ACCESS_KEY_ID);
}

#[test]
fn missing_entries_are_no_such_entry_with_the_backends_own_words() {
    let kit = Kit::new();
    failing_profiles(&kit);
    // The vault exists; the item does not.
    kit.fakes.op_field("Private/unrelated/password", "x");
    for (profile, needles) in [
        (
            "lp",
            &[
                "lpass",
                "lpass:aws-auth/lp#",
                "no such entry",
                "Could not find specified account(s).",
            ][..],
        ),
        (
            "onep",
            &[
                "op",
                "op://Private/aws/",
                "no such entry",
                "\"aws\" isn't an item in the \"Private\" vault",
            ][..],
        ),
        ("gp", &["gopass", "gopass:aws-auth/gp", "no such entry"][..]),
        ("bw", &["bw", "bw:aws", "no such entry"][..]),
    ] {
        let run = run(&mut kit.profile(profile, &[]));
        let mut all = vec![format!("profile \"{profile}\"")];
        all.extend(needles.iter().map(|s| s.to_string()));
        assert_clear_error(&run, 1, &all.iter().map(String::as_str).collect::<Vec<_>>());
    }
    // A vault that does not exist, and a field the item lacks.
    kit.profiles(
        r#"
[profiles.vault]
access_key_id = "op://Nowhere/aws/AWS_ACCESS_KEY_ID"
secret_access_key = "env:VAULT_SECRET"

[profiles.field]
access_key_id = "op://Private/aws-auth-x/AWS_ACCESS_KEY_ID"
secret_access_key = "op://Private/aws-auth-x/NO_SUCH_FIELD"

[profiles.lpfield]
access_key_id = "lpass:aws-auth/x#Access Key ID"
secret_access_key = "lpass:aws-auth/x#No Such Field"
"#,
    );
    op_recipe(&kit, "aws-auth-x");
    lpass_recipe(&kit, "aws-auth/x");
    let vault = run(kit.profile("vault", &[]).env("VAULT_SECRET", "irrelevant"));
    assert_clear_error(
        &vault,
        1,
        &[
            "access_key_id",
            "no such entry",
            "\"Nowhere\" isn't a vault",
        ],
    );
    let field = run(&mut kit.profile("field", &[]));
    assert_clear_error(
        &field,
        1,
        &[
            "secret_access_key",
            "op://Private/aws-auth-x/NO_SUCH_FIELD",
            "does not have a field 'NO_SUCH_FIELD'",
        ],
    );
    let lpfield = run(&mut kit.profile("lpfield", &[]));
    assert_clear_error(
        &lpfield,
        1,
        &[
            "secret_access_key",
            "lpass",
            "no such field: the item has no \"No Such Field\"",
        ],
    );
    assert_eq!(kit.sts.request_count(), 0);
}

#[test]
fn logged_out_backends_say_not_signed_in() {
    let kit = Kit::new();
    failing_profiles(&kit);
    fill_failing_profiles(&kit);
    for (profile, words) in [
        ("lp", "Perhaps you need to login with `lpass login`."),
        ("onep", "You are not currently signed in."),
        ("gp", "decryption failed"),
        ("bw", "You are not logged in."),
    ] {
        let run = run(kit.profile(profile, &[]).env("FAKE_LOGGED_OUT", "1"));
        assert_clear_error(
            &run,
            1,
            &[&format!("profile \"{profile}\""), "not signed in", words],
        );
    }
    assert_eq!(kit.sts.request_count(), 0);
}

fn hangs(profile: &str) {
    let kit = Kit::new();
    failing_profiles(&kit);
    fill_failing_profiles(&kit);
    let run = run_limited(
        kit.profile(profile, &["--timeout", "2"])
            .env("FAKE_HANG", "1"),
        Duration::from_secs(60),
    );
    assert_clear_error(
        &run,
        1,
        &[
            &format!("profile \"{profile}\""),
            "no answer within 2 s",
            "--timeout",
        ],
    );
    assert!(run.elapsed >= Duration::from_secs(2), "{}", run.describe());
    assert!(run.elapsed < Duration::from_secs(15), "{}", run.describe());
    // The profile's references hang together, not one after another (lpass: four fields).
    assert!(
        run.elapsed < Duration::from_secs(6),
        "references must be fetched concurrently\n{}",
        run.describe()
    );
}

#[test]
fn hanging_lpass_is_given_up_on_at_the_timeout() {
    hangs("lp");
}

#[test]
fn hanging_op_is_given_up_on_at_the_timeout() {
    hangs("onep");
}

#[test]
fn hanging_gopass_is_given_up_on_at_the_timeout() {
    hangs("gp");
}

#[test]
fn a_backend_printing_nothing_is_an_error() {
    let kit = Kit::new();
    failing_profiles(&kit);
    fill_failing_profiles(&kit);
    for profile in ["lp", "onep", "gp", "bw"] {
        let run = run(kit.profile(profile, &[]).env("FAKE_EMPTY", "1"));
        assert_clear_error(
            &run,
            1,
            &[
                &format!("profile \"{profile}\""),
                "the backend printed nothing",
            ],
        );
    }
}

#[test]
fn lpass_ambiguous_name_is_an_error_not_a_value() {
    let kit = Kit::new();
    kit.fakes
        .lpass_ambiguous("aws-work", &["1234567", "7654321"]);
    kit.profiles(
        "[profiles.amb]\naccess_key_id = \"AKIAAWSAUTHSOURCE001\"\nsecret_access_key = \"lpass:aws-work\"\n",
    );
    let run = run(&mut kit.profile("amb", &[]));
    assert_clear_error(
        &run,
        1,
        &[
            "profile \"amb\"",
            "secret_access_key",
            "lpass:aws-work",
            "matches several entries",
        ],
    );
    assert_eq!(
        kit.sts.request_count(),
        0,
        "\"Multiple matches found.\" must never be a secret key"
    );
}

#[test]
fn backends_not_installed_say_so_with_the_install_hint() {
    let kit = Kit::new();
    failing_profiles(&kit);
    for (profile, program, hint) in [
        ("lp", "lpass", "lastpass-cli"),
        ("onep", "op", "developer.1password.com"),
        ("gp", "gopass", "gopasspw"),
        ("bw", "bw", "@bitwarden/cli"),
    ] {
        // The inherited PATH has none of them (the fakes are not on it).
        let run = run(kit
            .profile(profile, &[])
            .env("PATH", fakes::inherited_path()));
        assert_clear_error(
            &run,
            1,
            &[
                &format!("profile \"{profile}\""),
                "not installed",
                &format!("`{program}` is not on PATH"),
                hint,
            ],
        );
    }
}

// ---- no secret in any child's argv ----

#[test]
fn no_secret_ever_appears_in_any_childs_argv() {
    let kit = Kit::with_pass();
    lpass_recipe(&kit, "aws-auth/lp");
    op_recipe(&kit, "aws-auth-onep");
    gopass_entry(&kit, "aws-auth/gp");
    kit.fakes
        .bw_field("aws", "password", SOURCE_SECRET_ACCESS_KEY);
    kit.fakes.bw_field("aws", "username", SOURCE_ACCESS_KEY_ID);
    kit.pass_insert(
        "aws-auth/ops",
        &format!(
            "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nmfa_serial: {SERIAL_NUMBER}\nrole_arn: {ROLE}\n{}\n",
            otpauth_line()
        ),
    );
    kit.pass_insert("aws-access-key-id", SOURCE_ACCESS_KEY_ID);
    kit.pass_insert("aws-secret-access-key", SOURCE_SECRET_ACCESS_KEY);
    kit.pass_insert("aws-mfa-seed", TOTP_SEED);
    kit.profiles(&format!(
        r#"
[profiles.ops]
backend = "pass"

[profiles.recipe]
access_key_id = "pass:aws-access-key-id"
secret_access_key = "pass:aws-secret-access-key"
mfa_serial = "{SERIAL_NUMBER}"
mfa_code = "totp:pass:aws-mfa-seed"

[profiles.lp]
backend = "lpass"
role_arn = "lpass:aws-role"
mfa_code = "env:AWS_AUTH_TEST_CODE"

[profiles.onep]
backend = "op"
mfa_code = "op://Private/aws-auth-onep/one-time password?attribute=otp"

[profiles.gp]
backend = "gopass"

[profiles.bw]
access_key_id = "bw:aws#username"
secret_access_key = "bw:aws"
mfa_serial = "{SERIAL_NUMBER}"
mfa_code = "env:AWS_AUTH_TEST_CODE"
"#
    ));
    let mut outputs = Vec::new();
    for profile in ["ops", "recipe", "lp", "onep", "gp", "bw"] {
        let run = run(&mut without_terminal(
            kit.profile(profile, &[])
                .env("AWS_AUTH_TEST_CODE", TOKEN_CODE),
        ));
        run.assert_success();
        outputs.push(run);
    }
    // `aws-auth add` into pass and gopass, then use what it wrote.
    let keys = format!("{SOURCE_ACCESS_KEY_ID}\n{SOURCE_SECRET_ACCESS_KEY}\n");
    for backend in ["pass", "gopass"] {
        let name = format!("added-{backend}");
        let mut add = kit.aws_auth();
        add.args(["add", "--profile", &name, "--backend", backend])
            .args(["--serial-number", SERIAL_NUMBER, "--role-arn", ROLE]);
        run_with_stdin(&mut add, keys.as_bytes(), Duration::from_secs(60)).assert_success();
        run(&mut kit.profile(&name, &["--token-code", TOKEN_CODE])).assert_success();
    }
    assert!(
        kit.fakes
            .gopass_entry_text("aws-auth/added-gopass")
            .is_some_and(|t| t.starts_with(SOURCE_SECRET_ACCESS_KEY)),
        "gopass insert got the entry on stdin"
    );

    let calls = kit.fakes.calls();
    for program in ["pass", "lpass", "op", "gopass", "bw"] {
        assert!(
            calls.iter().any(|c| c[0] == program),
            "{program} never ran: {calls:?}"
        );
    }
    assert!(
        calls.iter().any(|c| c[..2] == ["pass", "insert"]),
        "{calls:?}"
    );
    assert!(
        calls.iter().any(|c| c[..2] == ["gopass", "insert"]),
        "{calls:?}"
    );

    let fake = FakeCredentials::plain();
    let codes: Vec<String> = kit
        .sts
        .requests()
        .iter()
        .filter_map(|r| form_field(r, "TokenCode"))
        .collect();
    assert_eq!(codes.len(), 8, "every run sent an MFA code");
    let mut secrets: Vec<&str> = vec![
        SOURCE_SECRET_ACCESS_KEY,
        TOTP_SEED,
        &fake.secret_access_key,
        &fake.session_token,
    ];
    secrets.extend(codes.iter().map(String::as_str));
    assert_absent(&kit.fakes.log(), &secrets, "the argv log of every child");
    for run in &outputs {
        assert_absent(&run.stderr, &secrets, "stderr");
    }
}

/// Regression: `aws-auth add --help` says "--force  Replace existing keys in the backend".
/// aws-auth once checked only pass's .gpg file; gopass has no `entry_file`, and its write argv
/// is `insert -f`, so an existing gopass entry (here a user's own, with other data in it) was
/// replaced without --force and its contents lost.
#[test]
fn bug_add_without_force_overwrites_an_existing_gopass_entry() {
    let kit = Kit::new();
    let existing = "the user's own secret\nkeep: this line\n";
    kit.fakes.gopass_entry("aws-auth/existing", existing);
    let keys = format!("{SOURCE_ACCESS_KEY_ID}\n{SOURCE_SECRET_ACCESS_KEY}\n");
    let mut add = kit.aws_auth();
    add.args(["add", "--profile", "existing", "--backend", "gopass"]);
    let out = run_with_stdin(&mut add, keys.as_bytes(), Duration::from_secs(60));
    assert_eq!(
        kit.fakes.gopass_entry_text("aws-auth/existing").as_deref(),
        Some(existing),
        "the existing entry was replaced without --force\n{}",
        out.describe()
    );
    assert_clear_error(&out, 2, &["aws-auth/existing", "--force"]);
}

/// A password manager never sees the AWS secrets of the shell aws-auth runs in, by any of
/// their names (AWS_SECURITY_TOKEN is the old name of the session token), nor a variable
/// the profile reads a secret from (regression, review item 7: `env:PROBE_SECRET` reached
/// every password manager, and a gpg-agent one of them started kept it).
#[test]
fn password_managers_never_see_aws_secrets_from_the_environment() {
    let kit = Kit::new();
    // A backend that notes every AWS secret variable it sees, then answers with a valid
    // access key id.
    let seen = kit.sandbox.path("seen");
    let probe = kit.sandbox.write(
        "probe",
        format!(
            "#!/bin/sh\nenv | grep -E '^(AWS_(SECRET_ACCESS_KEY|SESSION_TOKEN|SECURITY_TOKEN)|PROBE_SECRET)=' | cut -d= -f1 >> '{}'\n\
             echo AKIAPROBEPROBEPROBE1\n",
            seen.display()
        ),
    );
    kit.sandbox.write(
        "home/.config/aws-auth/backends/probe.toml",
        format!(
            "description = \"env probe\"\nprogram = \"sh\"\nread = [\"{}\", \"{{entry}}\"]\nfields = \"command\"\n",
            probe.display()
        ),
    );
    kit.profiles(&format!(
        "[profiles.p]\naccess_key_id = \"probe:x\"\nsecret_access_key = \"env:PROBE_SECRET\"\nrole_arn = \"{ROLE}\"\n"
    ));
    let mut cmd = kit.profile("p", &[]);
    cmd.env("PROBE_SECRET", SOURCE_SECRET_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", "left-in-the-shell-secret")
        .env("AWS_SESSION_TOKEN", "left-in-the-shell-token")
        .env("AWS_SECURITY_TOKEN", "left-in-the-shell-security-token");
    let out = run(&mut cmd);
    out.assert_success();
    assert_eq!(
        std::fs::read_to_string(&seen).unwrap_or_default(),
        "",
        "the backend saw these variables\n{}",
        out.describe()
    );
    assert_eq!(
        signing_key_id(&kit.only_request()).as_deref(),
        Some("AKIAPROBEPROBEPROBE1"),
        "the probe did not run"
    );
}

/// cron may run aws-auth with no HOME at all; the password managers still need one to find
/// their stores, so they get the home directory from the password database.
#[test]
fn password_managers_get_a_home_even_when_cron_sets_none() {
    let kit = Kit::new();
    let probe = kit.sandbox.write(
        "probe",
        "#!/bin/sh\nif [ -d \"${HOME:-/nonexistent}\" ]; then echo AKIAPROBEHOMEPROBE01; else echo NOHOME; fi\n",
    );
    kit.sandbox.write(
        "home/.config/aws-auth/backends/probe.toml",
        format!(
            "description = \"HOME probe\"\nprogram = \"sh\"\nread = [\"{}\", \"{{entry}}\"]\nfields = \"command\"\n",
            probe.display()
        ),
    );
    kit.profiles(&format!(
        "[profiles.p]\naccess_key_id = \"probe:x\"\nsecret_access_key = \"env:PROBE_SECRET\"\nrole_arn = \"{ROLE}\"\n"
    ));
    let mut cmd = kit.profile("p", &[]);
    cmd.env_remove("HOME")
        .env("PROBE_SECRET", SOURCE_SECRET_ACCESS_KEY);
    run(&mut without_terminal(&cmd)).assert_success();
    assert_eq!(
        signing_key_id(&kit.only_request()).as_deref(),
        Some("AKIAPROBEHOMEPROBE01"),
        "the backend ran without HOME"
    );
}
