//! The session cache against a strict STS (tests/support/strict_sts.rs): a hit makes no
//! request and runs no password manager; a role is derived from a cached MFA session without
//! a code; parallel runs share one coded call; `--no-cache` touches nothing; `cache list`,
//! `clear`, `status`; corrupt entries; the TOTP retry; both stores (the persistent kernel
//! keyring, each run in its own `keyctl session` as separate logins are, and gnome-keyring
//! over D-Bus); nothing on disk; and the real AWS CLI through `credential_process`.
//!
//! The kernel keyring is the user's, shared by every test running in parallel: each test
//! has its own STS (its own endpoint, which is part of every cache key) and its own profile
//! names, looks only at its own profiles' entries, and clears them when it ends.

use crate::support::fakes::Fakes;
use crate::support::profile_kit::{TOTP_SEED, assert_absent, otpauth_line};
use crate::support::seccomp;
use crate::support::secret_service::SecretService;
use crate::support::sigv4::{Mismatch, SIGNATURE_MISMATCH_MESSAGE, SignatureCheck};
use crate::support::strict_sts::{
    Call, INVALID_MFA_MESSAGE, Issued, StrictSts, now, parse_rfc3339,
};
use crate::support::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

pub(crate) const ROLE: &str = "arn:aws:iam::123456789012:role/cache-role";
const OTHER_ROLE: &str = "arn:aws:iam::123456789012:role/other-role";
const OTHER_SOURCE_KEY: &str = "AKIAAWSAUTHSOURCE002";

/// Where a rig's runs keep their cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cache {
    /// The user's persistent kernel keyring; every run in its own `keyctl session`.
    Kernel,
    /// A private gnome-keyring on its own D-Bus session.
    SecretService,
    /// `AWS_AUTH_NO_CACHE=1`, as the Sandbox sets it.
    Off,
}

/// A sandbox with the fake password managers, a strict STS, gopass profiles with unique
/// names, and aws-auth runs with the cache on in one store. Dropping it clears the cache
/// entries of its profiles.
pub(crate) struct Rig {
    // Field order is drop order: the Secret Service goes before its data dir.
    bus: Option<SecretService>,
    pub sts: StrictSts,
    pub cache: Cache,
    pub fakes: Fakes,
    profiles: Mutex<(Vec<String>, String)>,
    pub sandbox: Sandbox,
}

impl Rig {
    pub(crate) fn new(cache: Cache, sts: StrictSts) -> Rig {
        let sandbox = Sandbox::new();
        let fakes = Fakes::new(&sandbox);
        let bus = (cache == Cache::SecretService).then(|| SecretService::start(&sandbox));
        Rig {
            bus,
            sts,
            cache,
            fakes,
            profiles: Mutex::new((Vec::new(), String::new())),
            sandbox,
        }
    }

    /// A new profile `TAG-...` (unique across tests, processes and runs): `backend =
    /// "gopass"` with the one-entry layout (the source keys, the MFA device, `role` if any,
    /// an otpauth line for [`TOTP_SEED`] if `otpauth`), plus `extra` TOML lines.
    pub(crate) fn profile(
        &self,
        tag: &str,
        role: Option<&str>,
        otpauth: bool,
        extra: &str,
    ) -> String {
        self.profile_with_key(tag, SOURCE_ACCESS_KEY_ID, role, otpauth, extra)
    }

    /// As [`Rig::profile`], with another long-term access key id (the STS must know it).
    pub(crate) fn profile_with_key(
        &self,
        tag: &str,
        access_key_id: &str,
        role: Option<&str>,
        otpauth: bool,
        extra: &str,
    ) -> String {
        let name = unique(tag);
        let mut entry = format!(
            "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {access_key_id}\nmfa_serial: {SERIAL_NUMBER}\n"
        );
        if let Some(role) = role {
            entry.push_str(&format!("role_arn: {role}\n"));
        }
        if otpauth {
            entry.push_str(&otpauth_line());
            entry.push('\n');
        }
        self.fakes.gopass_entry(&format!("aws-auth/{name}"), &entry);
        let mut profiles = self.profiles.lock().unwrap();
        profiles.0.push(name.clone());
        profiles.1.push_str(&format!(
            "[profiles.{name}]\nbackend = \"gopass\"\n{extra}\n"
        ));
        self.write_profiles(&profiles.1);
        name
    }

    /// Replaces profiles.toml (to change a profile's definition).
    pub(crate) fn write_profiles(&self, toml: &str) {
        self.sandbox
            .write("home/.config/aws-auth/profiles.toml", toml);
    }

    pub(crate) fn profiles_toml(&self) -> String {
        self.profiles.lock().unwrap().1.clone()
    }

    /// `program` as the store needs it: in its own session keyring for the kernel keyring,
    /// with the bus address for the Secret Service, and that store named in
    /// AWS_AUTH_CACHE_STORE (so a Secret Service that fails never sends a run, or a `cache
    /// clear`, to the persistent kernel keyring every other test shares). Fakes first on
    /// PATH, aws-auth's directory next; the STS as AWS_ENDPOINT_URL; the cache on unless
    /// `Cache::Off`.
    pub(crate) fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = if self.cache == Cache::Kernel {
            let mut cmd = self.sandbox.command("keyctl");
            cmd.args(["session", "-"]).arg(program);
            cmd
        } else {
            self.sandbox.command(program)
        };
        self.fakes.apply(&mut cmd);
        cmd.env("AWS_ENDPOINT_URL", self.sts.url());
        match self.cache {
            Cache::Kernel => {
                cmd.env("AWS_AUTH_CACHE_STORE", "kernel-keyring");
            }
            Cache::SecretService => {
                cmd.env("AWS_AUTH_CACHE_STORE", "secret-service");
            }
            Cache::Off => {}
        }
        if self.cache != Cache::Off {
            cmd.env_remove("AWS_AUTH_NO_CACHE");
        }
        if let Some(bus) = &self.bus {
            bus.env(&mut cmd);
        }
        cmd
    }

    /// `aws-auth ARGS...`
    pub(crate) fn aws_auth(&self, args: &[&str]) -> Command {
        let mut cmd = self.command(aws_auth_bin());
        cmd.args(args);
        cmd
    }

    /// `aws-auth --profile NAME ARGS...`
    pub(crate) fn with_profile(&self, name: &str, args: &[&str]) -> Command {
        let mut cmd = self.aws_auth(&["--profile", name]);
        cmd.args(args);
        cmd
    }

    /// Runs `aws-auth --profile NAME ARGS...` without a terminal (a prompt would fail).
    pub(crate) fn run(&self, name: &str, args: &[&str]) -> Run {
        run(&mut without_terminal(&self.with_profile(name, args)))
    }

    /// The `cache list` lines of profile NAME (`-` for keys from the environment), as
    /// (kind, expiration), sorted; every line checked for shape and for secrets.
    pub(crate) fn entries(&self, name: &str) -> Vec<(String, String)> {
        let list = run(&mut self.aws_auth(&["cache", "list"]));
        list.assert_success();
        let text = list.stdout_str();
        assert_no_secret(text, &self.sts, "cache list");
        let mut entries = Vec::new();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("PROFILE\tKIND\tEXPIRATION"),
            "the header: {text:?}"
        );
        for line in lines {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 3, "PROFILE\\tKIND\\tEXPIRATION: {line:?}");
            assert!(
                ["credentials", "mfa-session"].contains(&fields[1]),
                "kind of {line:?}"
            );
            assert!(
                fields[2].ends_with('Z') && parse_rfc3339(fields[2]).is_some(),
                "RFC 3339 UTC expiration in {line:?}"
            );
            if fields[0] == name {
                entries.push((fields[1].to_owned(), fields[2].to_owned()));
            }
        }
        entries.sort();
        entries
    }

    /// `aws-auth cache clear --profile NAME`.
    pub(crate) fn clear(&self, name: &str) -> Run {
        run(&mut self.aws_auth(&["cache", "clear", "--profile", name]))
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        if self.cache == Cache::Off {
            return;
        }
        let names = self.profiles.lock().unwrap().0.clone();
        for name in names {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.clear(&name)));
        }
    }
}

/// Every secret access key and session token the STS handed out.
pub(crate) fn handed_out(sts: &StrictSts) -> Vec<String> {
    sts.issued()
        .into_iter()
        .flat_map(|i| [i.secret_access_key, i.session_token])
        .collect()
}

/// None of the secrets the STS handed out appears in `text`.
pub(crate) fn assert_no_secret(text: &str, sts: &StrictSts, what: &str) {
    let secrets = handed_out(sts);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_absent(text, &secrets, what);
}

/// Credentials as a run printed them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Printed {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: String,
}

impl Printed {
    /// From `--format sh` output (`export NAME='value'` lines).
    pub(crate) fn sh(run: &Run) -> Printed {
        run.assert_success();
        let vars: BTreeMap<&str, String> = run
            .stdout_str()
            .lines()
            .filter_map(|l| l.strip_prefix("export "))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k, v.trim_matches('\'').replace("'\\''", "'")))
            .collect();
        let get = |name: &str| {
            vars.get(name)
                .cloned()
                .unwrap_or_else(|| panic!("no {name}\n{}", run.describe()))
        };
        Printed {
            access_key_id: get("AWS_ACCESS_KEY_ID"),
            secret_access_key: get("AWS_SECRET_ACCESS_KEY"),
            session_token: get("AWS_SESSION_TOKEN"),
            expiration: get("AWS_SESSION_EXPIRATION"),
        }
    }

    /// From `--format json` output.
    pub(crate) fn json(run: &Run) -> Printed {
        run.assert_success();
        let text = run.stdout_str();
        let get = |name: &str| {
            json_string(text, name).unwrap_or_else(|| panic!("no {name}\n{}", run.describe()))
        };
        Printed {
            access_key_id: get("AccessKeyId"),
            secret_access_key: get("SecretAccessKey"),
            session_token: get("SessionToken"),
            expiration: get("Expiration"),
        }
    }

    pub(crate) fn of(issued: &Issued) -> Printed {
        Printed {
            access_key_id: issued.access_key_id.clone(),
            secret_access_key: issued.secret_access_key.clone(),
            session_token: issued.session_token.clone(),
            expiration: issued.expiration.clone(),
        }
    }
}

/// The string value of `"name": "..."` in a flat JSON object.
fn json_string(text: &str, name: &str) -> Option<String> {
    let after = text.split_once(&format!("\"{name}\""))?.1;
    let after = after.trim_start().strip_prefix(':')?.trim_start();
    let mut chars = after.strip_prefix('"')?.chars();
    let mut out = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                'n' => out.push('\n'),
                c => out.push(c),
            },
            c => out.push(c),
        }
    }
}

/// The names of a call's parameters, sorted.
fn param_names(call: &Call) -> Vec<&str> {
    call.params.keys().map(String::as_str).collect()
}

/// A GetSessionToken from the source keys with the MFA device, `code` and the 12-hour
/// default, nothing else; signature verified.
pub(crate) fn assert_coded_session_token(call: &Call, code: &str) {
    assert_eq!(call.action, "GetSessionToken", "{call:#?}");
    assert_eq!(
        param_names(call),
        [
            "Action",
            "DurationSeconds",
            "SerialNumber",
            "TokenCode",
            "Version"
        ],
        "{call:#?}"
    );
    assert_eq!(call.signer(), SOURCE_ACCESS_KEY_ID, "{call:#?}");
    assert_eq!(call.param("SerialNumber"), Some(SERIAL_NUMBER), "{call:#?}");
    assert_eq!(call.param("TokenCode"), Some(code), "{call:#?}");
    assert_eq!(call.param("DurationSeconds"), Some("43200"), "{call:#?}");
    assert!(call.verified(), "{call:#?}");
    assert!(call.succeeded(), "{call:#?}");
}

/// An AssumeRole of `role` signed with the MFA session `session_key` (and verified with its
/// secret), carrying no code and no DurationSeconds (none was asked for).
pub(crate) fn assert_role_from_session(call: &Call, role: &str, session_key: &str) {
    assert_eq!(call.action, "AssumeRole", "{call:#?}");
    assert_eq!(call.param("RoleArn"), Some(role), "{call:#?}");
    assert_eq!(
        call.signer(),
        session_key,
        "signed with the MFA session: {call:#?}"
    );
    assert_eq!(
        param_names(call),
        ["Action", "RoleArn", "RoleSessionName", "Version"],
        "a role from an MFA session carries no code, and no duration unless asked: {call:#?}"
    );
    assert!(call.verified(), "{call:#?}");
    assert!(call.succeeded(), "{call:#?}");
}

/// A coded AssumeRole of `role` from the source keys (DurationSeconds only if asked for).
pub(crate) fn assert_coded_role(call: &Call, role: &str, code: &str) {
    assert_eq!(call.action, "AssumeRole", "{call:#?}");
    assert_eq!(call.param("RoleArn"), Some(role), "{call:#?}");
    let mut names = param_names(call);
    names.retain(|n| *n != "DurationSeconds");
    assert_eq!(
        names,
        [
            "Action",
            "RoleArn",
            "RoleSessionName",
            "SerialNumber",
            "TokenCode",
            "Version"
        ],
        "{call:#?}"
    );
    assert_eq!(call.signer(), SOURCE_ACCESS_KEY_ID, "{call:#?}");
    assert_eq!(call.param("SerialNumber"), Some(SERIAL_NUMBER), "{call:#?}");
    assert_eq!(call.param("TokenCode"), Some(code), "{call:#?}");
    assert!(call.verified(), "{call:#?}");
    assert!(call.succeeded(), "{call:#?}");
}

/// The kernel-keyring cache entries (key ids) whose record belongs to profile NAME.
fn kernel_entries(sandbox: &Sandbox, name: &str) -> Vec<String> {
    let script = r#"
p=$(keyctl get_persistent @s) || exit 1
for id in $(keyctl rlist "$p"); do
    d=$(keyctl rdescribe "$id" 2>/dev/null) || continue
    case $d in user\;*\;aws-auth:cache:*) ;; *) continue ;; esac
    keyctl pipe "$id" 2>/dev/null | grep -aqxF -e "profile $PROFILE" && echo "$id"
done
exit 0
"#;
    let out = run(sandbox
        .command("keyctl")
        .args(["session", "-", "sh", "-c", script])
        .env("PROFILE", name));
    out.assert_success();
    out.stdout_str().lines().map(str::to_owned).collect()
}

/// Overwrites every kernel-keyring entry of profile NAME with `junk`; returns how many.
fn corrupt_kernel_entries(sandbox: &Sandbox, name: &str, junk: &str) -> usize {
    let ids = kernel_entries(sandbox, name);
    for id in &ids {
        run_with_stdin(
            // The entry is writable only by its possessor: link the persistent keyring in.
            sandbox
                .command("keyctl")
                .args(["session", "-", "sh", "-c"])
                .arg(r#"keyctl get_persistent @s >/dev/null && keyctl pupdate "$1""#)
                .args(["sh", id]),
            junk.as_bytes(),
            Duration::from_secs(30),
        )
        .assert_success();
    }
    ids.len()
}

/// The Secret Service cache items of profile NAME, as attribute maps. One search per kind:
/// secret-tool prints an item's attributes on stderr and the rest on stdout, so with several
/// items the two cannot be paired up.
fn secret_items(rig: &Rig, name: &str) -> Vec<BTreeMap<String, String>> {
    let mut items = Vec::new();
    for kind in ["credentials", "mfa-session"] {
        let out = run(rig.command("secret-tool").args([
            "search",
            "--all",
            "service",
            "aws-auth-cache",
            "profile",
            name,
            "kind",
            kind,
        ]));
        // secret-tool exits 1 when nothing matches.
        let found = out
            .stdout_str()
            .lines()
            .filter(|l| l.starts_with('['))
            .count();
        assert!(found <= 1, "one item per kind\n{}", out.describe());
        if found == 0 {
            continue;
        }
        let item: BTreeMap<String, String> = format!("{}\n{}", out.stdout_str(), out.stderr)
            .lines()
            .filter_map(|l| l.strip_prefix("attribute."))
            .filter_map(|l| l.split_once(" = "))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(
            item.get("kind").map(String::as_str),
            Some(kind),
            "{}",
            out.describe()
        );
        items.push(item);
    }
    items
}

/// Replaces the secret of every Secret Service cache item of profile NAME with `junk`.
fn corrupt_secret_items(rig: &Rig, name: &str, junk: &str) -> usize {
    let items = secret_items(rig, name);
    for item in &items {
        run_with_stdin(
            rig.command("secret-tool").args([
                "store",
                "--label=corrupted by a test",
                "service",
                "aws-auth-cache",
                "key",
                &item["key"],
                "profile",
                name,
                "kind",
                &item["kind"],
            ]),
            junk.as_bytes(),
            Duration::from_secs(30),
        )
        .assert_success();
        let looked_up = run(rig.command("secret-tool").args([
            "lookup",
            "service",
            "aws-auth-cache",
            "key",
            &item["key"],
        ]));
        assert_eq!(looked_up.stdout_str(), junk, "{}", looked_up.describe());
    }
    assert_eq!(
        secret_items(rig, name).len(),
        items.len(),
        "replaced, not added"
    );
    items.len()
}

/// stderr without keyctl's own `Joined session keyring: N` line.
fn aws_auth_stderr(run: &Run) -> String {
    run.stderr
        .lines()
        .filter(|l| !l.starts_with("Joined session keyring"))
        .collect::<Vec<_>>()
        .join("\n")
}

// 1 -------------------------------------------------------------------------------------

#[test]
fn a_second_run_makes_no_request_runs_no_password_manager_and_prints_the_same_in_sh_and_json() {
    let rig = Rig::new(Cache::Kernel, StrictSts::start());
    let p = rig.profile("hit", None, false, "");
    let first = rig.run(&p, &["--token-code", TOKEN_CODE]);
    let printed = Printed::sh(&first);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_coded_session_token(&calls[0], TOKEN_CODE);
    assert_eq!(calls[0].param("DurationSeconds"), Some("43200"));
    assert_eq!(printed, Printed::of(&rig.sts.issued()[0]));
    assert_eq!(rig.fakes.calls_of("gopass").len(), 1);

    // The same code again: had it gone to STS, STS would refuse it.
    let second = rig.run(&p, &["--token-code", TOKEN_CODE]);
    second.assert_success();
    assert_eq!(second.stdout, first.stdout, "{}", second.describe());
    let json = rig.run(&p, &["--token-code", TOKEN_CODE, "--format", "json"]);
    assert_eq!(Printed::json(&json), printed, "{}", json.describe());
    // No code at all and no terminal: a hit needs none.
    let bare = rig.run(&p, &[]);
    assert_eq!(Printed::sh(&bare), printed, "{}", bare.describe());

    assert_eq!(rig.sts.total(), 1, "{:#?}", rig.sts.requests());
    assert_eq!(
        rig.fakes.calls_of("gopass").len(),
        1,
        "a hit runs no password manager: {:?}",
        rig.fakes.calls()
    );
    // A warm cache does not make a bad value acceptable.
    rig.run(&p, &["--token-code", "12345x"]).assert_failure(2);
    assert_eq!(rig.sts.total(), 1);
}

// 2 -------------------------------------------------------------------------------------

#[test]
fn eight_parallel_runs_on_an_empty_cache_share_one_coded_call() {
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder().role_requires_mfa().start(),
    );
    let p = rig.profile("par", Some(ROLE), false, "");
    let barrier = std::sync::Barrier::new(8);
    let runs: Vec<Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    let mut cmd =
                        without_terminal(&rig.with_profile(&p, &["--token-code", TOKEN_CODE]));
                    barrier.wait();
                    run(&mut cmd)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let first = Printed::sh(&runs[0]);
    for r in &runs {
        assert_eq!(Printed::sh(r), first, "{}", r.describe());
    }
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 2, "GetSessionToken + AssumeRole: {calls:#?}");
    assert_eq!(rig.sts.coded_calls().len(), 1, "{calls:#?}");
    assert_coded_session_token(&calls[0], TOKEN_CODE);
    assert_eq!(calls[0].param("DurationSeconds"), Some("43200"));
    let session = &rig.sts.issued()[0];
    assert_role_from_session(&calls[1], ROLE, &session.access_key_id);
    assert_eq!(first, Printed::of(&rig.sts.issued()[1]));
}

// 3 -------------------------------------------------------------------------------------

#[test]
fn a_role_inside_the_margin_is_derived_again_from_the_cached_mfa_session_without_a_code() {
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder()
            .role_requires_mfa()
            .role_lifetime(1000)
            .start(),
    );
    let p = rig.profile("margin", Some(ROLE), false, "");
    let first = Printed::sh(&rig.run(&p, &["--token-code", TOKEN_CODE]));
    assert_eq!(rig.sts.total(), 2);
    let session = rig.sts.issued()[0].clone();

    // 1000 s left < 1200: a new role, from the MFA session; no code, no terminal, no prompt.
    let refreshed = rig.run(&p, &["--min-ttl", "1200"]);
    let second = Printed::sh(&refreshed);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 3, "exactly one more call: {calls:#?}");
    assert_role_from_session(&calls[2], ROLE, &session.access_key_id);
    assert_eq!(rig.sts.coded_calls().len(), 1);
    assert_ne!(second.access_key_id, first.access_key_id);
    assert_eq!(second, Printed::of(&rig.sts.issued()[2]));

    // With the default margin (900 s) the new role is served from the cache.
    assert_eq!(Printed::sh(&rig.run(&p, &[])), second);
    assert_eq!(rig.sts.total(), 3);
    // AWS_AUTH_MIN_TTL is the flag's variable.
    let by_env = run(&mut without_terminal(
        rig.with_profile(&p, &[]).env("AWS_AUTH_MIN_TTL", "1200"),
    ));
    let third = Printed::sh(&by_env);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 4, "{calls:#?}");
    assert_role_from_session(&calls[3], ROLE, &session.access_key_id);
    assert_ne!(third.access_key_id, second.access_key_id);
}

// 4 -------------------------------------------------------------------------------------

#[test]
fn a_role_longer_than_an_hour_is_one_coded_assume_role_from_the_source_keys_then_hits() {
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder().role_requires_mfa().start(),
    );
    let p = rig.profile("long", Some(ROLE), false, "");
    let args = [
        "--role-duration-seconds",
        "7200",
        "--token-code",
        TOKEN_CODE,
    ];
    let first = Printed::sh(&rig.run(&p, &args));
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_coded_role(&calls[0], ROLE, TOKEN_CODE);
    assert_eq!(calls[0].param("DurationSeconds"), Some("7200"));
    let left = parse_rfc3339(&first.expiration).unwrap() as i64 - now() as i64;
    assert!((7100..=7200).contains(&left), "{first:?}");
    let expected: Vec<(String, String)> = vec![("credentials".into(), first.expiration.clone())];
    assert_eq!(rig.entries(&p), expected, "no MFA session for a long role");

    assert_eq!(Printed::sh(&rig.run(&p, &args)), first);
    // Cached for its whole life: still served with 7000 s asked to remain.
    let late = ["--role-duration-seconds", "7200", "--min-ttl", "7000"];
    assert_eq!(Printed::sh(&rig.run(&p, &late)), first);
    assert_eq!(rig.sts.total(), 1, "{:#?}", rig.sts.requests());
}

// 5 -------------------------------------------------------------------------------------

#[test]
fn no_cache_neither_reads_nor_writes_the_cache() {
    let rig = Rig::new(Cache::Kernel, StrictSts::start());
    let p = rig.profile("nocache", Some(ROLE), false, "");

    let cold = Printed::sh(&rig.run(&p, &["--no-cache", "--token-code", "111111"]));
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 1, "today's one call: {calls:#?}");
    assert_coded_role(&calls[0], ROLE, "111111");
    assert_eq!(cold, Printed::of(&rig.sts.issued()[0]));
    assert_eq!(rig.entries(&p), [], "--no-cache wrote to the cache");

    let cached = Printed::sh(&rig.run(&p, &["--token-code", "222222"]));
    assert_eq!(rig.sts.total(), 3);
    let warm = rig.entries(&p);
    assert_eq!(warm.len(), 2, "{warm:?}");

    let bypass = Printed::sh(&rig.run(&p, &["--no-cache", "--token-code", "333333"]));
    let calls = rig.sts.requests();
    assert_eq!(
        calls.len(),
        4,
        "--no-cache must not read a warm cache: {calls:#?}"
    );
    assert_coded_role(&calls[3], ROLE, "333333");
    assert_ne!(bypass.access_key_id, cached.access_key_id);
    assert_eq!(rig.entries(&p), warm, "--no-cache must not write");

    let by_env = run(&mut without_terminal(
        rig.with_profile(&p, &["--token-code", "444444"])
            .env("AWS_AUTH_NO_CACHE", "1"),
    ));
    let by_env = Printed::sh(&by_env);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 5, "{calls:#?}");
    assert_coded_role(&calls[4], ROLE, "444444");
    assert_ne!(by_env.access_key_id, cached.access_key_id);
    assert_eq!(rig.entries(&p), warm);

    // The cached credentials are still the ones served.
    assert_eq!(Printed::sh(&rig.run(&p, &[])), cached);
    assert_eq!(rig.sts.total(), 5);
}

// 6 -------------------------------------------------------------------------------------

#[test]
fn cache_list_shows_a_profiles_entries_and_clear_removes_only_them() {
    // Other source keys for q: an MFA session is kept per source key and device.
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder()
            .long_term_key(OTHER_SOURCE_KEY, SOURCE_SECRET_ACCESS_KEY)
            .start(),
    );
    let p = rig.profile("clear-p", Some(ROLE), false, "");
    let q = rig.profile_with_key("clear-q", OTHER_SOURCE_KEY, Some(ROLE), false, "");
    Printed::sh(&rig.run(&p, &["--token-code", "111111"]));
    let q_printed = Printed::sh(&rig.run(&q, &["--token-code", "222222"]));
    let issued = rig.sts.issued();
    assert_eq!(issued.len(), 4);
    let expected = |session: &Issued, role: &Issued| {
        vec![
            ("credentials".to_owned(), role.expiration.clone()),
            ("mfa-session".to_owned(), session.expiration.clone()),
        ]
    };
    assert_eq!(rig.entries(&p), expected(&issued[0], &issued[1]));
    let q_entries = rig.entries(&q);
    assert_eq!(q_entries, expected(&issued[2], &issued[3]));

    let cleared = rig.clear(&p);
    cleared.assert_success();
    assert!(cleared.stdout.is_empty(), "{}", cleared.describe());
    assert!(
        aws_auth_stderr(&cleared).contains('2'),
        "clear says how many it removed\n{}",
        cleared.describe()
    );
    assert_eq!(rig.entries(&p), []);
    assert_eq!(rig.entries(&q), q_entries, "another profile's entries stay");

    let again = rig.run(&p, &["--token-code", "333333"]);
    again.assert_success();
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 6, "{calls:#?}");
    assert_coded_session_token(&calls[4], "333333");
    assert_role_from_session(&calls[5], ROLE, &rig.sts.issued()[4].access_key_id);
    assert_eq!(Printed::sh(&rig.run(&q, &[])), q_printed);
    assert_eq!(rig.sts.total(), 6);
}

/// In a private Secret Service, `clear` without --profile is safe to run: it removes every
/// entry, keys from the environment (`-`) included.
#[test]
fn cache_list_shows_environment_keys_as_a_dash_and_clear_removes_everything() {
    let rig = Rig::new(Cache::SecretService, StrictSts::start());
    let p = rig.profile("all", None, false, "");
    let env_run = run(&mut without_terminal(
        rig.aws_auth(&["--serial-number", SERIAL_NUMBER, "--token-code", "111111"])
            .env("AWS_ACCESS_KEY_ID", SOURCE_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SOURCE_SECRET_ACCESS_KEY),
    ));
    let env_printed = Printed::sh(&env_run);
    let p_printed = Printed::sh(&rig.run(&p, &["--token-code", "222222"]));
    assert_eq!(
        rig.entries("-"),
        [("credentials".to_owned(), env_printed.expiration.clone())]
    );
    assert_eq!(
        rig.entries(&p),
        [("credentials".to_owned(), p_printed.expiration.clone())]
    );

    let cleared = run(&mut rig.aws_auth(&["cache", "clear"]));
    cleared.assert_success();
    assert!(cleared.stdout.is_empty(), "{}", cleared.describe());
    assert!(cleared.stderr.contains('2'), "{}", cleared.describe());
    let list = run(&mut rig.aws_auth(&["cache", "list"]));
    list.assert_success();
    assert_eq!(
        list.stdout_str(),
        "PROFILE\tKIND\tEXPIRATION\n",
        "{}",
        list.describe()
    );
}

// 7 -------------------------------------------------------------------------------------

fn corrupt_entry_is_ignored_and_replaced(cache: Cache) {
    let rig = Rig::new(cache, StrictSts::start());
    let p = rig.profile("corrupt", None, false, "");
    Printed::sh(&rig.run(&p, &["--token-code", "111111"]));
    let junk = "aws-auth-cache 1\nnot an entry\n";
    let corrupted = match cache {
        Cache::Kernel => corrupt_kernel_entries(&rig.sandbox, &p, junk),
        _ => corrupt_secret_items(&rig, &p, junk),
    };
    assert_eq!(corrupted, 1, "{cache:?}: the run stored one entry");

    let replaced = rig.run(&p, &["--token-code", "222222"]);
    let printed = Printed::sh(&replaced);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 2, "{cache:?}: {calls:#?}");
    assert_coded_session_token(&calls[1], "222222");
    assert_eq!(printed, Printed::of(&rig.sts.issued()[1]));
    assert_no_secret(&replaced.stderr, &rig.sts, "stderr");

    // Replaced: the next run hits (the same code again would be refused by STS).
    assert_eq!(
        Printed::sh(&rig.run(&p, &["--token-code", "222222"])),
        printed
    );
    assert_eq!(rig.sts.total(), 2, "{cache:?}");
}

#[test]
fn a_corrupt_kernel_keyring_entry_is_ignored_and_replaced() {
    corrupt_entry_is_ignored_and_replaced(Cache::Kernel);
}

#[test]
fn a_corrupt_secret_service_entry_is_ignored_and_replaced() {
    corrupt_entry_is_ignored_and_replaced(Cache::SecretService);
}

// 8 -------------------------------------------------------------------------------------

/// Sleeps into the next 30-second TOTP step unless at least `margin` of this one is left.
fn with_totp_step_left(margin: u64) {
    let left = 30 - now() % 30;
    if left < margin {
        std::thread::sleep(Duration::from_millis(left * 1000 + 300));
    }
}

#[test]
fn a_refused_totp_code_is_retried_once_in_the_next_window() {
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder().totp_seed(TOTP_SEED).start(),
    );
    let p = rig.profile("retry", None, true, "");
    with_totp_step_left(10);
    // Uses this step's code up.
    Printed::sh(&rig.run(&p, &["--no-cache"]));
    let used = rig.sts.requests()[0].clone();
    assert!(used.succeeded() && used.is_coded(), "{used:#?}");

    let retried = rig.run(&p, &[]);
    let printed = Printed::sh(&retried);
    assert!(
        aws_auth_stderr(&retried).contains("waiting"),
        "the wait must be announced\n{}",
        retried.describe()
    );
    assert!(
        !aws_auth_stderr(&retried).contains("   "),
        "a message, not a run of blanks from a broken string continuation\n{}",
        retried.describe()
    );
    assert!(
        retried.elapsed < Duration::from_secs(40),
        "{}",
        retried.describe()
    );
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 3, "one refusal, one retry: {calls:#?}");
    assert_eq!(calls[1].param("TokenCode"), used.param("TokenCode"));
    assert_eq!(calls[1].error.as_deref(), Some("AccessDenied"));
    assert_coded_session_token(&calls[2], calls[2].param("TokenCode").unwrap());
    assert_ne!(calls[2].param("TokenCode"), used.param("TokenCode"));
    assert_eq!(printed, Printed::of(&rig.sts.issued()[1]));

    assert_eq!(Printed::sh(&rig.run(&p, &[])), printed);
    assert_eq!(rig.sts.total(), 3);
}

/// A code from --token-code is the user's: a refusal is reported, never waited out.
#[test]
fn a_refused_flag_code_is_not_retried() {
    let rig = Rig::new(Cache::Kernel, StrictSts::start());
    let p = rig.profile("noretry", None, false, "");
    Printed::sh(&rig.run(&p, &["--no-cache", "--token-code", TOKEN_CODE]));
    let refused = rig.run(&p, &["--token-code", TOKEN_CODE]);
    refused.assert_failure(1);
    assert!(
        refused.elapsed < Duration::from_secs(15),
        "{}",
        refused.describe()
    );
    assert!(
        !refused.stderr.contains("waiting"),
        "{}",
        refused.describe()
    );
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 2, "{calls:#?}");
    assert_eq!(calls[1].error.as_deref(), Some("AccessDenied"));
    assert_eq!(rig.entries(&p), [], "a failure caches nothing");
    assert!(
        refused.stderr.contains("AccessDenied")
            || refused.stderr.contains(INVALID_MFA_MESSAGE.trim()),
        "the refusal is reported\n{}",
        refused.describe()
    );
}

// 9, 13 ---------------------------------------------------------------------------------

/// `cache status`: three lines, `store: ...`, `reason: ...`, `locks: DIR`.
fn status(rig: &Rig, cmd: &mut Command) -> Vec<String> {
    let out = run(cmd);
    out.assert_success();
    let lines: Vec<String> = out.stdout_str().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 3, "{}", out.describe());
    assert!(lines[1].starts_with("reason: "), "{}", out.describe());
    let locks = rig.sandbox.runtime_dir().join("aws-auth");
    assert_eq!(
        lines[2].trim_end_matches('/'),
        format!("locks: {}", locks.display()),
        "{}",
        out.describe()
    );
    lines
}

#[test]
fn cache_status_names_the_store() {
    let kernel = Rig::new(Cache::Kernel, StrictSts::start());
    let lines = status(&kernel, &mut kernel.aws_auth(&["cache", "status"]));
    assert_eq!(lines[0], "store: kernel-keyring");
    // Unnamed (auto), a bus address that reaches nothing falls back to the kernel keyring.
    for store in [None, Some("auto")] {
        let mut cmd = kernel.aws_auth(&["cache", "status"]);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .env_remove("AWS_AUTH_CACHE_STORE");
        if let Some(store) = store {
            cmd.env("AWS_AUTH_CACHE_STORE", store);
        }
        let lines = status(&kernel, &mut cmd);
        assert_eq!(lines[0], "store: kernel-keyring", "{store:?}");
    }

    let ss = Rig::new(Cache::SecretService, StrictSts::start());
    let lines = status(&ss, &mut ss.aws_auth(&["cache", "status"]));
    assert_eq!(lines[0], "store: secret-service");
}

/// AWS_AUTH_CACHE_STORE names the store, and then it is that store or none. With a Secret
/// Service on the bus, `kernel-keyring` caches in the kernel keyring only; `secret-service`
/// without a bus is no store (never the kernel keyring): runs still succeed, each saying so
/// and asking STS, while `cache list` and `cache clear` fail (their entries, if any, were
/// not reached). A value that names no store is a usage error; `--no-cache` never reads it.
#[test]
fn a_named_store_is_that_store_or_none() {
    let ss = Rig::new(Cache::SecretService, StrictSts::start());
    let p = ss.profile("named", None, false, "");
    let in_kernel = |rig: &Rig, p: &str, args: &[&str]| {
        let mut cmd = rig.with_profile(p, args);
        cmd.env("AWS_AUTH_CACHE_STORE", "kernel-keyring");
        run(&mut without_terminal(&cmd))
    };
    let printed = Printed::sh(&in_kernel(&ss, &p, &["--token-code", TOKEN_CODE]));
    assert_eq!(ss.entries(&p), [], "nothing in the Secret Service");
    assert_eq!(kernel_entries(&ss.sandbox, &p).len(), 1);
    assert_eq!(Printed::sh(&in_kernel(&ss, &p, &[])), printed);
    assert_eq!(ss.sts.total(), 1);
    let mut clear = ss.aws_auth(&["cache", "clear", "--profile", &p]);
    clear.env("AWS_AUTH_CACHE_STORE", "kernel-keyring");
    let cleared = run(&mut clear);
    cleared.assert_success();
    assert!(
        cleared
            .stderr
            .contains("removed 1 cached session from the kernel-keyring"),
        "{}",
        cleared.describe()
    );
    assert_eq!(kernel_entries(&ss.sandbox, &p), Vec::<String>::new());

    // secret-service, and no bus: no store.
    let kernel = Rig::new(Cache::Kernel, StrictSts::start());
    let q = kernel.profile("named-none", None, false, "");
    let in_ss = |args: &[&str]| {
        let mut cmd = kernel.aws_auth(args);
        cmd.env("AWS_AUTH_CACHE_STORE", "secret-service");
        run(&mut without_terminal(&cmd))
    };
    for code in ["111111", "222222"] {
        let out = in_ss(&["--profile", &q, "--token-code", code]);
        Printed::sh(&out);
        let warning = "aws-auth: warning: no session cache: no D-Bus session bus \
                       (DBUS_SESSION_BUS_ADDRESS is unset), so no Secret Service; \
                       AWS_AUTH_CACHE_STORE=secret-service rules out the kernel keyring; \
                       continuing without it";
        assert_eq!(aws_auth_stderr(&out), warning, "{}", out.describe());
    }
    assert_eq!(kernel.sts.total(), 2, "nothing was cached");
    assert_eq!(kernel_entries(&kernel.sandbox, &q), Vec::<String>::new());
    for sub in ["list", "clear"] {
        let out = in_ss(&["cache", sub]);
        out.assert_failure(1);
        assert!(
            out.stderr.contains("rules out the kernel keyring"),
            "{}",
            out.describe()
        );
    }
    let status = in_ss(&["cache", "status"]);
    status.assert_success();
    assert!(
        status.stdout_str().starts_with("store: none\n"),
        "{}",
        status.describe()
    );

    // A value that names no store.
    let mut bad = kernel.with_profile(&q, &["--token-code", "333333"]);
    bad.env("AWS_AUTH_CACHE_STORE", "kernel");
    let out = run(&mut without_terminal(&bad));
    out.assert_failure(2);
    assert!(
        out.stderr.contains(
            "AWS_AUTH_CACHE_STORE is \"kernel\", not auto, secret-service or kernel-keyring"
        ),
        "{}",
        out.describe()
    );
    assert_eq!(kernel.sts.total(), 2, "refused before any request");
    bad.arg("--no-cache");
    Printed::sh(&run(&mut without_terminal(&bad)));
    let mut list = kernel.aws_auth(&["cache", "list"]);
    list.env("AWS_AUTH_CACHE_STORE", "kernel");
    run(&mut list).assert_failure(2);
}

/// Where keyctl is forbidden (Docker's default seccomp profile) there is no store: unnamed,
/// a run says nothing of it and `cache list` tells why there is nothing to list; with the
/// kernel keyring named, every run warns and `cache list` fails.
#[test]
fn without_keyctl_there_is_no_store_and_only_a_named_one_is_an_error() {
    let rig = Rig::new(Cache::Off, StrictSts::start());
    let p = rig.profile("no-keyctl", None, false, "");
    let forbidden = |store: Option<&str>, args: &[&str]| {
        let mut cmd = rig.aws_auth(args);
        cmd.env_remove("AWS_AUTH_NO_CACHE");
        if let Some(store) = store {
            cmd.env("AWS_AUTH_CACHE_STORE", store);
        }
        let mut cmd = without_terminal(&cmd);
        seccomp::forbid_keyrings(&mut cmd);
        run(&mut cmd)
    };
    let unnamed = forbidden(None, &["--profile", &p, "--token-code", "111111"]);
    Printed::sh(&unnamed);
    assert_eq!(unnamed.stderr, "", "{}", unnamed.describe());
    let status = forbidden(None, &["cache", "status"]);
    status.assert_success();
    let reason = status.stdout_str().lines().nth(1).unwrap_or_default();
    assert!(
        status.stdout_str().starts_with("store: none\n")
            && reason.contains("kernel keyring: keyctl get_persistent")
            && reason.ends_with("; aws-auth runs without a session cache"),
        "{}",
        status.describe()
    );
    let list = forbidden(None, &["cache", "list"]);
    list.assert_success();
    assert!(
        list.stderr.starts_with("aws-auth: no session cache: "),
        "{}",
        list.describe()
    );

    let named = forbidden(
        Some("kernel-keyring"),
        &["--profile", &p, "--token-code", "222222"],
    );
    Printed::sh(&named);
    assert!(
        named
            .stderr
            .starts_with("aws-auth: warning: no session cache: ")
            && named
                .stderr
                .contains("kernel keyring: keyctl get_persistent")
            && named.stderr.ends_with("; continuing without it\n")
            && !named
                .stderr
                .contains("aws-auth runs without a session cache"),
        "{}",
        named.describe()
    );
    forbidden(Some("kernel-keyring"), &["cache", "list"]).assert_failure(1);
    assert_eq!(rig.sts.total(), 2);
}

#[test]
fn the_kernel_keyring_serves_a_later_login() {
    let rig = Rig::new(Cache::Kernel, StrictSts::start());
    let p = rig.profile("kernel", Some(ROLE), false, "");
    // Every run is its own `keyctl session`, as two logins are.
    let first = Printed::sh(&rig.run(&p, &["--token-code", TOKEN_CODE]));
    let ids = kernel_entries(&rig.sandbox, &p);
    assert_eq!(ids.len(), 2);
    // The kernel drops each entry itself when its credentials expire (an hour's role, a
    // 12-hour MFA session): /proc/keys shows a timeout under a day for both ("59m", "11h"),
    // never "perm" or weeks.
    let keys = std::fs::read_to_string("/proc/keys").unwrap();
    for id in &ids {
        let hex = format!("{:08x}", id.parse::<u32>().unwrap());
        let line = keys
            .lines()
            .find(|l| l.starts_with(&hex))
            .unwrap_or_else(|| panic!("key {hex} in /proc/keys:\n{keys}"));
        let timeout = line.split_whitespace().nth(3).unwrap();
        let (count, unit) = timeout.split_at(timeout.len() - 1);
        assert!(
            count.parse::<u32>().is_ok() && ["s", "m", "h"].contains(&unit),
            "timeout of {line}"
        );
    }
    assert_eq!(Printed::sh(&rig.run(&p, &[])), first);
    assert_eq!(rig.sts.total(), 2);
}

#[test]
fn the_secret_service_holds_the_entries_and_serves_a_later_run() {
    let rig = Rig::new(Cache::SecretService, StrictSts::start());
    let p = rig.profile("ss", Some(ROLE), false, "");
    let first = Printed::sh(&rig.run(&p, &["--token-code", TOKEN_CODE]));
    let mut items: Vec<(String, String)> = secret_items(&rig, &p)
        .into_iter()
        .map(|item| {
            let key = &item["key"];
            assert!(
                key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()),
                "{item:?}"
            );
            assert_eq!(item["profile"], p);
            (item["kind"].clone(), key.clone())
        })
        .collect();
    items.sort();
    let kinds: Vec<&str> = items.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["credentials", "mfa-session"]);
    assert_eq!(
        kernel_entries(&rig.sandbox, &p),
        Vec::<String>::new(),
        "with a Secret Service, nothing goes to the kernel keyring"
    );
    assert_eq!(Printed::sh(&rig.run(&p, &[])), first);
    assert_eq!(rig.sts.total(), 2);
}

// 10 ------------------------------------------------------------------------------------

/// Files under `dir` (not following symlinks) that contain any of `needles`; unreadable
/// files and files over 16 MiB are skipped. Returns (files read, files containing one).
fn scan(dir: &Path, needles: &[String], hits: &mut Vec<String>) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut read = 0;
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            read += scan(&path, needles, hits);
        } else if kind.is_file() {
            if entry.metadata().map_or(true, |m| m.len() > 16 << 20) {
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            read += 1;
            let text = String::from_utf8_lossy(&bytes);
            if needles.iter().any(|n| text.contains(n.as_str())) {
                hits.push(path.display().to_string());
            }
        }
    }
    read
}

fn nothing_on_disk(cache: Cache) {
    let rig = Rig::new(cache, StrictSts::builder().role_requires_mfa().start());
    let p = rig.profile("disk", Some(ROLE), false, "");
    let q = rig.profile("disk-plain", None, false, "");
    Printed::sh(&rig.run(&p, &["--token-code", "111111"]));
    Printed::sh(&rig.run(&p, &[]));
    Printed::json(&rig.run(&p, &["--format", "json"]));
    Printed::sh(&rig.run(&q, &["--token-code", "222222"]));
    Printed::sh(&rig.run(&q, &[]));
    assert_eq!(rig.sts.total(), 3, "{cache:?}");
    let needles = handed_out(&rig.sts);
    assert_eq!(needles.len(), 6);

    // The scanner finds what is there.
    let canary = rig
        .sandbox
        .write("home/.cache/canary", format!("x{}x", needles[0]));
    let mut hits = Vec::new();
    scan(rig.sandbox.root(), &needles, &mut hits);
    assert_eq!(hits, [canary.display().to_string()]);
    std::fs::remove_file(&canary).unwrap();

    let mut hits = Vec::new();
    let mut read = 0;
    for dir in [
        rig.sandbox.root(),
        Path::new("/tmp"),
        Path::new("/var/tmp"),
        Path::new("/dev/shm"),
    ] {
        read += scan(dir, &needles, &mut hits);
    }
    assert!(read > 0);
    assert_eq!(hits, Vec::<String>::new(), "{cache:?}: secrets on disk");
}

#[test]
fn no_session_secret_is_written_to_disk_with_the_kernel_keyring() {
    nothing_on_disk(Cache::Kernel);
}

#[test]
fn no_session_secret_is_written_to_disk_with_the_secret_service() {
    nothing_on_disk(Cache::SecretService);
}

// 11 ------------------------------------------------------------------------------------

/// `aws --profile cp sts get-caller-identity` with `credential_process = aws-auth --profile
/// NAME --format json` in ~/.aws/config.
fn aws_through_credential_process(rig: &Rig, name: &str) -> Command {
    let config = rig.sandbox.write(
        "home/.aws/config",
        format!("[profile cp]\ncredential_process = aws-auth --profile {name} --format json\n"),
    );
    let mut cmd = rig.command("aws");
    cmd.env("AWS_CONFIG_FILE", config)
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            rig.sandbox.path("no-credentials"),
        )
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .args(["--profile", "cp", "sts", "get-caller-identity"])
        .args(["--query", "Arn", "--output", "text"]);
    cmd
}

fn credential_process_rig() -> (Rig, String) {
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder()
            .role_requires_mfa()
            .totp_seed(TOTP_SEED)
            .start(),
    );
    let p = rig.profile("cp", Some(ROLE), true, "role_session_name = \"cp-session\"");
    (rig, p)
}

#[test]
fn credential_process_calls_share_one_coded_call() {
    let arn = assumed_role_arn("cache-role", "cp-session");
    let (rig, p) = credential_process_rig();
    for _ in 0..5 {
        let out = run(&mut aws_through_credential_process(&rig, &p));
        assert_eq!(caller_arn(&out), arn, "{}", out.describe());
    }
    assert_eq!(rig.sts.coded_calls().len(), 1, "{:#?}", rig.sts.requests());
    assert_eq!(rig.sts.count("GetSessionToken"), 1);
    assert_eq!(rig.sts.count("AssumeRole"), 1);
    let role_key = rig.sts.issued()[1].access_key_id.clone();
    let identities = rig.sts.calls_of("GetCallerIdentity");
    assert_eq!(identities.len(), 5);
    assert!(
        identities
            .iter()
            .all(|c| c.signer() == role_key && c.succeeded())
    );

    // Four at once, on an empty cache.
    let (rig, p) = credential_process_rig();
    let runs: Vec<Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let mut cmd = aws_through_credential_process(&rig, &p);
                scope.spawn(move || run(&mut cmd))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in &runs {
        assert_eq!(caller_arn(out), arn, "{}", out.describe());
    }
    assert_eq!(rig.sts.coded_calls().len(), 1, "{:#?}", rig.sts.requests());
    assert_eq!(rig.sts.count("GetSessionToken"), 1);
    assert_eq!(rig.sts.count("AssumeRole"), 1);
    assert_eq!(rig.sts.count("GetCallerIdentity"), 4);
}

// The cache key ------------------------------------------------------------------------

/// What is asked for, not how: the code, --timeout and --format share an entry; another
/// role, region or profile definition is another entry, its role derived from the same MFA
/// session (kept per source key and device) without a code.
#[test]
fn the_cache_key_ignores_code_timeout_and_format_but_not_role_region_or_profile() {
    let rig = Rig::new(Cache::Kernel, StrictSts::start());
    let p = rig.profile("key", Some(ROLE), false, "");
    let first = Printed::sh(&rig.run(&p, &["--token-code", "111111"]));
    assert_eq!(rig.sts.total(), 2);
    let session_key = rig.sts.issued()[0].access_key_id.clone();

    let json = rig.run(
        &p,
        &[
            "--format",
            "json",
            "--timeout",
            "7",
            "--token-code",
            "222222",
        ],
    );
    assert_eq!(Printed::json(&json), first, "{}", json.describe());
    assert_eq!(rig.sts.total(), 2, "{:#?}", rig.sts.requests());

    let other = Printed::sh(&rig.run(&p, &["--role-arn", OTHER_ROLE, "--token-code", "333333"]));
    assert_ne!(other.access_key_id, first.access_key_id);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 3, "{calls:#?}");
    assert_role_from_session(&calls[2], OTHER_ROLE, &session_key);

    let region = Printed::sh(&rig.run(&p, &["--region", "eu-west-2", "--token-code", "444444"]));
    assert_ne!(region.access_key_id, first.access_key_id);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 4, "{calls:#?}");
    assert_role_from_session(&calls[3], ROLE, &session_key);

    // The definition as written: one more key in the profile is another entry.
    let toml = rig.profiles_toml().replace(
        &format!("[profiles.{p}]\n"),
        &format!("[profiles.{p}]\nrole_session_name = \"changed\"\n"),
    );
    rig.write_profiles(&toml);
    let changed = Printed::sh(&rig.run(&p, &["--token-code", "555555"]));
    assert_ne!(changed.access_key_id, first.access_key_id);
    let calls = rig.sts.requests();
    assert_eq!(calls.len(), 5, "{calls:#?}");
    assert_role_from_session(&calls[4], ROLE, &session_key);
    assert_eq!(calls[4].param("RoleSessionName"), Some("changed"));

    // Back as it was: the first entry is still there, untouched by the others.
    rig.write_profiles(&rig.profiles_toml());
    assert_eq!(Printed::sh(&rig.run(&p, &[])), first);
    assert_eq!(rig.sts.total(), 5);
}

// The strict STS itself ------------------------------------------------------------------

/// One request signed (SigV4) with the secret of `key` (the source secret for the source key,
/// the issued one for issued keys), with the token header when given, straight over TCP:
/// (status, body).
fn post(sts: &StrictSts, key: &str, token: Option<&str>, form: &[(&str, &str)]) -> (u16, String) {
    let secret = match sts.issued_for(key) {
        Some(issued) => issued.secret_access_key,
        None => SOURCE_SECRET_ACCESS_KEY.to_owned(),
    };
    post_signed(sts, key, &secret, token, form)
}

/// As [`post`], signed with `secret`.
fn post_signed(
    sts: &StrictSts,
    key: &str,
    secret: &str,
    token: Option<&str>,
    form: &[(&str, &str)],
) -> (u16, String) {
    use crate::support::sigv4;
    use std::io::{Read, Write};
    let body: Vec<String> = [("Version", "2011-06-15")]
        .iter()
        .chain(form)
        .map(|(k, v)| format!("{k}={}", v.replace(':', "%3A").replace('/', "%2F")))
        .collect();
    let body = body.join("&");
    let address = sts.address();
    let date = sigv4::amz_date(now());
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), address.clone()),
        (
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ),
        ("x-amz-date".into(), date.clone()),
    ];
    if let Some(token) = token {
        headers.push(("x-amz-security-token".into(), token.to_owned()));
    }
    let authorization = sigv4::sign(
        "POST",
        sts.path(),
        &headers,
        &body,
        key,
        secret,
        "us-east-1",
        &date,
    );
    headers.push(("authorization".into(), authorization));
    let mut head = format!("POST {} HTTP/1.1\r\n", sts.path());
    for (name, value) in &headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    let mut stream = std::net::TcpStream::connect(address).expect("connecting to the STS");
    stream
        .write_all(format!("{head}\r\n{body}").as_bytes())
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}

fn xml_value(body: &str, tag: &str) -> String {
    let start = body
        .find(&format!("<{tag}>"))
        .unwrap_or_else(|| panic!("no <{tag}> in {body}"))
        + tag.len()
        + 2;
    let end = body[start..].find(&format!("</{tag}>")).unwrap() + start;
    body[start..end].to_owned()
}

#[test]
fn the_strict_sts_refuses_what_aws_refuses() {
    let sts = StrictSts::builder().role_requires_mfa().start();
    let gst = [("Action", "GetSessionToken")];
    let coded = |code: &'static str| [("SerialNumber", SERIAL_NUMBER), ("TokenCode", code)];
    let assume = |extra: &[(&'static str, &'static str)]| {
        let mut form = vec![
            ("Action", "AssumeRole"),
            ("RoleArn", ROLE),
            ("RoleSessionName", "s"),
        ];
        form.extend_from_slice(extra);
        form
    };
    let with =
        |a: &[(&'static str, &'static str)], b: &[(&'static str, &'static str)]| [a, b].concat();

    let (status, body) = post(
        &sts,
        SOURCE_ACCESS_KEY_ID,
        None,
        &with(&gst, &coded("111111")),
    );
    assert_eq!(status, 200, "{body}");
    let session = sts.issued_for(&xml_value(&body, "AccessKeyId")).unwrap();
    assert_eq!(xml_value(&body, "SessionToken"), session.session_token);
    assert!(session.session_token.len() > 300);
    let left = session.expires_at - now();
    assert!((43_190..=43_200).contains(&left));

    // A code works once.
    let (status, body) = post(
        &sts,
        SOURCE_ACCESS_KEY_ID,
        None,
        &with(&gst, &coded("111111")),
    );
    assert_eq!(status, 403);
    assert_eq!(xml_value(&body, "Code"), "AccessDenied");
    assert_eq!(xml_value(&body, "Message"), INVALID_MFA_MESSAGE);
    // No GetSessionToken from session credentials.
    let (status, body) = post(
        &sts,
        &session.access_key_id,
        Some(&session.session_token),
        &gst,
    );
    assert_eq!(
        (status, xml_value(&body, "Code").as_str()),
        (403, "AccessDenied")
    );
    // Session credentials need their token.
    let (status, body) = post(&sts, &session.access_key_id, None, &assume(&[]));
    assert_eq!(
        (status, xml_value(&body, "Code").as_str()),
        (403, "InvalidClientTokenId")
    );
    // Role chaining: at most an hour.
    let (status, body) = post(
        &sts,
        &session.access_key_id,
        Some(&session.session_token),
        &assume(&[("DurationSeconds", "7200")]),
    );
    assert_eq!(status, 400);
    assert_eq!(xml_value(&body, "Code"), "ValidationError");
    assert!(body.contains("1 hour session limit"), "{body}");
    // The role requires MFA: the MFA session has it, the bare keys do not.
    let (status, body) = post(
        &sts,
        &session.access_key_id,
        Some(&session.session_token),
        &assume(&[]),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(xml_value(&body, "Arn"), assumed_role_arn("cache-role", "s"));
    let role = sts.issued_for(&xml_value(&body, "AccessKeyId")).unwrap();
    assert!((3599..=3600).contains(&(role.expires_at - now())));
    let (status, _) = post(&sts, SOURCE_ACCESS_KEY_ID, None, &assume(&[]));
    assert_eq!(status, 403);
    let (status, body) = post(&sts, SOURCE_ACCESS_KEY_ID, None, &assume(&coded("222222")));
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(&sts, SOURCE_ACCESS_KEY_ID, None, &gst);
    assert_eq!(status, 200, "{body}");
    let plain = sts.issued_for(&xml_value(&body, "AccessKeyId")).unwrap();
    let (status, _) = post(
        &sts,
        &plain.access_key_id,
        Some(&plain.session_token),
        &assume(&[]),
    );
    assert_eq!(
        status, 403,
        "a session without MFA does not satisfy the role"
    );

    // Who is calling.
    let identity = [("Action", "GetCallerIdentity")];
    let arn_of = |key: &str, token: Option<&str>| {
        let (status, body) = post(&sts, key, token, &identity);
        assert_eq!(status, 200, "{body}");
        xml_value(&body, "Arn")
    };
    assert_eq!(
        arn_of(SOURCE_ACCESS_KEY_ID, None),
        "arn:aws:iam::123456789012:user/alice"
    );
    assert_eq!(
        arn_of(&session.access_key_id, Some(&session.session_token)),
        "arn:aws:iam::123456789012:user/alice"
    );
    assert_eq!(
        arn_of(&role.access_key_id, Some(&role.session_token)),
        assumed_role_arn("cache-role", "s")
    );
    let (status, body) = post(&sts, "AKIAUNKNOWN000000000", None, &identity);
    assert_eq!(
        (status, xml_value(&body, "Code").as_str()),
        (403, "InvalidClientTokenId")
    );

    // Signed with another secret (one byte off): refused as AWS refuses it. Issued keys are
    // checked with their own secret, not the source's.
    let off_by_one = SOURCE_SECRET_ACCESS_KEY.replacen('w', "W", 1);
    for (key, secret, token) in [
        (SOURCE_ACCESS_KEY_ID, off_by_one.as_str(), None),
        (
            session.access_key_id.as_str(),
            SOURCE_SECRET_ACCESS_KEY,
            Some(session.session_token.as_str()),
        ),
    ] {
        let (status, body) = post_signed(&sts, key, secret, token, &identity);
        assert_eq!(
            (status, xml_value(&body, "Code").as_str()),
            (403, "SignatureDoesNotMatch"),
            "{body}"
        );
        assert_eq!(xml_value(&body, "Type"), "Sender");
        assert_eq!(xml_value(&body, "Message"), SIGNATURE_MISMATCH_MESSAGE);
    }

    assert_eq!(sts.total(), 16);
    assert_eq!(sts.coded_calls().len(), 3);
    assert_eq!(sts.count("AssumeRole"), 6);
    let calls = sts.requests();
    let first = &calls[0];
    assert_eq!(first.param("SerialNumber"), Some(SERIAL_NUMBER));
    assert_eq!(first.signer(), SOURCE_ACCESS_KEY_ID);
    let checks: Vec<&SignatureCheck> = calls.iter().map(|c| &c.signature).collect();
    let mut expected = vec![&SignatureCheck::Verified; 13];
    expected.push(&SignatureCheck::NotChecked); // the unknown key
    let refused = SignatureCheck::Refused(Mismatch::Signature);
    expected.extend([&refused, &refused]);
    assert_eq!(checks, expected, "{calls:#?}");

    // With a seed, only the current code passes.
    let sts = StrictSts::builder().totp_seed(TOTP_SEED).start();
    let current = crate::support::strict_sts::current_totp(TOTP_SEED);
    let wrong = if current == "000000" {
        "000001"
    } else {
        "000000"
    };
    let form = [
        ("Action", "GetSessionToken"),
        ("SerialNumber", SERIAL_NUMBER),
        ("TokenCode", wrong),
    ];
    assert_eq!(post(&sts, SOURCE_ACCESS_KEY_ID, None, &form).0, 403);
    let form = [
        ("Action", "GetSessionToken"),
        ("SerialNumber", SERIAL_NUMBER),
        ("TokenCode", current.as_str()),
    ];
    let (status, body) = post(&sts, SOURCE_ACCESS_KEY_ID, None, &form);
    // A step boundary may fall between computing the code and the request.
    assert!(status == 200 || now() % 30 < 2, "{body}");
}
