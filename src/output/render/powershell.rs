//! PowerShell output: verbatim single-quoted strings. PowerShell also closes a quote on the
//! typographic single quotes (U+2018–U+201B), so each of those is doubled like `'`. A value
//! with a line break is refused before this renders (`| Invoke-Expression` evaluates a
//! native command's output line by line, so the break would end the quote): every line is
//! a whole statement.

/// What PowerShell (or .NET's line reader under it) takes as the end of a line.
pub const LINE_BREAKS: [char; 5] = ['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'];

/// `$Env:NAME = 'value'` lines.
pub fn render(vars: &[(&str, &str)], out: &mut String) {
    for (name, value) in vars {
        out.push_str("$Env:");
        out.push_str(name);
        out.push_str(" = ");
        quote(value, out);
        out.push('\n');
    }
}

pub fn quote(value: &str, out: &mut String) {
    out.push('\'');
    for c in value.chars() {
        out.push(c);
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
    }
    out.push('\'');
}

#[cfg(test)]
mod tests {
    use crate::output::render::tests::{plain, tricky};
    use crate::output::render::{Format, render};

    #[test]
    fn golden_plain() {
        assert_eq!(
            render(
                &plain(),
                Some("eu-west-1"),
                Some("work"),
                Format::Powershell
            )
            .unwrap()
            .as_str(),
            "$Env:AWS_ACCESS_KEY_ID = 'ASIAEXAMPLE'\n\
             $Env:AWS_SECRET_ACCESS_KEY = 'secret/key+1'\n\
             $Env:AWS_SESSION_TOKEN = 'token=='\n\
             $Env:AWS_SESSION_EXPIRATION = '2026-11-24T20:00:00Z'\n\
             $Env:AWS_REGION = 'eu-west-1'\n\
             $Env:AWS_DEFAULT_REGION = 'eu-west-1'\n\
             $Env:AWS_AUTH_PROFILE = 'work'\n"
        );
    }

    #[test]
    fn golden_tricky() {
        let mut creds = tricky();
        creds.secret_access_key = secrecy::SecretString::from("a\\b\"c`d$e\tf'g");
        assert_eq!(
            render(&creds, None, None, Format::Powershell)
                .unwrap()
                .as_str(),
            "Remove-Item Env:AWS_AUTH_PROFILE -ErrorAction SilentlyContinue\n\
             $Env:AWS_ACCESS_KEY_ID = 'ASIA''$(touch /tmp/pwned)'''\n\
             $Env:AWS_SECRET_ACCESS_KEY = 'a\\b\"c`d$e\tf''g'\n\
             $Env:AWS_SESSION_TOKEN = 'tok’’en\t\u{1b}[31m;é'\n\
             $Env:AWS_SESSION_EXPIRATION = '2026-11-24T20:00:00Z'\n"
        );
    }

    /// Regression (second review, item 9): a line break inside a value would be evaluated
    /// outside its quotes by `| Invoke-Expression`, which reads line by line. Refused, with
    /// the variable named and the value not shown; every other format keeps it quoted.
    #[test]
    fn a_line_break_in_a_value_is_refused_for_powershell_only() {
        for line_break in super::LINE_BREAKS {
            let mut creds = tricky();
            creds.session_token =
                secrecy::SecretString::from(format!("ab{line_break}$(Remove-Item x)"));
            let err = render(&creds, None, None, Format::Powershell).unwrap_err();
            assert!(
                matches!(
                    err,
                    crate::output::render::RenderError::LineBreak {
                        variable: "AWS_SECRET_ACCESS_KEY"
                    }
                ),
                "{line_break:?}: {err}"
            );
            assert!(!err.to_string().contains("Remove-Item"));
            for format in [Format::Sh, Format::Fish, Format::Json] {
                render(&creds, None, None, format).unwrap();
            }
        }
    }
}
