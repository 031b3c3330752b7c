//! The `aws-auth` binary: everything lives in the library; this only hands over the exit code.

fn main() {
    std::process::exit(aws_auth::main_entry());
}
