//! The MFA code: where it comes from (a given code, a TOTP seed, a backend that gives codes
//! when asked, the person), read only when a call carries it; and the one call that carries
//! it, never retried, except that a TOTP code STS refuses (as it refuses one already used)
//! is followed once by the next window's code.

use super::gather::gather;
use crate::credentials::{SessionCredentials, SourceCredentials, now_secs};
use crate::error::Error;
use crate::secrets::backend::spec::Specs;
use crate::secrets::dialog::{self, Prompt};
use crate::secrets::totp::Totp;
use crate::settings::profile::{ProfileError, Wanted};
use crate::settings::reference::Value;
use crate::settings::validate;
use crate::sts::{Call, Mfa, Sts, StsError, StsErrorKind};
use secrecy::{ExposeSecret, SecretString};
use std::path::PathBuf;
use std::time::Duration;

/// Where the MFA code comes from, asked only when a call needs it.
pub enum CodeSource {
    /// `--token-code`, or a profile value that is a code.
    Given(SecretString),
    /// A TOTP seed: computed when sent, and the next code if STS refuses it as used.
    Totp(Totp),
    /// The person at the terminal, or at a desktop dialog.
    Prompt(Asker),
    /// A backend that gives the current code when asked (a YubiKey, op's one-time
    /// password), read only now; the person is asked if it has none.
    Deferred(Box<DeferredCode>, Asker),
}

impl CodeSource {
    /// The profile's TOTP seed first, then a given code, then a backend that gives codes
    /// when asked, else the person.
    pub fn pick(
        totp: Option<Totp>,
        given: Option<SecretString>,
        deferred: Option<DeferredCode>,
        asker: Asker,
    ) -> CodeSource {
        match (totp, given, deferred) {
            (Some(totp), _, _) => CodeSource::Totp(totp),
            (None, Some(code), _) => CodeSource::Given(code),
            (None, None, Some(deferred)) => CodeSource::Deferred(Box::new(deferred), asker),
            (None, None, None) => CodeSource::Prompt(asker),
        }
    }
}

/// How to ask the person for a code, and what to tell them it is for.
#[derive(Clone, Debug, Default)]
pub struct Asker {
    pub prompt: Prompt,
    pub profile: Option<String>,
    pub limit: Duration,
}

/// An MFA device and where its code comes from: what a call from the keys carries.
#[derive(Clone, Copy)]
pub struct MfaDevice<'a> {
    pub serial: &'a str,
    pub code: &'a CodeSource,
}

/// An MFA code read from a backend only when a call carries one, so a run that needs no
/// code (a cached MFA session re-deriving a role) costs no YubiKey touch and no `op` call.
pub struct DeferredCode {
    pub profile: String,
    pub wanted: Wanted,
    pub specs: Specs,
    pub home: Option<PathBuf>,
    pub limit: Duration,
}

impl DeferredCode {
    /// The current code, checked to be six digits (a wrong value is named by its source,
    /// never shown); `None` when the default layout's item has no code (then: a prompt).
    pub fn read(&self) -> Result<Option<SecretString>, ProfileError> {
        let mut gathered = gather(
            std::slice::from_ref(&self.wanted),
            &self.specs,
            self.home.as_deref(),
            self.limit,
            &self.profile,
        )?;
        let Some(code) = gathered.values.remove("mfa_code") else {
            return Ok(None);
        };
        let code = SecretString::from(code.expose_secret().trim());
        if validate::token_code(code.expose_secret()).is_err() {
            let source = match &self.wanted.value {
                Value::Ref(r) => r.to_string(),
                Value::Literal(_) => "the profile".to_owned(),
            };
            let problem = super::values::seed_not_code(code.expose_secret(), Some(&source))
                .unwrap_or_else(|| format!("the value of {source} is not a 6-digit MFA code"));
            return Err(ProfileError::Field {
                profile: self.profile.clone(),
                field: "mfa_code",
                problem,
            });
        }
        Ok(Some(code))
    }
}

/// One call, carrying the MFA code when there is a device. A code from a TOTP seed that STS
/// refuses (as it does a code already used) is followed, once, by the next window's code.
pub fn coded_call(
    sts: &dyn Sts,
    source: &SourceCredentials,
    mfa: Option<MfaDevice>,
    call: impl Fn(Option<Mfa>) -> Call,
) -> Result<SessionCredentials, Error> {
    let Some(MfaDevice { serial, code }) = mfa else {
        return Ok(sts.call(source, &call(None))?);
    };
    let with = |token_code| {
        Some(Mfa {
            serial_number: serial.to_owned(),
            token_code,
        })
    };
    let first = match code {
        CodeSource::Given(code) => code.clone(),
        CodeSource::Totp(totp) => SecretString::from(totp.code_now().as_str()),
        CodeSource::Prompt(asker) => ask_code(serial, asker)?,
        CodeSource::Deferred(deferred, asker) => match deferred.read()? {
            Some(code) => code,
            None => ask_code(serial, asker)?,
        },
    };
    // Whatever the source, nothing but six digits goes out (every source is checked where it
    // enters too; this is the last line).
    validate::token_code(first.expose_secret())?;
    match (sts.call(source, &call(with(first))), code) {
        (Err(e), CodeSource::Totp(totp)) if is_code_refused(&e) => {
            let now = now_secs().max(0) as u64;
            let next = (now / totp.period + 1) * totp.period;
            crate::say!(
                "aws-auth: STS refused the TOTP code for {serial} (a code works only once); waiting {} s for the \
                 next one",
                next - now
            );
            std::thread::sleep(Duration::from_secs(next - now));
            let code = SecretString::from(totp.code_now().as_str());
            validate::token_code(code.expose_secret())?;
            Ok(sts.call(source, &call(with(code)))?)
        }
        (result, _) => Ok(result?),
    }
}

/// AccessDenied over the MFA code: what AWS answers for a wrong or already used code.
pub fn is_code_refused(error: &StsError) -> bool {
    matches!(&error.kind, StsErrorKind::Service { code, message, .. }
        if code == "AccessDenied" && message.to_ascii_lowercase().contains("multifactorauthentication"))
}

fn ask_code(serial: &str, asker: &Asker) -> Result<SecretString, Error> {
    const AHEAD: &str = "Pass --token-code CODE, set mfa_code in the profile (e.g. mfa_code = \"totp:pass:ENTRY\" \
                         or \"ykman:ACCOUNT\"), or keep an otpauth:// line in the profile's pass or gopass entry";
    // A dialog is a way only where one may ask: never under --no-prompt.
    let hint = if asker.prompt == dialog::Prompt::Never {
        format!("{AHEAD}; or run it without --no-prompt (AWS_AUTH_PROMPT=never) to be asked")
    } else {
        format!("{AHEAD}, or run it from a desktop session (a dialog asks there)")
    };
    let code = dialog::ask_code(
        asker.prompt,
        &dialog::Question {
            profile: asker.profile.as_deref(),
            serial,
            limit: asker.limit,
            hint: &hint,
        },
    )?;
    validate::token_code(code.expose_secret())?;
    Ok(code)
}
