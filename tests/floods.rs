//! serve's endpoint and login's one-shot redirect under a flood of connections (flood.py):
//! another local user's (a throwaway uid of the test's own) get closed connections and
//! nothing else, the owner's own excess is capped with the idlest pushed out, a refused
//! request ends its connection, and through all of it the owner is answered.

use crate::support::background::Background;
use crate::support::fakes::Fakes;
use crate::support::federation::Federation;
use crate::support::flood::{self, Flood, Outcome};
use crate::support::other_user::OtherUser;
use crate::support::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A token-less request, as a flood sends it.
const TOKENLESS: &str = "GET / HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n";

/// `aws-auth serve` (no command) with `descriptors` as its soft and hard descriptor limit:
/// a flood past it was what starved the owner.
fn serve_limited(sandbox: &Sandbox, sts: &HostileSts, descriptors: u64) -> Command {
    let mut cmd = sandbox.aws_auth_with_keys(&sts.url());
    cmd.args(["serve", "--no-cache"]);
    with_descriptor_limit(&mut cmd, descriptors, descriptors);
    cmd
}

/// The port and token in serve's printed variables.
fn endpoint(exports: &str) -> (u16, String) {
    let value = |name: &str| {
        let start = exports.find(&format!("{name}='")).expect(exports) + name.len() + 2;
        exports[start..].split('\'').next().unwrap().to_owned()
    };
    let url = value("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    let port = url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches('/')
        .parse()
        .expect(&url);
    (port, value("AWS_CONTAINER_AUTHORIZATION_TOKEN"))
}

/// The owner's SDK asking for the credentials on a new connection: the status line.
fn owner_asks(port: u16, token: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: {token}\r\n\
         Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    answer
        .lines()
        .next()
        .unwrap_or("no answer within 5 s")
        .to_owned()
}

/// flood.py as the test's own user.
fn own_flood(sandbox: &Sandbox, port: u16, count: usize, seconds: u32, request: &str) -> Flood {
    let script = sandbox.path("flood.py");
    std::fs::write(&script, flood::SCRIPT).unwrap();
    let mut cmd = sandbox.command("python3");
    cmd.args(flood::args(
        script.to_str().unwrap(),
        port,
        count,
        seconds,
        request,
    ));
    Flood::start(&mut cmd)
}

/// flood.py as `user`.
fn their_flood(user: &OtherUser, port: u16, count: usize, seconds: u32, request: &str) -> Flood {
    let script = user.write("flood.py", flood::SCRIPT);
    let args = flood::args(script.to_str().unwrap(), port, count, seconds, request);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Flood::start(&mut user.command(Path::new("/usr/bin/python3"), &args, &[]))
}

/// Regression (second review, item 1): another user's 300 keep-alive connections, each
/// sending a token-less GET every 4 s, filled serve's descriptors, and the owner's SDK calls
/// timed out until the flood stopped. Now each of theirs is closed before anything is read.
#[test]
fn another_user_s_flood_gets_closed_connections_and_the_owner_is_answered() {
    let sandbox = Sandbox::new();
    let sts = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let server = Background::start(&mut serve_limited(&sandbox, &sts, 256));
    let (port, token) = endpoint(&server.stdout_until_closed(Duration::from_secs(60)));
    let user = OtherUser::new();
    let flood = their_flood(&user, port, 300, 20, TOKENLESS);
    for _ in 0..5 {
        assert_eq!(owner_asks(port, &token), "HTTP/1.1 200 OK");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        flood.finish(),
        Outcome {
            closed: 300,
            bytes: 0
        },
        "every connection of theirs is closed, and not one byte is sent to them"
    );
    assert_eq!(owner_asks(port, &token), "HTTP/1.1 200 OK");
}

/// The owner's own 300 idle connections (a leaky client) against 256 descriptors: the
/// caps (192 in all, 96 from one address) push out the idlest, and a new request is
/// answered (the flood holds on for 8 s, longer than the owner waits for an answer: without
/// the caps, the request would wait in the listen queue behind the ones never accepted).
#[test]
fn past_the_caps_the_idlest_connections_go_and_a_new_one_is_answered() {
    let sandbox = Sandbox::new();
    let sts = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let server = Background::start(&mut serve_limited(&sandbox, &sts, 256));
    let (port, token) = endpoint(&server.stdout_until_closed(Duration::from_secs(60)));
    let flood = own_flood(&sandbox, port, 300, 8, "");
    assert_eq!(owner_asks(port, &token), "HTTP/1.1 200 OK");
    let outcome = flood.finish();
    // Every address is 127.0.0.1: all but 96 are pushed out, and the owner's request one more.
    // The caps come from the limit: 96 held, give or take the owner's request (caps cut to
    // the fewest would close nearly all 300).
    assert!(
        (300 - 96..=300 - 96 + 2).contains(&outcome.closed),
        "{outcome:?}"
    );
    assert_eq!(
        outcome.bytes, 0,
        "an idle connection is closed, never answered"
    );
}

/// A connection whose request failed the checks is closed after the answer (it used to stay
/// open for the next, so each held a descriptor for as long as its client liked).
#[test]
fn a_refused_request_ends_its_connection() {
    let sandbox = Sandbox::new();
    let sts = HostileSts::always(Reply::Credentials(FakeCredentials::plain()));
    let server = Background::start(&mut serve_limited(&sandbox, &sts, 1024));
    let (port, _) = endpoint(&server.stdout_until_closed(Duration::from_secs(60)));
    let outcome = own_flood(&sandbox, port, 5, 3, TOKENLESS).finish();
    assert_eq!(outcome.closed, 5, "{outcome:?}");
    assert!(outcome.bytes > 5 * 100, "each got its 401: {outcome:?}");
}

/// Regression (second review, item 2): another user who read the port and nonce off the
/// opener's argv held idle connections, read one after another for 5 s each, so the browser
/// waited and login ran past its limit. Now theirs are closed unread and the browser is
/// redirected at once.
#[test]
fn another_user_s_idle_connections_do_not_hold_up_login_s_browser() {
    let sandbox = Sandbox::new();
    let fed = Federation::start(false);
    let go = sandbox.path("go");
    let mut cmd = sandbox.aws_auth_with_keys(&moto().url);
    Fakes::new(&sandbox).apply(&mut cmd);
    cmd.env("AWS_AUTH_SIGNIN_URL", fed.url())
        .env("FAKE_BROWSER_LOG", sandbox.path("browser.log"))
        .env("FAKE_XDG_OPEN_AFTER", &go)
        .args(["login", "--role-arn", &role_arn("flooded-login")]);
    let login = Background::start(&mut cmd);
    // The page's address, as another user reads it in /proc/PID/cmdline.
    let page = loop {
        let argv = Fakes::new(&sandbox).log();
        if let Some(line) = argv.lines().find(|l| l.starts_with("xdg-open\t")) {
            break line["xdg-open\t".len()..].to_owned();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let port: u16 = page["http://127.0.0.1:".len()..]
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let user = OtherUser::new();
    let flood = their_flood(&user, port, 40, 30, "GET /");
    std::fs::write(&go, "").unwrap();
    let (code, stderr) = login.wait(Duration::from_secs(30));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("the console is open in your browser"),
        "{stderr}"
    );
    let browser = std::fs::read_to_string(sandbox.path("browser.log")).unwrap();
    assert!(browser.starts_with("302 "), "{browser}");
    assert_eq!(
        flood.finish(),
        Outcome {
            closed: 40,
            bytes: 0
        }
    );
}
