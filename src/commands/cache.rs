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
            let _ = writeln!(out, "locks: {}", lock::dir().display());
        }
        CacheCommand::List => {
            let Some(store) = opened.store else {
                return no_store(opened.reason, opened.refused, out);
            };
            let cache = Cache::new(store);
            let mut entries = cache.entries().map_err(|e| Error::Cache(e.to_string()))?;
            entries
                .sort_by(|a, b| (&a.profile, a.kind.as_str()).cmp(&(&b.profile, b.kind.as_str())));
            let now = now_secs();
            for entry in entries {
                let profile = if entry.profile.is_empty() {
                    "-"
                } else {
                    &entry.profile
                };
                let _ = writeln!(
                    out,
                    "{}\t{}\t{}{}",
                    crate::sts::clean_server_text(profile),
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
