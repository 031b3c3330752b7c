//! Checks on every STS input, run before any request: STS's own limits (see REFERENCE.md),
//! because a permissive test server proves nothing about them. Errors never echo a secret.

use std::fmt;

mod scope;
pub use scope::{
    MAX_POLICY_ARNS, MAX_POLICY_CHARS, MAX_TAGS, policy_arn, source_identity, tag_key, tag_value,
};

/// One rejected input: which field, and what is wrong with it, in plain words.
#[derive(Debug, PartialEq, Eq)]
pub struct ValidationError {
    pub field: &'static str,
    pub problem: String,
    /// The command-line flag the value came from, when it did.
    pub flag: Option<&'static str>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.flag {
            Some(flag) => write!(f, "{flag} ({}): {}", self.field, self.problem),
            None => write!(f, "{}: {}", self.field, self.problem),
        }
    }
}

impl std::error::Error for ValidationError {}

impl ValidationError {
    /// Names the command-line flag the value came from: `--token-code (MFA token code)`.
    pub fn flag(self, flag: &'static str) -> ValidationError {
        ValidationError {
            flag: Some(flag),
            ..self
        }
    }
}

fn reject(field: &'static str, problem: impl Into<String>) -> ValidationError {
    ValidationError {
        field,
        problem: problem.into(),
        flag: None,
    }
}

pub const SESSION_DURATION: (u64, u64) = (900, 129_600);
pub const ROLE_DURATION: (u64, u64) = (900, 43_200);
/// AssumeRole called with temporary credentials (role chaining) is capped at one hour.
pub const CHAINED_ROLE_MAX: u64 = 3_600;

/// `\w` in the STS API model: ASCII letters, digits and underscore.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Names the first character outside `allowed`, for the error message.
fn first_bad_char(value: &str, allowed: impl Fn(char) -> bool) -> Option<char> {
    value.chars().find(|&c| !allowed(c))
}

fn describe(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("'{c}'")
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// An access key id: 16 to 128 upper-case letters and digits (AWS issues them so: AKIA… for
/// an IAM user's long-term key, ASIA… for a session). The value is never echoed: a swapped
/// pair puts the secret access key here, and the message says that it looks like one.
pub fn access_key_id(id: &str) -> Result<(), ValidationError> {
    let shape = (16..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if shape {
        return Ok(());
    }
    let looks_secret =
        id.len() >= 30 && (id.contains(['/', '+']) || id.bytes().any(|b| b.is_ascii_lowercase()));
    Err(reject(
        "access key id",
        format!(
            "the value ({} characters) is not an access key id: expected 16 to 128 upper-case letters and \
             digits, like AKIAIOSFODNN7EXAMPLE{}",
            id.chars().count(),
            if looks_secret {
                "; it looks like a secret access key: are the id and the secret swapped?"
            } else {
                ""
            }
        ),
    ))
}

/// An MFA code: exactly six ASCII digits. The code itself never appears in the error.
pub fn token_code(code: &str) -> Result<(), ValidationError> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        let n = code.chars().count();
        let got = match n {
            6 => "6 characters, not all of them digits".to_owned(),
            1 => "1 character".to_owned(),
            n => format!("{n} characters"),
        };
        Err(reject(
            "MFA token code",
            format!(
                "must be exactly 6 digits (got {got}); use the current code from your MFA device"
            ),
        ))
    }
}

/// An MFA device: a virtual device ARN (`arn:aws:iam::123456789012:mfa/NAME`) or a hardware
/// token's serial number, within STS's 9–256 characters of `[\w+=/:,.@-]`.
pub fn serial_number(serial: &str) -> Result<(), ValidationError> {
    const FIELD: &str = "MFA serial number";
    let len = serial.chars().count();
    if !(9..=256).contains(&len) {
        return Err(reject(
            FIELD,
            format!(
                "must be 9 to 256 characters long (got {len}); expected an ARN like arn:aws:iam::123456789012:mfa/USER"
            ),
        ));
    }
    if let Some(c) = first_bad_char(serial, |c| is_word(c) || "+=/:,.@-".contains(c)) {
        return Err(reject(
            FIELD,
            format!("contains {} which STS does not accept", describe(c)),
        ));
    }
    if serial.starts_with("arn:") {
        let parts = arn_parts(serial, false).ok_or_else(|| {
            reject(
                FIELD,
                format!(
                    "{serial} is not a well-formed ARN; expected arn:aws:iam::123456789012:mfa/USER"
                ),
            )
        })?;
        if parts.service != "iam"
            || !parts.resource.starts_with("mfa/")
            || parts.resource.len() <= 4
        {
            return Err(reject(
                FIELD,
                format!(
                    "{serial} is not an MFA device ARN; expected arn:aws:iam::123456789012:mfa/USER"
                ),
            ));
        }
    } else if !serial.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(reject(
            FIELD,
            format!(
                "{serial} is neither an MFA device ARN (arn:aws:iam::123456789012:mfa/USER) nor a hardware token serial"
            ),
        ));
    }
    Ok(())
}

/// An IAM role ARN: `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`.
pub fn role_arn(arn: &str) -> Result<(), ValidationError> {
    const FIELD: &str = "role ARN";
    const EXPECTED: &str = "expected arn:aws:iam::123456789012:role/NAME";
    let len = arn.chars().count();
    if !(20..=2048).contains(&len) {
        return Err(reject(
            FIELD,
            format!("must be 20 to 2048 characters long (got {len}); {EXPECTED}"),
        ));
    }
    let parts = arn_parts(arn, false)
        .ok_or_else(|| reject(FIELD, format!("{arn} is not a well-formed ARN; {EXPECTED}")))?;
    let Some(path_and_name) = parts.resource.strip_prefix("role/") else {
        return Err(reject(
            FIELD,
            format!("{arn} is not a role ARN; {EXPECTED}"),
        ));
    };
    if parts.service != "iam" {
        return Err(reject(
            FIELD,
            format!("{arn} is not an IAM ARN; {EXPECTED}"),
        ));
    }
    let name = path_and_name.rsplit('/').next().unwrap_or_default();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(reject(
            FIELD,
            format!("{arn} has no valid role name (1 to 64 characters); {EXPECTED}"),
        ));
    }
    if let Some(c) = first_bad_char(path_and_name, |c| is_word(c) || "+=,.@-/".contains(c)) {
        return Err(reject(
            FIELD,
            format!(
                "{arn} contains {} which IAM does not allow in a role name",
                describe(c)
            ),
        ));
    }
    Ok(())
}

struct ArnParts<'a> {
    service: &'a str,
    resource: &'a str,
}

/// `arn:partition:service:region:account:resource`, with the checks IAM ARNs need:
/// a known partition shape, no region, a 12-digit account (or `aws`, for AWS managed
/// policies, when `aws_owned`).
fn arn_parts(arn: &str, aws_owned: bool) -> Option<ArnParts<'_>> {
    let mut it = arn.splitn(6, ':');
    let (prefix, partition, service, region, account, resource) = (
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    );
    let partition_ok = partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|p| {
            !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        });
    (prefix == "arn"
        && partition_ok
        && region.is_empty()
        && ((account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
            || (aws_owned && account == "aws"))
        && !resource.is_empty())
    .then_some(ArnParts { service, resource })
}

/// A duration flag within `range` (inclusive), named after its flag.
pub fn duration(
    field: &'static str,
    seconds: u64,
    range: (u64, u64),
    what: &str,
) -> Result<(), ValidationError> {
    if (range.0..=range.1).contains(&seconds) {
        Ok(())
    } else {
        Err(reject(
            field,
            format!(
                "{seconds} is out of range: {what} accepts {} to {} seconds",
                range.0, range.1
            ),
        ))
    }
}

/// A role session name: 2–64 characters of `[\w+=,.@-]`.
pub fn session_name(name: &str) -> Result<(), ValidationError> {
    const FIELD: &str = "role session name";
    let len = name.chars().count();
    if !(2..=64).contains(&len) {
        return Err(reject(
            FIELD,
            format!("must be 2 to 64 characters long (got {len})"),
        ));
    }
    if let Some(c) = first_bad_char(name, |c| is_word(c) || "+=,.@-".contains(c)) {
        return Err(reject(
            FIELD,
            format!(
                "contains {} which STS does not accept (allowed: letters, digits and _+=,.@-)",
                describe(c)
            ),
        ));
    }
    Ok(())
}

/// An external id: 2–1224 characters of `[\w+=,.@:/-]`. Not a secret, but not echoed either.
pub fn external_id(id: &str) -> Result<(), ValidationError> {
    const FIELD: &str = "external id";
    let len = id.chars().count();
    if !(2..=1224).contains(&len) {
        return Err(reject(
            FIELD,
            format!("must be 2 to 1224 characters long (got {len})"),
        ));
    }
    if let Some(c) = first_bad_char(id, |c| is_word(c) || "+=,.@:/-".contains(c)) {
        return Err(reject(
            FIELD,
            format!(
                "contains {} which STS does not accept (allowed: letters, digits and _+=,.@:/-)",
                describe(c)
            ),
        ));
    }
    Ok(())
}

/// A region name such as `eu-west-1`: it becomes part of the STS host name.
pub fn region(region: &str) -> Result<(), ValidationError> {
    let ok = (1..=32).contains(&region.len())
        && region.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(reject(
            "region",
            format!("{region:?} is not a region name like eu-west-1"),
        ))
    }
}

/// A timeout in seconds: more than zero, at most an hour.
pub fn timeout(seconds: u64) -> Result<(), ValidationError> {
    duration("timeout", seconds, (1, 3_600), "--timeout")
}

#[cfg(test)]
mod tests;
