//! fish output: single quotes, where `\` and `'` are the only escapes fish honours.

/// `set -gx NAME 'value'` lines.
pub fn render(vars: &[(&str, &str)], out: &mut String) {
    for (name, value) in vars {
        out.push_str("set -gx ");
        out.push_str(name);
        out.push(' ');
        quote(value, out);
        out.push('\n');
    }
}

/// Inside fish single quotes only `\\` and `\'` are escapes; every other character, control
/// characters and fish's private-use range included, stands for itself.
pub fn quote(value: &str, out: &mut String) {
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            _ => out.push(c),
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
            render(&plain(), Some("eu-west-1"), Some("work"), Format::Fish)
                .unwrap()
                .as_str(),
            "set -gx AWS_ACCESS_KEY_ID 'ASIAEXAMPLE'\n\
             set -gx AWS_SECRET_ACCESS_KEY 'secret/key+1'\n\
             set -gx AWS_SESSION_TOKEN 'token=='\n\
             set -gx AWS_SESSION_EXPIRATION '2026-11-24T20:00:00Z'\n\
             set -gx AWS_REGION 'eu-west-1'\n\
             set -gx AWS_DEFAULT_REGION 'eu-west-1'\n\
             set -gx AWS_AUTH_PROFILE 'work'\n"
        );
    }

    #[test]
    fn golden_tricky() {
        assert_eq!(
            render(&tricky(), None, None, Format::Fish)
                .unwrap()
                .as_str(),
            "set -e AWS_AUTH_PROFILE\n\
             set -gx AWS_ACCESS_KEY_ID 'ASIA\\'$(touch /tmp/pwned)\\''\n\
             set -gx AWS_SECRET_ACCESS_KEY 'a\\\\b\"c`d$e\nf\\'g'\n\
             set -gx AWS_SESSION_TOKEN 'tok’en\t\u{1b}[31m;é'\n\
             set -gx AWS_SESSION_EXPIRATION '2026-11-24T20:00:00Z'\n"
        );
    }

    #[test]
    fn private_use_characters_stay_inside_the_quotes() {
        // fish 3.6 rejects a bare \uF600 escape as an invalid token; quoted, it round-trips.
        let mut out = String::new();
        super::quote("a\u{F600}b", &mut out);
        assert_eq!(out, "'a\u{F600}b'");
    }
}
