//! `--profile` with the real `pass` (a throwaway GPG key): the original recipe's separate
//! entries, the one-entry convention with its otpauth line, `#KEY` fields, the folder
//! pitfall; profiles.toml errors; `aws-auth profiles` and `aws-auth add`; and the whole thing
//! end to end with moto, the real AWS CLI, bash, fish and a process without a terminal.

use crate::support::profile_kit::*;
use crate::support::sts_form::{form_field, signing_key_id};
use crate::support::*;
use std::process::Command;

const OPS_ROLE: &str = "arn:aws:iam::123456789012:role/ops-role";

/// The original shell helper's pass recipe: four entries.
fn original_recipe(kit: &Kit, role: &str) {
    kit.pass_insert("aws-access-key-id", &format!("{SOURCE_ACCESS_KEY_ID}\n"));
    kit.pass_insert(
        "aws-secret-access-key",
        &format!("{SOURCE_SECRET_ACCESS_KEY}\n"),
    );
    kit.pass_insert("aws-mfa-arn", &format!("{SERIAL_NUMBER}\n"));
    kit.pass_insert("aws-iam-role-arn", &format!("{role}\n"));
}

const ORIGINAL_RECIPE_PROFILE: &str = r#"
[profiles.work]
access_key_id = "pass:aws-access-key-id"
secret_access_key = "pass:aws-secret-access-key"
mfa_serial = "pass:aws-mfa-arn"
role_arn = "pass:aws-iam-role-arn"
role_session_name = "work-session"
"#;

/// The one-entry convention: `aws-auth/NAME`.
fn one_entry(kit: &Kit, name: &str, role: Option<&str>, otpauth: bool) {
    let mut text = format!(
        "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nmfa_serial: {SERIAL_NUMBER}\n"
    );
    if let Some(role) = role {
        text.push_str(&format!("role_arn: {role}\n"));
    }
    if otpauth {
        text.push_str(&otpauth_line());
        text.push('\n');
    }
    kit.pass_insert(&format!("aws-auth/{name}"), &text);
}

#[test]
fn pass_separate_entries_of_the_original_recipe_make_a_profile() {
    let kit = Kit::with_pass();
    let role = role_arn("recipe-role");
    original_recipe(&kit, &role);
    kit.profiles(ORIGINAL_RECIPE_PROFILE);
    let run = run(&mut kit.profile("work", &["--token-code", TOKEN_CODE]));
    run.assert_success();
    assert!(
        run.stdout_str().contains("ASIAHOSTILEEXAMPLE01"),
        "{}",
        run.describe()
    );
    let request = kit.only_request();
    assert_eq!(request.action(), Some("AssumeRole"));
    assert_eq!(
        form_field(&request, "RoleArn").as_deref(),
        Some(role.as_str())
    );
    assert_eq!(
        form_field(&request, "SerialNumber").as_deref(),
        Some(SERIAL_NUMBER)
    );
    assert_eq!(
        form_field(&request, "TokenCode").as_deref(),
        Some(TOKEN_CODE)
    );
    assert_eq!(
        form_field(&request, "RoleSessionName").as_deref(),
        Some("work-session")
    );
    assert_eq!(
        signing_key_id(&request).as_deref(),
        Some(SOURCE_ACCESS_KEY_ID)
    );
    // Four entries, four decryptions (by gpg directly: pass never runs), each once.
    assert_eq!(
        kit.fakes.decryptions(&kit.pass().store_dir()),
        [
            "aws-access-key-id",
            "aws-iam-role-arn",
            "aws-mfa-arn",
            "aws-secret-access-key"
        ]
    );
    assert!(kit.fakes.calls_of("pass").is_empty());
}

#[test]
fn pass_one_entry_convention_is_a_whole_profile_read_with_one_decryption() {
    let kit = Kit::with_pass();
    one_entry(&kit, "ops", Some(OPS_ROLE), true);
    kit.profiles("[profiles.ops]\nbackend = \"pass\"\n");
    let (before, run, after) =
        with_oathtool_around(&kit.sandbox, TOTP_SEED, &mut kit.profile("ops", &[]));
    run.assert_success();
    let request = kit.only_request();
    assert_eq!(request.action(), Some("AssumeRole"));
    assert_eq!(form_field(&request, "RoleArn").as_deref(), Some(OPS_ROLE));
    assert_eq!(
        form_field(&request, "SerialNumber").as_deref(),
        Some(SERIAL_NUMBER)
    );
    assert_eq!(
        signing_key_id(&request).as_deref(),
        Some(SOURCE_ACCESS_KEY_ID)
    );
    sent_totp_code(&request, &before, &after);
    assert!(kit.fakes.calls_of("pass").is_empty());
    assert_eq!(
        kit.fakes.decryptions(&kit.pass().store_dir()),
        ["aws-auth/ops"],
        "one entry, one decryption"
    );
}

#[test]
fn pass_one_entry_without_role_or_otpauth_gets_a_session_token_with_the_flag_code() {
    let kit = Kit::with_pass();
    one_entry(&kit, "plain", None, false);
    kit.profiles("[profiles.plain]\nbackend = \"pass\"\n");
    let run = run(&mut kit.profile("plain", &["--token-code", TOKEN_CODE]));
    run.assert_success();
    let request = kit.only_request();
    assert_eq!(request.action(), Some("GetSessionToken"));
    assert_eq!(
        form_field(&request, "SerialNumber").as_deref(),
        Some(SERIAL_NUMBER)
    );
    assert_eq!(
        form_field(&request, "TokenCode").as_deref(),
        Some(TOKEN_CODE)
    );
}

#[test]
fn pass_entry_key_fields_read_key_value_lines() {
    let kit = Kit::with_pass();
    kit.pass_insert(
        "aws/work",
        &format!(
            "{SOURCE_SECRET_ACCESS_KEY}\nuser: alice\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n\
             mfa:{SERIAL_NUMBER}\nrole: {OPS_ROLE}\n"
        ),
    );
    kit.profiles(
        r#"
[profiles.keys]
access_key_id = "pass:aws/work#aws_access_key_id"
secret_access_key = "pass:aws/work"
mfa_serial = "pass:aws/work#mfa"
role_arn = "pass:aws/work#role"

[profiles.nokey]
access_key_id = "pass:aws/work#aws_access_key_id"
secret_access_key = "pass:aws/work"
role_arn = "pass:aws/work#no_such_key"
"#,
    );
    run(&mut kit.profile("keys", &["--token-code", TOKEN_CODE])).assert_success();
    let request = kit.only_request();
    assert_eq!(form_field(&request, "RoleArn").as_deref(), Some(OPS_ROLE));
    assert_eq!(
        form_field(&request, "SerialNumber").as_deref(),
        Some(SERIAL_NUMBER)
    );
    assert_eq!(
        signing_key_id(&request).as_deref(),
        Some(SOURCE_ACCESS_KEY_ID)
    );
    assert!(kit.fakes.calls_of("pass").is_empty());
    assert_eq!(
        kit.fakes.decryptions(&kit.pass().store_dir()),
        ["aws/work"],
        "four fields of one entry cost one decryption"
    );

    let run = run(&mut kit.profile("nokey", &[]));
    assert_clear_error(
        &run,
        1,
        &[
            "profile \"nokey\"",
            "role_arn",
            "pass:aws/work#no_such_key",
            "no_such_key",
        ],
    );
    assert_absent(&run.stderr, &[SOURCE_SECRET_ACCESS_KEY], "the error");
}

#[test]
fn pass_reference_to_a_folder_is_an_error_not_the_tree() {
    let kit = Kit::with_pass();
    one_entry(&kit, "ops", None, false);
    kit.profiles(
        "[profiles.folder]\naccess_key_id = \"pass:aws-auth/ops#aws_access_key_id\"\nsecret_access_key = \"pass:aws-auth\"\n",
    );
    let run = run(&mut kit.profile("folder", &[]));
    assert_clear_error(
        &run,
        1,
        &[
            "profile \"folder\"",
            "secret_access_key",
            "pass",
            "is a folder, not an entry",
        ],
    );
    assert_eq!(kit.sts.request_count(), 0);
}

#[test]
fn pass_missing_entry_names_profile_field_backend_and_entry() {
    let kit = Kit::with_pass();
    kit.profiles(
        "[profiles.gone]\naccess_key_id = \"AKIAAWSAUTHSOURCE001\"\nsecret_access_key = \"pass:aws/nothing-here\"\n",
    );
    let run = run(&mut kit.profile("gone", &[]));
    assert_clear_error(
        &run,
        1,
        &[
            "profile \"gone\"",
            "secret_access_key",
            "pass",
            "pass:aws/nothing-here",
            "no such entry",
            "is not in the password store",
        ],
    );
}

#[test]
fn pass_not_installed_says_so_and_how_to_install() {
    let kit = Kit::with_pass();
    kit.profiles("[profiles.ops]\nbackend = \"pass\"\n");
    let empty = kit.sandbox.path("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let run = run(kit.profile("ops", &[]).env("PATH", &empty));
    assert_clear_error(
        &run,
        1,
        &[
            "profile \"ops\"",
            "pass",
            "not installed",
            "apt-get install pass",
        ],
    );
}

#[test]
fn malformed_toml_names_line_and_column_without_echoing_the_line() {
    let kit = Kit::new();
    let path = kit.profiles(
        "[profiles.work]\nbackend = \"pass\"\nsecret_access_key = \"wJalrXUtnFEMI/LEAKCHECK\n",
    );
    let run = run(&mut kit.profile("work", &[]));
    assert_clear_error(&run, 1, &[path.to_str().unwrap(), "line 3, column"]);
    assert_absent(&run.stderr, &["LEAKCHECK", "wJalrXUtnFEMI"], "the error");
    assert_eq!(kit.sts.request_count(), 0);
}

#[test]
fn unknown_profile_lists_the_known_ones_and_exits_2() {
    let kit = Kit::new();
    kit.profiles("[profiles.work]\nbackend = \"pass\"\n[profiles.home]\nbackend = \"gopass\"\n");
    let run = run(&mut kit.profile("wrok", &[]));
    assert_clear_error(&run, 2, &["no profile \"wrok\"", "home, work"]);
    assert!(kit.fakes.log().is_empty(), "no backend may run");
}

#[test]
fn unknown_scheme_is_an_error_not_a_literal() {
    let kit = Kit::new();
    kit.profiles(
        "[profiles.work]\naccess_key_id = \"vault:x\"\nsecret_access_key = \"pass:aws/work\"\n",
    );
    let run = run(&mut kit.profile("work", &[]));
    assert_clear_error(
        &run,
        1,
        &[
            "profile \"work\"",
            "access_key_id",
            "unknown scheme \"vault:\"",
        ],
    );
    assert!(
        kit.fakes.log().is_empty(),
        "nothing is fetched before the profile parses"
    );
}

#[test]
fn without_a_terminal_or_totp_source_the_error_names_every_mfa_source() {
    let kit = Kit::with_pass();
    one_entry(&kit, "ops", Some(OPS_ROLE), false);
    kit.profiles("[profiles.ops]\nbackend = \"pass\"\n");
    let run = run(&mut without_terminal(&kit.profile("ops", &[])));
    assert_clear_error(
        &run,
        1,
        &["no terminal", "--token-code", "mfa_code", "otpauth"],
    );
    assert_eq!(kit.sts.request_count(), 0);
}

#[test]
fn profiles_lists_profiles_with_backend_and_role_and_no_secret() {
    let kit = Kit::new();
    let literal_secret = "wJalrXUtnFEMI/LiteralSecretInTheFile";
    let config = kit.sandbox.write(
        "elsewhere/profiles.toml",
        format!(
            r#"
[profiles.ops]
backend = "pass"

[profiles.work]
access_key_id = "lpass:aws-work#Access Key ID"
secret_access_key = "lpass:aws-work#Secret Access Key"
role_arn = "{OPS_ROLE}"

[profiles.onep]
backend = "op"
role_arn = "arn:aws:iam::123456789012:role/op-role"

[profiles.plain]
access_key_id = "AKIAAWSAUTHSOURCE001"
secret_access_key = "{literal_secret}"
"#
        ),
    );
    let run = run(kit.aws_auth().args(["profiles", "--config"]).arg(&config));
    run.assert_success();
    let out = run.stdout_str();
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let row = |name: &str| {
        rows.iter()
            .find(|r| r.first() == Some(&name))
            .unwrap_or_else(|| panic!("no row for {name}\n{out}"))
            .clone()
    };
    assert_eq!(rows[0], ["PROFILE", "BACKEND", "ROLE", "FROM"], "{out}");
    assert_eq!(row("ops")[1], "pass");
    assert_eq!(row("work")[1..], ["lpass", OPS_ROLE, "profiles.toml"]);
    assert_eq!(
        row("onep")[1..],
        [
            "op",
            "arn:aws:iam::123456789012:role/op-role",
            "profiles.toml"
        ]
    );
    assert_eq!(row("plain")[1], "(plain");
    assert_absent(out, &[literal_secret, "Secret Access Key"], "the listing");
    assert_absent(&run.stderr, &[literal_secret], "stderr");
    assert!(kit.fakes.log().is_empty(), "listing runs no backend");
}

#[test]
fn add_writes_a_pass_entry_and_a_profile_and_a_second_add_needs_force() {
    let kit = Kit::with_pass();
    let config = kit.sandbox.path("cfg/profiles.toml");
    let keys = format!("{SOURCE_ACCESS_KEY_ID}\n{SOURCE_SECRET_ACCESS_KEY}\n");
    let add = |extra: &[&str]| {
        let mut cmd = kit.aws_auth();
        cmd.args(["add", "--profile", "newp", "--config"])
            .arg(&config)
            .args(["--serial-number", SERIAL_NUMBER, "--role-arn", OPS_ROLE])
            .args(extra);
        run_with_stdin(
            &mut cmd,
            keys.as_bytes(),
            std::time::Duration::from_secs(60),
        )
    };
    let first = add(&[]);
    first.assert_success();
    assert!(first.stdout.is_empty(), "{}", first.describe());
    assert_absent(&first.stderr, &[SOURCE_SECRET_ACCESS_KEY], "add's messages");

    let shown = kit.pass().show(&kit.sandbox, "aws-auth/newp");
    shown.assert_success();
    let lines: Vec<&str> = shown.stdout_str().lines().collect();
    assert_eq!(
        lines[0], SOURCE_SECRET_ACCESS_KEY,
        "line 1 is the secret key"
    );
    for line in [
        format!("aws_access_key_id: {SOURCE_ACCESS_KEY_ID}"),
        format!("mfa_serial: {SERIAL_NUMBER}"),
        format!("role_arn: {OPS_ROLE}"),
    ] {
        assert!(lines.contains(&line.as_str()), "{line} missing: {lines:?}");
    }
    let toml = std::fs::read_to_string(&config).expect("the profiles file was written");
    assert!(
        toml.contains("[profiles.newp]") && toml.contains("backend = \"pass\""),
        "{toml}"
    );
    assert_absent(&toml, &[SOURCE_SECRET_ACCESS_KEY], "profiles.toml");
    assert_eq!(
        kit.fakes.calls_of("pass"),
        [["insert", "-m", "-f", "aws-auth/newp"]],
        "the entry goes in through stdin"
    );

    let second = add(&[]);
    assert_clear_error(&second, 2, &["newp", "already exists", "--force"]);
    // --force replaces the keys only: a region for the kept section is refused, pointing at
    // configure, before anything is stored.
    let third = add(&["--force", "--region", "eu-west-1"]);
    assert_clear_error(
        &third,
        2,
        &[
            "newp",
            "aws-auth configure --profile newp --region eu-west-1",
        ],
    );
    assert_eq!(kit.fakes.calls_of("pass").len(), 1, "nothing stored");

    let mut cmd = kit.profile("newp", &["--token-code", TOKEN_CODE]);
    cmd.arg("--config").arg(&config);
    run(&mut cmd).assert_success();
    let request = kit.only_request();
    assert_eq!(form_field(&request, "RoleArn").as_deref(), Some(OPS_ROLE));
    assert_eq!(
        signing_key_id(&request).as_deref(),
        Some(SOURCE_ACCESS_KEY_ID)
    );
}

/// `add --force` replaces the keys, and the sessions cached from the old ones go with them:
/// the cache list shows the profile's entry before and none after. The runs share one kernel
/// session keyring, where the cache lives; the new keys reach `add` on its stdin.
#[test]
fn add_with_force_drops_the_profiles_cached_sessions() {
    let kit = Kit::with_pass();
    kit.pass_insert(
        "aws-auth/forced",
        &format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nmfa_serial: {SERIAL_NUMBER}\n"),
    );
    kit.profiles("[profiles.forced]\nbackend = \"pass\"\n");
    let mut cmd = kit.sandbox.command("keyctl");
    kit.env(&mut cmd);
    cmd.env_remove("AWS_AUTH_NO_CACHE")
        .env("AWS_AUTH_CACHE_STORE", "kernel-keyring")
        .args(["session", "-", "sh", "-c"])
        .arg(format!(
            "\"$0\" --profile forced --token-code {TOKEN_CODE} </dev/null >/dev/null && \"$0\" cache list && \
             echo === && \"$0\" add --profile forced --backend pass --force && \"$0\" cache list"
        ))
        .arg(aws_auth_bin());
    let keys = format!("{SOURCE_ACCESS_KEY_ID}\n{SOURCE_SECRET_ACCESS_KEY}\n");
    let run = run_with_stdin(
        &mut cmd,
        keys.as_bytes(),
        std::time::Duration::from_secs(60),
    );
    assert_dropped_from_cache(&run, "forced");
}

// ---- end to end: moto, the real AWS CLI, real shells ----

fn against_moto<'c>(kit: &Kit, cmd: &'c mut Command) -> &'c mut Command {
    kit.env(cmd)
        .env("AWS_ENDPOINT_URL", &moto().url)
        .env("AWS_DEFAULT_REGION", "us-east-1")
}

#[test]
fn profile_in_bash_gives_the_aws_cli_the_profiles_role() {
    let kit = Kit::with_pass();
    original_recipe(&kit, &role_arn("bash-profile-role"));
    kit.profiles(ORIGINAL_RECIPE_PROFILE);
    let script = format!(
        "eval \"$(aws-auth --profile work --token-code {TOKEN_CODE})\"\n\
         aws sts get-caller-identity --query Arn --output text"
    );
    let run = run(against_moto(&kit, &mut kit.sandbox.shell("bash", &script)));
    assert_eq!(
        caller_arn(&run),
        assumed_role_arn("bash-profile-role", "work-session"),
        "{}",
        run.describe()
    );
}

#[test]
fn profile_in_fish_gives_the_aws_cli_the_profiles_role() {
    let kit = Kit::with_pass();
    one_entry(&kit, "ops", Some(&role_arn("fish-profile-role")), true);
    kit.profiles("[profiles.ops]\nbackend = \"pass\"\nrole_session_name = \"fish-ops\"\n");
    let script = "aws-auth --profile ops --format fish | source\n\
                  aws sts get-caller-identity --query Arn --output text";
    let run = run(against_moto(&kit, &mut kit.sandbox.shell("fish", script)));
    assert_eq!(
        caller_arn(&run),
        assumed_role_arn("fish-profile-role", "fish-ops"),
        "{}",
        run.describe()
    );
}

#[test]
fn without_a_terminal_the_one_entry_otpauth_line_supplies_the_code() {
    let kit = Kit::with_pass();
    one_entry(&kit, "ops", Some(&role_arn("cron-role")), true);
    kit.profiles("[profiles.ops]\nbackend = \"pass\"\nrole_session_name = \"cron-ops\"\n");
    let script = "eval \"$(aws-auth --profile ops)\" || exit 9\n\
                  aws sts get-caller-identity --query Arn --output text";
    let run = run(&mut without_terminal(against_moto(
        &kit,
        &mut kit.sandbox.shell("bash", script),
    )));
    assert_eq!(
        caller_arn(&run),
        assumed_role_arn("cron-role", "cron-ops"),
        "{}",
        run.describe()
    );
}

#[test]
fn without_a_terminal_mfa_code_totp_pass_reference_supplies_the_code() {
    let kit = Kit::with_pass();
    original_recipe(&kit, &role_arn("cron-totp-role"));
    kit.pass_insert("aws-mfa-seed", &format!("{TOTP_SEED}\n"));
    kit.profiles(&format!(
        "{ORIGINAL_RECIPE_PROFILE}mfa_code = \"totp:pass:aws-mfa-seed\"\n"
    ));
    let script = "eval \"$(aws-auth --profile work)\" || exit 9\n\
                  aws sts get-caller-identity --query Arn --output text";
    let run = run(&mut without_terminal(against_moto(
        &kit,
        &mut kit.sandbox.shell("bash", script),
    )));
    assert_eq!(
        caller_arn(&run),
        assumed_role_arn("cron-totp-role", "work-session"),
        "{}",
        run.describe()
    );
    // The seed was read with `pass show`, never handed to `pass otp` or oathtool.
    assert!(
        kit.fakes.calls_of("pass").iter().all(|c| c[0] == "show"),
        "{:?}",
        kit.fakes.calls()
    );
}

#[test]
fn flags_override_the_profile_end_to_end() {
    let kit = Kit::with_pass();
    one_entry(&kit, "ops", Some(&role_arn("profile-role")), true);
    kit.profiles(
        "[profiles.ops]\nbackend = \"pass\"\nrole_session_name = \"from-profile\"\nregion = \"eu-west-1\"\n",
    );
    let script = format!(
        "eval \"$(aws-auth --profile ops --role-arn {} --role-session-name from-flag --region eu-central-1)\"\n\
         printf '%s\\n' \"$AWS_REGION\"\n\
         aws sts get-caller-identity --query Arn --output text",
        role_arn("flag-role")
    );
    let run = run(against_moto(&kit, &mut kit.sandbox.shell("bash", &script)));
    run.assert_success();
    let lines: Vec<&str> = run.stdout_str().lines().collect();
    assert_eq!(
        lines,
        [
            "eu-central-1",
            assumed_role_arn("flag-role", "from-flag").as_str()
        ],
        "{}",
        run.describe()
    );
}

#[test]
fn flags_override_serial_code_role_and_duration_from_the_profile() {
    let kit = Kit::with_pass();
    one_entry(&kit, "ops", Some(OPS_ROLE), true);
    kit.profiles(
        "[profiles.ops]\nbackend = \"pass\"\nrole_duration_seconds = 7200\nrole_session_name = \"from-profile\"\n",
    );
    let flag_serial = "arn:aws:iam::123456789012:mfa/bob";
    let flag_role = role_arn("flag-role");
    run(&mut kit.profile(
        "ops",
        &[
            "--serial-number",
            flag_serial,
            "--token-code",
            TOKEN_CODE,
            "--role-arn",
            &flag_role,
            "--role-duration-seconds",
            "3600",
        ],
    ))
    .assert_success();
    let request = kit.only_request();
    assert_eq!(
        form_field(&request, "SerialNumber").as_deref(),
        Some(flag_serial)
    );
    assert_eq!(
        form_field(&request, "TokenCode").as_deref(),
        Some(TOKEN_CODE),
        "--token-code beats the entry's otpauth line"
    );
    assert_eq!(
        form_field(&request, "RoleArn").as_deref(),
        Some(flag_role.as_str())
    );
    assert_eq!(
        form_field(&request, "DurationSeconds").as_deref(),
        Some("3600")
    );
    assert_eq!(
        form_field(&request, "RoleSessionName").as_deref(),
        Some("from-profile"),
        "what no flag overrides still comes from the profile"
    );
}

#[test]
fn profile_durations_are_sent_when_no_flag_overrides_them() {
    let kit = Kit::with_pass();
    one_entry(&kit, "ops", Some(OPS_ROLE), false);
    kit.profiles("[profiles.ops]\nbackend = \"pass\"\nrole_duration_seconds = 7200\n");
    run(&mut kit.profile("ops", &["--token-code", TOKEN_CODE])).assert_success();
    let request = kit.only_request();
    assert_eq!(form_field(&request, "RoleArn").as_deref(), Some(OPS_ROLE));
    assert_eq!(
        form_field(&request, "DurationSeconds").as_deref(),
        Some("7200")
    );
}

#[test]
fn a_literal_secret_key_in_the_file_draws_a_warning_that_does_not_repeat_it() {
    let kit = Kit::new();
    // The source secret itself: the test STS checks the signature made with it.
    let literal = SOURCE_SECRET_ACCESS_KEY;
    kit.profiles(&format!(
        "[profiles.lit]\naccess_key_id = \"{SOURCE_ACCESS_KEY_ID}\"\nsecret_access_key = \"{literal}\"\n"
    ));
    let out = run(&mut kit.profile("lit", &[]));
    out.assert_success();
    assert!(
        out.stderr.contains("warning") && out.stderr.contains("plain text"),
        "{}",
        out.describe()
    );
    assert_absent(&out.stderr, &[literal], "the warning");
    assert_eq!(kit.only_request().action(), Some("GetSessionToken"));
}

/// The default role session name is `$USER`, else `$LOGNAME`, else the account name from
/// the password database, made to fit STS; `--role-session-name` and the profile's
/// `role_session_name` win over all of them. (The sandbox clears USER and LOGNAME: each case
/// sets them on the child, never in the test process.)
#[test]
fn the_role_session_name_defaults_to_user_then_logname_then_the_account() {
    let kit = Kit::new();
    let role = role_arn("session-name");
    kit.profiles(&format!(
        "[profiles.plain]\naccess_key_id = \"{SOURCE_ACCESS_KEY_ID}\"\nsecret_access_key = \"env:PROBE_SECRET\"\n\
         role_arn = \"{role}\"\n\
         [profiles.named]\naccess_key_id = \"{SOURCE_ACCESS_KEY_ID}\"\nsecret_access_key = \"env:PROBE_SECRET\"\n\
         role_arn = \"{role}\"\nrole_session_name = \"from-profile\"\n"
    ));
    let account = aws_auth::settings::session_name::fallback(
        |_| None,
        aws_auth::settings::session_name::account_name,
    );
    /// (profile, variables set, flags, expected RoleSessionName)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str], &'a str);
    let cases: [Case; 9] = [
        (
            "plain",
            &[("USER", "alice.user"), ("LOGNAME", "bob")],
            &[],
            "alice.user",
        ),
        ("plain", &[("LOGNAME", "bob")], &[], "bob"),
        ("plain", &[("USER", ""), ("LOGNAME", "bob")], &[], "bob"),
        ("plain", &[("USER", "John Doe")], &[], "John-Doe"),
        ("plain", &[("LOGNAME", "CORP\\bob")], &[], "CORP-bob"),
        ("plain", &[], &[], &account),
        (
            "plain",
            &[("USER", "alice")],
            &["--role-session-name", "from-flag"],
            "from-flag",
        ),
        ("named", &[("USER", "alice")], &[], "from-profile"),
        (
            "named",
            &[("USER", "alice")],
            &["--role-session-name", "from-flag"],
            "from-flag",
        ),
    ];
    for (profile, vars, args, expected) in cases {
        let mut cmd = kit.profile(profile, args);
        cmd.env("PROBE_SECRET", SOURCE_SECRET_ACCESS_KEY);
        for (name, value) in vars {
            cmd.env(name, value);
        }
        let out = run(&mut cmd);
        out.assert_success();
        let request = kit.sts.requests().pop().expect("a request");
        assert_eq!(request.action(), Some("AssumeRole"));
        assert_eq!(
            form_field(&request, "RoleSessionName").as_deref(),
            Some(expected),
            "{profile} {vars:?} {args:?}\n{}",
            out.describe()
        );
    }
    assert_eq!(kit.sts.request_count(), cases.len());
}
