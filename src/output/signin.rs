//! The AWS console's federation endpoint: role (or federation-token) credentials are traded
//! for a sign-in token (`Action=getSigninToken`), which goes into the console login URL
//! (`Action=login`). The sign-in token is a credential: it is kept in zeroizing strings and
//! leaves only in the URL handed to the browser or printed on stdout. The endpoint is the
//! partition's signin host, or `AWS_AUTH_SIGNIN_URL`.

use crate::credentials::SessionCredentials;
use crate::output::render::json::quote;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use http_body_util::BodyExt;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use zeroize::Zeroizing;

/// A real answer is under a kilobyte.
const MAX_ANSWER: usize = 64 * 1024;

/// Where to sign in, and the console a login lands on by default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signin {
    /// `https://signin.aws.amazon.com/federation`
    pub endpoint: String,
    /// `https://console.aws.amazon.com/`
    pub console: String,
}

/// The partition's hosts for `region`, unless `override_url` (AWS_AUTH_SIGNIN_URL) names
/// the federation endpoint: https, or http only to this machine (a test server).
pub fn signin_for(region: &str, override_url: Option<&str>) -> Result<Signin, String> {
    let (signin, console) = if region.starts_with("cn-") {
        (
            "https://signin.amazonaws.cn",
            "https://console.amazonaws.cn/",
        )
    } else if region.starts_with("us-gov-") {
        (
            "https://signin.amazonaws-us-gov.com",
            "https://console.amazonaws-us-gov.com/",
        )
    } else {
        (
            "https://signin.aws.amazon.com",
            "https://console.aws.amazon.com/",
        )
    };
    let endpoint = match override_url {
        None => format!("{signin}/federation"),
        Some(url) => {
            crate::endpoint_url::check(url, true).map_err(|why| {
                format!(
                    "AWS_AUTH_SIGNIN_URL {:?} cannot be used: {why}",
                    crate::report::redact_url(url)
                )
            })?;
            url.to_owned()
        }
    };
    Ok(Signin {
        endpoint,
        console: console.to_owned(),
    })
}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
pub fn percent_encode(text: &str, out: &mut String) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

/// The `getSigninToken` URL: the credentials, as JSON, in its `Session` parameter.
fn token_request_url(endpoint: &str, credentials: &SessionCredentials) -> Zeroizing<String> {
    let mut session = Zeroizing::new(String::with_capacity(2048));
    session.push_str("{\"sessionId\":");
    quote(&credentials.access_key_id, &mut session);
    session.push_str(",\"sessionKey\":");
    quote(credentials.secret_access_key.expose_secret(), &mut session);
    session.push_str(",\"sessionToken\":");
    quote(credentials.session_token.expose_secret(), &mut session);
    session.push('}');
    let mut url = Zeroizing::new(String::with_capacity(4096));
    url.push_str(endpoint);
    url.push_str(if endpoint.contains('?') { "&" } else { "?" });
    url.push_str("Action=getSigninToken&Session=");
    percent_encode(&session, &mut url);
    url
}

/// The console login URL carrying `token`, landing on `destination`.
pub fn login_url(endpoint: &str, destination: &str, token: &SecretString) -> Zeroizing<String> {
    let mut url = Zeroizing::new(String::with_capacity(2048));
    url.push_str(endpoint);
    url.push_str(if endpoint.contains('?') { "&" } else { "?" });
    url.push_str("Action=login&Issuer=aws-auth&Destination=");
    percent_encode(destination, &mut url);
    url.push_str("&SigninToken=");
    percent_encode(token.expose_secret(), &mut url);
    url
}

/// The `SigninToken` string of the endpoint's JSON answer (`{"SigninToken":"..."}`).
fn parse_token(body: &str) -> Option<SecretString> {
    let rest = body.split_once("\"SigninToken\"")?.1.trim_start();
    let rest = rest.strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let mut token = Zeroizing::new(String::with_capacity(rest.len()));
    let mut chars = rest.chars();
    loop {
        match chars.next()? {
            '"' => break,
            '\\' => match chars.next()? {
                '/' => token.push('/'),
                '\\' => token.push('\\'),
                '"' => token.push('"'),
                // A token is URL-safe text: any other escape is not one.
                _ => return None,
            },
            c if c.is_control() => return None,
            c => token.push(c),
        }
    }
    (!token.is_empty()).then(|| SecretString::from(token.as_str()))
}

/// Trades `credentials` for a sign-in token at `endpoint`. Errors never show the request
/// (it holds the credentials) or the answer beyond a cleaned excerpt.
pub fn signin_token(
    endpoint: &str,
    credentials: &SessionCredentials,
    tls: Option<aws_smithy_http_client::tls::TlsContext>,
    timeout: Duration,
) -> Result<SecretString, String> {
    let shown = crate::report::redact_url(endpoint.split('?').next().unwrap_or(endpoint));
    let url = token_request_url(endpoint, credentials);
    let mut request = HttpRequest::new(SdkBody::empty());
    request
        .set_uri(url.as_str())
        .map_err(|_| format!("{shown} is not a usable URL"))?;
    request.headers_mut().insert(
        "user-agent",
        concat!("aws-auth/", env!("CARGO_PKG_VERSION")),
    );
    let mut builder = aws_smithy_http_client::Connector::builder()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
    if let Some(context) = tls {
        builder = builder.tls_context(context);
    }
    builder.set_proxy_config(Some(ProxyConfig::from_env()));
    let connector = builder.build();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the I/O runtime: {e}"))?;
    let answer = runtime.block_on(async {
        tokio::time::timeout(timeout, async {
            let response = connector.call(request).await.map_err(|e| {
                let text = crate::report::clean(&innermost(&e));
                format!("could not reach {shown}: {text}")
            })?;
            let status = response.status().as_u16();
            let body = http_body_util::Limited::new(response.into_body(), MAX_ANSWER)
                .collect()
                .await
                .map_err(|_| {
                    format!(
                        "{shown} sent an answer that could not be read, or over {} KiB",
                        MAX_ANSWER / 1024
                    )
                })?
                .to_bytes();
            Ok::<_, String>((status, Zeroizing::new(body.to_vec())))
        })
        .await
    });
    let (status, body) = match answer {
        Ok(result) => result?,
        Err(_) => {
            return Err(format!(
                "{shown} did not answer within {} s",
                timeout.as_secs_f64()
            ));
        }
    };
    let text = String::from_utf8_lossy(&body);
    if status != 200 {
        let excerpt: String = crate::report::clean(&text).chars().take(200).collect();
        return Err(format!(
            "{shown} refused the credentials (HTTP {status}{}); the console accepts only role credentials or a \
             federation token, and the role must allow console sign-in",
            if excerpt.is_empty() {
                String::new()
            } else {
                format!(": {excerpt}")
            }
        ));
    }
    let token = parse_token(&text);
    if let std::borrow::Cow::Owned(mut owned) = text {
        zeroize::Zeroize::zeroize(&mut owned);
    }
    token.ok_or_else(|| {
        format!("{shown} answered without a SigninToken: is it the federation endpoint?")
    })
}

/// The innermost cause of an error ("Connection refused" and the like).
fn innermost(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(e) = current {
        text = e.to_string();
        current = e.source();
    }
    // Never an URL: the request's holds the credentials.
    match text.find("http") {
        Some(at) => text[..at].trim().to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests;
