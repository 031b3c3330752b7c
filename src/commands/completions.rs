//! `aws-auth completions SHELL`: the shell code that completes aws-auth (flags and
//! subcommands from the clap definitions; profile names by calling back into aws-auth with
//! `AWS_AUTH_COMPLETE` set, so new profiles complete without regenerating). Reads no secret.

use crate::cli::{COMPLETE_VAR, CompletionShell};
use crate::error::Error;
use zeroize::Zeroizing;

/// The registration script for `shell`: the shell calls the binary it names to complete,
/// `program` or this one.
pub fn completions(
    shell: CompletionShell,
    program: Option<&str>,
) -> Result<Zeroizing<String>, Error> {
    let name = match shell {
        CompletionShell::Bash => "bash",
        CompletionShell::Zsh => "zsh",
        CompletionShell::Fish => "fish",
        CompletionShell::Powershell => "powershell",
        CompletionShell::Elvish => "elvish",
    };
    let shells = clap_complete::env::Shells::builtins();
    let completer = shells
        .completer(name)
        .ok_or_else(|| Error::io("the completion script", format!("none is made for {name}")))?;
    // The binary that answers: this one, by its full path, so completion works whatever
    // PATH the shell has later. It goes into the script unquoted: a path with anything but
    // plain characters (a folder named `$(...)`) would be code, so PATH's aws-auth answers.
    let binary = match program {
        Some(program) if plain(program) => program.to_owned(),
        Some(program) => {
            return Err(Error::Usage(format!(
                "--program {program:?}: a path of letters, digits and / . _ + - only (it goes into shell code)"
            )));
        }
        None => std::env::current_exe()
            .ok()
            .and_then(|p| p.to_str().map(str::to_owned))
            .filter(|p| plain(p))
            .unwrap_or_else(|| "aws-auth".to_owned()),
    };
    let mut out = Vec::new();
    completer
        .write_registration(COMPLETE_VAR, "aws-auth", "aws-auth", &binary, &mut out)
        .map_err(|e| Error::io("the completion script", e))?;
    String::from_utf8(out)
        .map(Zeroizing::new)
        .map_err(|_| Error::io("the completion script", "it is not UTF-8"))
}

/// Letters, digits and `/._+-`: nothing a shell would expand or split.
fn plain(path: &str) -> bool {
    !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._+-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_called_back_is_a_plain_path_or_refused() {
        let script = completions(CompletionShell::Bash, Some("/usr/bin/aws-auth")).unwrap();
        assert!(
            script.contains("\"/usr/bin/aws-auth\" -- "),
            "{}",
            script.as_str()
        );
        for bad in [
            "/tmp/$(touch x)/aws-auth",
            "/a b/aws-auth",
            "aws-auth;id",
            "",
        ] {
            assert!(
                completions(CompletionShell::Bash, Some(bad)).is_err(),
                "{bad:?}"
            );
        }
        assert!(plain("/home/a.b/.cargo/bin/aws-auth"));
        assert!(!plain("/home/a`b`/aws-auth"));
    }

    #[test]
    fn every_shell_gets_a_script_that_calls_back_with_our_variable() {
        for shell in [
            CompletionShell::Bash,
            CompletionShell::Zsh,
            CompletionShell::Fish,
            CompletionShell::Powershell,
            CompletionShell::Elvish,
        ] {
            let script = completions(shell, None).unwrap();
            assert!(
                script.contains(COMPLETE_VAR),
                "{shell:?}: {}",
                script.as_str()
            );
        }
    }
}
