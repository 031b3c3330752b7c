//! References: any text is a reference, a literal or a clear error, never a panic; an entry
//! or field that could become an option or carries a control character is refused.
#![no_main]
use aws_auth::settings::reference::{Reference, Value, parse};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|text: &str| {
    let schemes = vec![
        "pass".to_owned(),
        "gopass".to_owned(),
        "lpass".to_owned(),
        "bw".to_owned(),
    ];
    match parse(text, &schemes) {
        Err(e) => common::assert_printable(&e.to_string()),
        Ok(Value::Literal(_)) => {}
        Ok(Value::Ref(r)) => check(&r),
    }
});

fn check(r: &Reference) {
    match r {
        Reference::Command { entry, field, .. } => {
            assert!(!entry.starts_with('-'), "{entry:?}");
            assert!(!entry.chars().any(char::is_control), "{entry:?}");
            if let Some(field) = field {
                assert!(!field.starts_with('-'), "{field:?}");
                assert!(!field.chars().any(char::is_control), "{field:?}");
            }
        }
        Reference::Totp(inner) => check(inner),
        _ => {}
    }
}
