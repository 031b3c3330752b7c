//! Profiles of ~/.aws/config (AWS_CONFIG_FILE): role settings over the keys of the
//! profiles.toml profile their source_profile chain ends in; loops and keyless ends named;
//! a name in both files merged, profiles.toml winning; and the real AWS CLI reading the same
//! file agrees on the role and the region.

use crate::support::profile_kit::*;
use crate::support::sts_form::{form_field, signing_key_id};
use crate::support::*;

const PROD_ROLE: &str = "arn:aws:iam::123456789012:role/prod";

const CONFIG: &str = "# my AWS config\n[default]\nregion = us-east-1\n\n\
    [profile prod]\nrole_arn = arn:aws:iam::123456789012:role/prod\nsource_profile = base\n\
    mfa_serial = arn:aws:iam::123456789012:mfa/alice\nregion = eu-west-1\nduration_seconds = 1800\n\
    role_session_name = alice-prod\nexternal_id = ext-1\n\n\
    [profile loop-a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = loop-b\n\
    [profile loop-b]\nsource_profile = loop-a\n\
    [profile bare]\nrole_arn = arn:aws:iam::123456789012:role/bare\n\
    [profile both]\nrole_arn = arn:aws:iam::123456789012:role/both\nregion = ap-south-1\n";

fn kit() -> Kit {
    let kit = Kit::new();
    kit.fakes.gopass_entry(
        "aws-auth/base",
        &format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n"),
    );
    kit.fakes.gopass_entry(
        "aws-auth/both",
        &format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n"),
    );
    kit.profiles(
        "[profiles.base]\nbackend = \"gopass\"\n[profiles.both]\nbackend = \"gopass\"\nregion = \"eu-central-1\"\n",
    );
    kit.sandbox.write("home/.aws/config", CONFIG);
    kit
}

fn with_config(kit: &Kit, cmd: &mut std::process::Command) {
    cmd.env("AWS_CONFIG_FILE", kit.sandbox.path("home/.aws/config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", kit.sandbox.path("none"));
}

#[test]
fn a_config_profile_assumes_its_role_with_the_source_profile_s_keys() {
    let kit = kit();
    let mut cmd = kit.profile("prod", &["--token-code", TOKEN_CODE]);
    with_config(&kit, &mut cmd);
    let out = run(&mut cmd);
    out.assert_success();
    let request = kit.only_request();
    assert_eq!(request.action(), Some("AssumeRole"));
    assert_eq!(
        signing_key_id(&request).as_deref(),
        Some(SOURCE_ACCESS_KEY_ID)
    );
    assert!(request.verified(), "signed with base's secret key");
    for (field, value) in [
        ("RoleArn", PROD_ROLE),
        ("DurationSeconds", "1800"),
        ("RoleSessionName", "alice-prod"),
        ("ExternalId", "ext-1"),
        ("SerialNumber", "arn:aws:iam::123456789012:mfa/alice"),
        ("TokenCode", TOKEN_CODE),
    ] {
        assert_eq!(
            form_field(&request, field).as_deref(),
            Some(value),
            "{field}"
        );
    }
    assert!(
        out.stdout_str().contains("export AWS_REGION='eu-west-1'"),
        "{}",
        out.describe()
    );

    // The real AWS CLI, reading the same file, means the same role and region.
    let mut aws = kit.sandbox.command("aws");
    with_config(&kit, &mut aws);
    for (key, expected) in [
        ("role_arn", PROD_ROLE),
        ("region", "eu-west-1"),
        ("duration_seconds", "1800"),
    ] {
        let got = run(aws
            .args(["configure", "get", key, "--profile", "prod"])
            .env_remove("AWS_REGION"));
        got.assert_success();
        assert_eq!(got.stdout_str().trim(), expected, "aws configure get {key}");
        aws = kit.sandbox.command("aws");
        with_config(&kit, &mut aws);
    }
}

#[test]
fn loops_and_keyless_profiles_are_named_and_nothing_is_fetched() {
    let kit = kit();
    for (profile, needles) in [
        (
            "loop-a",
            vec!["source_profile loops: loop-a -> loop-b -> loop-a"],
        ),
        (
            "bare",
            vec!["profile bare has no keys", "aws-auth add --profile bare"],
        ),
        ("nowhere", vec!["no profile \"nowhere\"", "prod", "base"]),
    ] {
        let mut cmd = kit.profile(profile, &["--token-code", TOKEN_CODE]);
        with_config(&kit, &mut cmd);
        let out = run(&mut cmd);
        let code = if profile == "nowhere" { 2 } else { 1 };
        assert_clear_error(&out, code, &needles);
    }
    assert_eq!(kit.sts.request_count(), 0);
    assert!(kit.fakes.log().is_empty(), "{}", kit.fakes.log());
}

#[test]
fn a_name_in_both_files_merges_and_the_listing_says_where_from() {
    let kit = kit();
    let mut cmd = kit.profile("both", &[]);
    with_config(&kit, &mut cmd);
    let out = run(&mut without_terminal(&cmd));
    out.assert_success();
    let request = kit.only_request();
    assert_eq!(
        form_field(&request, "RoleArn").as_deref(),
        Some("arn:aws:iam::123456789012:role/both"),
        "the role from the config file"
    );
    assert!(
        out.stdout_str()
            .contains("export AWS_REGION='eu-central-1'"),
        "profiles.toml's region wins\n{}",
        out.describe()
    );

    let mut list = kit.aws_auth();
    list.arg("profiles");
    with_config(&kit, &mut list);
    let listing = run(&mut list);
    listing.assert_success();
    let text = listing.stdout_str();
    let line = |name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name}:\n{text}"))
            .to_owned()
    };
    assert!(
        line("prod").contains("aws config, keys of base") && line("prod").contains(PROD_ROLE),
        "{text}"
    );
    assert!(line("both").contains("both (profiles.toml wins)"), "{text}");
    assert!(line("base").contains("profiles.toml"), "{text}");
    assert!(line("bare").contains("no keys"), "{text}");
}

/// A config file others can write is refused for a profile that needs it, and left out, with
/// a warning, for a profile of profiles.toml (which must not break because of it).
#[test]
fn an_unsafe_config_file_breaks_only_the_profiles_that_need_it() {
    use std::os::unix::fs::PermissionsExt;
    let kit = kit();
    let config = kit.sandbox.path("home/.aws/config");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o666)).unwrap();
    let mut cmd = kit.profile("prod", &["--token-code", TOKEN_CODE]);
    with_config(&kit, &mut cmd);
    let out = run(&mut cmd);
    assert_clear_error(
        &out,
        1,
        &[
            &config.display().to_string(),
            "writable by every user",
            "chmod go-w",
        ],
    );
    assert_eq!(kit.sts.request_count(), 0);

    let mut cmd = kit.profile("base", &["--role-arn", PROD_ROLE]);
    with_config(&kit, &mut cmd);
    let out = run(&mut cmd);
    out.assert_success();
    assert!(
        out.stderr.contains("warning") && out.stderr.contains("profiles.toml alone"),
        "{}",
        out.describe()
    );
}
