//! Unit tests of `settings::config`.

use super::*;

#[test]
fn parses_profiles() {
    let p = Profiles::parse(
        "[profiles.work]\nbackend = \"pass\"\nrole_duration_seconds = 43200\n[profiles.ops]\naccess_key_id = \"pass:x#id\"\n",
        Path::new("p.toml"),
    )
    .unwrap();
    assert_eq!(p.get("work").unwrap().backend.as_deref(), Some("pass"));
    assert_eq!(p.get("work").unwrap().role_duration_seconds, Some(43200));
    assert_eq!(
        p.get("ops").unwrap().access_key_id.as_deref(),
        Some("pass:x#id")
    );
}

#[test]
fn malformed_toml_names_line_and_column_but_not_the_text() {
    let err = Profiles::parse(
        "[profiles.work]\nsecret_access_key = \"wJalrXUtnFEMI\n",
        Path::new("p.toml"),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("p.toml, line 2, column "), "{msg}");
    assert!(!msg.contains("wJalrXUtnFEMI"), "{msg}");
}

/// Regression (review item 9): a type error quoted the value (`invalid type: string
/// "wJalr..."`) and an unknown key was quoted even when it was a pasted secret.
#[test]
fn errors_name_the_key_and_the_type_but_never_quote_a_value() {
    let err = Profiles::parse(
        "[profiles.work]\nrole_duration_seconds = \"wJalrXUtnFEMI/K7MDENG\"\n",
        Path::new("p.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(!err.contains("wJalrXUtnFEMI"), "{err}");
    assert!(
        err.contains("line 2") && err.contains("role_duration_seconds: invalid type"),
        "{err}"
    );
    assert!(err.contains("expected u64"), "{err}");
    let err = Profiles::parse(
        "[profiles.work]\nwJalrXUtnFEMIK7MDENG = \"x\"\n",
        Path::new("p.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(!err.contains("wJalrXUtnFEMI"), "{err}");
    assert!(
        err.contains("line 2") && err.contains("unknown field"),
        "{err}"
    );
}

#[test]
fn unknown_keys_are_errors() {
    let err = Profiles::parse("[profiles.work]\nrole = \"x\"\n", Path::new("p.toml")).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("line 2") && msg.contains("role"), "{msg}");
}

/// Regression (review item 8): a profile name could alter the entry path its default
/// layout reads (`--profile ../x`, `a#b`) or carry control characters.
#[test]
fn profile_names_that_could_alter_an_entry_path_are_refused() {
    let p = Profiles::parse("[profiles.work]\n", Path::new("p.toml")).unwrap();
    for name in [
        "",
        "../x",
        "a/b",
        "a#b",
        "-x",
        "a..b",
        "a b",
        "a\u{1b}[2J",
        "a:b",
        "a\nb",
    ] {
        let err = p.get(name).unwrap_err();
        assert!(
            matches!(err, ConfigError::BadName { .. }),
            "{name:?}: {err}"
        );
    }
    assert!(p.get(&"x".repeat(65)).is_err());
    for name in [
        "work",
        "work.eu",
        "ops-1",
        "a_b",
        "alice@corp",
        "prod+ro",
        "ünïcode",
    ] {
        assert!(check_name(name).is_ok(), "{name}");
    }
}

#[test]
fn unknown_profile_lists_the_known_ones() {
    let p = Profiles::parse("[profiles.work]\n[profiles.home]\n", Path::new("p.toml")).unwrap();
    let msg = p.get("wrok").unwrap_err().to_string();
    assert!(
        msg.contains("no profile \"wrok\"") && msg.contains("home, work"),
        "{msg}"
    );
}

#[test]
fn the_example_file_parses_and_every_value_is_valid() {
    let example = Profiles::parse(EXAMPLE, Path::new("profiles.example.toml")).unwrap();
    assert!(example.profiles.contains_key("ops") && example.profiles.contains_key("work"));
    let schemes = crate::secrets::backend::spec::Specs::load(None)
        .unwrap()
        .schemes();
    for raw in example.profiles.values() {
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
            crate::settings::reference::parse(value, &schemes).unwrap();
        }
    }
    // The commented examples are valid references too.
    for line in EXAMPLE.lines() {
        const KEYS: [&str; 5] = [
            "access_key_id",
            "secret_access_key",
            "mfa_serial",
            "role_arn",
            "mfa_code",
        ];
        if let Some((key, value)) = line.strip_prefix("# ").and_then(|l| l.split_once(" = \""))
            && KEYS.contains(&key)
        {
            let value = value.split('"').next().unwrap();
            let mut schemes = schemes.clone();
            schemes.push("bw".into());
            crate::settings::reference::parse(value, &schemes)
                .unwrap_or_else(|e| panic!("{line}: {e}"));
        }
    }
}

#[test]
fn debug_hides_literal_secrets() {
    let p = Profiles::parse(
        "[profiles.w]\nsecret_access_key = \"wJalrXUtnFEMI-literal\"\nmfa_code = \"123456\"\n",
        Path::new("p.toml"),
    )
    .unwrap();
    let shown = format!("{p:?}");
    assert!(
        !shown.contains("wJalrXUtnFEMI") && !shown.contains("123456"),
        "{shown}"
    );
    // What is no secret is shown, the scope included.
    assert!(
        shown.contains("secret_access_key: Some(\"[REDACTED]\")"),
        "{shown}"
    );
    let p = Profiles::parse(
        "[profiles.w]\nrole_arn = \"arn:aws:iam::1:role/r\"\nread_only = true\ntags = { team = \"a\" }\n",
        Path::new("p.toml"),
    )
    .unwrap();
    let shown = format!("{p:?}");
    assert!(
        shown.contains("role_arn: Some(\"arn:aws:iam::1:role/r\")")
            && shown.contains("read_only: Some(true)")
            && shown.contains("\"team\": \"a\""),
        "{shown}"
    );
}
