//! 1Password in CI: `op` with a service account (OP_SERVICE_ACCOUNT_TOKEN) or a Connect server
//! (OP_CONNECT_HOST, OP_CONNECT_TOKEN), through the fake op (tests/fakes/op), which follows op's
//! words. The token reaches op in its environment only; a vault the account was not granted
//! is explained; two tokens never share a cached session.

use crate::support::profile_kit::*;
use crate::support::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/ci-role";
const TOKEN: &str = "ops_eyJzaWduSW5BZGRyZXNzIjoibXkuMXBhc3N3b3JkLmNvbSJ9ServiceAccountToken";

fn ci_kit() -> Kit {
    let kit = Kit::new();
    kit.fakes
        .op_field("CI/aws/AWS_ACCESS_KEY_ID", SOURCE_ACCESS_KEY_ID);
    kit.fakes
        .op_field("CI/aws/AWS_SECRET_ACCESS_KEY", SOURCE_SECRET_ACCESS_KEY);
    kit.fakes.op_field(
        "Private/aws-auth-ci/AWS_ACCESS_KEY_ID",
        SOURCE_ACCESS_KEY_ID,
    );
    kit.sandbox
        .write("fakes/op/.service-account-vaults", "CI\n");
    kit.profiles(&format!(
        "[profiles.ci]\naccess_key_id = \"op://CI/aws/AWS_ACCESS_KEY_ID\"\n\
         secret_access_key = \"op://CI/aws/AWS_SECRET_ACCESS_KEY\"\nrole_arn = \"{ROLE}\"\n\
         [profiles.personal]\nbackend = \"op\"\n"
    ));
    kit
}

#[test]
fn a_service_account_reads_its_vault_with_the_token_in_the_environment_only() {
    let kit = ci_kit();
    // The desktop app and `op signin` are not there: without the token, op is signed out.
    let out = run(
        without_terminal(kit.profile("ci", &[]).env("FAKE_LOGGED_OUT", "1"))
            .env("OP_SERVICE_ACCOUNT_TOKEN", TOKEN),
    );
    out.assert_success();
    assert!(kit.only_request().verified());
    assert_eq!(kit.fakes.calls_of("op").len(), 2);
    assert_absent(
        &kit.fakes.log(),
        &[TOKEN, SOURCE_SECRET_ACCESS_KEY],
        "argv log",
    );
    assert_absent(&out.stderr, &[TOKEN], "stderr");
}

#[test]
fn a_connect_server_is_reached_through_op_with_its_token_in_the_environment() {
    let kit = ci_kit();
    let token = "connect-token-eyJhbGciOiJFUzI1NiIsImtpZCI6InRlc3QifQ";
    run(
        without_terminal(kit.profile("ci", &[]).env("FAKE_LOGGED_OUT", "1"))
            .env("OP_CONNECT_HOST", "http://127.0.0.1:8080")
            .env("OP_CONNECT_TOKEN", token),
    )
    .assert_success();
    assert!(kit.only_request().verified());
    assert_absent(&kit.fakes.log(), &[token], "argv log");
}

#[test]
fn a_vault_not_granted_and_a_bad_token_are_explained() {
    let kit = ci_kit();
    let personal = run(kit
        .profile("personal", &["--token-code", TOKEN_CODE])
        .env("OP_SERVICE_ACCOUNT_TOKEN", TOKEN));
    assert_clear_error(
        &personal,
        1,
        &[
            "profile \"personal\"",
            "op://Private/aws-auth-personal",
            "isn't a vault",
            "service account",
            "never a personal vault",
        ],
    );
    let bad = run(kit
        .profile("ci", &[])
        .env("OP_SERVICE_ACCOUNT_TOKEN", "not-a-token"));
    assert_clear_error(
        &bad,
        1,
        &["profile \"ci\"", "not signed in", "start with ops_"],
    );
    assert_absent(&bad.stderr, &["not-a-token"], "stderr");
    assert!(kit.sts.requests().is_empty());
}

#[test]
fn two_service_accounts_never_share_a_cached_session() {
    let kit = ci_kit();
    let cached = |token: &str| {
        run(kit
            .profile("ci", &[])
            .env_remove("AWS_AUTH_NO_CACHE")
            .env("OP_SERVICE_ACCOUNT_TOKEN", token))
        .assert_success();
    };
    cached(TOKEN);
    cached(&format!("{TOKEN}2"));
    assert_eq!(kit.sts.requests().len(), 2, "each account its own session");
    cached(TOKEN);
    assert_eq!(
        kit.sts.requests().len(),
        2,
        "the first account's, from the cache"
    );
}
