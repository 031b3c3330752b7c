//! `aws-auth status`: the aws-auth credentials this environment holds and the time they have
//! left, read from the environment alone (no password manager, no STS, no cache), so a
//! shell prompt can run it every time. One line of text, or JSON; exit 0 while they are
//! usable, 1 when there are none or they have expired (or their server has stopped).

use crate::Outcome;
use crate::credentials::now_secs;
use crate::error::Error;
use crate::output::render::json::quote;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

/// How `status` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    /// One line: `work: 42m left`.
    #[default]
    Text,
    /// `{"active": ..., "profile": ..., "mode": ..., ...}`.
    Json,
}

/// What the environment holds.
#[derive(Debug, PartialEq, Eq)]
pub enum State {
    /// No aws-auth credentials.
    Nothing,
    /// Keys set by `eval` of aws-auth's output: their expiration, and seconds left (≤ 0:
    /// expired).
    Keys {
        profile: Option<String>,
        expiration: String,
        left: i64,
    },
    /// `serve`'s endpoint, and whether its server still runs.
    Served {
        profile: Option<String>,
        pid: u32,
        running: bool,
    },
}

impl State {
    /// From the environment (`var` reads one variable) at `now`; `running` asks whether a
    /// pid is alive.
    pub fn read(
        var: impl Fn(&str) -> Option<String>,
        now: i64,
        running: impl Fn(u32) -> bool,
    ) -> State {
        let profile = var("AWS_AUTH_PROFILE");
        if var("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
            && let Some(pid) = var("AWS_AUTH_SERVER_PID").and_then(|p| p.parse().ok())
        {
            return State::Served {
                profile,
                pid,
                running: running(pid),
            };
        }
        let (Some(_), Some(expiration)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SESSION_EXPIRATION"))
        else {
            return State::Nothing;
        };
        match DateTime::from_str(&expiration, Format::DateTime) {
            Ok(at) => State::Keys {
                profile,
                left: at.secs() - now,
                expiration,
            },
            Err(_) => State::Nothing,
        }
    }

    pub fn usable(&self) -> bool {
        match self {
            State::Nothing => false,
            State::Keys { left, .. } => *left > 0,
            State::Served { running, .. } => *running,
        }
    }

    /// The text line, or `None` when there is nothing.
    pub fn text(&self) -> Option<String> {
        let name = |profile: &Option<String>| {
            crate::report::clean_to(profile.as_deref().unwrap_or("aws-auth"), 64)
        };
        Some(match self {
            State::Nothing => return None,
            State::Keys { profile, left, .. } if *left > 0 => {
                format!("{}: {} left", name(profile), duration(*left))
            }
            State::Keys { profile, left, .. } => {
                format!("{}: expired {} ago", name(profile), duration(-left))
            }
            State::Served {
                profile,
                pid,
                running: true,
            } => format!("{}: served (pid {pid})", name(profile)),
            State::Served { profile, pid, .. } => {
                format!("{}: the server (pid {pid}) has stopped", name(profile))
            }
        })
    }

    pub fn json(&self) -> String {
        let mut out = format!("{{\"active\": {}, \"profile\": ", self.usable());
        let string = |value: Option<&str>, out: &mut String| match value {
            Some(value) => quote(value, out),
            None => out.push_str("null"),
        };
        let (profile, mode, expiration, left, pid) = match self {
            State::Nothing => (None, None, None, None, None),
            State::Keys {
                profile,
                expiration,
                left,
            } => (
                profile.as_deref(),
                Some("keys"),
                Some(expiration.as_str()),
                Some(*left),
                None,
            ),
            State::Served { profile, pid, .. } => {
                (profile.as_deref(), Some("serve"), None, None, Some(*pid))
            }
        };
        string(profile, &mut out);
        out.push_str(", \"mode\": ");
        string(mode, &mut out);
        out.push_str(", \"expiration\": ");
        string(expiration, &mut out);
        let number = |n: Option<i64>| n.map_or("null".to_owned(), |n| n.to_string());
        out.push_str(&format!(
            ", \"seconds_left\": {}, \"server_pid\": {}}}\n",
            number(left),
            number(pid.map(i64::from))
        ));
        out
    }
}

/// `2h 05m`, `42m`, `59s`.
fn duration(seconds: i64) -> String {
    match seconds {
        s if s >= 3600 => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

pub fn run(format: StatusFormat) -> Result<Outcome, Error> {
    let state = State::read(crate::env::var, now_secs(), crate::secrets::process::exists);
    let out = match format {
        StatusFormat::Json => Some(state.json()),
        StatusFormat::Text => state.text().map(|line| line + "\n"),
    };
    match out {
        Some(out) => crate::write_stdout(out.as_bytes())?,
        None => crate::say!("aws-auth: no credentials of aws-auth's in this environment"),
    }
    Ok(Outcome::Exit(if state.usable() { 0 } else { 1 }))
}

#[cfg(test)]
mod tests;
