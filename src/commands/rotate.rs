//! `aws-auth rotate`: replaces a profile's access key with a new one. The IAM user is found
//! with GetCallerIdentity, an MFA session is made first when the profile has a device, then:
//! CreateAccessKey, the new key written where the profile reads its keys (every other line
//! of a one-entry layout kept), read back and checked with STS (retried while IAM
//! propagates, bounded), and only then DeleteAccessKey of the old key and the profile's
//! cached sessions cleared. A failure at any step leaves a working key stored and says where
//! IAM and the backend stand. No secret is printed. This file sets it up (`run`); `steps`
//! is the rotation, `backend_keys` where the keys are written.

mod backend_keys;
mod steps;

use crate::cli::{FlowArgs, RotateArgs};
use crate::credentials::SourceCredentials;
use crate::error::Error;
use crate::providers::Provider;
use crate::providers::code::{CodeSource, MfaDevice};
use crate::providers::resolve::Resolved;
use crate::providers::session_token::SessionToken;
use crate::secrets::backend::spec::Specs;
use crate::secrets::backend::{Unit, write};
use crate::settings::files::Files;
use crate::settings::reference::{Reference, Value};
use crate::settings::run::RunSettings;
use crate::settings::{profile, validate};
use crate::sts::Endpoint;
use crate::sts::client::SdkSts;
use crate::sts::iam::{AccessKey, IamError, NewKey, SdkIam};
use backend_keys::BackendKeys;
use std::time::Duration;
use zeroize::Zeroizing;

use steps::user_name;
pub use steps::{Aws, KeyStore, WriteFailure, rotate};

/// The longest wait for IAM to accept a new key that `--verify-timeout` allows.
const MAX_VERIFY_WAIT: u64 = 300;
/// The MFA session IAM calls are signed with: the shortest STS gives.
const SESSION_SECONDS: u64 = 900;

/// IAM and STS for real.
struct RealAws {
    iam: SdkIam,
    sts: SdkSts,
}

impl Aws for RealAws {
    fn list_keys(&self, user: &str) -> Result<Vec<AccessKey>, IamError> {
        self.iam.list_keys(user)
    }

    fn create_key(&self, user: &str) -> Result<NewKey, IamError> {
        self.iam.create_key(user)
    }

    fn delete_key(&self, user: &str, access_key_id: &str) -> Result<(), IamError> {
        self.iam.delete_key(user, access_key_id)
    }

    fn caller_arn(&self, keys: &SourceCredentials) -> Result<String, String> {
        self.sts
            .caller_identity(keys)
            .map(|identity| identity.arn)
            .map_err(|e| e.to_string())
    }
}

/// A key field's reference, refused unless aws-auth can write it.
fn writable_reference(
    name: &str,
    field: &str,
    value: Value,
    specs: &Specs,
) -> Result<Reference, Error> {
    let refuse = |place: String| {
        Error::Usage(format!(
            "profile \"{name}\" reads its {field} from {place}: rotate writes new keys only to pass, gopass and the \
             keyring, so rotate this key by hand (aws iam create-access-key, store it, aws iam delete-access-key)"
        ))
    };
    match value {
        Value::Literal(_) => Err(refuse("profiles.toml itself".into())),
        Value::Ref(reference) => {
            if write::writable(&Unit::of(&reference, specs), specs)
                && !matches!(reference, Reference::Totp(_))
            {
                Ok(reference)
            } else {
                Err(refuse(reference.to_string()))
            }
        }
    }
}

pub fn run(args: RotateArgs) -> Result<Zeroizing<String>, Error> {
    validate::timeout(args.limit.timeout)?;
    if !(1..=MAX_VERIFY_WAIT).contains(&args.verify_timeout) {
        return Err(Error::Usage(format!(
            "--verify-timeout {} is out of range: 1 to {MAX_VERIFY_WAIT} seconds",
            args.verify_timeout
        )));
    }
    let name = args.profile.as_str();
    let limit = Duration::from_secs(args.limit.timeout);
    let files = Files::for_profile(args.file.config.as_deref(), name)?;
    let found = files.profile(name)?;
    let specs = &files.specs;
    // Where the keys go is settled before anything is read or any call made.
    let (id_value, secret_value) =
        profile::key_references(name, &found.raw, &found.keys_from, specs)?;
    let id = writable_reference(name, "access_key_id", id_value, specs)?;
    let secret = writable_reference(name, "secret_access_key", secret_value, specs)?;
    let store = BackendKeys {
        id,
        secret,
        specs: specs.clone(),
        home: files.home.clone(),
        limit,
    };
    if matches!(store.units().as_slice(), [(Unit::Keyring { .. }, fields)] if fields.len() == 2) {
        return Err(Error::Usage(format!(
            "profile \"{name}\" reads both keys from one keyring item; give access_key_id and secret_access_key \
             items of their own"
        )));
    }
    // A new key is written only where it lasts: no Secret Service, no rotate of keyring
    // items (the kernel keyring would lose the new key at reboot, with the old one deleted).
    if store
        .units()
        .iter()
        .any(|(unit, _)| matches!(unit, Unit::Keyring { .. }))
        && let Some(why) = crate::secrets::backend::keyring::durable_unavailable(limit)
    {
        return Err(Error::Usage(why));
    }
    let flags = FlowArgs {
        region: args.region.clone(),
        limit: args.limit,
        min_ttl: 900,
        no_cache: true,
        ..FlowArgs::default()
    };
    let settings = RunSettings::for_profile(&files, name, &flags)?;
    let mut run = Resolved::read(&settings, None)?;
    if let Some(code) = &args.token_code {
        if run.serial.is_none() {
            return Err(Error::Usage(format!(
                "--token-code needs an MFA device, and profile \"{name}\" has none (mfa_serial)"
            )));
        }
        run.code = CodeSource::Given(code.clone());
    }
    // A profile's keys are long-term: no profile field holds a session token.
    let old = run.source.clone();
    let sts = crate::providers::session::sts_for(&settings, &run)?;
    let identity = sts.caller_identity(&old)?;
    let user = user_name(&identity.arn).ok_or_else(|| {
        Error::Usage(format!(
            "profile \"{name}\"'s key belongs to {}, not to an IAM user: only an IAM user's keys can be rotated",
            identity.arn
        ))
    })?;
    // IAM calls are signed with an MFA session when the profile has a device: policies
    // often deny IAM without MFA. The code is asked for once, now.
    let signer = match &run.serial {
        None => old.clone(),
        Some(serial) => SessionToken {
            sts: &sts,
            source: &old,
            duration_seconds: SESSION_SECONDS,
            mfa: Some(MfaDevice {
                serial,
                code: &run.code,
            }),
        }
        .retrieve()?
        .credentials
        .into_source("the MFA session rotate made"),
    };
    let iam = SdkIam::new(
        &Endpoint {
            region: run.sts_region.clone(),
            url: crate::env::endpoint_url(crate::env::IAM_ENDPOINT)?,
            timeout: limit,
        },
        crate::sts::ca_bundle::from_env()?,
        &signer,
    )
    .map_err(|e| Error::Stopped(format!("cannot start the I/O runtime: {e}")))?;
    let aws = RealAws { iam, sts };
    let done = rotate(
        user,
        &identity.arn,
        &old,
        &aws,
        &store,
        Duration::from_secs(args.verify_timeout),
        &std::thread::sleep,
    )?;
    crate::say!("aws-auth: rotated profile \"{name}\": {done}");
    // The profile's sessions, and those filed under the profile whose keys these are (a
    // second no-op when that is the same profile, as for any profile of profiles.toml).
    crate::cache::forget_profile(name);
    crate::cache::forget_profile(&found.keys_from);
    Ok(Zeroizing::new(String::new()))
}

#[cfg(test)]
mod tests;
