//! A hostile local client (flood.py): many connections held open to a loopback server,
//! each sending the same request every 4 s, run as the test's user or as another.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

/// The script, for a user who cannot read the test's tree: write it where they can.
pub const SCRIPT: &str = include_str!("flood.py");

pub struct Flood {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

/// What the server did to the flood's connections.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub closed: usize,
    pub bytes: usize,
}

/// `python3 SCRIPT PORT COUNT SECONDS REQUEST`'s arguments (`\r\n` escapes in `request`).
pub fn args(script: &str, port: u16, count: usize, seconds: u32, request: &str) -> Vec<String> {
    vec![
        script.to_owned(),
        port.to_string(),
        count.to_string(),
        seconds.to_string(),
        request.to_owned(),
    ]
}

impl Flood {
    /// Starts `cmd` (flood.py under python3) and returns once every connection is open.
    pub fn start(cmd: &mut Command) -> Flood {
        let mut child = cmd
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting flood.py");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert_eq!(line, "ready\n", "flood.py could not open its connections");
        Flood { child, stdout }
    }

    /// Waits for the end (every connection closed, or its time up) and says what happened.
    pub fn finish(mut self) -> Outcome {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let _ = self.child.wait();
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|f| f.strip_prefix(name))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("flood.py said {line:?}"))
        };
        Outcome {
            closed: field("closed="),
            bytes: field("bytes="),
        }
    }
}

impl Drop for Flood {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
