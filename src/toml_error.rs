//! A TOML error as aws-auth shows it: the line and column, the key at fault and what was
//! expected, and never the text of the file (a malformed line, a value of the wrong type or a
//! misplaced key may be a pasted secret). Not a parser: the `toml` crate parses.

/// Where and what, with nothing of the file's content but key names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Locates `error` in `text` and rewrites its message without any value.
pub fn describe(text: &str, error: &toml::de::Error) -> Located {
    let (line, column) = locate(text, error.span().map_or(0, |s| s.start));
    let line_text = text.lines().nth(line - 1).unwrap_or_default();
    let mut message = redact(error.message().trim());
    if let Some(key) = key_of(line_text)
        && message.starts_with("invalid ")
    {
        message = format!("{key}: {message}");
    }
    if let Some(near) = nearest_field(&message) {
        message = format!("{message} (did you mean `{near}`?)");
    }
    Located {
        line,
        column,
        message,
    }
}

/// For "unknown field `rol`, expected one of `role_arn`, ...": the expected name nearest to
/// the unknown one (both from the message as redacted: the name was shown only if key-like).
fn nearest_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    // serde's wording: "expected `a`", "expected `a` or `b`", "expected one of `a`, `b`, ...".
    let expected = rest.split_once("expected ")?.1;
    let expected = expected.strip_prefix("one of ").unwrap_or(expected);
    let names = expected
        .split(", ")
        .flat_map(|n| n.split(" or "))
        .map(|n| n.trim().trim_matches('`'));
    crate::suggest::nearest(unknown, names).filter(|n| *n != unknown)
}

/// The 1-based line and column (in characters) of byte `offset`, never slicing inside a
/// character (an offset inside one counts as that character).
fn locate(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// A name that can be shown: short, and made of the characters keys are made of.
fn key_like(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 40
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && !text.chars().all(|c| c.is_ascii_digit())
}

/// The key of a `key = value` line, when it looks like one.
fn key_of(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    key_like(key).then_some(key)
}

/// The message with its quoted piece (`"..."` or `` `...` ``) left out unless it is a key
/// name. What follows the last "expected" is the parser's own vocabulary, and kept. The piece
/// runs from the first quote to the last one before "expected", whatever quotes it holds
/// itself (a key may contain backticks).
fn redact(message: &str) -> String {
    let (head, expected) = match message.rfind("expected") {
        Some(at) => message.split_at(at),
        None => (message, ""),
    };
    let (Some(first), Some(last)) = (head.find(['"', '`']), head.rfind(['"', '`'])) else {
        return message.to_owned();
    };
    let mut out = String::with_capacity(message.len());
    out.push_str(&head[..first]);
    if first == last {
        // An opening quote with no closing one: everything after it may be the value.
        out.push_str("(not shown)");
        if !expected.is_empty() {
            out.push_str(", ");
        }
    } else {
        let piece = &head[first + 1..last];
        if key_like(piece) && !head.starts_with("invalid") {
            out.push_str(&head[first..=last]);
        } else {
            out.push_str("(not shown)");
        }
        out.push_str(&head[last + 1..]);
    }
    out.push_str(expected);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        seconds: Option<u64>,
        name: Option<String>,
    }

    fn error(text: &str) -> Located {
        let e = toml::from_str::<T>(text).unwrap_err();
        describe(text, &e)
    }

    #[test]
    fn a_value_of_the_wrong_type_is_named_by_its_key_not_shown() {
        let e = error("seconds = \"wJalrXUtnFEMIK7MDENGbPxRfiCY\"\n");
        assert_eq!((e.line, e.column), (1, 11));
        assert!(!e.message.contains("wJalr"), "{e:?}");
        assert!(e.message.starts_with("seconds: invalid type"), "{e:?}");
        assert!(e.message.contains("expected u64"), "{e:?}");
        let e = error("name = 907153\n");
        assert!(!e.message.contains("907153"), "{e:?}");
        assert!(e.message.contains("name: invalid type: integer"), "{e:?}");
    }

    #[test]
    fn an_unknown_key_is_shown_only_when_it_looks_like_a_key() {
        let e = error("role = \"x\"\n");
        assert!(e.message.contains("`role`"), "{e:?}");
        assert!(e.message.contains("expected"), "{e:?}");
        let e = error("wJalrXUtnFEMI/K7MDENG+bPxRfiCY = 1\n");
        assert!(!e.message.contains("wJalr"), "{e:?}");
        let e = error("\"AKIA1234SECRETKEY\" = 1\n");
        assert!(!e.message.contains("AKIA1234"), "{e:?}");
    }

    #[test]
    fn a_misspelled_key_gets_the_nearest_expected_one() {
        let e = error("secnds = 1\n");
        assert!(e.message.ends_with("(did you mean `seconds`?)"), "{e:?}");
        // Nothing near, or a name not shown: no guess.
        assert!(!error("colour = 1\n").message.contains("did you mean"));
        let e = error("\"AKIA1234SECONDS\" = 1\n");
        assert!(!e.message.contains("did you mean"), "{e:?}");
    }

    #[test]
    fn a_syntax_error_quotes_nothing_of_the_line() {
        for text in [
            "name = \"wJalrXUtnFEMI\n",
            "name = wJalrXUtnFEMI\n",
            "name = 'wJalrXUtnFEMI\n",
            "[wJalrXUtnFEMI\n",
            "wJalrXUtnFEMI\n",
            "name = \"\\q wJalrXUtnFEMI\"\n",
        ] {
            let e = error(text);
            assert!(!e.message.contains("wJalrXUtnFEMI"), "{text}: {e:?}");
            assert_eq!(e.line, 1, "{text}: {e:?}");
        }
    }

    #[test]
    fn a_position_is_counted_in_characters_and_never_inside_one() {
        assert_eq!(locate("ab\ncd", 0), (1, 1));
        assert_eq!(locate("ab\ncd", 4), (2, 2));
        // Byte 2 is inside "é" (bytes 1 and 2): it counts as that character, column 2.
        assert_eq!(locate("aé b", 2), (1, 2));
        assert_eq!(locate("aé b", 3), (1, 3));
        assert_eq!(locate("x", 99), (1, 2));
    }

    #[test]
    fn redaction_keeps_key_names_and_the_expected_list() {
        assert_eq!(
            redact("unknown field `rol`, expected one of `role_arn`, `region`"),
            "unknown field `rol`, expected one of `role_arn`, `region`"
        );
        assert_eq!(
            redact("invalid type: string \"abc\", expected u64"),
            "invalid type: string (not shown), expected u64"
        );
        assert_eq!(redact("unknown field `AKIA`"), "unknown field (not shown)");
        assert_eq!(redact("cut \"short"), "cut (not shown)");
        // Found by fuzzing (backend_file): a key holding a backtick ended the quoted piece
        // early and the rest of it was shown.
        let leaked = "unknown field `\\\\=BBBBBBBBBBBBB[=0,0\\\"`, expected one of `program`";
        assert_eq!(
            redact(leaked),
            "unknown field (not shown), expected one of `program`"
        );
        let two = "unknown field `a`b`, expected one of `x`";
        assert_eq!(
            redact(two),
            "unknown field (not shown), expected one of `x`"
        );
        // A key that says "expected" does not move where the parser's words begin.
        let sly = "unknown field `expected SECRET9K`, expected one of `x`";
        assert_eq!(
            redact(sly),
            "unknown field (not shown), expected one of `x`"
        );
        assert!(key_like("role_arn") && !key_like("123456") && !key_like("Role"));
        assert_eq!(key_of("  role_arn = 5"), Some("role_arn"));
        assert_eq!(key_of("\"x y\" = 5"), None);
        assert_eq!(key_of("no equals"), None);
    }
}
