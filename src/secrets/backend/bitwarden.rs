//! A field of a Bitwarden item, from the one-line JSON `bw get item` prints: the entry alone
//! is `login.password`; `#username`, `#password`, `#notes`, `#uri` the item's own fields; any
//! other `#FIELD` the custom field of that name (a linked field gives the login field it
//! links to). Every string of the item is held in a zeroizing buffer while it is looked at.

use super::FetchErrorKind;
use aws_smithy_json::deserialize::{Token, json_token_iter};
use secrecy::SecretString;
use std::borrow::Cow;
use zeroize::Zeroizing;

/// `linkedId` values of a login item's linked custom fields (Bitwarden's LoginLinkedId).
const LINKED_USERNAME: u64 = 100;
const LINKED_PASSWORD: u64 = 101;

/// What `bw` printed is not an item (the words of the error never quote it).
const NOT_AN_ITEM: &str =
    "bw printed something that is not a Bitwarden item (expected the JSON of `bw get item`)";

/// One JSON value of the item; strings (any of which may be a secret) are wiped on drop.
#[derive(Default)]
enum Json {
    Str(Zeroizing<String>),
    Num(Option<u64>),
    Obj(Vec<(String, Json)>),
    Arr(Vec<Json>),
    #[default]
    Other,
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn path(&self, keys: &[&str]) -> Option<&Json> {
        keys.iter().try_fold(self, |at, key| at.get(key))
    }

    fn text(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }
}

/// The value of `field` (`None`: the password) in the item `text`.
pub fn field(text: &str, field: Option<&str>) -> Result<SecretString, FetchErrorKind> {
    let item = parse(text).ok_or_else(|| FetchErrorKind::Failed(NOT_AN_ITEM.into()))?;
    if !matches!(item, Json::Obj(_)) {
        return Err(FetchErrorKind::Failed(NOT_AN_ITEM.into()));
    }
    let own = |keys: &[&str]| item.path(keys).and_then(Json::text);
    let value = match field {
        None | Some("password") => own(&["login", "password"]),
        Some("username") => own(&["login", "username"]),
        Some("notes") => own(&["notes"]),
        Some("uri") => match item.path(&["login", "uris"]) {
            Some(Json::Arr(uris)) => uris.first().and_then(|u| u.get("uri")).and_then(Json::text),
            _ => None,
        },
        Some(name) => return custom(&item, name),
    };
    present(value, field.unwrap_or("password"))
}

/// The custom field named `name`.
fn custom(item: &Json, name: &str) -> Result<SecretString, FetchErrorKind> {
    let fields: &[Json] = match item.get("fields") {
        Some(Json::Arr(fields)) => fields,
        _ => &[],
    };
    let named: Vec<&Json> = fields
        .iter()
        .filter(|f| f.get("name").and_then(Json::text) == Some(name))
        .collect();
    match named.as_slice() {
        [] => Err(FetchErrorKind::NoItemField {
            field: name.to_owned(),
            has: fields
                .iter()
                .filter_map(|f| f.get("name").and_then(Json::text).map(str::to_owned))
                .collect(),
        }),
        [one] => {
            let value = match one.get("linkedId") {
                Some(Json::Num(Some(LINKED_USERNAME))) => {
                    item.path(&["login", "username"]).and_then(Json::text)
                }
                Some(Json::Num(Some(LINKED_PASSWORD))) => {
                    item.path(&["login", "password"]).and_then(Json::text)
                }
                _ => one.get("value").and_then(Json::text),
            };
            present(value, name)
        }
        _ => Err(FetchErrorKind::Failed(format!(
            "the item has {} custom fields named \"{name}\"; rename all but one in Bitwarden",
            named.len()
        ))),
    }
}

fn present(value: Option<&str>, field: &str) -> Result<SecretString, FetchErrorKind> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(SecretString::from(v)),
        Some(_) => Err(FetchErrorKind::Empty),
        None => Err(FetchErrorKind::NoItemField {
            field: field.to_owned(),
            has: Vec::new(),
        }),
    }
}

/// An item nests four levels (item, login, uris, uri); deeper is not an item, and a tree that
/// deep would overflow the stack when dropped.
const MAX_DEPTH: usize = 16;

/// The JSON tree of `text`, or `None` when it is not one JSON value (or nests past
/// [`MAX_DEPTH`]). Built with a stack, so no input recurses.
fn parse(text: &str) -> Option<Json> {
    // Each open object or array, with the key it will be stored under in its parent.
    let mut stack: Vec<(Option<String>, Json)> = Vec::new();
    let mut key: Option<String> = None;
    let mut done: Option<Json> = None;
    for token in json_token_iter(text.as_bytes()) {
        let token = token.ok()?;
        if done.is_some() {
            return None;
        }
        let value = match token {
            Token::StartObject { .. } | Token::StartArray { .. } if stack.len() == MAX_DEPTH => {
                return None;
            }
            Token::StartObject { .. } => {
                stack.push((key.take(), Json::Obj(Vec::new())));
                continue;
            }
            Token::StartArray { .. } => {
                stack.push((key.take(), Json::Arr(Vec::new())));
                continue;
            }
            Token::ObjectKey { key: k, .. } => {
                key = Some(k.to_unescaped().ok()?.into_owned());
                continue;
            }
            Token::EndObject { .. } | Token::EndArray { .. } => {
                let (own_key, value) = stack.pop()?;
                key = own_key;
                value
            }
            Token::ValueString { value, .. } => Json::Str(match value.to_unescaped().ok()? {
                // An unescaped copy is moved into the wiping buffer, never copied again.
                Cow::Owned(owned) => Zeroizing::new(owned),
                Cow::Borrowed(borrowed) => Zeroizing::new(borrowed.to_owned()),
            }),
            Token::ValueNumber { value, .. } => Json::Num(match value {
                aws_smithy_types::Number::PosInt(n) => Some(n),
                _ => None,
            }),
            Token::ValueBool { .. } | Token::ValueNull { .. } => Json::Other,
        };
        match stack.last_mut() {
            Some((_, Json::Obj(members))) => members.push((key.take()?, value)),
            Some((_, Json::Arr(items))) => items.push(value),
            Some(_) => return None,
            None => done = Some(value),
        }
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    /// The shape `bw get item` prints (trimmed of what aws-auth does not read).
    const ITEM: &str = r#"{"object":"item","id":"2f8c","name":"aws-auth/work","notes":"line 1\nline 2","type":1,"fields":[{"name":"mfa_serial","value":"arn:aws:iam::123456789012:mfa/alice","type":0,"linkedId":null},{"name":"role_arn","value":"arn:aws:iam::123456789012:role/Dev","type":1,"linkedId":null},{"name":"key id","value":null,"type":3,"linkedId":100},{"name":"the secret","value":null,"type":3,"linkedId":101},{"name":"empty","value":"","type":0,"linkedId":null},{"name":"twice","value":"a","type":0},{"name":"twice","value":"b","type":0}],"login":{"uris":[{"match":null,"uri":"https://console.aws.amazon.com/"}],"username":"AKIAEXAMPLE","password":"s3cr\"et\\\u00e9","totp":"JBSWY3DPEHPK3PXP"}}"#;

    fn value(field: Option<&str>) -> Result<String, FetchErrorKind> {
        super::field(ITEM, field).map(|s| s.expose_secret().to_owned())
    }

    #[test]
    fn own_fields_custom_fields_and_linked_ones() {
        assert_eq!(value(None).unwrap(), "s3cr\"et\\é");
        assert_eq!(value(Some("password")).unwrap(), "s3cr\"et\\é");
        assert_eq!(value(Some("username")).unwrap(), "AKIAEXAMPLE");
        assert_eq!(value(Some("notes")).unwrap(), "line 1\nline 2");
        assert_eq!(
            value(Some("uri")).unwrap(),
            "https://console.aws.amazon.com/"
        );
        assert_eq!(
            value(Some("mfa_serial")).unwrap(),
            "arn:aws:iam::123456789012:mfa/alice"
        );
        assert_eq!(
            value(Some("role_arn")).unwrap(),
            "arn:aws:iam::123456789012:role/Dev"
        );
        assert_eq!(value(Some("key id")).unwrap(), "AKIAEXAMPLE");
        assert_eq!(value(Some("the secret")).unwrap(), "s3cr\"et\\é");
    }

    #[test]
    fn a_missing_or_doubled_field_is_named_and_never_a_guess() {
        match value(Some("Role ARN")) {
            Err(FetchErrorKind::NoItemField { field, has }) => {
                assert_eq!(field, "Role ARN");
                assert_eq!(
                    has,
                    [
                        "mfa_serial",
                        "role_arn",
                        "key id",
                        "the secret",
                        "empty",
                        "twice",
                        "twice"
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(value(Some("empty")), Err(FetchErrorKind::Empty));
        assert!(
            matches!(value(Some("twice")), Err(FetchErrorKind::Failed(m)) if m.contains("2 custom fields named \"twice\""))
        );
        let no_login = r#"{"object":"item","name":"note","type":2,"notes":"x"}"#;
        assert!(matches!(
            field(no_login, None),
            Err(FetchErrorKind::NoItemField { field, .. }) if field == "password"
        ));
    }

    /// JSON string escaping as bw (JSON.stringify) writes it.
    fn quoted(text: &str) -> String {
        let mut out = String::from("\"");
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    proptest::proptest! {
        /// Whatever an item's strings hold (quotes, backslashes, control characters, any
        /// Unicode), each field reads back exactly.
        #[test]
        fn every_string_reads_back_exactly(
            password in "\\PC*",
            username in ".*",
            name in "[^\u{0}]{1,20}",
            value in "(.|\n)*",
        ) {
            let item = format!(
                r#"{{"object":"item","fields":[{{"name":{},"value":{},"type":1,"linkedId":null}}],"login":{{"username":{},"password":{}}}}}"#,
                quoted(&name), quoted(&value), quoted(&username), quoted(&password)
            );
            let read = |f: Option<&str>| field(&item, f).map(|s| s.expose_secret().to_owned());
            let expect = |v: &str| if v.trim().is_empty() { Err(FetchErrorKind::Empty) } else { Ok(v.to_owned()) };
            proptest::prop_assert_eq!(read(None), expect(&password));
            proptest::prop_assert_eq!(read(Some("username")), expect(&username));
            if !["password", "username", "notes", "uri"].contains(&name.as_str()) {
                proptest::prop_assert_eq!(read(Some(&name)), expect(&value));
            }
        }

        /// Any text at all is an item or an error, never a panic.
        #[test]
        fn any_text_is_an_answer(text in "(.|\n)*") {
            let _ = field(&text, None);
            let _ = field(&text, Some("x"));
        }
    }

    #[test]
    fn what_is_not_one_item_is_refused_without_quoting_it() {
        for text in [
            "",
            "s3cret",
            "\"s3cret\"",
            "[1]",
            "{\"login\":{\"password\":\"s3cret\"}} {}",
            "{\"login\":{\"password\":\"s3cret\"}",
            "{\"login\"}",
        ] {
            match field(text, None) {
                Err(FetchErrorKind::Failed(m)) => {
                    assert!(!m.contains("s3cret"), "{text}: {m}");
                    assert_eq!(m, NOT_AN_ITEM, "{text}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        // Deep nesting is refused (a deep tree would overflow the stack when dropped).
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(field(&deep, None).is_err());
    }
}
