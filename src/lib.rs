//! aws-auth turns the AWS keys a person keeps in a password manager into short-lived STS
//! credentials, printed for a shell to `eval`. `main_entry` is the whole program; modules
//! return typed errors and only this file turns them into messages and exit codes.

// Errors are the cold path of a one-shot command; their size costs nothing that matters.
#![allow(clippy::result_large_err)]

pub mod cache;
pub mod cli;
pub mod commands;
pub mod credentials;
pub mod deferral;
pub mod endpoint_url;
pub mod env;
pub mod error;
pub mod hardening;
pub mod output;
pub mod passwd;
pub mod providers;
pub mod report;
pub mod safe_file;
pub mod secrets;
pub mod settings;
pub mod sts;
pub mod suggest;
pub mod toml_error;

use clap::Parser;
use std::io::Write;
use std::sync::Arc;
use zeroize::Zeroizing;

/// How a run ends when it succeeds.
pub enum Outcome {
    /// The result, for stdout.
    Print(Zeroizing<String>),
    /// Nothing more to print: exit with this code (a child's status under `serve`).
    Exit(i32),
}

/// Parses the command line, runs, prints the result or the error; returns the exit code.
/// stdout is written once, and only after everything succeeded.
pub fn main_entry() -> i32 {
    let started = hardening::at_start();
    // A shell asking for completions (AWS_AUTH_COMPLETE set): answer and exit.
    clap_complete::CompleteEnv::with_factory(<cli::Cli as clap::CommandFactory>::command)
        .var(cli::COMPLETE_VAR)
        .complete();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `aws-auth work`, as aws-vault's habits suggest, or a typo: say the way in a line.
            if let Some(line) = unknown_command(&e) {
                say!("aws-auth: error: {line}");
                return 2;
            }
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    // A run whose result would be lost fails before it asks for a code or calls STS.
    let prints = match &cli.command {
        None => true,
        Some(cli::Command::Serve(args)) => args.command.is_empty(),
        Some(cli::Command::Profiles(_))
        | Some(cli::Command::Cache(_))
        | Some(cli::Command::Doctor(_))
        | Some(cli::Command::Completions { .. })
        | Some(cli::Command::Man)
        | Some(cli::Command::Init(_))
        | Some(cli::Command::Status(_)) => true,
        Some(cli::Command::Exec(_))
        | Some(cli::Command::Add(_))
        | Some(cli::Command::Configure(_))
        | Some(cli::Command::Import(_))
        | Some(cli::Command::Migrate(_))
        | Some(cli::Command::Rotate(_)) => false,
        Some(cli::Command::Login(args)) => args.print,
    };
    if prints && started.stdout_unusable {
        say!("aws-auth: error: {}", error::Error::StdoutUnusable);
        return 1;
    }
    // Shell code shown on a terminal was probably meant for eval: said after it, once it is out.
    let mut after = None;
    let result = match cli.command {
        None => {
            after = output::render::eval_hint(cli.format, cli.target.profile.as_deref());
            session(&cli.target, &cli.flow)
                .and_then(|session| session.obtain())
                .and_then(|issued| {
                    output::render::render(
                        &issued.credentials,
                        issued.region.as_deref(),
                        cli.target.profile.as_deref(),
                        cli.format,
                    )
                    .map_err(error::Error::from)
                })
                .map(Outcome::Print)
        }
        Some(cli::Command::Exec(args)) => {
            if let Some(hint) = cli::profile_as_command(&args.target, &args.command) {
                return fail(error::Error::Usage(hint));
            }
            session(&args.target, &args.flow).and_then(|session| {
                let issued = session.obtain()?;
                Err(output::exec::run(&issued, args.command, session.settings()))
            })
        }
        Some(cli::Command::Serve(args)) => {
            if let Some(hint) = cli::profile_as_command(&args.target, &args.command) {
                return fail(error::Error::Usage(hint));
            }
            session(&args.target, &args.flow).and_then(|session| {
                output::serve::run(
                    Arc::new(session),
                    args.format,
                    args.until_exit,
                    args.command,
                )
            })
        }
        Some(cli::Command::Cache(command)) => commands::cache::run(command),
        Some(cli::Command::Add(args)) => commands::add::run(args).map(Outcome::Print),
        Some(cli::Command::Configure(args)) => commands::configure::run(args).map(Outcome::Print),
        Some(cli::Command::Doctor(args)) => commands::doctor::run(args),
        Some(cli::Command::Import(args)) => commands::import::run(args).map(Outcome::Print),
        Some(cli::Command::Migrate(args)) => commands::migrate::run(args).map(Outcome::Print),
        Some(cli::Command::Rotate(args)) => commands::rotate::run(args).map(Outcome::Print),
        Some(cli::Command::Login(args)) => commands::login::run(args).map(Outcome::Print),
        Some(cli::Command::Completions { shell, program }) => {
            commands::completions::completions(shell, program.as_deref()).map(Outcome::Print)
        }
        Some(cli::Command::Man) => commands::man::man().map(Outcome::Print),
        Some(cli::Command::Init(args)) => commands::init::run(&args).map(Outcome::Print),
        Some(cli::Command::Status(args)) => commands::status::run(args.format),
        Some(cli::Command::Profiles(args)) => commands::profiles::run(&args).map(Outcome::Print),
    };
    let code = match result.and_then(|outcome| match outcome {
        Outcome::Print(out) => write_stdout(out.as_bytes()).map(|()| 0),
        Outcome::Exit(code) => Ok(code),
    }) {
        Ok(code) => {
            if let Some(hint) = after {
                say!("{hint}");
            }
            code
        }
        Err(e) => fail(e),
    };
    // A signal deferred while a step had to finish (rotate, migrate): everything is reported now.
    deferral::act_on_pending();
    code
}

/// The run's settings, resolved once, and the session that obtains its credentials.
fn session(
    target: &cli::Target,
    flags: &cli::FlowArgs,
) -> Result<providers::Session, error::Error> {
    providers::Session::new(settings::run::RunSettings::resolve(target, flags)?)
}

/// The one place an error becomes its message on stderr and its exit code.
fn fail(e: error::Error) -> i32 {
    say!("aws-auth: error: {e}");
    e.exit_code()
}

/// What to say about an "unrecognized subcommand": a profile's name (`aws-auth work`) is
/// pointed at --profile, a near miss of a command named, anything else told where to look.
fn unknown_command(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::InvalidSubcommand {
        return None;
    }
    let Some(ContextValue::String(word)) = e.get(ContextKind::InvalidSubcommand) else {
        return None;
    };
    if settings::files::names(None).contains(word) {
        return Some(format!(
            "\"{word}\" is a profile, not a command: run aws-auth --profile {word} (or -p {word})"
        ));
    }
    let command = <cli::Cli as clap::CommandFactory>::command();
    let names: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
    Some(match suggest::nearest(word, names.iter().copied()) {
        Some(near) => format!(
            "\"{word}\" is not a command; did you mean \"{near}\"? (aws-auth --help lists them)"
        ),
        None => format!(
            "\"{word}\" is not a command (aws-auth --help lists them); for a profile of that name: aws-auth --profile {word}"
        ),
    })
}

/// Writes the result to fd 1 with `write(2)` directly, in one call when the pipe takes it:
/// std's stdout reports success on a closed or read-only fd 1 (EBADF), which would discard
/// the credentials with exit 0. A failure part-way (a full disk) is an error.
pub fn write_stdout(bytes: &[u8]) -> Result<(), error::Error> {
    if bytes.is_empty() {
        return Ok(());
    }
    if hardening::started().is_some_and(|s| s.stdout_unusable) {
        return Err(error::Error::StdoutUnusable);
    }
    let _ = std::io::stdout().lock().flush();
    let mut rest = bytes;
    while !rest.is_empty() {
        // SAFETY: writes from a live slice of `rest.len()` bytes.
        let n = unsafe { libc::write(libc::STDOUT_FILENO, rest.as_ptr().cast(), rest.len()) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error::Error::Output(e));
        }
        if n == 0 {
            return Err(error::Error::Output(std::io::ErrorKind::WriteZero.into()));
        }
        rest = &rest[n as usize..];
    }
    Ok(())
}
