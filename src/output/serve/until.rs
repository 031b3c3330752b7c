//! `serve --until-exit PID`: the server a shell's integration starts ends with that shell,
//! however the shell ends (a pidfd, where the kernel has them, else a check each second),
//! and it leaves the terminal's session first, so that Ctrl-C at the shell's prompt, or the
//! terminal closing, does not end it early (and it never stops itself reading the terminal
//! from the background: a code it needs is asked in a dialog, or its refresh says why not).

use super::ServeError;
use std::time::Duration;

/// Detaches from the terminal, then watches `pid` on a thread: when it ends, this process
/// gets SIGTERM, which ends `serve` as `kill` does.
pub fn watch(pid: u32) -> Result<(), ServeError> {
    if !crate::secrets::process::exists(pid) {
        return Err(ServeError::NoSuchProcess(pid));
    }
    // SAFETY: setsid takes no arguments; it fails only for a process group leader, which
    // then stays where it is.
    unsafe {
        libc::setsid();
    }
    std::thread::Builder::new()
        .name("until-exit".into())
        .spawn(move || {
            wait_for_exit(pid);
            // SAFETY: a signal to this process, which serve handles (or which ends it).
            unsafe {
                libc::kill(libc::getpid(), libc::SIGTERM);
            }
        })
        .map_err(ServeError::Thread)?;
    Ok(())
}

/// Returns once process `pid` has ended.
fn wait_for_exit(pid: u32) {
    if let Some(fd) = crate::secrets::process::pidfd_open(pid) {
        use std::os::fd::AsRawFd;
        let mut poll = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one pollfd we own; the descriptor stays open for the call.
        while unsafe { libc::poll(&mut poll, 1, -1) } < 0 {}
        return;
    }
    while crate::secrets::process::exists(pid) {
        std::thread::sleep(Duration::from_secs(1));
    }
}
