//! `aws-auth rotate`: replaces a profile's access key with a new one. The IAM user is found
//! with GetCallerIdentity, an MFA session is made first when the profile has a device, then:
//! CreateAccessKey, the new key written where the profile reads its keys (every other line
//! of a one-entry layout kept), read back and checked with STS (retried while IAM
//! propagates, bounded), and only then DeleteAccessKey of the old key and the profile's
//! cached sessions cleared. A failure at any step leaves a working key stored and says where
//! IAM and the backend stand. No secret is printed.

use crate::cli::{FlowArgs, RotateArgs};
use crate::credentials::{KeyOrigin, SourceCredentials};
use crate::error::Error;
use crate::providers::Provider;
use crate::providers::code::{CodeSource, MfaDevice};
use crate::providers::resolve::Resolved;
use crate::providers::session_token::SessionToken;
use crate::secrets::backend::spec::Specs;
use crate::secrets::backend::{Unit, extract, write};
use crate::settings::files::Files;
use crate::settings::reference::{Reference, Value};
use crate::settings::run::RunSettings;
use crate::settings::{profile, validate};
use crate::sts::Endpoint;
use crate::sts::client::SdkSts;
use crate::sts::iam::{AccessKey, IamError, NewKey, SdkIam};
use secrecy::{ExposeSecret, SecretString};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The longest wait for IAM to accept a new key that `--verify-timeout` allows.
const MAX_VERIFY_WAIT: u64 = 300;
/// Between two checks of the new key.
const VERIFY_PAUSE: Duration = Duration::from_secs(2);
/// The MFA session IAM calls are signed with: the shortest STS gives.
const SESSION_SECONDS: u64 = 900;

/// What rotate asks of AWS: IAM, signed with the rotation's credentials (an MFA session of
/// the old key, or the old key), and STS's GetCallerIdentity with a given key.
pub trait Aws {
    fn list_keys(&self, user: &str) -> Result<Vec<AccessKey>, IamError>;
    fn create_key(&self, user: &str) -> Result<NewKey, IamError>;
    fn delete_key(&self, user: &str, access_key_id: &str) -> Result<(), IamError>;
    /// The ARN the key belongs to (a message on failure: the key does not work yet).
    fn caller_arn(&self, keys: &SourceCredentials) -> Result<String, String>;
}

/// Where the profile's keys are stored.
pub trait KeyStore {
    /// "pass entry aws-auth/work", for messages.
    fn describe(&self) -> String;
    /// Writes a key; on failure says whether what was there before is back.
    fn write(&self, access_key_id: &str, secret: &SecretString) -> Result<(), WriteFailure>;
    /// Reads the keys back through the backend, as a run would.
    fn read(&self) -> Result<(String, SecretString), String>;
}

/// A write that did not complete.
#[derive(Debug)]
pub struct WriteFailure {
    pub detail: String,
    /// False when part of it was written and could not be undone.
    pub restored: bool,
}

/// The command that deletes a key by hand.
fn delete_command(user: &str, id: &str) -> String {
    format!("aws iam delete-access-key --user-name {user} --access-key-id {id}")
}

/// The rotation from the user known on: every step's failure says where things stand.
pub fn rotate(
    user: &str,
    user_arn: &str,
    old: &SourceCredentials,
    aws: &dyn Aws,
    store: &dyn KeyStore,
    wait: Duration,
    pause: &dyn Fn(Duration),
) -> Result<String, Error> {
    let old_id = old.access_key_id.as_str();
    let stopped = |what: String| Error::Stopped(what);
    let unchanged = format!("nothing was changed: the stored key {old_id} is still the one in use");
    let keys = aws
        .list_keys(user)
        .map_err(|e| stopped(format!("{e}; {unchanged}")))?;
    if !keys.iter().any(|k| k.id == old_id) {
        return Err(stopped(format!(
            "IAM user {user} has no access key {old_id} (its keys: {}); {unchanged}",
            list(&keys)
        )));
    }
    if let Some(other) = keys.iter().find(|k| k.id != old_id) {
        return Err(stopped(format!(
            "IAM user {user} already has two access keys ({}), the most IAM allows, so no new one can be made; \
             {unchanged}. If nothing uses {} any more, delete it first: {}",
            list(&keys),
            other.id,
            delete_command(user, &other.id)
        )));
    }
    let new = aws.create_key(user).map_err(|e| match e.kind {
        // No answer: IAM may have made the key all the same.
        crate::sts::StsErrorKind::Timeout(_) | crate::sts::StsErrorKind::Network(_) => stopped(format!(
            "{e}; the stored key {old_id} is still the one in use, but IAM may have made a new key whose secret is \
             lost: check with `aws iam list-access-keys --user-name {user}` and delete any key but {old_id} with {}",
            delete_command(user, "ID")
        )),
        _ => stopped(format!("{e}; {unchanged}")),
    })?;
    let new_id = new.access_key_id.clone();
    // Takes the new key out of IAM again after a failure before it was in use.
    let undo_create = |why: String, stored_state: &str| -> Error {
        match aws.delete_key(user, &new_id) {
            Ok(()) => stopped(format!(
                "{why}; the new key {new_id} was deleted from IAM again, and {stored_state}"
            )),
            Err(e) => stopped(format!(
                "{why}; {stored_state}; the new key {new_id} could not be deleted from IAM ({e}): delete it with {}",
                delete_command(user, &new_id)
            )),
        }
    };
    let place = store.describe();
    if let Err(failure) = store.write(&new.access_key_id, &new.secret_access_key) {
        let why = format!(
            "the new key could not be written to {place} ({})",
            failure.detail
        );
        if failure.restored {
            return Err(undo_create(
                why,
                &format!("{place} still holds the old key {old_id}, which still works"),
            ));
        }
        // The id's item is written first: what can be left is the new id beside the old
        // secret. The new secret is kept nowhere, so the new key goes and the old id must
        // come back (it is no secret; the old secret is still stored).
        return Err(undo_create(
            format!("{why}, and what was there before could not all be put back"),
            &format!(
                "{place} may hold the new key id {new_id} beside the old secret key: put {old_id} back as the \
                 profile's access key id (the old key is still active in IAM)"
            ),
        ));
    }
    let restore_old = |why: String| -> Error {
        match store.write(old_id, &old.secret_access_key) {
            Ok(()) => undo_create(
                why,
                &format!("the old key {old_id} is back in {place} and still works"),
            ),
            Err(failure) => stopped(format!(
                "{why}; the old key {old_id} could not be written back to {place} ({}): both keys are still active \
                 in IAM, and {place} holds the new key {new_id}",
                failure.detail
            )),
        }
    };
    let (read_id, read_secret) = match store.read() {
        Ok(keys) => keys,
        Err(e) => {
            return Err(restore_old(format!(
                "reading the new key back from {place} failed ({e})"
            )));
        }
    };
    if read_id != new.access_key_id
        || read_secret.expose_secret() != new.secret_access_key.expose_secret()
    {
        return Err(restore_old(format!(
            "{place} gave back other keys than the new ones just written"
        )));
    }
    let read = SourceCredentials {
        access_key_id: read_id,
        secret_access_key: read_secret,
        session_token: None,
        origin: KeyOrigin::both(&place),
    };
    let deadline = Instant::now() + wait;
    loop {
        match aws.caller_arn(&read) {
            Ok(arn) if arn == user_arn => break,
            Ok(arn) => {
                return Err(restore_old(format!(
                    "the new key {new_id} belongs to {arn}, not to {user_arn}"
                )));
            }
            Err(e) if Instant::now() >= deadline => {
                return Err(restore_old(format!(
                    "STS did not accept the new key {new_id} within {} s ({e})",
                    wait.as_secs()
                )));
            }
            Err(_) => pause(VERIFY_PAUSE.min(deadline.saturating_duration_since(Instant::now()))),
        }
    }
    if let Err(e) = aws.delete_key(user, old_id) {
        return Err(stopped(format!(
            "the new key {new_id} is stored in {place} and works; the old key {old_id} is still active in IAM \
             ({e}): delete it with {}",
            delete_command(user, old_id)
        )));
    }
    Ok(format!(
        "the new key {new_id} of IAM user {user} is stored in {place} and works; the old key {old_id} is deleted"
    ))
}

fn list(keys: &[AccessKey]) -> String {
    keys.iter()
        .map(|k| format!("{} {}", k.id, k.status))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The IAM user name of a user ARN (`arn:aws:iam::123456789012:user/path/alice`).
fn user_name(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    if !arn.starts_with("arn:") || arn.split(':').nth(2) != Some("iam") {
        return None;
    }
    let path = resource.strip_prefix("user/")?;
    path.rsplit('/').next().filter(|name| !name.is_empty())
}

/// The profile's key fields in their backend: one entry of a line-based manager holding
/// both (or one each), or keyring items.
struct BackendKeys {
    id: Reference,
    secret: Reference,
    specs: Specs,
    home: Option<PathBuf>,
    limit: Duration,
}

impl BackendKeys {
    /// The units written, each with the fields that go into it (`None` is line 1 or a
    /// whole keyring item); the id's unit first.
    fn units(&self) -> Vec<(Unit, Vec<(&Reference, bool)>)> {
        let mut units: Vec<(Unit, Vec<(&Reference, bool)>)> = Vec::new();
        for (reference, is_id) in [(&self.id, true), (&self.secret, false)] {
            let unit = Unit::of(reference, &self.specs);
            match units.iter_mut().find(|(u, _)| *u == unit) {
                Some((_, fields)) => fields.push((reference, is_id)),
                None => units.push((unit, vec![(reference, is_id)])),
            }
        }
        units
    }

    fn fetch(&self, unit: &Unit) -> Result<SecretString, String> {
        unit.fetch(&self.specs, self.home.as_deref(), self.limit)
            .map_err(|kind| format!("{unit}: {kind}"))
    }
}

fn field_of(reference: &Reference) -> Option<&str> {
    match reference {
        Reference::Command { field, .. } => field.as_deref(),
        _ => None,
    }
}

impl KeyStore for BackendKeys {
    fn describe(&self) -> String {
        let units = self.units();
        let shown: Vec<String> = units.iter().map(|(u, _)| u.to_string()).collect();
        shown.join(" and ")
    }

    fn write(&self, access_key_id: &str, secret: &SecretString) -> Result<(), WriteFailure> {
        let mut written: Vec<(Unit, SecretString)> = Vec::new();
        let fail = |detail: String, written: Vec<(Unit, SecretString)>| {
            // Put back what this write replaced: a unit that still holds its old text
            // (a failed write changes nothing in pass or gopass) needs nothing.
            let restored = written.iter().all(|(unit, old)| {
                let unchanged = self
                    .fetch(unit)
                    .is_ok_and(|now| now.expose_secret() == old.expose_secret());
                unchanged || write::store(unit, old, &self.specs, self.limit).is_ok()
            });
            WriteFailure { detail, restored }
        };
        for (unit, fields) in self.units() {
            let value = |is_id: bool| {
                if is_id {
                    access_key_id
                } else {
                    secret.expose_secret()
                }
            };
            let old = match self.fetch(&unit) {
                Ok(old) => old,
                Err(e) => return Err(fail(e, written)),
            };
            // A keyring item is one value: its line 1 (`None`) is all of it.
            let replacements: Vec<(Option<&str>, &str)> = fields
                .iter()
                .map(|(reference, is_id)| (field_of(reference), value(*is_id)))
                .collect();
            let new = match write::replace_fields(old.expose_secret(), &replacements) {
                Ok(text) => SecretString::from(text.as_str()),
                Err(kind) => return Err(fail(format!("{unit}: {kind}"), written)),
            };
            if let Err(kind) = write::store(&unit, &new, &self.specs, self.limit) {
                // A failed write may still have replaced the entry: try the old text too.
                written.push((unit, old));
                return Err(fail(kind.to_string(), written));
            }
            written.push((unit, old));
        }
        Ok(())
    }

    fn read(&self) -> Result<(String, SecretString), String> {
        let mut id = None;
        let mut secret = None;
        for (unit, fields) in self.units() {
            let text = self.fetch(&unit)?;
            for (reference, is_id) in fields {
                let value = extract(reference, &text, &self.specs)
                    .map_err(|kind| format!("{reference}: {kind}"))?;
                if is_id {
                    id = Some(value.expose_secret().trim().to_owned());
                } else {
                    secret = Some(SecretString::from(value.expose_secret().trim()));
                }
            }
        }
        match (id, secret) {
            (Some(id), Some(secret)) => Ok((id, secret)),
            _ => Err("a key field is missing".into()),
        }
    }
}

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
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn user_names_come_from_user_arns_only() {
        assert_eq!(
            user_name("arn:aws:iam::123456789012:user/alice"),
            Some("alice")
        );
        assert_eq!(
            user_name("arn:aws-cn:iam::123456789012:user/dev/ops/bob"),
            Some("bob")
        );
        assert_eq!(user_name("arn:aws:iam::123456789012:root"), None);
        assert_eq!(
            user_name("arn:aws:sts::123456789012:assumed-role/admin/alice"),
            None
        );
        assert_eq!(user_name("arn:aws:sts::123456789012:user/x"), None);
        assert_eq!(user_name("arn:aws:iam::123456789012:user/"), None);
        assert_eq!(user_name("nonsense"), None);
    }

    const OLD: &str = "AKIAOLDOLDOLDOLDOLD0";
    const NEW: &str = "AKIANEWNEWNEWNEWNEW0";
    const USER_ARN: &str = "arn:aws:iam::123456789012:user/alice";

    /// Which step fails, and what happened.
    #[derive(Default)]
    struct Script {
        keys: Vec<&'static str>,
        fail_list: bool,
        fail_create: bool,
        fail_delete_new: bool,
        fail_delete_old: bool,
        /// GetCallerIdentity with the new key fails this many times.
        unverified: usize,
        write_fails: Option<bool>,
        restore_fails: bool,
        read_gives: Option<&'static str>,
        /// The secret the store gives back, when not the one written.
        read_secret: Option<&'static str>,
        /// Whom GetCallerIdentity says the new key belongs to, when not the user.
        verify_as: Option<&'static str>,
        log: RefCell<Vec<String>>,
        /// The key id the store holds.
        stored: RefCell<String>,
    }

    fn refused(op: &'static str) -> IamError {
        IamError {
            operation: op,
            user: "alice".into(),
            endpoint: "e".into(),
            kind: crate::sts::StsErrorKind::Service {
                code: "AccessDenied".into(),
                message: String::new(),
                status: Some(403),
            },
        }
    }

    impl Aws for Script {
        fn list_keys(&self, _: &str) -> Result<Vec<AccessKey>, IamError> {
            self.log.borrow_mut().push("list".into());
            if self.fail_list {
                return Err(refused("ListAccessKeys"));
            }
            Ok(self
                .keys
                .iter()
                .map(|id| AccessKey {
                    id: (*id).into(),
                    status: "Active".into(),
                })
                .collect())
        }
        fn create_key(&self, _: &str) -> Result<NewKey, IamError> {
            self.log.borrow_mut().push("create".into());
            if self.fail_create {
                return Err(refused("CreateAccessKey"));
            }
            Ok(NewKey {
                access_key_id: NEW.into(),
                secret_access_key: SecretString::from("new-secret"),
            })
        }
        fn delete_key(&self, _: &str, id: &str) -> Result<(), IamError> {
            self.log.borrow_mut().push(format!("delete {id}"));
            if (id == NEW && self.fail_delete_new) || (id == OLD && self.fail_delete_old) {
                return Err(refused("DeleteAccessKey"));
            }
            Ok(())
        }
        fn caller_arn(&self, keys: &SourceCredentials) -> Result<String, String> {
            let mut log = self.log.borrow_mut();
            log.push(format!("verify {}", keys.access_key_id));
            let attempts = log.iter().filter(|l| l.starts_with("verify")).count();
            if attempts <= self.unverified {
                return Err("InvalidClientTokenId".into());
            }
            Ok(self.verify_as.unwrap_or(USER_ARN).into())
        }
    }

    impl KeyStore for Script {
        fn describe(&self) -> String {
            "pass entry aws-auth/work".into()
        }
        fn write(&self, id: &str, secret: &SecretString) -> Result<(), WriteFailure> {
            let restoring = id == OLD;
            self.log.borrow_mut().push(format!("write {id}"));
            if restoring && self.restore_fails {
                return Err(WriteFailure {
                    detail: "gpg failed".into(),
                    restored: false,
                });
            }
            if let (false, Some(restored)) = (restoring, self.write_fails) {
                return Err(WriteFailure {
                    detail: "gpg failed".into(),
                    restored,
                });
            }
            assert!(!secret.expose_secret().is_empty());
            *self.stored.borrow_mut() = id.into();
            Ok(())
        }
        fn read(&self) -> Result<(String, SecretString), String> {
            self.log.borrow_mut().push("read".into());
            let id = self
                .read_gives
                .map(str::to_owned)
                .unwrap_or_else(|| self.stored.borrow().clone());
            let secret = self.read_secret.unwrap_or(if id == NEW {
                "new-secret"
            } else {
                "old-secret"
            });
            Ok((id, SecretString::from(secret)))
        }
    }

    fn old() -> SourceCredentials {
        SourceCredentials {
            access_key_id: OLD.into(),
            secret_access_key: SecretString::from("old-secret"),
            session_token: None,
            origin: KeyOrigin::both("the test"),
        }
    }

    fn run(script: &Script, wait: Duration) -> (Result<String, String>, Vec<String>, usize) {
        if script.stored.borrow().is_empty() {
            *script.stored.borrow_mut() = OLD.into();
        }
        let pauses = RefCell::new(0);
        let result = rotate("alice", USER_ARN, &old(), script, script, wait, &|_| {
            *pauses.borrow_mut() += 1
        })
        .map_err(|e| e.to_string());
        (result, script.log.borrow().clone(), *pauses.borrow())
    }

    fn one_key() -> Script {
        Script {
            keys: vec![OLD],
            ..Script::default()
        }
    }

    #[test]
    fn the_steps_run_in_order_and_the_old_key_goes_last() {
        let script = one_key();
        let (result, log, _) = run(&script, Duration::from_secs(10));
        let message = result.unwrap();
        assert!(
            message.contains(NEW) && message.contains("deleted"),
            "{message}"
        );
        assert!(!message.contains("secret"), "{message}");
        assert_eq!(
            log,
            [
                "list",
                "create",
                &format!("write {NEW}"),
                "read",
                &format!("verify {NEW}"),
                &format!("delete {OLD}")
            ]
        );
        assert_eq!(*script.stored.borrow(), NEW);
    }

    #[test]
    fn a_user_at_two_keys_is_told_before_anything_changes() {
        let script = Script {
            keys: vec![OLD, "AKIAOTHEROTHEROTHER0"],
            ..Script::default()
        };
        let (result, log, _) = run(&script, Duration::from_secs(10));
        let error = result.unwrap_err();
        assert!(error.contains("two access keys"), "{error}");
        assert!(
            error.contains(
                "aws iam delete-access-key --user-name alice --access-key-id AKIAOTHEROTHEROTHER0"
            ),
            "{error}"
        );
        assert!(error.contains("nothing was changed"), "{error}");
        assert!(
            error.contains(&format!("({OLD} Active, AKIAOTHEROTHEROTHER0 Active)")),
            "both keys listed: {error}"
        );
        assert_eq!(log, ["list"]);
    }

    #[test]
    fn a_key_that_is_not_the_users_is_refused() {
        let script = Script {
            keys: vec!["AKIAOTHEROTHEROTHER0"],
            ..Script::default()
        };
        let (result, log, _) = run(&script, Duration::from_secs(10));
        assert!(result.unwrap_err().contains("has no access key"));
        assert_eq!(log, ["list"]);
    }

    #[test]
    fn a_refused_list_or_create_changes_nothing() {
        for script in [
            Script {
                fail_list: true,
                ..one_key()
            },
            Script {
                fail_create: true,
                ..one_key()
            },
        ] {
            let (result, log, _) = run(&script, Duration::from_secs(10));
            let error = result.unwrap_err();
            assert!(error.contains("nothing was changed"), "{error}");
            assert!(
                !log.iter()
                    .any(|l| l.starts_with("write") || l.starts_with("delete")),
                "{log:?}"
            );
            assert_eq!(*script.stored.borrow(), OLD);
        }
    }

    #[test]
    fn a_create_without_an_answer_says_a_key_may_exist() {
        struct Lost(Script);
        impl Aws for Lost {
            fn list_keys(&self, user: &str) -> Result<Vec<AccessKey>, IamError> {
                self.0.list_keys(user)
            }
            fn create_key(&self, _: &str) -> Result<NewKey, IamError> {
                Err(IamError {
                    operation: "CreateAccessKey",
                    user: "alice".into(),
                    endpoint: "e".into(),
                    kind: crate::sts::StsErrorKind::Timeout(Duration::from_secs(30)),
                })
            }
            fn delete_key(&self, user: &str, id: &str) -> Result<(), IamError> {
                self.0.delete_key(user, id)
            }
            fn caller_arn(&self, keys: &SourceCredentials) -> Result<String, String> {
                self.0.caller_arn(keys)
            }
        }
        let lost = Lost(one_key());
        *lost.0.stored.borrow_mut() = OLD.into();
        let error = rotate(
            "alice",
            USER_ARN,
            &old(),
            &lost,
            &lost.0,
            Duration::ZERO,
            &|_| {},
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("may have made a new key"), "{error}");
        assert!(
            error.contains("aws iam list-access-keys --user-name alice"),
            "{error}"
        );
        assert!(!error.contains("nothing was changed"), "{error}");
    }

    #[test]
    fn a_failed_write_takes_the_new_key_out_of_iam_again() {
        let script = Script {
            write_fails: Some(true),
            ..one_key()
        };
        let (result, log, _) = run(&script, Duration::from_secs(10));
        let error = result.unwrap_err();
        assert!(
            error.contains(&format!("the new key {NEW} was deleted from IAM again")),
            "{error}"
        );
        assert!(
            error.contains(&format!("still holds the old key {OLD}")),
            "{error}"
        );
        assert_eq!(log.last().unwrap(), &format!("delete {NEW}"));
        assert!(!log.contains(&format!("delete {OLD}")));
    }

    #[test]
    fn a_failed_write_whose_undo_fails_names_the_command() {
        let script = Script {
            write_fails: Some(true),
            fail_delete_new: true,
            ..one_key()
        };
        let error = run(&script, Duration::from_secs(10)).0.unwrap_err();
        assert!(
            error.contains(&format!(
                "aws iam delete-access-key --user-name alice --access-key-id {NEW}"
            )),
            "{error}"
        );
    }

    #[test]
    fn a_half_written_key_says_which_id_to_put_back_and_the_new_key_goes() {
        let script = Script {
            write_fails: Some(false),
            ..one_key()
        };
        let (result, log, _) = run(&script, Duration::from_secs(10));
        let error = result.unwrap_err();
        assert!(error.contains(&format!("put {OLD} back")), "{error}");
        assert!(
            error.contains(&format!("the new key {NEW} was deleted from IAM again")),
            "{error}"
        );
        assert_eq!(log.last().unwrap(), &format!("delete {NEW}"));
        assert!(!log.contains(&format!("delete {OLD}")));
    }

    #[test]
    fn the_new_key_is_checked_again_while_iam_propagates() {
        let script = Script {
            unverified: 3,
            ..one_key()
        };
        let (result, log, pauses) = run(&script, Duration::from_secs(60));
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(log.iter().filter(|l| l.starts_with("verify")).count(), 4);
        assert_eq!(pauses, 3);
        assert_eq!(log.last().unwrap(), &format!("delete {OLD}"));
    }

    #[test]
    fn a_new_key_that_never_works_is_replaced_by_the_old_one_again() {
        let script = Script {
            unverified: usize::MAX,
            ..one_key()
        };
        let (result, log, _) = run(&script, Duration::ZERO);
        let error = result.unwrap_err();
        assert!(error.contains("did not accept the new key"), "{error}");
        assert!(
            error.contains(&format!("the old key {OLD} is back")),
            "{error}"
        );
        assert_eq!(*script.stored.borrow(), OLD);
        assert_eq!(
            log[log.len() - 2..],
            [format!("write {OLD}"), format!("delete {NEW}")]
        );
    }

    #[test]
    fn a_read_back_that_differs_puts_the_old_key_back() {
        let script = Script {
            read_gives: Some("AKIAWRONGWRONGWRONG0"),
            ..one_key()
        };
        let (result, log, _) = run(&script, Duration::from_secs(10));
        assert!(result.unwrap_err().contains("other keys"));
        assert!(!log.iter().any(|l| l.starts_with("verify")), "{log:?}");
        assert_eq!(*script.stored.borrow(), OLD);
    }

    #[test]
    fn a_read_back_with_only_the_secret_wrong_puts_the_old_key_back_too() {
        let script = Script {
            read_secret: Some("truncated"),
            ..one_key()
        };
        let (result, log, _) = run(&script, Duration::from_secs(10));
        assert!(result.unwrap_err().contains("other keys"));
        assert!(!log.iter().any(|l| l.starts_with("verify")), "{log:?}");
        assert_eq!(log.last().unwrap(), &format!("delete {NEW}"));
    }

    #[test]
    fn a_new_key_of_someone_else_is_not_taken_for_the_user_s() {
        let script = Script {
            verify_as: Some("arn:aws:iam::123456789012:user/mallory"),
            ..one_key()
        };
        let (result, log, _) = run(&script, Duration::from_secs(10));
        let error = result.unwrap_err();
        assert!(
            error.contains("belongs to arn:aws:iam::123456789012:user/mallory"),
            "{error}"
        );
        assert_eq!(*script.stored.borrow(), OLD);
        assert!(!log.contains(&format!("delete {OLD}")), "{log:?}");
    }

    #[test]
    fn a_failed_restore_says_what_the_backend_holds() {
        let script = Script {
            unverified: usize::MAX,
            restore_fails: true,
            ..one_key()
        };
        let error = run(&script, Duration::ZERO).0.unwrap_err();
        assert!(
            error.contains(&format!("holds the new key {NEW}")),
            "{error}"
        );
        assert!(error.contains("both keys are still active"), "{error}");
    }

    #[test]
    fn a_failed_delete_of_the_old_key_says_the_new_one_works() {
        let script = Script {
            fail_delete_old: true,
            ..one_key()
        };
        let error = run(&script, Duration::from_secs(10)).0.unwrap_err();
        assert!(
            error.contains(&format!(
                "the new key {NEW} is stored in pass entry aws-auth/work and works"
            )),
            "{error}"
        );
        assert!(
            error.contains(&format!(
                "aws iam delete-access-key --user-name alice --access-key-id {OLD}"
            )),
            "{error}"
        );
        assert_eq!(*script.stored.borrow(), NEW);
    }
}
