//! Errors that name the real cause and what was probably meant: a mistyped backend or
//! scheme, a TOTP seed where a code belongs, a swapped key pair, a cache command for a
//! profile that does not exist. Each is one paragraph, with the exit code of its kind (a
//! profile's error 1, a bad flag or input 2), and echoes no secret.

use crate::support::profile_kit::*;
use crate::support::secret_service::SecretService;
use crate::support::*;
use std::time::Duration;

const KEYS: &str =
    "access_key_id = \"AKIAAWSAUTHSOURCE001\"\nsecret_access_key = \"env:HINT_SECRET\"\n";

fn kit(profile: &str) -> Kit {
    let kit = Kit::new();
    kit.profiles(profile);
    kit
}

fn run_profile(kit: &Kit, name: &str) -> Run {
    let mut cmd = kit.profile(name, &[]);
    cmd.env("HINT_SECRET", SOURCE_SECRET_ACCESS_KEY);
    run(&mut without_terminal(&cmd))
}

#[test]
fn a_mistyped_backend_or_scheme_names_the_nearest_known_one() {
    let kit = kit(
        "[profiles.a]\nbackend = \"pas\"\n[profiles.b]\naccess_key_id = \"gopas:aws/x#id\"\nsecret_access_key = \"pass:aws/x\"\n",
    );
    assert_clear_error(
        &run_profile(&kit, "a"),
        1,
        &["profile \"a\", backend", "did you mean \"pass\"?"],
    );
    assert_clear_error(
        &run_profile(&kit, "b"),
        1,
        &["unknown scheme \"gopas:\"", "did you mean \"gopass:\"?"],
    );
    let add = run_with_stdin(
        kit.aws_auth()
            .args(["add", "--profile", "c", "--backend", "gopas"]),
        format!("{SOURCE_ACCESS_KEY_ID}\n{SOURCE_SECRET_ACCESS_KEY}\n").as_bytes(),
        Duration::from_secs(30),
    );
    assert_clear_error(&add, 2, &["did you mean \"gopass\"?"]);
    assert_absent(&add.stderr, &[SOURCE_SECRET_ACCESS_KEY], "stderr");
    assert_eq!(kit.sts.request_count(), 0);
}

/// A seed where a code belongs (in the file, behind a reference, as an otpauth URI) is
/// named as a seed, with `totp:` as the way to write it; the seed is never echoed.
#[test]
fn a_totp_seed_given_as_mfa_code_suggests_totp() {
    let kit = kit(&format!(
        "[profiles.literal]\n{KEYS}mfa_serial = \"{SERIAL_NUMBER}\"\nmfa_code = \"{TOTP_SEED}\"\n\
         [profiles.uri]\n{KEYS}mfa_serial = \"{SERIAL_NUMBER}\"\nmfa_code = \"{}\"\n\
         [profiles.ref]\n{KEYS}mfa_serial = \"{SERIAL_NUMBER}\"\nmfa_code = \"gopass:aws/seed\"\n",
        otpauth_line()
    ));
    kit.fakes
        .gopass_entry("aws/seed", &format!("{TOTP_SEED}\n"));
    let literal = run_profile(&kit, "literal");
    assert_clear_error(
        &literal,
        1,
        &[
            "mfa_code",
            "a TOTP seed, not a 6-digit code",
            "configure --profile NAME --totp",
        ],
    );
    let uri = run_profile(&kit, "uri");
    assert_clear_error(
        &uri,
        1,
        &[
            "unknown scheme \"otpauth:\"",
            "TOTP seed",
            "totp:pass:ENTRY",
        ],
    );
    let reference = run_profile(&kit, "ref");
    assert_clear_error(
        &reference,
        1,
        &[
            "gopass:aws/seed is a TOTP seed",
            "mfa_code = \"totp:gopass:aws/seed\"",
        ],
    );
    for out in [&literal, &uri, &reference] {
        assert_absent(
            &out.stderr,
            &[TOTP_SEED, SOURCE_SECRET_ACCESS_KEY],
            "stderr",
        );
    }
    assert_eq!(kit.sts.request_count(), 0);
}

/// `add` refuses an id that is not one (the pair swapped) before it writes anything; the
/// environment's AWS_ACCESS_KEY_ID is checked the same way, so a secret never travels as a
/// key id in a request header.
#[test]
fn a_swapped_key_pair_is_refused_before_anything_is_written_or_sent() {
    let kit = Kit::with_pass();
    let config = kit.sandbox.path("home/.config/aws-auth/profiles.toml");
    let add = run_with_stdin(
        kit.aws_auth().args(["add", "--profile", "swapped"]),
        format!("{SOURCE_SECRET_ACCESS_KEY}\n{SOURCE_ACCESS_KEY_ID}\n").as_bytes(),
        Duration::from_secs(30),
    );
    assert_clear_error(&add, 2, &["not an access key id", "swapped"]);
    assert_absent(&add.stderr, &[SOURCE_SECRET_ACCESS_KEY], "stderr");
    assert!(!config.exists(), "profiles.toml was written");
    assert_ne!(
        kit.pass().show(&kit.sandbox, "aws-auth/swapped").code,
        Some(0)
    );
    let temporary = run_with_stdin(
        kit.aws_auth().args(["add", "--profile", "temp"]),
        format!("ASIAAWSAUTHSOURCE001\n{SOURCE_SECRET_ACCESS_KEY}\n").as_bytes(),
        Duration::from_secs(30),
    );
    assert_clear_error(&temporary, 2, &["ASIA", "temporary"]);

    let mut env = kit.sandbox.aws_auth_with_keys(&kit.sts.url());
    env.env("AWS_ACCESS_KEY_ID", SOURCE_SECRET_ACCESS_KEY);
    let out = run(&mut env);
    assert_clear_error(&out, 2, &["AWS_ACCESS_KEY_ID", "swapped"]);
    assert_absent(&out.stderr, &[SOURCE_SECRET_ACCESS_KEY], "stderr");
    assert_eq!(kit.sts.request_count(), 0);
}

#[test]
fn cache_commands_name_an_unknown_profile_and_an_empty_cache() {
    let kit = kit(&format!("[profiles.work]\n{KEYS}"));
    let secrets = SecretService::start(&kit.sandbox);
    let cache = |args: &[&str]| {
        let mut cmd = kit.aws_auth();
        cmd.arg("cache")
            .args(args)
            .env("AWS_AUTH_CACHE_STORE", "secret-service");
        run(secrets.env(&mut cmd))
    };
    let list = cache(&["list"]);
    list.assert_success();
    assert_eq!(list.stdout_str(), "PROFILE\tKIND\tEXPIRATION\n");
    assert!(
        list.stderr
            .contains("no cached sessions (store: secret-service)"),
        "{}",
        list.describe()
    );
    let typo = cache(&["clear", "--profile", "wrok"]);
    assert_clear_error(&typo, 2, &["no profile \"wrok\"", "did you mean \"work\"?"]);
    let known = cache(&["clear", "--profile", "work"]);
    known.assert_success();
    assert!(
        known.stderr.contains("removed 0 cached sessions"),
        "{}",
        known.describe()
    );
}

/// Habits from aws-vault and the AWS CLI: each works, or fails with the aws-auth way in one
/// line; AWS_PROFILE is never used silently (a credential_process child inherits it).
#[test]
fn habits_from_other_tools_work_or_say_the_aws_auth_way() {
    let kit = kit(&format!("[profiles.work]\n{KEYS}"));
    let with_secret = |cmd: &mut std::process::Command| {
        cmd.env("HINT_SECRET", SOURCE_SECRET_ACCESS_KEY);
        run(cmd)
    };
    // exec without `--`, and -p.
    let out = with_secret(kit.aws_auth().args([
        "exec",
        "-p",
        "work",
        "sh",
        "-c",
        "echo \"$AWS_ACCESS_KEY_ID\" -x",
    ]));
    out.assert_success();
    assert_eq!(
        out.stdout_str(),
        "ASIAHOSTILEEXAMPLE01 -x\n",
        "{}",
        out.describe()
    );
    let out = with_secret(kit.aws_auth().args([
        "exec",
        "--profile",
        "work",
        "--",
        "sh",
        "-c",
        "echo ok",
    ]));
    assert_eq!(out.stdout_str(), "ok\n", "{}", out.describe());
    // `aws-auth work`, `aws-auth exec work ...`.
    let out = with_secret(kit.aws_auth().arg("work"));
    assert_clear_error(
        &out,
        2,
        &[
            "\"work\" is a profile, not a command",
            "aws-auth --profile work",
        ],
    );
    let out = with_secret(kit.aws_auth().args(["exec", "work", "--", "env"]));
    assert_clear_error(
        &out,
        2,
        &[
            "\"work\" is a profile, not a command",
            "exec --profile work --",
        ],
    );
    // AWS_PROFILE alone.
    let out = with_secret(kit.aws_auth().env("AWS_PROFILE", "work"));
    assert_clear_error(
        &out,
        2,
        &["does not read AWS_PROFILE", "aws-auth --profile work"],
    );
    // Not a profile: clap's own error with its suggestion.
    let out = with_secret(kit.aws_auth().arg("exce"));
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("exec"), "{}", out.describe());
    assert_eq!(
        kit.sts.request_count(),
        2,
        "only the two exec runs asked STS"
    );
}

/// Shell code printed to a terminal sets nothing: one line on stderr says how to eval it.
/// Not when stdout is read (eval, a pipe), and never for JSON.
#[test]
fn shell_code_shown_on_a_terminal_comes_with_the_eval_hint() {
    let kit = kit(&format!("[profiles.work]\n{KEYS}"));
    let on_terminal = |format: &str| {
        let stderr = kit.sandbox.path(&format!("stderr-{format}"));
        let line = format!(
            "{} --profile work --format {format} 2> {}",
            aws_auth_bin().display(),
            stderr.display()
        );
        let mut script = kit.aws_auth();
        script.env("HINT_SECRET", SOURCE_SECRET_ACCESS_KEY);
        let mut terminal = std::process::Command::new("script");
        terminal
            .args(["--quiet", "--return", "--command", &line, "/dev/null"])
            .env_clear();
        for (name, value) in script.get_envs() {
            if let Some(value) = value {
                terminal.env(name, value);
            }
        }
        let out = run(&mut terminal);
        out.assert_success();
        (out, std::fs::read_to_string(stderr).unwrap_or_default())
    };
    let (out, stderr) = on_terminal("sh");
    assert!(String::from_utf8_lossy(&out.stdout).contains("export AWS_ACCESS_KEY_ID="));
    assert!(
        stderr.contains("eval \"$(aws-auth --profile work)\""),
        "{stderr}"
    );
    let (_, stderr) = on_terminal("fish");
    assert!(
        stderr.contains("aws-auth --profile work --format fish | source"),
        "{stderr}"
    );
    let (_, stderr) = on_terminal("json");
    assert!(stderr.is_empty(), "{stderr}");
    let piped = run(kit
        .profile("work", &[])
        .env("HINT_SECRET", SOURCE_SECRET_ACCESS_KEY));
    piped.assert_success();
    assert!(piped.stderr.is_empty(), "{}", piped.describe());
}

/// A wrong or used MFA code on AssumeRole is said to be the code, not a permission problem
/// ("pass --serial-number" there would be wrong: the device was given); the server's full
/// stop is not doubled.
#[test]
fn a_refused_mfa_code_is_named_as_the_code() {
    let kit = kit(&format!(
        "[profiles.mfa]\n{KEYS}mfa_serial = \"{SERIAL_NUMBER}\"\nrole_arn = \"{}\"\n\
         [profiles.nomfa]\n{KEYS}role_arn = \"{}\"\n",
        role_arn("admin"),
        role_arn("admin")
    ));
    let mut kit = kit;
    kit.sts = HostileSts::always(Reply::access_denied(
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    ));
    let out = run(kit
        .profile("mfa", &["--token-code", TOKEN_CODE])
        .env("HINT_SECRET", SOURCE_SECRET_ACCESS_KEY));
    assert_clear_error(
        &out,
        1,
        &[
            "refused the MFA code",
            "wrong, or was already used",
            "next code",
        ],
    );
    assert!(!out.stderr.contains("sts:AssumeRole"), "{}", out.describe());
    assert!(
        !out.stderr.contains("--serial-number"),
        "{}",
        out.describe()
    );
    assert!(!out.stderr.contains(".."), "{}", out.describe());
    assert_absent(&out.stderr, &[TOKEN_CODE], "stderr");

    // A role refused for another reason, with no MFA device: then the hint fits.
    kit.sts = HostileSts::always(Reply::access_denied(
        "User is not authorized to perform: sts:AssumeRole.",
    ));
    let out = run(kit
        .profile("nomfa", &[])
        .env("HINT_SECRET", SOURCE_SECRET_ACCESS_KEY));
    assert_clear_error(&out, 1, &["sts:AssumeRole", "pass --serial-number"]);
    assert!(!out.stderr.contains(".."), "{}", out.describe());
}

/// A secret key STS refuses is named by where it came from (the profile's reference), not
/// by AWS_SECRET_ACCESS_KEY, which the run never read.
#[test]
fn a_wrong_secret_key_names_where_it_came_from() {
    let mut kit = Kit::new();
    kit.fakes.gopass_entry(
        "aws-auth/work",
        &format!("wrong/secret/key\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\n"),
    );
    kit.profiles("[profiles.work]\nbackend = \"gopass\"\n");
    kit.sts = HostileSts::always(Reply::Error {
        status: 403,
        kind: "Sender",
        code: "SignatureDoesNotMatch",
        message: "The request signature we calculated does not match the signature you provided."
            .into(),
    });
    let out = run(&mut without_terminal(&kit.profile("work", &[])));
    assert_clear_error(
        &out,
        1,
        &[
            "secret access key does not match",
            "check gopass:aws-auth/work",
        ],
    );
    assert!(
        !out.stderr.contains("AWS_SECRET_ACCESS_KEY"),
        "{}",
        out.describe()
    );
    assert_absent(&out.stderr, &["wrong/secret/key"], "stderr");
    // From the environment, the variable is the place.
    let out = run(&mut kit.sandbox.aws_auth_with_keys(&kit.sts.url()));
    assert_clear_error(&out, 1, &["check AWS_SECRET_ACCESS_KEY"]);
}
