//! The session cache: it wraps the step that obtains credentials, so a run whose result is
//! cached runs no password manager and no STS call. Entries live in the OS keyring (the
//! Secret Service, else the user's persistent kernel keyring), never in a file; a per-profile
//! lock makes parallel callers share one STS call and one prompt.

pub mod entry;
pub mod lock;
pub mod store;

#[cfg(target_os = "linux")]
pub mod kernel;
#[cfg(target_os = "linux")]
pub mod secret_service;

use crate::credentials::{SessionCredentials, now_secs};
use aws_lc_rs::digest;
pub use entry::{Entry, Kind};
use std::path::PathBuf;
use std::time::Duration;
pub use store::{Label, Store, StoreError};

/// How often, and how long apart, a full store is tried again after one entry was dropped,
/// before the next is dropped (the kernel frees quota a few milliseconds after a drop).
const FREEING_TRIES: usize = 20;
const FREEING_PAUSE: Duration = Duration::from_millis(10);

/// An entry claiming to live longer than any STS session was not written by us.
const LONGEST_LIFE: i64 = crate::sts::LONGEST_SESSION;

/// The identity of what is cached: SHA-256 over named, length-prefixed fields, in hex.
pub struct KeyBuilder(digest::Context);

impl KeyBuilder {
    pub fn new(purpose: &str) -> KeyBuilder {
        let mut builder = KeyBuilder(digest::Context::new(&digest::SHA256));
        builder.field("purpose", Some(purpose));
        builder
    }

    /// Adds one field; `None` and `Some("")` differ.
    pub fn field(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        for part in [Some(name), value] {
            match part {
                Some(text) => {
                    self.0.update(&(text.len() as u64 + 1).to_le_bytes());
                    self.0.update(text.as_bytes());
                }
                None => self.0.update(&0u64.to_le_bytes()),
            }
        }
        self
    }

    pub fn number(&mut self, name: &str, value: Option<u64>) -> &mut Self {
        self.field(name, value.map(|v| v.to_string()).as_deref())
    }

    /// A secret enters the key only as its own SHA-256, so the key could not give it away
    /// even if it were not itself hashed.
    pub fn secret(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        let hashed = value.map(|v| sha256_hex(v.as_bytes()));
        self.field(name, hashed.as_deref())
    }

    pub fn finish(self) -> String {
        hex(self.0.finish().as_ref())
    }
}

/// SHA-256 of `bytes`, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The store in use, or why there is none.
pub struct Opened {
    pub store: Option<Box<dyn Store>>,
    pub reason: String,
    /// `AWS_AUTH_CACHE_STORE` named a store and it cannot be used: the user asked for
    /// something that is not happening, so runs warn and `cache list|clear` fail.
    pub refused: bool,
}

impl Opened {
    /// The cache for a run: a warning when the named store is refused, nothing said when
    /// `auto` finds no store (a container that forbids keyctl).
    pub fn into_cache(self) -> Option<Cache> {
        if self.refused {
            crate::say!(
                "aws-auth: warning: no session cache: {}; continuing without it",
                self.reason
            );
        }
        self.store.map(Cache::new)
    }
}

/// Which store `AWS_AUTH_CACHE_STORE` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Choice {
    Auto,
    SecretService,
    KernelKeyring,
}

const STORE_VAR: &str = "AWS_AUTH_CACHE_STORE";

fn choice() -> Result<Choice, String> {
    match crate::env::var(STORE_VAR).as_deref() {
        None | Some("auto") => Ok(Choice::Auto),
        Some("secret-service") => Ok(Choice::SecretService),
        Some("kernel-keyring") => Ok(Choice::KernelKeyring),
        Some(other) => Err(format!(
            "{STORE_VAR} is {:?}, not auto, secret-service or kernel-keyring",
            crate::report::clean(other)
        )),
    }
}

/// Picks the store: with `AWS_AUTH_CACHE_STORE` unset or `auto`, the Secret Service when a
/// D-Bus session reaches one, else the user's persistent kernel keyring, else none (a
/// container that forbids keyctl); a named store is that store or none, never the other
/// one. Never a file.
///
/// An `AWS_AUTH_CACHE_STORE` that names no store is an error (a usage error, exit 2, for
/// the commands that use the cache).
#[cfg(target_os = "linux")]
pub fn open() -> Result<Opened, String> {
    let choice = choice()?;
    let mut why = Vec::new();
    if choice != Choice::KernelKeyring {
        match open_secret_service() {
            Ok(ss) => {
                return Ok(Opened {
                    store: Some(Box::new(ss)),
                    reason: "a Secret Service answers on the D-Bus session bus; entries are items of its \
                             default collection, encrypted at rest by the keyring daemon"
                        .into(),
                    refused: false,
                });
            }
            Err(e) => why.push(e),
        }
        if choice == Choice::SecretService {
            why.push(format!(
                "{STORE_VAR}=secret-service rules out the kernel keyring"
            ));
            return Ok(Opened {
                store: None,
                reason: why.join("; "),
                refused: true,
            });
        }
    }
    match kernel::Kernel::open() {
        Ok(kernel) => {
            why.push(
                "using the user's persistent kernel keyring, shared by all of your logins and held in \
                 kernel memory only"
                    .into(),
            );
            Ok(Opened {
                store: Some(Box::new(kernel)),
                reason: why.join("; "),
                refused: false,
            })
        }
        Err(e) => {
            why.push(e.to_string());
            if choice == Choice::Auto {
                why.push("aws-auth runs without a session cache".into());
            }
            Ok(Opened {
                store: None,
                reason: why.join("; "),
                refused: choice != Choice::Auto,
            })
        }
    }
}

/// The Secret Service of the session bus, or why not (within 3 s: a D-Bus call can wait a
/// long time on a stuck daemon, and the cache is not worth it).
#[cfg(target_os = "linux")]
fn open_secret_service() -> Result<secret_service::Ss, String> {
    if crate::env::var("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return Err(
            "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset), so no Secret Service".into(),
        );
    }
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(secret_service::Ss::open());
    });
    match result.recv_timeout(Duration::from_secs(3)) {
        Ok(Ok(ss)) => Ok(ss),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the Secret Service did not answer within 3 s".into()),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn open() -> Result<Opened, String> {
    Ok(Opened {
        store: None,
        reason: "the session cache is implemented for Linux only so far; aws-auth runs without one"
            .into(),
        refused: choice()? != Choice::Auto,
    })
}

/// A store and where its locks go.
/// Forgets profile `name`'s cached sessions in the store in use, after its keys were
/// replaced (`add --force`, `rotate`): the next run uses the new keys. A failure only
/// warns, and says how to clear them: the keys are stored.
pub fn forget_profile(name: &str) {
    let store = match open() {
        Ok(Opened {
            store: Some(store), ..
        }) => store,
        // No store where none was asked for (a container without keyctl): nothing cached.
        Ok(Opened { refused: false, .. }) => return,
        Ok(Opened { reason, .. }) | Err(reason) => {
            crate::say!(
                "aws-auth: warning: could not clear the cached sessions of profile \"{name}\": {reason}"
            );
            return;
        }
    };
    match Cache::new(store).clear(Some(name)) {
        Ok(0) => {}
        Ok(n) => crate::say!(
            "aws-auth: removed {n} cached session{} of profile \"{name}\"",
            if n == 1 { "" } else { "s" }
        ),
        Err(e) => crate::say!(
            "aws-auth: warning: could not clear the cached sessions of profile \"{name}\": {e}; run \
             `aws-auth cache clear --profile {name}`"
        ),
    }
}

pub struct Cache {
    store: Box<dyn Store>,
    locks: PathBuf,
}

fn warn(store: &dyn Store, e: &StoreError) {
    crate::say!(
        "aws-auth: warning: session cache ({}): {e}; continuing without it",
        store.name()
    );
}

impl Cache {
    pub fn new(store: Box<dyn Store>) -> Cache {
        Cache {
            store,
            locks: lock::dir(),
        }
    }

    #[cfg(test)]
    pub fn with_lock_dir(store: Box<dyn Store>, locks: PathBuf) -> Cache {
        Cache { store, locks }
    }

    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    /// The entry of `kind` under `key` while at least `min_ttl` seconds of it remain. An entry
    /// that does not decode, names another key or kind, or claims an impossible life is
    /// removed (it will be replaced) and never used.
    /// The entry filed under `key`, when it is of `kind` and lasts: more than `min_ttl`
    /// seconds left. An entry that does not parse, is another key's or claims an
    /// impossible lifetime is removed, never used.
    pub fn get(&self, key: &str, kind: Kind, min_ttl: i64) -> Option<Entry> {
        let record = match self.store.get(key) {
            Ok(Some(record)) => record,
            Ok(None) => return None,
            Err(e) => {
                warn(&*self.store, &e);
                return None;
            }
        };
        let now = now_secs();
        match Entry::decode(&record) {
            Some(entry)
                if entry.key == key
                    && entry.kind == kind
                    && entry.credentials.remaining_secs(now) <= LONGEST_LIFE =>
            {
                entry.credentials.lasts(min_ttl, now).then_some(entry)
            }
            _ => {
                if let Err(e) = self.store.remove(key) {
                    warn(&*self.store, &e);
                }
                None
            }
        }
    }

    /// Files `credentials` under `key` (with the key of the MFA session they were derived
    /// from, if any). A failure is a warning: the run still has its result.
    pub fn put(
        &self,
        key: &str,
        kind: Kind,
        profile: &str,
        region: Option<&str>,
        session: Option<&str>,
        credentials: &SessionCredentials,
    ) {
        let entry = Entry {
            key: key.to_owned(),
            profile: profile.to_owned(),
            kind,
            region: region.map(str::to_owned),
            session: session.map(str::to_owned),
            credentials: SessionCredentials {
                access_key_id: credentials.access_key_id.clone(),
                secret_access_key: credentials.secret_access_key.clone(),
                session_token: credentials.session_token.clone(),
                expiration: credentials.expiration,
            },
        };
        let Some(record) = entry.encode() else {
            return;
        };
        let label = Label {
            key,
            profile,
            kind: kind.as_str(),
            expires: credentials.expiration.secs(),
        };
        // A full store (the kernel keyring's quota): room is made by dropping the entry that
        // lasts least, unusable ones first, until this one fits. The kernel frees a dropped
        // key's quota a moment later (its garbage collector), so each drop is given that
        // moment before the next.
        let mut tries = 0;
        loop {
            match self.store.put(&label, record.as_bytes()) {
                Ok(()) => return,
                Err(StoreError::Full(why)) => {
                    tries += 1;
                    if tries % FREEING_TRIES == 0 || tries == 1 {
                        if !self.evict_soonest(key) {
                            return warn(&*self.store, &StoreError::Full(why));
                        }
                    } else {
                        std::thread::sleep(FREEING_PAUSE);
                    }
                }
                Err(e) => return warn(&*self.store, &e),
            }
        }
    }

    /// Removes the entry (other than `keep`) that expires soonest; false when there is none.
    fn evict_soonest(&self, keep: &str) -> bool {
        let Ok(listed) = self.store.list() else {
            return false;
        };
        let soonest = listed
            .iter()
            .filter(|(key, _)| key != keep)
            .min_by_key(|(_, record)| {
                Entry::decode(record).map_or(i64::MIN, |e| e.credentials.expiration.secs())
            });
        match soonest {
            Some((key, _)) => self.store.remove(key).is_ok(),
            None => false,
        }
    }

    /// Every decodable entry (for `cache list` and `cache clear`).
    pub fn entries(&self) -> Result<Vec<Entry>, StoreError> {
        Ok(self
            .store
            .list()?
            .into_iter()
            .filter_map(|(key, record)| Entry::decode(&record).filter(|e| e.key == key))
            .collect())
    }

    /// Removes every entry of `profile`, and the MFA sessions its credentials came from
    /// (another profile with the same keys and device may have made them); all entries when
    /// `None`, those that do not decode too. Returns how many.
    pub fn clear(&self, profile: Option<&str>) -> Result<usize, StoreError> {
        let listed = self.store.list()?;
        let mut doomed = std::collections::BTreeSet::new();
        for (key, record) in &listed {
            match (profile, Entry::decode(record)) {
                (None, _) => {
                    doomed.insert(key.clone());
                }
                (Some(p), Some(entry)) if entry.profile == p => {
                    doomed.insert(key.clone());
                    doomed.extend(entry.session);
                }
                _ => {}
            }
        }
        let mut removed = 0;
        for (key, _) in &listed {
            if doomed.contains(key) {
                self.store.remove(key)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The lock for `name`, waiting at most `limit`.
    pub fn lock(&self, name: &str, limit: Duration) -> Result<lock::Lock, lock::LockError> {
        lock::acquire(&self.locks, name, limit)
    }
}

#[cfg(test)]
mod tests;
