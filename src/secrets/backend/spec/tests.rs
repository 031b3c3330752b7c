//! Unit tests of `secrets::backend::spec`.

use super::*;

#[test]
fn built_in_backends_parse() {
    let specs = Specs::load(None).unwrap();
    for name in ["pass", "gopass", "lpass", "op"] {
        assert!(specs.get(name).is_some(), "{name}");
    }
    assert_eq!(
        specs.schemes(),
        ["bw", "gopass", "lpass", "pass", "passage", "ykman"]
    );
}

/// The built-in pass may be read by decrypting its entry file; no other backend is.
#[test]
fn only_the_built_in_pass_decrypts_directly() {
    let specs = Specs::load(None).unwrap();
    assert_eq!(specs.get("pass").unwrap().decrypt, Some(Decrypt::PassGpg));
    assert!(!specs.get("pass").unwrap().defaults.contains_key("decrypt"));
    for name in ["gopass", "lpass", "op"] {
        assert_eq!(specs.get(name).unwrap().decrypt, None, "{name}");
    }
}

#[test]
fn placeholders_become_single_arguments() {
    let specs = Specs::load(None).unwrap();
    let lpass = specs.get("lpass").unwrap();
    assert_eq!(
        lpass
            .read_args("aws work; rm -rf ~", Some("Secret Access Key"))
            .unwrap(),
        [
            "show",
            "--color=never",
            "--field=Secret Access Key",
            "aws work; rm -rf ~"
        ]
    );
    assert_eq!(
        lpass.read_args("x", None).unwrap(),
        ["show", "--color=never", "--password", "x"]
    );
    let pass = specs.get("pass").unwrap();
    assert_eq!(
        pass.read_args("aws/work", Some("ignored: lines mode"))
            .unwrap(),
        ["show", "aws/work"]
    );
}

#[test]
fn entry_file_expands_variables_defaults_and_home() {
    let specs = Specs::load(None).unwrap();
    let pass = specs.get("pass").unwrap();
    let path = pass
        .entry_path("aws/work", Some(Path::new("/home/alice")))
        .unwrap();
    match std::env::var("PASSWORD_STORE_DIR") {
        Ok(dir) if !dir.is_empty() => assert_eq!(path, Path::new(&dir).join("aws/work.gpg")),
        _ => assert_eq!(path, Path::new("/home/alice/.password-store/aws/work.gpg")),
    }
}

#[test]
fn user_backend_files_add_schemes_and_bad_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bw.toml"),
        "description = \"Bitwarden\"\nprogram = \"bw\"\nread = [\"get\", \"password\", \"{entry}\"]\n\
         fields = \"command\"\nread_field = [\"get\", \"{field}\", \"{entry}\"]\n",
    )
    .unwrap();
    let specs = Specs::load(Some(dir.path())).unwrap();
    assert!(specs.schemes().contains(&"bw".to_owned()));
    assert_eq!(
        specs
            .get("bw")
            .unwrap()
            .read_args("github", Some("totp"))
            .unwrap(),
        ["get", "totp", "github"]
    );

    std::fs::write(
        dir.path().join("broken.toml"),
        "program = \"x\"\nread = [\"show\"]\ndescription = \"d\"\n",
    )
    .unwrap();
    let err = Specs::load(Some(dir.path())).unwrap_err();
    assert!(
        err.to_string().contains("broken.toml") && err.to_string().contains("{entry}"),
        "{err}"
    );

    // Regression (review item 9): a malformed backend file's error printed its line.
    std::fs::write(
        dir.path().join("broken.toml"),
        "description = \"d\"\nprogram = \"x\"\nread = [\"{entry}\"]\ntoken = wJalrXUtnFEMI\n",
    )
    .unwrap();
    let err = Specs::load(Some(dir.path())).unwrap_err().to_string();
    assert!(!err.contains("wJalrXUtnFEMI"), "{err}");
    assert!(
        err.contains("broken.toml") && err.contains("line 4"),
        "{err}"
    );
}

/// Each table that names argv must name its `{entry}` (or `{field}`), else the backend file
/// is refused with what is missing.
#[test]
fn argv_templates_without_their_placeholder_are_refused() {
    let base = "description = \"d\"\nprogram = \"x\"\nread = [\"get\", \"{entry}\"]\n";
    for (extra, missing) in [
        (
            "fields = \"command\"\nread_field = [\"get\", \"{entry}\"]\n",
            "`read_field` must contain \"{field}\"",
        ),
        (
            "fields = \"bitwarden\"\nread_field = [\"get\", \"totp\", \"{entry}\"]\n",
            "`read_field` must contain \"{field}\"",
        ),
        (
            "[write]\nargs = [\"insert\"]\n",
            "`write.args` must contain \"{entry}\"",
        ),
        (
            "[write]\nargs = [\"insert\", \"{entry}\"]\nremove = [\"rm\", \"-f\"]\n",
            "`write.remove` must contain \"{entry}\"",
        ),
    ] {
        let err = Spec::parse("x", &format!("{base}{extra}"), "x.toml").unwrap_err();
        assert!(err.to_string().contains(missing), "{extra}: {err}");
    }
    let ok = "[write]\nargs = [\"insert\", \"{entry}\"]\nremove = [\"rm\", \"{entry}\"]\n";
    assert!(Spec::parse("x", &format!("{base}{ok}"), "x.toml").is_ok());
    let bw = "fields = \"bitwarden\"\nread_field = [\"get\", \"{field}\", \"{entry}\"]\n";
    assert!(Spec::parse("x", &format!("{base}{bw}"), "x.toml").is_ok());
}

#[test]
fn a_relative_store_path_is_bound_to_the_current_directory_and_nothing_else_is() {
    let hash = |text: &str| crate::cache::sha256_hex(text.as_bytes());
    let here = std::env::current_dir().unwrap().join("s");
    for path_var in [
        "PASSWORD_STORE_DIR",
        "GOPASS_HOMEDIR",
        "LPASS_HOME",
        "PASSAGE_IDENTITIES_FILE",
        "BITWARDENCLI_APPDATA_DIR",
    ] {
        assert_eq!(
            value_identity(path_var, "s"),
            hash(&here.display().to_string()),
            "{path_var}"
        );
        assert_eq!(value_identity(path_var, "/abs/s"), hash("/abs/s"));
    }
    // An account, a host or a token is the same words wherever aws-auth runs.
    for other in ["OP_ACCOUNT", "OP_CONNECT_HOST", "OP_SERVICE_ACCOUNT_TOKEN"] {
        assert_eq!(
            value_identity(other, "my.1password.com"),
            hash("my.1password.com")
        );
    }
}
