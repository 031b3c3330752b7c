use super::*;

const POLICY: &str = "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}]}";
const PACKED: &str = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}";

fn arn(n: usize) -> String {
    format!("arn:aws:iam::123456789012:policy/p{n}")
}

fn profile() -> RawProfile {
    RawProfile {
        policy: Some(POLICY.into()),
        policy_arns: Some(vec![arn(1)]),
        read_only: Some(true),
        source_identity: Some("from-profile".into()),
        tags: Some([("team".to_owned(), "a".to_owned())].into()),
        transitive_tags: Some(vec!["team".into()]),
        ..RawProfile::default()
    }
}

fn of(flags: &ScopeArgs, raw: &RawProfile) -> Result<Scope, Error> {
    resolve(
        flags,
        Some(("work", raw, Path::new("/nowhere/profiles.toml"))),
        None,
    )
}

#[test]
fn the_profile_s_scope_is_read_when_no_flag_gives_one() {
    let scope = of(&ScopeArgs::default(), &profile()).unwrap();
    assert_eq!(
        scope,
        Scope {
            policy: Some(PACKED.into()),
            policy_arns: vec![arn(1)],
            read_only: true,
            source_identity: Some("from-profile".into()),
            tags: vec![("team".into(), "a".into())],
            transitive_tags: vec!["team".into()],
        }
    );
    assert_eq!(
        scope.named(),
        "--policy, --policy-arn, --read-only, --source-identity, --tag, --transitive-tag"
    );
}

/// The flags' policies replace the profile's as a set (adding one could widen the union
/// STS allows), and so do their tags; the source identity is one value, the flag's.
#[test]
fn flags_replace_the_profile_s_policies_and_tags_as_sets() {
    let flags = ScopeArgs {
        policy_arns: vec![arn(2)],
        ..ScopeArgs::default()
    };
    let scope = of(&flags, &profile()).unwrap();
    assert_eq!(scope.policy, None);
    assert_eq!(scope.policy_arns, [arn(2)]);
    assert!(!scope.read_only);
    assert_eq!(scope.tags, [("team".to_owned(), "a".to_owned())]);

    let flags = ScopeArgs {
        tags: vec![("job".into(), "nightly".into())],
        source_identity: Some("from-flag".into()),
        ..ScopeArgs::default()
    };
    let scope = of(&flags, &profile()).unwrap();
    assert_eq!(scope.tags, [("job".to_owned(), "nightly".to_owned())]);
    assert!(scope.transitive_tags.is_empty());
    assert_eq!(scope.source_identity.as_deref(), Some("from-flag"));
    assert!(scope.read_only, "the profile's policies stay");

    let flags = ScopeArgs {
        read_only: true,
        ..ScopeArgs::default()
    };
    assert_eq!(
        of(&flags, &RawProfile::default()).unwrap(),
        Scope {
            read_only: true,
            ..Scope::default()
        }
    );
    assert!(
        of(&ScopeArgs::default(), &RawProfile::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn bad_values_name_their_flag_or_field() {
    let flag_errors = [
        (
            ScopeArgs {
                policy_arns: vec!["arn:aws:iam::123456789012:role/r".into()],
                ..ScopeArgs::default()
            },
            "invalid --policy-arn (policy ARN): arn:aws:iam::123456789012:role/r is not an IAM policy ARN",
        ),
        (
            ScopeArgs {
                source_identity: Some("aws:me".into()),
                ..ScopeArgs::default()
            },
            "invalid --source-identity (source identity): may not start with \"aws:\"",
        ),
        (
            ScopeArgs {
                tags: vec![("Team".into(), "a".into()), ("team".into(), "b".into())],
                ..ScopeArgs::default()
            },
            "--tag: tag \"team\" is given twice",
        ),
        (
            ScopeArgs {
                tags: vec![("team".into(), "a".into())],
                transitive_tags: vec!["job".into()],
                ..ScopeArgs::default()
            },
            "--transitive-tag: \"job\" is not the key of a tag given with it: add --tag job=VALUE",
        ),
        (
            ScopeArgs {
                tags: vec![("team".into(), "a;b".into())],
                ..ScopeArgs::default()
            },
            "invalid --tag (tag value): the value of tag \"team\" contains ';'",
        ),
        (
            ScopeArgs {
                tags: (0..51).map(|n| (format!("k{n}"), String::new())).collect(),
                ..ScopeArgs::default()
            },
            "--tag: 51 tags are too many: STS takes at most 50",
        ),
    ];
    for (flags, expected) in flag_errors {
        let error = of(&flags, &RawProfile::default()).unwrap_err();
        assert!(error.to_string().starts_with(expected), "{error}");
        assert_eq!(error.exit_code(), 2, "{error}");
    }
    let fifty: ScopeArgs = ScopeArgs {
        tags: (0..50).map(|n| (format!("k{n}"), String::new())).collect(),
        transitive_tags: (0..50).map(|n| format!("K{n}")).collect(),
        ..ScopeArgs::default()
    };
    assert!(of(&fifty, &RawProfile::default()).is_ok());
    let transitive_51 = ScopeArgs {
        transitive_tags: (0..51).map(|n| format!("k{n}")).collect(),
        ..fifty.clone()
    };
    let error = of(&transitive_51, &RawProfile::default())
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("--transitive-tag: 51 transitive tags are too many"),
        "{error}"
    );

    let both = RawProfile {
        policy: Some(POLICY.into()),
        policy_file: Some("p.json".into()),
        ..RawProfile::default()
    };
    let error = of(&ScopeArgs::default(), &both).unwrap_err();
    assert_eq!(
        error.to_string(),
        "profile \"work\", policy: set policy (the JSON) or policy_file (its path), not both"
    );
    let not_json = RawProfile {
        policy: Some("{\"Statement\": [}".into()),
        ..RawProfile::default()
    };
    let error = of(&ScopeArgs::default(), &not_json)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("profile \"work\", policy: the policy is not valid JSON"),
        "{error}"
    );
    let tags = RawProfile {
        tags: Some([("aws:x".to_owned(), "v".to_owned())].into()),
        ..RawProfile::default()
    };
    let error = of(&ScopeArgs::default(), &tags).unwrap_err().to_string();
    assert!(
        error.starts_with("profile \"work\", tags: \"aws:x\" starts with \"aws:\""),
        "{error}"
    );
}

#[test]
fn a_policy_file_is_read_checked_and_packed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("profiles.toml");
    std::fs::write(dir.path().join("ro.json"), format!("{POLICY}\n")).unwrap();
    std::fs::write(dir.path().join("bad.json"), "{\"Version\": 1}").unwrap();
    // Pretty-printed at length (well past a kilobyte), it packs into what STS takes.
    let indented = POLICY.replace(' ', &" ".repeat(500));
    assert!(indented.len() > 4000);
    std::fs::write(dir.path().join("wide.json"), &indented).unwrap();
    std::fs::write(dir.path().join("huge.json"), " ".repeat(70_000) + POLICY).unwrap();
    let raw = |path: &str| RawProfile {
        policy_file: Some(path.into()),
        ..RawProfile::default()
    };
    let read = |path: &str, home: Option<&Path>| {
        resolve(
            &ScopeArgs::default(),
            Some(("work", &raw(path), &file)),
            home,
        )
    };
    assert_eq!(
        read("ro.json", None).unwrap().policy.as_deref(),
        Some(PACKED)
    );
    assert_eq!(
        read("~/ro.json", Some(dir.path()))
            .unwrap()
            .policy
            .as_deref(),
        Some(PACKED)
    );
    let error = read("bad.json", None).unwrap_err().to_string();
    assert!(
        error.starts_with("profile \"work\", policy_file: the policy in ")
            && error.contains("bad.json has no \"Statement\""),
        "{error}"
    );
    let error = read("missing.json", None).unwrap_err().to_string();
    assert!(error.contains("missing.json does not exist"), "{error}");
    let flags = ScopeArgs {
        policy: Some(dir.path().join("ro.json")),
        ..ScopeArgs::default()
    };
    assert_eq!(
        resolve(&flags, None, None).unwrap().policy.as_deref(),
        Some(PACKED)
    );
}

#[test]
fn read_only_is_the_partition_s_managed_policy_counted_once() {
    let scope = Scope {
        policy_arns: vec![arn(1), "arn:aws-cn:iam::aws:policy/ReadOnlyAccess".into()],
        read_only: true,
        ..Scope::default()
    };
    assert_eq!(
        scope.managed("aws-cn"),
        [arn(1), "arn:aws-cn:iam::aws:policy/ReadOnlyAccess".into()]
    );
    assert_eq!(
        scope.managed("aws"),
        [
            arn(1),
            "arn:aws-cn:iam::aws:policy/ReadOnlyAccess".into(),
            "arn:aws:iam::aws:policy/ReadOnlyAccess".into()
        ]
    );
}

#[test]
fn at_most_ten_managed_policies_and_2048_characters_in_all() {
    let ten = Scope {
        policy_arns: (0..9).map(arn).collect(),
        read_only: true,
        ..Scope::default()
    };
    assert!(ten.check_size("aws").is_ok());
    let eleven = Scope {
        policy_arns: (0..10).map(arn).collect(),
        ..ten.clone()
    };
    let error = eleven.check_size("aws").unwrap_err().to_string();
    assert!(error.starts_with("11 managed session policies"), "{error}");
    // One ARN of 36 characters and a policy of the rest: 2,048 exactly, then one more.
    let arn_chars = arn(1).chars().count();
    let policy = |len: usize| {
        let padding = len - "{\"Statement\":[],\"Sid\":\"\"}".len();
        format!("{{\"Statement\":[],\"Sid\":\"{}\"}}", "x".repeat(padding))
    };
    let at_limit = Scope {
        policy: Some(policy(2048 - arn_chars)),
        policy_arns: vec![arn(1)],
        ..Scope::default()
    };
    assert!(at_limit.check_size("aws").is_ok());
    let over = Scope {
        policy: Some(policy(2049 - arn_chars)),
        ..at_limit
    };
    let error = over.check_size("aws").unwrap_err().to_string();
    assert!(
        error.starts_with("the session policies come to 2049 characters"),
        "{error}"
    );
}

#[test]
fn managed_policies_must_be_the_role_s_account_s_or_aws_s() {
    let scope = Scope {
        policy_arns: vec![arn(1), READ_ONLY_ARN.into()],
        ..Scope::default()
    };
    assert!(
        scope
            .check_accounts("arn:aws:iam::123456789012:role/r")
            .is_ok()
    );
    let error = scope
        .check_accounts("arn:aws:iam::999999999999:role/r")
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "--policy-arn arn:aws:iam::123456789012:policy/p1 is a policy of account 123456789012, and the role \
         arn:aws:iam::999999999999:role/r is of account 999999999999: STS takes managed session policies of the \
         role's account (or AWS's own)"
    );
}

const READ_ONLY_ARN: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
