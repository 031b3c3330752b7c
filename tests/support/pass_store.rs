//! A real `pass` store with a throwaway GPG key (no passphrase, or one with a passphrase and
//! pinentry-tty), as in REFERENCE.md. The
//! GNUPGHOME lives in a short /tmp directory (gpg-agent's socket path has a length limit);
//! dropping the store kills its gpg-agent.

use super::process::{Run, run_with_stdin};
use super::sandbox::Sandbox;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use tempfile::TempDir;

/// The real pass, not the logging wrapper (setup is not aws-auth's doing).
pub const REAL_PASS: &str = "/usr/bin/pass";

pub struct PassStore {
    dir: TempDir,
}

impl PassStore {
    pub fn new(sandbox: &Sandbox) -> PassStore {
        PassStore::make(sandbox, "")
    }

    /// A store whose key has `passphrase`, as most people's has, with pinentry-tty as the
    /// agent's pinentry (it asks on the terminal GPG_TTY names) and nothing cached.
    pub fn with_passphrase(sandbox: &Sandbox, passphrase: &str) -> PassStore {
        let store = PassStore::make(sandbox, passphrase);
        std::fs::write(
            store.gnupg_home().join("gpg-agent.conf"),
            "pinentry-program /usr/bin/pinentry-tty\n",
        )
        .expect("writing gpg-agent.conf");
        store.forget_passphrases(sandbox);
        store
    }

    /// Makes the agent forget every passphrase it cached (and reread its configuration).
    pub fn forget_passphrases(&self, sandbox: &Sandbox) {
        super::run(
            self.env(&mut sandbox.command("gpg-connect-agent"))
                .args(["reloadagent", "/bye"]),
        )
        .assert_success();
    }

    fn make(sandbox: &Sandbox, passphrase: &str) -> PassStore {
        let dir = tempfile::Builder::new()
            .prefix("aa")
            .tempdir_in("/tmp")
            .expect("creating a short temp dir for GNUPGHOME");
        let store = PassStore { dir };
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(store.gnupg_home())
            .expect("creating GNUPGHOME");
        let keygen = super::run(store.env(&mut sandbox.command("gpg")).args([
            "--batch",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            passphrase,
            "--quick-gen-key",
            "aws-auth test <test@example.invalid>",
            "future-default",
            "default",
            "never",
        ]));
        keygen.assert_success();
        let list = super::run(
            store
                .env(&mut sandbox.command("gpg"))
                .args(["--list-secret-keys", "--with-colons"]),
        );
        list.assert_success();
        let fingerprint = list
            .stdout_str()
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .and_then(|l| l.split(':').find(|f| !f.is_empty()))
            .unwrap_or_else(|| panic!("no fingerprint\n{}", list.describe()))
            .to_owned();
        super::run(
            store
                .env(&mut sandbox.command(REAL_PASS))
                .args(["init", &fingerprint]),
        )
        .assert_success();
        store
    }

    pub fn gnupg_home(&self) -> PathBuf {
        self.dir.path().join("g")
    }

    pub fn store_dir(&self) -> PathBuf {
        self.dir.path().join("s")
    }

    /// GNUPGHOME and PASSWORD_STORE_DIR for any command.
    pub fn env<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.env("GNUPGHOME", self.gnupg_home())
            .env("PASSWORD_STORE_DIR", self.store_dir())
    }

    /// `pass insert -m -f NAME` with `text` on stdin.
    pub fn insert(&self, sandbox: &Sandbox, name: &str, text: &str) {
        run_with_stdin(
            self.env(&mut sandbox.command(REAL_PASS))
                .args(["insert", "-m", "-f", name]),
            text.as_bytes(),
            Duration::from_secs(60),
        )
        .assert_success();
    }

    /// `pass show NAME` with the real pass.
    pub fn show(&self, sandbox: &Sandbox, name: &str) -> Run {
        super::run(
            self.env(&mut sandbox.command(REAL_PASS))
                .args(["show", name]),
        )
    }
}

impl Drop for PassStore {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", self.gnupg_home())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

use std::os::unix::fs::DirBuilderExt;
