//! The form fields of an STS request as a fake STS received them (`Action=AssumeRole&...`),
//! percent-decoded, so a test can check the role, the MFA device and the code aws-auth sent.

use super::hostile_sts::Request;

/// The decoded value of form field `name`.
pub fn form_field(request: &Request, name: &str) -> Option<String> {
    request.body.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| percent_decode(value))
    })
}

/// The access key id of the SigV4 `Authorization` header (`Credential=AKIA.../...`).
pub fn signing_key_id(request: &Request) -> Option<String> {
    let (_, auth) = request.headers.iter().find(|(n, _)| n == "authorization")?;
    let credential = auth.split("Credential=").nth(1)?;
    Some(credential.split('/').next()?.to_owned())
}

/// Form decoding: `%XX` escapes and `+` for a space.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
