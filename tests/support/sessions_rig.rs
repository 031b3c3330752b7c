//! The session cache's test rig: a sandbox with the fake password managers, a strict STS,
//! profiles with unique names, and aws-auth runs with the cache on in one store (the
//! user's persistent kernel keyring, each run in its own `keyctl session` as separate logins
//! are, or gnome-keyring over D-Bus); and the checks the cache tests share. Dropping a rig
//! clears its profiles' entries (the kernel keyring is shared by every test of the user).

use super::fakes::Fakes;
use super::profile_kit::{assert_absent, otpauth_line};
use super::secret_service::SecretService;
use super::strict_sts::{Call, Issued, StrictSts, parse_rfc3339};
use super::*;
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

pub const ROLE: &str = "arn:aws:iam::123456789012:role/cache-role";
pub const OTHER_ROLE: &str = "arn:aws:iam::123456789012:role/other-role";
pub const OTHER_SOURCE_KEY: &str = "AKIAAWSAUTHSOURCE002";

/// Where a rig's runs keep their cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cache {
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
pub struct Rig {
    // Field order is drop order: the Secret Service goes before its data dir.
    bus: Option<SecretService>,
    pub sts: StrictSts,
    pub cache: Cache,
    pub fakes: Fakes,
    profiles: Mutex<(Vec<String>, String)>,
    pub sandbox: Sandbox,
}

impl Rig {
    pub fn new(cache: Cache, sts: StrictSts) -> Rig {
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
    pub fn profile(&self, tag: &str, role: Option<&str>, otpauth: bool, extra: &str) -> String {
        self.profile_with_key(tag, SOURCE_ACCESS_KEY_ID, role, otpauth, extra)
    }

    /// As [`Rig::profile`], with another long-term access key id (the STS must know it).
    pub fn profile_with_key(
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
    /// Has the rig clear profile `name`'s entries when it is dropped (a profile written by
    /// the test itself with `write_profiles`).
    pub fn adopt(&self, name: &str) {
        self.profiles.lock().unwrap().0.push(name.to_owned());
    }

    pub fn write_profiles(&self, toml: &str) {
        self.sandbox
            .write("home/.config/aws-auth/profiles.toml", toml);
    }

    pub fn profiles_toml(&self) -> String {
        self.profiles.lock().unwrap().1.clone()
    }

    /// `program` as the store needs it: in its own session keyring for the kernel keyring,
    /// with the bus address for the Secret Service, and that store named in
    /// AWS_AUTH_CACHE_STORE (so a Secret Service that fails never sends a run, or a `cache
    /// clear`, to the persistent kernel keyring every other test shares). Fakes first on
    /// PATH, aws-auth's directory next; the STS as AWS_ENDPOINT_URL; the cache on unless
    /// `Cache::Off`.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
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
    pub fn aws_auth(&self, args: &[&str]) -> Command {
        let mut cmd = self.command(aws_auth_bin());
        cmd.args(args);
        cmd
    }

    /// `aws-auth --profile NAME ARGS...`
    pub fn with_profile(&self, name: &str, args: &[&str]) -> Command {
        let mut cmd = self.aws_auth(&["--profile", name]);
        cmd.args(args);
        cmd
    }

    /// Runs `aws-auth --profile NAME ARGS...` without a terminal (a prompt would fail).
    pub fn run(&self, name: &str, args: &[&str]) -> Run {
        run(&mut without_terminal(&self.with_profile(name, args)))
    }

    /// The `cache list` lines of profile NAME (`-` for keys from the environment), as
    /// (kind, expiration), sorted; every line checked for shape and for secrets.
    pub fn entries(&self, name: &str) -> Vec<(String, String)> {
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
    pub fn clear(&self, name: &str) -> Run {
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
pub fn handed_out(sts: &StrictSts) -> Vec<String> {
    sts.issued()
        .into_iter()
        .flat_map(|i| [i.secret_access_key, i.session_token])
        .collect()
}

/// None of the secrets the STS handed out appears in `text`.
pub fn assert_no_secret(text: &str, sts: &StrictSts, what: &str) {
    let secrets = handed_out(sts);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_absent(text, &secrets, what);
}

/// Credentials as a run printed them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Printed {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: String,
}

impl Printed {
    /// From `--format sh` output (`export NAME='value'` lines).
    pub fn sh(run: &Run) -> Printed {
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
    pub fn json(run: &Run) -> Printed {
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

    pub fn of(issued: &Issued) -> Printed {
        Printed {
            access_key_id: issued.access_key_id.clone(),
            secret_access_key: issued.secret_access_key.clone(),
            session_token: issued.session_token.clone(),
            expiration: issued.expiration.clone(),
        }
    }
}

/// The string value of `"name": "..."` in a flat JSON object.
pub fn json_string(text: &str, name: &str) -> Option<String> {
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
pub fn param_names(call: &Call) -> Vec<&str> {
    call.params.keys().map(String::as_str).collect()
}

/// A GetSessionToken from the source keys with the MFA device, `code` and the 12-hour
/// default, nothing else; signature verified.
pub fn assert_coded_session_token(call: &Call, code: &str) {
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
pub fn assert_role_from_session(call: &Call, role: &str, session_key: &str) {
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
pub fn assert_coded_role(call: &Call, role: &str, code: &str) {
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
pub fn kernel_entries(sandbox: &Sandbox, name: &str) -> Vec<String> {
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
pub fn corrupt_kernel_entries(sandbox: &Sandbox, name: &str, junk: &str) -> usize {
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
pub fn secret_items(rig: &Rig, name: &str) -> Vec<BTreeMap<String, String>> {
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
pub fn corrupt_secret_items(rig: &Rig, name: &str, junk: &str) -> usize {
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
pub fn aws_auth_stderr(run: &Run) -> String {
    run.stderr
        .lines()
        .filter(|l| !l.starts_with("Joined session keyring"))
        .collect::<Vec<_>>()
        .join("\n")
}
