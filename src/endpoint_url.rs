//! Judging a URL aws-auth will send requests to, with a real parser (`http::Uri`, RFC 3986)
//! rather than prefixes: `http://127.0.0.1:1@evil.example/` starts like loopback but its
//! host is evil.example. A `user:password@` part is refused everywhere (it would be sent, and
//! it hides the real host from a reader). Plain http may be allowed to loopback only: the
//! host itself must be a loopback address (127.0.0.0/8, ::1) or `localhost`.

use http::Uri;
use std::net::IpAddr;

/// What is wrong with `url`, or `Ok` with it parsed. `loopback_only_http`: plain http is
/// refused unless the host is this machine.
pub fn check(url: &str, loopback_only_http: bool) -> Result<Uri, String> {
    let uri: Uri = url
        .parse()
        .map_err(|_| "it is not a URL (scheme://host[:port]/path)".to_owned())?;
    let authority = uri
        .authority()
        .ok_or_else(|| "it names no host".to_owned())?;
    if authority.as_str().contains('@') {
        return Err("it has a user:password@ part, which aws-auth never sends".into());
    }
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if !loopback_only_http || is_loopback(authority.host()) => Ok(uri),
        Some("http") => Err(format!(
            "plain http goes only to this machine (127.0.0.1, localhost, [::1]), not to {}",
            authority.host()
        )),
        _ => Err("it must start with https:// (or http:// to loopback)".into()),
    }
}

/// A host that is this machine: a loopback address, or `localhost`.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (second review, item 3): a prefix test let a userinfo part send role
    /// credentials in plain http to evil.example.
    #[test]
    fn userinfo_and_look_alike_hosts_are_refused() {
        for url in [
            "http://127.0.0.1:1@evil.example/federation",
            "http://localhost@evil.example/",
            "https://user:pass@signin.aws.amazon.com/federation",
            "http://[::1]@evil.example/",
        ] {
            assert!(check(url, true).is_err(), "{url}");
        }
        for url in [
            "http://127.0.0.1.evil.example/",
            "http://localhost.evil.example/",
            "http://10.0.0.1/",
        ] {
            let err = check(url, true).unwrap_err();
            assert!(
                err.contains("plain http goes only to this machine"),
                "{url}: {err}"
            );
            assert!(
                check(url, false).is_ok(),
                "{url}: http is the caller's choice"
            );
        }
        for url in ["ftp://127.0.0.1/", "127.0.0.1:80", "not a url", "http://"] {
            assert!(check(url, false).is_err(), "{url}");
        }
    }

    #[test]
    fn https_anywhere_and_http_to_loopback_pass() {
        for url in [
            "https://signin.aws.amazon.com/federation",
            "http://127.0.0.1:4321/federation",
            "http://127.8.9.10/",
            "http://localhost/",
            "http://LOCALHOST:1/",
            "http://[::1]:80/x",
        ] {
            assert!(check(url, true).is_ok(), "{url}");
        }
    }
}
