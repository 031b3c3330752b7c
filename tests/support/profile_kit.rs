//! What the profile tests share: a sandbox with the fake password managers first on PATH, an
//! optional real pass store, a fake STS that records what aws-auth sent, the profiles file at
//! its default place, and the checks every failure must pass.

use super::fakes::Fakes;
use super::hostile_sts::{FakeCredentials, HostileSts, Reply, Request};
use super::pass_store::PassStore;
use super::process::Run;
use super::sandbox::Sandbox;
use super::sts_form::form_field;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// A TOTP seed that appears nowhere else, so a leak is easy to spot.
pub const TOTP_SEED: &str = "AWSAUTHTESTSEEDAWSAUTHTESTSEED23";
/// An otpauth line for [`TOTP_SEED`], as authenticator exports write them.
pub fn otpauth_line() -> String {
    format!("otpauth://totp/AWS:alice?secret={TOTP_SEED}&issuer=AWS")
}

/// No healthy error path comes near this; a hang would.
pub const ERROR_BOUND: Duration = Duration::from_secs(15);

pub struct Kit {
    pub sandbox: Sandbox,
    pub fakes: Fakes,
    pub sts: HostileSts,
    pub pass: Option<PassStore>,
}

impl Kit {
    /// Fakes and a fake STS; no pass store.
    pub fn new() -> Kit {
        let sandbox = Sandbox::new();
        let fakes = Fakes::new(&sandbox);
        Kit {
            sandbox,
            fakes,
            sts: HostileSts::always(Reply::Credentials(FakeCredentials::plain())),
            pass: None,
        }
    }

    /// Also a real pass store with a throwaway key.
    pub fn with_pass() -> Kit {
        let mut kit = Kit::new();
        kit.pass = Some(PassStore::new(&kit.sandbox));
        kit
    }

    /// Also a real pass store whose key has `passphrase` (pinentry-tty asks for it).
    pub fn with_pass_passphrase(passphrase: &str) -> Kit {
        let mut kit = Kit::new();
        kit.pass = Some(PassStore::with_passphrase(&kit.sandbox, passphrase));
        kit
    }

    pub fn pass(&self) -> &PassStore {
        self.pass.as_ref().expect("Kit::with_pass")
    }

    /// `pass insert -m -f NAME` into the real store.
    pub fn pass_insert(&self, name: &str, text: &str) {
        self.pass().insert(&self.sandbox, name, text);
    }

    /// `$XDG_CONFIG_HOME/aws-auth/profiles.toml`, where aws-auth looks by default.
    pub fn profiles(&self, toml: &str) -> PathBuf {
        self.sandbox
            .write("home/.config/aws-auth/profiles.toml", toml)
    }

    /// A command with the kit's environment: fakes first on PATH, the pass store, the STS.
    pub fn env<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        self.fakes.apply(cmd);
        if let Some(pass) = &self.pass {
            pass.env(cmd);
        }
        cmd.env("AWS_ENDPOINT_URL", self.sts.url())
    }

    /// aws-auth with the kit's environment.
    pub fn aws_auth(&self) -> Command {
        let mut cmd = self.sandbox.aws_auth();
        self.env(&mut cmd);
        cmd
    }

    /// `aws-auth --profile NAME ARGS...`
    pub fn profile(&self, name: &str, args: &[&str]) -> Command {
        let mut cmd = self.aws_auth();
        cmd.args(["--profile", name]).args(args);
        cmd
    }

    /// The one request the fake STS got (panics if there was not exactly one).
    pub fn only_request(&self) -> Request {
        let requests = self.sts.requests();
        assert_eq!(requests.len(), 1, "expected one STS request: {requests:#?}");
        requests.into_iter().next().unwrap()
    }
}

impl Default for Kit {
    fn default() -> Self {
        Self::new()
    }
}

/// The code oathtool computes for `seed` now.
pub fn oathtool_now(sandbox: &Sandbox, seed: &str) -> String {
    let run = super::run_with_stdin(
        sandbox.command("oathtool").args(["--totp", "-b", "-"]),
        seed.as_bytes(),
        Duration::from_secs(30),
    );
    run.assert_success();
    run.stdout_str().trim().to_owned()
}

/// Runs `cmd` between two oathtool calls and returns (code before, the run, code after):
/// whatever code aws-auth computed must be one of the two (the same one unless a 30-second
/// step boundary fell in between).
pub fn with_oathtool_around(
    sandbox: &Sandbox,
    seed: &str,
    cmd: &mut Command,
) -> (String, Run, String) {
    let before = oathtool_now(sandbox, seed);
    let run = super::run(cmd);
    let after = oathtool_now(sandbox, seed);
    (before, run, after)
}

/// The failure contract for bad input: the exit code, empty stdout, no panic, one paragraph
/// on stderr that starts as aws-auth's errors do and names everything in `needles`, and a
/// bounded time.
/// A `gpg2` running `script` (sh), first on `cmd`'s PATH: pass and aws-auth's own
/// decryption take gpg2 over gpg, so this stands in for the gpg of both.
pub fn gpg2_first_on_path(sandbox: &Sandbox, cmd: &mut Command, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    let dir = sandbox.path("gpg2-bin");
    std::fs::create_dir_all(&dir).unwrap();
    sandbox.write("gpg2-bin/gpg2", format!("#!/bin/sh\n{script}"));
    std::fs::set_permissions(dir.join("gpg2"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = cmd
        .get_envs()
        .find(|(k, _)| *k == "PATH")
        .and_then(|(_, v)| v.map(|v| v.to_owned()))
        .expect("the command has a PATH");
    let mut first = std::ffi::OsString::from(dir);
    first.push(":");
    first.push(path);
    cmd.env("PATH", first);
}

/// The output of a script that printed `cache list`, a `===` line and `cache list` again:
/// the profile had an entry before and has none after.
pub fn assert_dropped_from_cache(run: &Run, profile: &str) {
    run.assert_success();
    let (before, after) = run
        .stdout_str()
        .split_once("===\n")
        .unwrap_or_else(|| panic!("no === line\n{}", run.describe()));
    let has = |text: &str| text.lines().any(|l| l.starts_with(&format!("{profile}\t")));
    assert!(has(before), "a session was cached\n{}", run.describe());
    assert!(
        !has(after),
        "the cached sessions were dropped\n{}",
        run.describe()
    );
}

pub fn assert_clear_error(run: &Run, code: i32, needles: &[&str]) {
    run.assert_failure(code);
    let stderr = run.stderr.trim();
    assert!(
        stderr.starts_with("aws-auth: error: "),
        "stderr must be aws-auth's error\n{}",
        run.describe()
    );
    assert!(
        !stderr.contains('\n'),
        "the error must be one paragraph\n{}",
        run.describe()
    );
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "the error must mention {needle:?}\n{}",
            run.describe()
        );
    }
    assert!(
        run.elapsed < ERROR_BOUND,
        "an error must come quickly\n{}",
        run.describe()
    );
}

/// None of `secrets` appears in `text`.
pub fn assert_absent(text: &str, secrets: &[&str], what: &str) {
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{what} contains the secret {secret:?}:\n{text}"
        );
    }
}

/// The TokenCode `request` carried, checked to be the TOTP code oathtool gave just before or
/// just after the run (a 30-second step may fall between the two).
pub fn sent_totp_code(request: &Request, before: &str, after: &str) -> String {
    let code = form_field(request, "TokenCode").unwrap_or_default();
    assert!(
        code == before || code == after,
        "sent {code:?}, oathtool said {before} / {after}"
    );
    code
}
