//! A real X display for the dialog tests: an Xvfb of its own per test (no window manager),
//! and xdotool to find the aws-auth dialog and type into it, as a person would.

use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub struct Desktop {
    pub display: String,
    server: Child,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

impl Desktop {
    /// Starts Xvfb on a display number no other server holds, and waits for its socket.
    pub fn start() -> Desktop {
        // Pids repeat across containers, the clock does not: a base from both makes two test
        // runs on one machine unlikely to reach for the same display numbers.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let base = 100
            + (std::process::id()
                .wrapping_mul(31)
                .wrapping_add(nanos / 1000)
                % 2000)
                * 10;
        loop {
            let n = base + NEXT.fetch_add(1, Ordering::SeqCst) % 1000;
            if Path::new(&format!("/tmp/.X{n}-lock")).exists() {
                continue;
            }
            let server = Command::new("Xvfb")
                .arg(format!(":{n}"))
                // -noreset: an X server resets when its last client leaves (the readiness
                // probe below is one), and a client that connects during that reset is told
                // "cannot open display" (a dialog test failed so in CI).
                .args(["-nolisten", "tcp", "-noreset", "-screen", "0", "800x600x24"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb is not installed (scripts/test.sh installs xvfb)");
            let mut desktop = Desktop {
                display: format!(":{n}"),
                server,
            };
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(10) {
                // Ready: its lock names it (not a stale one) and its socket takes a
                // connection. A socket file alone is not enough: one left by a server that
                // was killed is there before this server listens on it.
                let lock = std::fs::read_to_string(format!("/tmp/.X{n}-lock")).unwrap_or_default();
                if lock.trim() == desktop.server.id().to_string()
                    && UnixStream::connect(format!("/tmp/.X11-unix/X{n}")).is_ok()
                {
                    return desktop;
                }
                if let Ok(Some(_)) = desktop.server.try_wait() {
                    break; // lost a race for the number: try the next
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = desktop.server.kill();
        }
    }

    fn xdotool(&self, args: &[&str]) -> std::process::Output {
        Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .stdin(Stdio::null())
            .output()
            .expect("xdotool is not installed (scripts/test.sh installs it)")
    }

    /// The visible window titled `aws-auth`, once it shows (None after `limit`).
    pub fn dialog(&self, limit: Duration) -> Option<String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            let out = self.xdotool(&["search", "--onlyvisible", "--name", "^aws-auth$"]);
            if let Some(id) = String::from_utf8_lossy(&out.stdout).lines().next() {
                return Some(id.trim().to_owned());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// Waits for the dialog, types `text` into it, then presses `key` (Return, Escape);
    /// returns once that dialog has closed.
    pub fn answer(&self, text: &str, key: &str) {
        let id = self
            .dialog(Duration::from_secs(30))
            .expect("the aws-auth dialog never showed");
        // A moment for the entry to take focus inside the window.
        std::thread::sleep(Duration::from_millis(300));
        if !text.is_empty() {
            self.xdotool(&["windowfocus", "--sync", &id, "type", "--delay", "30", text]);
        }
        self.xdotool(&["windowfocus", "--sync", &id, "key", key]);
        let start = Instant::now();
        while self.dialog(Duration::from_millis(1)).as_deref() == Some(id.as_str()) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the dialog stayed open"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Desktop {
    /// SIGTERM, so Xvfb removes its lock and socket (SIGKILL would leave them behind).
    fn drop(&mut self) {
        // SAFETY: a signal to the server this Desktop started.
        unsafe { libc::kill(self.server.id() as libc::pid_t, libc::SIGTERM) };
        let _ = self.server.wait();
    }
}
