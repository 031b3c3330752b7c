//! Unit tests of `secrets::backend`.

use super::*;

fn specs() -> Specs {
    Specs::load(None).unwrap()
}

fn cmd(backend: &str, entry: &str, field: Option<&str>) -> Reference {
    Reference::Command {
        backend: backend.into(),
        entry: entry.into(),
        field: field.map(Into::into),
    }
}

#[test]
fn fields_of_a_line_based_entry_share_one_unit() {
    let s = specs();
    let a = Unit::of(&cmd("pass", "aws/work", None), &s);
    let b = Unit::of(&cmd("pass", "aws/work", Some("aws_access_key_id")), &s);
    let c = Unit::of(
        &Reference::Totp(Box::new(cmd("pass", "aws/work", None))),
        &s,
    );
    assert_eq!(a, b);
    assert_eq!(a, c);
    let l1 = Unit::of(&cmd("lpass", "aws", Some("Access Key ID")), &s);
    let l2 = Unit::of(&cmd("lpass", "aws", Some("Secret Access Key")), &s);
    assert_ne!(l1, l2);
}

#[test]
fn extracting_lines_fields_and_whole_values() {
    let s = specs();
    let entry = SecretString::from(
        "s3cr3t key\naws_access_key_id: AKIAEXAMPLE\nmfa_serial:arn:aws:iam::123456789012:mfa/a\n",
    );
    let get = |r: Reference| extract(&r, &entry, &s).map(|v| v.expose_secret().to_owned());
    assert_eq!(get(cmd("pass", "e", None)).unwrap(), "s3cr3t key");
    assert_eq!(
        get(cmd("pass", "e", Some("aws_access_key_id"))).unwrap(),
        "AKIAEXAMPLE"
    );
    assert_eq!(
        get(cmd("pass", "e", Some("mfa_serial"))).unwrap(),
        "arn:aws:iam::123456789012:mfa/a"
    );
    assert_eq!(
        get(cmd("pass", "e", Some("role_arn"))),
        Err(FetchErrorKind::NoField("role_arn".into()))
    );
    assert_eq!(
        get(cmd("lpass", "e", Some("x"))).unwrap(),
        "s3cr3t key\naws_access_key_id: AKIAEXAMPLE\nmfa_serial:arn:aws:iam::123456789012:mfa/a"
    );
    let two_newlines = SecretString::from("value\n\n");
    assert_eq!(
        extract(&cmd("lpass", "e", None), &two_newlines, &s)
            .unwrap()
            .expose_secret(),
        "value\n"
    );
}

#[test]
fn totp_from_the_entrys_otpauth_line() {
    let s = specs();
    let entry =
        SecretString::from("key\notpauth://totp/AWS?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n");
    let code = extract(
        &Reference::Totp(Box::new(cmd("pass", "e", None))),
        &entry,
        &s,
    )
    .unwrap();
    assert_eq!(code.expose_secret().len(), 6);
    assert!(code.expose_secret().bytes().all(|b| b.is_ascii_digit()));
    let no_seed = SecretString::from("key\nuser: x\n");
    assert!(matches!(
        extract(
            &Reference::Totp(Box::new(cmd("pass", "e", None))),
            &no_seed,
            &s
        ),
        Err(FetchErrorKind::BadSeed(_))
    ));
}
