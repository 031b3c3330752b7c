//! `aws-auth cache status|list|clear`: where the session cache lives and why, what it holds
//! (profile, kind, expiry: never a secret), and removing entries.

use crate::Outcome;
use crate::cache::{self, Cache, lock};
use crate::cli::CacheCommand;
use crate::credentials::{format_expiration, now_secs};
use crate::error::Error;
use std::fmt::Write;
use zeroize::Zeroizing;

pub fn run(command: CacheCommand) -> Result<Outcome, Error> {
    let opened = cache::open().map_err(Error::Usage)?;
    let mut out = Zeroizing::new(String::new());
    match command {
        CacheCommand::Status => {
            let store = opened.store.as_ref().map_or("none", |s| s.name());
            let _ = writeln!(out, "store: {store}");
            let _ = writeln!(out, "reason: {}", opened.reason);
            if let Some(usage) = opened.store.as_ref().and_then(|s| s.usage()) {
                let _ = writeln!(out, "quota: {usage}");
            }
            let _ = writeln!(out, "locks: {}", lock::dir().display());
        }
        CacheCommand::List => {
            let Some(store) = opened.store else {
                return no_store(opened.reason, opened.refused, out);
            };
            let store_name = store.name();
            let cache = Cache::new(store);
            let mut entries = cache.entries().map_err(|e| Error::Cache(e.to_string()))?;
            entries
                .sort_by(|a, b| (&a.profile, a.kind.as_str()).cmp(&(&b.profile, b.kind.as_str())));
            let now = now_secs();
            let _ = writeln!(out, "PROFILE\tKIND\tEXPIRATION");
            if entries.is_empty() {
                crate::say!("aws-auth: no cached sessions (store: {store_name})");
            }
            for entry in entries {
                let profile = if entry.profile.is_empty() {
                    "-"
                } else {
                    &entry.profile
                };
                let _ = writeln!(
                    out,
                    "{}\t{}\t{}{}",
                    crate::report::clean(profile),
                    entry.kind.as_str(),
                    format_expiration(&entry.credentials.expiration),
                    if entry.credentials.remaining_secs(now) <= 0 {
                        " (expired)"
                    } else {
                        ""
                    }
                );
            }
        }
        CacheCommand::Clear { profile } => {
            let Some(store) = opened.store else {
                return no_store(opened.reason, opened.refused, out);
            };
            let name = store.name();
            let removed = Cache::new(store)
                .clear(profile.as_deref())
                .map_err(|e| Error::Cache(e.to_string()))?;
            // Nothing removed for a name that is no profile: most likely a typo, which
            // would otherwise pass for "cleared".
            if let Some(profile) = profile.as_deref()
                && removed == 0
                && let Some(known) = unknown_profile(profile)
            {
                return Err(Error::Usage(format!(
                    "no profile \"{profile}\" in profiles.toml or the AWS config file, and no cached session \
                     of that name in the {name}; {known}"
                )));
            }
            crate::say!(
                "aws-auth: removed {removed} cached session{} from the {name}",
                if removed == 1 { "" } else { "s" }
            );
        }
    }
    Ok(Outcome::Print(out))
}

/// `list` and `clear` without a store: nothing to show or remove when `auto` finds none; an
/// error when the store `AWS_AUTH_CACHE_STORE` names cannot be used (its entries, if any,
/// were neither listed nor removed).
fn no_store(reason: String, refused: bool, out: Zeroizing<String>) -> Result<Outcome, Error> {
    if refused {
        return Err(Error::Cache(reason));
    }
    crate::say!("aws-auth: no session cache: {reason}");
    Ok(Outcome::Print(out))
}

/// `None` when `name` is a profile of profiles.toml or the AWS config file; else what the
/// known profiles are (with the nearest one first when it is close).
fn unknown_profile(name: &str) -> Option<String> {
    let known = crate::settings::files::names(None);
    if known.iter().any(|k| k == name) {
        return None;
    }
    Some(
        match crate::suggest::nearest(name, known.iter().map(String::as_str)) {
            Some(near) => format!(
                "did you mean \"{near}\"? (known profiles: {})",
                known.join(", ")
            ),
            None if known.is_empty() => "there are no profiles".to_owned(),
            None => format!("known profiles: {}", known.join(", ")),
        },
    )
}
