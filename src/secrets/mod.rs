//! Where secrets enter: the password-manager backends and the OS keyring, the one runner of
//! other programs, TOTP computed in-process, questions asked on the terminal, and secrets piped on stdin.

pub mod backend;
pub mod dialog;
pub mod process;
pub mod stdin;
pub mod totp;
pub mod tty;
