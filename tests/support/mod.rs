//! Shared helpers for the integration tests: a scrubbed sandbox to run aws-auth (and shells,
//! and the AWS CLI) in, a process runner with a time bound, a real STS on loopback (moto) and
//! a scriptable hostile STS. Not tests themselves; every test module may use any of it.

#![allow(dead_code)] // Each helper is used by some tests, not all.

pub mod hostile_sts;
pub mod moto;
pub mod other_user;
pub mod process;
pub mod sandbox;
pub mod tls;

pub use hostile_sts::{FakeCredentials, HostileSts, Reply, in_an_hour};
pub use moto::moto;
pub use process::{Run, run, run_limited, run_with_stdin, with_descriptor_limit};
pub use sandbox::{Sandbox, aws_auth_bin, in_terminal, without_terminal};

/// Source keys the tests start from. The secret is distinctive so a leak is easy to spot.
pub const SOURCE_ACCESS_KEY_ID: &str = "AKIAAWSAUTHSOURCE001";
pub const SOURCE_SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+SourceSecretDoNotLeak";
/// A valid MFA code that appears nowhere else (not in the account id, not in a date).
pub const TOKEN_CODE: &str = "907153";
pub const SERIAL_NUMBER: &str = "arn:aws:iam::123456789012:mfa/alice";
pub const ACCOUNT: &str = "123456789012";

/// `arn:aws:iam::123456789012:role/NAME`.
/// `TAG-PID-N-NANOS`: unique across the tests of a process (N), processes (PID) and runs
/// or containers whose pids repeat (the clock), for names in shared places (moto, the
/// user's kernel keyring).
pub fn unique(tag: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .subsec_nanos();
    format!(
        "{tag}-{}-{}-{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    )
}

pub fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

/// What `aws sts get-caller-identity` shows for a role session.
pub fn assumed_role_arn(role: &str, session: &str) -> String {
    format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}")
}

/// What a successful shell script printed, trimmed: the `aws sts get-caller-identity` ARN.
pub fn caller_arn(run: &Run) -> String {
    run.assert_success();
    run.stdout_str().trim().to_owned()
}

/// The POSIX shells the `sh` format must work in.
pub const POSIX_SHELLS: [&str; 3] = ["bash", "zsh", "dash"];

/// Splits NUL-terminated records (`printf '%s\0' ...` output) into byte strings.
pub fn split_nul(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut fields: Vec<Vec<u8>> = bytes.split(|&b| b == 0).map(<[u8]>::to_vec).collect();
    // A trailing NUL leaves one empty piece after it.
    if fields.last().is_some_and(Vec::is_empty) {
        fields.pop();
    }
    fields
}

pub mod aws_proxy;
pub mod background;
pub mod desktop;
pub mod fakes;
pub mod federation;
pub mod flood;
pub mod http;
pub mod pass_store;
pub mod passage_store;
pub mod profile_kit;
pub mod seccomp;
pub mod secret_service;
pub mod sessions_rig;
pub mod sigv4;
pub mod strict_sts;
pub mod sts_form;
pub mod tmux;
