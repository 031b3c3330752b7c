//! The `aws-auth` binary: everything lives in the library; this only hands over the exit code.

/// Runs before Rust's start-up code, which would hide a closed stdout (see `hardening`).
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
#[used]
#[unsafe(link_section = ".init_array")]
static RECORD_STDOUT: extern "C" fn() = aws_auth::hardening::record_stdout_at_exec;
#[cfg(target_os = "macos")]
#[used]
#[unsafe(link_section = "__DATA,__mod_init_func")]
static RECORD_STDOUT: extern "C" fn() = aws_auth::hardening::record_stdout_at_exec;

fn main() {
    std::process::exit(aws_auth::main_entry());
}
