//! The subcommands other than the credentials flow and its modes: `add` (store keys),
//! `profiles` (list them), `cache` (status, list, clear).

pub mod add;
pub mod cache;
pub mod profiles;
