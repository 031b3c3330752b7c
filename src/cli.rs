//! The command line: clap derive, one doc comment per flag (that is the `--help` text).
//! Flag names stay compatible with the original shell helper.

use crate::render::Format;
use clap::Parser;
use secrecy::SecretString;

/// Turn AWS keys into short-lived STS credentials for your shell:
/// eval "$(aws-auth --serial-number ARN)"
#[derive(Parser)]
#[command(name = "aws-auth", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub flow: FlowArgs,
}

/// Flags of the credentials flow.
#[derive(clap::Args, Default)]
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

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Sh, value_name = "FORMAT")]
    pub format: Format,

    /// Give up on a call to STS (or a password manager) after this many seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "AWS_AUTH_TIMEOUT",
        default_value_t = 30
    )]
    pub timeout: u64,
}

fn parse_secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value))
}
