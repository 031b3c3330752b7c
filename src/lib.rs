//! aws-auth turns the AWS keys a person keeps in a password manager into short-lived STS
//! credentials, printed for a shell to `eval`. `main_entry` is the whole program; modules
//! return typed errors and only this file turns them into messages and exit codes.

// Errors are the cold path of a one-shot command; their size costs nothing that matters.
#![allow(clippy::result_large_err)]

pub mod add;
pub mod backend;
pub mod ca_bundle;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod error;
pub mod flow;
pub mod list;
pub mod passwd;
pub mod process;
pub mod profile;
pub mod reference;
pub mod render;
pub mod session_name;
pub mod sts;
pub mod sts_client;
pub mod totp;
pub mod tty;
pub mod validate;

use clap::Parser;
use std::io::Write;

/// Parses the command line, runs, prints the result or the error; returns the exit code.
/// stdout is written once, and only after everything succeeded.
pub fn main_entry() -> i32 {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let result = match cli.command {
        None => flow::run(cli.flow, cli.profile.as_deref(), cli.config.as_deref()),
        Some(cli::Command::Add(args)) => add::run(args),
        Some(cli::Command::Profiles(args)) => list::run(args.config.as_deref()),
    };
    let result = result.and_then(|out| {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(error::Error::Output)
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("aws-auth: error: {e}");
            e.exit_code()
        }
    }
}
