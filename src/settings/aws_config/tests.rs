//! Unit tests of `settings::aws_config`.

use super::*;

fn toml(text: &str) -> Profiles {
    Profiles::parse(text, Path::new("profiles.toml")).unwrap()
}

fn aws(text: &str) -> AwsProfiles {
    AwsProfiles::parse(text, Path::new("config")).unwrap()
}

const CONFIG: &str = "[default]\nregion = us-east-1\n\n# comment\n[profile prod]\nrole_arn = arn:aws:iam::123456789012:role/prod\n\
    source_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nregion = eu-west-1\n\
    duration_seconds = 1800\nrole_session_name = alice-prod\nexternal_id = ext-1\n\n\
    [profile hop]\nsource_profile = prod2\n[profile prod2]\nsource_profile = base\n\
    [profile loop-a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop-b\n[profile loop-b]\nsource_profile = loop-a\n\
    [profile orphan]\nrole_arn = arn:aws:iam::1:role/o\nsource_profile = nowhere\n\
    [profile both]\nrole_arn = arn:aws:iam::123456789012:role/both\nregion = ap-south-1\n";

#[test]
fn the_sdk_parser_reads_profiles_and_default() {
    let a = aws(CONFIG);
    assert_eq!(a.profiles["default"].region.as_deref(), Some("us-east-1"));
    let prod = &a.profiles["prod"];
    assert_eq!(prod.source_profile.as_deref(), Some("base"));
    assert_eq!(prod.duration_seconds.as_deref(), Some("1800"));
    assert_eq!(prod.external_id.as_deref(), Some("ext-1"));
}

#[test]
fn a_config_profile_takes_its_keys_from_the_end_of_its_chain() {
    let t = toml("[profiles.base]\nbackend = \"pass\"\nregion = \"us-west-2\"\n");
    let a = aws(CONFIG);
    let r = resolve("prod", &t, Some(&a)).unwrap();
    assert_eq!(r.keys_from, "base");
    assert_eq!(r.raw.backend.as_deref(), Some("pass"));
    assert_eq!(
        r.raw.role_arn.as_deref(),
        Some("arn:aws:iam::123456789012:role/prod")
    );
    assert_eq!(
        r.raw.mfa_serial.as_deref(),
        Some("arn:aws:iam::123456789012:mfa/alice")
    );
    assert_eq!(r.raw.region.as_deref(), Some("eu-west-1"));
    assert_eq!(r.raw.role_duration_seconds, Some(1800));
    assert_eq!(r.raw.role_session_name.as_deref(), Some("alice-prod"));
    assert_eq!(r.raw.external_id.as_deref(), Some("ext-1"));
    // Two hops of source_profile without roles end at the same keys.
    assert_eq!(resolve("hop", &t, Some(&a)).unwrap().keys_from, "base");
}

#[test]
fn loops_orphans_and_keyless_ends_are_named() {
    let t = toml("[profiles.base]\nbackend = \"pass\"\n");
    let a = aws(CONFIG);
    let err = resolve("loop-a", &t, Some(&a)).unwrap_err().to_string();
    assert!(err.contains("loops: loop-a -> loop-b -> loop-a"), "{err}");
    let err = resolve("orphan", &t, Some(&a)).unwrap_err().to_string();
    assert!(
        err.contains("source_profile nowhere is in neither"),
        "{err}"
    );
    let err = resolve("both", &t, Some(&a)).unwrap_err().to_string();
    assert!(
        err.contains("has no keys") && err.contains("aws-auth add --profile both"),
        "{err}"
    );
    let err = resolve("nope", &t, Some(&a)).unwrap_err();
    assert!(
        matches!(err, ConfigError::UnknownProfile { ref known, .. } if known.contains(&"prod".to_owned()) && known.contains(&"base".to_owned())),
        "{err}"
    );
}

#[test]
fn a_name_in_both_files_merges_with_profiles_toml_winning() {
    let t = toml("[profiles.both]\nbackend = \"pass\"\nregion = \"eu-central-1\"\n");
    let a = aws(CONFIG);
    let r = resolve("both", &t, Some(&a)).unwrap();
    assert_eq!(r.keys_from, "both");
    assert_eq!(
        r.raw.region.as_deref(),
        Some("eu-central-1"),
        "profiles.toml wins"
    );
    assert_eq!(
        r.raw.role_arn.as_deref(),
        Some("arn:aws:iam::123456789012:role/both"),
        "the config fills the rest"
    );
}

#[test]
fn the_roles_of_a_chain_are_assumed_in_turn_from_the_keys_on() {
    let t = toml(
        "[profiles.base]\nbackend = \"pass\"\nrole_arn = \"arn:aws:iam::1:role/base\"\nexternal_id = \"base-ext\"\n",
    );
    let config = format!(
        "{CONFIG}[profile jump]\nrole_arn = arn:aws:iam::1:role/jump\nsource_profile = base\n\
         role_session_name = jumper\nexternal_id = jump-ext\n\
         [profile target]\nrole_arn = arn:aws:iam::2:role/target\nsource_profile = jump\n\
         [profile via-jump]\nsource_profile = jump\nregion = eu-north-1\n"
    );
    let a = aws(&config);
    // prod's role over base's own.
    let r = resolve("prod", &t, Some(&a)).unwrap();
    assert_eq!(
        r.raw.role_arn.as_deref(),
        Some("arn:aws:iam::123456789012:role/prod")
    );
    assert_eq!(r.raw.external_id.as_deref(), Some("ext-1"));
    assert_eq!(
        r.via_roles,
        [ViaRole {
            profile: "base".into(),
            role_arn: "arn:aws:iam::1:role/base".into(),
            external_id: Some("base-ext".into()),
            role_session_name: None,
        }]
    );
    // Three roles: base's, jump's, then target's own; each hop keeps its own settings,
    // and the last role takes none of theirs.
    let r = resolve("target", &t, Some(&a)).unwrap();
    assert_eq!(r.keys_from, "base");
    assert_eq!(
        r.raw.role_arn.as_deref(),
        Some("arn:aws:iam::2:role/target")
    );
    assert_eq!(r.raw.external_id, None);
    assert_eq!(r.raw.role_session_name, None);
    let hops: Vec<(&str, &str, Option<&str>)> = r
        .via_roles
        .iter()
        .map(|v| {
            (
                v.profile.as_str(),
                v.role_arn.as_str(),
                v.external_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        hops,
        [
            ("base", "arn:aws:iam::1:role/base", Some("base-ext")),
            ("jump", "arn:aws:iam::1:role/jump", Some("jump-ext")),
        ]
    );
    assert_eq!(r.via_roles[1].role_session_name.as_deref(), Some("jumper"));
    // A profile without a role of its own takes the nearest role of its chain.
    let r = resolve("via-jump", &t, Some(&a)).unwrap();
    assert_eq!(r.raw.role_arn.as_deref(), Some("arn:aws:iam::1:role/jump"));
    assert_eq!(r.raw.role_session_name.as_deref(), Some("jumper"));
    assert_eq!(r.raw.external_id.as_deref(), Some("jump-ext"));
    assert_eq!(r.raw.region.as_deref(), Some("eu-north-1"));
    assert_eq!(r.via_roles.len(), 1);
    assert_eq!(r.via_roles[0].profile, "base");
    // base itself: its own role, no chain.
    let r = resolve("base", &t, Some(&a)).unwrap();
    assert!(r.via_roles.is_empty());
    assert_eq!(r.raw.role_arn.as_deref(), Some("arn:aws:iam::1:role/base"));
}

#[test]
fn without_a_config_file_profiles_toml_alone_answers() {
    let t = toml("[profiles.base]\nbackend = \"pass\"\n");
    assert_eq!(resolve("base", &t, None).unwrap().keys_from, "base");
    assert!(matches!(
        resolve("prod", &t, None),
        Err(ConfigError::UnknownProfile { .. })
    ));
}

#[test]
fn any_key_field_in_profiles_toml_makes_the_profile_its_own_source() {
    let a = aws("[profile half]\nsource_profile = base\nregion = eu-west-1\n");
    for fields in [
        "backend = \"pass\"",
        "access_key_id = \"pass:x#id\"",
        "secret_access_key = \"pass:x\"",
    ] {
        let t = toml(&format!(
            "[profiles.base]\nbackend = \"pass\"\n[profiles.half]\n{fields}\n"
        ));
        assert_eq!(
            resolve("half", &t, Some(&a)).unwrap().keys_from,
            "half",
            "{fields}"
        );
    }
    let t = toml("[profiles.base]\nbackend = \"pass\"\n[profiles.half]\nregion = \"x\"\n");
    assert_eq!(resolve("half", &t, Some(&a)).unwrap().keys_from, "base");
}

#[test]
fn a_config_file_up_to_a_mebibyte_is_read_and_a_larger_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    // Long comments, as a config file grown over the years has.
    let comments = "# ".to_owned() + &"x".repeat(98) + "\n";
    let body = "[profile big]\nregion = eu-west-1\n";
    let fill = |size: usize| {
        let mut text = body.to_owned();
        while text.len() + comments.len() <= size {
            text.push_str(&comments);
        }
        text.push_str(&"#".repeat(size - text.len()));
        text
    };
    std::fs::write(&path, fill(1024 * 1024)).unwrap();
    let loaded = AwsProfiles::load(&path).unwrap().unwrap();
    assert_eq!(loaded.profiles["big"].region.as_deref(), Some("eu-west-1"));
    std::fs::write(&path, fill(1024 * 1024 + 1)).unwrap();
    assert!(AwsProfiles::load(&path).is_err());
}

/// A profile's scope is its own: a config profile whose keys come from a scoped profile of
/// profiles.toml does not inherit that scope, and a profiles.toml profile keeps its own
/// beside a config section of the same name.
#[test]
fn a_scope_is_never_inherited_along_a_chain() {
    let t = toml(
        "[profiles.base]\nbackend = \"pass\"\nread_only = true\nsource_identity = \"base-agent\"\n\
         tags = { team = \"a\" }\n[profiles.both]\nbackend = \"pass\"\npolicy_arns = [\"arn:aws:iam::aws:policy/X\"]\n",
    );
    let a = aws(CONFIG);
    let prod = resolve("prod", &t, Some(&a)).unwrap().raw;
    assert_eq!(prod.read_only, None);
    assert_eq!(prod.source_identity, None);
    assert_eq!(prod.tags, None);
    let both = resolve("both", &t, Some(&a)).unwrap().raw;
    assert_eq!(
        both.policy_arns,
        Some(vec!["arn:aws:iam::aws:policy/X".to_owned()])
    );
    let base = resolve("base", &t, Some(&a)).unwrap().raw;
    assert_eq!(base.read_only, Some(true));
}
