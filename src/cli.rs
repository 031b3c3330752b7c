//! The command line: clap derive, one doc comment per flag (that is the `--help` text).
//! Flag names stay compatible with the original shell helper.

use crate::output::render::Format;
use clap::{Parser, Subcommand};
use clap_complete::engine::ArgValueCompleter;
use secrecy::SecretString;
use std::ffi::OsString;
use std::path::PathBuf;

mod scope;
mod setup;
mod shell;
pub use scope::ScopeArgs;
pub use setup::{
    AddArgs, CacheCommand, ConfigureArgs, DoctorArgs, ImportArgs, MigrateArgs, NewKeys,
    ProfilesArgs, RotateArgs,
};
pub use shell::{CompletionShell, InitArgs, InitShell, StatusArgs};

/// Turn the AWS keys in your password manager into short-lived STS credentials:
/// eval "$(aws-auth --profile work)"
#[derive(Parser)]
#[command(name = "aws-auth", version, about, long_about = None, max_term_width = 100, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub target: Target,

    #[command(flatten)]
    pub flow: FlowArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Sh, value_name = "FORMAT")]
    pub format: Format,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run a command with the credentials in its environment (execve: its signals, its exit
    /// status). The command defaults to $SHELL.
    Exec(ExecArgs),
    /// Serve the credentials to AWS SDKs over the container-credentials endpoint on loopback,
    /// refreshing them in the background; with a command, run it with the endpoint's address
    /// and token (never the keys) and stop when it ends.
    Serve(ServeArgs),
    /// Show the session cache: where it lives, what it holds, and clear it.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Store a profile's access keys in a password manager and add the profile to
    /// profiles.toml. Keys are read from the terminal, or from stdin (two lines: access key
    /// id, secret access key) when stdin is not a terminal.
    Add(AddArgs),
    /// Change a profile of profiles.toml without typing its keys again: its MFA device, role
    /// or region (edited in place, comments kept), and with --totp its TOTP seed (asked
    /// hidden, or read from stdin; stored in the profile's backend, never on argv).
    Configure(ConfigureArgs),
    /// List the profiles of profiles.toml and ~/.aws/config with their backend, role and
    /// where each comes from (reads no secret).
    Profiles(ProfilesArgs),
    /// Move the plain-text keys of a section of ~/.aws/credentials into a password manager
    /// and add the profile; the file loses those two lines only once the keys read back.
    Import(ImportArgs),
    /// Move a profile's long-term keys (and MFA device, role and TOTP seed) to another
    /// store: written there, read back and compared, the profile switched to read from it,
    /// and only then removed from the old one (--keep leaves them). A failure before the
    /// switch leaves the profile and both stores as they were.
    Migrate(MigrateArgs),
    /// Check a setup, one line per check: the files and their permissions, the profile's
    /// backends (values never shown), the cache store, STS and the keys (GetCallerIdentity:
    /// no MFA code is used), the clock. Exits 0 only when every check passes.
    Doctor(DoctorArgs),
    /// Replace a profile's access key: CreateAccessKey, store the new key where the profile
    /// reads it (pass, passage, gopass or the keyring), check it works, then DeleteAccessKey
    /// of the old one. A failure at any step leaves a working key stored.
    Rotate(RotateArgs),
    /// Open the AWS console signed in with the profile's role (or, without a role, a
    /// federation token): the sign-in URL goes to the browser through a one-shot loopback
    /// redirect, never on a command line; --print prints it instead.
    Login(LoginArgs),
    /// Print the shell code that completes aws-auth's flags, subcommands and profile names:
    /// source <(aws-auth completions bash)
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        #[arg(value_enum)]
        shell: CompletionShell,

        /// The aws-auth the script calls back (default: this binary's own path); for a
        /// package, where it will be installed (/usr/bin/aws-auth).
        #[arg(long, value_name = "PATH")]
        program: Option<String>,
    },
    /// Print the man page (aws-auth man | man -l -).
    Man,
    /// Print the shell integration for your rc file: a function that switches profiles in
    /// this shell (`awsa work`, `awsa --serve work`, `awsa -`), a prompt hook that refreshes
    /// them from the cache before they expire, and completion. bash: eval "$(aws-auth init
    /// bash)"; fish: aws-auth init fish | source.
    Init(InitArgs),
    /// Which aws-auth credentials this shell holds and the time they have left, from the
    /// environment alone (fast enough for every prompt); exit 1 when none or expired.
    Status(StatusArgs),
}

/// The variable under which a shell asks aws-auth for completions (generic names such as
/// COMPLETE could be set for another program).
pub const COMPLETE_VAR: &str = "AWS_AUTH_COMPLETE";

/// Profile names from profiles.toml and the AWS config file that start with what was typed
/// (a file that cannot be read adds nothing: a completion never prints an error).
pub(crate) fn profile_names(
    current: &std::ffi::OsStr,
) -> Vec<clap_complete::engine::CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    let names = crate::settings::files::names(None);
    names
        .into_iter()
        .filter(|name| name.starts_with(current))
        .map(clap_complete::engine::CompletionCandidate::new)
        .collect()
}

#[derive(clap::Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub target: Target,

    #[command(flatten)]
    pub flow: FlowArgs,

    /// Print the sign-in URL on stdout instead of opening a browser (it is a credential:
    /// anyone with it is signed in until it expires).
    #[arg(long)]
    pub print: bool,

    /// The console page to land on (default: the console home, in the region if one is set).
    #[arg(long, value_name = "URL")]
    pub destination: Option<String>,
}

/// Which keys to start from: a profile, else the standard AWS variables.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct Target {
    /// Take keys, MFA device, role and settings from this profile of profiles.toml or
    /// ~/.aws/config (flags still win). Without it, keys come from AWS_ACCESS_KEY_ID /
    /// AWS_SECRET_ACCESS_KEY.
    #[arg(short = 'p', long, value_name = "NAME", add = ArgValueCompleter::new(profile_names))]
    pub profile: Option<String>,

    #[command(flatten)]
    pub file: ConfigFile,
}

/// The profiles file, for every command that reads or writes it.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ConfigFile {
    /// The profiles file (default: $AWS_AUTH_CONFIG, else
    /// $XDG_CONFIG_HOME/aws-auth/profiles.toml, else ~/.config/aws-auth/profiles.toml).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

/// The bound on each call to STS, IAM or a password manager, and on waiting for another
/// run's lock.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct Timeout {
    /// Give up on a call to STS, IAM or a password manager (or on another run's lock) after
    /// this many seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "AWS_AUTH_TIMEOUT",
        default_value_t = 30
    )]
    pub timeout: u64,
}

impl Default for Timeout {
    fn default() -> Self {
        Timeout { timeout: 30 }
    }
}

#[derive(clap::Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub target: Target,

    #[command(flatten)]
    pub flow: FlowArgs,

    /// The command and its arguments (default: $SHELL). Everything from the first word
    /// that is not one of aws-auth's flags on is the command's; `--` before it also works.
    #[arg(trailing_var_arg = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub target: Target,

    #[command(flatten)]
    pub flow: FlowArgs,

    /// How to print the endpoint's variables when no command is given.
    #[arg(long, value_enum, default_value_t = Format::Sh, value_name = "FORMAT")]
    pub format: Format,

    /// Stop serving when process PID ends (the shell integration passes its shell's), and
    /// leave the terminal's process group: Ctrl-C at that shell's prompt does not stop it.
    #[arg(long, value_name = "PID")]
    pub until_exit: Option<u32>,

    /// The command to run against the server (from the first word that is not one of
    /// aws-auth's flags, or after `--`); without one, print the endpoint's variables for eval
    /// and serve until SIGINT or SIGTERM.
    #[arg(trailing_var_arg = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

/// Flags of the credentials flow.
#[derive(clap::Args, Clone, Default)]
pub struct FlowArgs {
    /// ARN of your MFA device (arn:aws:iam::ACCOUNT:mfa/USER), or a hardware token's serial.
    #[arg(long, value_name = "ARN")]
    pub serial_number: Option<String>,

    /// The current 6-digit code from your MFA device. Omit it to be asked on the terminal
    /// (a code on the command line is visible to other local users while aws-auth runs).
    #[arg(long, value_name = "CODE", value_parser = parse_secret)]
    pub token_code: Option<SecretString>,

    /// Assume this role (arn:aws:iam::ACCOUNT:role/NAME) instead of getting a session token.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,

    /// Role session length in seconds, 900-43200 (default: 3600; the role's maximum applies).
    #[arg(long, value_name = "N")]
    pub role_duration_seconds: Option<u64>,

    /// Role session name (default: $USER, $LOGNAME, your account name, or "aws-auth").
    #[arg(long, value_name = "NAME")]
    pub role_session_name: Option<String>,

    /// Session token length in seconds, 900-129600 (default: 43200), without --role-arn.
    #[arg(long, value_name = "N")]
    pub session_duration_seconds: Option<u64>,

    /// External id the role's trust policy expects.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,

    /// AWS region for STS, also exported as AWS_REGION and AWS_DEFAULT_REGION
    /// (default: $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1; only a given one is exported).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    #[command(flatten)]
    pub limit: Timeout,

    /// Never ask for anything (an MFA code, a GPG passphrase): fail at once, with exit 3, when
    /// something must be asked (scripts, a shell's prompt hook). Also AWS_AUTH_PROMPT=never.
    #[arg(long)]
    pub no_prompt: bool,

    /// Neither read nor write the session cache: always ask STS (and for an MFA code).
    #[arg(long, env = "AWS_AUTH_NO_CACHE", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_cache: bool,

    /// Serve a cached session only while at least this many seconds remain (botocore
    /// re-runs a credential_process on every request once fewer than 900 remain).
    #[arg(
        long,
        value_name = "SECONDS",
        env = "AWS_AUTH_MIN_TTL",
        default_value_t = 900
    )]
    pub min_ttl: u64,

    #[command(flatten)]
    pub scope: ScopeArgs,
}

pub(crate) fn parse_secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value))
}

/// `aws-auth exec work ...` (aws-vault's habit): without --profile and without keys in the
/// environment, a command whose first word is a profile's name was meant as the profile.
/// The one-line way to say it, or `None`.
pub fn profile_as_command(target: &Target, command: &[OsString]) -> Option<String> {
    if target.profile.is_some() || std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
        return None;
    }
    let first = command.first()?.to_str()?;
    crate::settings::files::names(target.file.config.as_deref())
        .iter()
        .any(|n| n == first)
        .then(|| {
            format!(
                "\"{first}\" is a profile, not a command: put --profile before it (aws-auth exec --profile {first} -- \
                 COMMAND)"
            )
        })
}
