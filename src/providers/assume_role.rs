//! AssumeRole: a role session, from the keys (carrying the MFA code when there is a
//! device) or from another provider's session (an MFA session, or the role before it in a
//! chain), which then needs no code.

use super::Provider;
use super::code::{MfaDevice, coded_call};
use crate::credentials::{Issued, SourceCredentials};
use crate::error::Error;
use crate::settings::scope::Scope;
use crate::sts::{Call, Mfa, Sts};

/// One role to assume, with its own settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleStep {
    pub role_arn: String,
    pub session_name: String,
    /// Sent only when given (STS's default is an hour).
    pub duration_seconds: Option<u64>,
    pub external_id: Option<String>,
    /// The run's scope: on the last role only (the session handed out), when there is one.
    pub scope: Option<Scope>,
}

impl RoleStep {
    fn call(&self, mfa: Option<Mfa>) -> Call {
        Call::AssumeRole {
            role_arn: self.role_arn.clone(),
            session_name: self.session_name.clone(),
            duration_seconds: self.duration_seconds,
            external_id: self.external_id.clone(),
            mfa,
            scope: self.scope.clone().map(Box::new),
        }
    }
}

/// What the role is assumed with.
pub enum From<'a> {
    /// The source keys themselves, with the code when there is a device.
    Keys {
        source: &'a SourceCredentials,
        mfa: Option<MfaDevice<'a>>,
    },
    /// The session another provider gives.
    Session(Box<dyn Provider + 'a>),
}

pub struct AssumeRole<'a> {
    pub sts: &'a dyn Sts,
    pub from: From<'a>,
    pub role: &'a RoleStep,
    /// The run's MFA device, named in an error of a call from a session (which carries no
    /// code of its own).
    pub device: Option<&'a str>,
}

impl Provider for AssumeRole<'_> {
    fn retrieve(&self) -> Result<Issued, Error> {
        match &self.from {
            From::Keys { source, mfa } => {
                coded_call(self.sts, source, *mfa, |mfa| self.role.call(mfa)).map(Issued::plain)
            }
            From::Session(inner) => {
                let base = inner.retrieve()?;
                let source = base
                    .credentials
                    .into_source("the session it was assumed from");
                let credentials = self
                    .sts
                    .call(&source, &self.role.call(None))
                    .map_err(|e| e.with_device(self.device))?;
                Ok(Issued {
                    credentials,
                    region: None,
                    mfa_session: base.mfa_session,
                })
            }
        }
    }
}
