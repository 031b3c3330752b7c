//! RFC 6238 TOTP computed in-process, so a seed is never handed to another program's argv
//! (`pass otp` gives it to oathtool that way). Accepts an `otpauth://totp/...` URI or a bare
//! base32 seed.

use aws_lc_rs::hmac;
use zeroize::Zeroizing;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    #[error("no otpauth:// line and no base32 seed found")]
    NoSeed,
    #[error("the otpauth URI is not a TOTP URI (expected otpauth://totp/...)")]
    NotTotp,
    #[error("the otpauth URI has no secret= parameter")]
    NoSecret,
    #[error("the seed is not valid base32")]
    BadBase32,
    #[error("unsupported {0}")]
    Unsupported(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Sha1,
    Sha256,
    Sha512,
}

/// A parsed seed with its parameters. The key bytes are zeroized on drop.
pub struct Totp {
    key: Zeroizing<Vec<u8>>,
    pub algorithm: Algorithm,
    pub digits: u32,
    pub period: u64,
}

impl Totp {
    /// Finds the seed in an entry's text: the first line starting with `otpauth://`, else
    /// the whole text as a bare base32 seed (spaces and dashes ignored).
    pub fn from_text(text: &str) -> Result<Totp, TotpError> {
        if let Some(uri) = text
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("otpauth://"))
        {
            return Totp::from_uri(uri);
        }
        let seed = text.trim();
        if seed.is_empty() || seed.contains('\n') {
            return Err(TotpError::NoSeed);
        }
        Ok(Totp {
            key: base32_decode(seed)?,
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
        })
    }

    fn from_uri(uri: &str) -> Result<Totp, TotpError> {
        let rest = uri
            .strip_prefix("otpauth://totp/")
            .ok_or(TotpError::NotTotp)?;
        let query = rest.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let mut totp = Totp {
            key: Zeroizing::new(Vec::new()),
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
        };
        let mut has_secret = false;
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = Zeroizing::new(percent_decode(v));
            match k.to_ascii_lowercase().as_str() {
                "secret" => {
                    totp.key = base32_decode(&v)?;
                    has_secret = true;
                }
                "algorithm" => {
                    totp.algorithm = match v.to_ascii_uppercase().as_str() {
                        "SHA1" => Algorithm::Sha1,
                        "SHA256" => Algorithm::Sha256,
                        "SHA512" => Algorithm::Sha512,
                        _ => return Err(TotpError::Unsupported("algorithm".into())),
                    }
                }
                "digits" => {
                    totp.digits = v
                        .parse()
                        .ok()
                        .filter(|d| (6..=8).contains(d))
                        .ok_or(TotpError::Unsupported("digits".into()))?
                }
                "period" => {
                    totp.period = v
                        .parse()
                        .ok()
                        .filter(|p| (1..=300).contains(p))
                        .ok_or(TotpError::Unsupported("period".into()))?
                }
                _ => {}
            }
        }
        if !has_secret {
            return Err(TotpError::NoSecret);
        }
        Ok(totp)
    }

    /// The seed's length in bytes (RFC 4226 asks for at least 16; AWS's are 40).
    pub fn seed_len(&self) -> usize {
        self.key.len()
    }

    /// The code valid at `unix_seconds`.
    pub fn code_at(&self, unix_seconds: u64) -> Zeroizing<String> {
        let counter = unix_seconds / self.period;
        let algorithm = match self.algorithm {
            Algorithm::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Algorithm::Sha256 => hmac::HMAC_SHA256,
            Algorithm::Sha512 => hmac::HMAC_SHA512,
        };
        let key = hmac::Key::new(algorithm, &self.key);
        let tag = hmac::sign(&key, &counter.to_be_bytes());
        let mac = tag.as_ref();
        let offset = (mac[mac.len() - 1] & 0x0f) as usize;
        let binary = u32::from_be_bytes([
            mac[offset] & 0x7f,
            mac[offset + 1],
            mac[offset + 2],
            mac[offset + 3],
        ]);
        let code = binary % 10u32.pow(self.digits);
        Zeroizing::new(format!("{code:0width$}", width = self.digits as usize))
    }

    /// The code valid now.
    pub fn code_now(&self) -> Zeroizing<String> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        self.code_at(now)
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Zeroizing::new(Vec::with_capacity(bytes.len()));
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// RFC 4648 base32, case-insensitive, padding, spaces and dashes ignored.
pub fn base32_decode(text: &str) -> Result<Zeroizing<Vec<u8>>, TotpError> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() * 5 / 8 + 1));
    let mut buffer: u64 = 0;
    let mut bits = 0;
    for c in text.chars().filter(|c| !matches!(c, ' ' | '-' | '=')) {
        let value = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u64 - 'A' as u64,
            c @ '2'..='7' => c as u64 - '2' as u64 + 26,
            _ => return Err(TotpError::BadBase32),
        };
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    if out.is_empty() {
        return Err(TotpError::BadBase32);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B: the SHA1 seed is ASCII "12345678901234567890".
    const SHA1_SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    fn rfc(algorithm: &str, seed: &str) -> Totp {
        Totp::from_text(&format!(
            "otpauth://totp/x?secret={seed}&digits=8&algorithm={algorithm}"
        ))
        .unwrap()
    }

    #[test]
    fn rfc6238_test_vectors() {
        let sha256_seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";
        let sha512_seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA";
        let cases: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1_111_111_109, "07081804", "68084774", "25091201"),
            (1_111_111_111, "14050471", "67062674", "99943326"),
            (1_234_567_890, "89005924", "91819424", "93441116"),
            (2_000_000_000, "69279037", "90698825", "38618901"),
            (20_000_000_000, "65353130", "77737706", "47863826"),
        ];
        for (t, sha1, sha256, sha512) in cases {
            assert_eq!(
                rfc("SHA1", SHA1_SEED).code_at(t).as_str(),
                sha1,
                "SHA1 T={t}"
            );
            assert_eq!(
                rfc("SHA256", sha256_seed).code_at(t).as_str(),
                sha256,
                "SHA256 T={t}"
            );
            assert_eq!(
                rfc("SHA512", sha512_seed).code_at(t).as_str(),
                sha512,
                "SHA512 T={t}"
            );
        }
    }

    #[test]
    fn bare_seed_defaults_to_six_digits_thirty_seconds() {
        let totp = Totp::from_text("gezd gnbv gy3t qojq gezd gnbv gy3t qojq\n").unwrap();
        assert_eq!(totp.code_at(59).as_str(), "287082");
    }

    /// Every base32 digit (2-7) and letters from both ends, against Python's
    /// `base64.b32decode`.
    #[test]
    fn base32_decodes_every_digit_and_letter() {
        assert_eq!(
            &base32_decode("234567AB").unwrap()[..],
            [214, 249, 223, 124, 1]
        );
        assert_eq!(
            &base32_decode("abcdefgh").unwrap()[..],
            [0, 68, 50, 20, 199]
        );
        assert_eq!(base32_decode("23456781").err(), Some(TotpError::BadBase32));
    }

    #[test]
    fn percent_decoding_decodes_each_escape_and_keeps_a_broken_one() {
        assert_eq!(percent_decode("SHA%32%35%36"), "SHA256");
        assert_eq!(percent_decode("%41b%7a"), "Abz");
        // An escape cut short at the end, or not hex, stays as it is (and reads nothing
        // past the end).
        for kept in ["ab%", "ab%4", "%", "%4", "%zz", "a%4g"] {
            assert_eq!(percent_decode(kept), kept);
        }
        let totp = Totp::from_text(&format!(
            "otpauth://totp/x?secret={SHA1_SEED}&algorithm=SHA%31&digits=%38"
        ))
        .unwrap();
        assert_eq!((totp.algorithm, totp.digits), (Algorithm::Sha1, 8));
    }

    #[test]
    fn first_otpauth_line_of_an_entry_wins() {
        let entry = "secret-key\naws_access_key_id: AKIA\notpauth://totp/AWS:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=AWS\notpauth://totp/x?secret=AAAA\n";
        assert_eq!(
            Totp::from_text(entry).unwrap().code_at(59).as_str(),
            "287082"
        );
    }

    #[test]
    fn malformed_seeds_are_errors_without_the_seed() {
        assert_eq!(Totp::from_text("").err(), Some(TotpError::NoSeed));
        assert_eq!(
            Totp::from_text("line one\nline two").err(),
            Some(TotpError::NoSeed)
        );
        assert_eq!(
            Totp::from_text("not base32 !").err(),
            Some(TotpError::BadBase32)
        );
        assert_eq!(
            Totp::from_text("otpauth://hotp/x?secret=GEZDGNBV").err(),
            Some(TotpError::NotTotp)
        );
        assert_eq!(
            Totp::from_text("otpauth://totp/x?issuer=AWS").err(),
            Some(TotpError::NoSecret)
        );
        assert!(matches!(
            Totp::from_text("otpauth://totp/x?secret=GEZDGNBV&digits=4"),
            Err(TotpError::Unsupported(_))
        ));
    }

    #[test]
    fn percent_encoded_secret() {
        let totp =
            Totp::from_text("otpauth://totp/a%20b?secret=GEZDGNBVGY3TQOJQ%20GEZDGNBVGY3TQOJQ")
                .unwrap();
        assert_eq!(totp.code_at(59).as_str(), "287082");
    }
    /// `period=` sets the time step: with 60 s, T=119 is counter 1, whose 8-digit code the
    /// RFC gives for T=59 at 30 s; the code holds for the whole 60-second window.
    #[test]
    fn period_sets_the_time_step() {
        let sixty = Totp::from_text(&format!(
            "otpauth://totp/x?secret={SHA1_SEED}&digits=8&period=60"
        ))
        .unwrap();
        assert_eq!(sixty.period, 60);
        assert_eq!(sixty.code_at(119).as_str(), "94287082");
        assert_eq!(sixty.code_at(60).as_str(), "94287082");
        assert_ne!(sixty.code_at(59).as_str(), "94287082");
        let thirty = rfc("SHA1", SHA1_SEED);
        assert_eq!(thirty.period, 30);
        assert_eq!(
            sixty.code_at(1_111_111_111 * 2).as_str(),
            thirty.code_at(1_111_111_111).as_str()
        );
        for bad in ["0", "301", "x", ""] {
            assert_eq!(
                Totp::from_text(&format!("otpauth://totp/x?secret={SHA1_SEED}&period={bad}")).err(),
                Some(TotpError::Unsupported("period".into())),
                "period={bad}"
            );
        }
    }
}
