//! A backend file: any text is a backend or an error by line and column that quotes none of
//! it; a backend that parses turns any entry and field into argv of exactly its template's
//! length (each placeholder is one argument, never split).
#![no_main]
use aws_auth::secrets::backend::spec::Spec;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Spec::parse("fuzz", text, "fuzz.toml") {
        Err(e) => {
            let message = e.to_string();
            common::assert_no_echo(text, &message);
            common::assert_printable(&message);
        }
        Ok(spec) => {
            if let Some(args) = spec.read_args("a b;$(x)", Some("f\"g")) {
                let template = match (&spec.fields, &spec.read_field) {
                    (aws_auth::secrets::backend::spec::Fields::Command, Some(t)) => t.len(),
                    _ => spec.read.len(),
                };
                assert_eq!(args.len(), template);
            }
        }
    }
});
