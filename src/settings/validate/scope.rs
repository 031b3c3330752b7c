//! Checks on what scopes a session (managed session policies, session tags, a source
//! identity), to STS's limits (REFERENCE.md, "Scoping a session"), before any request. The
//! inline policy's own checks are `settings::policy`'s; the limits on the whole scope are
//! `settings::scope`'s.

use super::{ValidationError, arn_parts, describe, first_bad_char, is_word, reject};

/// Managed session policies in one call (`--read-only` counts as one).
pub const MAX_POLICY_ARNS: usize = 10;
/// The inline policy and the managed policies' ARNs together, in characters.
pub const MAX_POLICY_CHARS: usize = 2048;
/// Session tags in one call, and transitive tag keys.
pub const MAX_TAGS: usize = 50;

/// A managed policy's ARN: `arn:PARTITION:iam::ACCOUNT:policy/[PATH/]NAME`, ACCOUNT being
/// `aws` for AWS's own policies.
pub fn policy_arn(arn: &str) -> Result<(), ValidationError> {
    const FIELD: &str = "policy ARN";
    const EXPECTED: &str = "expected arn:aws:iam::aws:policy/NAME (AWS managed) or arn:aws:iam::123456789012:policy/NAME";
    let len = arn.chars().count();
    if !(20..=2048).contains(&len) {
        return Err(reject(
            FIELD,
            format!("must be 20 to 2048 characters long (got {len}); {EXPECTED}"),
        ));
    }
    let parts = arn_parts(arn, true)
        .ok_or_else(|| reject(FIELD, format!("{arn} is not a well-formed ARN; {EXPECTED}")))?;
    let path_and_name = match parts.resource.strip_prefix("policy/") {
        Some(rest) if parts.service == "iam" => rest,
        _ => {
            return Err(reject(
                FIELD,
                format!("{arn} is not an IAM policy ARN; {EXPECTED}"),
            ));
        }
    };
    let name = path_and_name.rsplit('/').next().unwrap_or_default();
    if name.is_empty() || name.chars().count() > 128 {
        return Err(reject(
            FIELD,
            format!("{arn} has no valid policy name (1 to 128 characters); {EXPECTED}"),
        ));
    }
    if let Some(c) = first_bad_char(path_and_name, |c| is_word(c) || "+=,.@-/".contains(c)) {
        return Err(reject(
            FIELD,
            format!(
                "{arn} contains {} which IAM does not allow in a policy name",
                describe(c)
            ),
        ));
    }
    Ok(())
}

/// Whether `text` starts with `aws:` in any case (a prefix AWS keeps for itself).
fn reserved(text: &str) -> bool {
    text.get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("aws:"))
}

/// A source identity: 2–64 characters of `[\w+=,.@-]`, not starting with `aws:`.
pub fn source_identity(name: &str) -> Result<(), ValidationError> {
    const FIELD: &str = "source identity";
    if reserved(name) {
        return Err(reject(
            FIELD,
            "may not start with \"aws:\" (AWS keeps that prefix for itself)",
        ));
    }
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

/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]`: letters, spaces (no control characters), digits and
/// `_.:/=+-@`.
fn tag_char(c: char) -> bool {
    c.is_alphabetic()
        || c.is_numeric()
        || (c.is_whitespace() && !c.is_control())
        || "_.:/=+-@".contains(c)
}

const TAG_CHARS: &str = "allowed: letters, digits, spaces and _.:/=+-@";

/// A session tag's key: 1–128 characters of `tag_char`, not starting with `aws:`.
pub fn tag_key(key: &str) -> Result<(), ValidationError> {
    const FIELD: &str = "tag key";
    let len = key.chars().count();
    if !(1..=128).contains(&len) {
        return Err(reject(
            FIELD,
            format!("must be 1 to 128 characters long (got {len})"),
        ));
    }
    if reserved(key) {
        return Err(reject(
            FIELD,
            format!("{key:?} starts with \"aws:\", a prefix AWS keeps for itself"),
        ));
    }
    if let Some(c) = first_bad_char(key, tag_char) {
        return Err(reject(
            FIELD,
            format!(
                "{key:?} contains {} which STS does not accept ({TAG_CHARS})",
                describe(c)
            ),
        ));
    }
    Ok(())
}

/// The value of tag `key`: 0–256 characters of `tag_char`.
pub fn tag_value(key: &str, value: &str) -> Result<(), ValidationError> {
    const FIELD: &str = "tag value";
    let len = value.chars().count();
    if len > 256 {
        return Err(reject(
            FIELD,
            format!("the value of tag {key:?} must be at most 256 characters long (got {len})"),
        ));
    }
    if let Some(c) = first_bad_char(value, tag_char) {
        return Err(reject(
            FIELD,
            format!(
                "the value of tag {key:?} contains {} which STS does not accept ({TAG_CHARS})",
                describe(c)
            ),
        ));
    }
    Ok(())
}
