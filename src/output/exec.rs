//! `aws-auth exec`: the command runs in place of aws-auth (execve), with the credentials in
//! its environment, so its signals, its stdout and its exit status are its own.

use crate::credentials::{Issued, format_expiration};
use crate::error::Error;
use crate::output::vars::{To, Vars};
use crate::secrets::process::{self, ChildEnv};
use crate::settings::run::RunSettings;
use std::ffi::OsString;

/// Replaces this process with `command` (default `$SHELL`, else /bin/sh), with the
/// credentials in its environment and none of the variables `settings` reads secrets from.
/// Returns only the error of a command that could not be started.
pub fn run(issued: &Issued, command: Vec<OsString>, settings: &RunSettings) -> Error {
    let mut command = command.into_iter();
    let program = command
        .next()
        .or_else(|| std::env::var_os("SHELL").filter(|s| !s.is_empty()))
        .unwrap_or_else(|| OsString::from("/bin/sh"));
    let args: Vec<OsString> = command.collect();
    let expiration = format_expiration(&issued.credentials.expiration);
    let vars = Vars::session(
        &issued.credentials,
        issued.region.as_deref(),
        &expiration,
        To::Command {
            profile: settings.profile(),
            scrub: &settings.scrub,
        },
    );
    let env = ChildEnv {
        set: vars.set,
        remove: vars.unset,
    };
    let source = process::exec(&program, &args, &env);
    Error::Exec {
        program: crate::report::clean(&program.to_string_lossy()),
        source,
    }
}
