//! A passage store in the sandbox at passage's default places (~/.passage/store, its
//! .age-recipients, ~/.passage/identities) with a throwaway key made by the real age-keygen;
//! entries go in through the test passage (tests/fakes/passage) and are read with the real age.

use super::process::{Run, run, run_with_stdin};
use super::sandbox::Sandbox;
use std::path::PathBuf;
use std::time::Duration;

pub struct PassageStore {
    home: PathBuf,
}

impl PassageStore {
    pub fn new(sandbox: &Sandbox) -> PassageStore {
        let store = PassageStore {
            home: sandbox.home(),
        };
        std::fs::create_dir_all(store.store_dir()).expect("creating the passage store");
        let ids = store.identities();
        run(sandbox.command("age-keygen").arg("-o").arg(&ids)).assert_success();
        let public = run(sandbox.command("age-keygen").arg("-y").arg(&ids));
        public.assert_success();
        std::fs::write(
            store.store_dir().join(".age-recipients"),
            public.stdout_str(),
        )
        .expect("writing .age-recipients");
        store
    }

    pub fn store_dir(&self) -> PathBuf {
        self.home.join(".passage/store")
    }

    pub fn identities(&self) -> PathBuf {
        self.home.join(".passage/identities")
    }

    /// `passage insert -m -f NAME` with `text` on stdin.
    pub fn insert(&self, sandbox: &Sandbox, name: &str, text: &str) {
        run_with_stdin(
            sandbox
                .command(super::fakes::fakes_dir().join("passage"))
                .args(["insert", "-m", "-f", name]),
            text.as_bytes(),
            Duration::from_secs(30),
        )
        .assert_success();
    }

    /// The entry decrypted with the real age (None: no such entry).
    pub fn show(&self, sandbox: &Sandbox, name: &str) -> Option<String> {
        let file = self.store_dir().join(format!("{name}.age"));
        if !file.exists() {
            return None;
        }
        let out: Run = run(sandbox
            .command("age")
            .arg("-d")
            .arg("-i")
            .arg(self.identities())
            .arg(file));
        out.assert_success();
        Some(out.stdout_str().to_owned())
    }
}
