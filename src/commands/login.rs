//! `aws-auth login`: the AWS console, signed in. Role credentials (cached MFA session and
//! all, as the main command gets them) or, without a role, a federation token are traded at
//! the federation endpoint for a sign-in token; the login URL then goes to the browser
//! through a one-shot loopback redirect, or to stdout with `--print`. Nowhere else.

use crate::cli::LoginArgs;
use crate::error::Error;
use crate::output::{browser, signin};
use crate::providers::Session;
use crate::settings::run::RunSettings;
use zeroize::Zeroizing;

pub fn run(args: LoginArgs) -> Result<Zeroizing<String>, Error> {
    if let Some(destination) = &args.destination
        && !destination.starts_with("https://")
    {
        return Err(Error::Usage(format!(
            "--destination must be an https:// console URL, not {destination:?}"
        )));
    }
    let override_url = crate::env::signin_url();
    // A bad override fails before any password manager or STS is asked.
    signin::signin_for("us-east-1", override_url.as_deref()).map_err(Error::Usage)?;
    let session = Session::new(RunSettings::resolve(&args.target, &args.flow)?)?;
    let issued = session.console()?;
    // The partition and the console's region: the run's region, else the environment's.
    let region = issued.region.clone().or_else(crate::env::console_region);
    let place = signin::signin_for(
        region.as_deref().unwrap_or("us-east-1"),
        override_url.as_deref(),
    )
    .map_err(Error::Usage)?;
    let tls = match crate::env::ca_bundle() {
        Some(path) => Some(
            crate::sts::ca_bundle::context(&path)
                .map_err(|e| Error::Usage(format!("AWS_CA_BUNDLE: {e}")))?,
        ),
        None => None,
    };
    let token = signin::signin_token(
        &place.endpoint,
        &issued.credentials,
        tls,
        std::time::Duration::from_secs(args.flow.limit.timeout),
    )
    .map_err(Error::Signin)?;
    let destination = match (&args.destination, &region) {
        (Some(destination), _) => destination.clone(),
        (None, Some(region)) => format!("{}console/home?region={region}", place.console),
        (None, None) => place.console.clone(),
    };
    let url = signin::login_url(&place.endpoint, &destination, &token);
    if args.print {
        let mut out = Zeroizing::new(String::with_capacity(url.len() + 1));
        out.push_str(&url);
        out.push('\n');
        return Ok(out);
    }
    browser::open(&url, browser::WAIT).map_err(Error::Signin)?;
    crate::say!(
        "aws-auth: the console is open in your browser, signed in with credentials valid until {}",
        crate::credentials::format_expiration(&issued.credentials.expiration)
    );
    Ok(Zeroizing::new(String::new()))
}
