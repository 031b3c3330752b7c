//! Unit tests of `secrets::process`.

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

/// serve's SIGTERM handler can interrupt the runner's `poll` (when the kernel gives the
/// signal to the thread that waits): an interrupted wait goes on, it is not a failure.
#[test]
fn a_signal_that_interrupts_the_wait_is_not_an_error() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    extern "C" fn nothing(_: libc::c_int) {}
    // SAFETY: a handler that does nothing, for a signal no other test uses; no
    // SA_RESTART, so a blocked poll returns EINTR.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = nothing as extern "C" fn(libc::c_int) as libc::sighandler_t;
        assert_eq!(
            libc::sigaction(libc::SIGUSR2, &action, std::ptr::null_mut()),
            0
        );
    }
    // SAFETY: pthread_self has no preconditions.
    let waiter = unsafe { libc::pthread_self() };
    let stop = Arc::new(AtomicBool::new(false));
    let kicks = Arc::new(AtomicUsize::new(0));
    let kicker = {
        let (stop, kicks) = (stop.clone(), kicks.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                // SAFETY: the waiting thread is alive until this thread is joined.
                unsafe { libc::pthread_kill(waiter, libc::SIGUSR2) };
                kicks.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let (_dir, args) = sh("sleep 0.3; echo done");
    let result = run("sh", &args, None, Duration::from_secs(10));
    stop.store(true, Ordering::SeqCst);
    kicker.join().unwrap();
    assert!(kicks.load(Ordering::SeqCst) > 5);
    let done = result.unwrap();
    assert_eq!(done.code, Some(0));
    assert_eq!(&done.stdout[..], b"done\n");
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
/// Regression (hardening review, item 6): a program that leaves a background child
/// holding its stdout made every read wait out the whole --timeout.
#[test]
fn a_background_child_holding_the_pipes_does_not_stall_the_read() {
    let (_dir, args) = sh("(sleep 30 &); (sleep 30 >&2 &); echo value");
    let start = Instant::now();
    let done = run("sh", &args, None, Duration::from_secs(20)).unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(&done.stdout[..], b"value\n");
    assert_eq!(done.code, Some(0));
}

/// Regression (item 6): on time-out, what the program started dies with it.
#[test]
fn a_time_out_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let script = dir.path().join("s.sh");
    std::fs::write(
        &script,
        format!("sleep 60 & echo $! > '{}'; wait", pid_file.display()),
    )
    .unwrap();
    let err = run(
        "sh",
        &[script.to_string_lossy().into_owned()],
        None,
        Duration::from_millis(500),
    )
    .err()
    .unwrap();
    assert!(matches!(err, RunError::Timeout { .. }), "{err}");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let gone = (0..100).any(|_| {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let dead = state.is_empty()
            || state
                .rsplit(") ")
                .next()
                .is_some_and(|s| s.starts_with('Z'));
        if !dead {
            std::thread::sleep(Duration::from_millis(20));
        }
        dead
    });
    assert!(gone, "the grandchild {pid} outlived the time-out");
}

/// Regression (item 5): stderr was read without a bound; a flood grew aws-auth by as
/// much as the program printed.
#[test]
fn a_flood_on_stderr_is_read_in_bounded_memory() {
    let peak = || {
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: getrusage writes into the struct we own.
        unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
        usage.ru_maxrss // KiB
    };
    let before = peak();
    let (_dir, args) = sh("head -c 400000000 /dev/zero >&2; echo done");
    let done = run("sh", &args, None, Duration::from_secs(60)).unwrap();
    assert_eq!(&done.stdout[..], b"done\n");
    assert!(done.stderr.chars().count() <= MAX_STDERR + 1);
    let grown = peak() - before;
    assert!(grown < 100_000, "peak memory grew by {grown} KiB");
}

/// The bounds in absolute terms: 64 KiB of stdout (a long entry with notes) is taken,
/// and a 1500-character message on stderr is kept whole.
#[test]
fn the_bounds_are_64_kib_of_stdout_and_8_kib_of_stderr() {
    let (_dir, args) = sh("head -c 65536 /dev/zero");
    assert_eq!(
        run("sh", &args, None, Duration::from_secs(10))
            .unwrap()
            .stdout
            .len(),
        65536
    );
    let (_dir, args) = sh("head -c 65537 /dev/zero");
    assert!(matches!(
        run("sh", &args, None, Duration::from_secs(10)),
        Err(RunError::TooMuchOutput { .. })
    ));
    let (_dir, args) = sh("printf 'x%.0s' $(seq 1500) >&2");
    let done = run("sh", &args, None, Duration::from_secs(10)).unwrap();
    assert_eq!(done.stderr.len(), 1500, "{}", done.stderr);
}

/// A program that has already exited when aws-auth first looks: all it wrote is taken
/// from the pipes (the drain after exit), none is lost.
#[test]
fn output_of_a_program_that_already_exited_is_drained() {
    let mut child = Command::new("sh")
        .args([
            "-c",
            "printf 'entry text'; head -c 6000 /dev/zero | tr '\\0' x >&2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the exit without reaping (WNOWAIT), so the watch finds it exited at once.
    // SAFETY: waitid on our own child into a zeroed siginfo.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        libc::waitid(
            libc::P_PID,
            child.id() as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOWAIT,
        );
    }
    let mut watch = Watch::new(&mut child, &Relay::NONE);
    let status = watch
        .read_until_exit(Instant::now() + Duration::from_secs(10))
        .ok()
        .unwrap();
    assert!(status.success());
    assert_eq!(&watch.stdout[..], b"entry text");
    // More than one read's worth (4096 bytes) of stderr, all of it.
    assert_eq!(watch.stderr, vec![b'x'; 6000]);
}

#[test]
fn relayed_lines_are_the_complete_matching_ones_and_the_rest_waits() {
    let prefixes = vec!["Touch your".to_owned()];
    let relay = Relay {
        prefixes: &prefixes,
        label: "ykman",
    };
    let text = b"noise\n  Touch your YubiKey...\nTouch your YubiKey again\nTouch your";
    let (lines, next) = relay.matching(text, 0);
    assert_eq!(lines, ["Touch your YubiKey...", "Touch your YubiKey again"]);
    assert_eq!(
        next,
        text.len() - "Touch your".len(),
        "the unfinished line waits"
    );
    // From where it stopped, nothing is seen twice.
    let (lines, again) = relay.matching(text, next);
    assert!(lines.is_empty());
    assert_eq!(again, next);
    let (lines, _) = relay.matching(text, 6);
    assert_eq!(lines.len(), 2, "from the second line on");
    assert_eq!(relay.pass_on(text, 0), next);
    // With no prefixes, everything counts as seen at once.
    assert_eq!(Relay::NONE.matching(text, 0), (Vec::new(), text.len()));
}

#[test]
fn a_message_is_cut_only_past_its_bound() {
    let exact = "x".repeat(MAX_STDERR);
    assert_eq!(clean(exact.as_bytes()), exact);
    let over = "x".repeat(MAX_STDERR + 1);
    assert_eq!(clean(over.as_bytes()), format!("{exact}…"));
    assert_eq!(clean(b"a\x1b[31m\n b\tc"), "a [31m b c");
}

#[test]
fn stdout_at_exactly_the_limit_is_accepted() {
    let (_dir, args) = sh(&format!("head -c {MAX_STDOUT} /dev/zero"));
    let done = run("sh", &args, None, Duration::from_secs(10)).unwrap();
    assert_eq!(done.stdout.len(), MAX_STDOUT);
}

#[test]
fn a_program_killed_by_a_signal_has_no_code() {
    let (_dir, args) = sh("echo partial; kill -9 $$");
    let done = run("sh", &args, None, Duration::from_secs(10)).unwrap();
    assert_eq!(done.code, None);
    assert_eq!(&done.stdout[..], b"partial\n");
}

#[test]
fn this_process_exists_and_a_free_pid_does_not() {
    assert!(exists(std::process::id()));
    // pid 1 is another user's (root's, or the container's init): it exists too.
    assert!(exists(1));
    assert!(!exists(u32::MAX));
    assert!(!exists(i32::MAX as u32));
}
