//! Unit tests of `settings::validate`.

use super::*;

#[test]
fn a_rejected_character_is_named_printably() {
    let problem = |r: Result<(), ValidationError>| r.unwrap_err().problem;
    assert!(problem(session_name("ab!c")).contains("'!'"));
    assert!(problem(session_name("ab\u{e9}")).contains("U+00E9"));
    assert!(problem(session_name("ab\u{1b}c")).contains("U+001B"));
}

#[test]
fn an_access_key_id_is_upper_case_letters_and_digits_and_never_echoed() {
    for good in [
        "AKIAIOSFODNN7EXAMPLE",
        "ASIA0123456789ABCDEF",
        &"A".repeat(128),
        &"A".repeat(16),
    ] {
        assert_eq!(access_key_id(good), Ok(()), "{good}");
    }
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let err = access_key_id(secret).unwrap_err();
    assert!(err.problem.contains("swapped"), "{}", err.problem);
    assert!(!err.problem.contains("wJalr"), "{}", err.problem);
    for bad in [
        "akiaiosfodnn7example",
        &"A".repeat(15),
        &"A".repeat(129),
        "AKIAIOSFODNN7EXAMPL-",
        "",
    ] {
        let err = access_key_id(bad).unwrap_err();
        assert!(!err.problem.contains("swapped"), "{bad}: {}", err.problem);
    }
}

#[test]
fn token_code_must_be_six_ascii_digits() {
    assert!(token_code("123456").is_ok());
    assert!(token_code("000000").is_ok());
    for bad in [
        "",
        "12345",
        "1234567",
        "12345a",
        "12 456",
        "١٢٣٤٥٦",
        "123456\n",
    ] {
        let err = token_code(bad).unwrap_err();
        assert_eq!(err.field, "MFA token code");
        // What is wrong with it, in words: too short, too long, or not all digits.
        let said = err.to_string();
        let n = bad.chars().count();
        let expected = match n {
            6 => "got 6 characters, not all of them digits".to_owned(),
            1 => "got 1 character)".to_owned(),
            n => format!("got {n} characters)"),
        };
        assert!(said.contains(&expected), "{said}");
        if !bad.trim().is_empty() {
            assert!(
                !err.to_string().contains(bad.trim()),
                "error echoes the code: {err}"
            );
        }
    }
}

#[test]
fn serial_number_accepts_virtual_and_hardware_devices() {
    assert!(serial_number("arn:aws:iam::123456789012:mfa/alice").is_ok());
    assert!(serial_number("arn:aws-us-gov:iam::123456789012:mfa/path/alice").is_ok());
    assert!(serial_number("GAHT12345678").is_ok());
}

#[test]
fn serial_number_rejects_malformed_values() {
    for bad in [
        "short",
        "arn:aws:iam::12345:mfa/alice",
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:s3::123456789012:mfa/alice",
        "arn:aws:iam:us-east-1:123456789012:mfa/alice",
        "arn:aws:iam::123456789012:mfa/",
        "arn:aws:iam::123456789012:mfa/al ice",
        "arn:aws:iam::123456789012:mfa/$(id)",
        "not-an-arn-at-all",
    ] {
        assert_eq!(
            serial_number(bad).unwrap_err().field,
            "MFA serial number",
            "{bad}"
        );
    }
    assert!(
        serial_number(&format!(
            "arn:aws:iam::123456789012:mfa/{}",
            "a".repeat(250)
        ))
        .is_err()
    );
}

#[test]
fn role_arn_rules() {
    assert!(role_arn("arn:aws:iam::123456789012:role/admin").is_ok());
    assert!(role_arn("arn:aws-cn:iam::123456789012:role/path/to/Admin+=,.@-_").is_ok());
    for bad in [
        "admin",
        "arn:aws:iam::123456789012:user/admin",
        "arn:aws:iam::123456789012:role/",
        "arn:aws:iam::1234567890:role/admin",
        "arn:aws:sts::123456789012:role/admin",
        "arn:aws:iam::123456789012:role/ad min",
        "arn:aws:iam::123456789012:role/a'b",
        "arn:aws:iam::123456789012:role/`id`",
    ] {
        assert_eq!(role_arn(bad).unwrap_err().field, "role ARN", "{bad}");
    }
    assert!(
        role_arn(&format!(
            "arn:aws:iam::123456789012:role/{}",
            "r".repeat(65)
        ))
        .is_err()
    );
    // IAM's longest role name, 64 characters, is accepted, under a path too.
    let longest = "r".repeat(64);
    assert!(role_arn(&format!("arn:aws:iam::123456789012:role/{longest}")).is_ok());
    assert!(role_arn(&format!("arn:aws:iam::123456789012:role/ops/{longest}")).is_ok());
}

/// A partition is `aws` or `aws-` followed by lowercase words (`aws-cn`, `aws-us-gov`):
/// an empty suffix, capitals or digits are not a partition, for roles and devices alike.
#[test]
fn a_malformed_partition_is_rejected() {
    for partition in ["aws-", "aws-CN", "aws-cn1", "aws-c n", "AWS", "aw"] {
        let role = format!("arn:{partition}:iam::123456789012:role/admin");
        assert_eq!(role_arn(&role).unwrap_err().field, "role ARN", "{role}");
        let device = format!("arn:{partition}:iam::123456789012:mfa/alice");
        assert!(serial_number(&device).is_err(), "{device}");
    }
    for partition in ["aws", "aws-cn", "aws-us-gov", "aws-iso-b"] {
        assert!(role_arn(&format!("arn:{partition}:iam::123456789012:role/admin")).is_ok());
    }
}

#[test]
fn durations_follow_sts_ranges() {
    let d = |s, r| duration("--x", s, r, "X");
    assert!(d(900, ROLE_DURATION).is_ok());
    assert!(d(43_200, ROLE_DURATION).is_ok());
    assert!(d(899, ROLE_DURATION).is_err());
    assert!(d(43_201, ROLE_DURATION).is_err());
    assert!(d(129_600, SESSION_DURATION).is_ok());
    assert!(d(129_601, SESSION_DURATION).is_err());
    let msg = d(5, SESSION_DURATION).unwrap_err().to_string();
    assert!(msg.contains("900 to 129600"), "{msg}");
}

#[test]
fn session_name_rules() {
    assert!(session_name("ab").is_ok());
    assert!(session_name("alice+=,.@-_9").is_ok());
    assert!(session_name(&"a".repeat(64)).is_ok());
    assert!(session_name("a").is_err());
    assert!(session_name(&"a".repeat(65)).is_err());
    assert!(session_name("al ice").is_err());
    assert!(session_name("al/ice").is_err());
    assert!(session_name("élise").is_err());
}

#[test]
fn external_id_rules() {
    assert!(external_id("ab").is_ok());
    assert!(external_id("a:b/c=d+e,f.g@h-i_j").is_ok());
    assert!(external_id(&"x".repeat(1224)).is_ok());
    assert!(external_id("x").is_err());
    assert!(external_id(&"x".repeat(1225)).is_err());
    assert!(external_id("a b").is_err());
    assert!(external_id("a;b").is_err());
}

#[test]
fn region_rules() {
    assert!(region("eu-west-1").is_ok());
    assert!(region("us-gov-west-1").is_ok());
    for bad in [
        "",
        "EU-WEST-1",
        "eu west",
        "eu--west",
        "-eu",
        "evil.com/x",
        "a".repeat(40).as_str(),
    ] {
        assert!(region(bad).is_err(), "{bad}");
    }
}

#[test]
fn timeout_rules() {
    assert!(timeout(1).is_ok());
    assert!(timeout(0).is_err());
    assert!(timeout(3_601).is_err());
}

#[test]
fn policy_arn_rules() {
    for good in [
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws-us-gov:iam::aws:policy/job-function/ViewOnlyAccess",
        "arn:aws:iam::123456789012:policy/team/s3-reader",
    ] {
        assert!(policy_arn(good).is_ok(), "{good}");
    }
    let name = |len: usize| format!("arn:aws:iam::123456789012:policy/{}", "p".repeat(len));
    assert!(policy_arn(&name(128)).is_ok());
    for bad in [
        "arn:aws:iam::aws:policy/",
        "arn:aws:iam::aws:role/ReadOnlyAccess",
        "arn:aws:s3:::aws:policy/x/y/z/ab",
        "arn:aws:iam::12345:policy/ReadOnly",
        "arn:aws:iam::aws:policy/Read Only",
        "ReadOnlyAccess-policy-name",
        &name(129),
    ] {
        assert!(policy_arn(bad).is_err(), "{bad}");
    }
    assert!(policy_arn("arn:aws:iam::aws:polic").is_err());
}

#[test]
fn source_identity_rules() {
    assert!(source_identity("ab").is_ok());
    assert!(source_identity(&"a".repeat(64)).is_ok());
    assert!(source_identity("alice@example.com+agent=1,x.y-z_").is_ok());
    for bad in ["a", &"a".repeat(65), "AWS:x", "aws:", "a b", "a/b", "a:b"] {
        assert!(source_identity(bad).is_err(), "{bad}");
    }
}

#[test]
fn tag_rules() {
    assert!(tag_key("k").is_ok());
    assert!(tag_key(&"k".repeat(128)).is_ok());
    assert!(tag_key("Projekt Zürich_1.2:/=+-@").is_ok());
    for bad in [
        "",
        &"k".repeat(129),
        "aws:team",
        "Aws:team",
        "a;b",
        "a\tb",
        "a\u{7}b",
    ] {
        assert!(tag_key(bad).is_err(), "{bad:?}");
    }
    assert!(tag_value("k", "").is_ok());
    assert!(tag_value("k", &"v".repeat(256)).is_ok());
    assert!(tag_value("k", "aws:is fine in a value").is_ok());
    for bad in [&"v".repeat(257), "a\nb", "a*b", "a,b"] {
        assert!(tag_value("k", bad).is_err(), "{bad:?}");
    }
}
