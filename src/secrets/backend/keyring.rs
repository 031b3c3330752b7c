//! The OS keyring through the `keyring` crate (major 3), always with a real store: the
//! Secret Service on Linux (items compatible with `secret-tool store service S username A`),
//! the kernel keyutils when no Secret Service is reachable, the macOS Keychain, the Windows
//! Credential Manager. Never the crate's in-memory mock.

use super::FetchErrorKind;
use keyring::{Entry, Error as KeyringError};
use secrecy::{ExposeSecret, SecretString};
use std::sync::mpsc;
use std::time::Duration;
use zeroize::Zeroizing;

/// The kernel keyring's name in messages: memory only, so never written with a long-term key.
const KERNEL: &str = "kernel keyring (keyutils)";

/// The stores to try, in order. Reads and deletes match on service and username alone (as
/// `secret-tool lookup` does) and fall through to the kernel keyring, where versions before
/// 0.2 could leave keys. Writes go only to a store that survives a reboot: the Secret
/// Service's default collection on Linux, never the kernel keyring (RAM: gone at reboot and
/// after three idle days).
fn entries(
    service: &str,
    account: &str,
    write: bool,
) -> Result<Vec<(&'static str, Entry)>, KeyringError> {
    #[cfg(target_os = "linux")]
    {
        use keyring::keyutils::KeyutilsCredential;
        use keyring::secret_service::SsCredential;
        let secret_service = if write {
            SsCredential::new_with_target(None, service, account)?
        } else {
            SsCredential::new_with_no_target(service, account)?
        };
        let mut stores = vec![(
            "Secret Service",
            Entry::new_with_credential(Box::new(secret_service)),
        )];
        if !write && let Ok(keyutils) = KeyutilsCredential::new_with_target(None, service, account)
        {
            stores.push((KERNEL, Entry::new_with_credential(Box::new(keyutils))));
        }
        Ok(stores)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = write;
        Ok(vec![("OS keyring", Entry::new(service, account)?)])
    }
}

/// Why the keyring backend cannot keep long-term keys here, or `None` when it can: on Linux,
/// no Secret Service answers (an ssh login, cron, a headless machine). Asked before `add`,
/// `import`, `rotate` or `configure --totp` change anything. The probe looks up an item
/// that does not exist, which needs no unlock and shows no prompt.
pub fn durable_unavailable(limit: Duration) -> Option<String> {
    let (done, result) = mpsc::channel();
    std::thread::spawn(move || {
        let probe = entries("aws-auth", "probe-for-a-lasting-store", true)
            .map_err(|e| describe(&e))
            .and_then(|stores| match stores.first() {
                Some((_, entry)) => match entry.get_password().map(Zeroizing::new) {
                    Ok(_) | Err(KeyringError::NoEntry) => Ok(()),
                    Err(KeyringError::PlatformFailure(e))
                    | Err(KeyringError::NoStorageAccess(e)) => {
                        Err(crate::report::clean(&e.to_string()))
                    }
                    Err(other) => Err(describe(&other)),
                },
                None => Err("no store".to_owned()),
            });
        let _ = done.send(probe);
    });
    let reason = match result.recv_timeout(limit) {
        Ok(Ok(())) => return None,
        Ok(Err(reason)) => reason,
        Err(_) => format!(
            "the Secret Service did not answer within {} s",
            limit.as_secs()
        ),
    };
    Some(format!(
        "the keyring backend has no store here that survives a reboot: no Secret Service is reachable \
         ({reason}; an ssh login, cron or a headless machine has none). aws-auth never puts long-term \
         keys or a TOTP seed in the {KERNEL}, which is memory only: lost at reboot and after 3 idle days. \
         Use --backend passage (age: made for a headless machine) or --backend pass (gpg), or run this \
         from a desktop session with an unlocked keyring \
         (gnome-keyring, KeePassXC, KWallet). Nothing was changed"
    ))
}

/// A keyring error in words, never with the bytes of a badly encoded secret.
fn describe(error: &KeyringError) -> String {
    match error {
        KeyringError::BadEncoding(_) => "the stored secret is not valid UTF-8".into(),
        KeyringError::Ambiguous(found) => {
            format!("{} items match; remove the duplicates", found.len())
        }
        KeyringError::NoEntry => "no such item".into(),
        other => crate::report::clean(&other.to_string()),
    }
}

/// Runs `op` on each store in turn: an unreachable store (no D-Bus, no daemon) passes to
/// the next; any other answer is final.
fn first_reachable<T>(
    stores: &[(&'static str, Entry)],
    op: impl Fn(&Entry) -> Result<T, KeyringError>,
    fail: impl Fn(&'static str, KeyringError) -> FetchErrorKind,
) -> Result<(&'static str, T), FetchErrorKind> {
    let mut unreachable = Vec::new();
    for (store, entry) in stores {
        match op(entry) {
            Ok(value) => return Ok((store, value)),
            Err(KeyringError::PlatformFailure(e)) => {
                unreachable.push(format!("{store}: {}", crate::report::clean(&e.to_string())))
            }
            Err(other) => return Err(fail(store, other)),
        }
    }
    Err(FetchErrorKind::Failed(format!(
        "no keyring store is reachable ({})",
        unreachable.join("; ")
    )))
}

fn get_blocking(service: &str, account: &str) -> Result<SecretString, FetchErrorKind> {
    let stores =
        entries(service, account, false).map_err(|e| FetchErrorKind::Failed(describe(&e)))?;
    let fail = |store: &str, error: KeyringError| match error {
        KeyringError::NoEntry if store == "Secret Service" => FetchErrorKind::NotFound(format!(
            "no {store} item with service \"{service}\" and username \"{account}\" (store one with: \
             secret-tool store --label=aws-auth service {service} username {account})"
        )),
        KeyringError::NoEntry => FetchErrorKind::NotFound(format!(
            "no Secret Service is reachable (is a D-Bus session with a keyring daemon running?), \
             and the {store} has no key for service \"{service}\" and username \"{account}\""
        )),
        KeyringError::NoStorageAccess(e) => FetchErrorKind::NotSignedIn(format!(
            "the {store} refused access (is it locked?): {}",
            crate::report::clean(&e.to_string())
        )),
        other => FetchErrorKind::Failed(format!("{store}: {}", describe(&other))),
    };
    let (store, secret) = first_reachable(
        &stores,
        |entry| entry.get_password().map(Zeroizing::new),
        fail,
    )?;
    if store == KERNEL {
        crate::say!(
            "aws-auth: warning: keyring:{service}/{account} was found only in the {KERNEL}, which is memory \
             only (lost at reboot): store it again from a desktop session (aws-auth add --force), or in pass"
        );
    }
    Ok(SecretString::from(secret.as_str()))
}

/// Reads one secret, bounded in time (a D-Bus call can wait on an unlock prompt forever).
pub fn get(service: &str, account: &str, limit: Duration) -> Result<SecretString, FetchErrorKind> {
    let (done, result) = mpsc::channel();
    let (service, account) = (service.to_owned(), account.to_owned());
    std::thread::spawn(move || {
        let _ = done.send(get_blocking(&service, &account));
    });
    result
        .recv_timeout(limit)
        .unwrap_or(Err(FetchErrorKind::Timeout(limit)))
}

/// Stores one secret in the store that lasts (for `add`, `import`, `rotate`, `configure`):
/// on Linux the Secret Service, or an error; never the kernel keyring.
pub fn set(
    service: &str,
    account: &str,
    secret: &SecretString,
) -> Result<&'static str, FetchErrorKind> {
    let stores =
        entries(service, account, true).map_err(|e| FetchErrorKind::Failed(describe(&e)))?;
    let fail = |store: &str, error: KeyringError| {
        FetchErrorKind::Failed(format!("{store}: {}", describe(&error)))
    };
    let (store, ()) = first_reachable(
        &stores,
        |entry| entry.set_password(secret.expose_secret()),
        fail,
    )?;
    Ok(store)
}

/// Deletes the one item a read finds (matched on service and username in every collection,
/// as `get` reads it; not only the default collection, where an item kept elsewhere would be
/// "not there" and stay); an item that is not there is already deleted. Two matching items
/// are refused as ambiguous: which one a read gets is not known.
pub fn delete(service: &str, account: &str) -> Result<(), FetchErrorKind> {
    let stores =
        entries(service, account, false).map_err(|e| FetchErrorKind::Failed(describe(&e)))?;
    let fail = |store: &str, error: KeyringError| {
        FetchErrorKind::Failed(format!("{store}: {}", describe(&error)))
    };
    first_reachable(
        &stores,
        |entry| match entry.delete_credential() {
            Err(KeyringError::NoEntry) => Ok(()),
            other => other,
        },
        fail,
    )
    .map(|_| ())
}
