//! One cached session as stored: a small versioned text record that names the cache key it
//! belongs to. Anything that does not parse exactly (corrupt, foreign, older format, another
//! key's entry) is rejected, never trusted.

use crate::credentials::SessionCredentials;
use aws_smithy_types::DateTime;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// The first line of every entry; a new format gets a new number and old entries are
/// ignored and replaced.
const MAGIC: &str = "aws-auth-cache 1";

/// What an entry holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The credentials a run hands out.
    Credentials,
    /// A GetSessionToken session made with an MFA code, from which roles are derived.
    MfaSession,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Credentials => "credentials",
            Kind::MfaSession => "mfa-session",
        }
    }

    fn parse(text: &str) -> Option<Kind> {
        match text {
            "credentials" => Some(Kind::Credentials),
            "mfa-session" => Some(Kind::MfaSession),
            _ => None,
        }
    }
}

/// A decoded entry. `Debug` shows no secret (SessionCredentials hides them).
#[derive(Debug)]
pub struct Entry {
    /// The hex cache key the entry was written under.
    pub key: String,
    /// The profile it belongs to (empty: keys from the environment).
    pub profile: String,
    pub kind: Kind,
    /// The region the run handed on with the credentials, if any.
    pub region: Option<String>,
    /// For role credentials derived from a cached MFA session: that session's key, so
    /// clearing this profile forgets the session it used (which another profile may have
    /// made).
    pub session: Option<String>,
    pub credentials: SessionCredentials,
}

/// A value the record format can hold: one line, printable, not empty.
fn storable(value: &str) -> bool {
    !value.is_empty() && !value.chars().any(char::is_control)
}

impl Entry {
    /// The record, in a zeroizing buffer sized so it never reallocates. `None` when a value
    /// cannot be stored (a hostile STS sent a newline): such a session is used, not cached.
    pub fn encode(&self) -> Option<Zeroizing<String>> {
        let c = &self.credentials;
        let secret = c.secret_access_key.expose_secret();
        let token = c.session_token.expose_secret();
        let region = self.region.as_deref().unwrap_or("");
        let session = self.session.as_deref().unwrap_or("");
        let expires = c.expiration.secs().to_string();
        let fields = [
            ("key", self.key.as_str()),
            ("profile", self.profile.as_str()),
            ("kind", self.kind.as_str()),
            ("region", region),
            ("session", session),
            ("expires", expires.as_str()),
            ("access_key_id", c.access_key_id.as_str()),
            ("secret_access_key", secret),
            ("session_token", token),
        ];
        let optional = ["profile", "region", "session"];
        if fields
            .iter()
            .any(|(name, v)| !(storable(v) || v.is_empty() && optional.contains(name)))
        {
            return None;
        }
        let size = MAGIC.len()
            + 1
            + fields
                .iter()
                .map(|(n, v)| n.len() + v.len() + 2)
                .sum::<usize>();
        let mut out = Zeroizing::new(String::with_capacity(size));
        out.push_str(MAGIC);
        out.push('\n');
        for (name, value) in fields {
            out.push_str(name);
            out.push(' ');
            out.push_str(value);
            out.push('\n');
        }
        debug_assert_eq!(out.len(), size);
        Some(out)
    }

    /// Parses a record, or `None` for anything that is not exactly a current-format entry.
    pub fn decode(bytes: &[u8]) -> Option<Entry> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut lines = text.split('\n');
        if lines.next()? != MAGIC {
            return None;
        }
        let mut field = |name: &str| -> Option<&str> {
            let line = lines.next()?;
            let value = line.strip_prefix(name)?.strip_prefix(' ')?;
            (value.is_empty() || storable(value)).then_some(value)
        };
        let key = field("key")?.to_owned();
        let profile = field("profile")?.to_owned();
        let kind = Kind::parse(field("kind")?)?;
        let region = Some(field("region")?.to_owned()).filter(|r| !r.is_empty());
        let session = Some(field("session")?.to_owned()).filter(|s| !s.is_empty());
        let expires: i64 = field("expires")?.parse().ok()?;
        let access_key_id = field("access_key_id")?.to_owned();
        let secret = field("secret_access_key")?;
        let token = field("session_token")?;
        let is_key = |k: &str| k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_key(&key)
            || session.as_deref().is_some_and(|s| !is_key(s))
            || access_key_id.is_empty()
            || secret.is_empty()
            || token.is_empty()
            || lines.next() != Some("")
            || lines.next().is_some()
        {
            return None;
        }
        Some(Entry {
            key,
            profile,
            kind,
            region,
            session,
            credentials: SessionCredentials {
                access_key_id,
                secret_access_key: SecretString::from(secret),
                session_token: SecretString::from(token),
                expiration: DateTime::from_secs(expires),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn sample(key: &str) -> Entry {
        Entry {
            key: key.to_owned(),
            profile: "work".into(),
            kind: Kind::MfaSession,
            region: Some("eu-west-1".into()),
            session: Some("f".repeat(64)),
            credentials: SessionCredentials {
                access_key_id: "ASIAEXAMPLE".into(),
                secret_access_key: SecretString::from("s3cr3t/key+"),
                session_token: SecretString::from("tok=="),
                expiration: DateTime::from_secs(1_795_550_400),
            },
        }
    }

    #[test]
    fn round_trips() {
        let key = "a".repeat(64);
        let encoded = sample(&key).encode().unwrap();
        let back = Entry::decode(encoded.as_bytes()).unwrap();
        assert_eq!(back.key, key);
        assert_eq!(back.profile, "work");
        assert_eq!(back.kind, Kind::MfaSession);
        assert_eq!(back.region.as_deref(), Some("eu-west-1"));
        assert_eq!(back.session, Some("f".repeat(64)));
        assert_eq!(back.credentials.access_key_id, "ASIAEXAMPLE");
        assert_eq!(
            back.credentials.secret_access_key.expose_secret(),
            "s3cr3t/key+"
        );
        assert_eq!(back.credentials.session_token.expose_secret(), "tok==");
        assert_eq!(back.credentials.expiration.secs(), 1_795_550_400);
    }

    #[test]
    fn empty_profile_and_region_round_trip() {
        let mut entry = sample(&"b".repeat(64));
        entry.profile.clear();
        entry.region = None;
        entry.session = None;
        let back = Entry::decode(entry.encode().unwrap().as_bytes()).unwrap();
        assert_eq!(back.profile, "");
        assert_eq!(back.region, None);
        assert_eq!(back.session, None);
    }

    #[test]
    fn a_value_with_a_newline_is_not_stored() {
        let mut entry = sample(&"c".repeat(64));
        entry.credentials.session_token = SecretString::from("tok\nkind credentials");
        assert!(entry.encode().is_none());
    }

    #[test]
    fn a_required_value_that_is_empty_is_not_stored() {
        let mut entry = sample(&"e".repeat(64));
        entry.credentials.access_key_id.clear();
        assert!(entry.encode().is_none());
        let mut entry = sample(&"e".repeat(64));
        entry.credentials.session_token = SecretString::from("");
        assert!(entry.encode().is_none());
        // Optional ones may be.
        let mut entry = sample(&"e".repeat(64));
        entry.profile.clear();
        assert!(entry.encode().is_some());
    }

    #[test]
    fn anything_but_an_exact_record_is_rejected() {
        let good = sample(&"d".repeat(64)).encode().unwrap();
        assert!(Entry::decode(good.as_bytes()).is_some());
        let bad = [
            good.replace("aws-auth-cache 1", "aws-auth-cache 0"),
            good.replace("kind mfa-session", "kind root"),
            good.replace("expires 1795550400", "expires soon"),
            good.replace("session_token tok==\n", "session_token \n"),
            good.replace("access_key_id ASIAEXAMPLE\n", "access_key_id \n"),
            good.replace("secret_access_key s3cr3t/key+\n", "secret_access_key \n"),
            good.replace("key ddd", "key xdd"),
            good.replace("session fff", "session xff"),
            format!("{}extra line\n", good.as_str()),
            good.trim_end().to_owned(),
            good.replace("\nprofile", "\nprofiles"),
            String::new(),
        ];
        for text in bad {
            assert!(Entry::decode(text.as_bytes()).is_none(), "{text:?}");
        }
        assert!(Entry::decode(&[0xff, 0xfe]).is_none());
    }
}
