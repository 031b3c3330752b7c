//! Output renderers: pure functions from credentials to the text a shell evaluates (or the
//! credential_process JSON). Values are untrusted (they come from STS): every renderer quotes
//! so that any value comes back byte for byte and nothing in it runs.

pub(crate) mod fish;
pub mod json;
pub(crate) mod powershell;
pub(crate) mod sh;

use crate::credentials::{SessionCredentials, format_expiration};
use crate::output::vars::{To, Vars};
use zeroize::Zeroizing;

/// Where the output goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// POSIX shells: bash, zsh, dash, ksh (`export NAME='value'`).
    #[default]
    #[value(alias = "bash", alias = "zsh")]
    Sh,
    /// fish (`set -gx NAME 'value'`).
    Fish,
    /// PowerShell (`$Env:NAME = 'value'`).
    #[value(alias = "pwsh")]
    Powershell,
    /// credential_process JSON (`"Version": 1`).
    Json,
    /// The JSON `aws sts assume-role` prints (`{"Credentials": {...}}`), for scripts that
    /// parse it.
    Sts,
}

impl Format {
    /// Whether it is JSON for a program, not code for a shell.
    pub fn is_json(self) -> bool {
        matches!(self, Format::Json | Format::Sts)
    }
}

/// What cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A value no environment variable can hold.
    #[error(
        "STS returned a {variable} that contains a NUL byte, which no environment variable can hold"
    )]
    Nul { variable: &'static str },
    #[error(
        "--format json and sts are JSON for programs, not variables a shell evaluates (use sh, fish or powershell)"
    )]
    NotAShell,
    /// PowerShell's `| Invoke-Expression` takes a native command's output one line at a
    /// time, so a line break inside a quoted value would end the quote.
    #[error(
        "STS returned a {variable} with a line break in it, which PowerShell would evaluate outside its quotes; no real STS sends one: check the endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL)"
    )]
    LineBreak { variable: &'static str },
}

/// Room for the worst case of any format (JSON's \u00XX is six bytes for one), so the buffer
/// never grows: growing would leave an unzeroized copy of the secrets behind.
fn worst_case_len(vars: &[(&str, &str)]) -> usize {
    128 + vars
        .iter()
        .map(|(name, value)| 32 + name.len() + 6 * value.len())
        .sum::<usize>()
}

/// Renders the whole output into one zeroizing buffer, written out only by the caller.
pub fn render(
    creds: &SessionCredentials,
    region: Option<&str>,
    profile: Option<&str>,
    format: Format,
) -> Result<Zeroizing<String>, RenderError> {
    let expiration = format_expiration(&creds.expiration);
    if format.is_json() {
        let vars = Vars::session(creds, region, &expiration, To::Shell { profile });
        check(&vars)?;
        let capacity = worst_case_len(&vars.set);
        let mut out = Zeroizing::new(String::with_capacity(capacity));
        if format == Format::Sts {
            json::render_sts(creds, &expiration, &mut out);
        } else {
            json::render(creds, &expiration, &mut out);
        }
        debug_assert!(out.len() <= capacity, "the output buffer grew");
        return Ok(out);
    }
    shell(
        &Vars::session(creds, region, &expiration, To::Shell { profile }),
        format,
    )
}

/// No environment variable can hold a NUL byte.
fn check(vars: &Vars) -> Result<(), RenderError> {
    match vars.set.iter().find(|(_, v)| v.contains('\0')) {
        Some((variable, _)) => Err(RenderError::Nul { variable }),
        None => Ok(()),
    }
}

/// `vars` for a shell to evaluate: what to remove, then what to set.
pub fn shell(vars: &Vars, format: Format) -> Result<Zeroizing<String>, RenderError> {
    check(vars)?;
    if format == Format::Powershell
        && let Some((variable, _)) = vars
            .set
            .iter()
            .find(|(_, v)| v.contains(powershell::LINE_BREAKS))
    {
        return Err(RenderError::LineBreak { variable });
    }
    let capacity =
        worst_case_len(&vars.set) + vars.unset.iter().map(|n| 64 + n.len()).sum::<usize>();
    let mut out = Zeroizing::new(String::with_capacity(capacity));
    match format {
        Format::Sh => {
            if !vars.unset.is_empty() {
                out.push_str("unset");
                for name in &vars.unset {
                    out.push(' ');
                    out.push_str(name);
                }
                out.push('\n');
            }
            sh::render(&vars.set, &mut out);
        }
        Format::Fish => {
            for name in &vars.unset {
                out.push_str("set -e ");
                out.push_str(name);
                out.push('\n');
            }
            fish::render(&vars.set, &mut out);
        }
        Format::Powershell => {
            for name in &vars.unset {
                out.push_str("Remove-Item Env:");
                out.push_str(name);
                out.push_str(" -ErrorAction SilentlyContinue\n");
            }
            powershell::render(&vars.set, &mut out);
        }
        Format::Json | Format::Sts => return Err(RenderError::NotAShell),
    }
    debug_assert!(out.len() <= capacity, "the output buffer grew");
    Ok(out)
}

/// When stdout is a terminal, shell code printed there sets nothing: the one line that says
/// how to have the shell read it (`None` for JSON, or when stdout is not a terminal).
pub fn eval_hint(format: Format, profile: Option<&str>) -> Option<String> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let command = match profile {
        Some(name) => format!("aws-auth --profile {name}"),
        None => "aws-auth".to_owned(),
    };
    let how = match format {
        Format::Sh => format!("eval \"$({command})\""),
        Format::Fish => format!("{command} --format fish | source"),
        Format::Powershell => {
            format!("{command} --format powershell | Out-String | Invoke-Expression")
        }
        Format::Json | Format::Sts => return None,
    };
    Some(format!(
        "aws-auth: these lines set nothing by being shown; to set them in your shell, run: {how}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_types::DateTime;
    use secrecy::SecretString;

    /// Values that need quoting in every format.
    pub(crate) fn tricky() -> SessionCredentials {
        SessionCredentials {
            access_key_id: "ASIA'$(touch /tmp/pwned)'".into(),
            secret_access_key: SecretString::from("a\\b\"c`d$e\nf'g"),
            session_token: SecretString::from("tok’en\t\u{1b}[31m;é"),
            expiration: DateTime::from_secs(1_795_550_400),
        }
    }

    pub(crate) fn plain() -> SessionCredentials {
        SessionCredentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: SecretString::from("secret/key+1"),
            session_token: SecretString::from("token=="),
            expiration: DateTime::from_fractional_secs(1_795_550_400, 0.5),
        }
    }

    /// Regression guard for the zeroizing promise: a buffer that grows leaves a copy of the
    /// secrets behind, so even values made only of what each format escapes most expensively
    /// (control characters, quotes, private-use and typographic characters) must fit the
    /// buffer as first allocated.
    #[test]
    fn the_output_buffer_never_grows_even_for_the_costliest_values() {
        let costly = "\u{1}'\u{F600}’\"\\$`\u{1b}".repeat(300);
        let creds = SessionCredentials {
            access_key_id: costly.clone(),
            secret_access_key: SecretString::from(costly.as_str()),
            session_token: SecretString::from(costly.as_str()),
            expiration: DateTime::from_secs(1_795_550_400),
        };
        let expiration = format_expiration(&creds.expiration);
        let vars = Vars::session(
            &creds,
            Some(&costly),
            &expiration,
            To::Shell {
                profile: Some(&costly),
            },
        );
        let room = worst_case_len(&vars.set);
        for format in [
            Format::Sh,
            Format::Fish,
            Format::Powershell,
            Format::Json,
            Format::Sts,
        ] {
            let out = render(&creds, Some(&costly), Some(&costly), format).unwrap();
            assert!(out.len() <= room, "{format:?}: {} > {room}", out.len());
            // with_capacity(n) gives exactly n: anything else means it was reallocated.
            assert_eq!(out.capacity(), room, "{format:?}");
        }
        // Plain values leave most of the room unused, but never less than they need.
        let plain = plain();
        let expiration = format_expiration(&plain.expiration);
        let vars = Vars::session(&plain, None, &expiration, To::Shell { profile: None });
        assert!(
            render(&plain, None, None, Format::Json).unwrap().len() <= worst_case_len(&vars.set)
        );
    }

    #[test]
    fn nul_bytes_are_refused_not_truncated() {
        let mut creds = plain();
        creds.session_token = SecretString::from("abc\0def");
        for format in [
            Format::Sh,
            Format::Fish,
            Format::Powershell,
            Format::Json,
            Format::Sts,
        ] {
            let err = render(&creds, None, None, format).unwrap_err();
            assert!(
                matches!(
                    err,
                    RenderError::Nul {
                        variable: "AWS_SESSION_TOKEN"
                    }
                ),
                "{err}"
            );
            assert!(!err.to_string().contains("abc"));
        }
    }

    #[test]
    fn region_variables_only_when_given() {
        let out = render(&plain(), None, None, Format::Sh).unwrap();
        assert!(!out.contains("REGION"));
        let out = render(&plain(), Some("eu-west-1"), None, Format::Sh).unwrap();
        assert!(
            out.contains("export AWS_REGION='eu-west-1'\nexport AWS_DEFAULT_REGION='eu-west-1'\n")
        );
    }
}
