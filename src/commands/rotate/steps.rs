//! The rotation itself, once the IAM user is known: ListAccessKeys, CreateAccessKey, the
//! new key stored and read back, checked with STS while IAM propagates, then DeleteAccessKey
//! of the old one. AWS and the key store are traits, so every step's failure can be tested
//! without a server; each failure says where IAM and the backend stand.

use crate::credentials::{KeyOrigin, SourceCredentials};
use crate::error::Error;
use crate::sts::iam::{AccessKey, IamError, NewKey};
use secrecy::{ExposeSecret, SecretString};
use std::time::{Duration, Instant};

/// Between two checks of the new key.
const VERIFY_PAUSE: Duration = Duration::from_secs(2);

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
pub(super) fn delete_command(user: &str, id: &str) -> String {
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
    // From here until the outcome is stored and said, a Ctrl-C (or TERM, HUP) waits: cut
    // between two writes, it would leave a new id beside an old secret, two keys in IAM.
    let _finishing = crate::deferral::Deferral::start(&crate::deferral::ROTATING);
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

pub(super) fn list(keys: &[AccessKey]) -> String {
    keys.iter()
        .map(|k| format!("{} {}", k.id, k.status))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The IAM user name of a user ARN (`arn:aws:iam::123456789012:user/path/alice`).
pub(super) fn user_name(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    if !arn.starts_with("arn:") || arn.split(':').nth(2) != Some("iam") {
        return None;
    }
    let path = resource.strip_prefix("user/")?;
    path.rsplit('/').next().filter(|name| !name.is_empty())
}
