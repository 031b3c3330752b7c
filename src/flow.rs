//! The credentials flow: inputs → checks → source keys → MFA code → one STS call → rendered
//! text. Nothing is written here: the caller prints the result only when all of it succeeded.

use crate::backend::spec::Specs;
use crate::ca_bundle;
use crate::cli::FlowArgs;
use crate::config::{self, Profiles};
use crate::credentials::SourceCredentials;
use crate::error::Error;
use crate::passwd;
use crate::profile::{self, ProfileError};
use crate::render;
use crate::session_name;
use crate::sts::{Call, Endpoint, Mfa, Sts};
use crate::sts_client::SdkSts;
use crate::tty;
use crate::validate::{self, CHAINED_ROLE_MAX, ROLE_DURATION, SESSION_DURATION};
use secrecy::{ExposeSecret, SecretString};
use std::path::Path;
use std::time::Duration;
use zeroize::Zeroizing;

/// Default GetSessionToken length: 12 hours.
pub const DEFAULT_SESSION_DURATION: u64 = 43_200;

/// A variable's value, with empty treated as unset.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Runs the whole flow with the real STS: keys from `profile` when one is named, else from
/// the standard AWS variables.
pub fn run(
    mut flow: FlowArgs,
    profile: Option<&str>,
    config: Option<&Path>,
) -> Result<Zeroizing<String>, Error> {
    validate::timeout(flow.timeout)?;
    check_values(&flow)?;
    let url = endpoint_url()?;
    let http_client = match env_var("AWS_CA_BUNDLE") {
        Some(path) => Some(
            ca_bundle::client(Path::new(&path))
                .map_err(|e| Error::Usage(format!("AWS_CA_BUNDLE: {e}")))?,
        ),
        None => None,
    };
    let source = match profile {
        Some(name) => {
            let home = passwd::home_dir();
            let profiles = Profiles::load(&config::path(config, home.as_deref()))?;
            let raw = profiles.get(name)?;
            let specs = Specs::load(Some(&config::config_dir(home.as_deref()).join("backends")))
                .map_err(ProfileError::from)?;
            let limit = Duration::from_secs(flow.timeout);
            profile::apply(name, raw, &mut flow, &specs, home.as_deref(), limit)?
        }
        None => source_from_env()?,
    };
    let endpoint = Endpoint {
        region: region(&flow)?,
        url,
        timeout: Duration::from_secs(flow.timeout),
    };
    run_with(flow, source, &SdkSts::new(endpoint, http_client))
}

/// The flow from resolved source keys on, against any STS.
pub fn run_with(
    flow: FlowArgs,
    source: SourceCredentials,
    sts: &dyn Sts,
) -> Result<Zeroizing<String>, Error> {
    check(&flow, source.session_token.is_some())?;
    let mfa = match &flow.serial_number {
        Some(serial) => Some(Mfa {
            serial_number: serial.clone(),
            token_code: token_code(&flow, serial)?,
        }),
        None => None,
    };
    let call = match &flow.role_arn {
        Some(role_arn) => Call::AssumeRole {
            role_arn: role_arn.clone(),
            session_name: match &flow.role_session_name {
                Some(name) => name.clone(),
                None => session_name::fallback(env_var, session_name::account_name),
            },
            duration_seconds: flow.role_duration_seconds,
            external_id: flow.external_id.clone(),
            mfa,
        },
        None => Call::SessionToken {
            duration_seconds: flow
                .session_duration_seconds
                .unwrap_or(DEFAULT_SESSION_DURATION),
            mfa,
        },
    };
    let credentials = sts.call(&source, &call)?;
    Ok(render::render(
        &credentials,
        flow.region.as_deref(),
        flow.format,
    )?)
}

/// Every check that needs no secret and no request, each with its own message.
pub fn check(flow: &FlowArgs, source_is_temporary: bool) -> Result<(), Error> {
    check_values(flow)?;
    check_combination(flow, source_is_temporary)
}

/// Each given value on its own: formats and ranges.
pub fn check_values(flow: &FlowArgs) -> Result<(), Error> {
    if let Some(serial) = &flow.serial_number {
        validate::serial_number(serial).map_err(|e| e.flag("--serial-number"))?;
    }
    if let Some(code) = &flow.token_code {
        validate::token_code(code.expose_secret()).map_err(|e| e.flag("--token-code"))?;
    }
    if let Some(role_arn) = &flow.role_arn {
        validate::role_arn(role_arn).map_err(|e| e.flag("--role-arn"))?;
    }
    if let Some(seconds) = flow.role_duration_seconds {
        validate::duration(
            "--role-duration-seconds",
            seconds,
            ROLE_DURATION,
            "AssumeRole",
        )?;
    }
    if let Some(seconds) = flow.session_duration_seconds {
        validate::duration(
            "--session-duration-seconds",
            seconds,
            SESSION_DURATION,
            "GetSessionToken",
        )?;
    }
    if let Some(name) = &flow.role_session_name {
        validate::session_name(name).map_err(|e| e.flag("--role-session-name"))?;
    }
    if let Some(id) = &flow.external_id {
        validate::external_id(id).map_err(|e| e.flag("--external-id"))?;
    }
    if let Some(region) = &flow.region {
        validate::region(region).map_err(|e| e.flag("--region"))?;
    }
    Ok(())
}

/// How the values go together, once profile and flags are merged.
fn check_combination(flow: &FlowArgs, source_is_temporary: bool) -> Result<(), Error> {
    if flow.serial_number.is_none() && flow.token_code.is_some() {
        return Err(Error::Usage(
            "--token-code needs --serial-number: name the MFA device the code comes from (arn:aws:iam::ACCOUNT:mfa/USER)".into(),
        ));
    }
    if flow.role_arn.is_some() {
        if flow.session_duration_seconds.is_some() {
            return Err(Error::Usage(
                "--session-duration-seconds applies to GetSessionToken, not to --role-arn: use --role-duration-seconds".into(),
            ));
        }
    } else {
        for (flag, given) in [
            (
                "--role-duration-seconds",
                flow.role_duration_seconds.is_some(),
            ),
            ("--role-session-name", flow.role_session_name.is_some()),
            ("--external-id", flow.external_id.is_some()),
        ] {
            if given {
                return Err(Error::Usage(format!(
                    "{flag} needs --role-arn (the role to assume)"
                )));
            }
        }
        if source_is_temporary {
            return Err(Error::Usage(
                "the source keys are temporary (AWS_SESSION_TOKEN is set with an ASIA… key), and GetSessionToken needs \
                 long-term keys: use your IAM user's keys, or pass --role-arn to assume a role"
                    .into(),
            ));
        }
    }
    if let Some(seconds) = flow.role_duration_seconds
        && source_is_temporary
        && seconds > CHAINED_ROLE_MAX
    {
        return Err(Error::Usage(format!(
            "--role-duration-seconds {seconds} is too long for role chaining: the source keys are temporary \
                 (AWS_SESSION_TOKEN is set), and STS caps such role sessions at {CHAINED_ROLE_MAX} s. Use long-term \
                 keys with --serial-number for up to 43200 s"
        )));
    }
    Ok(())
}

fn token_code(flow: &FlowArgs, serial: &str) -> Result<SecretString, Error> {
    if let Some(code) = &flow.token_code {
        return Ok(code.clone());
    }
    let code = tty::ask_line(
        &format!("MFA code for {serial}: "),
        "the MFA code",
        "Pass --token-code CODE, set mfa_code in the profile (e.g. mfa_code = \"totp:pass:ENTRY\"), \
         or keep an otpauth:// line in the profile's pass or gopass entry",
    )?;
    validate::token_code(code.expose_secret())?;
    Ok(code)
}

/// `--region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`, else us-east-1.
fn region(flow: &FlowArgs) -> Result<String, Error> {
    let (name, value) = [
        ("--region", flow.region.clone()),
        ("AWS_REGION", env_var("AWS_REGION")),
        ("AWS_DEFAULT_REGION", env_var("AWS_DEFAULT_REGION")),
    ]
    .into_iter()
    .find_map(|(name, value)| value.map(|v| (name, v)))
    .unwrap_or(("default", "us-east-1".to_owned()));
    validate::region(&value).map_err(|e| Error::Usage(format!("{name}: {}", e.problem)))?;
    Ok(value)
}

/// `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`.
fn endpoint_url() -> Result<Option<String>, Error> {
    if env_var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Ok(None);
    }
    for name in ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"] {
        if let Some(url) = env_var(name) {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(Error::Usage(format!(
                    "{name} must be an http:// or https:// URL, not {url:?}"
                )));
            }
            return Ok(Some(url));
        }
    }
    Ok(None)
}

/// The standard AWS variables. A session token beside a long-term (AKIA…) key is a leftover
/// of an earlier eval: it is ignored, with a warning, rather than sent with the wrong key.
fn source_from_env() -> Result<SourceCredentials, Error> {
    let (Some(access_key_id), Some(secret)) = (
        env_var("AWS_ACCESS_KEY_ID"),
        std::env::var_os("AWS_SECRET_ACCESS_KEY"),
    ) else {
        return Err(Error::Usage(
            "no AWS keys to start from: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (e.g. \
             AWS_ACCESS_KEY_ID=$(pass aws-access-key-id) AWS_SECRET_ACCESS_KEY=$(pass aws-secret-access-key) aws-auth ...)"
                .into(),
        ));
    };
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
        eprintln!(
            "aws-auth: warning: ignoring AWS_SESSION_TOKEN: AWS_ACCESS_KEY_ID is a long-term key, so the token is a leftover of an earlier session"
        );
        session_token = None;
    }
    Ok(SourceCredentials {
        access_key_id,
        secret_access_key: SecretString::from(secret.as_str()),
        session_token: session_token.map(|t| SecretString::from(t.as_str())),
    })
}
