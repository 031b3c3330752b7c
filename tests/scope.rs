//! Scoped sessions (`--policy`, `--policy-arn`, `--read-only`, `--source-identity`,
//! `--tag`, `--transitive-tag`, and the profile's fields): the exact parameters on the
//! strict STS (every signature checked) for the direct and the chained AssumeRole and for
//! login's GetFederationToken; the cache keeping scopes apart while the MFA session is
//! shared; serve refreshing with the same scope; the real AWS CLI under a scoped exec and
//! serve against moto; `--format sts`; and every bad value refused before any request.

use crate::support::federation::Federation;
use crate::support::sessions_rig::{Cache, ROLE, Rig};
use crate::support::strict_sts::{Call, StrictSts};
use crate::support::*;
use std::collections::BTreeMap;
use std::time::Duration;

/// A policy as a person writes it, and as STS gets it: packed to one line.
const POLICY: &str = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \
                      \"Action\": [\"s3:GetObject\", \"s3:ListBucket\"], \"Resource\": \"*\"}\n  ]\n}\n";
const PACKED: &str = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\
                      \"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],\"Resource\":\"*\"}]}";
const MANAGED: &str = "arn:aws:iam::123456789012:policy/s3-reader";
const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";

/// Every scope flag once (two tags, one of them transitive), the policy from `policy`.
fn every_flag(policy: &str) -> Vec<String> {
    [
        "--policy",
        policy,
        "--policy-arn",
        MANAGED,
        "--read-only",
        "--source-identity",
        "ci-agent@build",
        "--tag",
        "job=nightly build",
        "--tag",
        "team=data",
        "--transitive-tag",
        "team",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// What `every_flag` puts on the wire.
fn every_param() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Policy", PACKED),
        ("PolicyArns.member.1.arn", MANAGED),
        ("PolicyArns.member.2.arn", READ_ONLY),
        ("SourceIdentity", "ci-agent@build"),
        ("Tags.member.1.Key", "job"),
        ("Tags.member.1.Value", "nightly build"),
        ("Tags.member.2.Key", "team"),
        ("Tags.member.2.Value", "data"),
        ("TransitiveTagKeys.member.1", "team"),
    ]
}

/// `call` is `action` with exactly `params` (and Action, Version), verified and answered.
fn assert_exact(call: &Call, action: &str, params: &[(&str, &str)]) {
    let mut expected: BTreeMap<String, String> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    expected.insert("Action".into(), action.into());
    expected.insert("Version".into(), "2011-06-15".into());
    assert_eq!(call.params, expected, "{call:#?}");
    assert!(call.verified() && call.succeeded(), "{call:#?}");
}

#[test]
fn every_scope_parameter_is_sent_on_the_direct_and_the_chained_assume_role() {
    let rig = Rig::new(Cache::Kernel, StrictSts::start());
    let name = rig.profile("scoped", Some(ROLE), false, "");
    let policy = rig.sandbox.write("policy.json", POLICY);
    let flags = every_flag(policy.to_str().unwrap());
    let run_with = |extra: &[&str]| {
        let mut args: Vec<&str> = flags.iter().map(String::as_str).collect();
        args.extend_from_slice(extra);
        let mut cmd = rig.with_profile(&name, &args);
        cmd.env("USER", "scope.user");
        run(&mut without_terminal(&cmd))
    };
    // Direct: no cache, so the role is assumed from the keys with the code.
    run_with(&["--no-cache", "--token-code", "111111"]).assert_success();
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    let mut direct = vec![
        ("RoleArn", ROLE),
        ("RoleSessionName", "scope.user"),
        ("SerialNumber", SERIAL_NUMBER),
        ("TokenCode", "111111"),
    ];
    direct.extend(every_param());
    assert_exact(&calls[0], "AssumeRole", &direct);
    assert_eq!(calls[0].signer(), SOURCE_ACCESS_KEY_ID);

    // Chained through the cached MFA session: GetSessionToken carries none of the scope,
    // the role call all of it.
    run_with(&["--token-code", "222222"]).assert_success();
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 3, "{calls:#?}");
    assert_exact(
        &calls[1],
        "GetSessionToken",
        &[
            ("DurationSeconds", "43200"),
            ("SerialNumber", SERIAL_NUMBER),
            ("TokenCode", "222222"),
        ],
    );
    let mut chained = vec![("RoleArn", ROLE), ("RoleSessionName", "scope.user")];
    chained.extend(every_param());
    assert_exact(&calls[2], "AssumeRole", &chained);
    assert_eq!(calls[2].signer(), rig.sts.issued()[1].access_key_id);
}

/// Scoping is part of what a cached session answers: a scoped session never answers an
/// unscoped run or another scope (and the other way round), while the MFA session is one
/// for all of them, so no scope asks for a new code.
#[test]
fn scopes_are_cached_apart_and_share_the_mfa_session() {
    let rig = Rig::new(Cache::Kernel, StrictSts::start());
    let name = rig.profile("scope-cache", Some(ROLE), false, "");
    let runs: [(&[&str], usize); 6] = [
        (&["--read-only", "--token-code", "333333"], 2),
        (&[], 1),
        (&["--read-only"], 0),
        (&["--tag", "job=a"], 1),
        (&["--tag", "job=b"], 1),
        (&[], 0),
    ];
    for (args, calls) in runs {
        let before = rig.sts.total();
        let out = rig.run(&name, args);
        out.assert_success();
        assert_eq!(
            rig.sts.total() - before,
            calls,
            "{args:?}\n{}",
            out.describe()
        );
    }
    assert_eq!(rig.sts.count("GetSessionToken"), 1);
    assert_eq!(rig.sts.coded_calls().len(), 1);
    let scoped: Vec<bool> = rig
        .sts
        .calls_of("AssumeRole")
        .iter()
        .map(|c| c.has("PolicyArns.member.1.arn") || c.has("Tags.member.1.Key"))
        .collect();
    assert_eq!(scoped, [true, false, true, true]);
}

/// A profile's own scope fields, read as the flags are; a flag group replaces the profile's.
#[test]
fn a_profile_s_scope_is_sent_and_a_flag_replaces_its_policies() {
    let rig = Rig::new(Cache::Off, StrictSts::start());
    rig.sandbox
        .write("home/.config/aws-auth/agent.json", POLICY);
    let name = rig.profile(
        "scope-profile",
        Some(ROLE),
        false,
        "policy_file = \"agent.json\"\nread_only = true\nsource_identity = \"agent\"\n\
         tags = { purpose = \"agent\" }\n",
    );
    rig.run(&name, &["--token-code", "444444"]).assert_success();
    rig.run(&name, &["--token-code", "555555", "--policy-arn", MANAGED])
        .assert_success();
    let calls = rig.sts.calls_of("AssumeRole");
    let scope_of = |call: &Call| -> Vec<(String, String)> {
        call.params
            .iter()
            .filter(|(k, _)| {
                ![
                    "Action",
                    "Version",
                    "RoleArn",
                    "RoleSessionName",
                    "SerialNumber",
                    "TokenCode",
                ]
                .contains(&k.as_str())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = list
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        scope_of(&calls[0]),
        pairs(&[
            ("Policy", PACKED),
            ("PolicyArns.member.1.arn", READ_ONLY),
            ("SourceIdentity", "agent"),
            ("Tags.member.1.Key", "purpose"),
            ("Tags.member.1.Value", "agent"),
        ])
    );
    assert_eq!(
        scope_of(&calls[1]),
        pairs(&[
            ("PolicyArns.member.1.arn", MANAGED),
            ("SourceIdentity", "agent"),
            ("Tags.member.1.Key", "purpose"),
            ("Tags.member.1.Value", "agent"),
        ])
    );
}

fn login(sandbox: &Sandbox, sts: &StrictSts, fed: &Federation, args: &[&str]) -> Run {
    let mut cmd = sandbox.aws_auth_with_keys(&sts.url());
    cmd.env("AWS_AUTH_SIGNIN_URL", fed.url())
        .env("USER", "fed.user")
        .args(["login", "--print"])
        .args(args);
    run(&mut cmd)
}

/// login without a role: GetFederationToken gets the scope's policies in place of the
/// allow-all one (STS allows what any one session policy allows, so the two together would
/// grant everything), and its tags; what it cannot carry is refused before any request.
#[test]
fn login_without_a_role_sends_the_scope_in_place_of_the_allow_all_policy() {
    let sandbox = Sandbox::new();
    let fed = Federation::start(false);
    let sts = StrictSts::start();
    login(&sandbox, &sts, &fed, &["--read-only", "--tag", "team=data"]).assert_success();
    login(&sandbox, &sts, &fed, &[]).assert_success();
    let calls = sts.calls_of("GetFederationToken");
    assert_eq!(calls.len(), 2, "{calls:#?}");
    assert_exact(
        &calls[0],
        "GetFederationToken",
        &[
            ("Name", "fed.user"),
            ("DurationSeconds", "43200"),
            ("PolicyArns.member.1.arn", READ_ONLY),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "data"),
        ],
    );
    assert_exact(
        &calls[1],
        "GetFederationToken",
        &[
            ("Name", "fed.user"),
            ("DurationSeconds", "43200"),
            (
                "Policy",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            ),
        ],
    );
    for refused in [
        &["--source-identity", "agent"][..],
        &["--tag", "team=data", "--transitive-tag", "team"][..],
    ] {
        let out = login(&sandbox, &sts, &fed, refused);
        out.assert_failure(2);
        assert!(out.stdout.is_empty());
        assert!(
            out.stderr
                .contains("takes no source identity and no transitive tags"),
            "{}",
            out.describe()
        );
    }
    assert_eq!(sts.total(), 2, "nothing was sent for the refused runs");
}

/// serve refreshes with the scope it started with (the endpoint's answer says nothing of it).
#[test]
fn serve_refreshes_with_the_same_scope() {
    let sandbox = Sandbox::new();
    // Role sessions of --min-ttl and 2 s more: a refresh is due almost at once.
    let sts = StrictSts::builder().role_lifetime(902).start();
    let mut cmd = sandbox.aws_auth_with_keys(&sts.url());
    cmd.args([
        "serve",
        "--role-arn",
        ROLE,
        "--min-ttl",
        "900",
        "--read-only",
        "--tag",
        "job=serve",
        "--",
        "sleep",
        "6",
    ]);
    run(&mut cmd).assert_success();
    let calls = sts.calls_of("AssumeRole");
    assert!(calls.len() >= 2, "a refresh happened: {calls:#?}");
    for call in &calls {
        assert_eq!(
            call.param("PolicyArns.member.1.arn"),
            Some(READ_ONLY),
            "{call:#?}"
        );
        assert_eq!(
            call.param("Tags.member.1.Value"),
            Some("serve"),
            "{call:#?}"
        );
    }
}

/// moto takes the same requests, and the real AWS CLI works as the role under a scoped exec
/// (credentials in its environment) and a scoped serve (the endpoint).
#[test]
fn the_aws_cli_works_under_a_scoped_exec_and_serve() {
    let sandbox = Sandbox::new();
    let policy = sandbox.write("policy.json", POLICY);
    let role = role_arn("scoped-cli");
    let who = "aws sts get-caller-identity --query Arn --output text";
    for mode in ["exec", "serve"] {
        let mut cmd = sandbox.aws_auth_with_keys(&moto().url);
        cmd.env("AWS_DEFAULT_REGION", "us-east-1").args([
            mode,
            "--role-arn",
            &role,
            "--role-session-name",
            mode,
            "--policy",
            policy.to_str().unwrap(),
            "--read-only",
            "--source-identity",
            "cli-agent",
            "--tag",
            "mode=cli",
            "--",
            "sh",
            "-c",
            who,
        ]);
        let out = run(&mut cmd);
        out.assert_success();
        assert_eq!(
            caller_arn(&out),
            assumed_role_arn("scoped-cli", mode),
            "{mode}"
        );
    }
}

/// `--format sts`: the `{"Credentials": {...}}` that `aws sts assume-role` prints, with what
/// STS issued.
#[test]
fn format_sts_prints_what_aws_sts_assume_role_prints() {
    let sandbox = Sandbox::new();
    let sts = StrictSts::start();
    let mut cmd = sandbox.aws_auth_with_keys(&sts.url());
    cmd.args(["--role-arn", ROLE, "--format", "sts"]);
    let out = run(&mut cmd);
    out.assert_success();
    let issued = &sts.issued()[0];
    let parse = format!(
        "import json,sys; c=json.load(sys.stdin)['Credentials']; \
         print(sorted(c) == ['AccessKeyId','Expiration','SecretAccessKey','SessionToken'], \
         c['AccessKeyId'] == {:?}, c['SecretAccessKey'] == {:?}, c['SessionToken'] == {:?}, \
         c['Expiration'] == {:?})",
        issued.access_key_id, issued.secret_access_key, issued.session_token, issued.expiration
    );
    let mut python = sandbox.command("python3");
    python.args(["-c", &parse]);
    let checked = run_with_stdin(&mut python, &out.stdout, Duration::from_secs(30));
    checked.assert_success();
    assert_eq!(checked.stdout_str(), "True True True True True\n");
}

/// Each bad value (and a scope with no role) is refused with its own message, exit 2, stdout
/// empty, and nothing sent.
#[test]
fn bad_scopes_are_refused_before_any_request() {
    let sandbox = Sandbox::new();
    let sts = StrictSts::start();
    let not_json = sandbox.write("not.json", "{\"Statement\": [}");
    let eleven: Vec<String> = (0..11)
        .flat_map(|n| {
            [
                "--policy-arn".to_owned(),
                format!("arn:aws:iam::123456789012:policy/p{n}"),
            ]
        })
        .collect();
    let long_value = format!("k={}", "v".repeat(257));
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--policy".into(), not_json.to_str().unwrap().into()],
            "--policy: the policy in",
        ),
        (vec!["--tag".into(), "team".into()], "has no '='"),
        (
            vec!["--tag".into(), long_value],
            "at most 256 characters long (got 257)",
        ),
        (eleven, "11 managed session policies"),
        (
            vec!["--source-identity".into(), "a".repeat(65)],
            "must be 2 to 64 characters long (got 65)",
        ),
        (
            vec!["--transitive-tag".into(), "team".into()],
            "is not the key of a tag given with it",
        ),
        (
            vec!["--policy-arn".into(), ROLE.into()],
            "is not an IAM policy ARN",
        ),
    ];
    for (args, expected) in cases {
        let mut cmd = sandbox.aws_auth_with_keys(&sts.url());
        cmd.args(["--role-arn", ROLE]).args(&args);
        let out = run(&mut cmd);
        out.assert_failure(2);
        assert!(out.stdout.is_empty(), "{}", out.describe());
        assert!(
            out.stderr.contains(expected),
            "{args:?}\n{}",
            out.describe()
        );
    }
    // No role: said, with how to add one, never dropped.
    let mut cmd = sandbox.aws_auth_with_keys(&sts.url());
    cmd.args(["--read-only", "--tag", "a=b"]);
    let out = run(&mut cmd);
    out.assert_failure(2);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains(
            "--read-only, --tag scope a role session, and there is no role: GetSessionToken takes no \
             session policy"
        ) && out.stderr.contains("pass --role-arn ARN"),
        "{}",
        out.describe()
    );
    assert_eq!(sts.total(), 0, "{:#?}", sts.requests());
}

/// `--policy -` reads the policy from stdin (and refuses a terminal there).
#[test]
fn a_policy_comes_from_stdin() {
    let sandbox = Sandbox::new();
    let sts = StrictSts::start();
    let mut cmd = sandbox.aws_auth_with_keys(&sts.url());
    cmd.args(["--role-arn", ROLE, "--policy", "-"]);
    run_with_stdin(&mut cmd, POLICY.as_bytes(), Duration::from_secs(60)).assert_success();
    assert_eq!(sts.calls_of("AssumeRole")[0].param("Policy"), Some(PACKED));
    let mut cmd = sandbox.aws_auth_with_keys(&sts.url());
    cmd.args(["--role-arn", ROLE, "--policy", "-"]);
    let (stdout, stderr) = (sandbox.path("out"), sandbox.path("err"));
    let out = run(&mut in_terminal(&cmd, &stdout, &stderr));
    assert_eq!(out.code, Some(2), "{}", out.describe());
    let said = std::fs::read_to_string(&stderr).unwrap();
    assert!(said.contains("--policy: stdin is a terminal"), "{said}");
    assert_eq!(std::fs::read_to_string(&stdout).unwrap(), "");
    assert_eq!(sts.calls_of("AssumeRole").len(), 1, "nothing more was sent");
}
