//! Unit tests of `settings::reference`.

use super::*;

fn backends() -> Vec<String> {
    ["pass", "gopass", "lpass", "bw"].map(String::from).to_vec()
}

fn r(text: &str) -> Reference {
    match parse(text, &backends()).unwrap() {
        Value::Ref(r) => r,
        Value::Literal(l) => panic!("{text} parsed as literal {l}"),
    }
}

#[test]
fn literals() {
    for text in [
        "AKIAIOSFODNN7EXAMPLE",
        "arn:aws:iam::123456789012:mfa/alice",
        "eu-west-1",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
        "Caps:not-a-scheme",
    ] {
        assert_eq!(
            parse(text, &backends()).unwrap(),
            Value::Literal(text.into())
        );
    }
    assert_eq!(
        parse("literal:a:b", &backends()).unwrap(),
        Value::Literal("a:b".into())
    );
}

#[test]
fn command_references() {
    assert_eq!(
        r("pass:aws/work#aws_access_key_id"),
        Reference::Command {
            backend: "pass".into(),
            entry: "aws/work".into(),
            field: Some("aws_access_key_id".into())
        }
    );
    assert_eq!(
        r("lpass:Shared-AWS/work#Access Key ID").to_string(),
        "lpass:Shared-AWS/work#Access Key ID"
    );
    assert_eq!(r("gopass:aws/work").backend(), "gopass");
    assert_eq!(r("bw:aws-work").backend(), "bw");
    assert!(parse("pass:", &backends()).is_err());
    assert!(parse("pass:x#", &backends()).is_err());
    assert!(parse("pass:--help", &backends()).is_err());
    // Regression (review item 8): fields were not checked, so `bw:item#--session=x`
    // ran `bw get --session=x item`.
    for text in [
        "lpass:item#--session=x",
        "pass:e#-x",
        "lpass:a\nb",
        "pass:e#f\u{1b}",
    ] {
        let err = parse(text, &backends()).unwrap_err().to_string();
        assert!(
            err.contains("'-'") || err.contains("control"),
            "{text}: {err}"
        );
    }
    assert!(parse("lpass:item#Access-Key", &backends()).is_ok());
}

#[test]
fn onepassword_references() {
    assert_eq!(
        r("op://Private/AWS/AWS_ACCESS_KEY_ID"),
        Reference::OnePassword("op://Private/AWS/AWS_ACCESS_KEY_ID".into())
    );
    assert_eq!(
        r("op://Private/AWS/one-time password?attribute=otp").backend(),
        "op"
    );
    assert!(r("op://V/I/Section/F").backend() == "op");
    for bad in [
        "op:Private/AWS/x",
        "op://Private/AWS",
        "op://a/b/c/d/e",
        "op://a//c",
    ] {
        assert!(
            matches!(
                parse(bad, &backends()),
                Err(ReferenceError::Malformed { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn keyring_env_and_totp() {
    assert_eq!(
        r("keyring:aws-auth/work"),
        Reference::Keyring {
            service: "aws-auth".into(),
            account: "work".into()
        }
    );
    assert_eq!(
        r("keyring:svc/a/b"),
        Reference::Keyring {
            service: "svc".into(),
            account: "a/b".into()
        }
    );
    assert_eq!(r("env:AWS_SECRET"), Reference::Env("AWS_SECRET".into()));
    assert_eq!(r("totp:pass:aws/otp").to_string(), "totp:pass:aws/otp");
    assert!(parse("keyring:nouser", &backends()).is_err());
    assert!(parse("env:BAD-NAME", &backends()).is_err());
    assert!(
        parse("totp:JBSWY3DPEHPK3PXP", &backends()).is_err(),
        "a bare seed must not be accepted inline"
    );
    assert!(parse("totp:totp:pass:x", &backends()).is_err());
}

#[test]
fn unknown_scheme_is_an_error_not_a_literal() {
    let err = parse("vault:secret/aws", &backends()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("unknown scheme \"vault:\""), "{msg}");
    assert!(msg.contains("pass") && msg.contains("keyring"), "{msg}");
}
