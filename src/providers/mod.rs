//! How credentials are obtained, as a stack of providers (aws-vault's `vault/` is the
//! model): each way of getting a session is one small type with one `retrieve`, and they
//! stack by wrapping each other. `Cached` wraps any of them and is the only place the cache
//! is used; `stack::choose` is the one place that picks a stack; `Session` is what print,
//! exec, serve, login, rotate and doctor hold, and cannot tell a cache hit from a call.
//!
//! Settings come resolved (`settings::run::RunSettings`); the profile's references are read
//! here (`resolve`), only when a run needs them: a cache hit runs no password manager.

pub mod assume_role;
pub mod cached;
pub mod code;
pub mod federation;
pub(crate) mod gather;
pub mod resolve;
pub mod session;
pub mod session_token;
pub mod stack;
mod values;

#[cfg(test)]
mod tests;

use crate::credentials::Issued;
use crate::error::Error;

pub use session::Session;

/// One way of obtaining credentials.
pub trait Provider: Send + Sync {
    /// A session, from STS or (through `Cached`) from the cache.
    fn retrieve(&self) -> Result<Issued, Error>;
}
