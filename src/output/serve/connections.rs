//! Which connections serve keeps open, so that no flood can take the descriptors its owner's
//! SDKs need: never one of another user's (closed before anything is read, where the system
//! says whose a socket is), and at most `Caps` at once, overall and from one address, a
//! newcomer past a cap pushing out the connection that has been idle longest.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;
use tokio::sync::Notify;

/// Descriptors kept for what is not a client connection: stdio, the listener, the refresh
/// thread's calls to STS and its password manager, the command's pipes.
const RESERVED: u64 = 64;
/// Connections never held at once, however many descriptors there are.
const MOST: usize = 4096;
/// Connections held at once whatever the limit says (a limit that low fails elsewhere).
const FEWEST: usize = 8;

/// How many connections may be open at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    pub overall: usize,
    /// From one address (every local client is 127.0.0.1 unless it binds another).
    pub per_peer: usize,
}

impl Caps {
    /// Raises the soft descriptor limit to the hard one, and fits the caps under it.
    pub fn from_descriptor_limit() -> Caps {
        Caps::for_limit(crate::hardening::raise_descriptor_limit().unwrap_or(1024))
    }

    fn for_limit(descriptors: u64) -> Caps {
        let overall = usize::try_from(descriptors.saturating_sub(RESERVED))
            .unwrap_or(MOST)
            .clamp(FEWEST, MOST);
        Caps {
            overall,
            per_peer: (overall / 2).max(FEWEST / 2),
        }
    }
}

/// The open connections.
pub struct Connections {
    caps: Caps,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    next: u64,
    entries: HashMap<u64, Entry>,
}

struct Entry {
    peer: IpAddr,
    /// When it was accepted or last sent a request.
    last: Instant,
    close: Arc<Notify>,
}

/// One admitted connection; dropping it forgets the connection.
pub struct Admitted {
    id: u64,
    connections: Arc<Connections>,
    close: Arc<Notify>,
}

impl Connections {
    pub fn new(caps: Caps) -> Arc<Connections> {
        Arc::new(Connections {
            caps,
            open: Mutex::new(Open::default()),
        })
    }

    /// Makes room for a connection from `peer` (pushing out the idlest from that address,
    /// then the idlest of all, where a cap is reached) and takes it in.
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Admitted {
        let mut open = self.lock();
        if open.entries.values().filter(|e| e.peer == peer).count() >= self.caps.per_peer {
            open.push_out(|e| e.peer == peer);
        }
        if open.entries.len() >= self.caps.overall {
            open.push_out(|_| true);
        }
        let id = open.next;
        open.next += 1;
        let close = Arc::new(Notify::new());
        open.entries.insert(
            id,
            Entry {
                peer,
                last: Instant::now(),
                close: Arc::clone(&close),
            },
        );
        Admitted {
            id,
            connections: Arc::clone(self),
            close,
        }
    }

    /// How many are open now.
    #[cfg(test)]
    fn count(&self) -> usize {
        self.lock().entries.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        // Nothing done under the lock can leave the map half-changed.
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Open {
    /// Forgets the longest-idle connection among those `which` picks, and tells it to close.
    fn push_out(&mut self, which: impl Fn(&Entry) -> bool) {
        let idlest = self
            .entries
            .iter()
            .filter(|(_, e)| which(e))
            .min_by_key(|(id, e)| (e.last, **id))
            .map(|(id, _)| *id);
        if let Some(entry) = idlest.and_then(|id| self.entries.remove(&id)) {
            entry.close.notify_one();
        }
    }
}

impl Admitted {
    /// A request arrived on it: it is not idle.
    pub fn busy(&self) {
        if let Some(entry) = self.connections.lock().entries.get_mut(&self.id) {
            entry.last = Instant::now();
        }
    }

    /// Returns once it was pushed out to make room.
    pub async fn pushed_out(&self) {
        self.close.notified().await;
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.connections.lock().entries.remove(&self.id);
    }
}

#[cfg(test)]
mod tests;
