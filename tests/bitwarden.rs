//! Bitwarden (`bw`, built in) through the fake bw (tests/fakes/bw, which follows the real
//! CLI's output, exit codes and error text): one `bw get item` serves every field of an item,
//! `#totp` asks bw for the code, every call carries --nointeraction, and a locked vault, a
//! logged-out CLI, an ambiguous name and a missing field each get their own explanation.

use crate::support::profile_kit::*;
use crate::support::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/bitwarden-role";

/// The item the default layout of `backend = "bw"` reads for profile `profile`.
fn item(kit: &Kit, name: &str) {
    kit.fakes.bw_field(name, "username", SOURCE_ACCESS_KEY_ID);
    kit.fakes
        .bw_field(name, "password", SOURCE_SECRET_ACCESS_KEY);
    kit.fakes.bw_field(name, "totp", TOTP_SEED);
    kit.fakes.bw_field(name, "mfa_serial", SERIAL_NUMBER);
    kit.fakes.bw_field(name, "role_arn", ROLE);
}

#[test]
fn the_default_layout_reads_one_item_and_asks_bw_for_the_code() {
    let kit = Kit::new();
    item(&kit, "aws-auth/work");
    kit.profiles("[profiles.work]\nbackend = \"bw\"\n");
    let (before, run, after) = with_oathtool_around(
        &kit.sandbox,
        TOTP_SEED,
        &mut without_terminal(&kit.profile("work", &[])),
    );
    run.assert_success();
    let request = kit.only_request();
    assert_eq!(request.action(), Some("AssumeRole"), "{request:#?}");
    assert!(request.verified(), "signed with the item's password");
    let code = sent_totp_code(&request, &before, &after);
    assert_eq!(code.len(), 6);
    assert_eq!(
        kit.fakes.calls_of("bw"),
        [
            ["get", "item", "aws-auth/work", "--nointeraction"],
            ["get", "totp", "aws-auth/work", "--nointeraction"]
        ],
        "one read of the item, one of the code"
    );
    assert_absent(&kit.fakes.log(), &[SOURCE_SECRET_ACCESS_KEY], "argv log");
    assert_absent(
        &run.stderr,
        &[SOURCE_SECRET_ACCESS_KEY, TOTP_SEED],
        "stderr",
    );
}

#[test]
fn custom_fields_by_name_and_a_missing_one_names_those_there_are() {
    let kit = Kit::new();
    kit.fakes
        .bw_field("AWS prod", "Access Key ID", SOURCE_ACCESS_KEY_ID);
    kit.fakes.bw_field(
        "AWS prod",
        "Secret Access Key.hidden",
        SOURCE_SECRET_ACCESS_KEY,
    );
    kit.profiles(&format!(
        "[profiles.prod]\naccess_key_id = \"bw:AWS prod#Access Key ID\"\nsecret_access_key = \"bw:AWS prod#Secret Access Key\"\nrole_arn = \"{ROLE}\"\n\
         [profiles.typo]\naccess_key_id = \"bw:AWS prod#Access Key Id\"\nsecret_access_key = \"bw:AWS prod#Secret Access Key\"\n"
    ));
    run(&mut kit.profile("prod", &[])).assert_success();
    assert!(kit.only_request().verified());
    assert_eq!(
        kit.fakes.calls_of("bw"),
        [["get", "item", "AWS prod", "--nointeraction"]],
        "two fields, one read"
    );
    let typo = run(&mut kit.profile("typo", &[]));
    assert_clear_error(
        &typo,
        1,
        &[
            "profile \"typo\"",
            "access_key_id",
            "bw:AWS prod#Access Key Id",
            "no such field",
            "its custom fields: Access Key ID, Secret Access Key",
        ],
    );
    assert_absent(&typo.stderr, &[SOURCE_SECRET_ACCESS_KEY], "stderr");
}

#[test]
fn a_locked_vault_and_a_logged_out_cli_are_told_apart_and_never_waited_on() {
    let kit = Kit::new();
    item(&kit, "aws-auth/work");
    kit.profiles("[profiles.work]\nbackend = \"bw\"\n");
    // No BW_SESSION: without --nointeraction bw would ask for the master password and wait.
    let locked = run(kit
        .profile("work", &["--token-code", TOKEN_CODE])
        .env_remove("BW_SESSION"));
    assert_clear_error(
        &locked,
        1,
        &[
            "profile \"work\"",
            "bw",
            "not signed in / locked",
            "Vault is locked.",
            "bw unlock --raw",
        ],
    );
    assert!(!locked.stderr.contains("bw login"), "{}", locked.stderr);
    let logged_out = run(kit
        .profile("work", &["--token-code", TOKEN_CODE])
        .env("FAKE_LOGGED_OUT", "1"));
    assert_clear_error(
        &logged_out,
        1,
        &[
            "profile \"work\"",
            "not signed in / locked",
            "You are not logged in.",
            "bw login",
        ],
    );
    assert!(kit.sts.requests().is_empty());
}

#[test]
fn an_ambiguous_name_garbage_and_no_authenticator_key_are_errors_not_values() {
    let kit = Kit::new();
    item(&kit, "aws-auth/work");
    item(&kit, "aws-auth/work-old");
    kit.fakes
        .bw_field("plain", "username", SOURCE_ACCESS_KEY_ID);
    kit.fakes
        .bw_field("plain", "password", SOURCE_SECRET_ACCESS_KEY);
    kit.profiles(
        "[profiles.vague]\naccess_key_id = \"bw:work#username\"\nsecret_access_key = \"bw:work\"\n\
         [profiles.exact]\naccess_key_id = \"bw:aws-auth/work#username\"\nsecret_access_key = \"bw:aws-auth/work\"\n\
         [profiles.nocode]\naccess_key_id = \"bw:plain#username\"\nsecret_access_key = \"bw:plain\"\n\
         mfa_serial = \"arn:aws:iam::123456789012:mfa/alice\"\nmfa_code = \"bw:plain#totp\"\n",
    );
    let vague = run(&mut kit.profile("vague", &[]));
    assert_clear_error(
        &vague,
        1,
        &["profile \"vague\"", "bw:work", "matches several entries"],
    );
    let garbage = run(kit.profile("exact", &[]).env("FAKE_GARBAGE", "1"));
    assert_clear_error(&garbage, 1, &["profile \"exact\"", "not a Bitwarden item"]);
    assert!(
        !garbage.stderr.contains("maintenance"),
        "{}",
        garbage.stderr
    );
    let nocode = run(&mut kit.profile("nocode", &[]));
    assert_clear_error(
        &nocode,
        1,
        &[
            "profile \"nocode\"",
            "mfa_code",
            "bw:plain#totp",
            "no such field",
            "\"totp\"",
        ],
    );
    // An exact name is found even though it is also part of another's name.
    run(&mut kit.profile("exact", &["--role-arn", ROLE])).assert_success();
}

#[test]
fn two_accounts_never_share_a_cached_session() {
    let kit = Kit::new();
    item(&kit, "aws-auth/work");
    kit.profiles("[profiles.work]\nbackend = \"bw\"\n");
    let cached = |cmd: &mut std::process::Command| {
        run(cmd
            .env_remove("AWS_AUTH_NO_CACHE")
            .args(["--token-code", TOKEN_CODE]))
        .assert_success();
    };
    // Role sessions (the MFA session is bound to the access key, the same in both here).
    let roles = || {
        kit.sts
            .requests()
            .iter()
            .filter(|r| r.action() == Some("AssumeRole"))
            .count()
    };
    cached(&mut kit.profile("work", &[]));
    cached(kit.profile("work", &[]).env(
        "BITWARDENCLI_APPDATA_DIR",
        kit.sandbox.path("other-account"),
    ));
    assert_eq!(roles(), 2, "each account got its own session");
    // A new unlock (another BW_SESSION) of the same account is the same account.
    cached(
        kit.profile("work", &[])
            .env("BW_SESSION", "after-a-new-unlock"),
    );
    assert_eq!(roles(), 2, "answered by the cache");
}
