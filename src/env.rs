//! The environment variables aws-auth itself reads, in one place below every stage: the
//! region, the STS and IAM endpoints, the CA bundle, how to ask for a code, the keys of a
//! run without a profile. (The password managers' own variables pass through to them; the
//! cache's store choice is the cache's.) Each lookup checks what it reads and names the
//! variable in its error.

use crate::credentials::{KeyOrigin, SourceCredentials};
use crate::error::Error;
use crate::secrets::dialog::Prompt;
use crate::settings::validate;
use secrecy::SecretString;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// A variable's value, with empty treated as unset.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The STS region: `given` (a flag or the profile, with the name of where it came from for
/// errors), else `AWS_REGION`, else `AWS_DEFAULT_REGION`, else us-east-1.
pub fn region(given: Option<(&str, &str)>) -> Result<String, Error> {
    region_from(given, var)
}

/// `region` with the environment lookup as a parameter, so the order can be tested.
pub(crate) fn region_from(
    given: Option<(&str, &str)>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<String, Error> {
    let (name, value) = match given {
        Some((from, region)) => (from.to_owned(), region.to_owned()),
        None => ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .into_iter()
            .find_map(|name| env(name).map(|v| (name.to_owned(), v)))
            .unwrap_or(("default".to_owned(), "us-east-1".to_owned())),
    };
    validate::region(&value).map_err(|e| Error::Usage(format!("{name}: {}", e.problem)))?;
    Ok(value)
}

/// The region the console opens in, from the environment alone (login without one given).
pub fn console_region() -> Option<String> {
    var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION"))
}

/// STS's endpoint variable, and IAM's (for `rotate`).
pub const STS_ENDPOINT: &str = "AWS_ENDPOINT_URL_STS";
pub const IAM_ENDPOINT: &str = "AWS_ENDPOINT_URL_IAM";

/// `service_var` (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL_IAM`), else `AWS_ENDPOINT_URL`,
/// unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`: what the AWS CLI and SDKs honour.
pub fn endpoint_url(service_var: &str) -> Result<Option<String>, Error> {
    if var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Ok(None);
    }
    for name in [service_var, "AWS_ENDPOINT_URL"] {
        if let Some(url) = var(name) {
            // Plain http stays allowed (a local emulator such as LocalStack on another
            // container), as the AWS SDKs allow it; no request carries a secret.
            crate::endpoint_url::check(&url, false).map_err(|why| {
                Error::Usage(format!(
                    "{name} {:?} cannot be used: {why}",
                    crate::report::redact_url(&url)
                ))
            })?;
            return Ok(Some(url));
        }
    }
    Ok(None)
}

/// `AWS_CA_BUNDLE`: more CA certificates to trust for STS and the sign-in endpoint.
pub fn ca_bundle() -> Option<PathBuf> {
    var("AWS_CA_BUNDLE").map(PathBuf::from)
}

/// `AWS_AUTH_SIGNIN_URL`: the console federation endpoint `login` uses instead of AWS's.
pub fn signin_url() -> Option<String> {
    var("AWS_AUTH_SIGNIN_URL")
}

/// How a code is asked: the profile's `prompt` (`profile` is its name and value), else
/// `AWS_AUTH_PROMPT`, else auto.
pub fn prompt(profile: Option<(&str, &str)>) -> Result<Prompt, Error> {
    let (text, from) = match profile {
        Some((name, text)) => (text.to_owned(), format!("profile \"{name}\", prompt")),
        None => match var("AWS_AUTH_PROMPT") {
            Some(text) => (text, "AWS_AUTH_PROMPT".to_owned()),
            None => return Ok(Prompt::Auto),
        },
    };
    Prompt::parse(&text).ok_or_else(|| {
        Error::Usage(format!(
            "{from}: \"{text}\" is not a way to ask; use one of {}",
            Prompt::NAMES
        ))
    })
}

/// The keys of a run without a profile: the standard AWS variables. A session token beside
/// a long-term (AKIA…) key is a leftover of an earlier eval: it is ignored, with a warning,
/// rather than sent with the wrong key. `AWS_PROFILE` is never read (a credential_process
/// child of the AWS CLI inherits it): without keys, the error says to pass --profile.
pub fn source_keys() -> Result<SourceCredentials, Error> {
    let (Some(access_key_id), Some(secret)) = (
        var("AWS_ACCESS_KEY_ID"),
        std::env::var_os("AWS_SECRET_ACCESS_KEY"),
    ) else {
        if let Some(profile) = var("AWS_PROFILE") {
            return Err(Error::Usage(format!(
                "no --profile, and aws-auth does not read AWS_PROFILE (\"{profile}\": a credential_process child of the \
                 AWS CLI inherits it); run aws-auth --profile {profile} (or -p {profile})"
            )));
        }
        return Err(Error::Usage(
            "no AWS keys to start from: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (e.g. \
             AWS_ACCESS_KEY_ID=$(pass aws-access-key-id) AWS_SECRET_ACCESS_KEY=$(pass aws-secret-access-key) aws-auth ...), \
             or pass --profile NAME"
                .into(),
        ));
    };
    // Checked like a profile's: a secret given as the id would travel in a request header.
    validate::access_key_id(&access_key_id)
        .map_err(|e| Error::Usage(format!("AWS_ACCESS_KEY_ID: {}", e.problem)))?;
    let secret = Zeroizing::new(
        secret
            .into_string()
            .map_err(|_| Error::Usage("AWS_SECRET_ACCESS_KEY is not valid UTF-8".into()))?,
    );
    if secret.is_empty() {
        return Err(Error::Usage("AWS_SECRET_ACCESS_KEY is empty".into()));
    }
    let mut session_token = std::env::var_os("AWS_SESSION_TOKEN")
        .filter(|t| !t.is_empty())
        .map(|t| Zeroizing::new(t.to_string_lossy().into_owned()));
    if session_token.is_some() && access_key_id.starts_with("AKIA") {
        crate::say!(
            "aws-auth: warning: ignoring AWS_SESSION_TOKEN: AWS_ACCESS_KEY_ID is a long-term key, so the token is a leftover of an earlier session"
        );
        session_token = None;
    }
    Ok(SourceCredentials {
        access_key_id,
        secret_access_key: SecretString::from(secret.as_str()),
        session_token: session_token.map(|t| SecretString::from(t.as_str())),
        origin: KeyOrigin {
            access_key_id: "AWS_ACCESS_KEY_ID".into(),
            secret_access_key: "AWS_SECRET_ACCESS_KEY".into(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_precedence() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let both = env(&[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "us-west-2"),
        ]);
        assert_eq!(
            region_from(Some(("--region", "ap-south-1")), both).unwrap(),
            "ap-south-1"
        );
        assert_eq!(region_from(None, both).unwrap(), "eu-west-1");
        assert_eq!(
            region_from(None, env(&[("AWS_DEFAULT_REGION", "us-west-2")])).unwrap(),
            "us-west-2"
        );
        assert_eq!(region_from(None, env(&[])).unwrap(), "us-east-1");
        let err = region_from(None, env(&[("AWS_REGION", "not a region")])).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().starts_with("AWS_REGION: "), "{err}");
        let err = region_from(Some(("profile \"p\", region", "x y")), env(&[])).unwrap_err();
        assert!(
            err.to_string().starts_with("profile \"p\", region: "),
            "{err}"
        );
    }
}
