//! passage (pass on age): the real age and the test's passage (tests/fakes/passage, which
//! follows passage's layout and commands). Reading runs age alone; `add`, `import` and the
//! TOTP seed write through `passage insert` on stdin; a wrong identity, a plain-text file
//! where an entry should be, and a passphrase-protected identity each get a clear error.

use crate::support::passage_store::PassageStore;
use crate::support::profile_kit::*;
use crate::support::*;
use std::time::Duration;

const ROLE: &str = "arn:aws:iam::123456789012:role/passage-role";

fn kit_with_store() -> (Kit, PassageStore) {
    let kit = Kit::new();
    let store = PassageStore::new(&kit.sandbox);
    (kit, store)
}

#[test]
fn add_writes_through_passage_and_runs_read_with_age_alone() {
    let (kit, store) = kit_with_store();
    let keys = format!("{SOURCE_ACCESS_KEY_ID}\n{SOURCE_SECRET_ACCESS_KEY}\n");
    let mut add = kit.aws_auth();
    add.args(["add", "--profile", "box", "--backend", "passage"])
        .args(["--serial-number", SERIAL_NUMBER, "--role-arn", ROLE]);
    run_with_stdin(&mut add, keys.as_bytes(), Duration::from_secs(60)).assert_success();
    let entry = store.show(&kit.sandbox, "aws-auth/box").expect("the entry");
    assert!(
        entry.starts_with(&format!(
            "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n"
        )),
        "{entry}"
    );
    assert!(entry.contains(&format!("role_arn: {ROLE}")), "{entry}");
    let profiles =
        std::fs::read_to_string(kit.sandbox.path("home/.config/aws-auth/profiles.toml")).unwrap();
    assert!(profiles.contains("backend = \"passage\""), "{profiles}");

    // Read on a machine with age and no passage at all.
    let mut bare = kit.profile("box", &["--token-code", TOKEN_CODE]);
    bare.env(
        "PATH",
        format!(
            "{}:/usr/bin:/bin",
            aws_auth_bin().parent().unwrap().display()
        ),
    );
    let run = run(&mut bare);
    run.assert_success();
    let request = kit.only_request();
    assert_eq!(request.action(), Some("AssumeRole"), "{request:#?}");
    assert!(request.verified(), "signed with the stored secret");
    // The write went to passage on stdin; the read never started passage.
    let calls = kit.fakes.calls_of("passage");
    assert_eq!(calls, [["insert", "-m", "-f", "aws-auth/box"]]);
    assert_absent(&kit.fakes.log(), &[SOURCE_SECRET_ACCESS_KEY], "argv log");
    assert_absent(&run.stderr, &[SOURCE_SECRET_ACCESS_KEY], "stderr");
}

#[test]
fn a_totp_seed_is_stored_in_the_entry_and_gives_the_code() {
    let (kit, store) = kit_with_store();
    store.insert(
        &kit.sandbox,
        "aws-auth/seeded",
        &format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nmfa_serial: {SERIAL_NUMBER}\n"),
    );
    kit.profiles("[profiles.seeded]\nbackend = \"passage\"\n");
    let mut add = kit.aws_auth();
    add.args(["configure", "--profile", "seeded", "--totp"]);
    let out = run_with_stdin(
        &mut add,
        format!("{TOTP_SEED}\n").as_bytes(),
        Duration::from_secs(60),
    );
    out.assert_success();
    let entry = store.show(&kit.sandbox, "aws-auth/seeded").unwrap();
    assert!(entry.starts_with(SOURCE_SECRET_ACCESS_KEY), "{entry}");
    assert!(entry.contains(&format!("secret={TOTP_SEED}")), "{entry}");
    let (before, run, after) = with_oathtool_around(
        &kit.sandbox,
        TOTP_SEED,
        &mut without_terminal(&kit.profile("seeded", &[])),
    );
    run.assert_success();
    let code = sent_totp_code(&kit.only_request(), &before, &after);
    assert_eq!(code.len(), 6);
}

#[test]
fn import_moves_the_keys_into_passage() {
    let (kit, store) = kit_with_store();
    let file = kit.sandbox.write(
        "home/.aws/credentials",
        format!("[ci]\naws_access_key_id = {SOURCE_ACCESS_KEY_ID}\naws_secret_access_key = {SOURCE_SECRET_ACCESS_KEY}\n"),
    );
    let out = run(kit
        .aws_auth()
        .args(["import", "--profile", "ci", "--backend", "passage"])
        .env("AWS_SHARED_CREDENTIALS_FILE", &file));
    out.assert_success();
    assert_eq!(
        store.show(&kit.sandbox, "aws-auth/ci").as_deref(),
        Some(
            format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n")
                .as_str()
        )
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "[ci]\n");
    run(&mut kit.profile("ci", &["--role-arn", ROLE])).assert_success();
}

#[test]
fn a_missing_entry_a_wrong_identity_and_a_plain_file_are_told_apart() {
    let (kit, store) = kit_with_store();
    kit.profiles(
        "[profiles.gone]\naccess_key_id = \"passage:aws/gone#id\"\nsecret_access_key = \"passage:aws/gone\"\n\
         [profiles.other]\nbackend = \"passage\"\n\
         [profiles.plain]\naccess_key_id = \"AKIAAWSAUTHPLAIN0001\"\nsecret_access_key = \"passage:aws/plain\"\n",
    );
    let gone = run(&mut kit.profile("gone", &[]));
    // On a machine with age and no passage (reading needs only age), the same, in its words.
    let mut bare = kit.profile("gone", &[]);
    bare.env(
        "PATH",
        format!(
            "{}:/usr/bin:/bin",
            crate::support::aws_auth_bin().parent().unwrap().display()
        ),
    );
    let without_passage = run(&mut bare);
    assert_clear_error(
        &without_passage,
        1,
        &[
            "passage:aws/gone",
            "no such entry",
            "is not in the passage store",
            "gone.age does not exist",
        ],
    );
    assert_clear_error(
        &gone,
        1,
        &[
            "profile \"gone\"",
            "passage:aws/gone",
            "no such entry",
            "is not in the password store",
        ],
    );

    // Encrypted to someone else's key.
    let other_ids = kit.sandbox.path("other-identities");
    run(kit.sandbox.command("age-keygen").arg("-o").arg(&other_ids)).assert_success();
    let other_public = run(kit.sandbox.command("age-keygen").arg("-y").arg(&other_ids));
    std::fs::create_dir_all(store.store_dir().join("aws-auth")).unwrap();
    run_with_stdin(
        kit.sandbox
            .command("age")
            .args(["-e", "-r", other_public.stdout_str().trim(), "-o"])
            .arg(store.store_dir().join("aws-auth/other.age")),
        format!("{SOURCE_SECRET_ACCESS_KEY}\n").as_bytes(),
        Duration::from_secs(10),
    )
    .assert_success();
    let other = run(&mut kit.profile("other", &[]));
    assert_clear_error(
        &other,
        1,
        &[
            "profile \"other\"",
            "not signed in",
            "no identity matched",
            "PASSAGE_IDENTITIES_FILE",
        ],
    );

    // A plain-text file where an entry should be: named, never quoted.
    std::fs::create_dir_all(store.store_dir().join("aws")).unwrap();
    std::fs::write(
        store.store_dir().join("aws/plain.age"),
        format!("{SOURCE_SECRET_ACCESS_KEY}\n"),
    )
    .unwrap();
    let plain = run(&mut kit.profile("plain", &[]));
    assert_clear_error(&plain, 1, &["profile \"plain\"", "plain.age", "age -d -i"]);
    for out in [&gone, &other, &plain] {
        assert_absent(&out.stderr, &[SOURCE_SECRET_ACCESS_KEY], "stderr");
    }
}

#[test]
fn a_passphrase_protected_identity_is_explained_not_waited_on() {
    let (kit, store) = kit_with_store();
    store.insert(
        &kit.sandbox,
        "aws-auth/locked",
        &format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n"),
    );
    // What `age -p` writes (armored): the identity file encrypted with a passphrase.
    std::fs::write(
        store.identities(),
        "-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IHNjcnlwdCB4IDE4Cg==\n-----END AGE ENCRYPTED FILE-----\n",
    )
    .unwrap();
    kit.profiles("[profiles.locked]\nbackend = \"passage\"\n");
    let started = std::time::Instant::now();
    let out = run(&mut kit.profile("locked", &["--token-code", TOKEN_CODE]));
    assert_clear_error(
        &out,
        1,
        &[
            "profile \"locked\"",
            "protected by a passphrase",
            "PASSAGE_IDENTITIES_FILE",
        ],
    );
    assert!(started.elapsed() < ERROR_BOUND);
}

#[test]
fn two_stores_never_share_a_cached_session() {
    let (kit, store) = kit_with_store();
    let text = format!("{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n");
    store.insert(&kit.sandbox, "aws-auth/two", &text);
    let second = kit.sandbox.path("second-store");
    std::fs::create_dir_all(second.join("aws-auth")).unwrap();
    std::fs::copy(
        store.store_dir().join("aws-auth/two.age"),
        second.join("aws-auth/two.age"),
    )
    .unwrap();
    kit.profiles(&format!(
        "[profiles.two]\nbackend = \"passage\"\nrole_arn = \"{ROLE}\"\n"
    ));
    // The cache on (as by default): the second run, reading another store, is not answered
    // by the first run's session; the third, back on the first store, is.
    let cached = |cmd: &mut std::process::Command| {
        run(cmd.env_remove("AWS_AUTH_NO_CACHE")).assert_success();
    };
    cached(&mut kit.profile("two", &[]));
    cached(kit.profile("two", &[]).env("PASSAGE_DIR", &second));
    assert_eq!(
        kit.sts.requests().len(),
        2,
        "each store got its own session"
    );
    cached(&mut kit.profile("two", &[]));
    assert_eq!(
        kit.sts.requests().len(),
        2,
        "the first store's session was cached"
    );
}
