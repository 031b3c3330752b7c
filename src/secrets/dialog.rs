//! Where the MFA code is asked: the terminal when there is one, else a desktop dialog
//! (zenity, else kdialog, on Linux with a `DISPLAY` or `WAYLAND_DISPLAY`; osascript on macOS),
//! so that an IDE, a GUI app or `serve` renewing a session can still get a code without a
//! TOTP seed beside the keys. The dialog hides the input, names the profile and the MFA
//! device, runs through the one runner (bounded by `--timeout`), and its answer is read into
//! a zeroizing buffer: never argv, never a file.

use crate::secrets::process::{self, RunError};
use crate::secrets::tty::{self, PromptError};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// How to ask: `prompt = "..."` in a profile, or `AWS_AUTH_PROMPT`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Prompt {
    /// The terminal when there is one, else a dialog when there is a desktop.
    #[default]
    Auto,
    Terminal,
    Zenity,
    Kdialog,
    Osascript,
    /// Never ask (`--no-prompt`, scripts, a shell's prompt hook): a run that needs a code
    /// fails at once.
    Never,
}

impl Prompt {
    pub const NAMES: &'static str = "auto, terminal, zenity, kdialog, osascript, never";

    pub fn parse(text: &str) -> Option<Prompt> {
        Some(match text {
            "auto" => Prompt::Auto,
            "terminal" => Prompt::Terminal,
            "zenity" => Prompt::Zenity,
            "kdialog" => Prompt::Kdialog,
            "osascript" => Prompt::Osascript,
            "never" => Prompt::Never,
            _ => return None,
        })
    }
}

/// What the question is about.
pub struct Question<'a> {
    pub profile: Option<&'a str>,
    pub serial: &'a str,
    /// How long a dialog may stay open (`--timeout`).
    pub limit: Duration,
    /// What else the user can do, for the error when there is no way to ask.
    pub hint: &'a str,
}

const WHAT: &str = "the MFA code";

/// How many answers a prompt takes before it gives up on a code of the wrong shape.
pub const TRIES: usize = 3;

/// Asks for the MFA code as `prompt` says. An answer that is not six digits (spaces inside
/// it are dropped, as authenticator apps show "123 456") is asked for again, at most
/// `TRIES` times in all, before anything reaches STS.
pub fn ask_code(prompt: Prompt, question: &Question) -> Result<SecretString, PromptError> {
    let mut again = "";
    for _ in 0..TRIES {
        let answer = match ask_once(prompt, question, again) {
            // Enter alone is an answer of the wrong shape too.
            Err(PromptError::Empty { .. }) => SecretString::from(""),
            other => other?,
        };
        let digits: zeroize::Zeroizing<String> = zeroize::Zeroizing::new(
            answer
                .expose_secret()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect(),
        );
        if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(SecretString::from(digits.as_str()));
        }
        again = "That was not a 6-digit code. ";
    }
    Err(PromptError::NotACode { tries: TRIES })
}

/// One question, on the channel `prompt` picks, with `again` (why it is asked again) first.
fn ask_once(prompt: Prompt, question: &Question, again: &str) -> Result<SecretString, PromptError> {
    let on_terminal = || {
        tty::ask_line(
            &format!("{again}MFA code for {}: ", question.serial),
            WHAT,
            question.hint,
        )
    };
    match prompt {
        Prompt::Terminal => on_terminal(),
        Prompt::Auto => match on_terminal() {
            Err(PromptError::NoTerminal { reason, .. }) if desktop() => {
                let program = auto_dialog().ok_or_else(|| PromptError::NoDialog {
                    why: format!("there is no terminal ({reason}) and no dialog program"),
                    install: install_hint(),
                })?;
                with_dialog(program, question, again)
            }
            other => other,
        },
        Prompt::Zenity => with_dialog(Dialog::Zenity, question, again),
        Prompt::Kdialog => with_dialog(Dialog::Kdialog, question, again),
        Prompt::Osascript => with_dialog(Dialog::Osascript, question, again),
        Prompt::Never => Err(PromptError::NotAsked {
            what: format!("{WHAT} for {}", question.serial),
            hint: question.hint.to_owned(),
        }),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dialog {
    Zenity,
    Kdialog,
    Osascript,
}

impl Dialog {
    fn program(self) -> &'static str {
        match self {
            Dialog::Zenity => "zenity",
            Dialog::Kdialog => "kdialog",
            Dialog::Osascript => "osascript",
        }
    }

    fn install(self) -> &'static str {
        match self {
            Dialog::Zenity => "sudo apt-get install zenity",
            Dialog::Kdialog => "sudo apt-get install kdialog",
            Dialog::Osascript => "osascript is part of macOS",
        }
    }

    /// argv: the text is one argument (no shell), with markup escaped where the dialog
    /// would read markup.
    fn args(self, text: &str, limit: Duration) -> Vec<String> {
        match self {
            Dialog::Zenity => vec![
                "--entry".into(),
                "--hide-text".into(),
                "--title=aws-auth".into(),
                format!("--text={}", escape_markup(text)),
                format!("--timeout={}", limit.as_secs().max(1)),
            ],
            Dialog::Kdialog => vec![
                "--title".into(),
                "aws-auth".into(),
                "--password".into(),
                escape_markup(text),
            ],
            // The text arrives as `item 1 of argv`, never inside the script.
            Dialog::Osascript => vec![
                "-e".into(),
                "on run argv".into(),
                "-e".into(),
                "text returned of (display dialog (item 1 of argv) default answer \"\" with hidden answer with title \"aws-auth\")".into(),
                "-e".into(),
                "end run".into(),
                text.to_owned(),
            ],
        }
    }
}

/// A desktop session a dialog can appear on.
fn desktop() -> bool {
    cfg!(target_os = "macos")
        || crate::env::var("DISPLAY").is_some()
        || crate::env::var("WAYLAND_DISPLAY").is_some()
}

fn auto_dialog() -> Option<Dialog> {
    if cfg!(target_os = "macos") {
        return Some(Dialog::Osascript);
    }
    [Dialog::Zenity, Dialog::Kdialog]
        .into_iter()
        .find(|d| process::find_program(d.program()).is_some())
}

fn install_hint() -> String {
    if cfg!(target_os = "macos") {
        Dialog::Osascript.install().to_owned()
    } else {
        "sudo apt-get install zenity (or kdialog)".to_owned()
    }
}

/// `&`, `<` and `>` as entities: zenity and kdialog read their text as markup.
fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn with_dialog(
    dialog: Dialog,
    question: &Question,
    again: &str,
) -> Result<SecretString, PromptError> {
    let text = match question.profile {
        Some(profile) => format!(
            "{again}MFA code for profile {profile} (device {})",
            question.serial
        ),
        None => format!("{again}MFA code for {}", question.serial),
    };
    let program = dialog.program();
    let done = process::run(
        program,
        &dialog.args(&text, question.limit),
        None,
        question.limit,
    )
    .map_err(|e| match e {
        RunError::NotInstalled { .. } => PromptError::NoDialog {
            why: format!("{program} is not installed"),
            install: dialog.install().to_owned(),
        },
        RunError::Timeout { limit, .. } => PromptError::DialogTimeout {
            program: program.to_owned(),
            limit,
        },
        other => PromptError::Read {
            what: WHAT.to_owned(),
            reason: other.to_string(),
        },
    })?;
    match (dialog, done.code) {
        (_, Some(0)) => {}
        // zenity's own --timeout.
        (Dialog::Zenity, Some(5)) => {
            return Err(PromptError::DialogTimeout {
                program: program.to_owned(),
                limit: question.limit,
            });
        }
        // A dialog that could not even start (no display) also exits 1, but says why (other
        // stderr, GTK's chatter, comes with a real cancel too).
        (_, Some(1))
            if done
                .stderr
                .to_ascii_lowercase()
                .contains("cannot open display") =>
        {
            return Err(PromptError::Read {
                what: WHAT.to_owned(),
                reason: format!("{program} failed: {}", done.stderr),
            });
        }
        (_, Some(1)) => {
            return Err(PromptError::Cancelled {
                what: WHAT.to_owned(),
                program: program.to_owned(),
            });
        }
        (_, code) => {
            return Err(PromptError::Read {
                what: WHAT.to_owned(),
                reason: format!(
                    "{program} ended with {}: {}",
                    code.map_or("a signal".to_owned(), |c| format!("exit code {c}")),
                    done.stderr
                ),
            });
        }
    }
    let answer = std::str::from_utf8(&done.stdout).map_err(|_| PromptError::Read {
        what: WHAT.to_owned(),
        reason: format!("{program} answered with something that is not text"),
    })?;
    let answer = answer.trim();
    if answer.is_empty() {
        return Err(PromptError::Empty {
            what: WHAT.to_owned(),
        });
    }
    Ok(SecretString::from(answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_and_nothing_else() {
        for (name, prompt) in [
            ("auto", Prompt::Auto),
            ("terminal", Prompt::Terminal),
            ("zenity", Prompt::Zenity),
            ("kdialog", Prompt::Kdialog),
            ("osascript", Prompt::Osascript),
            ("never", Prompt::Never),
        ] {
            assert_eq!(Prompt::parse(name), Some(prompt));
            assert!(Prompt::NAMES.contains(name));
        }
        assert_eq!(Prompt::parse("Zenity"), None);
        assert_eq!(Prompt::parse(""), None);
    }

    #[test]
    fn the_text_is_one_argument_and_never_markup_or_script() {
        let text = "MFA code for profile <b>&x\" (device arn)";
        let zenity = Dialog::Zenity.args(text, Duration::from_secs(30));
        assert!(zenity.contains(&"--hide-text".to_owned()));
        assert!(
            zenity
                .contains(&"--text=MFA code for profile &lt;b&gt;&amp;x\" (device arn)".to_owned())
        );
        assert!(zenity.contains(&"--timeout=30".to_owned()));
        let kdialog = Dialog::Kdialog.args(text, Duration::from_secs(30));
        assert!(kdialog.contains(&"--password".to_owned()));
        assert_eq!(
            kdialog.last().unwrap(),
            "MFA code for profile &lt;b&gt;&amp;x\" (device arn)"
        );
        let osascript = Dialog::Osascript.args(text, Duration::from_secs(30));
        assert_eq!(osascript.last().unwrap(), text);
        assert!(
            osascript
                .iter()
                .filter(|a| a.contains("display dialog"))
                .all(|a| !a.contains("<b>"))
        );
        assert!(osascript.iter().any(|a| a.contains("with hidden answer")));
    }
}
