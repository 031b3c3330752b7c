//! profiles.toml: any text parses or gives a located error that quotes no value; every
//! string of a profile that parses is a reference or a literal, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match aws_auth::settings::config::Profiles::parse(text, Path::new("p.toml")) {
        Err(e) => {
            let message = e.to_string();
            common::assert_no_echo(text, &message);
            common::assert_printable(&message);
        }
        Ok(profiles) => {
            let schemes = vec!["pass".to_owned(), "gopass".to_owned(), "lpass".to_owned()];
            for (name, raw) in &profiles.profiles {
                let _ = aws_auth::settings::config::check_name(name);
                for value in [
                    &raw.access_key_id,
                    &raw.secret_access_key,
                    &raw.mfa_serial,
                    &raw.role_arn,
                    &raw.mfa_code,
                    &raw.region,
                ]
                .into_iter()
                .flatten()
                {
                    let _ = aws_auth::settings::reference::parse(value, &schemes);
                }
                // Debug never shows a literal secret.
                if let Some(secret) = &raw.secret_access_key
                    && secret.len() >= 12
                {
                    assert!(!format!("{raw:?}").contains(secret.as_str()));
                }
            }
        }
    }
});
