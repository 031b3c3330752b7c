//! Runs a child to completion within a time bound, collecting stdout and stderr on their own
//! threads. A child that outlives its bound is killed (by its own handle) and the test fails.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Generous: no healthy run here comes near it, so a hit means a hang, not a slow machine.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(120);

/// The outcome of one finished child.
pub struct Run {
    /// The command line, for messages.
    pub what: String,
    /// None when killed by a signal.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// stdout as UTF-8 (panics with the whole run described if it is not).
    pub fn stdout_str(&self) -> &str {
        std::str::from_utf8(&self.stdout)
            .unwrap_or_else(|_| panic!("stdout is not UTF-8\n{}", self.describe()))
    }

    pub fn describe(&self) -> String {
        format!(
            "command: {}\nexit code: {:?}\nelapsed: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.what,
            self.code,
            self.elapsed,
            String::from_utf8_lossy(&self.stdout),
            self.stderr
        )
    }

    /// Exit 0, or panic with everything the run printed.
    pub fn assert_success(&self) -> &Self {
        assert_eq!(self.code, Some(0), "expected success\n{}", self.describe());
        self
    }

    /// The failure contract of aws-auth: the given exit code, nothing on stdout, no panic.
    pub fn assert_failure(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit code {code}\n{}",
            self.describe()
        );
        assert!(
            self.stdout.is_empty(),
            "stdout must be empty on failure\n{}",
            self.describe()
        );
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("RUST_BACKTRACE"),
            "aws-auth panicked\n{}",
            self.describe()
        );
        assert!(
            !self.stderr.trim().is_empty(),
            "a failure must say why on stderr\n{}",
            self.describe()
        );
        self
    }
}

fn describe_command(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    parts.extend(cmd.get_args().map(|a| format!("{:?}", a.to_string_lossy())));
    parts.join(" ")
}

/// Runs with the default bound (stdin as the command set it; Sandbox makes it /dev/null).
pub fn run(cmd: &mut Command) -> Run {
    run_inner(cmd, None, DEFAULT_LIMIT)
}

pub fn run_limited(cmd: &mut Command, limit: Duration) -> Run {
    run_inner(cmd, None, limit)
}

/// Runs with `input` on stdin.
pub fn run_with_stdin(cmd: &mut Command, input: &[u8], limit: Duration) -> Run {
    run_inner(cmd, Some(input.to_vec()), limit)
}

fn run_inner(cmd: &mut Command, input: Option<Vec<u8>>, limit: Duration) -> Run {
    let what = describe_command(cmd);
    if input.is_some() {
        cmd.stdin(Stdio::piped());
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e} (is it installed and on PATH?)"));
    let writer = input.map(|input| {
        let mut stdin = child.stdin.take().expect("piped stdin");
        thread::spawn(move || {
            // The child may exit without reading everything: not an error here.
            let _ = stdin.write_all(&input);
        })
    });
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for a child") {
            break Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    let stdout = out_reader.join().expect("stdout reader");
    let stderr = String::from_utf8_lossy(&err_reader.join().expect("stderr reader")).into_owned();
    let run = Run {
        what,
        code: status.and_then(|s| s.code()),
        stdout,
        stderr,
        elapsed,
    };
    assert!(
        status.is_some(),
        "still running after {limit:?}: killed\n{}",
        run.describe()
    );
    run
}

/// Starts `cmd` with `soft` and `hard` as its descriptor limit (RLIMIT_NOFILE).
pub fn with_descriptor_limit(cmd: &mut Command, soft: u64, hard: u64) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec only setrlimit runs, on a struct the closure owns.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: soft,
                rlim_max: hard,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}
