//! `aws-auth man`: the man page, one page for everything. Flags and commands come from the
//! clap definitions (through clap_mangen), so they never drift; each command is a section of
//! this page, not a page of its own that no one installed. The sections a man page reader
//! looks for (profiles, environment, files, exit status) are written here.

use crate::error::Error;
use clap::CommandFactory;
use zeroize::Zeroizing;

/// The man page, roff.
pub fn man() -> Result<Zeroizing<String>, Error> {
    let command = crate::cli::Cli::command();
    let page = clap_mangen::Man::new(command.clone());
    let mut out = Vec::new();
    page.render_title(&mut out)
        .map_err(|e| Error::io("the man page", e))?;
    page.render_name_section(&mut out)
        .map_err(|e| Error::io("the man page", e))?;
    page.render_synopsis_section(&mut out)
        .map_err(|e| Error::io("the man page", e))?;
    page.render_description_section(&mut out)
        .map_err(|e| Error::io("the man page", e))?;
    page.render_options_section(&mut out)
        .map_err(|e| Error::io("the man page", e))?;
    out.extend_from_slice(b".SH COMMANDS\n");
    for sub in command.get_subcommands() {
        let name = sub.get_name();
        out.extend_from_slice(format!(".SS \"aws\\-auth {}\"\n", roff_text(name)).as_bytes());
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            out.extend_from_slice(format!("{}\n", roff_text(&about.to_string())).as_bytes());
        }
        // The command's own options, as a list under its heading (its OPTIONS heading
        // dropped: this is one page).
        let mut options = Vec::new();
        clap_mangen::Man::new(sub.clone())
            .render_options_section(&mut options)
            .map_err(|e| Error::io("the man page", e))?;
        let options = String::from_utf8_lossy(&options);
        out.extend_from_slice(options.replacen(".SH OPTIONS\n", "", 1).as_bytes());
        // Sub-subcommands (cache status|list|clear): a line each.
        for inner in sub.get_subcommands() {
            out.extend_from_slice(
                format!(
                    ".TP\n\\fB{} {}\\fR\n{}\n",
                    roff_text(name),
                    roff_text(inner.get_name()),
                    roff_text(&inner.get_about().map(|a| a.to_string()).unwrap_or_default())
                )
                .as_bytes(),
            );
        }
    }
    out.extend_from_slice(SECTIONS.as_bytes());
    page.render_version_section(&mut out)
        .map_err(|e| Error::io("the man page", e))?;
    String::from_utf8(out)
        .map(Zeroizing::new)
        .map_err(|_| Error::io("the man page", "it is not UTF-8"))
}

/// Text as roff reads it literally: backslashes and dashes escaped, a leading dot or quote
/// kept from starting a request.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    escaped
        .lines()
        .map(|l| {
            if l.starts_with(['.', '\'']) {
                format!("\\&{l}")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// PROFILES, ENVIRONMENT, FILES and EXIT STATUS.
const SECTIONS: &str = r#".SH PROFILES
A profile of \fIprofiles.toml\fR names where the keys, the MFA device and the role come from:
.PP
.nf
[profiles.work]
backend = "pass"              # one pass entry, aws\-auth/work
mfa_serial = "arn:aws:iam::123456789012:mfa/alice"
role_arn = "arn:aws:iam::123456789012:role/admin"
.fi
.PP
Keys: access_key_id, secret_access_key, mfa_serial, role_arn, mfa_code,
role_duration_seconds, session_duration_seconds, role_session_name, external_id, region,
backend, prompt; and the role session's scope: policy, policy_file, policy_arns, read_only,
source_identity, tags, transitive_tags. A value is a literal or a reference: \fBpass:\fIENTRY\fR[#\fIKEY\fR],
\fBgopass:\fIENTRY\fR[#\fIKEY\fR], \fBlpass:\fINAME\fR[#\fIFIELD\fR],
\fBop://\fIVAULT\fB/\fIITEM\fB/\fIFIELD\fR, \fBkeyring:\fISERVICE\fB/\fIACCOUNT\fR,
\fBykman:\fIACCOUNT\fR, \fBenv:\fIVAR\fR, \fBtotp:\fIREFERENCE\fR (a code computed from a
seed), \fBliteral:\fIVALUE\fR. \fBaws\-auth profiles \-\-example\fR prints a file that
documents every key. Profiles of \fI~/.aws/config\fR are found too (role_arn,
source_profile, mfa_serial, region, duration_seconds, role_session_name, external_id); their
keys come from the profiles.toml profile their source_profile chain ends in.
.SH ENVIRONMENT
.TP
\fBAWS_ACCESS_KEY_ID\fR, \fBAWS_SECRET_ACCESS_KEY\fR, \fBAWS_SESSION_TOKEN\fR
The source keys when no profile is given.
.TP
\fBAWS_REGION\fR, \fBAWS_DEFAULT_REGION\fR
The STS region when neither \-\-region nor the profile gives one (default us\-east\-1).
.TP
\fBAWS_ENDPOINT_URL_STS\fR, \fBAWS_ENDPOINT_URL_IAM\fR, \fBAWS_ENDPOINT_URL\fR, \fBAWS_IGNORE_CONFIGURED_ENDPOINT_URLS\fR
Other STS and IAM endpoints, as the AWS SDKs read them.
.TP
\fBAWS_CA_BUNDLE\fR, \fBHTTPS_PROXY\fR, \fBHTTP_PROXY\fR, \fBNO_PROXY\fR
More CA certificates to trust, and a proxy, for STS.
.TP
\fBAWS_AUTH_CONFIG\fR
The profiles file.
.TP
\fBAWS_CONFIG_FILE\fR, \fBAWS_SHARED_CREDENTIALS_FILE\fR
The AWS config file (profiles), and the credentials file \fBimport\fR reads (a run never reads it).
.TP
\fBAWS_AUTH_TIMEOUT\fR, \fBAWS_AUTH_NO_CACHE\fR, \fBAWS_AUTH_MIN_TTL\fR
Defaults for \-\-timeout, \-\-no\-cache and \-\-min\-ttl.
.TP
\fBAWS_AUTH_CACHE_STORE\fR
Where the session cache lives: auto, secret\-service or kernel\-keyring.
.TP
\fBAWS_AUTH_PROMPT\fR
How an MFA code is asked: auto, terminal, zenity, kdialog, osascript, or never (as
\-\-no\-prompt).
.TP
\fBAWS_AUTH_SIGNIN_URL\fR
The console federation endpoint \fBlogin\fR uses.
.TP
\fBPASSWORD_STORE_DIR\fR, \fBPASSWORD_STORE_GPG_OPTS\fR, \fBGNUPGHOME\fR, \fBGPG_TTY\fR
Where pass entries are and how gpg decrypts them; without GPG_TTY, gpg is given the name of
aws\-auth's terminal, so a passphrase is asked there.
.TP
\fBDBUS_SESSION_BUS_ADDRESS\fR, \fBDISPLAY\fR, \fBWAYLAND_DISPLAY\fR, \fBXDG_RUNTIME_DIR\fR, \fBXDG_CONFIG_HOME\fR, \fBHOME\fR, \fBUSER\fR, \fBLOGNAME\fR, \fBSHELL\fR
The Secret Service, a desktop for the code dialog, where lock files and profiles live, the
default role session name, the command \fBexec\fR runs by default.
.PP
\fBAWS_PROFILE\fR is never read: a credential_process child of the AWS CLI inherits it.
.SH FILES
.TP
\fI$XDG_CONFIG_HOME/aws\-auth/profiles.toml\fR (else \fI~/.config/aws\-auth/profiles.toml\fR)
The profiles.
.TP
\fI$XDG_CONFIG_HOME/aws\-auth/backends/*.toml\fR
Password managers you define.
.TP
\fI~/.aws/config\fR
Profiles of the AWS CLI, read for \-\-profile.
.TP
\fI~/.aws/credentials\fR
Read only by \fBimport\fR, which moves its keys into a password manager.
.TP
\fI$XDG_RUNTIME_DIR/aws\-auth/\fR (else \fI~/.cache/aws\-auth/locks/\fR)
Empty lock files. Cached sessions are kept in the Secret Service or the kernel keyring,
never in a file.
.SH "EXIT STATUS"
.TP
\fB0\fR
Success: the result is on stdout.
.TP
\fB1\fR
The flow failed (STS, a password manager, a profile, a cancelled prompt); doctor: a check
failed; status: no credentials, or expired.
.TP
\fB2\fR
Usage: a bad flag or value, an unknown profile, a missing input.
.TP
\fB3\fR
\-\-no\-prompt: something must be asked (an MFA code, a passphrase, a sign\-in), and nothing was.
.TP
\fB126\fR, \fB127\fR
exec, serve: the command cannot be run, or is not found.
.TP
other
exec, serve: the command's own exit status.
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_man_page_is_one_page_with_every_command_and_the_reader_s_sections() {
        let page = man().unwrap();
        assert!(page.contains(".TH"), "{}", &page[..200]);
        for needle in [
            ".SH COMMANDS",
            ".SS \"aws\\-auth exec\"",
            ".SS \"aws\\-auth configure\"",
            ".SH PROFILES",
            ".SH ENVIRONMENT",
            ".SH FILES",
            ".SH \"EXIT STATUS\"",
            "\\-\\-profile",
            "cache clear",
        ] {
            assert!(page.contains(needle), "{needle}");
        }
        // No page that does not exist is named.
        assert!(!page.contains("aws\\-auth\\-exec(1)"), "a page per command");
        assert_eq!(page.matches(".SH OPTIONS").count(), 1);
    }

    #[test]
    fn roff_text_cannot_start_a_request() {
        assert_eq!(roff_text(".TH x\n'y\na-b\\c"), "\\&.TH x\n\\&'y\na\\-b\\ec");
    }
}
