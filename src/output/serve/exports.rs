//! What `aws-auth serve` without a command prints for `eval`: unset the keys' variables (an
//! SDK would use them before the container provider), then point the SDKs at the endpoint.
//! Quoting is the renderers' own; no key is ever printed, only the endpoint and its token.

use crate::output::render::{self, Format};
use crate::output::vars::{To, Vars};
use zeroize::Zeroizing;

/// The unsets, then the endpoint, its token, the region when one was given, and this
/// server's pid (to stop it: `kill $AWS_AUTH_SERVER_PID`). `format` is a shell's.
pub fn render(
    format: Format,
    url: &str,
    token: &str,
    region: Option<&str>,
    profile: Option<&str>,
) -> Result<Zeroizing<String>, crate::error::Error> {
    let pid = std::process::id().to_string();
    let vars = Vars::endpoint(url, token, region, &pid, To::Shell { profile });
    Ok(render::shell(&vars, format)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://127.0.0.1:4321/";

    /// The buffer is sized for the worst case up front, so the one holding the token never
    /// grows (leaving a copy behind): values that are nothing but quotes and backslashes,
    /// what each shell's quoting makes longest, stay inside it (the render's debug
    /// assertion checks it).
    #[test]
    fn the_worst_case_fits_the_buffer() {
        let nasty = "'\\\"$`".repeat(1024);
        for format in [Format::Sh, Format::Fish, Format::Powershell] {
            let out = render(format, &nasty, &nasty, Some(&nasty), Some(&nasty)).unwrap();
            assert!(out.len() > 4 * nasty.len(), "{format:?}");
            // And with nothing to quote, the fixed text alone.
            render(format, "", "", Some(""), Some("")).unwrap();
        }
    }

    fn pid_line(prefix: &str, suffix: &str) -> String {
        format!("{prefix}{}{suffix}", std::process::id())
    }

    #[test]
    fn sh_unsets_the_keys_then_exports_the_endpoint() {
        let out = render(Format::Sh, URL, "abc123", Some("eu-west-1"), Some("work")).unwrap();
        assert_eq!(
            out.as_str(),
            format!(
                "unset {}\n\
                 export AWS_CONTAINER_CREDENTIALS_FULL_URI='http://127.0.0.1:4321/'\n\
                 export AWS_CONTAINER_AUTHORIZATION_TOKEN='abc123'\n\
                 export AWS_REGION='eu-west-1'\n\
                 export AWS_DEFAULT_REGION='eu-west-1'\n\
                 {}\
                 export AWS_AUTH_PROFILE='work'\n",
                crate::output::vars::BESIDE_ENDPOINT.join(" "),
                pid_line("export AWS_AUTH_SERVER_PID='", "'\n")
            )
        );
    }

    #[test]
    fn fish_and_powershell_remove_each_variable() {
        let out = render(Format::Fish, URL, "abc123", None, None).unwrap();
        assert!(out.starts_with("set -e AWS_ACCESS_KEY_ID\nset -e AWS_SECRET_ACCESS_KEY\n"));
        assert!(out.contains("set -gx AWS_CONTAINER_AUTHORIZATION_TOKEN 'abc123'\n"));
        assert!(out.ends_with(&pid_line("set -gx AWS_AUTH_SERVER_PID '", "'\n")));
        assert!(!out.contains("REGION"));

        let out = render(Format::Powershell, URL, "abc123", None, None).unwrap();
        assert!(
            out.starts_with("Remove-Item Env:AWS_ACCESS_KEY_ID -ErrorAction SilentlyContinue\n")
        );
        assert!(
            out.contains("$Env:AWS_CONTAINER_CREDENTIALS_FULL_URI = 'http://127.0.0.1:4321/'\n")
        );
    }

    #[test]
    fn json_is_refused() {
        assert!(render(Format::Json, URL, "abc123", None, None).is_err());
        assert!(render(Format::Sts, URL, "abc123", None, None).is_err());
    }
}
