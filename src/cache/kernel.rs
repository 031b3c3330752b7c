//! The user's persistent kernel keyring (`keyctl get_persistent`): shared by every login of
//! the user (a new ssh session, cron, the desktop shell), held in kernel memory only, never
//! on disk, and readable only by its possessor. Each entry is a `user` key that the kernel
//! itself drops when the session it holds expires.

use super::store::{Label, Record, Store, StoreError};
use linux_keyutils::{KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission};
use zeroize::Zeroizing;

/// Every entry's description starts so; the rest is the hex cache key.
const PREFIX: &str = "aws-auth:cache:";

pub struct Kernel {
    ring: KeyRing,
}

fn fail(what: &str, e: linux_keyutils::KeyError) -> StoreError {
    match e {
        linux_keyutils::KeyError::QuotaExceeded => StoreError::Full(format!(
            "kernel keyring: your user's key quota is full ({}); raise it with `sudo sysctl -w \
             kernel.keys.maxbytes=200000` (kernel.keys.root_maxbytes for root; maxkeys and root_maxkeys count \
             keys), or keep the cache in the Secret Service (AWS_AUTH_CACHE_STORE=secret-service)",
            quota_use().unwrap_or_else(|| "see /proc/key-users".into())
        )),
        e => StoreError::Failed(format!("kernel keyring: {what}: {e:?}")),
    }
}

/// This user's use of the kernel's key quota, from /proc/key-users (`UID: usage
/// nkeys/nikeys qnkeys/maxkeys qnbytes/maxbytes`): "N of M bytes, K of L keys".
fn quota_use() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    let text = std::fs::read_to_string("/proc/key-users").ok()?;
    let line = text
        .lines()
        .find(|l| l.trim_start().strip_prefix(&format!("{uid}:")).is_some())?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (keys, max_keys) = fields.get(3)?.split_once('/')?;
    let (bytes, max_bytes) = fields.get(4)?.split_once('/')?;
    Some(format!(
        "{bytes} of {max_bytes} bytes, {keys} of {max_keys} keys"
    ))
}

impl Kernel {
    /// The persistent keyring, linked into this process's keyring (so it is possessed for
    /// as long as aws-auth runs, and the user's session keyring is left alone).
    pub fn open() -> Result<Kernel, StoreError> {
        let ring = KeyRing::get_persistent(KeyRingIdentifier::Process)
            .map_err(|e| fail("keyctl get_persistent", e))?;
        Ok(Kernel { ring })
    }
}

impl Store for Kernel {
    fn name(&self) -> &'static str {
        "kernel-keyring"
    }

    fn get(&self, key: &str) -> Result<Option<Record>, StoreError> {
        match self.ring.search(&format!("{PREFIX}{key}")) {
            Ok(found) => {
                // The largest entry is a few KiB; a key holds at most 32 KiB.
                let mut buf = Zeroizing::new(vec![0u8; 32 * 1024]);
                let len = found.read(&mut *buf).map_err(|e| fail("read", e))?;
                buf.truncate(len);
                Ok(Some(buf))
            }
            Err(linux_keyutils::KeyError::KeyDoesNotExist)
            | Err(linux_keyutils::KeyError::KeyExpired)
            | Err(linux_keyutils::KeyError::KeyRevoked) => Ok(None),
            Err(e) => Err(fail("search", e)),
        }
    }

    fn put(&self, label: &Label, record: &[u8]) -> Result<(), StoreError> {
        let key = self
            .ring
            .add_key(&format!("{PREFIX}{}", label.key), record)
            .map_err(|e| fail("add_key", e))?;
        let perms = KeyPermissionsBuilder::builder()
            .posessor(Permission::ALL)
            .user(Permission::VIEW)
            .build();
        key.set_perms(perms).map_err(|e| fail("setperm", e))?;
        let left = label.expires - crate::credentials::now_secs();
        key.set_timeout(usize::try_from(left.max(1)).unwrap_or(1))
            .map_err(|e| fail("set_timeout", e))?;
        Ok(())
    }

    fn remove(&self, key: &str) -> Result<(), StoreError> {
        match self.ring.search(&format!("{PREFIX}{key}")) {
            Ok(found) => found.invalidate().map_err(|e| fail("invalidate", e)),
            Err(_) => Ok(()),
        }
    }

    fn usage(&self) -> Option<String> {
        quota_use().map(|used| format!("the user's kernel key quota: {used} in use"))
    }

    fn list(&self) -> Result<Vec<(String, Record)>, StoreError> {
        let links = self.ring.get_links(4096).map_err(|e| fail("read", e))?;
        let mut out = Vec::new();
        for node in links.iter() {
            let Some(key) = node.as_key() else { continue };
            let Ok(meta) = key.metadata() else { continue };
            let Some(hex) = meta.get_description().strip_prefix(PREFIX) else {
                continue;
            };
            let hex = hex.to_owned();
            if let Some(record) = self.get(&hex)? {
                out.push((hex, record));
            }
        }
        Ok(out)
    }
}
