//! fish output: single quotes, where `\` and `'` are the only escapes fish honours.
//! Characters fish treats specially even inside quotes are written as `\uXXXX` outside them.

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

/// fish uses U+F600–U+F8FF internally to carry raw bytes and wildcards, so a literal one
/// would not survive; those are written as `\uXXXX` escapes between quoted runs.
fn needs_escape(c: char) -> bool {
    ('\u{F600}'..='\u{F8FF}').contains(&c)
}

pub fn quote(value: &str, out: &mut String) {
    let mut open = false;
    if value.is_empty() {
        out.push_str("''");
        return;
    }
    for c in value.chars() {
        if needs_escape(c) {
            if open {
                out.push('\'');
                open = false;
            }
            out.push_str(&format!("\\u{:04X}", c as u32));
            continue;
        }
        if !open {
            out.push('\'');
            open = true;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            _ => out.push(c),
        }
    }
    if open {
        out.push('\'');
    }
}

#[cfg(test)]
mod tests {
    use crate::render::tests::{plain, tricky};
    use crate::render::{Format, render};

    #[test]
    fn golden_plain() {
        assert_eq!(
            render(&plain(), Some("eu-west-1"), Format::Fish)
                .unwrap()
                .as_str(),
            "set -gx AWS_ACCESS_KEY_ID 'ASIAEXAMPLE'\n\
             set -gx AWS_SECRET_ACCESS_KEY 'secret/key+1'\n\
             set -gx AWS_SESSION_TOKEN 'token=='\n\
             set -gx AWS_SESSION_EXPIRATION '2026-11-24T20:00:00Z'\n\
             set -gx AWS_REGION 'eu-west-1'\n\
             set -gx AWS_DEFAULT_REGION 'eu-west-1'\n"
        );
    }

    #[test]
    fn golden_tricky() {
        assert_eq!(
            render(&tricky(), None, Format::Fish).unwrap().as_str(),
            "set -gx AWS_ACCESS_KEY_ID 'ASIA\\'$(touch /tmp/pwned)\\''\n\
             set -gx AWS_SECRET_ACCESS_KEY 'a\\\\b\"c`d$e\nf\\'g'\n\
             set -gx AWS_SESSION_TOKEN 'tok’en\t\u{1b}[31m;é'\n\
             set -gx AWS_SESSION_EXPIRATION '2026-11-24T20:00:00Z'\n"
        );
    }

    #[test]
    fn private_use_characters_are_escaped() {
        let mut out = String::new();
        super::quote("a\u{F600}b", &mut out);
        assert_eq!(out, "'a'\\uF600'b'");
    }
}
