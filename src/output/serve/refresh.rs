//! The credentials the endpoint hands out, and the thread that replaces them before they run
//! out. `Provider::obtain` blocks (STS, perhaps a prompt on /dev/tty), so it runs on its own
//! std thread; requests only ever clone an `Arc` out of a briefly held lock.

use super::ServeError;
use crate::credentials::{SessionCredentials, now_secs};
use crate::providers::Provider;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The first wait after a failed refresh; it doubles up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// The longest single sleep: the clock is read again after it, so a suspended laptop that
/// wakes up late still refreshes in time (a sleep does not count suspended time).
const MAX_NAP: Duration = Duration::from_secs(30);

/// The credentials served now.
pub struct Held {
    current: Mutex<Arc<SessionCredentials>>,
}

impl Held {
    pub fn new(credentials: SessionCredentials) -> Held {
        Held {
            current: Mutex::new(Arc::new(credentials)),
        }
    }

    pub fn get(&self) -> Arc<SessionCredentials> {
        Arc::clone(&self.current.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn set(&self, credentials: SessionCredentials) {
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Arc::new(credentials);
    }
}

/// The running refresh thread; dropping this wakes it from its sleep and ends it (one stuck
/// in `obtain` ends with the process).
pub struct Refresher {
    _stop: mpsc::Sender<()>,
}

/// Starts the thread that keeps `held` more than `min_ttl` from expiry.
pub fn start(
    provider: Arc<dyn Provider>,
    min_ttl: Duration,
    held: Arc<Held>,
) -> Result<Refresher, ServeError> {
    let (stop, stopped) = mpsc::channel();
    std::thread::Builder::new()
        .name("aws-auth-refresh".into())
        .spawn(move || refresh_loop(&*provider, min_ttl, &held, &stopped))
        .map_err(ServeError::Thread)?;
    Ok(Refresher { _stop: stop })
}

fn refresh_loop(
    provider: &dyn Provider,
    min_ttl: Duration,
    held: &Held,
    stopped: &mpsc::Receiver<()>,
) {
    let min_ttl = i64::try_from(min_ttl.as_secs()).unwrap_or(i64::MAX);
    let mut backoff = FIRST_BACKOFF;
    loop {
        let now = now_secs();
        let left = held.get().remaining_secs(now);
        // Due once they no longer last (the rule the cache serves by): until then, sleep
        // to the moment they stop lasting.
        let due_in = left.saturating_sub(min_ttl);
        if held.get().lasts(min_ttl, now) {
            let nap = Duration::from_secs(due_in.unsigned_abs()).min(MAX_NAP);
            if sleep(stopped, nap) {
                return;
            }
            continue;
        }
        match provider.retrieve() {
            Ok(issued) => {
                let now = now_secs();
                let fresh_left = issued.credentials.remaining_secs(now);
                let lasting = issued.credentials.lasts(min_ttl, now);
                held.set(issued.credentials);
                if lasting {
                    backoff = FIRST_BACKOFF;
                    continue;
                }
                // Not what obtain promises; without this the loop would ask STS non-stop.
                crate::say!(
                    "aws-auth: serve: the new credentials are valid for only {fresh_left} s, \
                     less than --min-ttl ({min_ttl} s); trying again in {} s",
                    backoff.as_secs()
                );
            }
            Err(e) => {
                let still = if left > 0 {
                    format!("still serving the current ones ({left} s left)")
                } else {
                    "the current ones have expired: requests get 503 until a refresh works"
                        .to_owned()
                };
                crate::say!(
                    "aws-auth: serve: refreshing the credentials failed: {e}; {still}; \
                     trying again in {} s",
                    backoff.as_secs()
                );
            }
        }
        if sleep(stopped, backoff) {
            return;
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Sleeps for `duration`; true when told to stop instead.
fn sleep(stopped: &mpsc::Receiver<()>, duration: Duration) -> bool {
    match stopped.recv_timeout(duration) {
        Err(RecvTimeoutError::Timeout) => false,
        Ok(()) | Err(RecvTimeoutError::Disconnected) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Issued;
    use crate::error::Error;
    use aws_smithy_types::DateTime;
    use secrecy::SecretString;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    /// Hands out `ASIA<n>` valid for `lifetimes[n]` seconds (the last one repeating), or an
    /// error where the lifetime is `None`.
    struct Scripted {
        lifetimes: Vec<Option<i64>>,
        calls: AtomicUsize,
        min_ttl: u64,
    }

    impl Provider for Scripted {
        fn retrieve(&self) -> Result<Issued, Error> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            match self.lifetimes[n.min(self.lifetimes.len() - 1)] {
                Some(lifetime) => Ok(Issued::plain(credentials(&format!("ASIA{n}"), lifetime))),
                None => Err(Error::Usage("scripted failure".into())),
            }
        }
    }

    fn start_for(provider: &Arc<Scripted>, held: &Arc<Held>) -> Refresher {
        let min_ttl = Duration::from_secs(provider.min_ttl);
        start(provider.clone(), min_ttl, Arc::clone(held)).unwrap()
    }

    fn credentials(id: &str, lifetime: i64) -> SessionCredentials {
        SessionCredentials {
            access_key_id: id.into(),
            secret_access_key: SecretString::from("secret"),
            session_token: SecretString::from("token"),
            expiration: DateTime::from_secs(now_secs() + lifetime),
        }
    }

    fn wait_for(held: &Held, id: &str, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if held.get().access_key_id == id {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    #[test]
    fn credentials_inside_the_window_are_replaced_at_once() {
        let provider = Arc::new(Scripted {
            lifetimes: vec![Some(3600)],
            calls: AtomicUsize::new(0),
            min_ttl: 900,
        });
        let held = Arc::new(Held::new(credentials("ASIAOLD", 600)));
        let _refresher = start_for(&provider, &held);
        assert!(wait_for(&held, "ASIA0", Duration::from_secs(5)));
        // Fresh ones outside the window: no second call.
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(provider.calls.load(Ordering::SeqCst), 1);
    }

    /// Regression: credentials with exactly `--min-ttl` left were refreshed, but the cache
    /// still served them, so the refresh got them back and warned "valid for only 900 s,
    /// less than --min-ttl (900 s)". Both follow one rule: due once they no longer last.
    #[test]
    fn credentials_at_the_boundary_are_due_and_fresh_ones_end_the_cycle() {
        let provider = Arc::new(Scripted {
            lifetimes: vec![Some(3600)],
            calls: AtomicUsize::new(0),
            min_ttl: 900,
        });
        let held = Arc::new(Held::new(credentials("ASIAOLD", 900)));
        let _refresher = start_for(&provider, &held);
        assert!(wait_for(&held, "ASIA0", Duration::from_secs(5)));
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            provider.calls.load(Ordering::SeqCst),
            1,
            "one call, no warning loop"
        );
    }

    #[test]
    fn credentials_outside_the_window_are_left_alone() {
        let provider = Arc::new(Scripted {
            lifetimes: vec![Some(3600)],
            calls: AtomicUsize::new(0),
            min_ttl: 900,
        });
        let held = Arc::new(Held::new(credentials("ASIAOLD", 1000)));
        let _refresher = start_for(&provider, &held);
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(provider.calls.load(Ordering::SeqCst), 0);
        assert_eq!(held.get().access_key_id, "ASIAOLD");
    }

    #[test]
    fn a_failed_refresh_keeps_the_old_credentials_and_retries_after_a_pause() {
        let provider = Arc::new(Scripted {
            lifetimes: vec![None, Some(3600)],
            calls: AtomicUsize::new(0),
            min_ttl: 900,
        });
        let held = Arc::new(Held::new(credentials("ASIAOLD", 600)));
        let _refresher = start_for(&provider, &held);
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(provider.calls.load(Ordering::SeqCst), 1);
        assert_eq!(held.get().access_key_id, "ASIAOLD");
        assert!(wait_for(
            &held,
            "ASIA1",
            FIRST_BACKOFF + Duration::from_secs(5)
        ));
    }
}
