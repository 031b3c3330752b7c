//! README's own commands, run as written by a newcomer: "Coming from the pass recipe" turns
//! the recipe's four real pass entries into a profile with its three commands, and the
//! one-line use after it gives a role session the real AWS CLI works with (moto's STS). A
//! README that drifts from what works fails here.

use crate::support::pass_store::REAL_PASS;
use crate::support::profile_kit::*;
use crate::support::tmux::Tmux;
use crate::support::*;
use std::time::Duration;

/// The first ```sh block after `heading` in README.md.
fn readme_block(heading: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let after = &readme[readme.find(heading).expect("README has the section")..];
    let start = after.find("```sh\n").expect("a sh block") + "```sh\n".len();
    after[start..start + after[start..].find("```").unwrap()].to_owned()
}

#[test]
fn the_pass_recipe_becomes_a_profile_with_readme_s_three_commands() {
    let kit = Kit::with_pass();
    let role = role_arn("recipe");
    for (entry, value) in [
        ("aws-access-key-id", SOURCE_ACCESS_KEY_ID),
        ("aws-secret-access-key", SOURCE_SECRET_ACCESS_KEY),
        ("aws-mfa-arn", SERIAL_NUMBER),
        ("aws-iam-role-arn", role.as_str()),
    ] {
        kit.pass_insert(entry, &format!("{value}\n"));
    }
    let commands = readme_block("## Coming from the pass recipe");
    assert_eq!(commands.lines().count(), 3, "{commands}");
    // The seed the last command reads, as a user would paste it (here: on stdin).
    let seed = kit.sandbox.write("seed", format!("{TOTP_SEED}\n"));
    let script = format!("set -e\nexec < '{}'\n{commands}", seed.display());
    let mut setup = kit.sandbox.shell("bash", &script);
    kit.env(&mut setup)
        .env("AWS_ENDPOINT_URL", &moto().url)
        .env("FAKE_REAL_PASS", REAL_PASS);
    let out = run_limited(&mut without_terminal(&setup), Duration::from_secs(120));
    out.assert_success();
    assert!(
        out.stdout_str().contains("✓ STS answers"),
        "doctor ran\n{}",
        out.describe()
    );
    assert_absent(
        &out.stderr,
        &[SOURCE_SECRET_ACCESS_KEY, TOTP_SEED],
        "stderr",
    );
    assert_absent(
        out.stdout_str(),
        &[SOURCE_SECRET_ACCESS_KEY, TOTP_SEED],
        "stdout",
    );

    let daily = readme_block("From then on:");
    assert_eq!(daily.trim(), "eval \"$(aws-auth --profile work)\"");
    let mut use_it = kit.sandbox.shell(
        "bash",
        &format!("{daily}aws sts get-caller-identity --query Arn --output text"),
    );
    // No region of the test's: the one README's `add` wrote is exported, and the CLI needs one.
    kit.env(&mut use_it).env("AWS_ENDPOINT_URL", &moto().url);
    let out = run(&mut without_terminal(&use_it));
    let arn = caller_arn(&out);
    assert!(
        arn.starts_with(&format!("arn:aws:sts::{ACCOUNT}:assumed-role/recipe/")),
        "{}",
        out.describe()
    );
}

/// README's first command with a GPG key that has a passphrase, as most pass users have,
/// typed into an interactive bash: the passphrase is asked once and the profile is made,
/// with its region. (README reads the entries one at a time because four `pass` at once
/// fought over one pinentry in a user's setup, pinentry-curses with a cold agent; with this
/// test's pinentry-tty the agent queued them, and the older line passed too.)
#[test]
fn the_recipe_s_first_command_asks_a_passphrase_key_once() {
    const PASSPHRASE: &str = "recipe passphrase 0815";
    let kit = Kit::with_pass_passphrase(PASSPHRASE);
    for (entry, value) in [
        ("aws-access-key-id", SOURCE_ACCESS_KEY_ID.to_owned()),
        ("aws-secret-access-key", SOURCE_SECRET_ACCESS_KEY.to_owned()),
        ("aws-mfa-arn", SERIAL_NUMBER.to_owned()),
        ("aws-iam-role-arn", role_arn("recipe")),
    ] {
        kit.pass_insert(entry, &format!("{value}\n"));
    }
    let commands = readme_block("## Coming from the pass recipe");
    let first = commands.lines().next().unwrap();
    // Typed into an interactive bash (job control on), whose ~/.bashrc exports GPG_TTY as
    // gpg advises.
    let mut cmd = kit.sandbox.command("bash");
    cmd.args(["--norc", "--noprofile", "-i"]);
    kit.env(&mut cmd)
        .env("FAKE_REAL_PASS", REAL_PASS)
        .env("PS1", "$ ");
    let term = Tmux::interactive(&kit.sandbox, &cmd);
    term.wait_for("$ ", Duration::from_secs(20));
    term.type_line("export GPG_TTY=$(tty)");
    term.type_line(&format!("{first}; echo \"rc=$?.\""));
    term.wait_for("Passphrase", Duration::from_secs(30));
    term.type_line(PASSPHRASE);
    let start = std::time::Instant::now();
    let ended = |screen: &str| (0..=9).any(|d| screen.contains(&format!("rc={d}")));
    while !ended(&term.screen()) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{}",
            term.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let screen = term.screen();
    assert!(screen.contains("rc=0."), "{screen}");
    assert_eq!(screen.matches("Passphrase").count(), 1, "{screen}");
    assert_absent(
        &screen,
        &[PASSPHRASE, SOURCE_SECRET_ACCESS_KEY],
        "the screen",
    );
    let profiles =
        std::fs::read_to_string(kit.sandbox.path("home/.config/aws-auth/profiles.toml")).unwrap();
    assert!(profiles.contains("region = \"eu-west-1\""), "{profiles}");
}
