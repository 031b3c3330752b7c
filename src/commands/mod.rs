//! The subcommands other than the credentials flow and its modes: `add` (store keys),
//! `configure` (change a profile's device, role, region or TOTP seed),
//! `profiles` (list them), `cache` (status, list, clear),
//! `doctor` (check a setup without using an MFA code), `completions` and `man`,
//! `import` (keys out of ~/.aws/credentials), `rotate` (a new access key), `login` (the
//! console), `status` (what this shell holds) and `init` (the shell integration).

pub mod add;
pub mod cache;
pub mod completions;
pub mod configure;
pub mod doctor;
pub mod import;
pub mod init;
pub mod login;
pub mod man;
pub mod migrate;
pub mod new_profile;
pub mod profiles;
pub mod rotate;
pub mod status;
