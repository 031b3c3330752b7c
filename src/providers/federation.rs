//! GetFederationToken, for `login` without a role: the console accepts only role
//! credentials or these. From long-term keys; carries no MFA; never cached (the cache files
//! these settings' credentials as GetSessionToken's).

use super::Provider;
use crate::credentials::{Issued, SourceCredentials};
use crate::error::Error;
use crate::settings::scope::Scope;
use crate::sts::client::SdkSts;

pub struct Federation<'a> {
    pub sts: &'a SdkSts,
    pub source: &'a SourceCredentials,
    /// The federated user's name (at most 32 characters).
    pub name: String,
    pub duration_seconds: u64,
    /// Session policies and tags to send in place of the allow-all policy.
    pub scope: Option<&'a Scope>,
}

impl Provider for Federation<'_> {
    fn retrieve(&self) -> Result<Issued, Error> {
        let credentials = self.sts.federation_token(
            self.source,
            &self.name,
            self.duration_seconds,
            self.scope,
        )?;
        Ok(Issued::plain(credentials))
    }
}
