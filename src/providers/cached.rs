//! `Cached<P>`: any provider, with its sessions kept in the session cache. The only place
//! the cache is read or written: a session with more than the margin left is served from
//! it (no password manager, no STS call), else the provider is asked and its answer filed.
//! With a lock, one run at a time asks (parallel callers wait, then take its result).

use super::Provider;
use crate::cache::{Cache, Kind, lock::LockError};
use crate::credentials::Issued;
use crate::error::Error;
use std::time::Duration;

pub struct Cached<'a, P> {
    pub inner: P,
    pub cache: &'a Cache,
    pub key: String,
    pub kind: Kind,
    /// The profile the entry is filed under ("" for keys from the environment).
    pub profile: String,
    /// The lock to hold while asking, and how long to wait for it.
    pub lock: Option<(String, Duration)>,
    /// A cached session is served only while it has more than this many seconds left.
    pub margin: i64,
}

impl<P: Provider> Cached<'_, P> {
    fn hit(&self) -> Option<Issued> {
        let entry = self.cache.get(&self.key, self.kind, self.margin)?;
        let filed_as = (self.kind == Kind::MfaSession).then(|| self.key.clone());
        Some(Issued {
            credentials: entry.credentials,
            region: entry.region,
            mfa_session: filed_as.or(entry.session),
        })
    }
}

impl<P: Provider> Provider for Cached<'_, P> {
    fn retrieve(&self) -> Result<Issued, Error> {
        if let Some(hit) = self.hit() {
            return Ok(hit);
        }
        let _held = match &self.lock {
            None => None,
            Some((name, limit)) => match self.cache.lock(name, *limit) {
                Ok(lock) => Some(lock),
                Err(e @ LockError::Timeout(_)) => return Err(Error::Lock(e)),
                Err(e) => {
                    crate::say!("aws-auth: warning: {e}; going on without the lock");
                    None
                }
            },
        };
        // Whoever held the lock may have just filed what we need.
        if _held.is_some()
            && let Some(hit) = self.hit()
        {
            return Ok(hit);
        }
        let issued = self.inner.retrieve()?;
        self.cache.put(
            &self.key,
            self.kind,
            &self.profile,
            issued.region.as_deref(),
            issued.mfa_session.as_deref(),
            &issued.credentials,
        );
        if self.kind == Kind::MfaSession {
            return Ok(Issued {
                mfa_session: Some(self.key.clone()),
                ..issued
            });
        }
        Ok(issued)
    }
}
