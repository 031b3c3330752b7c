//! TOTP: aws-auth's in-process RFC 6238 codes against `oathtool`, both through the library
//! at fixed times and through the binary, where the code it sends to STS is compared with
//! oathtool's code for the same seed at the same moment.

use crate::support::profile_kit::*;
use crate::support::*;
use aws_auth::secrets::totp::Totp;
use std::time::Duration;

/// `oathtool --totp[=ALGO] -b --digits=N --now=@T -` with the seed on stdin.
fn oathtool_at(sandbox: &Sandbox, seed: &str, algorithm: &str, digits: u32, t: u64) -> String {
    let out = run_with_stdin(
        sandbox.command("oathtool").args([
            format!("--totp={algorithm}"),
            "-b".into(),
            format!("--digits={digits}"),
            format!("--now=@{t}"),
            "-".into(),
        ]),
        seed.as_bytes(),
        Duration::from_secs(30),
    );
    out.assert_success();
    out.stdout_str().trim().to_owned()
}

const TIMES: [u64; 8] = [
    0,
    59,
    1_111_111_109,
    1_111_111_111,
    1_234_567_890,
    1_700_000_029,
    2_000_000_000,
    20_000_000_000,
];

#[test]
fn library_codes_match_oathtool_at_fixed_times() {
    let sandbox = Sandbox::new();
    let rfc_sha1 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    let rfc_sha256 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";
    for seed in [rfc_sha1, TOTP_SEED, "JBSWY3DPEHPK3PXP"] {
        let bare = Totp::from_text(seed).expect("a bare seed");
        let spaced = Totp::from_text(&format!(
            "{}\n",
            seed.to_ascii_lowercase()
                .as_bytes()
                .chunks(4)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join(" ")
        ))
        .expect("a lowercase seed with spaces");
        let uri = Totp::from_text(&format!(
            "first line\notpauth://totp/AWS:alice?secret={seed}&issuer=AWS\n"
        ))
        .expect("an entry with an otpauth line");
        let eight =
            Totp::from_text(&format!("otpauth://totp/x?secret={seed}&digits=8")).expect("8 digits");
        for t in TIMES {
            let six = oathtool_at(&sandbox, seed, "sha1", 6, t);
            assert_eq!(bare.code_at(t).as_str(), six, "{seed} at {t}");
            assert_eq!(spaced.code_at(t).as_str(), six, "{seed} spaced at {t}");
            assert_eq!(uri.code_at(t).as_str(), six, "{seed} URI at {t}");
            assert_eq!(
                eight.code_at(t).as_str(),
                oathtool_at(&sandbox, seed, "sha1", 8, t),
                "{seed} 8 digits at {t}"
            );
        }
    }
    for (algorithm, seed) in [
        ("sha256", rfc_sha256),
        ("sha256", TOTP_SEED),
        ("sha512", TOTP_SEED),
    ] {
        let totp = Totp::from_text(&format!(
            "otpauth://totp/x?secret={seed}&algorithm={}&digits=8",
            algorithm.to_ascii_uppercase()
        ))
        .expect("an otpauth URI");
        for t in TIMES {
            assert_eq!(
                totp.code_at(t).as_str(),
                oathtool_at(&sandbox, seed, algorithm, 8, t),
                "{algorithm} {seed} at {t}"
            );
        }
    }
    // The RFC 6238 vector REFERENCE.md quotes.
    assert_eq!(oathtool_at(&sandbox, rfc_sha1, "sha1", 8, 59), "94287082");
}

/// `period=` of an otpauth URI is honoured: codes match `oathtool --time-step-size`.
#[test]
fn library_codes_honour_the_period_as_oathtool_does() {
    let sandbox = Sandbox::new();
    for period in [15u64, 60, 90] {
        let totp = Totp::from_text(&format!(
            "otpauth://totp/x?secret={TOTP_SEED}&period={period}"
        ))
        .expect("an otpauth URI with a period");
        for t in TIMES {
            let out = run_with_stdin(
                sandbox.command("oathtool").args([
                    "--totp".to_owned(),
                    "-b".into(),
                    format!("--time-step-size={period}s"),
                    format!("--now=@{t}"),
                    "-".into(),
                ]),
                TOTP_SEED.as_bytes(),
                Duration::from_secs(30),
            );
            out.assert_success();
            assert_eq!(
                totp.code_at(t).as_str(),
                out.stdout_str().trim(),
                "period {period} at {t}"
            );
        }
    }
}

#[test]
fn the_code_sent_to_sts_matches_oathtool() {
    for (name, seed_value) in [("bare", TOTP_SEED.to_owned()), ("uri", otpauth_line())] {
        let kit = Kit::new();
        kit.profiles(&format!(
            "[profiles.t]\naccess_key_id = \"{SOURCE_ACCESS_KEY_ID}\"\nsecret_access_key = \"env:AWS_AUTH_TEST_SECRET\"\n\
             mfa_serial = \"{SERIAL_NUMBER}\"\nmfa_code = \"totp:env:AWS_AUTH_TEST_SEED\"\n"
        ));
        let mut cmd = without_terminal(
            kit.profile("t", &[])
                .env("AWS_AUTH_TEST_SECRET", SOURCE_SECRET_ACCESS_KEY)
                .env("AWS_AUTH_TEST_SEED", &seed_value),
        );
        let (before, out, after) = with_oathtool_around(&kit.sandbox, TOTP_SEED, &mut cmd);
        out.assert_success();
        let request = kit.only_request();
        assert_eq!(request.action(), Some("GetSessionToken"), "{name}");
        let code = sent_totp_code(&request, &before, &after);
        assert_absent(&out.stderr, &[TOTP_SEED, &code], &format!("{name}: stderr"));
    }
}
