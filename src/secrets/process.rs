//! The one place aws-auth runs other programs. argv only, never a shell; stdin closed or fed
//! from a zeroizing buffer through a pipe; stdout read into a zeroizing buffer of bounded
//! size, stderr into a bounded one (the rest is read and dropped); every run bounded in time.
//! Each password manager runs in a process group of its own: reading stops once it has exited
//! and its output is drained (a background child left holding the pipes cannot stall us), and
//! on time-out the whole group is killed. Children never see aws-auth's AWS secrets nor any
//! variable a profile reads a secret from (`scrub`).

use std::ffi::{OsStr, OsString};
use std::io::Write;

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The most a password manager may print for one read.
const MAX_STDOUT: usize = 64 * 1024;
/// The most stderr kept for a message (characters, after cleaning).
const MAX_STDERR: usize = 2000;
/// The most stderr bytes held while a program runs; more is read and dropped.
const MAX_STDERR_BYTES: usize = 8 * 1024;

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
    #[error(
        "{program} stopped to ask on the terminal, which aws-auth never lets a password manager do; \
         unlock it first, then run again"
    )]
    WantsTerminal { program: String },
    #[error("{program} printed more than {MAX_STDOUT} bytes")]
    TooMuchOutput { program: String },
    #[error("running {program} failed: {reason}")]
    Io { program: String, reason: String },
}

/// Whether process `pid` exists (this user's or another's).
pub fn exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 checks for the process only; nothing is sent.
    let found = unsafe { libc::kill(pid, 0) } == 0;
    found || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// The executable file `name` resolves to on PATH, as a shell's `which` finds it.
pub fn find_program(name: &str) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Runs `program args` with `stdin` (none: closed) and waits at most `limit`.
/// On time-out the child's process group is killed and the call returns at once.
pub fn run(
    program: &str,
    args: &[String],
    stdin: Option<&[u8]>,
    limit: Duration,
) -> Result<Finished, RunError> {
    run_inner(program, args, stdin, &[], &Relay::NONE, limit)
}

/// `run` with stdin closed and `env` set for the child on top of what it inherits.
pub fn run_with_env(
    program: &str,
    args: &[String],
    env: &[(&str, &str)],
    limit: Duration,
) -> Result<Finished, RunError> {
    run_inner(program, args, None, env, &Relay::NONE, limit)
}

/// `run` with stdin closed, passing on to the user, as they arrive, the stderr lines that
/// start with one of `relay.prefixes` (a "touch your YubiKey" note while the program waits).
pub fn run_relaying(
    program: &str,
    args: &[String],
    relay: &Relay,
    limit: Duration,
) -> Result<Finished, RunError> {
    run_inner(program, args, None, &[], relay, limit)
}

/// Which stderr lines of a running program are shown to the user at once, and whose they are.
pub struct Relay<'a> {
    pub prefixes: &'a [String],
    pub label: &'a str,
}

impl Relay<'_> {
    const NONE: Relay<'static> = Relay {
        prefixes: &[],
        label: "",
    };

    /// Shows each complete line of `stderr` from `from` on that matches, and returns where
    /// the next unseen line starts.
    fn pass_on(&self, stderr: &[u8], from: usize) -> usize {
        let (lines, next) = self.matching(stderr, from);
        for line in lines {
            crate::say!("aws-auth: {}: {line}", self.label);
        }
        next
    }

    /// The complete lines of `stderr` from `from` on that start with a prefix (trimmed), and
    /// where the first line not yet complete starts.
    fn matching(&self, stderr: &[u8], from: usize) -> (Vec<String>, usize) {
        if self.prefixes.is_empty() {
            return (Vec::new(), stderr.len());
        }
        let mut lines = Vec::new();
        let mut start = from;
        while let Some(end) = stderr[start..].iter().position(|&b| b == b'\n') {
            let line = String::from_utf8_lossy(&stderr[start..start + end]);
            let line = line.trim();
            if self.prefixes.iter().any(|p| line.starts_with(p.as_str())) {
                lines.push(line.to_owned());
            }
            start += end + 1;
        }
        (lines, start)
    }
}

fn run_inner(
    program: &str,
    args: &[String],
    stdin: Option<&[u8]>,
    env: &[(&str, &str)],
    relay: &Relay,
    limit: Duration,
) -> Result<Finished, RunError> {
    let deadline = Instant::now() + limit;
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
    let mut command = Command::new(program);
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        // Its own group, so that a time-out can kill what it started too.
        .process_group(0);
    child_env::for_password_manager(&mut command);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().map_err(io_err)?;
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let bytes = Zeroizing::new(bytes.to_vec());
        // A thread, so a child that reads its stdin late cannot block our reading of its
        // output; it ends when the bytes are in the pipe or the child is gone (EPIPE).
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let mut watch = Watch::new(&mut child, relay);
    let outcome = watch.read_until_exit(deadline);
    let (stdout, stderr) = (watch.stdout, watch.stderr);
    match outcome {
        Ok(status) => Ok(Finished {
            code: status.code(),
            stdout,
            stderr: clean(&stderr),
        }),
        Err(Stop::Timeout) => {
            kill_group(&mut child);
            Err(RunError::Timeout {
                program: program.to_owned(),
                limit,
            })
        }
        Err(Stop::WantsTerminal) => {
            kill_group(&mut child);
            Err(RunError::WantsTerminal {
                program: program.to_owned(),
            })
        }
        Err(Stop::TooMuch) => {
            kill_group(&mut child);
            Err(RunError::TooMuchOutput {
                program: program.to_owned(),
            })
        }
        Err(Stop::Io(e)) => {
            kill_group(&mut child);
            Err(io_err(e))
        }
    }
}

/// Kills the child's whole process group and reaps the child.
fn kill_group(child: &mut Child) {
    // SAFETY: kill(2) on the group the child leads (process_group(0) made its pgid its pid).
    unsafe {
        libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The environment a command run with credentials gets: `set` added, `remove` taken out,
/// the rest inherited.
pub struct ChildEnv<'a> {
    pub set: Vec<(&'static str, &'a str)>,
    pub remove: Vec<&'a str>,
}

fn command_with(program: &OsStr, args: &[OsString], env: &ChildEnv) -> Command {
    let mut command = Command::new(program);
    command.args(args);
    child_env::remove_secrets(&mut command);
    for name in &env.remove {
        command.env_remove(name);
    }
    for (name, value) in &env.set {
        command.env(name, value);
    }
    // SAFETY: the closure runs between fork and exec and calls only setrlimit, which is
    // async-signal-safe; it allocates nothing and takes no lock.
    unsafe {
        command.pre_exec(crate::hardening::restore_limits_in_child);
    }
    command
}

/// Replaces this process with `program args` (execve: the command's signals, its exit
/// status, its stdout). Returns only on failure.
#[cfg(unix)]
pub fn exec(program: &OsStr, args: &[OsString], env: &ChildEnv) -> std::io::Error {
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

/// Starts `program args` in a group of its own with stdin, stdout and stderr on /dev/null
/// (the browser opener of `login`: nothing it prints may reach our stdout), and without
/// the variables children never get. The caller polls it; it may outlive aws-auth.
pub fn spawn_quiet(program: &str, args: &[String]) -> Result<std::process::Child, RunError> {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    child_env::remove_secrets(&mut command);
    command.spawn().map_err(|e| {
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
    })
}

/// stderr for a message: lossy UTF-8, control characters as spaces, one paragraph, bounded.
/// stderr as it may be shown: the one sanitizer, with room for a program's whole message.
fn clean(stderr: &[u8]) -> String {
    crate::report::clean_to(&String::from_utf8_lossy(stderr), MAX_STDERR)
}

mod child_env;
mod watch;

pub use child_env::{NO_PINENTRY, asking_off, scrub, turn_asking_off};
pub(crate) use watch::pidfd_open;

use watch::{Stop, Watch};

#[cfg(test)]
mod tests;
