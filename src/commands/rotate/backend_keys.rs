//! Where a profile's keys are written by `rotate`: the key fields' references in their
//! backend (one entry of a line-based manager holding both, or one each, or keyring items),
//! written with every other line of an entry kept and read back through the backend.

use super::steps::{KeyStore, WriteFailure};
use crate::secrets::backend::spec::Specs;
use crate::secrets::backend::{Unit, extract, write};
use crate::settings::reference::Reference;
use secrecy::{ExposeSecret, SecretString};
use std::path::PathBuf;
use std::time::Duration;

/// The profile's key fields in their backend: one entry of a line-based manager holding
/// both (or one each), or keyring items.
pub(super) struct BackendKeys {
    pub id: Reference,
    pub secret: Reference,
    pub specs: Specs,
    pub home: Option<PathBuf>,
    pub limit: Duration,
}

impl BackendKeys {
    /// The units written, each with the fields that go into it (`None` is line 1 or a
    /// whole keyring item); the id's unit first.
    pub(super) fn units(&self) -> Vec<(Unit, Vec<(&Reference, bool)>)> {
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
