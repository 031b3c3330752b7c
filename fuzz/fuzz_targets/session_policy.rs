//! Session policies: any text is packed or refused with a printable message, never a panic;
//! what is packed has no whitespace outside strings, packs to itself again, and holds only
//! characters STS takes.
#![no_main]
use aws_auth::settings::policy::pack;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|text: &str| {
    match pack(text) {
        Err(e) => common::assert_printable(&e),
        Ok(packed) => {
            assert!(packed.len() <= text.len());
            assert!(packed.starts_with('{') && packed.ends_with('}'), "{packed:?}");
            assert_eq!(pack(&packed).as_deref(), Ok(packed.as_str()));
            assert!(
                packed
                    .chars()
                    .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}')),
                "{packed:?}"
            );
        }
    }
});
