//! What the adversarial review found, each pinned through the built binary: a running
//! aws-auth cannot be dumped or read by another process, a result that cannot reach stdout
//! is an error (never a silent exit 0), an unwritable stderr changes no exit code, and the
//! command run by `exec` gets back the core limit aws-auth gave up.

use crate::support::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// aws-auth asking a server that never answers, so it stays alive for inspection.
fn waiting(sandbox: &Sandbox, server: &HostileSts) -> Command {
    let mut cmd = sandbox.aws_auth_with_keys(&server.url());
    cmd.args([
        "--serial-number",
        SERIAL_NUMBER,
        "--token-code",
        TOKEN_CODE,
        "--timeout",
        "30",
    ]);
    cmd
}

fn wait_for_request(server: &HostileSts) {
    let start = Instant::now();
    while server.request_count() == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "aws-auth never called STS"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The soft core-file limit in /proc/PID/limits ("Max core file size  SOFT  HARD  bytes").
fn soft_core_limit(pid: u32) -> String {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap()
        .to_owned();
    line.split_whitespace().nth(4).unwrap().to_owned()
}

/// Regression (review item 2): Ctrl-\ at the MFA prompt with `ulimit -c unlimited` wrote a
/// core file holding the source secret key; and a dumpable process's memory and environment
/// can be read by any other process of the same user.
#[test]
fn a_running_aws_auth_writes_no_core_and_is_not_dumpable() {
    let sandbox = Sandbox::new();
    let server = HostileSts::always(Reply::Hang);
    // aws-auth must not run as root here: root's /proc files are root's either way. As root,
    // run it as nobody (setpriv), from a directory nobody can enter.
    let root = unsafe { libc::geteuid() } == 0;
    let inner = waiting(&sandbox, &server);
    let cmd = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
        c.arg(inner.get_program()).args(inner.get_args());
        c.env_clear().current_dir("/");
        for (name, value) in inner.get_envs() {
            if let Some(value) = value {
                c.env(name, value);
            }
        }
        c
    } else {
        inner
    };
    // `ulimit -c unlimited` is what the review used; start from it.
    let mut child = {
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg("ulimit -c unlimited; exec \"$@\"")
            .arg("sh")
            .arg(cmd.get_program())
            .args(cmd.get_args())
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (name, value) in cmd.get_envs() {
            if let Some(value) = value {
                sh.env(name, value);
            }
        }
        if let Some(dir) = cmd.get_current_dir() {
            sh.current_dir(dir);
        }
        sh.spawn().unwrap()
    };
    wait_for_request(&server);
    let pid = child.id();
    let limit = soft_core_limit(pid);
    let owner = std::fs::metadata(format!("/proc/{pid}/environ"))
        .unwrap()
        .uid();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(limit, "0", "the soft core-file limit of aws-auth");
    assert_eq!(
        owner, 0,
        "/proc/PID/environ of a non-dumpable process belongs to root"
    );
}

/// Regression (review item 11): with stdout closed or read-only, the run exited 0 and the
/// credentials went nowhere. Now it fails before it asks STS (so no code is spent).
#[test]
fn a_closed_or_read_only_stdout_fails_before_any_request() {
    for redirect in [">&-", "1</dev/null"] {
        let sandbox = Sandbox::new();
        let server = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
        let inner = sandbox.aws_auth_with_keys(&server.url());
        let mut cmd = sandbox.command("sh");
        cmd.arg("-c")
            .arg(format!(
                "\"$0\" --serial-number {SERIAL_NUMBER} --token-code {TOKEN_CODE} {redirect}"
            ))
            .arg(inner.get_program());
        for (name, value) in inner.get_envs() {
            if let Some(value) = value {
                cmd.env(name, value);
            }
        }
        let out = run(&mut cmd);
        assert_eq!(out.code, Some(1), "{redirect}\n{}", out.describe());
        assert!(out.stderr.contains("stdout"), "{}", out.describe());
        assert_eq!(server.request_count(), 0, "{redirect}: STS was called");
    }
}

/// Regression (review item 11): a write that fails part-way (a full disk) must not exit 0.
#[test]
fn a_full_disk_on_stdout_is_an_error() {
    let sandbox = Sandbox::new();
    let server = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let mut cmd = sandbox.shell(
        "sh",
        &format!("aws-auth --serial-number {SERIAL_NUMBER} --token-code {TOKEN_CODE} >/dev/full"),
    );
    cmd.env("AWS_ACCESS_KEY_ID", SOURCE_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SOURCE_SECRET_ACCESS_KEY)
        .env("AWS_ENDPOINT_URL", server.url());
    let out = run(&mut cmd);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(out.stderr.contains("incomplete"), "{}", out.describe());
    assert_eq!(server.request_count(), 1);
}

/// Regression (review item 11): with stderr unwritable an error exited 101 (a panic in
/// `eprintln!`) instead of its own code.
#[test]
fn an_unwritable_stderr_keeps_the_exit_code() {
    for redirect in ["2>&-", "2</dev/null"] {
        let sandbox = Sandbox::new();
        let mut cmd = sandbox.shell(
            "sh",
            &format!("aws-auth --serial-number {SERIAL_NUMBER} --token-code 12 {redirect}"),
        );
        let out = run(&mut cmd);
        assert_eq!(out.code, Some(2), "{redirect}\n{}", out.describe());
    }
}

/// The core limit aws-auth lowers for itself is the user's again in the command `exec` runs.
#[test]
fn the_command_run_by_exec_gets_the_core_limit_back() {
    let sandbox = Sandbox::new();
    let server = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let mut cmd = sandbox.shell(
        "sh",
        &format!(
            "ulimit -c unlimited; exec aws-auth exec --serial-number {SERIAL_NUMBER} \
             --token-code {TOKEN_CODE} -- cat /proc/self/limits"
        ),
    );
    cmd.env("AWS_ACCESS_KEY_ID", SOURCE_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SOURCE_SECRET_ACCESS_KEY)
        .env("AWS_ENDPOINT_URL", server.url());
    let out = run(&mut cmd);
    out.assert_success();
    let core = out
        .stdout_str()
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap()
        .to_owned();
    assert_eq!(core.split_whitespace().nth(4), Some("unlimited"), "{core}");
}

/// serve raises its soft descriptor limit to the hard one (it holds a descriptor per
/// connection); the command it runs gets the limit aws-auth started with (a program built
/// on select() breaks past 1024).
#[test]
fn the_command_run_by_serve_gets_the_descriptor_limit_back() {
    let sandbox = Sandbox::new();
    let server = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let mut cmd = sandbox.aws_auth_with_keys(&server.url());
    cmd.args([
        "serve",
        "--no-cache",
        "--",
        "sh",
        "-c",
        "ulimit -Sn; ulimit -Hn; grep 'Max open files' /proc/$PPID/limits",
    ]);
    with_descriptor_limit(&mut cmd, 512, 4096);
    let out = run(&mut cmd);
    out.assert_success();
    let lines: Vec<&str> = out.stdout_str().lines().collect();
    assert_eq!(lines[..2], ["512", "4096"], "{}", out.describe());
    // serve itself (the command's parent) holds the raised limit.
    let serve: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(serve[3..5], ["4096", "4096"], "{}", out.describe());
}

mod files {
    //! Review items 3 and 4: files that decide what runs or whom to trust.
    use crate::support::profile_kit::{Kit, assert_clear_error};
    use crate::support::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(path: &std::path::Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn mkfifo(path: &std::path::Path) {
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    const PROFILE: &str = "[profiles.p]\naccess_key_id = \"AKIAAWSAUTHSOURCE001\"\nsecret_access_key = \"pass:aws/secret\"\n";

    /// Regression: a world-writable profiles.toml (or one in a world-writable directory)
    /// was used silently: anyone could point a profile at their own program.
    #[test]
    fn a_profiles_file_others_can_write_is_refused_with_the_fix() {
        let kit = Kit::new();
        let path = kit.profiles(PROFILE);
        chmod(&path, 0o666);
        let out = run(&mut kit.profile("p", &[]));
        let shown = path.display().to_string();
        assert_clear_error(&out, 1, &[&shown, "writable by every user", "chmod go-w"]);
        assert_eq!(kit.fakes.log(), "", "a password manager ran");
        assert_eq!(kit.sts.request_count(), 0);

        chmod(&path, 0o600);
        chmod(path.parent().unwrap(), 0o777);
        let out = run(&mut kit.profile("p", &[]));
        let dir = path.parent().unwrap().display().to_string();
        assert_clear_error(&out, 1, &[&dir, "writable by every user"]);
        chmod(path.parent().unwrap(), 0o755);
    }

    /// Regression: a FIFO as profiles.toml or AWS_CA_BUNDLE hung forever, whatever
    /// --timeout said; /dev/zero was read until memory ran out.
    #[test]
    fn special_files_are_refused_at_once() {
        let sandbox = Sandbox::new();
        let fifo = sandbox.path("fifo");
        mkfifo(&fifo);
        for (config, kind) in [
            (fifo.to_str().unwrap(), "FIFO"),
            ("/dev/zero", "character device"),
            ("/dev/urandom", "character device"),
        ] {
            let out = run(sandbox
                .aws_auth()
                .args(["--profile", "p", "--config", config]));
            assert_clear_error(&out, 1, &[config, kind, "not a regular file"]);
        }
        let big = sandbox.write("big.toml", vec![b'#'; 2 * 1024 * 1024]);
        let out = run(sandbox
            .aws_auth()
            .args(["--profile", "p", "--config"])
            .arg(&big));
        assert_clear_error(&out, 1, &["larger than"]);

        let server = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
        for bundle in [fifo.to_str().unwrap(), "/dev/zero"] {
            let mut cmd = sandbox.aws_auth_with_keys(&server.url());
            cmd.args(["--role-arn", &role_arn("r")])
                .env("AWS_CA_BUNDLE", bundle);
            let out = run(&mut cmd);
            assert_clear_error(&out, 2, &["AWS_CA_BUNDLE", bundle, "not a regular file"]);
        }
        assert_eq!(server.request_count(), 0);
    }

    /// Regression: a backend file others could write, which can replace the built-in
    /// `pass` with any program, was used silently; so was a backends directory others
    /// could write to.
    #[test]
    fn a_backend_file_or_directory_others_can_write_is_refused() {
        let kit = Kit::new();
        kit.profiles(PROFILE);
        let evil = kit.sandbox.write(
            "home/.config/aws-auth/backends/pass.toml",
            "description = \"not pass\"\nprogram = \"touch\"\nread = [\"/tmp/pwned\", \"{entry}\"]\n",
        );
        chmod(&evil, 0o646);
        let out = run(&mut kit.profile("p", &[]));
        assert_clear_error(
            &out,
            1,
            &[&evil.display().to_string(), "writable by every user"],
        );
        chmod(&evil, 0o644);
        let dir = evil.parent().unwrap();
        chmod(dir, 0o777);
        let out = run(&mut kit.profile("p", &[]));
        assert_clear_error(
            &out,
            1,
            &[&dir.display().to_string(), "writable by every user"],
        );
        chmod(dir, 0o755);
    }

    /// A relative --config is judged by the directory it is in (the current one).
    #[test]
    fn a_relative_profiles_path_is_checked_and_read() {
        let kit = Kit::new();
        kit.sandbox.write(
            "rel.toml",
            "[profiles.p]\naccess_key_id = \"AKIAAWSAUTHSOURCE001\"\nsecret_access_key = \"env:REL_SECRET\"\n",
        );
        let mut cmd = kit.aws_auth();
        cmd.args(["--profile", "p", "--config", "rel.toml", "--role-arn"])
            .arg(role_arn("rel"))
            .env("REL_SECRET", SOURCE_SECRET_ACCESS_KEY);
        run(&mut cmd).assert_success();
        chmod(kit.sandbox.root(), 0o777);
        let out = run(&mut cmd);
        chmod(kit.sandbox.root(), 0o700);
        assert_clear_error(&out, 1, &["writable by every user"]);
    }

    /// As root, a file of another user's is refused too (a non-root test cannot make one).
    #[test]
    fn a_profiles_file_of_another_user_is_refused() {
        if unsafe { libc::geteuid() } != 0 {
            // Nothing to create: any file this user makes is its own. The rule itself is
            // pinned by the unit tests of safe_file::problem.
            return;
        }
        let kit = Kit::new();
        let path = kit.profiles(PROFILE);
        std::os::unix::fs::chown(&path, Some(65534), None).unwrap();
        let out = run(&mut kit.profile("p", &[]));
        assert_clear_error(
            &out,
            1,
            &[&path.display().to_string(), "another user", "chown"],
        );
    }
}

mod prompt {
    //! Review item 1: a signal at `add`'s hidden prompt left the terminal without echo,
    //! canonical mode or signals (rpassword re-raised before its Drop restored the mode).
    use crate::support::*;
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    /// The pid of the process whose argv holds `needle`, once it exists.
    fn pid_of(needle: &str) -> u32 {
        let start = Instant::now();
        loop {
            for entry in std::fs::read_dir("/proc").unwrap().flatten() {
                let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                    continue;
                };
                let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
                let first = cmdline.split(|&b| b == 0).next().unwrap_or_default();
                if first.ends_with(b"aws-auth")
                    && String::from_utf8_lossy(&cmdline).contains(needle)
                {
                    return pid;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "aws-auth did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types the access key id at `add`'s first prompt, waits for the hidden one, sends
    /// `signal` to aws-auth, and returns what `stty -a` then says of the same terminal.
    fn terminal_after(signal: libc::c_int) -> String {
        let sandbox = Sandbox::new();
        let config = sandbox.path(&format!("profiles-{signal}.toml"));
        let stty = sandbox.path("stty");
        let line = format!(
            "{} add --profile sig --backend pass --config {}; stty -a > {}",
            aws_auth_bin().display(),
            config.display(),
            stty.display()
        );
        let mut script = Command::new("script");
        script
            .args(["--quiet", "--return", "--command", &line, "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("HOME", sandbox.home())
            .env("XDG_RUNTIME_DIR", sandbox.runtime_dir())
            .env("AWS_AUTH_NO_CACHE", "1")
            .env("TERM", "dumb")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        // The signal's default action, whatever the suite inherited: a job started with `&`
        // from a shell without job control ignores SIGINT and SIGQUIT, and aws-auth rightly
        // leaves a signal it was started ignoring ignored.
        // SAFETY: signal(2) is async-signal-safe; the closure touches nothing else.
        unsafe {
            use std::os::unix::process::CommandExt;
            script.pre_exec(move || {
                libc::signal(signal, libc::SIG_DFL);
                Ok(())
            });
        }
        let mut child = script.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        let mut output = child.stdout.take().unwrap();
        let pid = pid_of(config.to_str().unwrap());
        let (seen_tx, seen_rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut transcript = Vec::new();
            let mut buf = [0u8; 512];
            let mut told = false;
            while let Ok(n) = output.read(&mut buf) {
                if n == 0 {
                    break;
                }
                transcript.extend_from_slice(&buf[..n]);
                if !told && String::from_utf8_lossy(&transcript).contains("secret access key") {
                    told = true;
                    let _ = seen_tx.send(());
                }
            }
            transcript
        });
        // The first prompt; echo is on there.
        std::thread::sleep(Duration::from_millis(300));
        input.write_all(b"AKIAAWSAUTHSOURCE001\n").unwrap();
        seen_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the hidden prompt never appeared");
        // The question is written just before echo goes off.
        std::thread::sleep(Duration::from_millis(300));
        // SAFETY: a signal to the aws-auth process found above.
        unsafe { libc::kill(pid as libc::pid_t, signal) };
        let start = Instant::now();
        while !stty.exists() || std::fs::metadata(&stty).unwrap().len() == 0 {
            if start.elapsed() > Duration::from_secs(30) {
                let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
                let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
                    .unwrap_or_default()
                    .lines()
                    .filter(|l| l.starts_with("State") || l.starts_with("Sig"))
                    .collect::<Vec<_>>()
                    .join("; ");
                panic!("signal {signal}: stty never ran (aws-auth alive: {alive}; {status})");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(input);
        let _ = child.wait();
        let _ = reader.join();
        std::fs::read_to_string(&stty).unwrap()
    }

    #[test]
    fn every_signal_at_the_hidden_prompt_leaves_the_terminal_as_it_was() {
        // Regression (second review, item 6): SIGUSR1, SIGUSR2, SIGALRM and SIGXCPU (any
        // signal whose default ends the process) left echo off; only these four restored it.
        for signal in [
            libc::SIGINT,
            libc::SIGTERM,
            libc::SIGHUP,
            libc::SIGQUIT,
            libc::SIGUSR1,
            libc::SIGUSR2,
            libc::SIGALRM,
            libc::SIGXCPU,
            libc::SIGRTMIN() + 3,
        ] {
            let modes = terminal_after(signal);
            let flags: Vec<&str> = modes.split_whitespace().collect();
            for flag in ["echo", "icanon", "isig"] {
                assert!(
                    flags.contains(&flag),
                    "signal {signal}: {flag} is off after aws-auth ended\n{modes}"
                );
            }
        }
    }
}

/// A password manager runs in a process group of its own, so one that tries to ask on the
/// terminal is stopped by the kernel (SIGTTIN): aws-auth sees the stop and says so at once,
/// instead of waiting out --timeout with the wrong advice.
#[test]
fn a_backend_that_asks_on_the_terminal_is_named_at_once() {
    use crate::support::profile_kit::Kit;
    let kit = Kit::new();
    let probe = kit.sandbox.write(
        "asker",
        "#!/bin/sh\nread answer < /dev/tty\necho AKIAPROBEPROBEPROBE1\n",
    );
    kit.sandbox.write(
        "home/.config/aws-auth/backends/asker.toml",
        format!(
            "description = \"asks\"\nprogram = \"sh\"\nread = [\"{}\", \"{{entry}}\"]\nfields = \"command\"\n",
            probe.display()
        ),
    );
    kit.profiles(
        "[profiles.p]\naccess_key_id = \"asker:x\"\nsecret_access_key = \"env:ASKER_SECRET\"\n",
    );
    let mut cmd = kit.profile("p", &[]);
    cmd.env("ASKER_SECRET", SOURCE_SECRET_ACCESS_KEY);
    let (stdout, stderr) = (kit.sandbox.path("stdout"), kit.sandbox.path("stderr"));
    let start = Instant::now();
    let terminal = run(&mut in_terminal(&cmd, &stdout, &stderr));
    let stderr = std::fs::read_to_string(&stderr).unwrap_or_default();
    assert_eq!(terminal.code, Some(1), "{}\n{stderr}", terminal.describe());
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "waited {:?}",
        start.elapsed()
    );
    assert!(
        stderr.contains("stopped to ask on the terminal") && stderr.contains("profile \"p\""),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&stdout).unwrap_or_default(), "");
    assert_eq!(kit.sts.request_count(), 0);
}

/// Regression (second review, item 5): without XDG_RUNTIME_DIR the lock directory was
/// /tmp/aws-auth-UID, which another local user can create first; every run then warned and
/// ran without the lock (parallel callers each prompting), and in sticky /tmp the owner
/// cannot remove it. The locks now live in the user's own cache directory.
#[test]
fn another_user_s_tmp_directory_cannot_take_the_lock_away() {
    // SAFETY: geteuid cannot fail.
    let uid = unsafe { libc::geteuid() };
    let squatted = std::env::temp_dir().join(format!("aws-auth-{uid}"));
    let made_here = !squatted.exists();
    if made_here {
        std::fs::create_dir(&squatted).unwrap();
    }
    // Another user's now (nobody's), as if they had made it first.
    let chowned = Command::new(if uid == 0 { "chown" } else { "sudo" })
        .args(if uid == 0 {
            vec![]
        } else {
            vec!["-n", "chown"]
        })
        .arg("65534:65534")
        .arg(&squatted)
        .status()
        .unwrap();
    assert!(chowned.success(), "chown needs root (or sudo -n)");
    let sandbox = Sandbox::new();
    let server = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let profile = unique("squat");
    sandbox.write(
        "home/.config/aws-auth/profiles.toml",
        format!(
            "[profiles.{profile}]\naccess_key_id = \"{SOURCE_ACCESS_KEY_ID}\"\nsecret_access_key = \"env:LOCK_SECRET\"\n"
        ),
    );
    let aws_auth = |args: &[&str]| {
        let mut cmd = sandbox.command("keyctl");
        cmd.args(["session", "-"])
            .arg(aws_auth_bin())
            .args(args)
            .env("LOCK_SECRET", SOURCE_SECRET_ACCESS_KEY)
            .env("AWS_ENDPOINT_URL", server.url())
            .env("AWS_AUTH_CACHE_STORE", "kernel-keyring")
            .env_remove("AWS_AUTH_NO_CACHE")
            .env_remove("XDG_RUNTIME_DIR");
        run(&mut cmd)
    };
    let out = aws_auth(&["--profile", &profile]);
    // What it cached is this test's alone: forget it.
    aws_auth(&["cache", "clear", "--profile", &profile]).assert_success();
    if made_here {
        let _ = Command::new(if uid == 0 { "rm" } else { "sudo" })
            .args(if uid == 0 {
                vec!["-rf"]
            } else {
                vec!["-n", "rm", "-rf"]
            })
            .arg(&squatted)
            .status();
    }
    out.assert_success();
    assert!(
        !out.stderr.contains("without the lock"),
        "{}",
        out.describe()
    );
    let locks = sandbox.home().join(".cache/aws-auth/locks");
    assert!(locks.is_dir(), "{}", out.describe());
    let mode = std::fs::metadata(&locks).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}
