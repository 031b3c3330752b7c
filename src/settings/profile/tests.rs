//! Unit tests of `settings::profile`.

use super::*;

fn specs() -> Specs {
    Specs::load(None).unwrap()
}

fn fields(wanted: &[Wanted]) -> Vec<(&'static str, String, bool)> {
    wanted
        .iter()
        .map(|w| {
            let shown = match &w.value {
                Value::Ref(r) => r.to_string(),
                Value::Literal(l) => format!("literal {l}"),
            };
            (w.field, shown, w.optional)
        })
        .collect()
}

fn error_of(raw: &RawProfile) -> String {
    plan("w", raw, "w", &FlowArgs::default(), false, &specs())
        .err()
        .unwrap()
        .to_string()
}

#[test]
fn the_pass_layout_reads_one_entry_and_flags_leave_fields_out() {
    let raw = RawProfile {
        backend: Some("pass".into()),
        ..Default::default()
    };
    let all = plan("work", &raw, "work", &FlowArgs::default(), false, &specs()).unwrap();
    let entry = |field: &str| format!("pass:aws-auth/work#{field}");
    assert_eq!(
        fields(&all),
        [
            ("access_key_id", entry("aws_access_key_id"), false),
            ("secret_access_key", "pass:aws-auth/work".to_owned(), false),
            ("mfa_serial", entry("mfa_serial"), true),
            ("role_arn", entry("role_arn"), true),
            ("mfa_code", "totp:pass:aws-auth/work".to_owned(), true),
        ]
    );
    assert!(all.iter().any(|w| w.field == "mfa_code" && w.otpauth_only));
    // The keys of another profile (a source_profile chain's end): its entry.
    let via = plan("prod", &raw, "base", &FlowArgs::default(), false, &specs()).unwrap();
    assert_eq!(fields(&via)[1].1, "pass:aws-auth/base");
    let flags = FlowArgs {
        serial_number: Some("arn:aws:iam::123456789012:mfa/a".into()),
        role_arn: Some("arn:aws:iam::123456789012:role/r".into()),
        ..Default::default()
    };
    let some = plan("work", &raw, "work", &flags, true, &specs()).unwrap();
    assert_eq!(
        some.iter().map(|w| w.field).collect::<Vec<_>>(),
        ["access_key_id", "secret_access_key"]
    );
}

#[test]
fn missing_keys_name_the_field_and_the_convention() {
    let raw = RawProfile {
        access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
        ..Default::default()
    };
    let msg = error_of(&raw);
    assert!(
        msg.contains("secret_access_key") && msg.contains("backend = \"pass\""),
        "{msg}"
    );
}

#[test]
fn unknown_scheme_and_unknown_backend_are_errors() {
    let raw = RawProfile {
        access_key_id: Some("vault:x".into()),
        secret_access_key: Some("env:PATH".into()),
        ..Default::default()
    };
    let msg = error_of(&raw);
    assert!(
        msg.contains("access_key_id") && msg.contains("unknown scheme \"vault:\""),
        "{msg}"
    );
    let raw = RawProfile {
        backend: Some("vault".into()),
        ..Default::default()
    };
    let msg = error_of(&raw);
    assert!(
        msg.contains("backend") && msg.contains("\"vault\""),
        "{msg}"
    );
}

#[test]
fn an_mfa_code_without_any_device_is_named() {
    let raw = RawProfile {
        access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
        secret_access_key: Some("env:PATH".into()),
        mfa_code: Some("env:PATH".into()),
        ..Default::default()
    };
    let msg = error_of(&raw);
    assert!(
        msg.contains("profile \"w\", mfa_code") && msg.contains("mfa_serial"),
        "{msg}"
    );
}

#[test]
fn env_references_name_the_variables_and_which_hold_secrets() {
    let raw = RawProfile {
        access_key_id: Some("env:CI_KEY_ID".into()),
        secret_access_key: Some("env:CI_SECRET".into()),
        mfa_code: Some("totp:env:CI_SEED".into()),
        region: Some("env:CI_REGION".into()),
        role_arn: Some("pass:x".into()),
        ..Default::default()
    };
    let mut found = env_references(&raw);
    found.sort();
    assert_eq!(
        found,
        [
            ("CI_KEY_ID".to_owned(), false),
            ("CI_REGION".to_owned(), false),
            ("CI_SECRET".to_owned(), true),
            ("CI_SEED".to_owned(), true),
        ]
    );
}
