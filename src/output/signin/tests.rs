//! Unit tests of `output::signin`.

use super::*;
use aws_smithy_types::DateTime;

#[test]
fn partitions_have_their_own_hosts_and_an_override_must_be_https_or_loopback() {
    let aws = signin_for("eu-west-1", None).unwrap();
    assert_eq!(aws.endpoint, "https://signin.aws.amazon.com/federation");
    assert_eq!(aws.console, "https://console.aws.amazon.com/");
    assert_eq!(
        signin_for("cn-north-1", None).unwrap().endpoint,
        "https://signin.amazonaws.cn/federation"
    );
    assert_eq!(
        signin_for("us-gov-west-1", None).unwrap().endpoint,
        "https://signin.amazonaws-us-gov.com/federation"
    );
    for ok in [
        "https://signin.example.com/federation",
        "http://127.0.0.1:8080/federation",
        "http://localhost/f",
        "http://[::1]:9/f",
    ] {
        assert_eq!(signin_for("us-east-1", Some(ok)).unwrap().endpoint, ok);
    }
    for bad in [
        "http://signin.example.com/federation",
        "http://127.0.0.1.evil.com/f",
        "http://localhost.evil.com/f",
        "ftp://127.0.0.1/",
    ] {
        assert!(signin_for("us-east-1", Some(bad)).is_err(), "{bad}");
    }
}

fn credentials() -> SessionCredentials {
    SessionCredentials {
        access_key_id: "ASIAEXAMPLE".into(),
        secret_access_key: SecretString::from("se/cr+et\"\\"),
        session_token: SecretString::from("to=ken"),
        expiration: DateTime::from_secs(0),
    }
}

#[test]
fn the_session_parameter_is_url_encoded_json() {
    let url = token_request_url("http://127.0.0.1:1/federation", &credentials());
    let session = url.split_once("Action=getSigninToken&Session=").unwrap().1;
    assert!(
        !session.contains(['{', '"', '/', '+', '=', ' ']),
        "{session}"
    );
    let decoded = percent_decode(session);
    assert_eq!(
        decoded,
        r#"{"sessionId":"ASIAEXAMPLE","sessionKey":"se/cr+et\"\\","sessionToken":"to=ken"}"#
    );
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn the_login_url_carries_the_destination_and_the_token_encoded() {
    let url = login_url(
        "https://signin.aws.amazon.com/federation",
        "https://console.aws.amazon.com/s3/home?region=eu-west-1",
        &SecretString::from("tok/en+="),
    );
    assert_eq!(
        url.as_str(),
        "https://signin.aws.amazon.com/federation?Action=login&Issuer=aws-auth&Destination=\
         https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Deu-west-1&SigninToken=tok%2Fen%2B%3D"
    );
}

#[test]
fn json_strings_escape_quotes_backslashes_and_control_characters_only() {
    let json = |v: &str| {
        let mut out = String::new();
        quote(v, &mut out);
        out
    };
    assert_eq!(json("a\"b\\c"), r#""a\"b\\c""#);
    assert_eq!(json("\u{1}x\u{1f}"), r#""\u0001x\u001f""#);
    assert_eq!(
        json(" ~/+="),
        r#"" ~/+=""#,
        "a space is no control character"
    );
}

#[test]
fn tokens_are_read_from_the_json_answer_and_nothing_else_passes() {
    let token = |body: &str| parse_token(body).map(|t| t.expose_secret().to_owned());
    assert_eq!(
        token(r#"{"SigninToken":"abc-_DEF"}"#).as_deref(),
        Some("abc-_DEF")
    );
    assert_eq!(
        token("{ \"SigninToken\" : \"a\\/b\" }").as_deref(),
        Some("a/b")
    );
    assert_eq!(
        token(r#"{"SigninToken":"a\\b\"c"}"#).as_deref(),
        Some("a\\b\"c")
    );
    assert_eq!(token(r#"{"SigninToken":""}"#), None);
    assert_eq!(token(r#"{"SigninToken":"a\u0041"}"#), None);
    assert_eq!(token(r#"{"SigninToken":"unterminated"#), None);
    assert_eq!(token("<html>error</html>"), None);
    assert_eq!(token("{\"SigninToken\":\"a\nb\"}"), None);
}
