//! How credentials leave: rendered for a shell or as credential_process JSON, handed to a
//! command by `exec`, or served to SDKs by `serve`.

pub mod exec;
pub mod render;
pub mod serve;
