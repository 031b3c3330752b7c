//! Deferring the signals that would interrupt a step that must finish once begun: from
//! CreateAccessKey until `rotate` has stored the outcome and said where IAM and the backend
//! stand, SIGINT, SIGTERM and SIGHUP are noted (the user is told once that aws-auth is
//! finishing), not acted on. When the step ends, the handlers are put back; once everything
//! has been reported, `main_entry` ends the process with the signal that came.

use std::sync::atomic::{AtomicI32, Ordering};

/// The signals deferred: what a terminal's Ctrl-C, a `kill` and a closed terminal send.
const DEFERRED: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// The first signal that came while deferred (0: none).
static PENDING: AtomicI32 = AtomicI32::new(0);

/// Said once, from the handler (no allocation there): why the process did not stop.
pub static ROTATING: &[u8] =
    b"aws-auth: interrupted while rotating: finishing first, so that a working key stays stored \
and IAM and the backend agree; it stops right after\n";
pub static MIGRATING: &[u8] =
    b"aws-auth: interrupted while migrating: finishing first, so that the profile reads from a store \
that holds its keys; it stops right after\n";

/// The notice of the deferral in force (one of the statics above: the handler only reads it).
static NOTICE: std::sync::atomic::AtomicPtr<&'static [u8]> =
    std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

/// While this lives, the deferred signals are noted instead of acted on.
pub struct Deferral {
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

impl Deferral {
    /// `notice` is said once, when the first deferred signal comes.
    pub fn start(notice: &'static &'static [u8]) -> Deferral {
        NOTICE.store(
            (notice as *const &'static [u8]).cast_mut(),
            Ordering::SeqCst,
        );
        let mut previous = Vec::new();
        for sig in DEFERRED {
            // A signal ignored already (nohup, `&` without job control) stays ignored: noted,
            // it would end the process once the step is done, which it was never to do.
            // SAFETY: reads the current disposition only.
            let ignored = unsafe {
                let mut current: libc::sigaction = std::mem::zeroed();
                libc::sigaction(sig, std::ptr::null(), &mut current) == 0
                    && current.sa_sigaction == libc::SIG_IGN
            };
            if ignored {
                continue;
            }
            // SAFETY: installs a handler that only touches an atomic and calls write(2).
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction =
                    note as extern "C" fn(libc::c_int) as *const () as libc::sighandler_t;
                libc::sigemptyset(&mut action.sa_mask);
                action.sa_flags = libc::SA_RESTART;
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig, &action, &mut old) == 0 {
                    previous.push((sig, old));
                }
            }
        }
        Deferral { previous }
    }
}

impl Drop for Deferral {
    fn drop(&mut self) {
        for (sig, old) in &self.previous {
            // SAFETY: puts back the disposition sigaction reported.
            unsafe {
                libc::sigaction(*sig, old, std::ptr::null_mut());
            }
        }
    }
}

extern "C" fn note(sig: libc::c_int) {
    if PENDING
        .compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok()
    {
        let notice = NOTICE.load(Ordering::SeqCst);
        // SAFETY: write(2) is async-signal-safe; the pointer is null or a `&'static` given to
        // `start`, pointing at a static slice.
        unsafe {
            if let Some(notice) = notice.as_ref() {
                libc::write(libc::STDERR_FILENO, notice.as_ptr().cast(), notice.len());
            }
        }
    }
}

/// The signal that came while deferred, if any.
pub fn pending() -> Option<libc::c_int> {
    match PENDING.load(Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

/// Ends the process with the signal that came while deferred, as it would have ended then
/// (its default action, so the caller sees "killed by SIGINT"); nothing when none came.
pub fn act_on_pending() {
    if let Some(sig) = pending() {
        // SAFETY: resets the disposition and raises the signal on ourselves.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_while_deferred_is_noted_not_acted_on_and_the_handler_put_back() {
        let before = unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGHUP, std::ptr::null(), &mut old);
            old.sa_sigaction
        };
        {
            let _deferral = Deferral::start(&ROTATING);
            // SAFETY: raises a signal whose handler is ours for now.
            unsafe { libc::raise(libc::SIGHUP) };
            assert_eq!(pending(), Some(libc::SIGHUP));
        }
        let after = unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGHUP, std::ptr::null(), &mut old);
            old.sa_sigaction
        };
        assert_eq!(before, after);
        PENDING.store(0, Ordering::SeqCst);

        // Ignored before (nohup): still ignored while deferred, and never noted.
        // SAFETY: sets and reads SIGHUP's disposition, raised while it is ignored.
        unsafe {
            let old = libc::signal(libc::SIGHUP, libc::SIG_IGN);
            {
                let _deferral = Deferral::start(&ROTATING);
                let mut current: libc::sigaction = std::mem::zeroed();
                libc::sigaction(libc::SIGHUP, std::ptr::null(), &mut current);
                assert_eq!(current.sa_sigaction, libc::SIG_IGN);
                libc::raise(libc::SIGHUP);
                assert_eq!(pending(), None);
            }
            libc::signal(libc::SIGHUP, old);
        }
    }
}
