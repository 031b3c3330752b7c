//! The flags of the commands that set up and look after profiles: `add`, `import`,
//! `configure`, `profiles`, `doctor`, `rotate` and `cache`.

use super::{ConfigFile, Target, Timeout, parse_secret, profile_names};
use clap::Subcommand;
use clap_complete::engine::ArgValueCompleter;
use secrecy::SecretString;

#[derive(clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub keys: NewKeys,

    /// The section of the credentials file (default: the profile's name).
    #[arg(long, value_name = "SECTION")]
    pub from: Option<String>,

    /// Leave the credentials file as it is.
    #[arg(long)]
    pub keep: bool,
}

#[derive(clap::Args)]
pub struct ConfigureArgs {
    /// The profile to change.
    #[arg(short = 'p', long, value_name = "NAME", add = ArgValueCompleter::new(profile_names))]
    pub profile: String,

    #[command(flatten)]
    pub file: ConfigFile,

    /// Set the ARN of the profile's MFA device.
    #[arg(long, value_name = "ARN")]
    pub serial_number: Option<String>,

    /// Set the role the profile assumes.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,

    /// Set the profile's region.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Store a TOTP seed for the MFA device in the profile's backend: asked (hidden) on the
    /// terminal, or the first line of stdin (an otpauth:// URI or a base32 seed).
    #[arg(long)]
    pub totp: bool,

    #[command(flatten)]
    pub limit: Timeout,
}

#[derive(clap::Args)]
pub struct MigrateArgs {
    /// The profile whose keys move.
    #[arg(short = 'p', long, value_name = "NAME", add = ArgValueCompleter::new(profile_names))]
    pub profile: String,

    /// Where they go: pass, passage, gopass (a line-based store with a [write] table), or
    /// keyring (a Secret Service: never the kernel keyring, which forgets them at reboot).
    #[arg(long, value_name = "BACKEND")]
    pub to: String,

    /// Leave the keys in the old store too (by default they are removed from it once the
    /// profile reads them from the new one).
    #[arg(long)]
    pub keep: bool,

    /// Replace an entry (or keyring items) the new store already holds under the profile's name.
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub file: ConfigFile,

    #[command(flatten)]
    pub limit: Timeout,
}

#[derive(clap::Args)]
pub struct RotateArgs {
    /// The profile whose key is replaced.
    #[arg(short = 'p', long, value_name = "NAME", add = ArgValueCompleter::new(profile_names))]
    pub profile: String,

    #[command(flatten)]
    pub file: ConfigFile,

    /// The current code of the profile's MFA device (IAM calls are made with an MFA
    /// session); omit it to be asked, as for the main command.
    #[arg(long, value_name = "CODE", value_parser = parse_secret)]
    pub token_code: Option<SecretString>,

    /// AWS region (only picks the partition: IAM is global).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    #[command(flatten)]
    pub limit: Timeout,

    /// How long to keep checking that STS accepts the new key (IAM takes seconds to
    /// propagate) before putting the old key back.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub verify_timeout: u64,
}

#[derive(clap::Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub target: Target,

    /// AWS region for STS (default: the profile's, else AWS_REGION, AWS_DEFAULT_REGION).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    #[command(flatten)]
    pub limit: Timeout,
}

/// A new profile's keys and where they go (`add`, `import`).
#[derive(clap::Args, Clone)]
pub struct NewKeys {
    #[command(flatten)]
    pub file: ConfigFile,

    /// Name of the new profile.
    #[arg(short = 'p', long, value_name = "NAME")]
    pub profile: String,

    /// Where the keys go: pass, passage, gopass or keyring (a Secret Service: never the kernel
    /// keyring, which forgets them at reboot).
    #[arg(long, value_name = "BACKEND", default_value = "pass")]
    pub backend: String,

    /// ARN of the MFA device to use with this profile.
    #[arg(long, value_name = "ARN")]
    pub serial_number: Option<String>,

    /// Role to assume with this profile.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,

    /// The profile's region (written into its section of profiles.toml and exported with
    /// the credentials as AWS_REGION and AWS_DEFAULT_REGION, which the AWS CLI needs).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Replace existing keys in the backend (an existing profile section is kept as is).
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub limit: Timeout,
}

#[derive(Subcommand)]
pub enum CacheCommand {
    /// Which store holds the cache and why.
    Status,
    /// The cached sessions: profile, kind, expiry (no secret).
    List,
    /// Remove cached sessions: all of them, or one profile's.
    Clear {
        /// Only this profile's sessions.
        #[arg(short = 'p', long, value_name = "NAME", add = ArgValueCompleter::new(profile_names))]
        profile: Option<String>,
    },
}

#[derive(clap::Args)]
pub struct ProfilesArgs {
    #[command(flatten)]
    pub file: ConfigFile,

    /// Print a profiles.toml that documents every setting, with an example per backend.
    #[arg(long)]
    pub example: bool,

    /// Print the profiles' names only, one per line (for scripts and completion).
    #[arg(long, conflicts_with = "example")]
    pub names: bool,
}

#[derive(clap::Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub keys: NewKeys,
}
