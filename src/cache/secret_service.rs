//! The Secret Service (gnome-keyring, KeePassXC, KWallet's bridge) over the D-Bus session
//! bus: entries are items of the default collection with attributes `service=aws-auth-cache`,
//! `key`, `profile` and `kind`; the keyring daemon keeps them encrypted at rest with the
//! login password. They cross the user's private session bus in a plain session: any process
//! that could read them there could as well ask the Secret Service for them, so the
//! Diffie-Hellman session would only add ~5 ms to every hit.

use super::store::{Label, Record, Store, StoreError};
use dbus_secret_service::{EncryptionType, SecretService};
use std::collections::HashMap;
use std::sync::Mutex;
use zeroize::Zeroizing;

/// The `service` attribute of every cache item (the `keyring:` backend's items use others).
pub const SERVICE: &str = "aws-auth-cache";

pub struct Ss {
    service: Mutex<SecretService>,
}

fn fail(what: &str, e: dbus_secret_service::Error) -> StoreError {
    StoreError::Failed(format!(
        "Secret Service: {what}: {}",
        crate::report::clean(&e.to_string())
    ))
}

impl Ss {
    /// Connects, and checks that the default collection is there and unlocked, so a locked
    /// keyring (an ssh login) falls through to the kernel keyring instead of warning on every
    /// run. Prompts are refused at once: a cache never pops up an unlock dialog.
    pub fn open() -> Result<Ss, StoreError> {
        let service = SecretService::connect_with_max_prompt_timeout(EncryptionType::Plain, 0)
            .map_err(|e| fail("connect", e))?;
        let locked = service
            .get_default_collection()
            .and_then(|c| c.is_locked())
            .map_err(|e| fail("default collection", e))?;
        if locked {
            return Err(StoreError::Failed(
                "Secret Service: the default collection is locked (unlock your login keyring)"
                    .into(),
            ));
        }
        Ok(Ss {
            service: Mutex::new(service),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&SecretService) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let service = self.service.lock().unwrap_or_else(|e| e.into_inner());
        f(&service)
    }
}

impl Store for Ss {
    fn name(&self) -> &'static str {
        "secret-service"
    }

    fn get(&self, key: &str) -> Result<Option<Record>, StoreError> {
        self.with(|ss| {
            let found = ss
                .search_items(HashMap::from([("service", SERVICE), ("key", key)]))
                .map_err(|e| fail("search", e))?;
            match found.unlocked.first() {
                Some(item) => Ok(Some(Zeroizing::new(
                    item.get_secret().map_err(|e| fail("read", e))?,
                ))),
                None => Ok(None),
            }
        })
    }

    fn put(&self, label: &Label, record: &[u8]) -> Result<(), StoreError> {
        self.with(|ss| {
            let collection = ss
                .get_default_collection()
                .map_err(|e| fail("default collection", e))?;
            if collection
                .is_locked()
                .map_err(|e| fail("default collection", e))?
            {
                return Err(StoreError::Failed(
                    "Secret Service: the default collection is locked (unlock your login keyring)"
                        .into(),
                ));
            }
            let attributes = HashMap::from([
                ("service", SERVICE),
                ("key", label.key),
                ("profile", label.profile),
                ("kind", label.kind),
            ]);
            let shown = if label.profile.is_empty() {
                "keys from the environment"
            } else {
                label.profile
            };
            collection
                .create_item(
                    &format!("aws-auth {} ({shown})", label.kind),
                    attributes,
                    record,
                    true,
                    "text/plain",
                )
                .map_err(|e| fail("store", e))?;
            Ok(())
        })
    }

    fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.with(|ss| {
            let found = ss
                .search_items(HashMap::from([("service", SERVICE), ("key", key)]))
                .map_err(|e| fail("search", e))?;
            for item in found.unlocked {
                item.delete().map_err(|e| fail("delete", e))?;
            }
            Ok(())
        })
    }

    fn list(&self) -> Result<Vec<(String, Record)>, StoreError> {
        self.with(|ss| {
            let found = ss
                .search_items(HashMap::from([("service", SERVICE)]))
                .map_err(|e| fail("search", e))?;
            let mut out = Vec::new();
            for item in found.unlocked {
                let attributes = item.get_attributes().map_err(|e| fail("read", e))?;
                let Some(key) = attributes.get("key") else {
                    continue;
                };
                let record = Zeroizing::new(item.get_secret().map_err(|e| fail("read", e))?);
                out.push((key.clone(), record));
            }
            Ok(out)
        })
    }
}
