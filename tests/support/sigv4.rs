//! AWS Signature Version 4, checked the way AWS checks it, for the test STS servers: from a
//! request as received (method, path, query, headers, body) and the secret the server holds
//! for the `Authorization` header's access key id, rebuild the canonical request (the
//! SignedHeaders the header names), the string to sign (its credential scope) and the signing
//! key (HMAC-SHA256 from `AWS4` + secret, date, region, `sts`, `aws4_request`), and compare
//! the signature. Also checked: `x-amz-content-sha256` (when sent) is the body's hash, and
//! `X-Amz-Date` is within 5 minutes of now and the scope's day.
//!
//! Written from AWS's specification ("Create a signed AWS API request"), not from the SDK
//! that aws-auth signs with, so a bug there cannot hide here; aws-lc-rs gives only HMAC and
//! SHA-256. Checked against the real AWS CLI's requests (tests/sts_requests.rs) and AWS's
//! published examples (below). Not supported: presigned URLs (query-string auth), SigV4a,
//! S3's unsigned or chunked payloads: no STS client sends them.

use super::hostile_sts::Request;
use super::strict_sts::{now, parse_rfc3339};
use aws_lc_rs::{digest, hmac};

/// The algorithm of every request checked here.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The service of the credential scope.
pub const SERVICE: &str = "sts";
/// How far X-Amz-Date may be from the server's clock, as AWS allows.
pub const MAX_SKEW_SECONDS: i64 = 300;
/// AWS's text for a signature that does not verify.
pub const SIGNATURE_MISMATCH_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// Which part of a request failed the check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// No `Authorization` header.
    Unsigned,
    /// An `Authorization` header that is not `AWS4-HMAC-SHA256 Credential=KEY/SCOPE,
    /// SignedHeaders=..., Signature=HEX`.
    Malformed(String),
    /// The credential scope is not `DAY/REGION/sts/aws4_request` for X-Amz-Date's day.
    Scope(String),
    /// `host` or `x-amz-date` not among SignedHeaders, or a signed header not in the request.
    Headers(String),
    /// No `X-Amz-Date`, or not `YYYYMMDDTHHMMSSZ`.
    Date(String),
    /// X-Amz-Date is more than [`MAX_SKEW_SECONDS`] from now.
    Skew { amz_date: String, seconds_off: i64 },
    /// `x-amz-content-sha256` is not the SHA-256 of the body.
    ContentHash,
    /// The signature itself: another secret, or another canonical request.
    Signature,
}

impl Mismatch {
    /// What AWS answers: (HTTP status, fault type, code, message).
    pub fn aws_error(&self) -> (u16, &'static str, &'static str, String) {
        match self {
            Mismatch::Unsigned => (
                403,
                "Sender",
                "MissingAuthenticationToken",
                "Request is missing Authentication Token".into(),
            ),
            Mismatch::Malformed(detail) | Mismatch::Headers(detail) | Mismatch::Date(detail) => {
                (400, "Sender", "IncompleteSignature", detail.clone())
            }
            Mismatch::Scope(detail) => (403, "Sender", "SignatureDoesNotMatch", detail.clone()),
            Mismatch::Skew {
                amz_date,
                seconds_off,
            } => (
                403,
                "Sender",
                "SignatureDoesNotMatch",
                format!("Signature expired: {amz_date} is {seconds_off} s from the server's time"),
            ),
            Mismatch::ContentHash => (
                400,
                "Sender",
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed."
                    .into(),
            ),
            Mismatch::Signature => (
                403,
                "Sender",
                "SignatureDoesNotMatch",
                SIGNATURE_MISMATCH_MESSAGE.into(),
            ),
        }
    }
}

/// What a test server recorded about a request's signature.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Checked with the secret the server holds for the key id, and it verified.
    Verified,
    /// Checked, and refused for this reason.
    Refused(Mismatch),
    /// Not checked: verification off, or no secret known for the key id.
    #[default]
    NotChecked,
}

/// The parts of an `Authorization` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub key_id: String,
    /// `YYYYMMDD`
    pub date: String,
    pub region: String,
    pub service: String,
    /// `aws4_request`
    pub terminator: String,
    /// Lowercase, in the header's order.
    pub signed_headers: Vec<String>,
    /// Lowercase hex.
    pub signature: String,
}

impl Authorization {
    /// `DAY/REGION/SERVICE/aws4_request`
    pub fn scope(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.date, self.region, self.service, self.terminator
        )
    }
}

/// A request whose signature verified: who signed it, for which region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    pub key_id: String,
    pub region: String,
}

/// Parses `AWS4-HMAC-SHA256 Credential=AKID/DAY/REGION/SERVICE/aws4_request,
/// SignedHeaders=a;b, Signature=HEX`.
pub fn parse_authorization(value: &str) -> Result<Authorization, Mismatch> {
    let malformed = |what: &str| Mismatch::Malformed(format!("{what} in Authorization: {value}"));
    let rest = value
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with(' '))
        .ok_or_else(|| malformed("not the AWS4-HMAC-SHA256 algorithm"))?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (name, field) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| malformed("a part without '='"))?;
        let slot = match name {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => return Err(malformed("an unknown part")),
        };
        if slot.replace(field.to_owned()).is_some() {
            return Err(malformed("a repeated part"));
        }
    }
    let credential = credential.ok_or_else(|| malformed("no Credential"))?;
    let signed = signed.ok_or_else(|| malformed("no SignedHeaders"))?;
    let signature = signature.ok_or_else(|| malformed("no Signature"))?;
    let fields: Vec<&str> = credential.split('/').collect();
    let [key_id, date, region, service, terminator] = fields[..] else {
        return Err(malformed(
            "a Credential that is not KEY/DAY/REGION/SERVICE/aws4_request",
        ));
    };
    if key_id.is_empty() || region.is_empty() {
        return Err(malformed("an empty key id or region"));
    }
    if signature.len() != 64
        || !signature
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(malformed("a Signature that is not 64 lowercase hex digits"));
    }
    let signed_headers: Vec<String> = signed.split(';').map(str::to_owned).collect();
    if signed_headers
        .iter()
        .any(|h| h.is_empty() || *h != h.to_ascii_lowercase())
    {
        return Err(malformed("SignedHeaders that are not lowercase names"));
    }
    Ok(Authorization {
        key_id: key_id.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        terminator: terminator.to_owned(),
        signed_headers,
        signature,
    })
}

/// The request's `Authorization` header, parsed.
pub fn authorization(request: &Request) -> Result<Authorization, Mismatch> {
    let value = header_values(request, "authorization")
        .next()
        .ok_or(Mismatch::Unsigned)?;
    parse_authorization(value)
}

/// Verifies `request` as signed with `secret`, against the clock now.
pub fn verify(request: &Request, secret: &str) -> Result<Signed, Mismatch> {
    verify_at(request, secret, now() as i64)
}

/// Verifies `request` as signed with `secret`, at `now` (seconds since the epoch).
pub fn verify_at(request: &Request, secret: &str, now: i64) -> Result<Signed, Mismatch> {
    let auth = authorization(request)?;
    let amz_date = header_values(request, "x-amz-date")
        .next()
        .ok_or_else(|| Mismatch::Date("no X-Amz-Date header".into()))?
        .to_owned();
    let signed_at = parse_amz_date(&amz_date).ok_or_else(|| {
        Mismatch::Date(format!("X-Amz-Date {amz_date:?} is not YYYYMMDDTHHMMSSZ"))
    })?;
    if auth.date != amz_date[..8] || auth.service != SERVICE || auth.terminator != "aws4_request" {
        return Err(Mismatch::Scope(format!(
            "Credential should be scoped to {}/REGION/{SERVICE}/aws4_request, not {}",
            &amz_date[..8],
            auth.scope()
        )));
    }
    for needed in ["host", "x-amz-date"] {
        if !auth.signed_headers.iter().any(|h| h == needed) {
            return Err(Mismatch::Headers(format!(
                "'{needed}' must be a 'SignedHeader' in the AWS Authorization."
            )));
        }
    }
    let seconds_off = signed_at - now;
    if seconds_off.abs() > MAX_SKEW_SECONDS {
        return Err(Mismatch::Skew {
            amz_date,
            seconds_off,
        });
    }
    let body_hash = hex(digest::digest(&digest::SHA256, request.body.as_bytes()).as_ref());
    if let Some(claimed) = header_values(request, "x-amz-content-sha256").next()
        && claimed != body_hash
    {
        return Err(Mismatch::ContentHash);
    }
    let canonical = canonical_request(
        &request.method,
        &request.target,
        &request.headers,
        &auth.signed_headers,
        &body_hash,
    )?;
    let to_sign = string_to_sign(&amz_date, &auth.scope(), &canonical);
    let key = signing_key(secret, &auth.date, &auth.region, &auth.service);
    let expected = signature(&key, &to_sign);
    if aws_lc_rs::constant_time::verify_slices_are_equal(
        expected.as_bytes(),
        auth.signature.as_bytes(),
    )
    .is_err()
    {
        return Err(Mismatch::Signature);
    }
    Ok(Signed {
        key_id: auth.key_id,
        region: auth.region,
    })
}

/// What a server records for `request` when it holds `secret` for its key id (None: it
/// holds none, or does not check).
pub fn check(request: &Request, secret: Option<&str>) -> SignatureCheck {
    match secret {
        None => SignatureCheck::NotChecked,
        Some(secret) => match verify(request, secret) {
            Ok(_) => SignatureCheck::Verified,
            Err(mismatch) => SignatureCheck::Refused(mismatch),
        },
    }
}

/// The canonical request: method, canonical URI, canonical query string, canonical headers
/// (the signed ones, `name:value` with values trimmed and inner runs of spaces collapsed,
/// repeated headers joined with `,`), a blank line, the signed header names, the payload hash.
pub fn canonical_request(
    method: &str,
    target: &str,
    headers: &[(String, String)],
    signed_headers: &[String],
    payload_hash: &str,
) -> Result<String, Mismatch> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut out = format!(
        "{method}\n{}\n{}\n",
        canonical_uri(path),
        canonical_query(query)
    );
    for name in signed_headers {
        let values: Vec<String> = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| collapse_spaces(v))
            .collect();
        if values.is_empty() {
            return Err(Mismatch::Headers(format!(
                "the signed header {name:?} is not in the request"
            )));
        }
        out.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    out.push_str(payload_hash);
    Ok(out)
}

/// `AWS4-HMAC-SHA256`, the request date, the scope, and the canonical request's SHA-256.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    let hashed = hex(digest::digest(&digest::SHA256, canonical_request.as_bytes()).as_ref());
    format!("{ALGORITHM}\n{amz_date}\n{scope}\n{hashed}")
}

/// HMAC-SHA256 chain: `AWS4`+secret → date → region → service → `aws4_request`.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in [date, region, service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    key
}

/// The hex HMAC-SHA256 of the string to sign under the signing key.
pub fn signature(signing_key: &[u8], string_to_sign: &str) -> String {
    hex(&hmac_sha256(signing_key, string_to_sign.as_bytes()))
}

/// An `Authorization` header for a request with these headers (all of them signed) and body,
/// for tests that speak to a server directly. `amz_date` must also be among the headers.
#[allow(clippy::too_many_arguments)]
pub fn sign(
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &str,
    key_id: &str,
    secret: &str,
    region: &str,
    amz_date: &str,
) -> String {
    let mut names: Vec<String> = headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    let body_hash = hex(digest::digest(&digest::SHA256, body.as_bytes()).as_ref());
    let canonical = canonical_request(method, target, headers, &names, &body_hash)
        .expect("every signed header is in the request");
    let date = &amz_date[..8];
    let scope = format!("{date}/{region}/{SERVICE}/aws4_request");
    let key = signing_key(secret, date, region, SERVICE);
    format!(
        "{ALGORITHM} Credential={key_id}/{scope}, SignedHeaders={}, Signature={}",
        names.join(";"),
        signature(&key, &string_to_sign(amz_date, &scope, &canonical))
    )
}

/// `YYYYMMDDTHHMMSSZ` for seconds since the epoch.
pub fn amz_date(unix: u64) -> String {
    super::strict_sts::rfc3339(unix).replace(['-', ':'], "")
}

/// Seconds since the epoch of `YYYYMMDDTHHMMSSZ`.
fn parse_amz_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| {
        let s = &text[r];
        s.bytes().all(|c| c.is_ascii_digit()).then_some(s)
    };
    let rfc = format!(
        "{}-{}-{}T{}:{}:{}Z",
        digits(0..4)?,
        digits(4..6)?,
        digits(6..8)?,
        digits(9..11)?,
        digits(11..13)?,
        digits(13..15)?
    );
    parse_rfc3339(&rfc).and_then(|s| i64::try_from(s).ok())
}

fn header_values<'r>(request: &'r Request, name: &'r str) -> impl Iterator<Item = &'r str> {
    request
        .headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The path as sent, URI-encoded once more (every service but S3 double-encodes), `/` kept.
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    uri_encode(path.as_bytes(), false)
}

/// Parameters decoded, re-encoded (RFC 3986 unreserved kept), sorted by name then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                uri_encode(&percent_decode(k), true),
                uri_encode(&percent_decode(v), true),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `%XX` escapes decoded (a `+` stays a `+`: query strings are not forms).
fn percent_decode(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// AWS's URI encoding: unreserved characters as they are, every other byte `%XX` (upper
/// case); `/` too when `slash` is true.
fn uri_encode(bytes: &[u8], slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (b == b'/' && !slash)
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Trimmed, each inner run of spaces one space.
fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    //! AWS's published examples, with the values AWS gives for each step.
    use super::*;

    const EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn headers(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), (*v).to_owned()))
            .collect()
    }

    /// The IAM `ListUsers` example of the SigV4 documentation (2015-08-30).
    #[test]
    fn aws_iam_list_users_example() {
        let headers = headers(&[
            (
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
            ("Host", "iam.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
        ]);
        let signed: Vec<String> = ["content-type", "host", "x-amz-date"]
            .map(str::to_owned)
            .to_vec();
        let canonical = canonical_request(
            "GET",
            "/?Version=2010-05-08&Action=ListUsers",
            &headers,
            &signed,
            &hex(digest::digest(&digest::SHA256, b"").as_ref()),
        )
        .unwrap();
        assert_eq!(
            canonical,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n\
             content-type:application/x-www-form-urlencoded; charset=utf-8\n\
             host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
             content-type;host;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let to_sign = string_to_sign(
            "20150830T123600Z",
            "20150830/us-east-1/iam/aws4_request",
            &canonical,
        );
        assert!(
            to_sign.ends_with("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"),
            "{to_sign}"
        );
        let key = signing_key(EXAMPLE_SECRET, "20150830", "us-east-1", "iam");
        assert_eq!(
            hex(&key),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
        assert_eq!(
            signature(&key, &to_sign),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    /// `get-vanilla` of AWS's SigV4 test suite.
    #[test]
    fn aws_test_suite_get_vanilla() {
        let headers = headers(&[
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
        ]);
        let signed: Vec<String> = ["host", "x-amz-date"].map(str::to_owned).to_vec();
        let canonical = canonical_request(
            "GET",
            "/",
            &headers,
            &signed,
            &hex(digest::digest(&digest::SHA256, b"").as_ref()),
        )
        .unwrap();
        let scope = "20150830/us-east-1/service/aws4_request";
        let key = signing_key(EXAMPLE_SECRET, "20150830", "us-east-1", "service");
        assert_eq!(
            signature(&key, &string_to_sign("20150830T123600Z", scope, &canonical)),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    fn signed_request(secret: &str, at: u64) -> Request {
        let date = amz_date(at);
        let body = "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=43200";
        let mut headers = headers(&[
            ("Host", "127.0.0.1:1"),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Amz-Date", &date),
        ]);
        let auth = sign(
            "POST",
            "/",
            &headers,
            body,
            "AKIDEXAMPLE",
            secret,
            "us-east-1",
            &date,
        );
        headers.push(("authorization".into(), auth));
        Request {
            method: "POST".into(),
            target: "/".into(),
            headers,
            body: body.into(),
            signature: SignatureCheck::NotChecked,
        }
    }

    #[test]
    fn each_part_that_differs_is_named() {
        let at = now();
        let request = signed_request(EXAMPLE_SECRET, at);
        let signed = verify(&request, EXAMPLE_SECRET).unwrap();
        assert_eq!(signed.key_id, "AKIDEXAMPLE");
        assert_eq!(signed.region, "us-east-1");
        // One byte of the secret.
        let other = EXAMPLE_SECRET.replacen('w', "W", 1);
        assert_eq!(verify(&request, &other), Err(Mismatch::Signature));
        assert_eq!(
            verify(&request, &format!("{EXAMPLE_SECRET}\n")),
            Err(Mismatch::Signature)
        );
        // One byte of the body.
        let mut tampered = request.clone();
        tampered.body = tampered.body.replace("43200", "43201");
        assert_eq!(verify(&tampered, EXAMPLE_SECRET), Err(Mismatch::Signature));
        // A claimed body hash that is not the body's.
        let mut hashed = request.clone();
        hashed
            .headers
            .push(("x-amz-content-sha256".into(), "0".repeat(64)));
        assert_eq!(verify(&hashed, EXAMPLE_SECRET), Err(Mismatch::ContentHash));
        // Five minutes of skew and one second more.
        let within = at as i64 + MAX_SKEW_SECONDS;
        assert!(verify_at(&request, EXAMPLE_SECRET, within).is_ok());
        assert!(matches!(
            verify_at(&request, EXAMPLE_SECRET, within + 1),
            Err(Mismatch::Skew {
                seconds_off: -301,
                ..
            })
        ));
        assert!(matches!(
            verify_at(&request, EXAMPLE_SECRET, at as i64 - MAX_SKEW_SECONDS - 1),
            Err(Mismatch::Skew {
                seconds_off: 301,
                ..
            })
        ));
        // No signature at all.
        let mut unsigned = request.clone();
        unsigned.headers.retain(|(n, _)| n != "authorization");
        assert_eq!(verify(&unsigned, EXAMPLE_SECRET), Err(Mismatch::Unsigned));
        // Another service in the scope.
        let mut scoped = request.clone();
        for (name, value) in &mut scoped.headers {
            if name == "authorization" {
                *value = value.replace("/sts/", "/iam/");
            }
        }
        assert!(matches!(
            verify(&scoped, EXAMPLE_SECRET),
            Err(Mismatch::Scope(_))
        ));
        let (status, _, code, message) = Mismatch::Signature.aws_error();
        assert_eq!((status, code), (403, "SignatureDoesNotMatch"));
        assert_eq!(message, SIGNATURE_MISMATCH_MESSAGE);
    }
}
