//! The two leaks an adversarial review found in how a cached session is keyed and handed on,
//! each pinned with the cache on in both stores:
//! - a secret a profile reads with `env:` reached the command of `exec` and `serve` when
//!   the run was a cache hit (the scrub ran only when the profile was read);
//! - a cached session was handed to another identity: the key named the profile as written,
//!   so other keys in the same `env:` variables, or another password store behind the same
//!   profiles.toml, got the first identity's session (job B getting job A's role on a CI
//!   runner that shares one uid).

use crate::support::pass_store::PassStore;
use crate::support::sessions_rig::{Cache, ROLE, Rig};
use crate::support::strict_sts::StrictSts;
use crate::support::*;

/// Bob's long-term keys: another IAM user the test STS knows.
const BOB_KEY: &str = "AKIAAWSAUTHBOBBOB002";
const BOB_SECRET: &str = "bobsSecretKeyBobsSecretKeyBobsSecret0002";
/// The environment variable the CI profile reads its secret from.
const CI_SECRET: &str = "CI_SECRET";

fn sts() -> StrictSts {
    StrictSts::builder()
        .long_term_key(BOB_KEY, BOB_SECRET)
        .start()
}

/// A profile that reads its keys from the environment, as CI jobs do, with a role.
fn ci_profile(rig: &Rig) -> String {
    let name = unique("ci");
    rig.write_profiles(&format!(
        "[profiles.{name}]\naccess_key_id = \"env:CI_KEY_ID\"\nsecret_access_key = \"env:{CI_SECRET}\"\n\
         role_arn = \"{ROLE}\"\n"
    ));
    rig.adopt(&name);
    name
}

/// Regression: with `secret_access_key = "env:CI_SECRET"`, a cache hit skipped the scrub,
/// and `exec` and `serve` handed the long-term secret to their command.
#[test]
fn an_env_secret_never_reaches_a_command_even_on_a_cache_hit() {
    for store in [Cache::Kernel, Cache::SecretService] {
        let rig = Rig::new(store, sts());
        let name = ci_profile(&rig);
        let with_keys = |args: &[&str]| {
            let mut cmd = rig.with_profile(&name, args);
            cmd.env("CI_KEY_ID", SOURCE_ACCESS_KEY_ID)
                .env(CI_SECRET, SOURCE_SECRET_ACCESS_KEY);
            run(&mut without_terminal(&cmd))
        };
        with_keys(&[]).assert_success();
        let calls = rig.sts.total();
        for command in [["exec", "--", "env"], ["serve", "--", "env"]] {
            let mut cmd = rig.aws_auth(&[command[0], "--profile", &name, "--", "env"]);
            cmd.env("CI_KEY_ID", SOURCE_ACCESS_KEY_ID)
                .env(CI_SECRET, SOURCE_SECRET_ACCESS_KEY);
            let out = run(&mut without_terminal(&cmd));
            out.assert_success();
            let env = out.stdout_str();
            assert!(
                !env.contains(SOURCE_SECRET_ACCESS_KEY) && !env.contains(&format!("{CI_SECRET}=")),
                "{store:?} {}: the command got the long-term secret\n{}",
                command[0],
                out.describe()
            );
            assert!(env.contains("AWS_AUTH_PROFILE="), "{}", out.describe());
        }
        assert_eq!(rig.sts.total(), calls, "{store:?}: both were cache hits");
    }
}

/// Regression: the cache key named `env:CI_KEY_ID`, not what it held, so bob's run was
/// answered with alice's cached role session, and a run with no keys at all still got it.
#[test]
fn a_cached_session_is_never_handed_to_other_keys_in_the_same_variables() {
    for store in [Cache::Kernel, Cache::SecretService] {
        let rig = Rig::new(store, sts());
        let name = ci_profile(&rig);
        let as_user = |key: Option<(&str, &str)>| {
            let mut cmd = rig.with_profile(&name, &[]);
            if let Some((id, secret)) = key {
                cmd.env("CI_KEY_ID", id).env(CI_SECRET, secret);
            }
            run(&mut without_terminal(&cmd))
        };
        let alice = as_user(Some((SOURCE_ACCESS_KEY_ID, SOURCE_SECRET_ACCESS_KEY)));
        alice.assert_success();
        assert_eq!(rig.sts.total(), 1);
        let again = as_user(Some((SOURCE_ACCESS_KEY_ID, SOURCE_SECRET_ACCESS_KEY)));
        assert_eq!(
            again.stdout_str(),
            alice.stdout_str(),
            "{store:?}: alice's second run is a hit"
        );
        assert_eq!(rig.sts.total(), 1);

        let bob = as_user(Some((BOB_KEY, BOB_SECRET)));
        bob.assert_success();
        assert_ne!(
            bob.stdout_str(),
            alice.stdout_str(),
            "{store:?}: bob got alice's session"
        );
        let calls = rig.sts.requests();
        assert_eq!(calls.len(), 2, "{store:?}: bob's run asked STS");
        assert_eq!(calls[1].signer(), BOB_KEY);

        let nobody = as_user(None);
        assert_eq!(
            nobody.code,
            Some(1),
            "{store:?}: no keys, no session\n{}",
            nobody.describe()
        );
        assert!(nobody.stdout.is_empty());
        assert_eq!(rig.sts.total(), 2);
    }
}

/// The same profiles.toml over two password stores (two clients' keys): each store's keys
/// get their own session; neither is handed the other's.
#[test]
fn two_password_stores_behind_one_profile_never_share_a_session() {
    let rig = Rig::new(Cache::Kernel, sts());
    let name = unique("two-stores");
    rig.adopt(&name);
    rig.write_profiles(&format!(
        "[profiles.{name}]\nbackend = \"pass\"\nrole_arn = \"{ROLE}\"\n"
    ));
    let alice = PassStore::new(&rig.sandbox);
    let bob = PassStore::new(&rig.sandbox);
    for (store, key, secret) in [
        (&alice, SOURCE_ACCESS_KEY_ID, SOURCE_SECRET_ACCESS_KEY),
        (&bob, BOB_KEY, BOB_SECRET),
    ] {
        store.insert(
            &rig.sandbox,
            &format!("aws-auth/{name}"),
            &format!("{secret}\naws_access_key_id: {key}\n"),
        );
    }
    let from = |store: &PassStore| {
        let mut cmd = rig.with_profile(&name, &[]);
        store.env(&mut cmd);
        run(&mut without_terminal(&cmd))
    };
    let first = from(&alice);
    first.assert_success();
    let second = from(&bob);
    second.assert_success();
    assert_ne!(
        second.stdout_str(),
        first.stdout_str(),
        "bob's store got alice's session"
    );
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        (calls[0].signer(), calls[1].signer()),
        (SOURCE_ACCESS_KEY_ID, BOB_KEY)
    );
    // Each store's own session is still served from the cache.
    assert_eq!(from(&alice).stdout_str(), first.stdout_str());
    assert_eq!(from(&bob).stdout_str(), second.stdout_str());
    assert_eq!(rig.sts.total(), 2);

    // The same relative PASSWORD_STORE_DIR from two directories is two stores: each is the
    // store its absolute path named, and is served that store's session.
    let relative = |store: &PassStore| {
        let mut cmd = rig.with_profile(&name, &[]);
        store.env(&mut cmd);
        cmd.env("PASSWORD_STORE_DIR", "s")
            .current_dir(store.store_dir().parent().unwrap());
        run(&mut without_terminal(&cmd))
    };
    let third = relative(&alice);
    third.assert_success();
    let fourth = relative(&bob);
    fourth.assert_success();
    assert_eq!(third.stdout_str(), first.stdout_str());
    assert_eq!(
        fourth.stdout_str(),
        second.stdout_str(),
        "bob's store, named as alice's was from her directory, got her session"
    );
    assert_eq!(rig.sts.total(), 2);
}
