//! Echo off for the length of one hidden answer, restored whatever happens: a normal
//! answer, an error, a panic (the guard's Drop), and every signal that would end the
//! process and can be caught (a handler restores the mode, then the signal takes its default
//! course); Ctrl-Z restores it while stopped and turns echo off again on `fg`.

use std::fs::File;
use std::os::unix::io::AsRawFd;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// The terminal and its mode before echo went off, for the signal handler, which can
/// take no lock: written before ACTIVE is set, read only while it is.
static FD: AtomicI32 = AtomicI32::new(-1);
static ACTIVE: AtomicBool = AtomicBool::new(false);
static mut SAVED: std::mem::MaybeUninit<libc::termios> = std::mem::MaybeUninit::uninit();
static mut QUIET: std::mem::MaybeUninit<libc::termios> = std::mem::MaybeUninit::uninit();
/// One hidden prompt at a time.
static ONE: Mutex<()> = Mutex::new(());

/// Every signal whose default action ends the process and that can be caught (SIGKILL
/// cannot): each would otherwise leave the terminal without echo. A signal the process
/// ignores (Rust ignores SIGPIPE) stays ignored.
fn fatal() -> Vec<libc::c_int> {
    let mut signals = vec![
        libc::SIGHUP,
        libc::SIGINT,
        libc::SIGQUIT,
        libc::SIGILL,
        libc::SIGTRAP,
        libc::SIGABRT,
        libc::SIGBUS,
        libc::SIGFPE,
        libc::SIGUSR1,
        libc::SIGSEGV,
        libc::SIGUSR2,
        libc::SIGPIPE,
        libc::SIGALRM,
        libc::SIGTERM,
        libc::SIGXCPU,
        libc::SIGXFSZ,
        libc::SIGVTALRM,
        libc::SIGPROF,
        libc::SIGIO,
        libc::SIGSYS,
    ];
    #[cfg(target_os = "linux")]
    {
        signals.extend([libc::SIGSTKFLT, libc::SIGPWR]);
        signals.extend(libc::SIGRTMIN()..=libc::SIGRTMAX());
    }
    signals
}

const STOP: [libc::c_int; 3] = [libc::SIGTSTP, libc::SIGTTIN, libc::SIGTTOU];

pub struct Quiet {
    previous: Vec<(libc::c_int, libc::sigaction)>,
    _one: std::sync::MutexGuard<'static, ()>,
}

impl Quiet {
    pub fn start(tty: &File) -> std::io::Result<Quiet> {
        let one = ONE.lock().unwrap_or_else(|e| e.into_inner());
        let fd = tty.as_raw_fd();
        // SAFETY: tcgetattr fills the struct; SAVED and QUIET are written only here,
        // under ONE, before ACTIVE publishes them to the handler.
        unsafe {
            let mut saved: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(fd, &mut saved) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let mut quiet = saved;
            quiet.c_lflag &= !(libc::ECHO | libc::ECHOE | libc::ECHOK);
            (*std::ptr::addr_of_mut!(SAVED)).write(saved);
            (*std::ptr::addr_of_mut!(QUIET)).write(quiet);
            FD.store(fd, Ordering::SeqCst);
            ACTIVE.store(true, Ordering::SeqCst);
        }
        let mut previous = Vec::new();
        for sig in fatal().into_iter().chain(STOP) {
            // SAFETY: installs a handler that only calls async-signal-safe functions, and
            // puts back at once a disposition that ignored the signal.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler();
                libc::sigemptyset(&mut action.sa_mask);
                action.sa_flags = libc::SA_RESTART;
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig, &action, &mut old) == 0 {
                    if old.sa_sigaction == libc::SIG_IGN {
                        libc::sigaction(sig, &old, std::ptr::null_mut());
                    } else {
                        previous.push((sig, old));
                    }
                }
            }
        }
        let quiet = Quiet {
            previous,
            _one: one,
        };
        // SAFETY: QUIET was written above.
        if unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, (*std::ptr::addr_of!(QUIET)).as_ptr()) }
            != 0
        {
            return Err(std::io::Error::last_os_error());
        }
        Ok(quiet)
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        restore();
        ACTIVE.store(false, Ordering::SeqCst);
        for (sig, old) in &self.previous {
            // SAFETY: puts back the disposition sigaction reported.
            unsafe {
                libc::sigaction(*sig, old, std::ptr::null_mut());
            }
        }
    }
}

/// Puts the saved mode back, if a prompt is active. Async-signal-safe.
fn restore() {
    if ACTIVE.load(Ordering::SeqCst) {
        // SAFETY: SAVED is initialised while ACTIVE is set; tcsetattr is
        // async-signal-safe.
        unsafe {
            libc::tcsetattr(
                FD.load(Ordering::SeqCst),
                libc::TCSANOW,
                (*std::ptr::addr_of!(SAVED)).as_ptr(),
            );
        }
    }
}

fn handler() -> libc::sighandler_t {
    on_signal as extern "C" fn(libc::c_int) as *const () as libc::sighandler_t
}

/// Restores the terminal, then lets the signal do what it would have done: end the
/// process (with the signal's own status) or stop it; after a stop, echo goes off again.
extern "C" fn on_signal(sig: libc::c_int) {
    restore();
    // SAFETY: signal, raise, sigprocmask, write and tcsetattr are async-signal-safe.
    unsafe {
        let _ = libc::write(FD.load(Ordering::SeqCst), b"\n".as_ptr().cast(), 1);
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
        // Only a stop signal comes back here, after SIGCONT.
        libc::signal(sig, handler());
        if ACTIVE.load(Ordering::SeqCst) {
            libc::tcsetattr(
                FD.load(Ordering::SeqCst),
                libc::TCSAFLUSH,
                (*std::ptr::addr_of!(QUIET)).as_ptr(),
            );
        }
    }
}
