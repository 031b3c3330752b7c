//! Reading a pass entry as `pass show` does, without pass: pass 1.7 is a bash script that
//! starts about eight programs to run one `gpg -d`; this runs that `gpg -d` alone, with
//! exactly pass's program choice (gpg2 when it is on PATH, else gpg), options
//! (`$PASSWORD_STORE_GPG_OPTS --quiet --yes --compress-algo=none --no-encrypt-to`, plus
//! `--batch --use-agent` for gpg2 or with GPG_AGENT_INFO), store directory and GPG_TTY.
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
    let tty_default = [("GPG_TTY", "not a tty")];
    let env: &[(&str, &str)] = if std::env::var_os("GPG_TTY").is_none() {
        // pass exports GPG_TTY="$(tty)", which with stdin closed prints "not a tty".
        &tty_default
    } else {
        &[]
    };
    match process::run_with_env(&gpg.to_string_lossy(), &args, env, limit) {
        // From the zeroizing buffer straight into the secret: no intermediate copy.
        Ok(done) if done.code == Some(0) => match std::str::from_utf8(&done.stdout) {
            Ok(text) if !text.trim().is_empty() => Some(Ok(SecretString::from(text))),
            // Not text, or nothing: let pass show what it makes of it.
            _ => None,
        },
        // A locked key, no agent...: pass would fail the same way and say it in the words
        // the backend's error classes recognise.
        Ok(_) => None,
        // Running pass too would only wait as long again.
        Err(RunError::Timeout { limit, .. }) => Some(Err(FetchErrorKind::Timeout(limit))),
        Err(_) => None,
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
    args.extend(
        [
            "--quiet",
            "--yes",
            "--compress-algo=none",
            "--no-encrypt-to",
        ]
        .map(str::to_owned),
    );
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
    fn sneaky_paths_are_left_to_pass() {
        for entry in ["..", "../x", "a/../b", "a/.."] {
            assert!(sneaky(entry), "{entry}");
        }
        for entry in ["a..b", "..a", "a/b..", "aws-auth/work"] {
            assert!(!sneaky(entry), "{entry}");
        }
    }
}
