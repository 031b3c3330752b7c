//! Runs commands as a throwaway local user of the test's own: a fresh uid no account has
//! (so its kernel key quota is the non-root one, and empty), with a home it owns. The suite
//! runs as root in CI (`setpriv` switches directly); a developer's run uses `sudo -n`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct OtherUser {
    pub uid: u32,
    dir: tempfile::TempDir,
}

/// Root runs the command itself; anyone else through `sudo -n` (never a password prompt).
fn privileged(program: &str) -> Command {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        Command::new(program)
    } else {
        let mut cmd = Command::new("sudo");
        cmd.args(["-n", program]);
        cmd
    }
}

impl OtherUser {
    /// A uid from the pid and the clock, far above any account's, and a home it owns.
    pub fn new() -> OtherUser {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let uid = 300_000
            + (std::process::id()
                .wrapping_mul(7919)
                .wrapping_add(nanos / 1000))
                % 600_000;
        let dir = tempfile::Builder::new()
            .prefix("aa-user.")
            .tempdir_in("/tmp")
            .unwrap();
        let user = OtherUser { uid, dir };
        std::fs::create_dir_all(user.home().join(".config/aws-auth")).unwrap();
        let status = privileged("chown")
            .arg("-R")
            .arg(format!("{uid}:{uid}"))
            .arg(user.home())
            .status()
            .expect("chown");
        assert!(
            status.success(),
            "making the other user's home needs root (or sudo -n)"
        );
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(user.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        user
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// Writes a file into the user's home (as root, then handed to the user).
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.home().join(name);
        std::fs::write(&path, contents).unwrap();
        let status = privileged("chown")
            .arg(format!("{0}:{0}", self.uid))
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        path
    }

    /// `program args` as this user, in a session keyring of its own (`keyctl session -`),
    /// with only `env` and a scrubbed environment: PATH, HOME, LANG.
    pub fn command(&self, program: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = privileged("setpriv");
        cmd.arg(format!("--reuid={}", self.uid))
            .arg(format!("--regid={}", self.uid))
            .args(["--clear-groups", "--", "keyctl", "session", "-"])
            .arg(program)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("LANG", "C.UTF-8")
            .current_dir(self.home())
            .stdin(Stdio::null());
        for (name, value) in env {
            cmd.env(name, value);
        }
        cmd
    }
}
