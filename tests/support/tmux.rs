//! A real terminal a test can read and type into, as a person would: a tmux server of its
//! own (its socket in the sandbox), one window running the command, `capture-pane` to read
//! the screen and `send-keys` to type. For programs that ask on the terminal by themselves
//! (gpg-agent's pinentry), where text written before the prompt shows could be lost.

use super::sandbox::{Sandbox, sh_quote};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: PathBuf,
    stdout: PathBuf,
    stderr: PathBuf,
    code: PathBuf,
}

impl Tmux {
    /// Starts `cmd` (made by `Sandbox`: its environment is explicit) in a new 120×40
    /// terminal; its stdout and stderr go to files, the screen shows only what it and its
    /// helpers write to the terminal itself.
    pub fn start(sandbox: &Sandbox, cmd: &Command) -> Tmux {
        Tmux::launch(sandbox, cmd, true)
    }

    /// Starts `cmd` with the terminal as its stdin, stdout and stderr: an interactive shell
    /// a test types into as a person would.
    pub fn interactive(sandbox: &Sandbox, cmd: &Command) -> Tmux {
        Tmux::launch(sandbox, cmd, false)
    }

    fn launch(sandbox: &Sandbox, cmd: &Command, to_files: bool) -> Tmux {
        // Names of its own: a test may start several, one after another.
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let tmux = Tmux {
            socket: sandbox.path(&format!("tmux{n}.sock")),
            stdout: sandbox.path(&format!("tmux{n}.stdout")),
            stderr: sandbox.path(&format!("tmux{n}.stderr")),
            code: sandbox.path(&format!("tmux{n}.code")),
        };
        let mut line: Vec<String> = vec![sh_quote(cmd.get_program())];
        line.extend(cmd.get_args().map(sh_quote));
        let redirect = if to_files {
            format!(
                " > {} 2> {}",
                sh_quote(tmux.stdout.as_os_str()),
                sh_quote(tmux.stderr.as_os_str())
            )
        } else {
            String::new()
        };
        let script = format!(
            "{}{redirect}; echo $? > {}.tmp; mv {}.tmp {}; sleep 600",
            line.join(" "),
            sh_quote(tmux.code.as_os_str()),
            sh_quote(tmux.code.as_os_str()),
            sh_quote(tmux.code.as_os_str()),
        );
        let mut start = Command::new("tmux");
        start
            .arg("-S")
            .arg(&tmux.socket)
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "120",
                "-y",
                "40",
            ])
            .args(["sh", "-c", &script])
            .env_clear()
            .stdin(Stdio::null());
        for (name, value) in cmd.get_envs() {
            if let Some(value) = value {
                start.env(name, value);
            }
        }
        if let Some(dir) = cmd.get_current_dir() {
            start.current_dir(dir);
        }
        let out = start
            .output()
            .expect("tmux is not installed (scripts/test.sh installs it)");
        assert!(
            out.status.success(),
            "tmux did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("running tmux")
    }

    /// What the terminal shows now.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-J"]).stdout).into_owned()
    }

    /// Waits until the screen shows `text`; panics with the screen after `limit`.
    pub fn wait_for(&self, text: &str, limit: Duration) {
        let start = Instant::now();
        while !self.screen().contains(text) {
            assert!(
                start.elapsed() < limit && !self.code.exists(),
                "the terminal never showed {text:?}\n--- screen ---\n{}\n{}",
                self.screen(),
                self.outcome_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `text` and presses Enter.
    pub fn type_line(&self, text: &str) {
        self.tmux(&["send-keys", "-l", text]);
        self.tmux(&["send-keys", "Enter"]);
    }

    /// Waits for the command to end: its exit code, stdout and stderr.
    pub fn finish(&self, limit: Duration) -> (i32, String, String) {
        let start = Instant::now();
        while !self.code.exists() {
            assert!(
                start.elapsed() < limit,
                "the command did not end\n--- screen ---\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let read = |p: &PathBuf| std::fs::read_to_string(p).unwrap_or_default();
        let code = read(&self.code).trim().parse().unwrap_or(-1);
        (code, read(&self.stdout), read(&self.stderr))
    }

    fn outcome_text(&self) -> String {
        let read = |p: &PathBuf| std::fs::read_to_string(p).unwrap_or_default();
        format!(
            "--- exit code ---\n{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            read(&self.code),
            read(&self.stdout),
            read(&self.stderr)
        )
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
