//! `aws-auth doctor`: one line per check (✓, ✗ with the fix, or · for a note) of what a run
//! needs: the profiles file and backend files (parsed, safe permissions); then, for the
//! profile named (else every profile, a block each, else the environment's keys): its
//! references read through their backends (values never printed), the MFA device and role
//! ARNs, the MFA code's source, STS (reachable, keys valid by GetCallerIdentity, which needs
//! no MFA code and consumes none) and the clock against STS's; and the session cache's
//! store. Exit 0 only when every check passes.

use crate::Outcome;
use crate::cli::{DoctorArgs, FlowArgs};
use crate::credentials::{SourceCredentials, now_secs};
use crate::error::Error;
use crate::providers::code::CodeSource;
use crate::providers::resolve::Resolved;
use crate::secrets::backend::spec::Specs;
use crate::settings::config::{self, Profiles};
use crate::settings::files::Files;
use crate::settings::run::RunSettings;
use crate::sts::client::SdkSts;
use std::fmt::Write as _;
use std::time::Duration;

/// Beyond this, TOTP codes (30 s windows) and SigV4 signatures (5 min) start to fail.
pub const MAX_SKEW: i64 = 60;

/// The lines printed so far and whether any check failed.
#[derive(Default)]
struct Report {
    text: String,
    failed: bool,
}

impl Report {
    fn pass(&mut self, what: &str) {
        let _ = writeln!(self.text, "✓ {}", crate::report::escape(what));
    }

    fn fail(&mut self, what: &str) {
        self.failed = true;
        let _ = writeln!(self.text, "✗ {}", crate::report::escape(what));
    }

    fn note(&mut self, what: &str) {
        let _ = writeln!(self.text, "· {}", crate::report::escape(what));
    }

    /// The start of one profile's block, when several are checked.
    fn heading(&mut self, what: &str) {
        let _ = writeln!(self.text, "\n{}", crate::report::escape(what));
    }
}

pub fn run(args: DoctorArgs) -> Result<Outcome, Error> {
    crate::settings::validate::timeout(args.limit.timeout)?;
    let mut report = Report::default();
    let flags = FlowArgs {
        limit: args.limit,
        region: args.region.clone(),
        min_ttl: 900,
        no_cache: true,
        ..FlowArgs::default()
    };
    let named = args.target.profile.as_deref();
    let files = check_files(&mut report, args.target.file.config.as_deref(), named);

    match (named, files) {
        (Some(name), Some(files)) => check_profile(&mut report, &files, name, &flags, true),
        (Some(name), None) => report.fail(&format!(
            "profile \"{name}\": not checked, the files above must be fixed first"
        )),
        (None, files) => {
            let names = files.as_ref().map(Files::names).unwrap_or_default();
            if names.is_empty() || crate::env::var("AWS_ACCESS_KEY_ID").is_some() {
                if !names.is_empty() {
                    report.heading("keys from the environment");
                }
                check_env_keys(&mut report, &flags);
            }
            if let Some(files) = files {
                for name in &names {
                    report.heading(&format!("profile {name}"));
                    check_profile(&mut report, &files, name, &flags, false);
                }
            }
            if !names.is_empty() {
                report.heading("the session cache");
            }
        }
    }

    match crate::cache::open() {
        Err(e) => report.fail(&format!("session cache: {e}")),
        Ok(opened) => cache_check(&mut report, &opened),
    }
    let failed = report.failed;
    crate::write_stdout(report.text.as_bytes())?;
    Ok(Outcome::Exit(if failed { 1 } else { 0 }))
}

/// profiles.toml and the backend files: parsed, and only the user's to change. The files
/// when both can be used.
fn check_files(
    report: &mut Report,
    config_flag: Option<&std::path::Path>,
    named: Option<&str>,
) -> Option<Files> {
    let home = crate::passwd::home_dir();
    let path = config::path(config_flag, home.as_deref());
    let profiles_ok = match Profiles::load(&path) {
        Ok(p) => {
            report.pass(&format!(
                "profiles file {}: parses, {} profile{}, only you (or root) can change it",
                path.display(),
                p.profiles.len(),
                if p.profiles.len() == 1 { "" } else { "s" }
            ));
            true
        }
        Err(config::ConfigError::Missing { .. }) if named.is_none() => {
            report.note(&format!(
                "no profiles file at {} (keys then come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or \
                 profiles of ~/.aws/config name one of its profiles as source_profile)",
                path.display()
            ));
            true
        }
        Err(e) => {
            report.fail(&e.to_string());
            false
        }
    };
    let backends = config::config_dir(home.as_deref()).join("backends");
    let specs_ok = match Specs::load(Some(&backends)) {
        Ok(specs) => {
            let mine = if backends.is_dir() {
                format!(
                    "files in {} are checked and yours alone",
                    backends.display()
                )
            } else {
                format!("no backend files of yours in {}", backends.display())
            };
            report.pass(&format!("backends: {} ({mine})", specs.names().join(", ")));
            true
        }
        Err(e) => {
            report.fail(&e.to_string());
            false
        }
    };
    if !(profiles_ok && specs_ok) {
        return None;
    }
    let files = match named {
        Some(name) => Files::for_profile(config_flag, name),
        None => Files::all(config_flag),
    };
    match files {
        Ok(files) => Some(files),
        Err(e) => {
            report.fail(&e.to_string());
            None
        }
    }
}

/// One profile: its references read, its ARNs, its code's source, STS with its keys.
/// `named`: asked for by name; else one of all, where a profile of the AWS config file
/// that reaches no keys of aws-auth's is the AWS CLI's own, noted and not checked.
fn check_profile(report: &mut Report, files: &Files, name: &str, flags: &FlowArgs, named: bool) {
    let found = match files.profile(name) {
        Ok(found) => found,
        Err(e) if !named && !files.profiles.profiles.contains_key(name) => {
            return report.note(&format!(
                "not an aws-auth profile (no keys it can read; the AWS CLI uses it by itself): {e}"
            ));
        }
        Err(e) => return report.fail(&e.to_string()),
    };
    if found.keys_from != name {
        report.pass(&format!(
            "profile \"{name}\" is in the AWS config file; its keys are profile \"{}\"'s",
            found.keys_from
        ));
    }
    let settings = match RunSettings::for_profile(files, name, flags) {
        Ok(settings) => settings,
        Err(e) => return report.fail(&e.to_string()),
    };
    let run = match Resolved::read(&settings, None) {
        Ok(run) => run,
        Err(e) => return report.fail(&e.to_string()),
    };
    report.pass(&format!(
        "profile \"{name}\": every reference read (values not shown)"
    ));
    mfa_checks(report, &run);
    let sts = SdkSts::configured(
        run.sts_region.clone(),
        settings.sts_url.clone(),
        settings.timeout,
    );
    match sts {
        Ok(sts) => sts_checks(report, &sts, &run.source),
        Err(e) => report.fail(&format!("STS: {e}")),
    }
}

/// Without a profile: the keys of the standard AWS variables.
fn check_env_keys(report: &mut Report, flags: &FlowArgs) {
    let source = match crate::env::source_keys() {
        Ok(source) => source,
        Err(e) => return report.note(&format!("{e} (or pass --profile NAME)")),
    };
    report.pass("keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY");
    let setup =
        crate::env::region(flags.region.as_deref().map(|r| ("--region", r))).and_then(|region| {
            SdkSts::configured(
                region,
                crate::env::endpoint_url(crate::env::STS_ENDPOINT)?,
                Duration::from_secs(flags.limit.timeout),
            )
        });
    match setup {
        Ok(sts) => sts_checks(report, &sts, &source),
        Err(e) => report.fail(&format!("STS: {e}")),
    }
}

/// Which cache store is in use and why; a failure when the store AWS_AUTH_CACHE_STORE names
/// cannot be used.
fn cache_check(report: &mut Report, opened: &crate::cache::Opened) {
    let Some(store) = &opened.store else {
        let line = format!(
            "session cache: none, every run asks STS ({})",
            opened.reason
        );
        return if opened.refused {
            report.fail(&line)
        } else {
            report.note(&line)
        };
    };
    report.pass(&format!(
        "session cache: {} ({})",
        store.name(),
        opened.reason
    ));
}

/// The ARNs the profile gave (already checked when it was read) and where the MFA code
/// will come from. A TOTP seed has already given a 6-digit code when it was read (an
/// 8-digit seed fails there, as the profile's mfa_code), so it passes here.
fn mfa_checks(report: &mut Report, run: &Resolved) {
    match &run.serial {
        Some(serial) => report.pass(&format!("MFA device {serial}: well formed")),
        None => report.note("no MFA device: sessions carry no MFA"),
    }
    for role in &run.roles {
        report.pass(&format!("role {}: well formed", role.role_arn));
    }
    if let Some(scope) = run.roles.last().and_then(|role| role.scope.as_ref()) {
        report.pass(&format!(
            "scope of the role session, within STS's limits: {}",
            scope.summary()
        ));
    }
    if let Some(scope) = &run.roleless_scope {
        report.fail(&format!(
            "scope ({}) without a role: GetSessionToken takes none of it; set role_arn (only login, \
             through GetFederationToken, can use session policies and tags without one)",
            scope.summary()
        ));
    }
    if run.serial.is_none() {
        return;
    }
    match &run.code {
        CodeSource::Totp(_) => {
            report.pass("MFA code: from a TOTP seed, which yields codes (none shown, none used)")
        }
        CodeSource::Given(_) => report
            .pass("MFA code: the profile's mfa_code reference gave a code (not shown, not used)"),
        CodeSource::Deferred(deferred, _) => match deferred.read() {
            Ok(Some(_)) => report.pass(
                "MFA code: the profile's mfa_code reference gives a code (not shown, not used)",
            ),
            Ok(None) => report.note("MFA code: the item has none; asked when needed"),
            Err(e) => report.fail(&e.to_string()),
        },
        CodeSource::Prompt(_) => report.note("MFA code: asked on the terminal when needed"),
    }
}

/// STS reachable with these keys, and the local clock against the server's.
fn sts_checks(report: &mut Report, sts: &SdkSts, source: &SourceCredentials) {
    match sts.caller_identity(source) {
        Err(e) => report.fail(&e.to_string()),
        Ok(identity) => {
            report.pass(&format!(
                "STS answers and the keys are valid: {} (account {})",
                identity.arn, identity.account
            ));
            match identity.server_time {
                None => report.note("clock: STS sent no Date header to compare with"),
                Some(server) => {
                    let skew = now_secs() - server;
                    if skew.abs() <= MAX_SKEW {
                        report.pass(&format!("clock: within {} s of STS's", skew.abs()));
                    } else {
                        report.fail(&format!(
                            "clock: {} s {} STS's, so MFA codes and request signatures fail; \
                             set the system clock right (e.g. `timedatectl set-ntp true`)",
                            skew.abs(),
                            if skew > 0 { "ahead of" } else { "behind" }
                        ));
                    }
                }
            }
        }
    }
}
