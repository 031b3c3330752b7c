//! Completions loaded in real bash, zsh and fish complete profile names from profiles.toml
//! and ~/.aws/config (by calling back into aws-auth); the man page renders with `man -l`.

use crate::support::*;

/// profiles.toml's work and ops, and ~/.aws/config's work-eu (and work again, listed once).
fn sandbox() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write(
        "home/.config/aws-auth/profiles.toml",
        "[profiles.work]\n[profiles.ops]\n",
    );
    sandbox.write(
        "home/.aws/config",
        "[profile work-eu]\nsource_profile = work\nregion = eu-west-1\n[profile work]\nregion = eu-west-2\n",
    );
    sandbox
}

fn lines(run: &Run) -> Vec<String> {
    run.assert_success();
    let mut names: Vec<String> = run.stdout_str().lines().map(str::to_owned).collect();
    names.sort();
    names
}

#[test]
fn bash_completes_profile_names() {
    let sandbox = sandbox();
    let out = run(&mut sandbox.shell(
        "bash",
        "source <(aws-auth completions bash) && complete -p aws-auth >&2 && \
         COMP_WORDS=(aws-auth --profile wo); COMP_CWORD=2; COMP_LINE='aws-auth --profile wo'; \
         COMP_POINT=${#COMP_LINE}; _clap_complete_aws_auth aws-auth wo --profile; \
         printf '%s\\n' \"${COMPREPLY[@]}\"",
    ));
    assert_eq!(lines(&out), ["work", "work-eu"], "{}", out.describe());
    // Subcommands come from the clap definitions.
    let out = run(&mut sandbox.shell(
        "bash",
        "source <(aws-auth completions bash) && COMP_WORDS=(aws-auth do); COMP_CWORD=1; \
         COMP_LINE='aws-auth do'; COMP_POINT=${#COMP_LINE}; _clap_complete_aws_auth aws-auth do aws-auth; \
         printf '%s\\n' \"${COMPREPLY[@]}\"",
    ));
    assert!(
        lines(&out).contains(&"doctor".to_owned()),
        "{}",
        out.describe()
    );
}

#[test]
fn fish_lists_the_profiles() {
    let sandbox = sandbox();
    let out = run(&mut sandbox.shell(
        "fish",
        "aws-auth completions fish | source; complete -C 'aws-auth --profile '",
    ));
    let names: Vec<String> = lines(&out)
        .into_iter()
        .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(names, ["ops", "work", "work-eu"], "{}", out.describe());
}

#[test]
fn zsh_completes_profile_names() {
    let sandbox = sandbox();
    // zsh's completion system is driven by hand: `_describe` records what it is handed.
    let out = run(&mut sandbox.shell(
        "zsh",
        "autoload -Uz compinit && compinit -u -D && source <(aws-auth completions zsh) && \
         _describe() { print -l -- ${(P)3} }; words=(aws-auth --profile wo); CURRENT=3; \
         _clap_dynamic_completer_aws_auth",
    ));
    assert_eq!(lines(&out), ["work", "work-eu"], "{}", out.describe());
}

#[test]
fn the_man_page_renders() {
    let sandbox = Sandbox::new();
    let out = run(sandbox
        .shell("sh", "aws-auth man | man -l -")
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100"));
    out.assert_success();
    let page = out.stdout_str();
    for needle in [
        "aws-auth",
        "--profile",
        "--token-code",
        "doctor",
        "completions",
    ] {
        assert!(page.contains(needle), "{needle}\n{page}");
    }
}

/// README's install line for the man page, run as written on a fresh home where aws-auth
/// was installed by cargo: it creates the directory, and `man aws-auth` then finds the page
/// (man-db looks beside each PATH directory) with every command and the reader's sections.
#[test]
fn the_man_page_installs_as_readme_says_and_man_finds_it() {
    let sandbox = Sandbox::new();
    let bin = sandbox.home().join(".cargo/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(aws_auth_bin(), bin.join("aws-auth")).unwrap();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.contains("aws-auth man >"))
        .expect("README gives the man page's install line")
        .trim();
    let mut cmd = sandbox.command("sh");
    cmd.arg("-c")
        .arg(format!("{line} && man aws-auth"))
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100");
    let out = run(&mut cmd);
    out.assert_success();
    let page = out.stdout_str();
    for needle in [
        "COMMANDS",
        "aws-auth configure",
        "PROFILES",
        "ENVIRONMENT",
        "FILES",
        "EXIT STATUS",
    ] {
        assert!(page.contains(needle), "{needle}\n{page}");
    }
    assert!(!page.contains("aws-auth-exec(1)"), "{page}");
}

/// The shell integration's function completes profile names (first word, or after
/// --serve) and the main command's flags after the profile.
#[test]
fn the_integration_s_function_completes_profiles_and_flags() {
    let sandbox = sandbox();
    let bash = |words: &str, cword: usize| {
        let out = run(&mut sandbox.shell(
            "bash",
            &format!(
                "eval \"$(aws-auth init bash)\" && COMP_WORDS=({words}); COMP_CWORD={cword}; \
                 __aws_auth_complete; printf '%s\\n' \"${{COMPREPLY[@]}}\""
            ),
        ));
        lines(&out)
    };
    assert_eq!(bash("awsa wo", 1), ["work", "work-eu"]);
    assert_eq!(bash("awsa --serve o", 2), ["ops"]);
    assert_eq!(bash("awsa work --role-a", 2), ["--role-arn"]);
    assert!(bash("awsa work --read", 2).contains(&"--read-only".to_owned()));
    let fish = |line: &str| {
        let out = run(&mut sandbox.shell(
            "fish",
            &format!("aws-auth init fish | source; complete -C '{line}'"),
        ));
        lines(&out)
            .into_iter()
            .map(|l| l.split('\t').next().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(fish("awsa wo"), ["work", "work-eu"]);
    assert_eq!(fish("awsa --serve o"), ["ops"]);
    assert!(fish("awsa work --role-a").contains(&"--role-arn".to_owned()));
}
