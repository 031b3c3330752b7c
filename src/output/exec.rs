//! `aws-auth exec`: the command runs in place of aws-auth (execve), with the credentials in
//! its environment, so its signals, its stdout and its exit status are its own.

use crate::credentials::{Issued, format_expiration};
use crate::error::Error;
use crate::secrets::process::{self, ChildEnv};
use secrecy::ExposeSecret;
use std::ffi::OsString;

/// Variables the command must not inherit: a profile name would make SDKs ignore the keys,
/// and AWS_SECURITY_TOKEN is the old name of a token that is not ours.
pub const REMOVED: &[&str] = &["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"];

/// The variables the command gets: the keys, both expiration names (botocore reads
/// AWS_CREDENTIAL_EXPIRATION), the region when one was given, and the profile's name.
pub fn variables<'a>(
    issued: &'a Issued,
    expiration: &'a str,
    profile: Option<&'a str>,
) -> Vec<(&'static str, &'a str)> {
    let c = &issued.credentials;
    let mut vars = vec![
        ("AWS_ACCESS_KEY_ID", c.access_key_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", c.secret_access_key.expose_secret()),
        ("AWS_SESSION_TOKEN", c.session_token.expose_secret()),
        ("AWS_SESSION_EXPIRATION", expiration),
        ("AWS_CREDENTIAL_EXPIRATION", expiration),
    ];
    if let Some(region) = issued.region.as_deref() {
        vars.push(("AWS_REGION", region));
        vars.push(("AWS_DEFAULT_REGION", region));
    }
    if let Some(profile) = profile {
        vars.push(("AWS_AUTH_PROFILE", profile));
    }
    vars
}

/// Replaces this process with `command` (default `$SHELL`, else /bin/sh). Returns only the
/// error of a command that could not be started.
pub fn run(issued: &Issued, command: Vec<OsString>, profile: Option<&str>) -> Error {
    let mut command = command.into_iter();
    let program = command
        .next()
        .or_else(|| std::env::var_os("SHELL").filter(|s| !s.is_empty()))
        .unwrap_or_else(|| OsString::from("/bin/sh"));
    let args: Vec<OsString> = command.collect();
    let expiration = format_expiration(&issued.credentials.expiration);
    let env = ChildEnv {
        set: variables(issued, &expiration, profile),
        remove: REMOVED,
    };
    let source = process::exec(&program, &args, &env);
    Error::Exec {
        program: crate::sts::clean_server_text(&program.to_string_lossy()),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::SessionCredentials;
    use aws_smithy_types::DateTime;
    use secrecy::SecretString;

    fn issued(region: Option<&str>) -> Issued {
        Issued {
            credentials: SessionCredentials {
                access_key_id: "ASIAEXAMPLE".into(),
                secret_access_key: SecretString::from("s"),
                session_token: SecretString::from("t"),
                expiration: DateTime::from_secs(0),
            },
            region: region.map(str::to_owned),
        }
    }

    #[test]
    fn the_command_gets_keys_both_expirations_region_and_profile() {
        let issued = issued(Some("eu-west-1"));
        let vars = variables(&issued, "1970-01-01T00:00:00Z", Some("work"));
        assert_eq!(
            vars,
            [
                ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "s"),
                ("AWS_SESSION_TOKEN", "t"),
                ("AWS_SESSION_EXPIRATION", "1970-01-01T00:00:00Z"),
                ("AWS_CREDENTIAL_EXPIRATION", "1970-01-01T00:00:00Z"),
                ("AWS_REGION", "eu-west-1"),
                ("AWS_DEFAULT_REGION", "eu-west-1"),
                ("AWS_AUTH_PROFILE", "work"),
            ]
        );
        let bare = self::issued(None);
        let names: Vec<_> = variables(&bare, "x", None)
            .iter()
            .map(|(n, _)| *n)
            .collect();
        assert!(!names.contains(&"AWS_REGION") && !names.contains(&"AWS_AUTH_PROFILE"));
    }
}
