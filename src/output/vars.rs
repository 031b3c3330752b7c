//! The one builder of the variables aws-auth hands on, for every way they leave: printed for
//! a shell, set for a command under `exec`, and (for `serve`) the endpoint's variables,
//! printed or set for its command. Each set comes with what must be removed beside it: a
//! profile name that would make SDKs ignore the keys, the old token name, the keys
//! themselves where an endpoint replaces them, and every variable a profile reads a secret
//! from (`env:`), so no command inherits one.

use crate::credentials::SessionCredentials;
use secrecy::ExposeSecret;

/// Who gets the variables.
#[derive(Clone, Copy)]
pub enum To<'a> {
    /// A shell that evaluates what is printed: told the profile's name (`aws-auth status`
    /// and the shell integration read it), or rid of an earlier one.
    Shell { profile: Option<&'a str> },
    /// A command aws-auth starts (`exec`, `serve`'s command): told the profile's name,
    /// never given a variable the profile reads a secret from.
    Command {
        profile: Option<&'a str>,
        scrub: &'a [String],
    },
}

/// Variables to set, in order, and variables to remove.
pub struct Vars<'a> {
    pub set: Vec<(&'static str, &'a str)>,
    pub unset: Vec<&'a str>,
}

/// What a command given keys must not inherit beside them: a profile name would make SDKs
/// ignore the keys, and AWS_SECURITY_TOKEN is the old name of a token that is not ours.
const BESIDE_KEYS: &[&str] = &["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"];

/// What must not stand beside the endpoint: keys (an SDK would use them before the
/// container provider), a profile that would make SDKs skip it, and the two variables that
/// would send them to another token or endpoint (`..._TOKEN_FILE` wins over ours).
pub const BESIDE_ENDPOINT: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_SESSION_EXPIRATION",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
];

impl<'a> Vars<'a> {
    /// The session's keys (`expiration` is its RFC 3339 form), and the region when one
    /// was given. A command also gets AWS_CREDENTIAL_EXPIRATION (botocore's name).
    pub fn session(
        c: &'a SessionCredentials,
        region: Option<&'a str>,
        expiration: &'a str,
        to: To<'a>,
    ) -> Vars<'a> {
        let mut set = vec![
            ("AWS_ACCESS_KEY_ID", c.access_key_id.as_str()),
            ("AWS_SECRET_ACCESS_KEY", c.secret_access_key.expose_secret()),
            ("AWS_SESSION_TOKEN", c.session_token.expose_secret()),
            ("AWS_SESSION_EXPIRATION", expiration),
        ];
        if matches!(to, To::Command { .. }) {
            set.push(("AWS_CREDENTIAL_EXPIRATION", expiration));
        }
        // A shell that evaluates keys removes nothing of its own: what it had is replaced.
        Vars::finish(set, region, (&[], BESIDE_KEYS), to, None)
    }

    /// `serve`'s endpoint and its token, and the region when one was given; a shell also
    /// gets the server's pid (to stop it: `kill $AWS_AUTH_SERVER_PID`).
    pub fn endpoint(
        url: &'a str,
        token: &'a str,
        region: Option<&'a str>,
        pid: &'a str,
        to: To<'a>,
    ) -> Vars<'a> {
        let set = vec![
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", token),
        ];
        let pid = matches!(to, To::Shell { .. }).then_some(pid);
        Vars::finish(set, region, (BESIDE_ENDPOINT, BESIDE_ENDPOINT), to, pid)
    }

    /// `beside`: what to remove for a shell, and for a command.
    fn finish(
        mut set: Vec<(&'static str, &'a str)>,
        region: Option<&'a str>,
        beside: (&'static [&'static str], &'static [&'static str]),
        to: To<'a>,
        pid: Option<&'a str>,
    ) -> Vars<'a> {
        if let Some(region) = region {
            set.push(("AWS_REGION", region));
            set.push(("AWS_DEFAULT_REGION", region));
        }
        let unset = match to {
            To::Shell { profile } => {
                if let Some(pid) = pid {
                    set.push(("AWS_AUTH_SERVER_PID", pid));
                }
                let mut unset = beside.0.to_vec();
                match profile {
                    Some(profile) => set.push(("AWS_AUTH_PROFILE", profile)),
                    None => unset.push("AWS_AUTH_PROFILE"),
                }
                unset
            }
            To::Command { profile, scrub } => {
                if let Some(profile) = profile {
                    set.push(("AWS_AUTH_PROFILE", profile));
                }
                let mut unset = beside.1.to_vec();
                unset.extend(scrub.iter().map(String::as_str));
                unset
            }
        };
        Vars { set, unset }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_types::DateTime;
    use secrecy::SecretString;

    fn credentials() -> SessionCredentials {
        SessionCredentials {
            access_key_id: "ASIAX".into(),
            secret_access_key: SecretString::from("s"),
            session_token: SecretString::from("t"),
            expiration: DateTime::from_secs(0),
        }
    }

    fn names<'a>(vars: &'a Vars) -> Vec<&'a str> {
        vars.set.iter().map(|(n, _)| *n).collect()
    }

    #[test]
    fn each_audience_gets_its_set_and_its_removals() {
        let creds = credentials();
        let shell = Vars::session(
            &creds,
            Some("eu-west-1"),
            "E",
            To::Shell {
                profile: Some("work"),
            },
        );
        assert_eq!(
            names(&shell),
            [
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
                "AWS_SESSION_EXPIRATION",
                "AWS_REGION",
                "AWS_DEFAULT_REGION",
                "AWS_AUTH_PROFILE"
            ]
        );
        assert!(shell.unset.is_empty());
        // Without a profile, a name an earlier eval left is removed.
        let shell = Vars::session(&creds, None, "E", To::Shell { profile: None });
        assert_eq!(shell.unset, ["AWS_AUTH_PROFILE"]);
        let scrub = vec!["CI_SECRET".to_owned()];
        let command = Vars::session(
            &creds,
            None,
            "E",
            To::Command {
                profile: Some("ci"),
                scrub: &scrub,
            },
        );
        assert_eq!(
            names(&command),
            [
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
                "AWS_SESSION_EXPIRATION",
                "AWS_CREDENTIAL_EXPIRATION",
                "AWS_AUTH_PROFILE"
            ]
        );
        assert_eq!(
            command.unset,
            [
                "AWS_PROFILE",
                "AWS_DEFAULT_PROFILE",
                "AWS_SECURITY_TOKEN",
                "CI_SECRET"
            ]
        );
        let exports = Vars::endpoint(
            "u",
            "t",
            Some("r"),
            "42",
            To::Shell {
                profile: Some("work"),
            },
        );
        assert_eq!(
            names(&exports),
            [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                "AWS_REGION",
                "AWS_DEFAULT_REGION",
                "AWS_AUTH_SERVER_PID",
                "AWS_AUTH_PROFILE"
            ]
        );
        assert_eq!(exports.unset, BESIDE_ENDPOINT);
        let child = Vars::endpoint(
            "u",
            "t",
            None,
            "42",
            To::Command {
                profile: None,
                scrub: &scrub,
            },
        );
        assert_eq!(
            names(&child),
            [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN"
            ]
        );
        assert!(
            child.unset.contains(&"CI_SECRET") && child.unset.contains(&"AWS_SECRET_ACCESS_KEY")
        );
    }
}
