//! PowerShell output: verbatim single-quoted strings. PowerShell also closes a quote on the
//! typographic single quotes (U+2018–U+201B), so each of those is doubled like `'`.

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
            render(&plain(), Some("eu-west-1"), Format::Powershell)
                .unwrap()
                .as_str(),
            "$Env:AWS_ACCESS_KEY_ID = 'ASIAEXAMPLE'\n\
             $Env:AWS_SECRET_ACCESS_KEY = 'secret/key+1'\n\
             $Env:AWS_SESSION_TOKEN = 'token=='\n\
             $Env:AWS_SESSION_EXPIRATION = '2026-11-24T20:00:00Z'\n\
             $Env:AWS_REGION = 'eu-west-1'\n\
             $Env:AWS_DEFAULT_REGION = 'eu-west-1'\n"
        );
    }

    #[test]
    fn golden_tricky() {
        assert_eq!(
            render(&tricky(), None, Format::Powershell)
                .unwrap()
                .as_str(),
            "$Env:AWS_ACCESS_KEY_ID = 'ASIA''$(touch /tmp/pwned)'''\n\
             $Env:AWS_SECRET_ACCESS_KEY = 'a\\b\"c`d$e\nf''g'\n\
             $Env:AWS_SESSION_TOKEN = 'tok’’en\t\u{1b}[31m;é'\n\
             $Env:AWS_SESSION_EXPIRATION = '2026-11-24T20:00:00Z'\n"
        );
    }
}
