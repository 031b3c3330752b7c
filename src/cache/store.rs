//! Where cached sessions live: a small trait (keyring-rs style) that each store implements,
//! and the in-memory store the unit tests use (compiled for them only). No store writes
//! plain text to disk.

use zeroize::Zeroizing;

/// A store failed; the message names the store and never holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Failed(String),
    /// The store holds no more for this user (the kernel keyring's quota): room may be
    /// made by removing entries.
    #[error("{0}")]
    Full(String),
}

/// An entry's bytes as stored (they hold secrets: zeroized when dropped).
pub type Record = Zeroizing<Vec<u8>>;

/// What a store needs to know to file an entry besides its bytes.
pub struct Label<'a> {
    /// The hex cache key.
    pub key: &'a str,
    pub profile: &'a str,
    pub kind: &'a str,
    /// Seconds since the epoch when the entry is worthless (stores that can, drop it then).
    pub expires: i64,
}

pub trait Store: Send + Sync {
    /// A short name (`cache status` prints it): `secret-service`, `kernel-keyring`, `memory`.
    fn name(&self) -> &'static str;
    /// The entry filed under `key`, if any.
    fn get(&self, key: &str) -> Result<Option<Record>, StoreError>;
    /// Files `record` under `label.key`, replacing what was there.
    fn put(&self, label: &Label, record: &[u8]) -> Result<(), StoreError>;
    /// Removes the entry filed under `key` (absent is fine).
    fn remove(&self, key: &str) -> Result<(), StoreError>;
    /// Every entry: its key and its record.
    fn list(&self) -> Result<Vec<(String, Record)>, StoreError>;
    /// How much of the user's quota the store uses, for `cache status`, where it has one.
    fn usage(&self) -> Option<String> {
        None
    }
}

#[cfg(test)]
pub use memory::Memory;

/// Entries in this process only: for tests of the cache's rules (not in the binary).
#[cfg(test)]
mod memory {
    use super::{Label, Record, Store, StoreError};
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use zeroize::Zeroizing;

    #[derive(Default)]
    pub struct Memory {
        entries: Mutex<BTreeMap<String, Record>>,
        /// At most this many entries (a quota, as the kernel keyring has); none: no limit.
        room: Option<usize>,
    }

    impl Memory {
        /// A store with room for `room` entries.
        pub fn with_room(room: usize) -> Memory {
            Memory {
                room: Some(room),
                ..Default::default()
            }
        }

        fn entries(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Record>> {
            self.entries.lock().unwrap_or_else(|e| e.into_inner())
        }
    }

    impl Store for Memory {
        fn name(&self) -> &'static str {
            "memory"
        }

        fn get(&self, key: &str) -> Result<Option<Record>, StoreError> {
            Ok(self.entries().get(key).cloned())
        }

        fn put(&self, label: &Label, record: &[u8]) -> Result<(), StoreError> {
            let mut entries = self.entries();
            if self
                .room
                .is_some_and(|room| entries.len() >= room && !entries.contains_key(label.key))
            {
                return Err(StoreError::Full("memory: full".into()));
            }
            entries.insert(label.key.to_owned(), Zeroizing::new(record.to_vec()));
            Ok(())
        }

        fn remove(&self, key: &str) -> Result<(), StoreError> {
            self.entries().remove(key);
            Ok(())
        }

        fn list(&self) -> Result<Vec<(String, Record)>, StoreError> {
            Ok(self
                .entries()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect())
        }
    }
}
