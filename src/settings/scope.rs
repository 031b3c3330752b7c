//! A role session's scope: session policies (an inline policy, managed policies,
//! `--read-only`'s ReadOnlyAccess) that narrow what it can do, and session tags and a source
//! identity that mark it in CloudTrail. From the flags, else the profile's fields; the flags'
//! policies replace the profile's as one set, and their tags the profile's tags: STS allows
//! what any one session policy of a call allows, so adding one to a set could widen it.
//! Every value is checked here, before anything is read or asked.

use crate::cache::KeyBuilder;
use crate::cli::ScopeArgs;
use crate::error::Error;
use crate::settings::config::RawProfile;
use crate::settings::policy;
use crate::settings::profile::ProfileError;
use crate::settings::validate::{self, MAX_POLICY_ARNS, MAX_POLICY_CHARS, MAX_TAGS};
use std::path::{Path, PathBuf};

/// The AWS managed policy `--read-only` stands for.
const READ_ONLY: &str = "iam::aws:policy/ReadOnlyAccess";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// The inline session policy, packed to one line.
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub read_only: bool,
    pub source_identity: Option<String>,
    pub tags: Vec<(String, String)>,
    pub transitive_tags: Vec<String>,
}

/// Where a value came from, for its error: a flag, or a field of a profile.
#[derive(Clone, Copy)]
enum From<'a> {
    Flags,
    Profile(&'a str),
}

impl From<'_> {
    fn error(self, flag: &'static str, field: &'static str, e: validate::ValidationError) -> Error {
        match self {
            From::Flags => e.flag(flag).into(),
            From::Profile(profile) => ProfileError::Field {
                profile: profile.to_owned(),
                field,
                problem: e.problem,
            }
            .into(),
        }
    }

    fn problem(self, flag: &'static str, field: &'static str, problem: String) -> Error {
        match self {
            From::Flags => Error::Usage(format!("{flag}: {problem}")),
            From::Profile(profile) => ProfileError::Field {
                profile: profile.to_owned(),
                field,
                problem,
            }
            .into(),
        }
    }
}

impl Scope {
    pub fn is_empty(&self) -> bool {
        *self == Scope::default()
    }

    /// Whether it narrows what the session can do (a tag or a source identity does not).
    pub fn has_policies(&self) -> bool {
        self.policy.is_some() || !self.policy_arns.is_empty() || self.read_only
    }

    /// The managed session policies' ARNs in `partition`, ReadOnlyAccess's included once.
    pub fn managed(&self, partition: &str) -> Vec<String> {
        let mut arns = self.policy_arns.clone();
        let read_only = format!("arn:{partition}:{READ_ONLY}");
        if self.read_only && !arns.contains(&read_only) {
            arns.push(read_only);
        }
        arns
    }

    /// The flags it is made of, for messages (`--read-only, --tag`).
    pub fn named(&self) -> String {
        [
            ("--policy", self.policy.is_some()),
            ("--policy-arn", !self.policy_arns.is_empty()),
            ("--read-only", self.read_only),
            ("--source-identity", self.source_identity.is_some()),
            ("--tag", !self.tags.is_empty()),
            ("--transitive-tag", !self.transitive_tags.is_empty()),
        ]
        .iter()
        .filter_map(|(flag, set)| set.then_some(*flag))
        .collect::<Vec<_>>()
        .join(", ")
    }

    /// What it holds, in words, for doctor (no policy text: its size only).
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(policy) = &self.policy {
            parts.push(format!(
                "an inline policy ({} characters)",
                policy.chars().count()
            ));
        }
        if !self.policy_arns.is_empty() {
            parts.push(format!("managed policies {}", self.policy_arns.join(", ")));
        }
        if self.read_only {
            parts.push("ReadOnlyAccess".to_owned());
        }
        if let Some(name) = &self.source_identity {
            parts.push(format!("source identity {name}"));
        }
        if !self.tags.is_empty() {
            let keys: Vec<&str> = self.tags.iter().map(|(k, _)| k.as_str()).collect();
            parts.push(format!("tags {}", keys.join(", ")));
        }
        if !self.transitive_tags.is_empty() {
            parts.push(format!("transitive {}", self.transitive_tags.join(", ")));
        }
        parts.join("; ")
    }

    /// STS's limits on the session policies together, in `partition` (ReadOnlyAccess's ARN
    /// is longer in some): at most 10 managed ones, at most 2,048 characters in all.
    pub fn check_size(&self, partition: &str) -> Result<(), Error> {
        let managed = self.managed(partition);
        if managed.len() > MAX_POLICY_ARNS {
            return Err(Error::Usage(format!(
                "{} managed session policies (--policy-arn, --read-only) are too many: STS takes at most \
                 {MAX_POLICY_ARNS} in one call",
                managed.len()
            )));
        }
        let chars = self.policy.as_deref().map_or(0, |p| p.chars().count())
            + managed.iter().map(|a| a.chars().count()).sum::<usize>();
        if chars > MAX_POLICY_CHARS {
            return Err(Error::Usage(format!(
                "the session policies come to {chars} characters (the inline policy packed to one line, and \
                 each managed policy's ARN), and STS takes at most {MAX_POLICY_CHARS}: shorten the policy or use \
                 fewer ARNs"
            )));
        }
        Ok(())
    }

    /// Managed session policies must be the role's account's (or AWS's own): one of another
    /// account is refused here, naming both, instead of by STS.
    pub fn check_accounts(&self, role_arn: &str) -> Result<(), Error> {
        let account = |arn: &str| arn.split(':').nth(4).map(str::to_owned);
        let Some(role_account) = account(role_arn) else {
            return Ok(());
        };
        for arn in &self.policy_arns {
            match account(arn) {
                Some(owner) if owner != "aws" && owner != role_account => {
                    return Err(Error::Usage(format!(
                        "--policy-arn {arn} is a policy of account {owner}, and the role {role_arn} is of account \
                         {role_account}: STS takes managed session policies of the role's account (or AWS's own)"
                    )));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Its fields, into a cache key: a scoped session answers only the same scope.
    pub fn add_to_key(&self, key: &mut KeyBuilder) {
        key.field("scope policy", self.policy.as_deref());
        for arn in &self.policy_arns {
            key.field("scope policy arn", Some(arn));
        }
        key.field("scope read-only", self.read_only.then_some("yes"))
            .field("scope source identity", self.source_identity.as_deref());
        for (name, value) in &self.tags {
            key.field("scope tag", Some(name))
                .field("value", Some(value));
        }
        for name in &self.transitive_tags {
            key.field("scope transitive tag", Some(name));
        }
    }
}

/// The scope of a run: the flags', else (field by field group) `profile`'s; `home` expands
/// a `~/` in its `policy_file`, and a relative one is taken from the profiles file's folder.
pub fn resolve(
    flags: &ScopeArgs,
    profile: Option<(&str, &RawProfile, &Path)>,
    home: Option<&Path>,
) -> Result<Scope, Error> {
    let mut scope = Scope::default();
    let raw = profile.map(|(name, raw, _)| (From::Profile(name), raw));
    if flags.has_policies() {
        scope.policy = match &flags.policy {
            Some(path) => Some(read_policy(From::Flags, path)?),
            None => None,
        };
        scope.policy_arns = flags.policy_arns.clone();
        scope.read_only = flags.read_only;
        check_arns(From::Flags, &scope.policy_arns)?;
    } else if let Some((name, raw, file)) = profile {
        let from = From::Profile(name);
        scope.policy = match (&raw.policy, &raw.policy_file) {
            (Some(_), Some(_)) => {
                return Err(from.problem(
                    "--policy",
                    "policy",
                    "set policy (the JSON) or policy_file (its path), not both".into(),
                ));
            }
            (Some(text), None) => Some(policy::pack(text).map_err(|problem| {
                from.problem("--policy", "policy", format!("the policy {problem}"))
            })?),
            (None, Some(path)) => Some(read_policy(from, &policy_path(path, file, home))?),
            (None, None) => None,
        };
        scope.policy_arns = raw.policy_arns.clone().unwrap_or_default();
        scope.read_only = raw.read_only.unwrap_or(false);
        check_arns(from, &scope.policy_arns)?;
    }
    scope.source_identity = match (&flags.source_identity, raw) {
        (Some(name), _) => Some((From::Flags, name)),
        (None, Some((from, raw))) => raw.source_identity.as_ref().map(|name| (from, name)),
        (None, None) => None,
    }
    .map(|(from, name)| {
        validate::source_identity(name)
            .map(|()| name.clone())
            .map_err(|e| from.error("--source-identity", "source_identity", e))
    })
    .transpose()?;
    if flags.has_tags() {
        scope.tags = flags.tags.clone();
        scope.transitive_tags = flags.transitive_tags.clone();
        check_tags(From::Flags, &scope)?;
    } else if let Some((from, raw)) = raw {
        scope.tags = raw
            .tags
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        scope.transitive_tags = raw.transitive_tags.clone().unwrap_or_default();
        check_tags(from, &scope)?;
    }
    Ok(scope)
}

fn check_arns(from: From, arns: &[String]) -> Result<(), Error> {
    for arn in arns {
        validate::policy_arn(arn).map_err(|e| from.error("--policy-arn", "policy_arns", e))?;
    }
    Ok(())
}

/// Each tag and transitive key, and the limits on them together: at most 50 of each, no
/// key twice (STS compares keys without case), every transitive key a tag's.
fn check_tags(from: From, scope: &Scope) -> Result<(), Error> {
    let same = |a: &str, b: &str| a.to_lowercase() == b.to_lowercase();
    for (at, (key, value)) in scope.tags.iter().enumerate() {
        validate::tag_key(key).map_err(|e| from.error("--tag", "tags", e))?;
        validate::tag_value(key, value).map_err(|e| from.error("--tag", "tags", e))?;
        if scope.tags[..at]
            .iter()
            .any(|(earlier, _)| same(earlier, key))
        {
            return Err(from.problem(
                "--tag",
                "tags",
                format!("tag {key:?} is given twice (STS does not tell keys apart by case)"),
            ));
        }
    }
    if scope.tags.len() > MAX_TAGS {
        return Err(from.problem(
            "--tag",
            "tags",
            format!(
                "{} tags are too many: STS takes at most {MAX_TAGS}",
                scope.tags.len()
            ),
        ));
    }
    if scope.transitive_tags.len() > MAX_TAGS {
        return Err(from.problem(
            "--transitive-tag",
            "transitive_tags",
            format!(
                "{} transitive tags are too many: STS takes at most {MAX_TAGS}",
                scope.transitive_tags.len()
            ),
        ));
    }
    for key in &scope.transitive_tags {
        if !scope.tags.iter().any(|(tag, _)| same(tag, key)) {
            return Err(from.problem(
                "--transitive-tag",
                "transitive_tags",
                format!("{key:?} is not the key of a tag given with it: add --tag {key}=VALUE"),
            ));
        }
    }
    Ok(())
}

/// A profile's `policy_file`: `~/` is the home folder; a relative path is taken from the
/// profiles file's folder.
fn policy_path(path: &str, profiles_file: &Path, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => profiles_file.parent().unwrap_or(Path::new(".")).join(path),
    }
}

/// The policy at `path` (`-`: stdin, which must not be a terminal), checked and packed. A
/// file is read only when no one but you or root can have written it: the policy decides
/// what the session may do.
fn read_policy(from: From, path: &Path) -> Result<String, Error> {
    let (flag, field) = ("--policy", "policy_file");
    let text = if path == Path::new("-") {
        read_stdin().map_err(|problem| from.problem(flag, field, problem))?
    } else {
        let text =
            crate::safe_file::read_text(path, policy::MAX_READ, crate::safe_file::Check::Owner)
                .map_err(|e| from.problem(flag, field, e.to_string()))?;
        text.to_string()
    };
    policy::pack(&text).map_err(|problem| {
        from.problem(
            flag,
            field,
            format!("the policy in {} {problem}", path.display()),
        )
    })
}

/// The policy on stdin, at most `policy::MAX_READ` bytes.
fn read_stdin() -> Result<String, String> {
    use std::io::{IsTerminal, Read};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(
            "stdin is a terminal: pipe the policy in (--policy - < policy.json) or give its file"
                .into(),
        );
    }
    let mut bytes = Vec::new();
    stdin
        .lock()
        .take(policy::MAX_READ + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the policy from stdin: {}", e.kind()))?;
    if bytes.len() as u64 > policy::MAX_READ {
        return Err(format!(
            "the policy on stdin is larger than {} bytes",
            policy::MAX_READ
        ));
    }
    String::from_utf8(bytes).map_err(|_| "the policy on stdin is not UTF-8 text".into())
}

#[cfg(test)]
mod tests;
