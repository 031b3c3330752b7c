//! The scope flags: a role session narrower than the role (session policies) and marked for
//! CloudTrail (tags, a source identity). Checked, with the profile's fields, in
//! `settings::scope`.

use std::path::PathBuf;

/// The `--help` heading of these flags (set on each: a heading set for the group would go on
/// to the flags after it).
const HEADING: &str = "Scope (a role session that can do less than the role)";

/// What narrows and marks the role session.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ScopeArgs {
    /// An inline session policy from FILE (`-`: stdin): JSON, at most 2,048 characters once
    /// packed. The session can do only what the role and a session policy both allow.
    #[arg(long, value_name = "FILE", help_heading = HEADING)]
    pub policy: Option<PathBuf>,

    /// A managed policy as a session policy (repeatable; at most 10, --read-only included).
    #[arg(long = "policy-arn", value_name = "ARN", help_heading = HEADING)]
    pub policy_arns: Vec<String>,

    /// Only what the AWS managed ReadOnlyAccess policy allows; with --policy or --policy-arn,
    /// what any one of them allows.
    #[arg(long, help_heading = HEADING)]
    pub read_only: bool,

    /// The session's source identity, recorded by CloudTrail on every call made with it
    /// (and with sessions of roles assumed from it): who or what acted.
    #[arg(long, value_name = "NAME", help_heading = HEADING)]
    pub source_identity: Option<String>,

    /// A session tag, KEY=VALUE (repeatable, at most 50).
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse_tag, help_heading = HEADING)]
    pub tags: Vec<(String, String)>,

    /// Make tag KEY transitive: it stays on sessions of roles assumed from this one
    /// (repeatable).
    #[arg(long = "transitive-tag", value_name = "KEY", help_heading = HEADING)]
    pub transitive_tags: Vec<String>,
}

impl ScopeArgs {
    /// Whether any policy flag was given (they replace the profile's policies as one set).
    pub fn has_policies(&self) -> bool {
        self.policy.is_some() || !self.policy_arns.is_empty() || self.read_only
    }

    /// Whether any tag flag was given (they replace the profile's tags as one set).
    pub fn has_tags(&self) -> bool {
        !self.tags.is_empty() || !self.transitive_tags.is_empty()
    }
}

/// `KEY=VALUE`, split at the first `=` (a value may hold more).
fn parse_tag(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) => Ok((key.to_owned(), value.to_owned())),
        None => Err(format!(
            "a tag is KEY=VALUE (an empty value is KEY=), and {text:?} has no '='"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_splits_at_its_first_equals_sign() {
        assert_eq!(parse_tag("team=a=b"), Ok(("team".into(), "a=b".into())));
        assert_eq!(parse_tag("team="), Ok(("team".into(), String::new())));
        assert!(parse_tag("team").unwrap_err().contains("has no '='"));
    }
}
