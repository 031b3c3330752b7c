//! The one place aws-auth runs other programs. argv only, never a shell; stdin closed or fed
//! from a zeroizing buffer through a pipe; stdout read into a zeroizing buffer of bounded
//! size; stderr kept for error messages; every run bounded in time.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::sync::{Arc, mpsc};
use std::time::Duration;
use zeroize::Zeroizing;

/// The most a password manager may print for one read.
const MAX_STDOUT: usize = 64 * 1024;
/// The most stderr kept for a message.
const MAX_STDERR: usize = 2000;

/// What a finished program left.
pub struct Finished {
    /// `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: Zeroizing<Vec<u8>>,
    /// Cleaned of control characters and cut short; may be shown to the user.
    pub stderr: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{program} is not installed (not found on PATH)")]
    NotInstalled { program: String },
    #[error("{program} did not finish within {} s", .limit.as_secs_f64())]
    Timeout { program: String, limit: Duration },
    #[error("{program} printed more than {MAX_STDOUT} bytes")]
    TooMuchOutput { program: String },
    #[error("running {program} failed: {reason}")]
    Io { program: String, reason: String },
}

/// Variables a child never needs: aws-auth's own AWS secrets.
const SCRUBBED: &[&str] = &[
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
];

/// Runs `program args` with `stdin` (none: closed) and waits at most `limit`.
/// On time-out the child is killed and the call returns at once.
pub fn run(
    program: &str,
    args: &[String],
    stdin: Option<&[u8]>,
    limit: Duration,
) -> Result<Finished, RunError> {
    let io_err = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::NotFound {
            RunError::NotInstalled {
                program: program.to_owned(),
            }
        } else {
            RunError::Io {
                program: program.to_owned(),
                reason: e.kind().to_string(),
            }
        }
    };
    let mut expression = duct::cmd(program, args).stderr_capture().unchecked();
    for var in SCRUBBED {
        expression = expression.env_remove(var);
    }
    // cron may set no HOME; pass, gpg and friends find their stores through it.
    if crate::env::var("HOME").is_none()
        && let Some(home) = crate::passwd::home_dir()
    {
        expression = expression.env("HOME", home);
    }
    let feeder = match stdin {
        None => {
            expression = expression.stdin_null();
            None
        }
        Some(bytes) => {
            let (reader, mut writer) = os_pipe::pipe().map_err(io_err)?;
            expression = expression.stdin_file(reader);
            let bytes = Zeroizing::new(bytes.to_vec());
            Some(std::thread::spawn(move || {
                let _ = writer.write_all(&bytes);
            }))
        }
    };
    let handle = Arc::new(expression.reader().map_err(io_err)?);
    // The expression holds the read end of the stdin pipe; drop ours so EOF arrives.
    drop(expression);

    let (done, result) = mpsc::channel();
    let reading = Arc::clone(&handle);
    std::thread::spawn(move || {
        let mut buf = Zeroizing::new(vec![0u8; MAX_STDOUT + 1]);
        let mut len = 0;
        let outcome = loop {
            match (&*reading).read(&mut buf[len..]) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    len += n;
                    if len > MAX_STDOUT {
                        let _ = reading.kill();
                        break Err(None);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Err(Some(e)),
            }
        };
        let status = reading
            .try_wait()
            .ok()
            .flatten()
            .map(|o| (o.status.code(), o.stderr.clone()));
        buf.truncate(len);
        let _ = done.send((outcome, buf, status));
    });

    let (outcome, stdout, status) = match result.recv_timeout(limit) {
        Ok(received) => received,
        Err(_) => {
            // Killed, not waited for: a grandchild may hold the pipe open, and we are done.
            let _ = handle.kill();
            return Err(RunError::Timeout {
                program: program.to_owned(),
                limit,
            });
        }
    };
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    match outcome {
        Ok(()) => {}
        Err(None) => {
            return Err(RunError::TooMuchOutput {
                program: program.to_owned(),
            });
        }
        Err(Some(e)) => return Err(io_err(e)),
    }
    let (code, stderr) = status.unwrap_or((None, Vec::new()));
    Ok(Finished {
        code,
        stdout,
        stderr: clean(&stderr),
    })
}

/// The environment a command run with credentials gets: `set` added, `remove` taken out,
/// the rest inherited.
pub struct ChildEnv<'a> {
    pub set: Vec<(&'static str, &'a str)>,
    pub remove: &'a [&'a str],
}

fn command_with(program: &OsStr, args: &[OsString], env: &ChildEnv) -> std::process::Command {
    let mut command = std::process::Command::new(program);
    command.args(args);
    for name in env.remove {
        command.env_remove(name);
    }
    for (name, value) in &env.set {
        command.env(name, value);
    }
    command
}

/// Replaces this process with `program args` (execve: the command's signals, its exit
/// status, its stdout). Returns only on failure.
#[cfg(unix)]
pub fn exec(program: &OsStr, args: &[OsString], env: &ChildEnv) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    command_with(program, args, env).exec()
}

/// Starts `program args` with stdin, stdout and stderr inherited (a command run under
/// `aws-auth serve`); the caller waits for it.
pub fn spawn(
    program: &OsStr,
    args: &[OsString],
    env: &ChildEnv,
) -> std::io::Result<std::process::Child> {
    command_with(program, args, env).spawn()
}

/// stderr for a message: lossy UTF-8, control characters as spaces, one paragraph, bounded.
fn clean(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > MAX_STDERR {
        format!("{}…", text.chars().take(MAX_STDERR).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// `sh FILE` for a script written to a temp file: the runner gets plain argv.
    fn sh(body: &str) -> (tempfile::TempDir, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("script.sh");
        std::fs::write(&path, body).unwrap();
        (dir, vec![path.to_string_lossy().into_owned()])
    }

    #[test]
    fn captures_stdout_stderr_and_code() {
        let (_dir, args) = sh("printf 'a\\nb\\n'; echo oops >&2; exit 3");
        let done = run("sh", &args, None, Duration::from_secs(10)).unwrap();
        assert_eq!(done.code, Some(3));
        assert_eq!(&done.stdout[..], b"a\nb\n");
        assert_eq!(done.stderr, "oops");
    }

    #[test]
    fn stdin_is_closed_unless_fed() {
        let done = run("cat", &[], None, Duration::from_secs(10)).unwrap();
        assert!(done.stdout.is_empty());
        let done = run("cat", &[], Some(b"fed\n"), Duration::from_secs(10)).unwrap();
        assert_eq!(&done.stdout[..], b"fed\n");
    }

    #[test]
    fn missing_program_is_not_installed() {
        let result = run(
            "aws-auth-no-such-program",
            &[],
            None,
            Duration::from_secs(5),
        );
        assert!(matches!(result, Err(RunError::NotInstalled { .. })));
    }

    #[test]
    fn a_hung_program_is_cut_off_even_if_a_grandchild_holds_the_pipe() {
        let (_dir, args) = sh("sleep 30; echo late");
        let start = Instant::now();
        let err = run("sh", &args, None, Duration::from_millis(300))
            .err()
            .unwrap();
        assert!(matches!(err, RunError::Timeout { .. }), "{err}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn output_is_bounded() {
        let (_dir, args) = sh("head -c 200000 /dev/zero");
        let err = run("sh", &args, None, Duration::from_secs(10))
            .err()
            .unwrap();
        assert!(matches!(err, RunError::TooMuchOutput { .. }), "{err}");
    }
    /// A password manager never sees aws-auth's own AWS secrets, whatever name they go by
    /// (AWS_SECURITY_TOKEN is the old name of the session token). The integration test
    /// `backends::password_managers_never_see_aws_secrets_from_the_environment` checks the
    /// same through a real child.
    #[test]
    fn aws_secrets_are_scrubbed_from_children() {
        for name in [
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
        ] {
            assert!(SCRUBBED.contains(&name), "{name} reaches password managers");
        }
    }
}
