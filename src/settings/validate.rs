//! Checks on every STS input, run before any request: STS's own limits (see REFERENCE.md),
//! because a permissive test server proves nothing about them. Errors never echo a secret.

use std::fmt;

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
        Err(reject(
            "MFA token code",
            format!(
                "must be exactly 6 digits (got {} character{}); use the current code from your MFA device",
                code.chars().count(),
                if code.chars().count() == 1 { "" } else { "s" }
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
        let parts = arn_parts(serial).ok_or_else(|| {
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
    let parts = arn_parts(arn)
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
/// a known partition shape, no region, a 12-digit account.
fn arn_parts(arn: &str) -> Option<ArnParts<'_>> {
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
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
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
mod tests {
    use super::*;

    #[test]
    fn a_rejected_character_is_named_printably() {
        let problem = |r: Result<(), ValidationError>| r.unwrap_err().problem;
        assert!(problem(session_name("ab!c")).contains("'!'"));
        assert!(problem(session_name("ab\u{e9}")).contains("U+00E9"));
        assert!(problem(session_name("ab\u{1b}c")).contains("U+001B"));
    }

    #[test]
    fn an_access_key_id_is_upper_case_letters_and_digits_and_never_echoed() {
        for good in [
            "AKIAIOSFODNN7EXAMPLE",
            "ASIA0123456789ABCDEF",
            &"A".repeat(128),
            &"A".repeat(16),
        ] {
            assert_eq!(access_key_id(good), Ok(()), "{good}");
        }
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let err = access_key_id(secret).unwrap_err();
        assert!(err.problem.contains("swapped"), "{}", err.problem);
        assert!(!err.problem.contains("wJalr"), "{}", err.problem);
        for bad in [
            "akiaiosfodnn7example",
            &"A".repeat(15),
            &"A".repeat(129),
            "AKIAIOSFODNN7EXAMPL-",
            "",
        ] {
            let err = access_key_id(bad).unwrap_err();
            assert!(!err.problem.contains("swapped"), "{bad}: {}", err.problem);
        }
    }

    #[test]
    fn token_code_must_be_six_ascii_digits() {
        assert!(token_code("123456").is_ok());
        assert!(token_code("000000").is_ok());
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            "12 456",
            "١٢٣٤٥٦",
            "123456\n",
        ] {
            let err = token_code(bad).unwrap_err();
            assert_eq!(err.field, "MFA token code");
            if !bad.trim().is_empty() {
                assert!(
                    !err.to_string().contains(bad.trim()),
                    "error echoes the code: {err}"
                );
            }
        }
    }

    #[test]
    fn serial_number_accepts_virtual_and_hardware_devices() {
        assert!(serial_number("arn:aws:iam::123456789012:mfa/alice").is_ok());
        assert!(serial_number("arn:aws-us-gov:iam::123456789012:mfa/path/alice").is_ok());
        assert!(serial_number("GAHT12345678").is_ok());
    }

    #[test]
    fn serial_number_rejects_malformed_values() {
        for bad in [
            "short",
            "arn:aws:iam::12345:mfa/alice",
            "arn:aws:iam::123456789012:user/alice",
            "arn:aws:s3::123456789012:mfa/alice",
            "arn:aws:iam:us-east-1:123456789012:mfa/alice",
            "arn:aws:iam::123456789012:mfa/",
            "arn:aws:iam::123456789012:mfa/al ice",
            "arn:aws:iam::123456789012:mfa/$(id)",
            "not-an-arn-at-all",
        ] {
            assert_eq!(
                serial_number(bad).unwrap_err().field,
                "MFA serial number",
                "{bad}"
            );
        }
        assert!(
            serial_number(&format!(
                "arn:aws:iam::123456789012:mfa/{}",
                "a".repeat(250)
            ))
            .is_err()
        );
    }

    #[test]
    fn role_arn_rules() {
        assert!(role_arn("arn:aws:iam::123456789012:role/admin").is_ok());
        assert!(role_arn("arn:aws-cn:iam::123456789012:role/path/to/Admin+=,.@-_").is_ok());
        for bad in [
            "admin",
            "arn:aws:iam::123456789012:user/admin",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::1234567890:role/admin",
            "arn:aws:sts::123456789012:role/admin",
            "arn:aws:iam::123456789012:role/ad min",
            "arn:aws:iam::123456789012:role/a'b",
            "arn:aws:iam::123456789012:role/`id`",
        ] {
            assert_eq!(role_arn(bad).unwrap_err().field, "role ARN", "{bad}");
        }
        assert!(
            role_arn(&format!(
                "arn:aws:iam::123456789012:role/{}",
                "r".repeat(65)
            ))
            .is_err()
        );
        // IAM's longest role name, 64 characters, is accepted, under a path too.
        let longest = "r".repeat(64);
        assert!(role_arn(&format!("arn:aws:iam::123456789012:role/{longest}")).is_ok());
        assert!(role_arn(&format!("arn:aws:iam::123456789012:role/ops/{longest}")).is_ok());
    }

    /// A partition is `aws` or `aws-` followed by lowercase words (`aws-cn`, `aws-us-gov`):
    /// an empty suffix, capitals or digits are not a partition, for roles and devices alike.
    #[test]
    fn a_malformed_partition_is_rejected() {
        for partition in ["aws-", "aws-CN", "aws-cn1", "aws-c n", "AWS", "aw"] {
            let role = format!("arn:{partition}:iam::123456789012:role/admin");
            assert_eq!(role_arn(&role).unwrap_err().field, "role ARN", "{role}");
            let device = format!("arn:{partition}:iam::123456789012:mfa/alice");
            assert!(serial_number(&device).is_err(), "{device}");
        }
        for partition in ["aws", "aws-cn", "aws-us-gov", "aws-iso-b"] {
            assert!(role_arn(&format!("arn:{partition}:iam::123456789012:role/admin")).is_ok());
        }
    }

    #[test]
    fn durations_follow_sts_ranges() {
        let d = |s, r| duration("--x", s, r, "X");
        assert!(d(900, ROLE_DURATION).is_ok());
        assert!(d(43_200, ROLE_DURATION).is_ok());
        assert!(d(899, ROLE_DURATION).is_err());
        assert!(d(43_201, ROLE_DURATION).is_err());
        assert!(d(129_600, SESSION_DURATION).is_ok());
        assert!(d(129_601, SESSION_DURATION).is_err());
        let msg = d(5, SESSION_DURATION).unwrap_err().to_string();
        assert!(msg.contains("900 to 129600"), "{msg}");
    }

    #[test]
    fn session_name_rules() {
        assert!(session_name("ab").is_ok());
        assert!(session_name("alice+=,.@-_9").is_ok());
        assert!(session_name(&"a".repeat(64)).is_ok());
        assert!(session_name("a").is_err());
        assert!(session_name(&"a".repeat(65)).is_err());
        assert!(session_name("al ice").is_err());
        assert!(session_name("al/ice").is_err());
        assert!(session_name("élise").is_err());
    }

    #[test]
    fn external_id_rules() {
        assert!(external_id("ab").is_ok());
        assert!(external_id("a:b/c=d+e,f.g@h-i_j").is_ok());
        assert!(external_id(&"x".repeat(1224)).is_ok());
        assert!(external_id("x").is_err());
        assert!(external_id(&"x".repeat(1225)).is_err());
        assert!(external_id("a b").is_err());
        assert!(external_id("a;b").is_err());
    }

    #[test]
    fn region_rules() {
        assert!(region("eu-west-1").is_ok());
        assert!(region("us-gov-west-1").is_ok());
        for bad in [
            "",
            "EU-WEST-1",
            "eu west",
            "eu--west",
            "-eu",
            "evil.com/x",
            "a".repeat(40).as_str(),
        ] {
            assert!(region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timeout_rules() {
        assert!(timeout(1).is_ok());
        assert!(timeout(0).is_err());
        assert!(timeout(3_601).is_err());
    }
}
