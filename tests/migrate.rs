//! `aws-auth migrate`: keys moved between real stores (pass with a throwaway GPG key, the
//! real age under the test's passage, gnome-keyring's Secret Service), in both directions;
//! refused where nothing can move or the new store would not last; a failure before the
//! switch changes nothing; a kill between the write and the switch, or between the switch
//! and the removal, leaves a profile that works.

use crate::support::passage_store::PassageStore;
use crate::support::profile_kit::*;
use crate::support::secret_service::SecretService;
use crate::support::sts_form::form_field;
use crate::support::*;
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

const ROLE: &str = "arn:aws:iam::123456789012:role/migrate-role";

fn entry() -> String {
    format!(
        "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nmfa_serial: {SERIAL_NUMBER}\nrole_arn: {ROLE}\n{}\n",
        otpauth_line()
    )
}

fn profiles_toml(kit: &Kit) -> String {
    std::fs::read_to_string(kit.sandbox.path("home/.config/aws-auth/profiles.toml")).unwrap()
}

fn migrate(kit: &Kit, args: &[&str]) -> Command {
    let mut cmd = kit.aws_auth();
    cmd.args(["migrate", "--profile", "work"]).args(args);
    cmd
}

/// A run that needs the TOTP seed (no code given, no terminal): the profile works.
fn works(kit: &Kit) {
    let before = kit.sts.requests().len();
    run(&mut without_terminal(&kit.profile("work", &[]))).assert_success();
    let requests = kit.sts.requests();
    let last = requests.last().expect("a request");
    assert_eq!(requests.len(), before + 1);
    assert_eq!(last.action(), Some("AssumeRole"), "{last:#?}");
    assert!(last.verified(), "signed with the migrated secret");
}

/// A pass store holding profile `work` in the one-entry layout, and an empty passage store.
fn on_pass() -> (Kit, PassageStore) {
    let kit = Kit::with_pass();
    let store = PassageStore::new(&kit.sandbox);
    kit.pass_insert("aws-auth/work", &entry());
    kit.profiles("[profiles.work]\nbackend = \"pass\"\n");
    (kit, store)
}

/// passage, for `cmd`, as the sh `script` runs it (`$real` is the test's passage).
fn passage_as(kit: &Kit, cmd: &mut Command, script: &str) {
    let dir = kit.sandbox.path("wrap-passage");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("passage");
    let real = crate::support::fakes::fakes_dir().join("passage");
    std::fs::write(
        &file,
        format!("#!/bin/sh\nreal='{}'\n{script}", real.display()),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = cmd
        .get_envs()
        .find(|(k, _)| *k == "PATH")
        .and_then(|(_, v)| v.map(OsString::from))
        .expect("the kit sets PATH");
    let mut new = OsString::from(dir);
    new.push(":");
    new.push(path);
    cmd.env("PATH", new);
}

#[test]
fn pass_to_passage_moves_everything_and_removes_the_old_entry() {
    let kit = Kit::with_pass();
    let store = PassageStore::new(&kit.sandbox);
    kit.pass_insert("aws-auth/work", &entry());
    kit.profiles("# my work account\n[profiles.work]\nbackend = \"pass\" # one entry\nregion = \"eu-west-1\"\n");
    let out = run(&mut migrate(&kit, &["--to", "passage"]));
    out.assert_success();
    assert!(out.stdout.is_empty());
    assert_absent(
        &out.stderr,
        &[SOURCE_SECRET_ACCESS_KEY, TOTP_SEED],
        "stderr",
    );
    assert_eq!(
        store.show(&kit.sandbox, "aws-auth/work").as_deref(),
        Some(entry().as_str()),
        "the same lines, seed included"
    );
    assert!(
        !kit.pass().store_dir().join("aws-auth/work.gpg").exists(),
        "removed from pass\n{}",
        out.stderr
    );
    assert_eq!(
        profiles_toml(&kit),
        "# my work account\n[profiles.work]\nbackend = \"passage\" # one entry\nregion = \"eu-west-1\"\n",
        "only the backend changed, comments kept"
    );
    assert!(
        out.stderr
            .contains("now reads its keys from passage:aws-auth/work")
    );
    assert!(out.stderr.contains("removed pass:aws-auth/work"));
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    assert_absent(
        &kit.fakes.log(),
        &[SOURCE_SECRET_ACCESS_KEY, TOTP_SEED],
        "argv",
    );
    works(&kit);
}

#[test]
fn passage_to_pass_keeps_the_cached_session_and_with_keep_both_stores() {
    let kit = Kit::with_pass();
    let store = PassageStore::new(&kit.sandbox);
    let text = format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n");
    store.insert(&kit.sandbox, "aws/keys", &text);
    kit.profiles(&format!(
        "[profiles.work]\naccess_key_id = \"passage:aws/keys#aws_access_key_id\"\nsecret_access_key = \"passage:aws/keys\"\n\
         mfa_serial = \"{SERIAL_NUMBER}\"\nrole_arn = \"{ROLE}\"\n"
    ));
    // A session cached before (the cache on, as by default).
    let cached = |cmd: &mut Command| run(cmd.env_remove("AWS_AUTH_NO_CACHE"));
    cached(&mut kit.profile("work", &["--token-code", TOKEN_CODE])).assert_success();
    let out = run(&mut migrate(&kit, &["--to", "pass", "--keep"]));
    out.assert_success();
    assert!(out.stderr.contains("--keep"), "{}", out.stderr);
    assert_eq!(
        store.show(&kit.sandbox, "aws/keys").as_deref(),
        Some(text.as_str())
    );
    let show = kit.pass().show(&kit.sandbox, "aws-auth/work");
    assert_eq!(show.stdout_str(), text);
    assert_eq!(
        profiles_toml(&kit),
        format!(
            "[profiles.work]\nmfa_serial = \"{SERIAL_NUMBER}\"\nrole_arn = \"{ROLE}\"\nbackend = \"pass\"\n"
        ),
        "the literal device and role stay in the profile"
    );
    // No code asked: the cached MFA session (same keys) still answers.
    let requests = kit.sts.requests().len();
    cached(&mut without_terminal(
        &kit.profile("work", &["--no-prompt"]),
    ))
    .assert_success();
    assert!(
        kit.sts
            .requests()
            .iter()
            .skip(requests)
            .all(|r| form_field(r, "TokenCode").is_none()),
        "no MFA code was needed"
    );
}

#[test]
fn into_the_secret_service_and_an_entry_with_more_in_it_is_kept() {
    let kit = Kit::with_pass();
    let secrets = SecretService::start(&kit.sandbox);
    kit.pass_insert(
        "aws-auth/work",
        &format!("{}url: https://signin.aws.amazon.com/\n", entry()),
    );
    kit.profiles("[profiles.work]\nbackend = \"pass\"\n");
    let out = run(secrets.env(&mut migrate(&kit, &["--to", "keyring"])));
    out.assert_success();
    for (item, value) in [
        ("work/access_key_id", SOURCE_ACCESS_KEY_ID.to_owned()),
        (
            "work/secret_access_key",
            SOURCE_SECRET_ACCESS_KEY.to_owned(),
        ),
        ("work/mfa_serial", SERIAL_NUMBER.to_owned()),
        ("work/role_arn", ROLE.to_owned()),
        ("work/totp_seed", otpauth_line()),
    ] {
        assert_eq!(
            secrets.lookup(&kit.sandbox, "aws-auth", item).as_deref(),
            Some(value.as_str()),
            "{item}"
        );
    }
    assert!(
        out.stderr
            .contains("kept pass:aws-auth/work: it holds more than what moved"),
        "{}",
        out.stderr
    );
    kit.pass()
        .show(&kit.sandbox, "aws-auth/work")
        .assert_success();
    assert_eq!(
        profiles_toml(&kit),
        "[profiles.work]\nbackend = \"keyring\"\n"
    );
    let before = kit.sts.requests().len();
    run(secrets.env(&mut without_terminal(&kit.profile("work", &[])))).assert_success();
    assert_eq!(kit.sts.requests().len(), before + 1);
}

/// The old entry stays when another profile reads it (the move was this profile's), and when
/// it holds lines no run reads: a second seed (another site's codes), a second key line.
#[test]
fn an_entry_another_profile_reads_or_with_lines_never_read_is_kept() {
    let (kit, store) = on_pass();
    kit.profiles(
        "[profiles.work]\nbackend = \"pass\"\n\n[profiles.admin]\n\
         access_key_id = \"pass:aws-auth/work#aws_access_key_id\"\n\
         secret_access_key = \"pass:aws-auth/work\"\n\
         mfa_serial = \"pass:aws-auth/work#mfa_serial\"\n\
         role_arn = \"pass:aws-auth/work#role_arn\"\n\
         mfa_code = \"totp:pass:aws-auth/work\"\n",
    );
    let out = run(&mut migrate(&kit, &["--to", "passage"]));
    out.assert_success();
    assert!(
        out.stderr
            .contains("kept pass:aws-auth/work: profile admin reads it too"),
        "{}",
        out.stderr
    );
    assert!(store.show(&kit.sandbox, "aws-auth/work").is_some());
    kit.pass()
        .show(&kit.sandbox, "aws-auth/work")
        .assert_success();
    run(&mut without_terminal(&kit.profile("admin", &[]))).assert_success();
    works(&kit);

    for extra in [
        "otpauth://totp/GitHub:alice?secret=GEZDGNBVGY3TQOJQ&issuer=GitHub\n",
        "aws_access_key_id: AKIAOLDEROLDEROLDER1\n",
    ] {
        let (kit, _store) = on_pass();
        kit.pass_insert("aws-auth/work", &format!("{}{extra}", entry()));
        let out = run(&mut migrate(&kit, &["--to", "passage"]));
        out.assert_success();
        assert!(
            out.stderr
                .contains("kept pass:aws-auth/work: it holds more than what moved"),
            "{extra}: {}",
            out.stderr
        );
        kit.pass()
            .show(&kit.sandbox, "aws-auth/work")
            .assert_success();
        works(&kit);
    }
}

#[test]
fn refused_where_nothing_can_move_or_the_store_would_not_last() {
    let kit = Kit::with_pass();
    kit.pass_insert("aws-auth/work", &entry());
    kit.profiles(
        "[profiles.work]\nbackend = \"pass\"\n[profiles.envkeys]\naccess_key_id = \"env:CI_ID\"\nsecret_access_key = \"env:CI_SECRET\"\n",
    );
    let before = profiles_toml(&kit);
    let to_op = run(&mut migrate(&kit, &["--to", "op"]));
    assert_clear_error(
        &to_op,
        2,
        &["cannot write to \"op\"", "pass", "passage", "keyring"],
    );
    assert!(!to_op.stderr.contains("did you mean"), "{}", to_op.stderr);
    let typo = run(&mut migrate(&kit, &["--to", "pasage"]));
    assert_clear_error(&typo, 2, &["did you mean \"passage\"?"]);
    // A line-based store of the user's with no [write] table: it cannot be written.
    kit.sandbox.write(
        "home/.config/aws-auth/backends/readonly.toml",
        "description = \"read only\"\nprogram = \"cat\"\nread = [\"{entry}\"]\n",
    );
    let read_only = run(&mut migrate(&kit, &["--to", "readonly"]));
    assert_clear_error(&read_only, 2, &["cannot write to \"readonly\""]);
    // No D-Bus session: the keyring would be the kernel's, lost at reboot.
    let kernel = run(&mut migrate(&kit, &["--to", "keyring"]));
    assert_clear_error(
        &kernel,
        2,
        &["no Secret Service is reachable", "lost at reboot"],
    );
    let mut env = kit.aws_auth();
    env.args(["migrate", "--profile", "envkeys", "--to", "pass"])
        .env("CI_ID", SOURCE_ACCESS_KEY_ID)
        .env("CI_SECRET", SOURCE_SECRET_ACCESS_KEY);
    let env = run(&mut env);
    assert_clear_error(
        &env,
        2,
        &["profile \"envkeys\"", "env:CI_ID", "nothing to move"],
    );
    kit.sandbox.write(
        "home/.config/aws-auth/profiles.toml",
        format!(
            "{}[profiles.inline]\naccess_key_id = \"{SOURCE_ACCESS_KEY_ID}\"\nsecret_access_key = \"literal:{SOURCE_SECRET_ACCESS_KEY}\"\n",
            profiles_toml(&kit)
        ),
    );
    let mut inline = kit.aws_auth();
    inline.args(["migrate", "--profile", "inline", "--to", "passage"]);
    let inline = run(&mut inline);
    assert_clear_error(
        &inline,
        2,
        &[
            "profile \"inline\"",
            "in profiles.toml itself",
            "aws-auth add",
        ],
    );
    assert_absent(&inline.stderr, &[SOURCE_SECRET_ACCESS_KEY], "stderr");
    let same = run(&mut migrate(&kit, &["--to", "pass"]));
    assert_clear_error(&same, 2, &["already reads pass:aws-auth/work"]);
    assert!(profiles_toml(&kit).starts_with(&before), "nothing changed");
    kit.pass()
        .show(&kit.sandbox, "aws-auth/work")
        .assert_success();
    works(&kit);
}

#[test]
fn a_failed_write_changes_nothing() {
    let (kit, store) = on_pass();
    let before = profiles_toml(&kit);
    let mut cmd = migrate(&kit, &["--to", "passage"]);
    // passage as it fails when age cannot encrypt (no recipients it can use).
    passage_as(
        &kit,
        &mut cmd,
        "cat >/dev/null\necho 'age: error: no recipients specified' >&2\necho 'Password encryption aborted.' >&2\nexit 1\n",
    );
    let out = run(&mut cmd);
    assert_clear_error(
        &out,
        1,
        &[
            "writing passage:aws-auth/work",
            "Password encryption aborted.",
            "nothing was changed",
            "pass:aws-auth/work",
        ],
    );
    assert_eq!(profiles_toml(&kit), before);
    assert!(store.show(&kit.sandbox, "aws-auth/work").is_none());
    works(&kit);
}

#[test]
fn a_read_back_that_differs_is_taken_back() {
    let (kit, store) = on_pass();
    let before = profiles_toml(&kit);
    let mut cmd = migrate(&kit, &["--to", "passage"]);
    // A store that keeps something else than it was given (a secret cut at a "/").
    passage_as(
        &kit,
        &mut cmd,
        "if [ \"$1\" = insert ]; then sed 's|/.*||' | \"$real\" \"$@\"; exit; fi\nexec \"$real\" \"$@\"\n",
    );
    let out = run(&mut cmd);
    assert_clear_error(
        &out,
        1,
        &[
            "secret access key read back from the new store is not the one written",
            "nothing was changed",
        ],
    );
    assert_absent(&out.stderr, &[SOURCE_SECRET_ACCESS_KEY], "stderr");
    assert!(
        store.show(&kit.sandbox, "aws-auth/work").is_none(),
        "taken back"
    );
    assert_eq!(profiles_toml(&kit), before);
    works(&kit);
}

#[test]
fn killed_between_the_write_and_the_switch_the_old_profile_still_works() {
    let (kit, store) = on_pass();
    let before = profiles_toml(&kit);
    let mut cmd = migrate(&kit, &["--to", "passage"]);
    // The write happens, then aws-auth (passage's parent) is killed: no deferring a KILL.
    passage_as(
        &kit,
        &mut cmd,
        "\"$real\" \"$@\" || exit\nkill -KILL $PPID\n",
    );
    let out = run(&mut cmd);
    assert_eq!(out.code, None, "killed\n{}", out.describe());
    assert_eq!(profiles_toml(&kit), before, "not switched");
    assert!(
        store.show(&kit.sandbox, "aws-auth/work").is_some(),
        "written"
    );
    works(&kit);
    // Run again: the entry left behind is named, and --force finishes the move.
    let again = run(&mut migrate(&kit, &["--to", "passage"]));
    assert_clear_error(
        &again,
        2,
        &["passage:aws-auth/work already exists", "--force"],
    );
    run(&mut migrate(&kit, &["--to", "passage", "--force"])).assert_success();
    assert!(profiles_toml(&kit).contains("backend = \"passage\""));
    works(&kit);
}

#[test]
fn killed_between_the_switch_and_the_removal_the_new_profile_works() {
    let (kit, store) = on_pass();
    let mut cmd = migrate(&kit, &["--to", "passage"]);
    // pass, asked to remove the old entry, kills aws-auth first.
    let killing = kit.sandbox.write(
        "killing-pass",
        "#!/bin/sh\nif [ \"$1\" = rm ]; then kill -KILL $PPID; sleep 1; exit 1; fi\nexec /usr/bin/pass \"$@\"\n",
    );
    std::fs::set_permissions(&killing, std::fs::Permissions::from_mode(0o755)).unwrap();
    cmd.env("FAKE_REAL_PASS", &killing);
    let out = run(&mut cmd);
    assert_eq!(out.code, None, "killed\n{}", out.describe());
    assert!(
        profiles_toml(&kit).contains("backend = \"passage\""),
        "switched"
    );
    assert!(store.show(&kit.sandbox, "aws-auth/work").is_some());
    kit.pass()
        .show(&kit.sandbox, "aws-auth/work")
        .assert_success();
    works(&kit);
}

#[test]
fn a_ctrl_c_waits_for_the_move_to_finish() {
    let (kit, store) = on_pass();
    let mut cmd = migrate(&kit, &["--to", "passage"]);
    passage_as(
        &kit,
        &mut cmd,
        "kill -INT $PPID\nsleep 0.2\nexec \"$real\" \"$@\"\n",
    );
    let out = run(&mut cmd);
    assert_eq!(
        out.code,
        None,
        "ended by the SIGINT, at the end\n{}",
        out.describe()
    );
    assert!(
        out.stderr
            .contains("interrupted while migrating: finishing first"),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("removed pass:aws-auth/work"),
        "{}",
        out.describe()
    );
    assert!(store.show(&kit.sandbox, "aws-auth/work").is_some());
    assert!(profiles_toml(&kit).contains("backend = \"passage\""));
    works(&kit);
}

#[test]
fn out_of_the_secret_service_into_passage_removing_only_what_was_there() {
    let kit = Kit::new();
    let store = PassageStore::new(&kit.sandbox);
    let secrets = SecretService::start(&kit.sandbox);
    secrets.store(
        &kit.sandbox,
        "aws-auth",
        "work/access_key_id",
        SOURCE_ACCESS_KEY_ID,
    );
    secrets.store(
        &kit.sandbox,
        "aws-auth",
        "work/secret_access_key",
        SOURCE_SECRET_ACCESS_KEY,
    );
    secrets.store(&kit.sandbox, "aws-auth", "work/mfa_serial", SERIAL_NUMBER);
    // The items are outside the default collection now: removed where they were read from,
    // not looked for in the default collection alone (and called removed when not found).
    secrets.move_default_alias(&kit.sandbox);
    kit.profiles(&format!(
        "[profiles.work]\nbackend = \"keyring\"\nrole_arn = \"{ROLE}\"\n"
    ));
    let out = run(secrets.env(&mut migrate(&kit, &["--to", "passage"])));
    out.assert_success();
    assert_eq!(
        store.show(&kit.sandbox, "aws-auth/work").as_deref(),
        Some(format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nmfa_serial: {SERIAL_NUMBER}\n").as_str())
    );
    for item in [
        "work/access_key_id",
        "work/secret_access_key",
        "work/mfa_serial",
    ] {
        assert_eq!(
            secrets.lookup(&kit.sandbox, "aws-auth", item),
            None,
            "{item}"
        );
        assert!(
            out.stderr
                .contains(&format!("removed keyring:aws-auth/{item}")),
            "{}",
            out.stderr
        );
    }
    assert!(
        !out.stderr.contains("totp_seed") && !out.stderr.contains("work/role_arn"),
        "{}",
        out.stderr
    );
    run(&mut kit.profile("work", &["--token-code", TOKEN_CODE])).assert_success();
    let request = kit.only_request();
    assert_eq!(request.action(), Some("AssumeRole"));
    assert!(request.verified());
}

#[test]
fn a_key_id_written_in_the_profile_moves_with_the_secret() {
    let kit = Kit::with_pass();
    let store = PassageStore::new(&kit.sandbox);
    kit.pass_insert(
        "aws/secret",
        &format!("{SOURCE_SECRET_ACCESS_KEY}\nmfa_serial: {SERIAL_NUMBER}\nrole_arn: {ROLE}\n"),
    );
    kit.profiles(&format!(
        "[profiles.work]\naccess_key_id = \"{SOURCE_ACCESS_KEY_ID}\"\nsecret_access_key = \"pass:aws/secret\"\n\
         mfa_serial = \"pass:aws/secret#mfa_serial\"\nrole_arn = \"pass:aws/secret#role_arn\"\nregion = \"eu-west-1\"\n"
    ));
    run(&mut migrate(&kit, &["--to", "passage"])).assert_success();
    assert_eq!(
        store.show(&kit.sandbox, "aws-auth/work").as_deref(),
        Some(
            format!(
                "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nmfa_serial: {SERIAL_NUMBER}\nrole_arn: {ROLE}\n"
            )
            .as_str()
        )
    );
    assert_eq!(
        profiles_toml(&kit),
        "[profiles.work]\nregion = \"eu-west-1\"\nbackend = \"passage\"\n"
    );
    assert!(!kit.pass().store_dir().join("aws/secret.gpg").exists());
    run(&mut kit.profile("work", &["--token-code", TOKEN_CODE])).assert_success();
    assert!(kit.only_request().verified());
}

#[test]
fn a_totp_reference_moves_its_seed_and_an_env_seed_stays() {
    let kit = Kit::with_pass();
    let store = PassageStore::new(&kit.sandbox);
    kit.pass_insert(
        "aws/keys",
        &format!(
            "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n{}\n",
            otpauth_line()
        ),
    );
    kit.pass_insert(
        "aws/ci",
        &format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n"),
    );
    let fixed = format!("mfa_serial = \"{SERIAL_NUMBER}\"\nrole_arn = \"{ROLE}\"\n");
    kit.profiles(&format!(
        "[profiles.work]\naccess_key_id = \"pass:aws/keys#aws_access_key_id\"\nsecret_access_key = \"pass:aws/keys\"\n\
         {fixed}mfa_code = \"totp:pass:aws/keys\"\n\
         [profiles.ci]\naccess_key_id = \"pass:aws/ci#aws_access_key_id\"\nsecret_access_key = \"pass:aws/ci\"\n\
         {fixed}mfa_code = \"totp:env:CI_TOTP\"\n"
    ));
    let out = run(&mut migrate(&kit, &["--to", "passage"]));
    out.assert_success();
    assert!(
        out.stderr.contains("removed pass:aws/keys"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("warning") && !out.stderr.contains("kept"),
        "{}",
        out.stderr
    );
    assert_eq!(
        store.show(&kit.sandbox, "aws-auth/work").as_deref(),
        Some(
            format!(
                "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n{}\n",
                otpauth_line()
            )
            .as_str()
        )
    );
    works(&kit);

    let mut ci = kit.aws_auth();
    ci.args(["migrate", "--profile", "ci", "--to", "passage"])
        .env("CI_TOTP", TOTP_SEED);
    run(&mut ci).assert_success();
    assert_eq!(
        store.show(&kit.sandbox, "aws-auth/ci").as_deref(),
        Some(
            format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n")
                .as_str()
        ),
        "a seed from the environment stays there"
    );
    assert!(
        profiles_toml(&kit).ends_with(&format!(
            "[profiles.ci]\n{fixed}mfa_code = \"totp:env:CI_TOTP\"\nbackend = \"passage\"\n"
        )),
        "{}",
        profiles_toml(&kit)
    );
}

#[test]
fn out_of_1password_the_one_time_password_stays_read_from_there() {
    let kit = Kit::new();
    let store = PassageStore::new(&kit.sandbox);
    for (field, value) in [
        ("AWS_ACCESS_KEY_ID", SOURCE_ACCESS_KEY_ID.to_owned()),
        ("AWS_SECRET_ACCESS_KEY", SOURCE_SECRET_ACCESS_KEY.to_owned()),
        ("AWS_TOTP_SERIAL_NUMBER", SERIAL_NUMBER.to_owned()),
        ("AWS_ROLE_ARN", ROLE.to_owned()),
        ("one-time password", otpauth_line()),
    ] {
        kit.fakes
            .op_field(&format!("Private/aws-auth-work/{field}"), &value);
    }
    kit.profiles("[profiles.work]\nbackend = \"op\"\n");
    let out = run(&mut migrate(&kit, &["--to", "passage"]));
    out.assert_success();
    assert_eq!(
        store.show(&kit.sandbox, "aws-auth/work").as_deref(),
        Some(format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nmfa_serial: {SERIAL_NUMBER}\nrole_arn: {ROLE}\n").as_str()),
        "op gives codes, not the seed: no otpauth line"
    );
    assert_eq!(
        profiles_toml(&kit),
        "[profiles.work]\nbackend = \"passage\"\nmfa_code = \"op://Private/aws-auth-work/one-time password?attribute=otp\"\n"
    );
    assert!(out.stderr.contains("cannot delete in op"), "{}", out.stderr);
    assert_absent(&kit.fakes.log(), &[SOURCE_SECRET_ACCESS_KEY], "argv");
    works(&kit);
}

#[test]
fn a_bare_seed_in_a_field_becomes_an_otpauth_line_and_no_seed_stays_none() {
    let kit = Kit::with_pass();
    let store = PassageStore::new(&kit.sandbox);
    // The seed as people copy it from the IAM console: in groups, lower case, with dashes.
    let written: String = TOTP_SEED
        .to_lowercase()
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" -");
    kit.pass_insert(
        "aws/f",
        &format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\ntotp: {written}\n"),
    );
    kit.pass_insert(
        "aws-auth/plain",
        &format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nmfa_serial: {SERIAL_NUMBER}\n"),
    );
    kit.profiles(&format!(
        "[profiles.work]\naccess_key_id = \"pass:aws/f#aws_access_key_id\"\nsecret_access_key = \"pass:aws/f\"\n\
         mfa_serial = \"{SERIAL_NUMBER}\"\nrole_arn = \"{ROLE}\"\nmfa_code = \"totp:pass:aws/f#totp\"\n\
         [profiles.plain]\nbackend = \"pass\"\n\
         [profiles.gone]\naccess_key_id = \"pass:aws/f#aws_access_key_id\"\nsecret_access_key = \"pass:aws/f\"\n\
         mfa_serial = \"{SERIAL_NUMBER}\"\nmfa_code = \"totp:pass:aws/nothere\"\n"
    ));
    // A seed the profile names and the store does not have: nothing moves.
    let mut gone = kit.aws_auth();
    gone.args(["migrate", "--profile", "gone", "--to", "passage"]);
    let gone = run(&mut gone);
    assert_clear_error(&gone, 1, &["totp:pass:aws/nothere", "no such entry"]);
    assert!(store.show(&kit.sandbox, "aws-auth/gone").is_none());

    run(&mut migrate(&kit, &["--to", "passage"])).assert_success();
    let moved = store.show(&kit.sandbox, "aws-auth/work").unwrap();
    assert!(
        moved.ends_with(&format!(
            "otpauth://totp/aws-auth:work?secret={TOTP_SEED}&issuer=aws-auth\n"
        )),
        "{moved}"
    );
    works(&kit);

    let mut plain = kit.aws_auth();
    plain.args(["migrate", "--profile", "plain", "--to", "passage"]);
    run(&mut plain).assert_success();
    assert_eq!(
        store.show(&kit.sandbox, "aws-auth/plain").as_deref(),
        Some(format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nmfa_serial: {SERIAL_NUMBER}\n").as_str()),
        "no otpauth line, none made up"
    );
}
