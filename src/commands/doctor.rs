//! `aws-auth doctor`: one line per check (✓, ✗ with the fix, or · for a note) of what a run
//! needs: the profiles file and backend files (parsed, safe permissions), the profile's
//! references (read through their backends, values never printed), the MFA device and role
//! ARNs, the MFA code's source, the session cache's store, STS (reachable, keys valid by
//! GetCallerIdentity, which needs no MFA code and consumes none) and the clock against STS's.
//! Exit 0 only when every check passes.

use crate::Outcome;
use crate::cli::{DoctorArgs, FlowArgs};
use crate::credentials::{SourceCredentials, now_secs};
use crate::error::Error;
use crate::passwd;
use crate::secrets::backend::spec::Specs;
use crate::settings::config::{self, Profiles};
use crate::settings::profile;
use crate::sts::Endpoint;
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
}

pub fn run(args: DoctorArgs) -> Result<Outcome, Error> {
    crate::settings::validate::timeout(args.timeout)?;
    let limit = Duration::from_secs(args.timeout);
    let mut report = Report::default();
    let home = passwd::home_dir();
    let mut flow = FlowArgs {
        timeout: args.timeout,
        region: args.region.clone(),
        ..FlowArgs::default()
    };

    let path = config::path(args.target.config.as_deref(), home.as_deref());
    let profiles = match Profiles::load(&path) {
        Ok(p) => {
            report.pass(&format!(
                "profiles file {}: parses, {} profile{}, only you (or root) can change it",
                path.display(),
                p.profiles.len(),
                if p.profiles.len() == 1 { "" } else { "s" }
            ));
            Some(p)
        }
        Err(config::ConfigError::Missing { .. }) if args.target.profile.is_none() => {
            report.note(&format!(
                "no profiles file at {} (keys then come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)",
                path.display()
            ));
            None
        }
        Err(e) => {
            report.fail(&e.to_string());
            None
        }
    };
    let backends = config::config_dir(home.as_deref()).join("backends");
    let specs = match Specs::load(Some(&backends)) {
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
            Some(specs)
        }
        Err(e) => {
            report.fail(&e.to_string());
            None
        }
    };

    // The source keys: the profile's, read through its backends, or the environment's.
    let source: Option<SourceCredentials> = match &args.target.profile {
        Some(name) => match (&profiles, &specs) {
            (Some(profiles), Some(specs)) => match crate::settings::aws_config::load_for(
                name,
                profiles,
                &crate::settings::aws_config::path(home.as_deref()),
            )
            .and_then(|aws| crate::settings::aws_config::resolve(name, profiles, aws.as_ref()))
            {
                Err(e) => {
                    report.fail(&e.to_string());
                    None
                }
                Ok(found) => {
                    let raw = &found.raw;
                    if found.keys_from != *name {
                        report.pass(&format!(
                            "profile \"{name}\" is in the AWS config file; its keys are profile \"{}\"'s",
                            found.keys_from
                        ));
                    }
                    match profile::apply(name, raw, &mut flow, specs, home.as_deref(), limit) {
                        Ok(resolved) => {
                            report.pass(&format!(
                                "profile \"{name}\": every reference read (values not shown)"
                            ));
                            mfa_checks(
                                &mut report,
                                &flow,
                                resolved.totp.is_some(),
                                resolved.code.as_ref(),
                            );
                            Some(resolved.source)
                        }
                        Err(e) => {
                            report.fail(&e.to_string());
                            None
                        }
                    }
                }
            },
            _ => {
                report.fail(&format!(
                    "profile \"{name}\": not checked, the files above must be fixed first"
                ));
                None
            }
        },
        None => match crate::flow::source_from_env() {
            Ok(source) => {
                report.pass("keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY");
                Some(source)
            }
            Err(e) => {
                report.note(&format!("{e} (or pass --profile NAME)"));
                None
            }
        },
    };

    match crate::cache::open() {
        Err(e) => report.fail(&format!("session cache: {e}")),
        Ok(opened) => cache_check(&mut report, &opened),
    }

    match source {
        Some(source) => sts_checks(&mut report, &flow, &source),
        None => report.fail("STS: not checked, there are no keys to sign with"),
    }

    let failed = report.failed;
    crate::write_stdout(report.text.as_bytes())?;
    Ok(Outcome::Exit(if failed { 1 } else { 0 }))
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

/// The ARNs the profile gave (already validated when the profile was applied) and where the
/// MFA code will come from. A TOTP seed has already given a 6-digit code when the profile
/// was applied (an 8-digit seed fails there, as the profile's mfa_code), so it passes here.
fn mfa_checks(
    report: &mut Report,
    flow: &FlowArgs,
    totp: bool,
    deferred: Option<&profile::DeferredCode>,
) {
    match &flow.serial_number {
        Some(serial) => report.pass(&format!("MFA device {serial}: well formed")),
        None => report.note("no MFA device: sessions carry no MFA"),
    }
    if let Some(role) = &flow.role_arn {
        report.pass(&format!("role {role}: well formed"));
    }
    if flow.serial_number.is_none() {
        return;
    }
    if let Some(deferred) = deferred {
        match deferred.read() {
            Ok(Some(_)) => report.pass(
                "MFA code: the profile's mfa_code reference gives a code (not shown, not used)",
            ),
            Ok(None) => report.note("MFA code: the item has none; asked when needed"),
            Err(e) => report.fail(&e.to_string()),
        }
        return;
    }
    match (totp, &flow.token_code) {
        (true, _) => {
            report.pass("MFA code: from a TOTP seed, which yields codes (none shown, none used)")
        }
        (false, Some(_)) => report
            .pass("MFA code: the profile's mfa_code reference gave a code (not shown, not used)"),
        (false, None) => report.note("MFA code: asked on the terminal when needed"),
    }
}

/// STS reachable with these keys, and the local clock against the server's.
fn sts_checks(report: &mut Report, flow: &FlowArgs, source: &SourceCredentials) {
    let setup = crate::flow::region(flow).and_then(|region| {
        Ok((
            region,
            crate::flow::endpoint_url()?,
            crate::flow::http_client()?,
        ))
    });
    let (region, url, http_client) = match setup {
        Ok(setup) => setup,
        Err(e) => {
            report.fail(&format!("STS: {e}"));
            return;
        }
    };
    let sts = SdkSts::new(
        Endpoint {
            region,
            url,
            timeout: Duration::from_secs(flow.timeout),
        },
        http_client,
    );
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
