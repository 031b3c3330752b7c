//! pass entries are decrypted with gpg directly, exactly as `pass show` would decrypt them
//! (program, options, store), and `pass show` itself runs whenever that path cannot be sure:
//! a missing entry, a sneaky path, a gpg failure. Against a real pass store and real gpg.

use crate::support::profile_kit::*;
use crate::support::sts_form::signing_key_id;
use crate::support::tmux::Tmux;
use crate::support::*;
use std::process::Command;
use std::time::Duration;

const ENTRY: &str = "aws-auth/direct";

fn kit() -> Kit {
    with_entry(Kit::with_pass())
}

/// `kit`'s entry (the keys and a role, in the one-entry layout) and profile `direct`.
fn with_entry(kit: Kit) -> Kit {
    kit.pass_insert(
        ENTRY,
        &format!(
            "{SOURCE_SECRET_ACCESS_KEY}\naws_access_key_id: {SOURCE_ACCESS_KEY_ID}\nrole_arn: {}\n",
            role_arn("direct")
        ),
    );
    kit.profiles("[profiles.direct]\nbackend = \"pass\"\n");
    kit
}

/// A `gpg2` first on PATH that logs its argv (one line, tab-separated) and runs the real gpg.
fn logging_gpg2(kit: &Kit, cmd: &mut Command) -> std::path::PathBuf {
    let log = kit.sandbox.path("gpg2.log");
    gpg2_first_on_path(
        &kit.sandbox,
        cmd,
        &format!(
            "printf '%s\\t' \"$@\" >> '{}'\necho >> '{}'\nexec /usr/bin/gpg \"$@\"\n",
            log.display(),
            log.display()
        ),
    );
    log
}

#[test]
fn an_entry_is_decrypted_without_pass_with_pass_s_program_and_options() {
    let kit = kit();
    let mut cmd = kit.profile("direct", &[]);
    let log = logging_gpg2(&kit, &mut cmd);
    // If pass ran at all, the run would fail.
    cmd.env("FAKE_REAL_PASS", "/bin/false")
        .env("PASSWORD_STORE_GPG_OPTS", "--trust-model always");
    let out = run(&mut cmd);
    out.assert_success();
    assert!(
        !kit.fakes.log().contains("pass\tshow"),
        "pass ran: {}",
        kit.fakes.log()
    );
    // The value decrypted is the entry's: the request is signed with its key.
    assert_eq!(
        signing_key_id(&kit.only_request()).as_deref(),
        Some(SOURCE_ACCESS_KEY_ID)
    );
    assert!(
        kit.only_request().verified(),
        "signed with the entry's secret key"
    );
    let store = kit.pass().store_dir();
    let expected = format!(
        "-d\t--trust-model\talways\t--status-fd\t2\t--quiet\t--yes\t--compress-algo=none\t--no-encrypt-to\t--batch\t--use-agent\t{}/{ENTRY}.gpg\t\n",
        store.display()
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap(), expected);
}

#[test]
fn pass_itself_runs_for_a_missing_entry_a_sneaky_path_and_a_gpg_failure() {
    let kit = kit();
    // No such entry: pass's own words.
    kit.profiles(
        "[profiles.missing]\naccess_key_id = \"pass:aws-auth/missing#aws_access_key_id\"\nsecret_access_key = \"pass:aws-auth/missing\"\n\
         [profiles.sneaky]\naccess_key_id = \"AKIAAWSAUTHSOURCE001\"\nsecret_access_key = \"pass:aws-auth/../direct\"\n\
         [profiles.direct]\nbackend = \"pass\"\n",
    );
    let out = run(&mut kit.profile("missing", &[]));
    assert_clear_error(&out, 1, &["no such entry", "is not in the password store"]);
    assert!(kit.fakes.log().contains("pass\tshow\taws-auth/missing"));

    let out = run(&mut kit.profile("sneaky", &[]));
    assert_clear_error(&out, 1, &["sneaky path"]);
    assert!(kit.fakes.log().contains("pass\tshow\taws-auth/../direct"));

    // gpg cannot decrypt (no secret key in this GNUPGHOME): pass runs and says so.
    let empty_home = tempfile::Builder::new()
        .prefix("gh")
        .tempdir_in("/tmp")
        .unwrap();
    let mut cmd = kit.profile("direct", &[]);
    cmd.env("GNUPGHOME", empty_home.path());
    let out = run(&mut cmd);
    assert_clear_error(&out, 1, &["not signed in / locked"]);
    assert!(kit.fakes.log().contains("pass\tshow\taws-auth/direct"));
    assert_eq!(kit.sts.request_count(), 0);
}

/// gpg can print plaintext and then fail: a file whose integrity check fails is decrypted to
/// stdout before gpg says "decryption failed" and exits 2. What it printed is never taken;
/// pass runs, fails the same way, and the run fails without a request.
#[test]
fn what_a_failing_gpg_printed_is_never_taken() {
    let kit = kit();
    let mut cmd = kit.profile("direct", &[]);
    gpg2_first_on_path(
        &kit.sandbox,
        &mut cmd,
        "/usr/bin/gpg \"$@\"\necho 'gpg: decryption failed: Bad session key' >&2\nexit 2\n",
    );
    let out = run(&mut cmd);
    assert_clear_error(&out, 1, &["pass", "decryption failed"]);
    assert!(kit.fakes.log().contains("pass\tshow\taws-auth/direct"));
    assert_eq!(kit.sts.request_count(), 0);
}

/// An entry that decrypts to nothing but blank lines is reported as empty, by the direct
/// path as by `pass show`.
#[test]
fn an_entry_that_decrypts_to_blank_lines_is_empty() {
    let kit = kit();
    kit.pass_insert("aws-auth/blank", "\n \n");
    kit.profiles(
        "[profiles.blank]\naccess_key_id = \"AKIAAWSAUTHSOURCE001\"\nsecret_access_key = \"pass:aws-auth/blank\"\n",
    );
    let out = run(&mut kit.profile("blank", &[]));
    assert_clear_error(&out, 1, &["aws-auth/blank", "printed nothing"]);
    assert_eq!(kit.sts.request_count(), 0);
}

/// The passphrase of the tests' GPG key; appears nowhere else.
const PASSPHRASE: &str = "correct horse 4711";

/// A pass store whose key has a passphrase, the entry and profile of `kit()`.
fn locked_kit() -> Kit {
    with_entry(Kit::with_pass_passphrase(PASSPHRASE))
}

/// Runs `cmd` in a real terminal (tmux) without GPG_TTY, as in tmux or a desktop terminal
/// that does not export it: pinentry-tty must ask there, and the run goes on once the
/// passphrase is typed. stdout holds only the result; the passphrase appears nowhere.
fn typed_at_the_pinentry(kit: &Kit, cmd: &Command) {
    let term = Tmux::start(&kit.sandbox, cmd);
    term.wait_for("Passphrase", Duration::from_secs(30));
    term.type_line(PASSPHRASE);
    let (code, stdout, stderr) = term.finish(Duration::from_secs(60));
    let context = format!(
        "--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}\n--- log ---\n{}",
        kit.fakes.log()
    );
    assert_eq!(code, 0, "{context}");
    assert!(
        stdout.starts_with("export AWS_ACCESS_KEY_ID=")
            && stdout.lines().all(|l| l.starts_with("export AWS_")),
        "stdout must hold only the result\n{context}"
    );
    assert_absent(&stdout, &[PASSPHRASE, SOURCE_SECRET_ACCESS_KEY], "stdout");
    assert_absent(&stderr, &[PASSPHRASE, SOURCE_SECRET_ACCESS_KEY], "stderr");
    assert!(
        kit.only_request().verified(),
        "signed with the entry's secret key"
    );
}

/// Regression: without GPG_TTY exported, gpg got "not a tty", pinentry could not ask, and
/// the run failed with "No secret key". The direct gpg read asks on aws-auth's terminal.
#[test]
fn a_passphrase_key_asks_on_the_terminal_and_the_direct_read_goes_on() {
    let kit = locked_kit();
    let mut cmd = kit.profile("direct", &[]);
    cmd.env("FAKE_REAL_PASS", "/bin/false");
    typed_at_the_pinentry(&kit, &cmd);
    assert!(
        !kit.fakes.log().contains("pass\tshow"),
        "pass ran: {}",
        kit.fakes.log()
    );
}

/// The same through `pass show` (options the direct read leaves to pass: a glob character).
#[test]
fn a_passphrase_key_asks_on_the_terminal_through_pass_show_too() {
    let kit = locked_kit();
    let mut cmd = kit.profile("direct", &[]);
    cmd.env("PASSWORD_STORE_GPG_OPTS", "--comment=aws-auth*");
    typed_at_the_pinentry(&kit, &cmd);
    assert!(
        kit.fakes.log().contains("pass\tshow\taws-auth/direct"),
        "{}",
        kit.fakes.log()
    );
}

/// Without a terminal (cron), the error says the key is locked and how to unlock it ahead
/// of time; then, once unlocked in a terminal, the same cron run works.
#[test]
fn without_a_terminal_a_locked_key_is_named_with_how_to_unlock_it() {
    let kit = locked_kit();
    let out = run(&mut without_terminal(&kit.profile("direct", &[])));
    assert_clear_error(
        &out,
        1,
        &[
            "aws-auth/direct",
            "needs its passphrase",
            "no terminal or display",
            "pass show aws-auth/direct >/dev/null",
            "default-cache-ttl",
        ],
    );
    // Through pass show: pass's words, and the backend's hint on what to do.
    let mut cmd = kit.profile("direct", &[]);
    cmd.env("PASSWORD_STORE_GPG_OPTS", "--comment=aws-auth*");
    let out = run(&mut without_terminal(&cmd));
    assert_clear_error(
        &out,
        1,
        &[
            "not signed in / locked",
            "unlock it ahead of time",
            "pass show aws-auth/direct >/dev/null",
        ],
    );
    assert_eq!(kit.sts.request_count(), 0);
    // Unlocked ahead of time (as `pass show` in a terminal would), the cron run succeeds.
    let unlock = run(kit
        .pass()
        .env(&mut kit.sandbox.command("gpg"))
        .args([
            "--batch",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            PASSPHRASE,
            "--quiet",
            "-d",
            "-o",
            "/dev/null",
        ])
        .arg(kit.pass().store_dir().join(format!("{ENTRY}.gpg"))));
    unlock.assert_success();
    run(&mut without_terminal(&kit.profile("direct", &[]))).assert_success();
}

/// `--no-prompt` on a terminal: gpg-agent starts no pinentry (the direct read and `pass
/// show` alike), the run ends at once with exit 3 (a person must act) and says how to
/// unlock the key ahead of time.
#[test]
fn no_prompt_starts_no_pinentry_and_exits_3() {
    let kit = locked_kit();
    for through_pass in [false, true] {
        let mut cmd = kit.profile("direct", &["--no-prompt"]);
        if through_pass {
            cmd.env("PASSWORD_STORE_GPG_OPTS", "--comment=aws-auth*");
        }
        let term = Tmux::start(&kit.sandbox, &cmd);
        let (code, stdout, stderr) = term.finish(Duration::from_secs(30));
        assert!(!term.screen().contains("Passphrase"), "{}", term.screen());
        assert_eq!(code, 3, "through pass: {through_pass}\n{stderr}");
        assert_eq!(stdout, "");
        assert!(
            stderr.contains("pass show aws-auth/direct >/dev/null"),
            "{stderr}"
        );
        if !through_pass {
            assert!(
                stderr.contains("asking is turned off (--no-prompt)"),
                "{stderr}"
            );
        }
    }
    assert_eq!(kit.sts.request_count(), 0);
}
