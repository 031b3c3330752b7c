//! `aws-auth profiles`: the profiles of profiles.toml and of the AWS config file, with
//! backend, role and where each comes from, read from the files alone (no backend runs, no
//! secret is read).

use crate::cli::ProfilesArgs;
use crate::error::Error;
use crate::settings::aws_config;
use crate::settings::config::{self, RawProfile};
use crate::settings::files::Files;
use zeroize::Zeroizing;

pub fn run(args: &ProfilesArgs) -> Result<Zeroizing<String>, Error> {
    if args.example {
        return Ok(Zeroizing::new(config::EXAMPLE.to_owned()));
    }
    // No profiles.toml is fine when ~/.aws/config has profiles.
    let files = Files::all(args.file.config.as_deref())?;
    let names = files.names();
    if args.names {
        return Ok(Zeroizing::new(
            names.iter().map(|name| format!("{name}\n")).collect(),
        ));
    }
    if names.is_empty() {
        let path = files.profiles.path.clone();
        return Err(if path.exists() {
            Error::Usage(format!(
                "no profiles in {} nor in the AWS config file: add one with `aws-auth add --profile NAME` or \
                 `aws-auth import --profile NAME` (`aws-auth profiles --example` shows every setting)",
                path.display()
            ))
        } else {
            config::ConfigError::Missing { path }.into()
        });
    }
    let rows: Vec<[String; 4]> = names
        .iter()
        .map(|name| {
            let in_toml = files.profiles.profiles.contains_key(name);
            let in_aws = files
                .aws
                .as_ref()
                .is_some_and(|a| a.profiles.contains_key(name));
            let from = match (in_toml, in_aws) {
                (true, false) => "profiles.toml".to_owned(),
                (false, _) => "aws config".to_owned(),
                (true, true) => "both (profiles.toml wins)".to_owned(),
            };
            match files.profile(name) {
                Ok(found) => {
                    let from = if found.keys_from == *name {
                        from
                    } else {
                        format!("{from}, keys of {}", found.keys_from)
                    };
                    [name.as_str(), &backend(&found.raw), &role(&found), &from]
                        .map(crate::report::escape)
                }
                Err(_) => [
                    name.as_str(),
                    "-",
                    "-",
                    &format!("{from}, no keys: not usable"),
                ]
                .map(crate::report::escape),
            }
        })
        .collect();
    let mut out = Zeroizing::new(String::new());
    let headers = [
        "PROFILE".to_owned(),
        "BACKEND".to_owned(),
        "ROLE".to_owned(),
        "FROM".to_owned(),
    ];
    let width = |i: usize| {
        rows.iter()
            .chain(std::iter::once(&headers))
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    for row in std::iter::once(&headers).chain(rows.iter()) {
        out.push_str(&format!(
            "{:w0$}  {:w1$}  {:w2$}  {}\n",
            row[0], row[1], row[2], row[3]
        ));
    }
    Ok(out)
}

/// The declared backend, else the scheme the secret key is read with.
fn backend(raw: &RawProfile) -> String {
    if let Some(backend) = &raw.backend {
        return backend.clone();
    }
    match raw
        .secret_access_key
        .as_deref()
        .and_then(|s| s.split_once(':'))
    {
        Some((scheme, _)) if scheme != "literal" => scheme.to_owned(),
        _ if raw.secret_access_key.is_some() => "(plain text)".to_owned(),
        _ => "-".to_owned(),
    }
}

fn role(found: &aws_config::Resolved) -> String {
    let raw = &found.raw;
    match (&raw.role_arn, &raw.backend) {
        // A chain: every role in the order it is assumed.
        (Some(role), _) if !found.via_roles.is_empty() => {
            let mut shown: Vec<&str> = found
                .via_roles
                .iter()
                .map(|v| v.role_arn.as_str())
                .collect();
            shown.push(role);
            shown.join(" -> ")
        }
        (Some(role), _) => role.clone(),
        (None, Some(_)) => "(from the backend entry, if any)".to_owned(),
        (None, None) => "-".to_owned(),
    }
}
