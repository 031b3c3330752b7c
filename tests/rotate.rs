//! `aws-auth rotate` against moto's IAM and STS, with the keys in a real pass store: the old
//! key gone from IAM, exactly one new key, the entry holding it with its other lines kept; a
//! user at two keys refused with nothing changed; and a failure injected between each pair
//! of steps (a proxy in front of moto answering one call with an AWS error, or a pass store
//! that can no longer encrypt) leaving a working key stored.

use crate::support::aws_proxy::{AwsProxy, Fault};
use crate::support::profile_kit::{Kit, assert_dropped_from_cache, otpauth_line};
use crate::support::*;
use std::os::unix::fs::PermissionsExt;

/// The AWS CLI against moto, signed with `keys`, text output.
fn aws(kit: &Kit, keys: (&str, &str), args: &[&str]) -> Run {
    let mut cmd = kit.sandbox.command("aws");
    cmd.env("AWS_ACCESS_KEY_ID", keys.0)
        .env("AWS_SECRET_ACCESS_KEY", keys.1)
        .env("AWS_ENDPOINT_URL", &moto().url)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", kit.sandbox.path("no-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            kit.sandbox.path("no-credentials"),
        )
        .args(args)
        .args(["--output", "text"]);
    run(&mut cmd)
}

const ADMIN: (&str, &str) = ("AKIAAWSAUTHTESTADMIN", "admin-secret");

/// An IAM user in moto with one access key: (user, key id, secret).
fn user_with_key(kit: &Kit, prefix: &str) -> (String, String, String) {
    let user = unique(prefix);
    aws(kit, ADMIN, &["iam", "create-user", "--user-name", &user]).assert_success();
    let (id, secret) = new_key(kit, &user);
    (user, id, secret)
}

fn new_key(kit: &Kit, user: &str) -> (String, String) {
    let run = aws(
        kit,
        ADMIN,
        &[
            "iam",
            "create-access-key",
            "--user-name",
            user,
            "--query",
            "[AccessKey.AccessKeyId,AccessKey.SecretAccessKey]",
        ],
    );
    run.assert_success();
    let mut parts = run.stdout_str().split_whitespace();
    (
        parts.next().unwrap().to_owned(),
        parts.next().unwrap().to_owned(),
    )
}

/// The user's access key ids, sorted.
fn keys_of(kit: &Kit, user: &str) -> Vec<String> {
    let run = aws(
        kit,
        ADMIN,
        &[
            "iam",
            "list-access-keys",
            "--user-name",
            user,
            "--query",
            "AccessKeyMetadata[].AccessKeyId",
        ],
    );
    run.assert_success();
    let mut keys: Vec<String> = run
        .stdout_str()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    keys.sort();
    keys
}

/// Who moto says a key belongs to (an unknown key is moto's default user).
fn caller_of(kit: &Kit, keys: (&str, &str)) -> String {
    caller_arn(&aws(
        kit,
        keys,
        &["sts", "get-caller-identity", "--query", "Arn"],
    ))
}

fn user_arn(user: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{user}")
}

/// A pass entry in the one-entry layout with lines rotate must keep.
fn entry(secret: &str, id: &str) -> String {
    format!(
        "{secret}\naws_access_key_id: {id}\nmfa_serial: {SERIAL_NUMBER}\n{}\nnotes: the ops account, keep me\n",
        otpauth_line()
    )
}

/// A kit with a real pass store holding the user's key for profile `work`.
fn kit_for(id: &str, secret: &str) -> Kit {
    let kit = Kit::with_pass();
    kit.pass_insert("aws-auth/work", &entry(secret, id));
    kit.profiles("[profiles.work]\nbackend = \"pass\"\n");
    kit
}

fn rotate(kit: &Kit, endpoint: &str, extra: &[&str]) -> Run {
    let mut cmd = kit.aws_auth();
    cmd.env("AWS_ENDPOINT_URL", endpoint)
        .args(["rotate", "--profile", "work"])
        .args(extra);
    run_limited(&mut cmd, std::time::Duration::from_secs(90))
}

/// The entry's text as pass shows it.
fn stored(kit: &Kit) -> String {
    let run = kit.pass().show(&kit.sandbox, "aws-auth/work");
    run.assert_success();
    run.stdout_str().to_owned()
}

/// (id, secret) from an entry in the one-entry layout.
fn keys_in(text: &str) -> (String, String) {
    let secret = text.lines().next().unwrap().to_owned();
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("aws_access_key_id: "))
        .unwrap()
        .to_owned();
    (id, secret)
}

#[test]
fn the_old_key_is_replaced_by_exactly_one_new_key_that_the_entry_holds() {
    let probe = Kit::new();
    let (user, old_id, old_secret) = user_with_key(&probe, "rot-ok");
    let kit = kit_for(&old_id, &old_secret);
    let run = rotate(&kit, &moto().url, &[]);
    run.assert_success();
    assert!(run.stdout.is_empty(), "{}", run.describe());
    let after = stored(&kit);
    let (new_id, new_secret) = keys_in(&after);
    assert_ne!(new_id, old_id);
    assert_eq!(
        keys_of(&kit, &user),
        std::slice::from_ref(&new_id),
        "one key, the new one"
    );
    assert_eq!(
        after,
        entry(&new_secret, &new_id),
        "every other line of the entry is kept"
    );
    assert_eq!(caller_of(&kit, (&new_id, &new_secret)), user_arn(&user));
    assert_ne!(
        caller_of(&kit, (&old_id, &old_secret)),
        user_arn(&user),
        "the old key no longer belongs to the user"
    );
    assert!(
        run.stderr.contains(&format!(
            "{new_id} of IAM user {user} is stored in pass:aws-auth/work and works"
        )),
        "{}",
        run.describe()
    );
    assert!(
        !run.stderr.as_str().contains(&new_secret),
        "{}",
        run.describe()
    );
    assert!(
        !run.stderr.as_str().contains(&old_secret),
        "{}",
        run.describe()
    );
    // The profile works with the new key: the AWS CLI as credential_process.
    let mut cmd = kit.sandbox.command("aws");
    kit.env(&mut cmd);
    let config = kit.sandbox.write(
        "aws-config",
        format!(
            "[profile p]\ncredential_process = {} --profile work --format json --no-cache\nregion = us-east-1\n",
            aws_auth_bin().display()
        ),
    );
    cmd.env("AWS_ENDPOINT_URL", &moto().url)
        .env("AWS_CONFIG_FILE", config)
        .env("AWS_PROFILE", "p")
        .args([
            "sts",
            "get-caller-identity",
            "--query",
            "Arn",
            "--output",
            "text",
        ]);
    let run = run_limited(&mut cmd, std::time::Duration::from_secs(60));
    assert!(
        caller_arn(&run).starts_with(&format!("arn:aws:sts::{ACCOUNT}:")),
        "{}",
        run.describe()
    );
}

#[test]
fn separate_keyring_items_are_each_rewritten() {
    let probe = Kit::new();
    let (user, old_id, old_secret) = user_with_key(&probe, "rot-keyring");
    let kit = Kit::new();
    let bus = crate::support::secret_service::SecretService::start(&kit.sandbox);
    let set = |account: &str, value: &str| bus.store(&kit.sandbox, "rot", account, value);
    let get = |account: &str| bus.lookup(&kit.sandbox, "rot", account).unwrap();
    set("id", &old_id);
    set("secret", &old_secret);
    kit.profiles(
        "[profiles.work]\naccess_key_id = \"keyring:rot/id\"\nsecret_access_key = \"keyring:rot/secret\"\n",
    );
    let mut cmd = kit.aws_auth();
    bus.env(&mut cmd);
    cmd.env("AWS_ENDPOINT_URL", &moto().url)
        .args(["rotate", "--profile", "work"]);
    let run = run_limited(&mut cmd, std::time::Duration::from_secs(90));
    run.assert_success();
    let (new_id, new_secret) = (get("id"), get("secret"));
    assert_eq!(keys_of(&kit, &user), std::slice::from_ref(&new_id));
    assert_eq!(caller_of(&kit, (&new_id, &new_secret)), user_arn(&user));
}

/// gopass (the fake, which follows gopasspw's CLI) with the profile's own references: the
/// key id on a line of another name, a note line kept.
#[test]
fn a_gopass_entry_is_rewritten_in_place() {
    let probe = Kit::new();
    let (user, old_id, old_secret) = user_with_key(&probe, "rot-gopass");
    let kit = Kit::new();
    let text = |secret: &str, id: &str| format!("{secret}\nnote: ops\nkey: {id}\n");
    kit.fakes
        .gopass_entry("aws/ops", &text(&old_secret, &old_id));
    kit.profiles(
        "[profiles.work]\naccess_key_id = \"gopass:aws/ops#key\"\nsecret_access_key = \"gopass:aws/ops\"\n",
    );
    let run = rotate(&kit, &moto().url, &[]);
    run.assert_success();
    let after = kit.fakes.gopass_entry_text("aws/ops").unwrap();
    let new_secret = after.lines().next().unwrap().to_owned();
    let new_id = after
        .lines()
        .nth(2)
        .unwrap()
        .strip_prefix("key: ")
        .unwrap()
        .to_owned();
    assert_eq!(after, text(&new_secret, &new_id));
    assert_eq!(keys_of(&kit, &user), std::slice::from_ref(&new_id));
    assert_eq!(caller_of(&kit, (&new_id, &new_secret)), user_arn(&user));
    // The entry went to gopass on stdin: no argv holds a secret.
    let argv = kit.fakes.log();
    assert!(
        !argv.contains(&new_secret) && !argv.contains(&old_secret),
        "{argv}"
    );
    let inserts: Vec<&str> = argv
        .lines()
        .filter(|l| l.starts_with("gopass\tinsert"))
        .collect();
    assert_eq!(
        inserts,
        ["gopass\tinsert\t-f\taws/ops"],
        "one write of the one entry"
    );
}

#[test]
fn a_passage_entry_is_rewritten_through_passage_and_read_with_age() {
    let probe = Kit::new();
    let (user, old_id, old_secret) = user_with_key(&probe, "rot-passage");
    let kit = Kit::new();
    let store = crate::support::passage_store::PassageStore::new(&kit.sandbox);
    store.insert(&kit.sandbox, "aws-auth/work", &entry(&old_secret, &old_id));
    kit.profiles("[profiles.work]\nbackend = \"passage\"\n");
    rotate(&kit, &moto().url, &[]).assert_success();
    let after = store.show(&kit.sandbox, "aws-auth/work").unwrap();
    let (new_id, new_secret) = keys_in(&after);
    assert_ne!(new_id, old_id);
    assert_eq!(after, entry(&new_secret, &new_id), "the other lines kept");
    assert_eq!(keys_of(&kit, &user), std::slice::from_ref(&new_id));
    assert_eq!(caller_of(&kit, (&new_id, &new_secret)), user_arn(&user));
    let argv = kit.fakes.log();
    assert!(
        !argv.contains(&new_secret) && !argv.contains(&old_secret),
        "{argv}"
    );
}

#[test]
fn a_user_at_two_keys_is_refused_with_nothing_changed() {
    let probe = Kit::new();
    let (user, old_id, old_secret) = user_with_key(&probe, "rot-two");
    let (other_id, _) = new_key(&probe, &user);
    let kit = kit_for(&old_id, &old_secret);
    let before = stored(&kit);
    let run = rotate(&kit, &moto().url, &[]);
    run.assert_failure(1);
    assert!(run.stdout.is_empty());
    let err = run.stderr.as_str();
    assert!(err.contains("already has two access keys"), "{err}");
    assert!(
        err.contains(&format!(
            "aws iam delete-access-key --user-name {user} --access-key-id {other_id}"
        )),
        "{err}"
    );
    let mut both = vec![old_id, other_id];
    both.sort();
    assert_eq!(keys_of(&kit, &user), both);
    assert_eq!(stored(&kit), before);
}

/// Fails one step through the proxy; the stored key must still work afterwards.
fn with_fault(
    prefix: &str,
    fault: impl FnOnce(&str) -> Fault,
) -> (Kit, Run, String, String, String) {
    let probe = Kit::new();
    let (user, old_id, old_secret) = user_with_key(&probe, prefix);
    let kit = kit_for(&old_id, &old_secret);
    let proxy = AwsProxy::start(moto().port, vec![fault(&old_id)]);
    let run = rotate(&kit, &proxy.url(), &["--verify-timeout", "1"]);
    (kit, run, user, old_id, old_secret)
}

/// The key the entry holds is the user's and works.
fn stored_key_works(kit: &Kit, user: &str) -> (String, String) {
    let (id, secret) = keys_in(&stored(kit));
    assert_eq!(caller_of(kit, (&id, &secret)), user_arn(user));
    (id, secret)
}

#[test]
fn a_refused_create_changes_nothing() {
    let (kit, run, user, old_id, old_secret) = with_fault("rot-create", |_| {
        Fault::always("CreateAccessKey", 409, "LimitExceeded")
    });
    run.assert_failure(1);
    assert!(
        run.stderr.as_str().contains("nothing was changed"),
        "{}",
        run.describe()
    );
    assert_eq!(stored(&kit), entry(&old_secret, &old_id));
    assert_eq!(keys_of(&kit, &user), [old_id]);
    stored_key_works(&kit, &user);
}

#[test]
fn a_refused_list_changes_nothing() {
    let (kit, run, user, old_id, old_secret) = with_fault("rot-list", |_| {
        Fault::always("ListAccessKeys", 403, "AccessDenied")
    });
    run.assert_failure(1);
    let err = run.stderr.as_str();
    assert!(
        err.contains("AccessDenied") && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(stored(&kit), entry(&old_secret, &old_id));
    assert_eq!(keys_of(&kit, &user), [old_id]);
}

#[test]
fn a_new_key_sts_never_accepts_is_deleted_and_the_old_one_put_back() {
    let (kit, run, user, old_id, old_secret) = with_fault("rot-verify", |old| Fault {
        unless_signed_by: Some(old.to_owned()),
        ..Fault::always("GetCallerIdentity", 403, "InvalidClientTokenId")
    });
    run.assert_failure(1);
    let err = run.stderr.as_str();
    assert!(err.contains("did not accept the new key"), "{err}");
    assert!(err.contains("is back in"), "{err}");
    assert_eq!(
        stored(&kit),
        entry(&old_secret, &old_id),
        "the entry is as it was, byte for byte"
    );
    assert_eq!(keys_of(&kit, &user), [old_id]);
    stored_key_works(&kit, &user);
}

#[test]
fn the_new_key_is_checked_again_while_iam_propagates() {
    let probe = Kit::new();
    let (user, old_id, old_secret) = user_with_key(&probe, "rot-propagate");
    let kit = kit_for(&old_id, &old_secret);
    let proxy = AwsProxy::start(
        moto().port,
        vec![Fault {
            unless_signed_by: Some(old_id.clone()),
            times: 2,
            ..Fault::always("GetCallerIdentity", 403, "InvalidClientTokenId")
        }],
    );
    let run = rotate(&kit, &proxy.url(), &["--verify-timeout", "20"]);
    run.assert_success();
    let (new_id, _) = stored_key_works(&kit, &user);
    assert_eq!(keys_of(&kit, &user), [new_id]);
    let checks = proxy
        .actions()
        .iter()
        .filter(|a| *a == "GetCallerIdentity")
        .count();
    assert_eq!(
        checks,
        4,
        "one for the old key, three for the new: {:?}",
        proxy.actions()
    );
    // The profile has an MFA device: IAM is called with an MFA session, made right after
    // the user is known, and the old key goes last.
    let calls = proxy.calls();
    let order: Vec<&str> = calls.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        order,
        [
            "GetCallerIdentity",
            "GetSessionToken",
            "ListAccessKeys",
            "CreateAccessKey",
            "GetCallerIdentity",
            "GetCallerIdentity",
            "GetCallerIdentity",
            "DeleteAccessKey"
        ]
    );
    for (action, key) in &calls {
        let key = key.as_deref().unwrap_or_default();
        match action.as_str() {
            "ListAccessKeys" | "CreateAccessKey" | "DeleteAccessKey" => {
                // moto's sessions have fixed example keys: not the old key is what shows.
                assert!(
                    !key.is_empty() && key != old_id,
                    "{action} signed by {key}, not by the MFA session"
                )
            }
            "GetSessionToken" => assert_eq!(key, old_id),
            _ => {}
        }
    }
}

#[test]
fn a_refused_delete_of_the_old_key_leaves_the_new_one_stored_and_says_so() {
    let (kit, run, user, old_id, _) = with_fault("rot-delete", |_| {
        Fault::always("DeleteAccessKey", 403, "AccessDenied")
    });
    run.assert_failure(1);
    let (new_id, _) = stored_key_works(&kit, &user);
    let err = run.stderr.as_str();
    assert!(
        err.contains(&format!("the new key {new_id} is stored")) && err.contains("works"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "aws iam delete-access-key --user-name {user} --access-key-id {old_id}"
        )),
        "{err}"
    );
    let mut both = vec![old_id, new_id];
    both.sort();
    assert_eq!(keys_of(&kit, &user), both);
}

#[test]
fn a_store_that_cannot_take_the_new_key_leaves_the_old_one_and_iam_as_they_were() {
    let probe = Kit::new();
    let (user, old_id, old_secret) = user_with_key(&probe, "rot-store");
    let kit = kit_for(&old_id, &old_secret);
    // pass can still decrypt the entry, but no longer encrypt one: a recipient with no key.
    std::fs::write(
        kit.pass().store_dir().join(".gpg-id"),
        "nobody-at-all@example.invalid\n",
    )
    .unwrap();
    let run = rotate(&kit, &moto().url, &[]);
    run.assert_failure(1);
    let err = run.stderr.as_str();
    assert!(err.contains("could not be written"), "{err}");
    assert!(err.contains("was deleted from IAM again"), "{err}");
    assert!(
        err.contains(&format!("still holds the old key {old_id}")),
        "pass changed nothing, so nothing needed putting back: {err}"
    );
    assert_eq!(stored(&kit), entry(&old_secret, &old_id));
    assert_eq!(keys_of(&kit, &user), [old_id]);
    stored_key_works(&kit, &user);
}

#[test]
fn backends_rotate_cannot_write_are_refused_before_any_call() {
    let kit = Kit::new();
    kit.profiles(
        "[profiles.work]\naccess_key_id = \"lpass:aws#id\"\nsecret_access_key = \"lpass:aws#secret\"\n",
    );
    let run = rotate(&kit, &kit.sts.url(), &[]);
    run.assert_failure(2);
    let err = run.stderr.as_str();
    assert!(
        err.contains("lpass:aws#id") && err.contains("only to pass, gopass"),
        "{err}"
    );
    assert_eq!(kit.sts.request_count(), 0);
    assert!(kit.fakes.calls_of("lpass").is_empty(), "nothing read");
}

/// What rotate refuses before it changes anything, each with its own message and exit 2:
/// a wait out of range, both keys in one keyring item, and a key that is not an IAM user's (moto answers an unknown key as its default `sts` user).
#[test]
fn what_cannot_be_rotated_is_refused_before_any_change() {
    let kit = kit_for(SOURCE_ACCESS_KEY_ID, SOURCE_SECRET_ACCESS_KEY);
    let before = stored(&kit);
    for wait in ["0", "301"] {
        let run = rotate(&kit, &kit.sts.url(), &["--verify-timeout", wait]);
        run.assert_failure(2);
        assert!(
            run.stderr.contains("--verify-timeout") && run.stderr.contains("out of range"),
            "{}",
            run.describe()
        );
    }
    assert_eq!(kit.sts.request_count(), 0);

    // A code with no device to go with.
    let plain = Kit::with_pass();
    plain.pass_insert(
        "aws-auth/work",
        &format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n"),
    );
    plain.profiles("[profiles.work]\nbackend = \"pass\"\n");
    let run = rotate(&plain, &plain.sts.url(), &["--token-code", TOKEN_CODE]);
    run.assert_failure(2);
    assert!(
        run.stderr.contains("--token-code needs an MFA device"),
        "{}",
        run.describe()
    );
    assert_eq!(plain.sts.request_count(), 0);

    // SOURCE_ACCESS_KEY_ID is no IAM user's key at moto.
    let run = rotate(&kit, &moto().url, &[]);
    run.assert_failure(2);
    assert!(
        run.stderr.contains("not to an IAM user"),
        "{}",
        run.describe()
    );
    assert_eq!(stored(&kit), before);

    let kit = Kit::new();
    kit.profiles(
        "[profiles.work]\naccess_key_id = \"keyring:rot/both\"\nsecret_access_key = \"keyring:rot/both\"\n",
    );
    let run = rotate(&kit, &kit.sts.url(), &[]);
    run.assert_failure(2);
    assert!(
        run.stderr.contains("one keyring item"),
        "{}",
        run.describe()
    );
}

/// The flags reach STS: `--region` signs for that region, `--token-code` goes with the
/// 15-minute MFA session, from the old key. STS refusing the session changes nothing.
#[test]
fn the_region_and_the_code_flags_reach_sts_and_a_refused_session_changes_nothing() {
    let kit = Kit::with_pass();
    let text = format!(
        "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nmfa_serial: {SERIAL_NUMBER}\n"
    );
    kit.pass_insert("aws-auth/work", &text);
    kit.profiles("[profiles.work]\nbackend = \"pass\"\n");
    let sts = HostileSts::start(vec![
        Reply::CallerIdentity {
            date: "Tue, 01 Dec 2026 19:30:00 GMT".into(),
        },
        Reply::access_denied(
            "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        ),
    ]);
    let run = rotate(
        &kit,
        &sts.url(),
        &["--region", "eu-west-3", "--token-code", TOKEN_CODE],
    );
    run.assert_failure(1);
    let requests = sts.requests();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert_eq!(requests[0].action(), Some("GetCallerIdentity"));
    let session = &requests[1];
    assert_eq!(session.action(), Some("GetSessionToken"));
    let field = |name| crate::support::sts_form::form_field(session, name);
    assert_eq!(field("TokenCode").as_deref(), Some(TOKEN_CODE));
    assert_eq!(field("SerialNumber").as_deref(), Some(SERIAL_NUMBER));
    assert_eq!(field("DurationSeconds").as_deref(), Some("900"));
    for request in &requests {
        let auth = request
            .headers
            .iter()
            .find(|(n, _)| n == "authorization")
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        assert!(
            auth.contains(&format!("Credential={SOURCE_ACCESS_KEY_ID}/"))
                && auth.contains("/eu-west-3/sts/aws4_request"),
            "{auth}"
        );
    }
    assert!(run.stderr.contains("GetSessionToken"), "{}", run.describe());
    assert_eq!(stored(&kit), text, "nothing changed");
}

/// The sessions cached from the old key are dropped with it: the cache list shows the
/// profile's entry before the rotation and none after it (the next run asks STS with the
/// new key). The three runs share one kernel session keyring, where the cache lives.
#[test]
fn rotating_drops_the_profiles_cached_sessions() {
    let probe = Kit::new();
    let (_, old_id, old_secret) = user_with_key(&probe, "rot-cache");
    let kit = kit_for(&old_id, &old_secret);
    let mut cmd = kit.sandbox.command("keyctl");
    kit.env(&mut cmd);
    cmd.env_remove("AWS_AUTH_NO_CACHE")
        .env("AWS_AUTH_CACHE_STORE", "kernel-keyring")
        .env("AWS_ENDPOINT_URL", &moto().url)
        .args(["session", "-", "sh", "-c"])
        .arg(
            "\"$0\" --profile work >/dev/null && \"$0\" cache list && echo === && \
             \"$0\" rotate --profile work && \"$0\" cache list",
        )
        .arg(aws_auth_bin());
    let run = run_limited(&mut cmd, std::time::Duration::from_secs(90));
    assert_dropped_from_cache(&run, "work");
}

/// Regression (second review, item 4): with the id and the secret in two pass entries, a
/// Ctrl-C right after the id entry was written left the new id beside the old secret, the
/// new secret gone, two keys in IAM and exit 130 with no message. The signal now waits for
/// the rotation to finish: both entries hold the new key, IAM has only it, the outcome is
/// said, and then aws-auth ends as the signal asked.
#[test]
fn a_ctrl_c_between_the_two_writes_waits_for_the_rotation_to_finish() {
    let probe = Kit::new();
    let (user, old_id, old_secret) = user_with_key(&probe, "sigint");
    let kit = Kit::with_pass();
    kit.pass_insert("aws-id", &format!("{old_id}\n"));
    kit.pass_insert("aws-secret", &format!("{old_secret}\n"));
    kit.profiles(
        "[profiles.work]\naccess_key_id = \"pass:aws-id\"\nsecret_access_key = \"pass:aws-secret\"\n",
    );
    // pass, as the logging wrapper runs it: writing the id entry, it interrupts aws-auth
    // (its parent) as a Ctrl-C would, then does the write.
    let interrupting = kit.sandbox.write(
        "interrupting-pass",
        "#!/bin/sh\nif [ \"$1\" = insert ] && [ \"$4\" = aws-id ]; then kill -INT \"$PPID\"; sleep 0.2; fi\nexec /usr/bin/pass \"$@\"\n",
    );
    std::fs::set_permissions(&interrupting, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = kit.aws_auth();
    cmd.env("AWS_ENDPOINT_URL", &moto().url)
        .env("FAKE_REAL_PASS", &interrupting)
        .args(["rotate", "--profile", "work"]);
    let out = run_limited(&mut cmd, std::time::Duration::from_secs(90));
    // Ended by the signal, after everything was done and said.
    assert_eq!(
        out.code,
        None,
        "killed by SIGINT at the end\n{}",
        out.describe()
    );
    assert!(
        out.stderr
            .contains("interrupted while rotating: finishing first"),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("rotated profile \"work\""),
        "{}",
        out.describe()
    );
    let id = kit
        .pass()
        .show(&kit.sandbox, "aws-id")
        .stdout_str()
        .trim()
        .to_owned();
    let secret = kit
        .pass()
        .show(&kit.sandbox, "aws-secret")
        .stdout_str()
        .trim()
        .to_owned();
    assert_ne!(id, old_id);
    assert_eq!(
        keys_of(&probe, &user),
        std::slice::from_ref(&id),
        "only the new key is left in IAM"
    );
    assert_eq!(
        caller_of(&probe, (&id, &secret)),
        user_arn(&user),
        "the stored pair works"
    );
}
