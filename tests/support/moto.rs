//! moto's STS server on a free loopback port: one per test process, started on first use.
//! It runs under a small python3 wrapper that kills it as soon as the wrapper's stdin closes;
//! the write end lives in a static, so the server dies with the test process (even on
//! SIGKILL, since the kernel closes the pipe). A missing moto_server fails the test.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub struct Moto {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub port: u16,
    /// Held only so the pipe stays open while the test process lives.
    _lifeline: Mutex<ChildStdin>,
    _wrapper: Mutex<Child>,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

/// The shared moto server, started (and waited for) on first use.
pub fn moto() -> &'static Moto {
    MOTO.get_or_init(start)
}

const WRAPPER: &str = r#"
import subprocess, sys, threading
try:
    server = subprocess.Popen(
        ["moto_server", "-H", "127.0.0.1", "-p", sys.argv[1]],
        stdin=subprocess.DEVNULL,
    )
except OSError as e:
    print(f"cannot start moto_server: {e}", file=sys.stderr, flush=True)
    sys.exit(127)

def stop_when_parent_goes():
    sys.stdin.buffer.read()
    server.terminate()
    try:
        server.wait(5)
    except subprocess.TimeoutExpired:
        server.kill()

threading.Thread(target=stop_when_parent_goes, daemon=True).start()
sys.exit(server.wait())
"#;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("binding a free loopback port")
        .port()
}

fn log_path() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("moto_server.log")
}

fn start() -> Moto {
    let port = free_port();
    let log = std::fs::File::create(log_path()).expect("creating the moto log");
    let home = std::env::temp_dir();
    let mut wrapper = Command::new("python3")
        .arg("-c")
        .arg(WRAPPER)
        .arg(port.to_string())
        .env_clear()
        .env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
        )
        .env("HOME", home)
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::piped())
        .stdout(log.try_clone().expect("cloning the log handle"))
        .stderr(log)
        .spawn()
        .expect("cannot run python3 to start moto_server: install python3");
    let lifeline = wrapper.stdin.take().expect("piped stdin");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if answers_http(port) {
            break;
        }
        if let Some(status) = wrapper.try_wait().expect("polling the moto wrapper") {
            panic!(
                "moto_server exited ({status}) before answering on port {port}. It must be on PATH: \
                 run the tests through scripts/test.sh, or `pip install 'moto[server]'`.\n--- {} ---\n{}",
                log_path().display(),
                std::fs::read_to_string(log_path()).unwrap_or_default()
            );
        }
        if Instant::now() > deadline {
            let _ = wrapper.kill();
            panic!(
                "moto_server did not answer on port {port} within 90 s\n--- {} ---\n{}",
                log_path().display(),
                std::fs::read_to_string(log_path()).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Moto {
        url: format!("http://127.0.0.1:{port}"),
        port,
        _lifeline: Mutex::new(lifeline),
        _wrapper: Mutex::new(wrapper),
    }
}

/// True once something on the port answers an HTTP request with a status line.
fn answers_http(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if stream
        .write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).is_ok() && &head == b"HTTP/"
}
