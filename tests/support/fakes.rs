//! Fake password managers (tests/fakes/: `op`, `lpass`, `gopass`, `bw`, and a logging
//! wrapper around the real `pass`) put first on PATH, their data under the sandbox, and the
//! argv log every one of them appends to (one line per call, arguments tab-separated).

use super::sandbox::{Sandbox, aws_auth_bin};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// tests/fakes, where the committed fake executables live.
pub fn fakes_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fakes")
}

/// The test process's PATH.
pub fn inherited_path() -> OsString {
    std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into())
}

/// Where the fakes read their data and write their log, inside one sandbox.
pub struct Fakes {
    root: PathBuf,
}

impl Fakes {
    pub fn new(sandbox: &Sandbox) -> Fakes {
        let root = sandbox.path("fakes");
        for dir in ["op", "lpass", "gopass", "bw"] {
            std::fs::create_dir_all(root.join(dir)).expect("creating fake data dirs");
        }
        Fakes { root }
    }

    pub fn log_path(&self) -> PathBuf {
        self.root.join("argv.log")
    }

    /// PATH = tests/fakes, aws-auth's directory, then the inherited PATH; the data and log
    /// variables of every fake.
    pub fn apply<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        let mut path = OsString::from(fakes_dir());
        path.push(":");
        path.push(aws_auth_bin().parent().expect("the binary has a directory"));
        path.push(":");
        path.push(inherited_path());
        cmd.env("PATH", path)
            .env("FAKE_ARGV_LOG", self.log_path())
            .env("FAKE_OP_DATA", self.root.join("op"))
            .env("FAKE_LPASS_DATA", self.root.join("lpass"))
            .env("FAKE_GOPASS_DATA", self.root.join("gopass"))
            .env("FAKE_BW_DATA", self.root.join("bw"))
            // An unlocked vault, as after `export BW_SESSION="$(bw unlock --raw)"`.
            .env("BW_SESSION", "fake-bw-session-key")
            .env("FAKE_YKMAN_DATA", self.root.join("ykman"))
    }

    fn put(&self, path: PathBuf, value: &str) {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("creating a fake dir");
        std::fs::write(path, value).expect("writing fake data");
    }

    /// `op://VAULT/ITEM[/SECTION]/FIELD` = value (`path` is `VAULT/ITEM[/SECTION]/FIELD`).
    pub fn op_field(&self, path: &str, value: &str) {
        self.put(self.root.join("op").join(path), value);
    }

    pub fn lpass_password(&self, name: &str, value: &str) {
        self.put(self.root.join("lpass").join(name).join("password"), value);
    }

    pub fn lpass_field(&self, name: &str, field: &str, value: &str) {
        self.put(
            self.root
                .join("lpass")
                .join(name)
                .join("fields")
                .join(field),
            value,
        );
    }

    /// Makes NAME ambiguous: lpass lists these ids and exits 0.
    pub fn lpass_ambiguous(&self, name: &str, ids: &[&str]) {
        let mut text = ids.join("\n");
        text.push('\n');
        self.put(self.root.join("lpass").join(name).join("matches"), &text);
    }

    pub fn gopass_entry(&self, name: &str, text: &str) {
        self.put(self.root.join("gopass").join(name), text);
    }

    pub fn gopass_entry_text(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.root.join("gopass").join(name)).ok()
    }

    /// A field of the Bitwarden item `item`: its own (password, username, notes, uri, totp:
    /// the authenticator key) or a custom text field.
    pub fn bw_field(&self, item: &str, field: &str, value: &str) {
        let dir = self.root.join("bw").join(item.replace('/', "%2F"));
        let own = ["password", "username", "notes", "uri", "totp", "id"];
        let path = if own.contains(&field) {
            dir.join(field)
        } else {
            dir.join("fields").join(field)
        };
        self.put(path, value);
    }

    /// The whole argv log (empty if nothing ran).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// One entry per call: the program name then its arguments.
    pub fn calls(&self) -> Vec<Vec<String>> {
        self.log()
            .lines()
            .map(|l| l.split('\t').map(str::to_owned).collect())
            .collect()
    }

    /// Calls of one program, without the program name.
    /// The pass entries decrypted (`gpg -d STORE/ENTRY.gpg`, by aws-auth itself or by a
    /// `pass show`), as entry names, sorted.
    pub fn decryptions(&self, store: &std::path::Path) -> Vec<String> {
        let prefix = format!("{}/", store.display());
        let mut entries: Vec<String> = self
            .calls_of("gpg")
            .into_iter()
            .filter(|args| args.first().is_some_and(|a| a == "-d"))
            .filter_map(|args| {
                let file = args.last()?;
                Some(file.strip_prefix(&prefix)?.strip_suffix(".gpg")?.to_owned())
            })
            .collect();
        entries.sort();
        entries
    }

    /// A YubiKey OATH account with this base32 seed; `touch`: it asks for a touch first.
    pub fn ykman_account(&self, name: &str, seed: &str, touch: bool) {
        self.put(self.root.join("ykman").join(name), seed);
        if touch {
            self.put(self.root.join("ykman").join(format!("{name}.touch")), "");
        }
    }

    /// The touch the fake ykman waits for.
    pub fn ykman_touch(&self) {
        self.put(self.root.join("ykman").join("touched"), "");
    }

    pub fn calls_of(&self, program: &str) -> Vec<Vec<String>> {
        self.calls()
            .into_iter()
            .filter(|c| c[0] == program)
            .map(|c| c[1..].to_vec())
            .collect()
    }
}
