//! Unit tests of `sts`.

use super::*;

fn assume(mfa: bool) -> Call {
    Call::AssumeRole {
        role_arn: "arn:aws:iam::123456789012:role/admin".into(),
        session_name: "alice".into(),
        duration_seconds: None,
        external_id: None,
        mfa: mfa.then(|| Mfa {
            serial_number: "arn:aws:iam::123456789012:mfa/alice".into(),
            // Appears nowhere else (not in the account id), so a leak is a plain match.
            token_code: SecretString::from("907153"),
        }),
        scope: None,
    }
}

#[test]
fn access_denied_on_assume_role_names_the_role_and_the_permission() {
    let call = assume(true);
    let err = StsError::new(
        &call,
        "https://sts.amazonaws.com",
        StsErrorKind::Service {
            code: "AccessDenied".into(),
            message: "not authorized".into(),
            status: Some(403),
        },
    );
    let msg = err.to_string();
    assert!(
        msg.contains("arn:aws:iam::123456789012:role/admin"),
        "{msg}"
    );
    assert!(msg.contains("sts:AssumeRole"), "{msg}");
    assert!(
        msg.contains("AccessDenied (HTTP 403): not authorized"),
        "{msg}"
    );
    assert!(!msg.contains("907153"), "{msg}");
}

fn refused(call: &Call, code: &str) -> String {
    StsError::new(
        call,
        "https://sts.amazonaws.com",
        StsErrorKind::Service {
            code: code.into(),
            message: "m".into(),
            status: Some(403),
        },
    )
    .to_string()
}

/// The "pass --serial-number" hint only where there is no device at all: a role
/// assumed from the MFA session carries no code, but the run has a device.
#[test]
fn the_mfa_hint_is_given_only_without_a_device_and_a_refused_code_is_named() {
    let denied = |call: &Call| {
        StsError::new(
            call,
            "https://sts.amazonaws.com",
            StsErrorKind::Service {
                code: "AccessDenied".into(),
                message: "not authorized.".into(),
                status: Some(403),
            },
        )
    };
    let bare = denied(&assume(false)).to_string();
    assert!(bare.contains("pass --serial-number"), "{bare}");
    assert!(!bare.contains(".."), "{bare}");
    let from_session = denied(&assume(false))
        .with_device(Some("arn:aws:iam::123456789012:mfa/alice"))
        .to_string();
    assert!(!from_session.contains("--serial-number"), "{from_session}");
    assert!(from_session.contains("sts:AssumeRole"), "{from_session}");
    let refused = StsError::new(
        &assume(true),
        "e",
        StsErrorKind::Service {
            code: "AccessDenied".into(),
            message: "MultiFactorAuthentication failed with invalid MFA one time pass code.".into(),
            status: Some(403),
        },
    )
    .to_string();
    assert!(refused.contains("refused the MFA code"), "{refused}");
    assert!(
        !refused.contains("sts:AssumeRole") && !refused.contains(".."),
        "{refused}"
    );
    let keys = StsError::new(
        &assume(false),
        "e",
        StsErrorKind::Service {
            code: "SignatureDoesNotMatch".into(),
            message: "m".into(),
            status: Some(403),
        },
    )
    .signed_with(&SourceCredentials {
        access_key_id: "AKIAEXAMPLE".into(),
        secret_access_key: SecretString::from("s"),
        session_token: None,
        origin: KeyOrigin {
            access_key_id: "pass:w#id".into(),
            secret_access_key: "pass:w".into(),
        },
    })
    .to_string();
    assert!(keys.contains("check pass:w."), "{keys}");
}

#[test]
fn each_sts_error_code_gets_its_own_advice() {
    let session = Call::SessionToken {
        duration_seconds: 900,
        mfa: Some(Mfa {
            serial_number: "arn:aws:iam::123456789012:mfa/alice".into(),
            token_code: SecretString::from("907153"),
        }),
    };
    for (call, code, advice) in [
        (&session, "AccessDenied", "each code works once"),
        (
            &session,
            "InvalidClientTokenId",
            "access key id is not valid",
        ),
        (
            &session,
            "SignatureDoesNotMatch",
            "secret access key does not match",
        ),
        (&session, "ExpiredToken", "have expired"),
        (&session, "RegionDisabledException", "another --region"),
        (&session, "Throttling", "throttling"),
        (&session, "SomethingElse", "Check the inputs"),
        (
            &assume(false),
            "AccessDenied",
            "if the role requires MFA, pass --serial-number",
        ),
    ] {
        let msg = refused(call, code);
        assert!(msg.contains(advice), "{code}: {msg}");
    }
    // The device and role the call named are in the message; the code is not.
    let msg = refused(&assume(true), "AccessDenied");
    assert!(
        msg.contains("with MFA device arn:aws:iam::123456789012:mfa/alice"),
        "{msg}"
    );
    assert!(!msg.contains("907153"), "{msg}");
    assert!(!refused(&assume(false), "AccessDenied").contains("MFA device"));
}

#[test]
fn a_certificate_problem_points_to_aws_ca_bundle() {
    let call = assume(false);
    let shown = |detail: &str| {
        StsError::new(&call, "https://sts", StsErrorKind::Network(detail.into())).to_string()
    };
    assert!(shown("invalid peer certificate: UnknownIssuer").contains("AWS_CA_BUNDLE"));
    assert!(!shown("Connection refused").contains("AWS_CA_BUNDLE"));
}

#[test]
fn mfa_calls_are_marked() {
    assert!(assume(true).carries_mfa());
    assert!(!assume(false).carries_mfa());
}

#[test]
fn server_text_is_cleaned() {
    assert_eq!(crate::report::clean("bad\u{1b}[2Jthing\n"), "bad [2Jthing");
    assert!(crate::report::clean(&"x".repeat(1000)).chars().count() <= 301);
    // Exactly 300 characters are kept whole; one more is cut with an ellipsis.
    assert_eq!(crate::report::clean(&"y".repeat(300)), "y".repeat(300));
    assert_eq!(
        crate::report::clean(&"y".repeat(301)),
        format!("{}…", "y".repeat(300))
    );
}

/// A scoped AssumeRole that is refused names what the trust policy must also allow for its
/// source identity and tags (and nothing more for a policy alone).
#[test]
fn a_refused_scoped_role_names_the_trust_policy_s_other_permissions() {
    let scoped = |scope: Scope| {
        let Call::AssumeRole {
            role_arn,
            session_name,
            ..
        } = assume(false)
        else {
            unreachable!()
        };
        Call::AssumeRole {
            role_arn,
            session_name,
            duration_seconds: None,
            external_id: None,
            mfa: None,
            scope: Some(Box::new(scope)),
        }
    };
    let both = refused(
        &scoped(Scope {
            source_identity: Some("agent".into()),
            tags: vec![("k".into(), "v".into())],
            ..Scope::default()
        }),
        "AccessDenied",
    );
    assert!(
        both.contains(
            "the role's trust policy must allow it and sts:SetSourceIdentity (for the source identity) and \
             sts:TagSession (for the tags)"
        ),
        "{both}"
    );
    let tags = refused(
        &scoped(Scope {
            tags: vec![("k".into(), "v".into())],
            ..Scope::default()
        }),
        "AccessDenied",
    );
    assert!(
        tags.contains("must allow it and sts:TagSession (for the tags)"),
        "{tags}"
    );
    assert!(!tags.contains("SetSourceIdentity"), "{tags}");
    let policy = refused(
        &scoped(Scope {
            read_only: true,
            ..Scope::default()
        }),
        "AccessDenied",
    );
    assert!(
        policy.contains("must allow it;") || policy.contains("must allow it."),
        "{policy}"
    );
    assert!(
        refused(&scoped(Scope::default()), "PackedPolicyTooLarge")
            .contains("too large once STS packs them")
    );
    assert!(
        refused(&assume(false), "MalformedPolicyDocument").contains("not a policy IAM accepts")
    );
}

#[test]
fn regions_name_their_partition() {
    for (region, expected) in [
        ("eu-west-1", "aws"),
        ("us-east-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
    ] {
        assert_eq!(partition(region), expected, "{region}");
    }
}

#[test]
fn a_failed_lookup_of_a_misshapen_region_names_the_region() {
    let lookup = "dns error: failed to lookup address information: Name or service not known";
    let hint = unknown_region("https://sts.eu-west1.amazonaws.com", lookup).unwrap();
    assert!(hint.contains("\"eu-west1\""), "{hint}");
    for well_shaped in [
        "https://sts.eu-west-1.amazonaws.com",
        "https://sts.us-gov-west-1.amazonaws.com",
        "https://sts.cn-north-1.amazonaws.com.cn",
    ] {
        assert_eq!(unknown_region(well_shaped, lookup), None, "{well_shaped}");
    }
    for misshapen in ["eu-west", "euwest-1", "eu--1", "west-1", "eu-west-1a"] {
        let endpoint = format!("https://sts.{misshapen}.amazonaws.com");
        assert!(unknown_region(&endpoint, lookup).is_some(), "{misshapen}");
    }
    // Either half of the resolver's words is enough.
    for words in [
        "dns error: no record",
        "failed to lookup address information",
    ] {
        assert!(
            unknown_region("https://sts.eu-west1.amazonaws.com", words).is_some(),
            "{words}"
        );
    }
    // Another failure, or another endpoint: the network is the suspect.
    assert_eq!(
        unknown_region("https://sts.eu-west1.amazonaws.com", "connection refused"),
        None
    );
    assert_eq!(unknown_region("http://127.0.0.1:5000", lookup), None);
}
