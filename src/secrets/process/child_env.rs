//! What a child's environment is made of: never a secret of aws-auth's (its own AWS
//! variables, the variables a profile reads a secret from), and for a password manager the
//! terminal gpg-agent's pinentry may ask on, a HOME, and under `--no-prompt` no pinentry at all.

use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Variables a child never needs: aws-auth's own AWS secrets.
const SCRUBBED: &[&str] = &[
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
];

/// Variables named by the profile's `env:` references: they hold secrets, so no child
/// (password manager, the gpg-agent one may start, a command under exec or serve) gets them.
static SCRUBBED_TOO: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// From now on, no child of this process inherits `var`.
pub fn scrub(var: &str) {
    let mut names = SCRUBBED_TOO.lock().unwrap_or_else(|e| e.into_inner());
    if !names.iter().any(|n| n == var) {
        names.push(var.to_owned());
    }
}

/// Removes every variable a child must not inherit.
pub(super) fn remove_secrets(command: &mut Command) {
    for var in SCRUBBED {
        command.env_remove(var);
    }
    for var in SCRUBBED_TOO
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        command.env_remove(var);
    }
}

/// Set once asking is turned off for the run (`--no-prompt`): then no child asks either.
static ASKING_OFF: AtomicBool = AtomicBool::new(false);

/// From now on no child asks for anything: gpg (under pass, or aws-auth's own read of a pass
/// entry) runs with `--pinentry-mode error`, so a key whose passphrase gpg-agent does not
/// hold fails at once instead of a pinentry appearing on the terminal or the desktop.
pub fn turn_asking_off() {
    ASKING_OFF.store(true, Ordering::SeqCst);
}

pub fn asking_off() -> bool {
    ASKING_OFF.load(Ordering::SeqCst)
}

/// The gpg option that keeps gpg-agent from starting a pinentry.
pub const NO_PINENTRY: [&str; 2] = ["--pinentry-mode", "error"];

/// The environment of a password manager (the runner's children).
pub(super) fn for_password_manager(command: &mut Command) {
    remove_secrets(command);
    // gpg (under pass, gopass or our own read of a pass entry) asks for a key's passphrase
    // through gpg-agent's pinentry, on the terminal GPG_TTY names: pass's `$(tty)` cannot
    // name it (stdin is not the terminal), so the controlling terminal's name goes along.
    if std::env::var_os("GPG_TTY").is_none()
        && let Some(tty) = crate::secrets::tty::controlling_name()
    {
        command.env("GPG_TTY", tty);
    }
    // pass passes these to every gpg it runs.
    if asking_off() {
        let mut opts = std::env::var("PASSWORD_STORE_GPG_OPTS").unwrap_or_default();
        for word in NO_PINENTRY {
            opts.push(' ');
            opts.push_str(word);
        }
        command.env("PASSWORD_STORE_GPG_OPTS", opts.trim_start());
    }
    // cron may set no HOME; pass, gpg and friends find their stores through it.
    if crate::env::var("HOME").is_none()
        && let Some(home) = crate::passwd::home_dir()
    {
        command.env("HOME", home);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Item 7: a variable handed to `scrub` never reaches a child.
    #[test]
    fn scrubbed_variables_never_reach_children() {
        scrub("HOME_FOR_SCRUB_TEST_NEVER_SET");
        scrub("PATH_SCRUB_PROBE");
        let mut command = Command::new("env");
        command.env("PATH_SCRUB_PROBE", "secret-value");
        remove_secrets(&mut command);
        let out = command.output().unwrap();
        assert!(!String::from_utf8_lossy(&out.stdout).contains("secret-value"));
        let names = SCRUBBED_TOO.lock().unwrap();
        assert_eq!(names.iter().filter(|n| *n == "PATH_SCRUB_PROBE").count(), 1);
    }

    /// A password manager never sees aws-auth's own AWS secrets, whatever name they go by
    /// (AWS_SECURITY_TOKEN is the old name of the session token). The integration test
    /// `backends::password_managers_never_see_aws_secrets_from_the_environment` checks the
    /// same through a real child.
    #[test]
    fn aws_secrets_are_scrubbed_from_children() {
        for name in [
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
        ] {
            assert!(SCRUBBED.contains(&name), "{name} reaches password managers");
        }
    }
}
