//! What a user's own limits do to the session cache, as a throwaway non-root user of the
//! test's own (the suite runs as root, whose key quota is a thousand times larger): a full
//! kernel key quota makes room by dropping the sessions that last least, and when even that
//! cannot make room the warning names the quota and how to raise it.

use crate::support::other_user::OtherUser;
use crate::support::*;

/// A session token as long as real role tokens get (about 1.2 KB), so a dozen entries fill
/// the default 20,000-byte quota.
fn long_token(n: usize) -> String {
    format!("{n:04}{}", "T".repeat(1200))
}

/// Regression (second review, item 7): after about twelve sessions the non-root quota was
/// full, and every later run warned and asked STS (and for a code) again.
#[test]
fn a_full_kernel_key_quota_drops_the_sessions_that_last_least() {
    let user = OtherUser::new();
    let names: Vec<String> = (0..20).map(|n| format!("q{n}")).collect();
    let toml: String = names
        .iter()
        .map(|n| {
            format!("[profiles.{n}]\naccess_key_id = \"{SOURCE_ACCESS_KEY_ID}\"\nsecret_access_key = \"env:Q_SECRET\"\n")
        })
        .collect();
    user.write(".config/aws-auth/profiles.toml", &toml);
    let aws_auth = |server: &HostileSts, args: &[&str]| {
        let url = server.url();
        let env = [
            ("Q_SECRET", SOURCE_SECRET_ACCESS_KEY),
            ("AWS_ENDPOINT_URL", url.as_str()),
            ("AWS_AUTH_CACHE_STORE", "kernel-keyring"),
        ];
        run(&mut user.command(aws_auth_bin(), args, &env))
    };
    for (n, name) in names.iter().enumerate() {
        let server = HostileSts::always(Reply::Credentials(FakeCredentials {
            session_token: long_token(n),
            ..FakeCredentials::plain()
        }));
        let out = aws_auth(&server, &["--profile", name]);
        out.assert_success();
        assert!(
            !out.stderr.contains("warning"),
            "{name}: {}",
            out.describe()
        );
    }
    let quiet = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let status = aws_auth(&quiet, &["cache", "status"]);
    status.assert_success();
    assert!(
        status
            .stdout_str()
            .contains("quota: the user's kernel key quota:"),
        "{}",
        status.describe()
    );
    let list = aws_auth(&quiet, &["cache", "list"]);
    list.assert_success();
    let listed = list.stdout_str();
    // The last sessions made are kept; the quota holds fewer than twenty.
    assert!(
        listed.contains("q19\t") && listed.contains("q18\t"),
        "{listed}"
    );
    assert!(listed.lines().count() < 21, "{listed}");

    // One session larger than the whole quota: nothing can make room. The run still
    // succeeds, and says why there is no cache and how to raise the quota.
    let huge = HostileSts::always(Reply::Credentials(FakeCredentials {
        session_token: "H".repeat(30_000),
        ..FakeCredentials::plain()
    }));
    let out = aws_auth(&huge, &["--profile", "q0", "--no-cache"]);
    out.assert_success();
    let out = aws_auth(&huge, &["--profile", "q1"]);
    out.assert_success();
    assert!(
        out.stderr.contains("quota is full") && out.stderr.contains("kernel.keys.maxbytes"),
        "{}",
        out.describe()
    );
    aws_auth(&quiet, &["cache", "clear"]).assert_success();
}
