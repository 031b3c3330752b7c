//! An inline session policy: one JSON object with a `Statement`, of the characters STS
//! takes in a policy (tab, line breaks, U+0020 to U+00FF), packed to one line for STS, which
//! counts its characters: the whitespace between tokens goes, everything else stays as
//! written (key order, escapes, numbers).

use aws_smithy_json::deserialize::{Token, json_token_iter};

/// The largest policy read from a file or stdin (pretty-printed, a policy STS takes is a
/// few KiB).
pub const MAX_READ: u64 = 64 * 1024;

/// `text` checked and packed, or what is wrong with it (a policy is no secret, but only a
/// character or a position of it is quoted).
pub fn pack(text: &str) -> Result<String, String> {
    if let Some((at, c)) = text.char_indices().find(|&(_, c)| !allowed(c)) {
        let (line, column) = position(text, at);
        return Err(format!(
            "line {line}, column {column}: U+{:04X} is not a character STS takes in a policy (tab, line breaks and \
             U+0020 to U+00FF; write others as a \\uXXXX escape)",
            c as u32
        ));
    }
    let mut depth = 0usize;
    let mut statement = false;
    let mut count = 0usize;
    for token in json_token_iter(text.as_bytes()) {
        let token = token.map_err(|e| json_error(text, &e.to_string()))?;
        if depth == 0 && count > 0 {
            return Err("holds more than one JSON value: a policy is one object".into());
        }
        count += 1;
        match token {
            Token::StartObject { .. } => depth += 1,
            Token::StartArray { .. } if depth > 0 => depth += 1,
            Token::EndObject { .. } | Token::EndArray { .. } => depth -= 1,
            Token::ObjectKey { key, .. } if depth == 1 && key.as_escaped_str() == "Statement" => {
                statement = true;
            }
            _ if depth == 0 => {
                return Err(
                    "is not a JSON object: a policy is {\"Version\": \"2012-10-17\", \"Statement\": [...]}"
                        .into(),
                );
            }
            _ => {}
        }
    }
    if count == 0 {
        return Err(
            "is empty: a policy is {\"Version\": \"2012-10-17\", \"Statement\": [...]}".into(),
        );
    }
    if !statement {
        return Err(
            "has no \"Statement\": a policy is {\"Version\": \"2012-10-17\", \"Statement\": [...]}"
                .into(),
        );
    }
    Ok(minify(text))
}

/// Tab, line feed, carriage return, and U+0020 to U+00FF.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}')
}

/// The tokenizer's message (`Error at offset N: ...`) with a line and column instead.
fn json_error(text: &str, message: &str) -> String {
    let located = message.strip_prefix("Error at offset ").and_then(|rest| {
        let (offset, what) = rest.split_once(": ")?;
        let (line, column) = position(text, offset.parse().ok()?);
        Some(format!(
            "is not valid JSON: line {line}, column {column}: {what}"
        ))
    });
    located.unwrap_or_else(|| format!("is not valid JSON: {message}"))
}

/// The 1-based line and column (in characters) of byte `offset`.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// `text` without the whitespace between its tokens.
fn minify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests;
