//! POSIX shell output (bash, zsh, dash, ksh): single quotes, where only `'` needs care.

/// `export NAME='value'` lines.
pub fn render(vars: &[(&str, &str)], out: &mut String) {
    for (name, value) in vars {
        out.push_str("export ");
        out.push_str(name);
        out.push('=');
        quote(value, out);
        out.push('\n');
    }
}

/// Inside POSIX single quotes every byte but `'` is literal, so `'` becomes `'\''`.
pub fn quote(value: &str, out: &mut String) {
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
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
            render(&plain(), Some("eu-west-1"), Some("work"), Format::Sh)
                .unwrap()
                .as_str(),
            "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\n\
             export AWS_SECRET_ACCESS_KEY='secret/key+1'\n\
             export AWS_SESSION_TOKEN='token=='\n\
             export AWS_SESSION_EXPIRATION='2026-11-24T20:00:00Z'\n\
             export AWS_REGION='eu-west-1'\n\
             export AWS_DEFAULT_REGION='eu-west-1'\n\
             export AWS_AUTH_PROFILE='work'\n"
        );
    }

    #[test]
    fn golden_tricky() {
        assert_eq!(
            render(&tricky(), None, None, Format::Sh).unwrap().as_str(),
            "unset AWS_AUTH_PROFILE\n\
             export AWS_ACCESS_KEY_ID='ASIA'\\''$(touch /tmp/pwned)'\\'''\n\
             export AWS_SECRET_ACCESS_KEY='a\\b\"c`d$e\nf'\\''g'\n\
             export AWS_SESSION_TOKEN='tok’en\t\u{1b}[31m;é'\n\
             export AWS_SESSION_EXPIRATION='2026-11-24T20:00:00Z'\n"
        );
    }
}
