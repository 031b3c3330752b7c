//! A private Secret Service: gnome-keyring in its own `dbus-run-session`, as REFERENCE.md
//! describes (HOME, XDG_DATA_HOME and XDG_RUNTIME_DIR point into the sandbox before the
//! session starts). The session lives until this value is dropped: its shell waits on a pipe
//! from the test, so closing the pipe ends the bus and the daemon.

use super::process::{run, run_with_stdin};
use super::sandbox::Sandbox;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::DirBuilderExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const SESSION: &str = r#"
printf %s aws-auth-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 ||
    { echo "gnome-keyring-daemon failed" >&2; exit 1; }
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
        grep -q 'boolean true'; do
    i=$((i + 1))
    [ "$i" -gt 400 ] && { echo "org.freedesktop.secrets never got an owner" >&2; exit 1; }
    sleep 0.025
done
echo "$DBUS_SESSION_BUS_ADDRESS"
exec cat >/dev/null
"#;

pub struct SecretService {
    child: Child,
    lifeline: Option<ChildStdin>,
    address: String,
}

impl SecretService {
    pub fn start(sandbox: &Sandbox) -> SecretService {
        let data = sandbox.path("xdg-data");
        let runtime = sandbox.path("xdg-runtime");
        std::fs::create_dir_all(&data).expect("creating XDG_DATA_HOME");
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&runtime)
            .expect("creating XDG_RUNTIME_DIR");
        let mut child = sandbox
            .command("dbus-run-session")
            .args(["--", "sh", "-c", SESSION])
            .env("XDG_DATA_HOME", &data)
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect(
                "cannot run dbus-run-session: install dbus (and gnome-keyring, libsecret-tools)",
            );
        let lifeline = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let started = Instant::now();
        let address = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        let address = address.trim().to_owned();
        if address.is_empty() {
            let _ = child.kill();
            let _ = child.wait();
            let mut err = String::new();
            let _ = stderr.read_to_string(&mut err);
            panic!(
                "the Secret Service did not start within {:?}:\n{err}",
                started.elapsed()
            );
        }
        // Keep draining stderr so the session never blocks on a full pipe.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        });
        SecretService {
            child,
            lifeline,
            address,
        }
    }

    /// The session bus (and XDG dirs) for any command that should see this Secret Service.
    pub fn env<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
    }

    /// `secret-tool store --label=... service SERVICE username USER` with the secret on stdin.
    pub fn store(&self, sandbox: &Sandbox, service: &str, user: &str, secret: &str) {
        run_with_stdin(
            self.env(&mut sandbox.command("secret-tool")).args([
                "store",
                "--label=aws-auth test",
                "service",
                service,
                "username",
                user,
            ]),
            secret.as_bytes(),
            Duration::from_secs(30),
        )
        .assert_success();
    }

    /// Points the `default` alias at gnome-keyring's in-memory `session` collection, as a
    /// user's keyring manager may move it: items stored before stay in the login collection.
    pub fn move_default_alias(&self, sandbox: &Sandbox) {
        run(self.env(&mut sandbox.command("dbus-send")).args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.SetAlias",
            "string:default",
            "objpath:/org/freedesktop/secrets/collection/session",
        ]))
        .assert_success();
    }

    /// `secret-tool lookup service SERVICE username USER`: the secret, or None.
    pub fn lookup(&self, sandbox: &Sandbox, service: &str, user: &str) -> Option<String> {
        let found = run(self
            .env(&mut sandbox.command("secret-tool"))
            .args(["lookup", "service", service, "username", user]));
        (found.code == Some(0)).then(|| found.stdout_str().to_owned())
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        drop(self.lifeline.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
