//! `aws-auth profiles`: the profiles of profiles.toml with backend and role, read from the
//! file alone (no backend runs, no secret is read).

use crate::error::Error;
use crate::passwd;
use crate::settings::config::{self, RawProfile};
use std::path::Path;
use zeroize::Zeroizing;

pub fn run(config_flag: Option<&Path>) -> Result<Zeroizing<String>, Error> {
    let path = config::path(config_flag, passwd::home_dir().as_deref());
    let profiles = config::Profiles::load(&path)?;
    let rows: Vec<[String; 3]> = profiles
        .profiles
        .iter()
        .map(|(name, raw)| [name.as_str(), &backend(raw), &role(raw)].map(crate::report::escape))
        .collect();
    let mut out = Zeroizing::new(String::new());
    let headers = [
        "PROFILE".to_owned(),
        "BACKEND".to_owned(),
        "ROLE".to_owned(),
    ];
    let width = |i: usize| {
        rows.iter()
            .chain(std::iter::once(&headers))
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1) = (width(0), width(1));
    for row in std::iter::once(&headers).chain(rows.iter()) {
        out.push_str(&format!("{:w0$}  {:w1$}  {}\n", row[0], row[1], row[2]));
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

fn role(raw: &RawProfile) -> String {
    match (&raw.role_arn, &raw.backend) {
        (Some(role), _) => role.clone(),
        (None, Some(_)) => "(from the backend entry, if any)".to_owned(),
        (None, None) => "-".to_owned(),
    }
}
