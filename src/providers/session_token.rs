//! GetSessionToken: a session from long-term keys, with the MFA code when there is a device
//! (the MFA session that later role sessions are derived from, or a run without a role).

use super::Provider;
use super::code::{MfaDevice, coded_call};
use crate::credentials::{Issued, SourceCredentials};
use crate::error::Error;
use crate::sts::{Call, Sts};

pub struct SessionToken<'a> {
    pub sts: &'a dyn Sts,
    pub source: &'a SourceCredentials,
    pub duration_seconds: u64,
    pub mfa: Option<MfaDevice<'a>>,
}

impl Provider for SessionToken<'_> {
    fn retrieve(&self) -> Result<Issued, Error> {
        let duration_seconds = self.duration_seconds;
        coded_call(self.sts, self.source, self.mfa, |mfa| Call::SessionToken {
            duration_seconds,
            mfa,
        })
        .map(Issued::plain)
    }
}
