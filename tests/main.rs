//! Integration tests: one binary (autotests = false). Each module pins one area of behaviour
//! against real programs: moto's STS, the real AWS CLI, real shells, a hostile STS.

mod aws_config;
mod backends;
mod cli_errors;
mod completions;
mod configure;
mod dialog;
mod doctor;
mod end_to_end;
mod exec;
mod floods;
mod hardening;
mod hints;
mod hostile_sts;
mod identity;
mod import;
mod keyring;
mod login;
mod memory;
mod pass_gpg;
mod profiles;
mod quoting;
mod readme;
mod rotate;
mod scope;
mod second_user;
mod serve;
mod sessions;
mod shell_init;
mod sts_requests;
mod support;
mod terminal;
mod tls;
mod totp;
mod ykman;
