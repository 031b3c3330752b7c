use super::*;

#[test]
fn names_every_shell_takes_as_a_plain_word() {
    for good in ["awsa", "aws_auth", "_a", "sw-aws", "a1"] {
        assert!(check_name(good).is_ok(), "{good}");
    }
    for bad in ["", "1a", "-a", "a b", "a;b", "a$b", "é", &"a".repeat(33)] {
        assert!(check_name(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn every_shell_s_code_has_its_name_and_flags_and_no_placeholder_left() {
    for shell in [
        InitShell::Bash,
        InitShell::Zsh,
        InitShell::Fish,
        InitShell::Powershell,
    ] {
        let text = code(shell, "sw");
        assert!(
            !text.contains('@'.to_string().as_str()) || !text.contains("@NAME@"),
            "{shell:?}"
        );
        assert!(
            !text.contains("@NAME@") && !text.contains("@FLAGS@"),
            "{shell:?}"
        );
        assert!(
            text.contains("--role-arn --role-duration-seconds") || text.contains("--role-arn"),
            "{shell:?}"
        );
        assert!(
            text.contains("--no-prompt"),
            "{shell:?}: the refresh never asks"
        );
        assert!(
            text.contains("--until-exit"),
            "{shell:?}: the server ends with the shell"
        );
    }
}

#[test]
fn the_flags_are_the_main_command_s_without_the_function_s_own() {
    let flags = flags();
    for wanted in [
        "--role-arn",
        "--serial-number",
        "--read-only",
        "--tag",
        "--region",
        "--no-cache",
    ] {
        assert!(flags.iter().any(|f| f == wanted), "{wanted}: {flags:?}");
    }
    for own in ["--format", "--help", "--version", "--profile"] {
        assert!(!flags.iter().any(|f| f == own), "{own}");
    }
}
