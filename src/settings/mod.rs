//! What to do: profiles.toml as written and resolved into one run's inputs, the reference
//! syntax, the checks every value passes before any request, the default session name, the
//! scope a session is narrowed to.

pub mod aws_config;
pub mod config;
pub mod edit;
pub mod files;
pub mod identity;
pub mod policy;
pub mod profile;
pub mod reference;
pub mod run;
pub mod scope;
pub mod session_name;
pub mod validate;
