//! JSON output: credential_process's object (`"Version": 1`, with `Expiration` so the SDKs
//! refresh in time), or the `{"Credentials": {...}}` that `aws sts assume-role` prints.
//! Strings are escaped by hand into the caller's zeroizing buffer.

use crate::credentials::SessionCredentials;
use secrecy::ExposeSecret;

pub fn render(creds: &SessionCredentials, expiration: &str, out: &mut String) {
    out.push_str("{\"Version\": 1, \"AccessKeyId\": ");
    quote(&creds.access_key_id, out);
    out.push_str(", \"SecretAccessKey\": ");
    quote(creds.secret_access_key.expose_secret(), out);
    out.push_str(", \"SessionToken\": ");
    quote(creds.session_token.expose_secret(), out);
    out.push_str(", \"Expiration\": ");
    quote(expiration, out);
    out.push_str("}\n");
}

/// `{"Credentials": {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}}`,
/// the shape of `aws sts assume-role`'s output.
pub fn render_sts(creds: &SessionCredentials, expiration: &str, out: &mut String) {
    out.push_str("{\"Credentials\": {\"AccessKeyId\": ");
    quote(&creds.access_key_id, out);
    out.push_str(", \"SecretAccessKey\": ");
    quote(creds.secret_access_key.expose_secret(), out);
    out.push_str(", \"SessionToken\": ");
    quote(creds.session_token.expose_secret(), out);
    out.push_str(", \"Expiration\": ");
    quote(expiration, out);
    out.push_str("}}\n");
}

/// A JSON string literal (RFC 8259): `"` and `\` escaped, control characters as `\u00XX`.
pub fn quote(value: &str, out: &mut String) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use crate::output::render::tests::{plain, tricky};
    use crate::output::render::{Format, render};

    #[test]
    fn golden_plain() {
        assert_eq!(
            render(&plain(), Some("eu-west-1"), Some("work"), Format::Json)
                .unwrap()
                .as_str(),
            "{\"Version\": 1, \"AccessKeyId\": \"ASIAEXAMPLE\", \"SecretAccessKey\": \"secret/key+1\", \
             \"SessionToken\": \"token==\", \"Expiration\": \"2026-11-24T20:00:00Z\"}\n"
        );
    }

    #[test]
    fn golden_sts() {
        assert_eq!(
            render(&tricky(), Some("eu-west-1"), None, Format::Sts)
                .unwrap()
                .as_str(),
            "{\"Credentials\": {\"AccessKeyId\": \"ASIA'$(touch /tmp/pwned)'\", \
             \"SecretAccessKey\": \"a\\\\b\\\"c`d$e\\nf'g\", \
             \"SessionToken\": \"tok’en\\t\\u001b[31m;é\", \"Expiration\": \"2026-11-24T20:00:00Z\"}}\n"
        );
    }

    #[test]
    fn golden_tricky() {
        assert_eq!(
            render(&tricky(), None, None, Format::Json)
                .unwrap()
                .as_str(),
            "{\"Version\": 1, \"AccessKeyId\": \"ASIA'$(touch /tmp/pwned)'\", \
             \"SecretAccessKey\": \"a\\\\b\\\"c`d$e\\nf'g\", \
             \"SessionToken\": \"tok’en\\t\\u001b[31m;é\", \"Expiration\": \"2026-11-24T20:00:00Z\"}\n"
        );
    }
}
