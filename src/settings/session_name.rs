//! The role session name when none is given: `$USER`, else `$LOGNAME`, else the account name
//! from the password database, else `aws-auth`, made to fit STS's 2–64 chars of `[\w+=,.@-]`.
//! Works from cron, where USER may be unset.

/// Picks the first usable candidate. `env` looks up a variable; `account` asks the
/// password database. Both are parameters so the fallback order can be tested.
pub fn fallback(
    env: impl Fn(&str) -> Option<String>,
    account: impl FnOnce() -> Option<String>,
) -> String {
    ["USER", "LOGNAME"]
        .iter()
        .filter_map(|var| env(var))
        .chain(std::iter::once_with(account).flatten())
        .find_map(|candidate| sanitize(&candidate))
        .unwrap_or_else(|| "aws-auth".to_owned())
}

/// Maps each disallowed character to `-`, trims to 64 characters, and pads a one-character
/// name (`x` becomes `x-aws-auth`). Blank input gives `None`.
pub fn sanitize(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if name.chars().all(|c| c == '-') {
        return None;
    }
    if name.len() < 2 {
        name.push_str("-aws-auth");
    }
    Some(name)
}

/// The current user's login name from the password database, if any.
pub fn account_name() -> Option<String> {
    crate::passwd::current().map(|(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn a_two_character_name_is_kept_and_a_one_character_name_padded() {
        assert_eq!(sanitize("ab").as_deref(), Some("ab"));
        assert_eq!(sanitize("a").as_deref(), Some("a-aws-auth"));
    }

    /// The password database's candidate is the login name of the uid running aws-auth, the
    /// one `id -un` prints (none when the uid has no entry).
    #[test]
    fn the_account_name_is_the_login_name_of_this_uid() {
        let id = std::process::Command::new("id")
            .arg("-un")
            .output()
            .unwrap();
        let expected = id
            .status
            .success()
            .then(|| String::from_utf8(id.stdout).unwrap().trim().to_owned());
        assert_eq!(account_name(), expected);
    }

    #[test]
    fn user_comes_first() {
        assert_eq!(
            fallback(env_of(&[("USER", "alice"), ("LOGNAME", "bob")]), || Some(
                "carol".into()
            )),
            "alice"
        );
    }

    #[test]
    fn logname_when_user_is_unset_or_blank() {
        assert_eq!(
            fallback(env_of(&[("LOGNAME", "bob")]), || Some("carol".into())),
            "bob"
        );
        assert_eq!(
            fallback(env_of(&[("USER", " "), ("LOGNAME", "bob")]), || None),
            "bob"
        );
    }

    #[test]
    fn password_database_when_no_variable_is_set() {
        assert_eq!(fallback(env_of(&[]), || Some("carol".into())), "carol");
    }

    #[test]
    fn fixed_name_as_last_resort() {
        assert_eq!(fallback(env_of(&[]), || None), "aws-auth");
        assert_eq!(
            fallback(env_of(&[("USER", "///")]), || Some("".into())),
            "aws-auth"
        );
    }

    #[test]
    fn account_lookup_is_lazy() {
        let name = fallback(env_of(&[("USER", "alice")]), || {
            panic!("looked up the account needlessly")
        });
        assert_eq!(name, "alice");
    }

    #[test]
    fn names_are_made_to_fit_sts() {
        assert_eq!(sanitize("John Doe").as_deref(), Some("John-Doe"));
        assert_eq!(sanitize("dom\\user").as_deref(), Some("dom-user"));
        assert_eq!(sanitize("élise").as_deref(), Some("-lise"));
        assert_eq!(sanitize("x").as_deref(), Some("x-aws-auth"));
        assert_eq!(sanitize(&"a".repeat(100)).map(|s| s.len()), Some(64));
        for raw in ["John Doe", "x", "ü$`'\"", "a.b@c"] {
            if let Some(name) = sanitize(raw) {
                crate::settings::validate::session_name(&name).unwrap();
            }
        }
    }
    /// USER and LOGNAME set, unset, blank or unusable, each with and without an account
    /// name: the first usable one wins, made to fit STS, and the result is always valid.
    #[test]
    fn every_combination_of_user_and_logname() {
        /// (variables set, account name, expected)
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>, &'a str);
        let cases: &[Case] = &[
            (
                &[("USER", "alice"), ("LOGNAME", "bob")],
                Some("carol"),
                "alice",
            ),
            (&[("USER", "alice"), ("LOGNAME", "bob")], None, "alice"),
            (&[("USER", "alice")], Some("carol"), "alice"),
            (&[("USER", "alice")], None, "alice"),
            (&[("LOGNAME", "bob")], Some("carol"), "bob"),
            (&[("LOGNAME", "bob")], None, "bob"),
            (&[], Some("carol"), "carol"),
            (&[], None, "aws-auth"),
            // Blank or nothing usable: the next candidate.
            (&[("USER", ""), ("LOGNAME", "bob")], None, "bob"),
            (&[("USER", "  "), ("LOGNAME", "")], Some("carol"), "carol"),
            (&[("USER", "///"), ("LOGNAME", "bob")], None, "bob"),
            (
                &[("USER", "///"), ("LOGNAME", "$$$")],
                Some("carol"),
                "carol",
            ),
            (
                &[("USER", "///"), ("LOGNAME", "$$$")],
                Some("é"),
                "aws-auth",
            ),
            // Values that need sanitising are sanitised, not skipped.
            (
                &[("USER", "John Doe"), ("LOGNAME", "bob")],
                None,
                "John-Doe",
            ),
            (&[("LOGNAME", "CORP\\alice")], None, "CORP-alice"),
            (&[("USER", "x"), ("LOGNAME", "bob")], None, "x-aws-auth"),
            (&[("USER", " alice\n")], None, "alice"),
            (&[], Some("svc account"), "svc-account"),
            (&[("USER", "a@b.c,d=e+f_g-h")], None, "a@b.c,d=e+f_g-h"),
        ];
        for (vars, account, want) in cases {
            let got = fallback(
                |k: &str| {
                    vars.iter()
                        .find(|(n, _)| *n == k)
                        .map(|(_, v)| v.to_string())
                },
                || account.map(str::to_owned),
            );
            assert_eq!(&got, want, "{vars:?} account {account:?}");
            crate::settings::validate::session_name(&got).unwrap();
        }
        let long = "u".repeat(100);
        let got = fallback(|k: &str| (k == "LOGNAME").then(|| long.clone()), || None);
        assert_eq!(got, "u".repeat(64));
    }
}
