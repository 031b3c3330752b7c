//! A background aws-auth (serve, login): its stdout and stderr read on threads, so it never
//! blocks on a full pipe, and killed if the test ends without waiting for it.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A background aws-auth, killed if the test ends without waiting for it.
pub struct Background {
    pub child: Child,
    stdout: mpsc::Receiver<Vec<u8>>,
    stderr: mpsc::Receiver<Vec<u8>>,
}

impl Background {
    pub fn start(cmd: &mut Command) -> Background {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting aws-auth");
        let stdout = read_all_in_thread(child.stdout.take().expect("piped stdout"));
        let stderr = read_all_in_thread(child.stderr.take().expect("piped stderr"));
        Background {
            child,
            stdout,
            stderr,
        }
    }

    /// Everything it wrote to stdout, once stdout is closed (or panics after `limit`).
    pub fn stdout_until_closed(&self, limit: Duration) -> String {
        let bytes = self
            .stdout
            .recv_timeout(limit)
            .expect("stdout was not closed in time: the server must let go of it");
        String::from_utf8(bytes).expect("UTF-8 stdout")
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("running kill");
        assert!(status.success(), "kill -{name} failed");
    }

    pub fn still_running(&mut self) -> bool {
        self.child.try_wait().expect("polling aws-auth").is_none()
    }

    /// Its exit code and stderr, waiting at most `limit`.
    pub fn wait(mut self, limit: Duration) -> (Option<i32>, String) {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("waiting for aws-auth") {
                break status;
            }
            assert!(start.elapsed() < limit, "aws-auth did not end in {limit:?}");
            std::thread::sleep(Duration::from_millis(20));
        };
        let stderr = self
            .stderr
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_default();
        (status.code(), String::from_utf8_lossy(&stderr).into_owned())
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_all_in_thread(mut from: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = from.read_to_end(&mut buf);
        let _ = send.send(buf);
    });
    receive
}
