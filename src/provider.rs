//! The seam between obtaining credentials and handing them on: printing, `exec` and `serve`
//! all take a `Provider`, and cannot tell a cache hit from a fresh STS call.

use crate::credentials::Issued;
use crate::error::Error;
use std::time::Duration;

pub trait Provider: Send + Sync {
    /// Credentials with at least `min_ttl()` left: from the session cache when it has them,
    /// else from STS (asking for an MFA code if one is needed).
    fn obtain(&self) -> Result<Issued, Error>;

    /// How long credentials handed out must still be valid.
    fn min_ttl(&self) -> Duration;

    /// The profile named on the command line, if any.
    fn profile(&self) -> Option<&str>;
}
