//! `aws-auth configure`: changes a profile of profiles.toml without typing its keys again:
//! its MFA device, role or region (edited in place, comments kept), and its TOTP seed, which
//! is a secret: asked hidden on the terminal or read from stdin (never argv), checked to
//! yield codes, stored in the profile's backend and read back before the profile points at it.

use crate::cli::ConfigureArgs;
use crate::error::Error;
use crate::secrets::backend::spec::{Fields, Specs};
use crate::secrets::backend::{FetchErrorKind, Unit, keyring, write};
use crate::secrets::totp::Totp;
use crate::settings::config::{self, RawProfile};
use crate::settings::edit::Edit;
use crate::settings::files::Files;
use crate::settings::reference::{self, Reference, Value};
use crate::settings::validate;
use secrecy::{ExposeSecret, SecretString};
use std::io::IsTerminal;
use std::time::Duration;
use zeroize::Zeroizing;

/// Where a profile's TOTP seed goes, and the `mfa_code` that then reads it (`None`: the
/// backend's default layout already does, so an explicit one is removed).
struct SeedPlace {
    unit: Unit,
    /// The unit is a whole line-based entry that holds other lines (the keys): only its
    /// otpauth line is set.
    in_entry: bool,
    mfa_code: Option<String>,
}

pub fn run(args: ConfigureArgs) -> Result<Zeroizing<String>, Error> {
    let name = args.profile.as_str();
    config::check_name(name)?;
    validate::timeout(args.limit.timeout)?;
    if let Some(serial) = &args.serial_number {
        validate::serial_number(serial).map_err(|e| e.flag("--serial-number"))?;
    }
    if let Some(role) = &args.role_arn {
        validate::role_arn(role).map_err(|e| e.flag("--role-arn"))?;
    }
    if let Some(region) = &args.region {
        validate::region(region).map_err(|e| e.flag("--region"))?;
    }
    if args.serial_number.is_none()
        && args.role_arn.is_none()
        && args.region.is_none()
        && !args.totp
    {
        return Err(Error::Usage(
            "nothing to change: give --serial-number, --role-arn, --region and/or --totp".into(),
        ));
    }
    let limit = Duration::from_secs(args.limit.timeout);
    let files = Files::for_profile(args.file.config.as_deref(), name)?;
    let path = files.profiles.path.clone();
    let raw = match files.profiles.profiles.get(name) {
        Some(raw) => raw.clone(),
        None => return Err(super::new_profile::not_in_profiles_toml(name, &files)),
    };
    let (specs, home) = (&files.specs, files.home.clone());

    let mut edit = Edit::open(&path)?;
    let mut changed = Vec::new();
    for (key, value) in [
        ("mfa_serial", &args.serial_number),
        ("role_arn", &args.role_arn),
        ("region", &args.region),
    ] {
        if let Some(value) = value {
            edit = edit.set(name, key, Some(value))?;
            changed.push(format!("{key} = {value}"));
        }
    }
    let seed = if args.totp {
        let place = seed_place(name, &raw, specs)?;
        if matches!(place.unit, Unit::Keyring { .. })
            && let Some(why) = keyring::durable_unavailable(limit)
        {
            return Err(Error::Usage(why));
        }
        if args.serial_number.is_none() && raw.mfa_serial.is_none() && raw.backend.is_none() {
            return Err(Error::Usage(format!(
                "profile \"{name}\" has no MFA device, so a TOTP seed would never be used: give --serial-number \
                 (arn:aws:iam::ACCOUNT:mfa/USER) too"
            )));
        }
        if raw.mfa_code.as_deref() != place.mfa_code.as_deref() {
            edit = edit.set(name, "mfa_code", place.mfa_code.as_deref())?;
        }
        Some(place)
    } else {
        None
    };
    // profiles.toml is ready (parsed back, writable) before any secret is asked or stored.
    let staged = edit.stage_with(name)?;
    if let Some(place) = seed {
        let uri = read_seed(name)?;
        store_seed(&place, &uri, specs, home.as_deref(), limit)?;
        crate::say!(
            "aws-auth: stored the TOTP seed in {}{}",
            place.unit,
            if place.in_entry {
                " (its otpauth line)"
            } else {
                ""
            }
        );
        crate::say!(
            "aws-auth: note: the seed now sits beside the profile's keys, so whoever can read that store holds both \
             factors; for two real factors keep it on a YubiKey (mfa_code = \"ykman:ACCOUNT\") or in another store"
        );
        changed.push("the TOTP seed".into());
    }
    staged.commit().map_err(|e| {
        let failed = format!("{} could not be written ({})", path.display(), e.kind());
        if args.totp {
            Error::Stopped(format!(
                "{failed}, but the TOTP seed is stored: set the profile's mfa_code by hand"
            ))
        } else {
            Error::io(failed, "nothing in it changed")
        }
    })?;
    crate::say!("aws-auth: profile \"{name}\": set {}", changed.join(", "));
    crate::say!("aws-auth: try it: eval \"$(aws-auth --profile {name})\"");
    Ok(Zeroizing::new(String::new()))
}

/// Where the seed goes: the profile's one entry (pass, gopass) or keyring layout, else beside
/// its secret key (a new entry `aws-auth/totp/NAME`, or keyring item `NAME/totp_seed`).
fn seed_place(name: &str, raw: &RawProfile, specs: &Specs) -> Result<SeedPlace, Error> {
    let keyring_item = || Unit::Keyring {
        service: "aws-auth".into(),
        account: format!("{name}/totp_seed"),
    };
    let refuse = |from: &str| {
        Error::Usage(format!(
            "profile \"{name}\" reads its keys from {from}, where aws-auth cannot write a seed: store the otpauth:// \
             URI there yourself and set mfa_code = \"totp:REFERENCE\" in the profile (or use a YubiKey: \
             mfa_code = \"ykman:ACCOUNT\")"
        ))
    };
    if raw.secret_access_key.is_none() {
        return match raw.backend.as_deref() {
            Some("keyring") => Ok(SeedPlace {
                unit: keyring_item(),
                in_entry: false,
                mfa_code: None,
            }),
            Some(backend) if line_based_writable(backend, specs) => Ok(SeedPlace {
                unit: Unit::Command {
                    backend: backend.to_owned(),
                    entry: format!("aws-auth/{name}"),
                    field: None,
                },
                in_entry: true,
                mfa_code: None,
            }),
            Some(backend) => Err(refuse(backend)),
            None => Err(refuse("nowhere (no secret_access_key and no backend)")),
        };
    }
    let text = raw.secret_access_key.as_deref().unwrap_or_default();
    match reference::parse(text, &specs.schemes()) {
        Ok(Value::Ref(Reference::Keyring { .. })) => Ok(SeedPlace {
            unit: keyring_item(),
            in_entry: false,
            mfa_code: Some(format!("totp:keyring:aws-auth/{name}/totp_seed")),
        }),
        Ok(Value::Ref(Reference::Command { backend, .. }))
            if line_based_writable(&backend, specs) =>
        {
            let entry = format!("aws-auth/totp/{name}");
            Ok(SeedPlace {
                mfa_code: Some(format!("totp:{backend}:{entry}")),
                unit: Unit::Command {
                    backend,
                    entry,
                    field: None,
                },
                in_entry: false,
            })
        }
        Ok(Value::Ref(other)) => Err(refuse(&other.to_string())),
        _ => Err(refuse("profiles.toml itself")),
    }
}

fn line_based_writable(backend: &str, specs: &Specs) -> bool {
    specs
        .get(backend)
        .is_some_and(|s| s.fields == Fields::Lines)
        && write::writable(
            &Unit::Command {
                backend: backend.to_owned(),
                entry: String::new(),
                field: None,
            },
            specs,
        )
}

/// The seed as an otpauth URI: asked hidden on the terminal, else the first line of stdin;
/// an otpauth:// URI or a bare base32 seed, checked to give 6-digit codes.
fn read_seed(name: &str) -> Result<Zeroizing<String>, Error> {
    let text = if std::io::stdin().is_terminal() {
        let secret = crate::secrets::tty::ask_hidden(
            "TOTP seed (base32, or the otpauth:// URI): ",
            "the TOTP seed",
            "Pipe the seed (or the otpauth:// URI) on stdin",
        )?;
        Zeroizing::new(secret.expose_secret().to_owned())
    } else {
        let input = crate::secrets::stdin::read_lines(1)?;
        let text = std::str::from_utf8(&input)
            .map_err(|_| Error::Usage("stdin is not UTF-8 text".into()))?;
        Zeroizing::new(text.lines().next().unwrap_or_default().trim().to_owned())
    };
    let bad = |why: &str| {
        Error::Usage(format!(
            "the TOTP seed {why}: give the base32 secret shown when the virtual MFA device was set up (\"show secret \
             key\"), or the otpauth:// URI of its QR code; nothing was stored"
        ))
    };
    if text.is_empty() {
        return Err(bad("is empty"));
    }
    let totp = Totp::from_text(&text).map_err(|e| bad(&format!("cannot be used ({e})")))?;
    if totp.digits != 6 {
        return Err(bad("gives codes of other than 6 digits, and AWS takes 6"));
    }
    if totp.seed_len() < 10 {
        return Err(bad("is too short to be a real one (under 80 bits)"));
    }
    if text.starts_with("otpauth://") {
        return Ok(text);
    }
    let seed: Zeroizing<String> = Zeroizing::new(
        text.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    );
    Ok(Zeroizing::new(format!(
        "otpauth://totp/aws-auth:{name}?secret={}&issuer=aws-auth",
        seed.as_str()
    )))
}

/// Writes the seed and reads it back: the stored text must give the same code.
fn store_seed(
    place: &SeedPlace,
    uri: &str,
    specs: &Specs,
    home: Option<&std::path::Path>,
    limit: Duration,
) -> Result<(), Error> {
    let unit = &place.unit;
    let text = if place.in_entry {
        let current = unit.fetch(specs, home, limit).map_err(|kind| {
            Error::Backend(format!("reading {unit} to add the seed to it"), kind)
        })?;
        write::with_otpauth(current.expose_secret(), uri)
    } else {
        Zeroizing::new(uri.to_owned())
    };
    write::store(unit, &SecretString::from(text.as_str()), specs, limit)
        .map_err(|kind| Error::Backend(format!("storing the TOTP seed in {unit}"), kind))?;
    let back = unit
        .fetch(specs, home, limit)
        .map_err(|kind| Error::Backend(format!("reading the TOTP seed back from {unit}"), kind))?;
    let same = |a: &Totp, b: &Totp| {
        a.code_at(0) == b.code_at(0) && a.code_at(1_000_000_007) == b.code_at(1_000_000_007)
    };
    match (Totp::from_text(back.expose_secret()), Totp::from_text(uri)) {
        (Ok(stored), Ok(given)) if same(&stored, &given) => Ok(()),
        _ => Err(Error::Backend(
            format!("reading the TOTP seed back from {unit}"),
            FetchErrorKind::BadSeed(
                "it does not give the codes of the seed given; the profile was left as it was"
                    .into(),
            ),
        )),
    }
}
