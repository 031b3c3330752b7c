//! `aws-auth init SHELL`: the shell integration a user puts in their rc file. One function
//! (`awsa`, or `--name`) switches the shell's credentials only when aws-auth succeeded,
//! starts `serve` for the shell, or puts back what the shell had; a prompt hook renews the
//! credentials from the cache before they expire, with shell built-ins on every other prompt;
//! completion offers the profiles and the main command's flags. The code for each shell is
//! a file beside this one; the function's name and the flag list are filled in here.

use crate::cli::{Cli, InitArgs, InitShell};
use crate::error::Error;
use zeroize::Zeroizing;

const BASH: &str = include_str!("init/bash.sh");
const ZSH: &str = include_str!("init/zsh.zsh");
const FISH: &str = include_str!("init/fish.fish");
const POWERSHELL: &str = include_str!("init/powershell.ps1");

/// The longest function name taken.
const MAX_NAME: usize = 32;

pub fn run(args: &InitArgs) -> Result<Zeroizing<String>, Error> {
    check_name(&args.name)?;
    Ok(Zeroizing::new(code(args.shell, &args.name)))
}

/// The integration for `shell`, its function named `name` (already checked).
pub fn code(shell: InitShell, name: &str) -> String {
    let template = match shell {
        InitShell::Bash => BASH,
        InitShell::Zsh => ZSH,
        InitShell::Fish => FISH,
        InitShell::Powershell => POWERSHELL,
    };
    template
        .replace("@NAME@", name)
        .replace("@FLAGS@", &flags().join(" "))
}

/// A function name every shell takes as a plain word: a letter or `_`, then letters,
/// digits, `_` and `-`.
fn check_name(name: &str) -> Result<(), Error> {
    let mut chars = name.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && name.len() <= MAX_NAME;
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "--name {name:?} is not a function name every shell takes: a letter or _, then letters, digits, _ \
             or -, at most {MAX_NAME} characters"
        )))
    }
}

/// The main command's long flags a switch takes (`--format` is the function's own), from
/// the same definitions as `--help`, so completion never lags behind.
fn flags() -> Vec<String> {
    let command = <Cli as clap::CommandFactory>::command();
    command
        .get_arguments()
        .filter_map(|arg| arg.get_long())
        .filter(|long| !["format", "help", "version", "profile"].contains(long))
        .map(|long| format!("--{long}"))
        .collect()
}

#[cfg(test)]
mod tests;
