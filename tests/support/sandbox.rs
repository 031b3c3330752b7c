//! A fresh temp dir per test with a scrubbed environment: only PATH, HOME (inside the temp
//! dir), XDG_CONFIG_HOME, LANG and what the test sets reach a child. The user's own AWS
//! config, keys and shell rc files can never leak into a test.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tempfile::TempDir;

/// The binary under test, built by cargo for this test crate.
pub fn aws_auth_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_aws-auth"))
}

/// The test process's PATH (scripts/test.sh puts the moto/AWS CLI venv first).
fn inherited_path() -> std::ffi::OsString {
    std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into())
}

pub struct Sandbox {
    dir: TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("aws-auth-test.")
            .tempdir()
            .expect("creating a temp dir");
        let sandbox = Sandbox { dir };
        std::fs::create_dir_all(sandbox.home().join(".config")).expect("creating HOME");
        {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .mode(0o700)
                .create(sandbox.runtime_dir())
                .expect("creating XDG_RUNTIME_DIR");
        }
        sandbox
    }

    /// The temp dir itself (HOME is a subdirectory of it).
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// `$XDG_RUNTIME_DIR` of the sandbox (0700, as a login's is).
    pub fn runtime_dir(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    /// A path inside the temp dir (not created).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file inside the temp dir and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("creating a parent dir");
        }
        std::fs::write(&path, contents).expect("writing a sandbox file");
        path
    }

    /// Any program, with the scrubbed environment, run from the temp dir, stdin /dev/null.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", inherited_path())
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env("LANG", "C.UTF-8")
            // The session cache is per user (kernel keyring, Secret Service): tests that
            // do not test it keep it off, so no test sees another's cached session.
            .env("AWS_AUTH_NO_CACHE", "1")
            // Lock files go here, not to the machine's /tmp/aws-auth-UID.
            .env("XDG_RUNTIME_DIR", self.runtime_dir())
            .current_dir(self.root())
            .stdin(Stdio::null());
        cmd
    }

    /// aws-auth with the scrubbed environment (no keys, no endpoint: the test adds them).
    pub fn aws_auth(&self) -> Command {
        self.command(aws_auth_bin())
    }

    /// aws-auth with the tests' source keys in the standard variables, talking to `endpoint`.
    pub fn aws_auth_with_keys(&self, endpoint: &str) -> Command {
        let mut cmd = self.aws_auth();
        cmd.env("AWS_ACCESS_KEY_ID", super::SOURCE_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", super::SOURCE_SECRET_ACCESS_KEY)
            .env("AWS_ENDPOINT_URL", endpoint);
        cmd
    }

    /// `SHELL -c SCRIPT` with the scrubbed environment and aws-auth's directory first on
    /// PATH, so scripts call `aws-auth` by name as a user would.
    pub fn shell(&self, shell: &str, script: &str) -> Command {
        let mut cmd = self.command(shell);
        let bin_dir = aws_auth_bin().parent().expect("the binary has a directory");
        let mut path = std::ffi::OsString::from(bin_dir);
        path.push(":");
        path.push(inherited_path());
        cmd.env("PATH", path).arg("-c").arg(script);
        cmd
    }
}

/// The same command run through `setsid -w` (util-linux), so it has no controlling terminal
/// (opening /dev/tty fails), with stdin /dev/null: how cron and CI run things. Works on
/// commands made by `Sandbox` (their environment is explicit, so it can be copied).
pub fn without_terminal(cmd: &Command) -> Command {
    let mut detached = Command::new("setsid");
    detached
        .arg("-w")
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear()
        .stdin(Stdio::null());
    for (name, value) in cmd.get_envs() {
        if let Some(value) = value {
            detached.env(name, value);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        detached.current_dir(dir);
    }
    detached
}

/// POSIX single quoting, for building a `sh -c` string out of an argv.
pub fn sh_quote(value: &OsStr) -> String {
    format!("'{}'", value.to_string_lossy().replace('\'', "'\\''"))
}

/// The same command run inside a fresh pseudo-terminal (util-linux `script`), which becomes
/// its controlling terminal: /dev/tty works, and whatever the test writes to stdin is typed
/// on that terminal. The command's stdout and stderr go to the files given (the terminal
/// transcript, prompts and echo included, is `script`'s own stdout). Works on commands made
/// by `Sandbox`.
pub fn in_terminal(cmd: &Command, stdout_to: &Path, stderr_to: &Path) -> Command {
    let mut line: Vec<String> = vec![sh_quote(cmd.get_program())];
    line.extend(cmd.get_args().map(sh_quote));
    line.push(format!(
        "> {} 2> {}",
        sh_quote(stdout_to.as_os_str()),
        sh_quote(stderr_to.as_os_str())
    ));
    let mut terminal = Command::new("script");
    terminal
        .args(["--quiet", "--return", "--command"])
        .arg(line.join(" "))
        .arg("/dev/null")
        .env_clear()
        .stdin(Stdio::null());
    for (name, value) in cmd.get_envs() {
        if let Some(value) = value {
            terminal.env(name, value);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        terminal.current_dir(dir);
    }
    terminal
}
