//! Everything aws-auth says on stderr goes through here, so that two promises hold in one
//! place: nothing from a profile name, a key, a reference, a backend or a server can put a
//! raw control character on the terminal (cursor moves, retitling, a fake line), and a
//! stderr that cannot be written is ignored instead of panicking. Not for stdout, which
//! carries the result and is written by `crate::write_stdout`.

use std::fmt::Write as _;
use std::io::Write as _;

/// `text` with every control character (newlines included) written as `\u{XX}`, and every
/// Unicode bidirectional override, which can reorder what a terminal shows, likewise.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || is_bidi_control(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// The bidirectional formatting characters (U+202A..U+202E, U+2066..U+2069, U+200E/F, U+061C).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// The longest text from elsewhere (a server, a password manager's stderr) shown as is.
pub const MAX_SHOWN: usize = 300;

/// Text from elsewhere (a server's message, a password manager's stderr, a name from a
/// file) as it may be shown to a user: control characters and direction overrides become
/// spaces, runs of spaces one, and it is cut to `MAX_SHOWN` characters. The one sanitizer
/// of foreign text; `line` still escapes whatever reaches stderr.
pub fn clean(text: &str) -> String {
    clean_to(text, MAX_SHOWN)
}

/// `clean`, cut to `max` characters (with "…" when cut).
pub fn clean_to(text: &str, max: usize) -> String {
    let spaced: String = text
        .chars()
        .map(|c| {
            if c.is_control() || is_bidi_control(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let joined = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() > max {
        format!("{}…", joined.chars().take(max).collect::<String>())
    } else {
        joined
    }
}

/// A URL as it may be shown: the `user:password@` of its authority becomes `…@`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    match authority.rfind('@') {
        Some(at) => format!("{scheme}://…@{}{path}", &authority[at + 1..]),
        None => url.to_owned(),
    }
}

/// Writes one line to stderr, escaped, in one call. A failed write is dropped: the exit code
/// still tells the caller what happened.
pub fn line(text: &str) {
    let mut out = escape(text);
    out.push('\n');
    let _ = std::io::stderr().lock().write_all(out.as_bytes());
}

/// `say!("...", args)`: one escaped line on stderr (never panics, unlike `eprintln!`).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::report::line(&format!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_a_url_are_never_shown() {
        assert_eq!(
            redact_url("https://alice:s3cret@proxy.example:8443/sts?x=1"),
            "https://…@proxy.example:8443/sts?x=1"
        );
        assert_eq!(redact_url("http://a:b@c@host/"), "http://…@host/");
        assert_eq!(redact_url("http://host/p@th"), "http://host/p@th");
        assert_eq!(redact_url("http://127.0.0.1:9/"), "http://127.0.0.1:9/");
        assert_eq!(redact_url("not a url"), "not a url");
    }

    #[test]
    fn foreign_text_is_cleaned_of_controls_and_cut() {
        assert_eq!(clean("a\u{1b}[31m\n b\tc"), "a [31m b c");
        assert_eq!(clean("x\u{202e}y"), "x y");
        assert_eq!(clean("  plain ü  "), "plain ü");
        let exact = "x".repeat(MAX_SHOWN);
        assert_eq!(clean(&exact), exact);
        assert_eq!(clean(&format!("{exact}y")), format!("{exact}…"));
        assert_eq!(clean_to("abcdef", 3), "abc…");
    }

    #[test]
    fn control_and_bidi_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(escape("plain ü ✓"), "plain ü ✓");
        assert_eq!(escape("a\u{1b}]0;pwned\u{7}b"), "a\\u{1b}]0;pwned\\u{7}b");
        assert_eq!(escape("x\ny\rz\t"), "x\\u{a}y\\u{d}z\\u{9}");
        assert_eq!(escape("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(
            escape("\u{2066}\u{2069}\u{200e}\u{061c}"),
            "\\u{2066}\\u{2069}\\u{200e}\\u{61c}"
        );
    }
}
