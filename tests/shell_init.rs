//! The shell integration (`aws-auth init`) in real bash, zsh and fish on a terminal (tmux),
//! typed into as a person would: a switch asks for the code on the terminal and sets the
//! credentials, a failed switch changes nothing and returns non-zero, `-` puts back what the
//! shell had, `--serve` starts a server that `-` stops, and the prompt hook renews a short
//! role session from the cache with no code, or says once that a code is needed. The strict
//! STS's sessions last 900 s (the shortest STS gives) and AWS_AUTH_MIN_TTL is 896, so the
//! hook's window opens 4 s after a switch. PowerShell's code is checked as text only (no
//! pwsh offline).

use crate::support::sessions_rig::{Cache, ROLE, Rig};
use crate::support::strict_sts::StrictSts;
use crate::support::tmux::Tmux;
use crate::support::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl Shell {
    /// README's way to take `command`'s credentials without the integration.
    fn plain_eval(self, command: &str) -> String {
        match self {
            Shell::Bash | Shell::Zsh => format!("eval \"$({command})\""),
            Shell::Fish => format!("{command} --format fish | source"),
        }
    }
}

/// A shell with the integration, on a terminal, and a folder it writes its state to.
struct Session {
    tmux: Tmux,
    out: PathBuf,
}

impl Session {
    fn start(rig: &Rig, shell: Shell) -> Session {
        Session::start_with(rig, shell, &[])
    }

    /// A shell whose environment also holds `env` (what it inherited from its parent).
    fn start_with(rig: &Rig, shell: Shell, env: &[(&str, &str)]) -> Session {
        let out = rig.sandbox.path("state");
        std::fs::create_dir_all(&out).unwrap();
        // `__t NAME` writes the last command's status and every AWS_ variable to NAME.
        let (program, args, rc): (&str, Vec<String>, &str) = match shell {
            Shell::Bash => {
                let rc = rig.sandbox.write(
                    "bashrc",
                    "PS1='$ '\neval \"$(aws-auth init bash)\"\n\
                     __t() { local rc=$?; { echo \"rc=$rc\"; env | grep '^AWS_' | LC_ALL=C sort; } > \"$OUT/.$1\"; \
                     mv \"$OUT/.$1\" \"$OUT/$1\"; }\n",
                );
                (
                    "bash",
                    vec![
                        "--noprofile".into(),
                        "--rcfile".into(),
                        rc.to_str().unwrap().into(),
                        "-i".into(),
                    ],
                    "",
                )
            }
            Shell::Zsh => {
                rig.sandbox.write(
                    "zdot/.zshrc",
                    "PS1='$ '\neval \"$(aws-auth init zsh)\"\n\
                     __t() { local rc=$?; { echo \"rc=$rc\"; env | grep '^AWS_' | LC_ALL=C sort; } > \"$OUT/.$1\"; \
                     mv \"$OUT/.$1\" \"$OUT/$1\"; }\n",
                );
                ("zsh", vec!["-i".into()], "zsh")
            }
            Shell::Fish => {
                let rc = rig.sandbox.write(
                    "config.fish",
                    "function fish_prompt; echo '$ '; end\n\
                     function fish_greeting; end\n\
                     aws-auth init fish | source\n\
                     function __t; set -l rc $status\n\
                     begin; echo \"rc=$rc\"; env | string match 'AWS_*' | env LC_ALL=C sort; end > $OUT/.$argv[1]\n\
                     mv $OUT/.$argv[1] $OUT/$argv[1]; end\n",
                );
                (
                    "fish",
                    vec![
                        "--no-config".into(),
                        "-i".into(),
                        "-C".into(),
                        format!("source {}", rc.display()),
                    ],
                    "",
                )
            }
        };
        let mut cmd = rig.command(program);
        cmd.args(&args)
            .env("OUT", &out)
            .env("AWS_AUTH_MIN_TTL", "896")
            // The shell's own region, which a switch with --region changes and `-` puts back.
            .env("AWS_REGION", "eu-north-1");
        if rc == "zsh" {
            cmd.env("ZDOTDIR", rig.sandbox.path("zdot"));
        }
        cmd.envs(env.iter().copied());
        let tmux = Tmux::interactive(&rig.sandbox, &cmd);
        tmux.wait_for("$ ", Duration::from_secs(20));
        Session { tmux, out }
    }

    /// Types `line`, then `__t step`, and returns what `__t` wrote.
    fn step(&self, line: &str, step: &str) -> State {
        self.tmux.type_line(&format!("{line}; __t {step}"));
        self.state(step)
    }

    fn state(&self, step: &str) -> State {
        let path = self.out.join(step);
        let start = Instant::now();
        while !path.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{step} never came\n--- screen ---\n{}",
                self.tmux.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        State::parse(&std::fs::read_to_string(&path).unwrap())
    }
}

/// The last status and the AWS_ variables, as `__t` wrote them.
#[derive(Clone, Debug, PartialEq)]
struct State {
    rc: i32,
    vars: BTreeMap<String, String>,
}

impl State {
    fn parse(text: &str) -> State {
        let mut lines = text.lines();
        let rc = lines
            .next()
            .and_then(|l| l.strip_prefix("rc="))
            .and_then(|n| n.parse().ok())
            .expect(text);
        let vars = lines
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        State { rc, vars }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }
}

fn pid_alive(pid: &str) -> bool {
    Path::new("/proc").join(pid).exists()
}

/// The whole life of the integration in one shell.
fn switch_serve_unset_and_refresh(shell: Shell) {
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder()
            .session_lifetime(900)
            .role_lifetime(900)
            .start(),
    );
    let role = rig.profile("shell-role", Some(ROLE), false, "");
    let bare = rig.profile("shell-bare", None, false, "");
    let session = Session::start(&rig, shell);
    let before = session.step("true", "s0");

    // A switch: the code is asked on the terminal, then the role's credentials are set.
    session
        .tmux
        .type_line(&format!("awsa {role} --region us-west-2; __t s1"));
    session
        .tmux
        .wait_for("MFA code for", Duration::from_secs(30));
    session.tmux.type_line("111111");
    let s1 = session.state("s1");
    assert_eq!(s1.rc, 0, "{s1:?}\n{}", session.tmux.screen());
    assert_eq!(
        s1.get("AWS_AUTH_PROFILE"),
        Some(role.as_str()),
        "{s1:?}\n{}",
        session.tmux.screen()
    );
    assert_eq!(s1.get("AWS_REGION"), Some("us-west-2"));
    let issued = rig.sts.issued();
    assert_eq!(
        s1.get("AWS_ACCESS_KEY_ID"),
        Some(issued.last().unwrap().access_key_id.as_str())
    );

    // A failed switch changes nothing, and its status is aws-auth's.
    let s2 = session.step("awsa no-such-profile", "s2");
    assert_eq!(s2.rc, 2, "{}", session.tmux.screen());
    assert_eq!(s2.vars, s1.vars);

    // status, from the environment.
    let s3 = session.step("aws-auth status > \"$OUT/status\"", "s3");
    assert_eq!(s3.rc, 0);
    let status = std::fs::read_to_string(session.out.join("status")).unwrap();
    assert!(
        status.starts_with(&format!("{role}: 14m left"))
            || status.starts_with(&format!("{role}: 15m left")),
        "{status}"
    );

    // The hook: 4 s on, the next prompt renews the role session from the cached MFA
    // session, asking nothing (`__t` runs before the prompt: it sees the next one's work).
    std::thread::sleep(Duration::from_secs(5));
    session.tmux.type_line("true");
    let s4 = session.step("true", "s4");
    assert_ne!(s4.get("AWS_SESSION_EXPIRATION"), None);
    assert_ne!(
        s4.get("AWS_ACCESS_KEY_ID"),
        s1.get("AWS_ACCESS_KEY_ID"),
        "{}",
        session.tmux.screen()
    );
    assert_eq!(s4.get("AWS_REGION"), Some("us-west-2"));
    assert_eq!(rig.sts.coded_calls().len(), 1, "no second code");

    // Back to what the shell had: the region is its own again, the keys are gone.
    let s5 = session.step("awsa -", "s5");
    assert_eq!(s5.vars, before.vars, "{}", session.tmux.screen());

    // --serve: the endpoint, no keys; the server runs until `-`.
    let s6 = session.step(&format!("awsa --serve {role}"), "s6");
    assert_eq!(s6.rc, 0, "{}", session.tmux.screen());
    assert!(
        s6.get("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some(),
        "{s6:?}"
    );
    assert_eq!(s6.get("AWS_ACCESS_KEY_ID"), None);
    let pid = s6.get("AWS_AUTH_SERVER_PID").unwrap().to_owned();
    assert!(pid_alive(&pid));
    let s7 = session.step("awsa -", "s7");
    assert_eq!(s7.vars, before.vars);
    let start = Instant::now();
    while pid_alive(&pid) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the server goes on"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // No role: renewing needs a code. The hook says so once and leaves the variables.
    session.tmux.type_line(&format!("awsa {bare}; __t s8"));
    session.tmux.wait_for(
        &format!("MFA code for {SERIAL_NUMBER}: "),
        Duration::from_secs(30),
    );
    session.tmux.type_line("222222");
    let s8 = session.state("s8");
    assert_eq!(s8.rc, 0, "{}", session.tmux.screen());
    std::thread::sleep(Duration::from_secs(5));
    session.tmux.type_line("true");
    let s9 = session.step("true", "s9");
    let s10 = session.step("true", "s10");
    assert_eq!(s9.vars, s8.vars);
    assert_eq!(s10.vars, s8.vars);
    let screen = session.tmux.screen();
    assert_eq!(
        screen
            .matches("renewing them needs you (an MFA code, a passphrase): run awsa")
            .count(),
        1,
        "{screen}"
    );
    assert_eq!(rig.sts.coded_calls().len(), 2, "the hook sent no code");
}

#[test]
fn bash_switches_serves_unsets_and_renews() {
    switch_serve_unset_and_refresh(Shell::Bash);
}

#[test]
fn zsh_switches_serves_unsets_and_renews() {
    switch_serve_unset_and_refresh(Shell::Zsh);
}

#[test]
fn fish_switches_serves_unsets_and_renews() {
    switch_serve_unset_and_refresh(Shell::Fish);
}

/// The non-interactive switch: on a terminal, a run that needs a code asks nothing and ends
/// with exit 3 (`--no-prompt`, or AWS_AUTH_PROMPT=never), saying how to give the code.
/// What the shell did not get from its own switch is not the integration's: a plain eval of
/// another profile is never renewed over (the hook would put the switched profile back, in
/// another account, without a word), a server pid inherited from a parent shell is never
/// killed, and AWS_AUTH_MIN_TTL is a number or ignored (bash's arithmetic runs a command
/// substitution in a value).
fn what_the_shell_did_not_set_is_left_alone(shell: Shell) {
    let rig = Rig::new(
        Cache::Kernel,
        StrictSts::builder()
            .session_lifetime(900)
            .role_lifetime(900)
            .start(),
    );
    let role = rig.profile("left-role", Some(ROLE), false, "");
    let other = rig.profile("left-other", Some(ROLE), false, "");
    // Another shell's server, as far as this shell can tell.
    let mut parents = std::process::Command::new("sleep")
        .arg("600")
        .spawn()
        .unwrap();
    let parents_pid = parents.id().to_string();
    let session = Session::start_with(&rig, shell, &[("AWS_AUTH_SERVER_PID", &parents_pid)]);
    let before = session.step("true", "s0");
    assert_eq!(
        before.get("AWS_AUTH_SERVER_PID"),
        Some(parents_pid.as_str())
    );

    let s1 = session.step(&format!("awsa {role} --token-code 111111"), "s1");
    assert_eq!(s1.rc, 0, "{}", session.tmux.screen());
    assert_eq!(s1.get("AWS_AUTH_PROFILE"), Some(role.as_str()));
    assert!(pid_alive(&parents_pid), "a switch killed an inherited pid");

    // A plain eval of another profile, then the hook's window: nothing is renewed.
    let s2 = session.step(
        &shell.plain_eval(&format!("aws-auth --profile {other} --token-code 222222")),
        "s2",
    );
    assert_eq!(
        s2.get("AWS_AUTH_PROFILE"),
        Some(other.as_str()),
        "{}",
        session.tmux.screen()
    );
    let requests = rig.sts.total();
    std::thread::sleep(Duration::from_secs(5));
    session.tmux.type_line("true");
    let s3 = session.step("true", "s3");
    assert_eq!(s3.vars, s2.vars, "{}", session.tmux.screen());
    assert_eq!(
        rig.sts.total(),
        requests,
        "the hook renewed what it did not set"
    );

    // A switch again (from the cached MFA session), then a value that is not a number.
    let s4 = session.step(
        &format!("awsa {role}; export AWS_AUTH_MIN_TTL='a[$(touch \"$OUT/ran\")]'"),
        "s4",
    );
    assert_eq!(
        s4.get("AWS_AUTH_PROFILE"),
        Some(role.as_str()),
        "{}",
        session.tmux.screen()
    );
    session.tmux.type_line("true");
    session.step("true", "s5");
    assert!(
        !session.out.join("ran").exists(),
        "the hook ran AWS_AUTH_MIN_TTL's text"
    );

    // Back: the inherited pid is the shell's again, and still alive.
    let s6 = session.step("awsa -", "s6");
    let without_ttl = |state: &State| {
        let mut vars = state.vars.clone();
        vars.remove("AWS_AUTH_MIN_TTL");
        vars
    };
    assert_eq!(
        without_ttl(&s6),
        without_ttl(&before),
        "{}",
        session.tmux.screen()
    );
    assert!(pid_alive(&parents_pid), "`-` killed an inherited pid");
    parents.kill().unwrap();
    parents.wait().unwrap();
}

#[test]
fn bash_leaves_alone_what_it_did_not_set() {
    what_the_shell_did_not_set_is_left_alone(Shell::Bash);
}

#[test]
fn zsh_leaves_alone_what_it_did_not_set() {
    what_the_shell_did_not_set_is_left_alone(Shell::Zsh);
}

#[test]
fn fish_leaves_alone_what_it_did_not_set() {
    what_the_shell_did_not_set_is_left_alone(Shell::Fish);
}

#[test]
fn no_prompt_asks_nothing_and_exits_3_when_a_code_is_needed() {
    let sandbox = Sandbox::new();
    let sts = StrictSts::start();
    for (flag, env) in [(Some("--no-prompt"), None), (None, Some("never"))] {
        let mut cmd = sandbox.aws_auth_with_keys(&sts.url());
        cmd.args(["--serial-number", SERIAL_NUMBER]);
        if let Some(flag) = flag {
            cmd.arg(flag);
        }
        if let Some(value) = env {
            cmd.env("AWS_AUTH_PROMPT", value);
        }
        let term = Tmux::start(&sandbox, &cmd);
        let (code, stdout, stderr) = term.finish(Duration::from_secs(30));
        assert!(!term.screen().contains("MFA code for"), "{}", term.screen());
        assert_eq!(code, 3, "{stderr}");
        assert_eq!(stdout, "");
        assert!(
            stderr.contains(&format!(
                "the MFA code for {SERIAL_NUMBER} is needed, and asking is turned off (--no-prompt). Pass --token-code"
            )),
            "{stderr}"
        );
        // No dialog is offered where none may ask.
        assert!(
            !stderr.contains("desktop session") && stderr.contains("without --no-prompt"),
            "{stderr}"
        );
    }
    assert_eq!(sts.total(), 0);
}

/// `aws-auth status` in each state, from the environment alone: nothing (exit 1, stdout
/// empty), live keys, expired keys, a running and a stopped server; text and JSON.
#[test]
fn status_reads_the_environment_in_each_state() {
    let sandbox = Sandbox::new();
    let status = |vars: &[(&str, &str)], json: bool| {
        let mut cmd = sandbox.aws_auth();
        cmd.arg("status");
        if json {
            cmd.args(["--format", "json"]);
        }
        for (k, v) in vars {
            cmd.env(k, v);
        }
        run(&mut cmd)
    };
    let nothing = status(&[], false);
    assert_eq!(nothing.code, Some(1));
    assert!(nothing.stdout.is_empty());
    assert!(
        nothing.stderr.contains("no credentials of aws-auth's"),
        "{}",
        nothing.describe()
    );
    let json = status(&[], true);
    assert_eq!(json.code, Some(1));
    assert!(
        json.stdout_str().starts_with("{\"active\": false,"),
        "{}",
        json.describe()
    );

    let at = |offset: i64| {
        crate::support::strict_sts::rfc3339(
            (crate::support::strict_sts::now() as i64 + offset) as u64,
        )
    };
    let live = at(3 * 3600 + 600);
    let out = status(
        &[
            ("AWS_ACCESS_KEY_ID", "ASIAX"),
            ("AWS_SESSION_EXPIRATION", &live),
            ("AWS_AUTH_PROFILE", "work"),
        ],
        false,
    );
    assert_eq!(out.code, Some(0));
    assert!(
        out.stdout_str().starts_with("work: 3h 09m left")
            || out.stdout_str().starts_with("work: 3h 10m left"),
        "{}",
        out.describe()
    );
    let expired = at(-120);
    let out = status(
        &[
            ("AWS_ACCESS_KEY_ID", "ASIAX"),
            ("AWS_SESSION_EXPIRATION", &expired),
        ],
        false,
    );
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout_str().starts_with("aws-auth: expired 2m ago"),
        "{}",
        out.describe()
    );

    let me = std::process::id().to_string();
    let served = [
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/"),
        ("AWS_AUTH_SERVER_PID", me.as_str()),
        ("AWS_AUTH_PROFILE", "work"),
    ];
    let out = status(&served, true);
    assert_eq!(out.code, Some(0));
    assert!(
        out.stdout_str().contains("\"mode\": \"serve\"")
            && out.stdout_str().contains(&format!("\"server_pid\": {me}")),
        "{}",
        out.describe()
    );
    let stopped = [
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/"),
        ("AWS_AUTH_SERVER_PID", "2147483646"),
    ];
    let out = status(&stopped, false);
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stdout_str(),
        "aws-auth: the server (pid 2147483646) has stopped\n"
    );
}

/// `serve --until-exit PID` ends when PID does, and is out of the terminal's session (a
/// Ctrl-C at the shell's prompt does not reach it); a PID that does not exist is refused
/// before anything is asked.
#[test]
fn serve_until_exit_ends_with_the_process_and_leaves_the_session() {
    let sandbox = Sandbox::new();
    let sts = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let mut shell = std::process::Command::new("sleep")
        .arg("600")
        .spawn()
        .unwrap();
    let shell_pid = shell.id().to_string();
    let mut cmd = sandbox.aws_auth_with_keys(&sts.url());
    cmd.args(["serve", "--no-cache", "--until-exit", &shell_pid]);
    let server = crate::support::background::Background::start(&mut cmd);
    let exports = server.stdout_until_closed(Duration::from_secs(30));
    assert!(exports.contains("AWS_AUTH_SERVER_PID"), "{exports}");
    let pid = server.child.id();
    let session_of = |pid: u32| -> String {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let after = stat.rsplit_once(')').unwrap().1;
        after.split_whitespace().nth(3).unwrap().to_owned()
    };
    let start = Instant::now();
    while session_of(pid) != pid.to_string() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "serve is still in the test's session"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    shell.kill().unwrap();
    shell.wait().unwrap();
    let (code, stderr) = server.wait(Duration::from_secs(10));
    assert_eq!(code, Some(0), "{stderr}");

    let before = sts.request_count();
    let mut cmd = sandbox.aws_auth_with_keys(&sts.url());
    cmd.args(["serve", "--no-cache", "--until-exit", "2147483646"]);
    let out = run(&mut cmd);
    out.assert_failure(1);
    assert!(
        out.stderr
            .contains("--until-exit 2147483646: there is no process 2147483646"),
        "{}",
        out.describe()
    );
    assert_eq!(sts.request_count(), before, "nothing was asked");
}

/// PowerShell cannot run here (no pwsh offline): its integration is held to a reviewed copy.
/// After a deliberate change: `aws-auth init powershell > tests/golden/init.ps1`, and read
/// the diff.
#[test]
fn the_powershell_integration_is_the_reviewed_one() {
    let sandbox = Sandbox::new();
    let out = run(sandbox.aws_auth().args(["init", "powershell"]));
    out.assert_success();
    assert_eq!(
        out.stdout_str(),
        include_str!("golden/init.ps1"),
        "the PowerShell integration changed: review it, then update tests/golden/init.ps1"
    );
    let bad = run(sandbox.aws_auth().args(["init", "bash", "--name", "a;b"]));
    bad.assert_failure(2);
    assert!(
        bad.stderr.contains("is not a function name"),
        "{}",
        bad.describe()
    );
}
