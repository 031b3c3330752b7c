//! Reading a pass entry as `pass show` does, without pass: pass 1.7 is a bash script that
//! starts about eight programs to run one `gpg -d`; this runs that `gpg -d` alone, with
//! exactly pass's program choice (gpg2 when it is on PATH, else gpg), options
//! (`$PASSWORD_STORE_GPG_OPTS --quiet --yes --compress-algo=none --no-encrypt-to`, plus
//! `--batch --use-agent` for gpg2 or with GPG_AGENT_INFO), store directory and GPG_TTY (the
//! controlling terminal's name, so a passphrase is asked there), plus `--status-fd 2`, whose
//! lines tell a locked key (named with how to unlock it) from a missing one.
//! Whenever it cannot be sure to do what pass would, it answers `None` and the caller runs
//! `pass show`: no entry file (pass explains), a sneaky path, options bash would glob, no
//! gpg, or a gpg failure (pass's own message is what the error classes know).

use super::FetchErrorKind;
use super::spec::Spec;
use crate::secrets::process::{self, RunError};
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The entry's decrypted text, or `None` when `pass show` must run instead.
pub fn read(
    spec: &Spec,
    entry: &str,
    home: Option<&Path>,
    limit: Duration,
) -> Option<Result<SecretString, FetchErrorKind>> {
    if sneaky(entry) {
        return None;
    }
    let file = spec.entry_path(entry, home)?;
    if !file.is_file() {
        return None;
    }
    let gpg = gpg_program()?;
    let args = arguments(
        &gpg,
        std::env::var("PASSWORD_STORE_GPG_OPTS").ok().as_deref(),
        crate::env::var("GPG_AGENT_INFO").is_some(),
        &file,
    )?;
    // pass exports GPG_TTY="$(tty)": the controlling terminal's name when there is one (the
    // runner sets it), else "not a tty", what `tty` prints with stdin closed.
    let no_tty = [("GPG_TTY", "not a tty")];
    let has_tty =
        std::env::var_os("GPG_TTY").is_some() || crate::secrets::tty::controlling_name().is_some();
    let env: &[(&str, &str)] = if has_tty { &[] } else { &no_tty };
    match process::run_with_env(&gpg.to_string_lossy(), &args, env, limit) {
        // From the zeroizing buffer straight into the secret: no intermediate copy.
        Ok(done) if done.code == Some(0) => match std::str::from_utf8(&done.stdout) {
            Ok(text) if !text.trim().is_empty() => Some(Ok(SecretString::from(text))),
            // Not text, or nothing: let pass show what it makes of it.
            _ => None,
        },
        // The secret key is there but could not be used: its passphrase was not given.
        Ok(done) if locked(&done.stderr) => Some(Err(FetchErrorKind::NotSignedIn(locked_advice(
            entry,
            has_tty && !process::asking_off(),
        )))),
        // No such key, no agent...: pass would fail the same way and say it in the words
        // the backend's error classes recognise.
        Ok(_) => None,
        // Running pass too would only wait as long again.
        Err(RunError::Timeout { limit, .. }) => Some(Err(FetchErrorKind::Timeout(limit))),
        Err(_) => None,
    }
}

/// gpg's status lines (`--status-fd 2`) for a key it has (KEY_CONSIDERED) and still could not
/// decrypt with: the passphrase was not given (no pinentry could ask, or it was cancelled).
/// A key that is not there at all considers nothing.
fn locked(status: &str) -> bool {
    status.contains("[GNUPG:] KEY_CONSIDERED") && status.contains("[GNUPG:] DECRYPTION_FAILED")
}

/// What to do about a key whose passphrase gpg-agent could not get.
fn locked_advice(entry: &str, had_terminal: bool) -> String {
    let ahead = format!(
        "unlock it ahead of time: run `pass show {entry} >/dev/null` once in a terminal, and gpg-agent keeps the \
         passphrase for default-cache-ttl seconds (600 by default; raise default-cache-ttl and max-cache-ttl in \
         ~/.gnupg/gpg-agent.conf)"
    );
    if process::asking_off() {
        format!(
            "the GPG key that decrypts {entry} needs its passphrase, and asking is turned off (--no-prompt), so \
             gpg-agent's pinentry was not started; {ahead}"
        )
    } else if had_terminal {
        format!(
            "the GPG key that decrypts {entry} needs its passphrase, and gpg-agent's pinentry did not get it (cancelled, \
             timed out, or it could not open the terminal); run again and type it at the prompt, or {ahead}"
        )
    } else {
        format!(
            "the GPG key that decrypts {entry} needs its passphrase, and there is no terminal or display for \
             gpg-agent's pinentry to ask on (cron, an IDE, a background job); {ahead}"
        )
    }
}

/// pass's check_sneaky_paths: `..` as a path component.
fn sneaky(entry: &str) -> bool {
    entry.split('/').any(|part| part == "..")
}

/// `gpg2` when `which gpg2` would find it, else `gpg`, as pass chooses.
fn gpg_program() -> Option<PathBuf> {
    process::find_program("gpg2").or_else(|| process::find_program("gpg"))
}

/// pass's `$GPG -d "${GPG_OPTS[@]}" "$passfile"`, or `None` when the options hold what bash
/// would expand as a glob.
fn arguments(
    gpg: &Path,
    store_opts: Option<&str>,
    agent_info: bool,
    file: &Path,
) -> Option<Vec<String>> {
    let mut args = vec!["-d".to_owned()];
    if let Some(opts) = store_opts {
        if opts.contains(['*', '?', '[']) {
            return None;
        }
        // Unquoted expansion: split on the default IFS (space, tab, newline).
        args.extend(
            opts.split([' ', '\t', '\n'])
                .filter(|w| !w.is_empty())
                .map(str::to_owned),
        );
    }
    // Status lines on stderr tell a locked key from a missing one; they change nothing else.
    args.extend(["--status-fd".to_owned(), "2".to_owned()]);
    args.extend(
        [
            "--quiet",
            "--yes",
            "--compress-algo=none",
            "--no-encrypt-to",
        ]
        .map(str::to_owned),
    );
    // --no-prompt: gpg-agent starts no pinentry; a key it holds no passphrase for fails.
    if process::asking_off() {
        args.extend(process::NO_PINENTRY.map(str::to_owned));
    }
    let is_gpg2 = gpg.file_name().is_some_and(|n| n == "gpg2");
    if agent_info || is_gpg2 {
        args.extend(["--batch", "--use-agent"].map(str::to_owned));
    }
    args.push(file.to_string_lossy().into_owned());
    Some(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arguments_are_pass_s_own() {
        let file = Path::new("/s/aws/work.gpg");
        assert_eq!(
            arguments(Path::new("/usr/bin/gpg"), None, false, file).unwrap(),
            [
                "-d",
                "--status-fd",
                "2",
                "--quiet",
                "--yes",
                "--compress-algo=none",
                "--no-encrypt-to",
                "/s/aws/work.gpg"
            ]
        );
        assert_eq!(
            arguments(
                Path::new("/usr/bin/gpg2"),
                Some(" --trust-model\talways \n"),
                false,
                file
            )
            .unwrap(),
            [
                "-d",
                "--trust-model",
                "always",
                "--status-fd",
                "2",
                "--quiet",
                "--yes",
                "--compress-algo=none",
                "--no-encrypt-to",
                "--batch",
                "--use-agent",
                "/s/aws/work.gpg"
            ]
        );
        let with_agent = arguments(Path::new("/usr/bin/gpg"), Some(""), true, file).unwrap();
        assert!(with_agent.ends_with(&[
            "--batch".into(),
            "--use-agent".into(),
            "/s/aws/work.gpg".into()
        ]));
        assert_eq!(
            arguments(Path::new("gpg"), Some("--homedir ~/g*"), false, file),
            None
        );
    }

    #[test]
    fn a_key_that_is_there_but_not_unlocked_is_told_from_a_missing_one() {
        let locked_run = "[GNUPG:] ENC_TO 3295BA49BAB2A9A2 18 0 [GNUPG:] KEY_CONSIDERED FDED778E 0 \
            [GNUPG:] PINENTRY_LAUNCHED 25086 curses 1.2.1 not a tty xterm - ? 0/0 - [GNUPG:] BEGIN_DECRYPTION \
            [GNUPG:] DECRYPTION_FAILED gpg: decryption failed: No secret key [GNUPG:] END_DECRYPTION";
        let missing = "[GNUPG:] ENC_TO 3295BA49BAB2A9A2 18 0 [GNUPG:] BEGIN_DECRYPTION [GNUPG:] DECRYPTION_FAILED \
            gpg: decryption failed: No secret key [GNUPG:] END_DECRYPTION";
        assert!(locked(locked_run));
        assert!(!locked(missing));
        assert!(!locked(
            "[GNUPG:] KEY_CONSIDERED X 0 [GNUPG:] DECRYPTION_OKAY"
        ));
        let cron = locked_advice("aws-auth/work", false);
        assert!(
            cron.contains("no terminal or display")
                && cron.contains("pass show aws-auth/work >/dev/null"),
            "{cron}"
        );
        assert!(cron.contains("default-cache-ttl"), "{cron}");
        let cancelled = locked_advice("aws-auth/work", true);
        assert!(cancelled.contains("type it at the prompt"), "{cancelled}");
    }

    #[test]
    fn sneaky_paths_are_left_to_pass() {
        for entry in ["..", "../x", "a/../b", "a/.."] {
            assert!(sneaky(entry), "{entry}");
        }
        for entry in ["a..b", "..a", "a/b..", "aws-auth/work"] {
            assert!(!sneaky(entry), "{entry}");
        }
    }
}
