//! The runner's watch over one running child: its stdout and stderr read with poll(2) into
//! bounded buffers (stdout zeroizing) until it has exited (woken by a pidfd where the kernel
//! has one), the deadline kept, a child stopped for the terminal (SIGTTIN) or printing too
//! much stopped, and what a background grandchild still holds of the pipes not waited for.

use super::{MAX_STDERR_BYTES, MAX_STDOUT, Relay};
use std::io::Read;
use std::os::fd::{AsRawFd, RawFd};
use std::process::Child;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

pub(super) enum Stop {
    Timeout,
    WantsTerminal,
    TooMuch,
    Io(std::io::Error),
}

/// Reads a running child's stdout and stderr with poll(2) until it has exited.
pub(super) struct Watch<'a> {
    child: &'a mut Child,
    relay: &'a Relay<'a>,
    /// Where the stderr lines not yet looked at by `relay` start.
    relayed: usize,
    out: Option<std::process::ChildStdout>,
    err: Option<std::process::ChildStderr>,
    /// Readable once the child has exited (Linux ≥ 5.3); without it, exit is polled.
    pidfd: Option<std::os::fd::OwnedFd>,
    pub(super) stdout: Zeroizing<Vec<u8>>,
    pub(super) stderr: Vec<u8>,
}

impl<'a> Watch<'a> {
    pub(super) fn new(child: &'a mut Child, relay: &'a Relay<'a>) -> Watch<'a> {
        let out = child.stdout.take();
        let err = child.stderr.take();
        let pidfd = pidfd_open(child.id());
        Watch {
            child,
            relay,
            relayed: 0,
            out,
            err,
            pidfd,
            stdout: Zeroizing::new(Vec::with_capacity(MAX_STDOUT + 1)),
            stderr: Vec::new(),
        }
    }

    pub(super) fn read_until_exit(
        &mut self,
        deadline: Instant,
    ) -> Result<std::process::ExitStatus, Stop> {
        loop {
            match child_state(self.child.id()).map_err(Stop::Io)? {
                ChildState::Running => {}
                ChildState::Exited(status) => {
                    // Whatever it wrote is in the pipes now: take that and stop, even if a
                    // background child of its own still holds them open.
                    self.drain()?;
                    return Ok(status);
                }
                // In its own process group it is not the terminal's foreground: reading
                // or setting up the terminal stops it. It wanted to ask for a password.
                ChildState::Stopped => return Err(Stop::WantsTerminal),
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Stop::Timeout);
            }
            let mut fds: Vec<libc::pollfd> = Vec::with_capacity(3);
            for fd in [
                self.out.as_ref().map(|p| p.as_raw_fd()),
                self.err.as_ref().map(|p| p.as_raw_fd()),
                self.pidfd.as_ref().map(|p| p.as_raw_fd()),
            ]
            .into_iter()
            .flatten()
            {
                fds.push(libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                });
            }
            let left = deadline - now;
            // With a pidfd, exit wakes us; without one (or once both pipes are closed and
            // there is nothing else to wait on), look again every few milliseconds.
            // A stop (SIGTTIN, SIGTTOU) wakes nothing: look for one every 100 ms.
            let slice = if self.pidfd.is_some() {
                left.min(Duration::from_millis(100))
            } else {
                left.min(Duration::from_millis(5))
            };
            let timeout = slice.as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
            // SAFETY: `fds` is a live array of `fds.len()` pollfd structs.
            let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
            if ready < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(Stop::Io(e));
            }
            for pfd in &fds {
                if pfd.revents == 0 {
                    continue;
                }
                if self.out.as_ref().is_some_and(|p| p.as_raw_fd() == pfd.fd) {
                    self.read_stdout()?;
                } else if self.err.as_ref().is_some_and(|p| p.as_raw_fd() == pfd.fd) {
                    self.read_stderr()?;
                }
            }
        }
    }

    /// One read of stdout; at EOF the pipe is closed.
    fn read_stdout(&mut self) -> Result<(), Stop> {
        let Some(pipe) = self.out.as_mut() else {
            return Ok(());
        };
        let len = self.stdout.len();
        // Read into the spare capacity: the buffer never reallocates (no copy left behind).
        self.stdout.resize(MAX_STDOUT + 1, 0);
        let (n, eof) = match pipe.read(&mut self.stdout[len..]) {
            Ok(n) => (n, n == 0),
            Err(e) if would_block(&e) => (0, false),
            Err(e) => {
                self.stdout.truncate(len);
                return Err(Stop::Io(e));
            }
        };
        self.stdout.truncate(len + n);
        if eof {
            self.out = None;
        }
        if self.stdout.len() > MAX_STDOUT {
            return Err(Stop::TooMuch);
        }
        Ok(())
    }

    /// One read of stderr, kept up to `MAX_STDERR_BYTES`; at EOF the pipe is closed.
    fn read_stderr(&mut self) -> Result<(), Stop> {
        let Some(pipe) = self.err.as_mut() else {
            return Ok(());
        };
        let mut chunk = [0u8; 4096];
        match pipe.read(&mut chunk) {
            Ok(0) => self.err = None,
            Ok(n) => {
                let room = MAX_STDERR_BYTES.saturating_sub(self.stderr.len());
                self.stderr.extend_from_slice(&chunk[..n.min(room)]);
                self.relayed = self.relay.pass_on(&self.stderr, self.relayed);
            }
            Err(e) if would_block(&e) => {}
            Err(e) => return Err(Stop::Io(e)),
        }
        Ok(())
    }

    /// After exit: what is already in the pipes, without waiting for more.
    fn drain(&mut self) -> Result<(), Stop> {
        for fd in [
            self.out.as_ref().map(|p| p.as_raw_fd()),
            self.err.as_ref().map(|p| p.as_raw_fd()),
        ]
        .into_iter()
        .flatten()
        {
            set_nonblocking(fd);
        }
        while self.out.is_some() {
            let before = self.stdout.len();
            self.read_stdout()?;
            if self.stdout.len() == before {
                break;
            }
        }
        while self.err.is_some() {
            let before = self.stderr.len();
            self.read_stderr()?;
            if self.stderr.len() == before || self.stderr.len() >= MAX_STDERR_BYTES {
                break;
            }
        }
        Ok(())
    }
}

enum ChildState {
    Running,
    Exited(std::process::ExitStatus),
    /// Stopped by a signal (a terminal read or mode change from a background group).
    Stopped,
}

/// waitpid(WNOHANG | WUNTRACED): std's `try_wait` cannot see a stopped child.
fn child_state(pid: u32) -> std::io::Result<ChildState> {
    use std::os::unix::process::ExitStatusExt;
    let mut status: libc::c_int = 0;
    // SAFETY: waitpid on our own child, writing into a local.
    let reaped = unsafe {
        libc::waitpid(
            pid as libc::pid_t,
            &mut status,
            libc::WNOHANG | libc::WUNTRACED,
        )
    };
    match reaped {
        0 => Ok(ChildState::Running),
        r if r < 0 => {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                Ok(ChildState::Running)
            } else {
                Err(e)
            }
        }
        _ if libc::WIFSTOPPED(status) => Ok(ChildState::Stopped),
        _ => Ok(ChildState::Exited(std::process::ExitStatus::from_raw(
            status,
        ))),
    }
}

fn would_block(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
    )
}

fn set_nonblocking(fd: RawFd) {
    // SAFETY: F_GETFL/F_SETFL on a descriptor we own.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
    }
}

#[cfg(target_os = "linux")]
pub(crate) fn pidfd_open(pid: u32) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: the descriptor was just returned to us and is owned by nobody else.
    Some(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as RawFd) })
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn pidfd_open(_pid: u32) -> Option<std::os::fd::OwnedFd> {
    None
}
