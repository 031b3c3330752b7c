//! How credentials leave: rendered for a shell or as credential_process JSON, handed to a
//! command by `exec`, served to SDKs by `serve`, or traded for a console sign-in URL
//! (`signin`) that `browser` opens.

pub mod browser;
pub mod exec;
pub mod peer;
pub mod render;
pub mod serve;
pub mod signin;
pub mod vars;
