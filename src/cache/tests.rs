//! Unit tests of `cache`.

use super::*;
use aws_smithy_types::DateTime;
use secrecy::{ExposeSecret, SecretString};

fn creds(id: &str, expires_in: i64) -> SessionCredentials {
    SessionCredentials {
        access_key_id: id.into(),
        secret_access_key: SecretString::from("secret"),
        session_token: SecretString::from("token"),
        expiration: DateTime::from_secs(now_secs() + expires_in),
    }
}

fn memory() -> Cache {
    Cache::with_lock_dir(Box::<store::Memory>::default(), std::env::temp_dir())
}

fn key(n: &str) -> String {
    let mut k = KeyBuilder::new("test");
    k.field("n", Some(n));
    k.finish()
}

#[test]
fn keys_separate_fields_and_none_from_empty() {
    let k = |pairs: &[(&str, Option<&str>)]| {
        let mut b = KeyBuilder::new("t");
        for (n, v) in pairs {
            b.field(n, *v);
        }
        b.finish()
    };
    assert_eq!(k(&[("a", Some("b"))]), k(&[("a", Some("b"))]));
    assert_ne!(k(&[("a", Some("bc"))]), k(&[("ab", Some("c"))]));
    assert_ne!(k(&[("a", None)]), k(&[("a", Some(""))]));
    assert_ne!(
        k(&[("a", Some("1")), ("b", None)]),
        k(&[("a", None), ("b", Some("1"))])
    );
    assert_eq!(k(&[]).len(), 64);
    let mut s = KeyBuilder::new("t");
    s.secret("s", Some("hunter2"));
    assert_ne!(s.finish(), k(&[("s", Some("hunter2"))]));
}

#[test]
fn serves_an_entry_only_while_min_ttl_remains() {
    let cache = memory();
    let k = key("1");
    cache.put(
        &k,
        Kind::Credentials,
        "work",
        Some("eu-west-1"),
        None,
        &creds("ASIA1", 1000),
    );
    let hit = cache.get(&k, Kind::Credentials, 900).unwrap();
    assert_eq!(hit.credentials.access_key_id, "ASIA1");
    assert_eq!(hit.credentials.secret_access_key.expose_secret(), "secret");
    assert_eq!(hit.region.as_deref(), Some("eu-west-1"));
    assert!(cache.get(&k, Kind::Credentials, 1100).is_none());
    // Kept: a later run with a smaller margin may still use it.
    assert!(cache.get(&k, Kind::Credentials, 0).is_some());
    assert!(cache.get(&k, Kind::MfaSession, 0).is_none());
}

/// Regression: the cache served an entry with exactly `--min-ttl` left (`>=`) while serve's
/// refresh counted it as due (`<=`), so each refresh got the same credentials back and
/// warned. One rule now: an entry is served only while it has more than `min_ttl` left.
#[test]
fn an_entry_with_exactly_min_ttl_left_is_not_served() {
    let cache = memory();
    let k = key("boundary");
    // A few seconds of slack either way: the clock moves between put and get.
    cache.put(&k, Kind::Credentials, "w", None, None, &creds("ASIA1", 905));
    assert!(cache.get(&k, Kind::Credentials, 910).is_none());
    assert!(cache.get(&k, Kind::Credentials, 895).is_some());
    let now = now_secs();
    let exact = creds("ASIA2", 900);
    assert!(!exact.lasts(900 + (now_secs() - now), now_secs()));
    assert!(exact.lasts(899 - (now_secs() - now), now_secs()));
}

#[test]
fn a_foreign_corrupt_or_impossible_entry_is_removed_not_used() {
    let cache = memory();
    let (a, b) = (key("a"), key("b"));
    cache.put(
        &a,
        Kind::Credentials,
        "p",
        None,
        None,
        &creds("ASIAA", 1000),
    );
    // Entry a's record filed under b (a swapped item): not b's.
    let record = cache.store().get(&a).unwrap().unwrap();
    let label = Label {
        key: &b,
        profile: "p",
        kind: "credentials",
        expires: 0,
    };
    cache.store().put(&label, &record).unwrap();
    assert!(cache.get(&b, Kind::Credentials, 0).is_none());
    assert!(cache.store().get(&b).unwrap().is_none(), "removed");
    cache.store().put(&label, b"garbage").unwrap();
    assert!(cache.get(&b, Kind::Credentials, 0).is_none());
    assert!(cache.store().get(&b).unwrap().is_none(), "removed");
    cache.put(
        &b,
        Kind::Credentials,
        "p",
        None,
        None,
        &creds("ASIAB", 140_000),
    );
    // Longer than any STS session (36 h) can last: not ours.
    assert!(cache.get(&b, Kind::Credentials, 0).is_none());
    assert!(cache.get(&a, Kind::Credentials, 0).is_some());
    // A 36-hour session just issued is.
    let c = key("c");
    cache.put(
        &c,
        Kind::MfaSession,
        "p",
        None,
        None,
        &creds("ASIAC", 129_600),
    );
    assert!(cache.get(&c, Kind::MfaSession, 0).is_some());
}

#[test]
fn clear_by_profile() {
    let cache = memory();
    let put = |n: &str, kind, profile, session: Option<&str>, id| {
        cache.put(&key(n), kind, profile, None, session, &creds(id, 1000));
    };
    put("1", Kind::Credentials, "work", None, "A");
    put("2", Kind::MfaSession, "work", None, "B");
    put("3", Kind::Credentials, "home", None, "C");
    // "other" derived its role from the MFA session "home" made.
    put("4", Kind::MfaSession, "home", None, "D");
    put("5", Kind::Credentials, "other", Some(&key("4")), "E");
    let left = |cache: &Cache| {
        let mut ids: Vec<_> = cache
            .entries()
            .unwrap()
            .into_iter()
            .map(|e| e.credentials.access_key_id)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(cache.clear(Some("work")).unwrap(), 2);
    assert_eq!(left(&cache), ["C", "D", "E"]);
    assert_eq!(cache.clear(Some("other")).unwrap(), 2);
    assert_eq!(left(&cache), ["C"]);
    assert_eq!(cache.clear(None).unwrap(), 1);
    assert!(cache.entries().unwrap().is_empty());
}

/// Regression (second review, item 7): a full store (the kernel keyring's quota) turned the
/// cache off. Room is made by dropping the entry that lasts least; the others stay.
#[test]
fn a_full_store_drops_the_entry_that_lasts_least_to_make_room() {
    let cache = Cache::with_lock_dir(Box::new(store::Memory::with_room(3)), std::env::temp_dir());
    for (n, lasts) in [("a", 5000), ("b", 1000), ("c", 9000)] {
        cache.put(&key(n), Kind::Credentials, n, None, None, &creds(n, lasts));
    }
    cache.put(
        &key("d"),
        Kind::Credentials,
        "d",
        None,
        None,
        &creds("d", 3000),
    );
    let mut kept: Vec<String> = cache
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| e.profile)
        .collect();
    kept.sort();
    assert_eq!(kept, ["a", "c", "d"], "b lasted least");
    // Replacing an entry needs no room.
    cache.put(
        &key("d"),
        Kind::Credentials,
        "d",
        None,
        None,
        &creds("d2", 3000),
    );
    assert_eq!(cache.entries().unwrap().len(), 3);
}
