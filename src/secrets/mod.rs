//! Where secrets enter: the password-manager backends and the OS keyring, the one runner of
//! other programs, TOTP computed in-process, and questions asked on the terminal.

pub mod backend;
pub mod dialog;
pub mod process;
pub mod totp;
pub mod tty;
