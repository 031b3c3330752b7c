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

/// Role chaining: base's keys (profiles.toml), jump's role, then target's. aws-auth and the
/// real AWS CLI, reading the same file, end up as the same role session at moto.
#[test]
fn a_chain_of_roles_is_assumed_in_turn_as_the_aws_cli_does() {
    let kit = Kit::new();
    kit.fakes.gopass_entry(
        "aws-auth/base",
        &format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n"),
    );
    kit.profiles("[profiles.base]\nbackend = \"gopass\"\n");
    let config = kit.sandbox.write(
        "home/.aws/config",
        format!(
            "[profile base]\ncredential_process = {} --profile base --format json --no-cache\n\
             [profile jump]\nrole_arn = arn:aws:iam::123456789012:role/jump\nsource_profile = base\n\
             role_session_name = jumper\n\
             [profile target]\nrole_arn = arn:aws:iam::123456789012:role/target\nsource_profile = jump\n\
             role_session_name = chain-target\nregion = eu-west-1\n",
            aws_auth_bin().display()
        ),
    );
    let target = assumed_role_arn("target", "chain-target");
    // aws-auth, then the AWS CLI with what it printed.
    let mut cmd = kit.sandbox.shell(
        "bash",
        "eval \"$(aws-auth --profile target)\" && aws sts get-caller-identity --query Arn --output text",
    );
    kit.fakes.apply(&mut cmd);
    cmd.env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", kit.sandbox.path("none"))
        .env("AWS_ENDPOINT_URL", &moto().url);
    let out = run(&mut cmd);
    assert_eq!(caller_arn(&out), target, "{}", out.describe());
    assert!(out.stderr.is_empty(), "{}", out.describe());
    // The AWS CLI alone, through the same chain (base's keys from aws-auth's credential_process).
    let mut aws = kit.sandbox.command("aws");
    kit.fakes.apply(&mut aws);
    aws.env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", kit.sandbox.path("none"))
        .env("AWS_ENDPOINT_URL", &moto().url)
        .args([
            "sts",
            "get-caller-identity",
            "--profile",
            "target",
            "--query",
            "Arn",
            "--output",
            "text",
        ]);
    let cli = run(&mut aws);
    assert_eq!(caller_arn(&cli), target, "{}", cli.describe());
}

/// The chain's roles, each with its own settings, against the recording STS: the MFA code
/// goes with the first role, from the source keys; each next role is signed by the one
/// before; a duration over an hour is refused before any call.
#[test]
fn each_role_of_a_chain_is_sent_with_its_own_settings() {
    let kit = kit();
    kit.sandbox.write(
        "home/.aws/config",
        "[profile jump]\nrole_arn = arn:aws:iam::123456789012:role/jump\nsource_profile = base\n\
         mfa_serial = arn:aws:iam::123456789012:mfa/alice\nexternal_id = jump-ext\nrole_session_name = jumper\n\
         [profile target]\nrole_arn = arn:aws:iam::123456789012:role/target\nsource_profile = jump\n\
         role_session_name = tgt\n\
         [profile long]\nrole_arn = arn:aws:iam::123456789012:role/target\nsource_profile = jump\n\
         duration_seconds = 7200\n",
    );
    let mut cmd = kit.profile("target", &["--token-code", TOKEN_CODE]);
    with_config(&kit, &mut cmd);
    let out = run(&mut cmd);
    out.assert_success();
    let requests = kit.sts.requests();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    let field = |i: usize, name: &str| form_field(&requests[i], name);
    assert_eq!(
        field(0, "RoleArn").as_deref(),
        Some("arn:aws:iam::123456789012:role/jump")
    );
    assert_eq!(field(0, "ExternalId").as_deref(), Some("jump-ext"));
    assert_eq!(field(0, "RoleSessionName").as_deref(), Some("jumper"));
    assert_eq!(field(0, "TokenCode").as_deref(), Some(TOKEN_CODE));
    assert_eq!(
        signing_key_id(&requests[0]).as_deref(),
        Some(SOURCE_ACCESS_KEY_ID)
    );
    assert_eq!(
        field(1, "RoleArn").as_deref(),
        Some("arn:aws:iam::123456789012:role/target")
    );
    assert_eq!(field(1, "RoleSessionName").as_deref(), Some("tgt"));
    assert_eq!(field(1, "ExternalId"), None);
    assert_eq!(field(1, "TokenCode"), None);
    assert_eq!(
        signing_key_id(&requests[1]).as_deref(),
        Some(FakeCredentials::plain().access_key_id.as_str()),
        "signed by the first role's session"
    );

    let mut list = kit.aws_auth();
    list.arg("profiles");
    with_config(&kit, &mut list);
    let listing = run(&mut list);
    assert!(
        listing.stdout_str().contains(
            "arn:aws:iam::123456789012:role/jump -> arn:aws:iam::123456789012:role/target"
        ),
        "{}",
        listing.describe()
    );

    let mut cmd = kit.profile("long", &["--token-code", TOKEN_CODE]);
    with_config(&kit, &mut cmd);
    let out = run(&mut cmd);
    assert_clear_error(&out, 2, &["role chaining", "profile jump", "3600"]);
    assert_eq!(kit.sts.request_count(), 2, "nothing more was sent");
}

/// Regression: with no profiles.toml, `aws-auth profiles` failed (exit 1) although
/// ~/.aws/config has profiles; it lists them. With neither, the message names what to run
/// (an installed binary has no profiles.example.toml beside it).
#[test]
fn without_profiles_toml_the_listing_shows_the_config_file_s_profiles() {
    let kit = Kit::new();
    kit.sandbox.write("home/.aws/config", CONFIG);
    let mut list = kit.aws_auth();
    list.arg("profiles");
    with_config(&kit, &mut list);
    let listing = run(&mut list);
    listing.assert_success();
    let text = listing.stdout_str();
    assert!(text.starts_with("PROFILE"), "{text}");
    for name in ["prod", "bare", "both", "loop-a"] {
        assert!(
            text.lines()
                .any(|l| l.split_whitespace().next() == Some(name)),
            "no {name}:\n{text}"
        );
    }

    std::fs::remove_file(kit.sandbox.path("home/.aws/config")).unwrap();
    let mut list = kit.aws_auth();
    list.arg("profiles");
    with_config(&kit, &mut list);
    let out = run(&mut list);
    assert_clear_error(
        &out,
        1,
        &[
            "aws-auth add --profile NAME",
            "aws-auth import",
            "aws-auth profiles --example",
        ],
    );
    assert!(
        !out.stderr.contains("profiles.example.toml"),
        "{}",
        out.describe()
    );
    // A run names the same ways in.
    let out = run(&mut kit.profile("work", &[]));
    assert_clear_error(
        &out,
        1,
        &["aws-auth add --profile NAME", "aws-auth profiles --example"],
    );

    // The example is printed, and is a valid profiles file.
    let example = run(kit.aws_auth().args(["profiles", "--example"]));
    example.assert_success();
    let path = kit.profiles(example.stdout_str());
    let listed = run(kit.aws_auth().args(["profiles", "--config"]).arg(&path));
    listed.assert_success();
    for name in ["ops", "work"] {
        assert!(
            listed.stdout_str().lines().any(|l| l.starts_with(name)),
            "{}",
            listed.describe()
        );
    }
}
