//! Property tests of the output quoting: random values (biased toward everything a shell or a
//! JSON parser treats specially) rendered by `aws_auth::output::render::render`, evaluated by the real
//! bash, zsh, dash and fish (and parsed by Python's json), must come back byte for byte, and
//! nothing in them may ever run. Many values go through one shell process, for speed.
//!
//! Every run draws the same cases (a fixed seed), so a failure reproduces anywhere. Set
//! `AWS_AUTH_PROPTEST_SEED=random` to explore new ones (the seed is printed, and named again
//! in any failure) or `AWS_AUTH_PROPTEST_SEED=N` to replay seed N; `AWS_AUTH_PROPTEST_CASES`
//! sets the cases per property (default 1000).

use crate::support::*;
use aws_auth::credentials::SessionCredentials;
use aws_auth::output::render::{Format, render};
use aws_smithy_types::DateTime;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use secrecy::SecretString;
use std::path::Path;
use std::time::Duration;

/// Cases per property unless AWS_AUTH_PROPTEST_CASES says otherwise: each case holds three
/// random strings (key id, secret, token).
const DEFAULT_CASES: usize = 1_000;
/// The seed every run uses unless AWS_AUTH_PROPTEST_SEED asks for another, so that a
/// failure in CI fails the same way on a laptop.
const DEFAULT_SEED: u64 = 0x6177_732d_6175_7468; // "aws-auth"
/// Seconds since the epoch of the expiration every case carries, and how it is printed.
const EXPIRATION_SECS: i64 = 1_795_550_400;
const EXPIRATION: &str = "2026-11-24T20:00:00Z";

/// Characters with a meaning to some shell, to JSON, or to a terminal.
const SPECIAL: &[char] = &[
    '\'',
    '"',
    '\\',
    '$',
    '`',
    '\n',
    '\r',
    '\t',
    ';',
    '&',
    '|',
    '(',
    ')',
    '{',
    '}',
    '[',
    ']',
    '*',
    '?',
    '~',
    '#',
    '!',
    '<',
    '>',
    ' ',
    '%',
    '^',
    '=',
    ',',
    '-',
    '@',
    ':',
    '/',
    '.',
    '\u{1b}',
    '\u{7f}',
    '\u{85}',
    '\u{a0}',
    '\u{2028}',
    '\u{2029}',
    '\u{feff}',
    '\u{200b}',
    '‘',
    '’',
    '‚',
    '‛',
    '“',
    '”',
    '„',
    '‹',
    '›',
    '«',
    '»',
    'é',
    'ü',
    '€',
    '∑',
    '🦀',
    '😀',
    '\u{fffd}',
    '\u{e000}',
    '\u{f5ff}',
    '\u{f600}',
    '\u{f601}',
    '\u{f6ff}',
    '\u{f700}',
    '\u{f8ff}',
    '\u{f900}',
    '\u{fdd0}',
    '\u{fffe}',
    '\u{10ffff}',
];

/// Multi-character pieces that break naive quoting, including command injections aimed at
/// `marker`.
fn fragments(marker: &str) -> Vec<String> {
    let mut pieces: Vec<String> = [
        "'\\''", "\\'", "\\\\'", "''", "'\"'\"'", "$'x'", "${HOME}", "$HOME", "$((1+1))", "$*",
        "$@", "$0", "%s", "%n", "\\n", "\\0", "\\x41", "\\u0041", "\\uF600", "\\e", "{a,b}",
        "~root", "*", "$(", "`", "\\", "'", "\n'", "'\n", "\r\n", "EOF", "!!", "#",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    pieces.extend([
        format!("$(touch {marker})"),
        format!("`touch {marker}`"),
        format!("'; touch {marker}; '"),
        format!("\"; touch {marker}; \""),
        format!("\\'; touch {marker}; #"),
        format!("'\ntouch {marker}\n'"),
        format!("(touch {marker})"),
        format!("'(touch {marker})'"),
        format!("\\'(touch {marker})\\'"),
        format!("'; $(touch {marker}) '"),
    ]);
    pieces
}

fn special_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::sample::select(SPECIAL),
        // Control characters except NUL.
        2 => (1u32..0x20).prop_map(|c| char::from_u32(c).expect("a control character")),
        // What fish uses internally for raw bytes and wildcards.
        2 => proptest::char::range('\u{F600}', '\u{F8FF}'),
        2 => any::<char>().prop_filter("no NUL", |&c| c != '\0'),
        3 => proptest::char::range('a', 'z'),
    ]
}

/// One value: mostly special characters and fragments, sometimes any string (minus NUL).
fn value(marker: &str) -> BoxedStrategy<String> {
    let piece = prop_oneof![
        4 => special_char().prop_map(String::from),
        1 => proptest::sample::select(fragments(marker)),
    ];
    prop_oneof![
        4 => proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat()),
        1 => any::<String>().prop_map(|s| s.replace('\0', "")),
    ]
    .boxed()
}

#[derive(Clone, Debug)]
struct Case {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
}

impl Case {
    fn values(&self) -> [&str; 4] {
        [
            &self.access_key_id,
            &self.secret_access_key,
            &self.session_token,
            EXPIRATION,
        ]
    }

    fn render(&self, format: Format) -> String {
        let creds = SessionCredentials {
            access_key_id: self.access_key_id.clone(),
            secret_access_key: SecretString::from(self.secret_access_key.as_str()),
            session_token: SecretString::from(self.session_token.as_str()),
            expiration: DateTime::from_secs(EXPIRATION_SECS),
        };
        render(&creds, None, None, format)
            .expect("values without NUL always render")
            .to_string()
    }
}

fn case(marker: &str) -> BoxedStrategy<Case> {
    (value(marker), value(marker), value(marker))
        .prop_map(|(access_key_id, secret_access_key, session_token)| Case {
            access_key_id,
            secret_access_key,
            session_token,
        })
        .boxed()
}

/// How many cases each property tries: AWS_AUTH_PROPTEST_CASES, else [`DEFAULT_CASES`].
fn case_count() -> usize {
    match std::env::var("AWS_AUTH_PROPTEST_CASES") {
        Ok(text) => text
            .trim()
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or_else(|| {
                panic!("AWS_AUTH_PROPTEST_CASES={text:?}: expected a positive number")
            }),
        Err(_) => DEFAULT_CASES,
    }
}

/// The seed of a property run: [`DEFAULT_SEED`] unless AWS_AUTH_PROPTEST_SEED is `random`
/// (a fresh one, printed) or a number (the one a failure printed, to replay it).
struct Seed(u64);

impl Seed {
    fn from_env() -> Seed {
        let seed = match std::env::var("AWS_AUTH_PROPTEST_SEED") {
            Err(_) => return Seed(DEFAULT_SEED),
            Ok(text) if text.trim() == "random" => {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("clock after 1970")
                    .as_nanos();
                Seed(splitmix64(
                    (nanos as u64) ^ (u64::from(std::process::id()) << 32),
                ))
            }
            Ok(text) => Seed(text.trim().parse().unwrap_or_else(|_| {
                panic!("AWS_AUTH_PROPTEST_SEED={text:?}: expected `random` or a number")
            })),
        };
        eprintln!("property tests: {}", seed.replay());
        seed
    }

    /// proptest's ChaCha generator, whose seed is 32 bytes: four splitmix64 steps.
    fn rng(&self) -> TestRng {
        let mut state = self.0;
        let mut bytes = [0u8; 32];
        for chunk in bytes.chunks_mut(8) {
            state = splitmix64(state);
            chunk.copy_from_slice(&state.to_le_bytes());
        }
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
    }

    fn runner(&self) -> TestRunner {
        TestRunner::new_with_rng(Config::default(), self.rng())
    }

    /// How to run the same cases again.
    fn replay(&self) -> String {
        format!(
            "AWS_AUTH_PROPTEST_SEED={} AWS_AUTH_PROPTEST_CASES={}",
            self.0,
            case_count()
        )
    }
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The same seed gives the same cases; another seed, others.
#[test]
fn a_seed_replays_the_same_cases() {
    let draw = |seed: u64| -> Vec<Case> {
        let mut runner = Seed(seed).runner();
        let strategy = case("/nonexistent/marker");
        (0..20)
            .map(|_| strategy.new_tree(&mut runner).expect("a case").current())
            .collect()
    };
    let values = |cases: Vec<Case>| -> Vec<[String; 3]> {
        cases
            .into_iter()
            .map(|c| [c.access_key_id, c.secret_access_key, c.session_token])
            .collect()
    };
    assert_eq!(values(draw(DEFAULT_SEED)), values(draw(DEFAULT_SEED)));
    assert_ne!(values(draw(DEFAULT_SEED)), values(draw(DEFAULT_SEED + 1)));
}

/// Evaluates each rendering in `shell` the way users do and returns the four variables per
/// case, or the index of the first case whose values did not come back.
struct Evaluation {
    values: Vec<[Vec<u8>; 4]>,
    run: Run,
}

/// Cases per shell process: a large run (100,000 cases) goes through several, each well
/// inside its time bound.
const BATCH: usize = 5000;

fn evaluate(sandbox: &Sandbox, shell: &str, renderings: &[String]) -> Evaluation {
    let mut values = Vec::with_capacity(renderings.len());
    let mut last = None;
    for batch in renderings.chunks(BATCH.max(1)) {
        let eval = evaluate_batch(sandbox, shell, batch);
        let complete = eval.values.len() == batch.len();
        values.extend(eval.values);
        last = Some(eval.run);
        if !complete {
            break;
        }
    }
    let run = last.unwrap_or_else(|| evaluate_batch(sandbox, shell, &[]).run);
    Evaluation { values, run }
}

fn evaluate_batch(sandbox: &Sandbox, shell: &str, renderings: &[String]) -> Evaluation {
    let dir = sandbox.path(&format!("renderings-{shell}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creating the renderings dir");
    for (i, text) in renderings.iter().enumerate() {
        std::fs::write(dir.join(i.to_string()), text).expect("writing a rendering");
    }
    let n = renderings.len();
    let script = if shell == "fish" {
        format!(
            "set -l i 0\n\
             while test $i -lt {n}\n\
                 set -e AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SESSION_EXPIRATION\n\
                 cat $RENDERINGS/$i | source\n\
                 printf '%s\\0' $i \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\" \"$AWS_SESSION_EXPIRATION\"\n\
                 set i (math $i + 1)\n\
             end\n"
        )
    } else {
        format!(
            "i=0\n\
             while [ \"$i\" -lt {n} ]; do\n\
                 unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SESSION_EXPIRATION\n\
                 eval \"$(cat \"$RENDERINGS/$i\")\"\n\
                 printf '%s\\0' \"$i\" \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\" \"$AWS_SESSION_EXPIRATION\"\n\
                 i=$((i + 1))\n\
             done\n"
        )
    };
    let run = run_limited(
        sandbox.shell(shell, &script).env("RENDERINGS", &dir),
        Duration::from_secs(120),
    );
    let fields = split_nul(&run.stdout);
    let values = fields
        .chunks(5)
        .enumerate()
        .take_while(|(i, record)| record.len() == 5 && record[0] == i.to_string().as_bytes())
        .map(|(_, record)| {
            [
                record[1].clone(),
                record[2].clone(),
                record[3].clone(),
                record[4].clone(),
            ]
        })
        .collect();
    Evaluation { values, run }
}

const NAMES: [&str; 4] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SESSION_EXPIRATION",
];

/// The first way `case` did not survive `shell`, or None.
fn mismatch(case: &Case, got: Option<&[Vec<u8>; 4]>) -> Option<String> {
    let Some(got) = got else {
        return Some("the shell stopped before printing this case (parse error?)".into());
    };
    case.values()
        .iter()
        .zip(got)
        .zip(NAMES)
        .find(|((want, got), _)| want.as_bytes() != got.as_slice())
        .map(|((want, got), name)| {
            format!(
                "{name}: expected {want:?}, got {:?}",
                String::from_utf8_lossy(got)
            )
        })
}

fn format_for(shell: &str) -> Format {
    if shell == "fish" {
        Format::Fish
    } else {
        Format::Sh
    }
}

/// Shrinks a failing case with proptest's own shrinking, one shell run per candidate.
fn shrink(
    sandbox: &Sandbox,
    shell: &str,
    tree: &mut dyn ValueTree<Value = Case>,
    marker: &Path,
) -> (Case, String) {
    let fails = |case: &Case| -> Option<String> {
        let eval = evaluate(sandbox, shell, &[case.render(format_for(shell))]);
        if marker.exists() {
            let _ = std::fs::remove_file(marker);
            return Some("the marker file was created: something in the value ran".into());
        }
        mismatch(case, eval.values.first())
    };
    let mut best = tree.current();
    let mut why = fails(&best).unwrap_or_else(|| "(did not fail again on its own)".into());
    let mut budget = 150;
    if tree.simplify() {
        while budget > 0 {
            budget -= 1;
            let candidate = tree.current();
            match fails(&candidate) {
                Some(reason) => {
                    best = candidate;
                    why = reason;
                    if !tree.simplify() {
                        break;
                    }
                }
                None => {
                    if !tree.complicate() {
                        break;
                    }
                }
            }
        }
    }
    (best, why)
}

/// The index of the rendering that creates `marker`, by bisection (one shell run per step).
fn which_ran(sandbox: &Sandbox, shell: &str, renderings: &[String], marker: &Path) -> usize {
    let (mut lo, mut hi) = (0, renderings.len());
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        evaluate(sandbox, shell, &renderings[lo..mid]);
        if marker.exists() {
            let _ = std::fs::remove_file(marker);
            hi = mid;
        } else {
            lo = mid;
        }
    }
    lo
}

/// Renders [`case_count`] random cases for `shell`, evaluates them in batches of [`BATCH`] per
/// shell process, and reports the first case that did not come back exactly (shrunk), with the
/// seed to replay it.
fn check_shell(shell: &str) {
    let sandbox = Sandbox::new();
    let marker = sandbox.path("MARKER");
    let marker_str = marker.to_str().expect("UTF-8 temp path").to_owned();
    let seed = Seed::from_env();
    let count = case_count();
    let mut runner = seed.runner();
    let strategy = case(&marker_str);
    let mut trees: Vec<_> = (0..count)
        .map(|_| strategy.new_tree(&mut runner).expect("generating a case"))
        .collect();
    let cases: Vec<Case> = trees.iter().map(|t| t.current()).collect();
    let renderings: Vec<String> = cases.iter().map(|c| c.render(format_for(shell))).collect();
    let eval = evaluate(&sandbox, shell, &renderings);
    let ran = marker.exists();
    let _ = std::fs::remove_file(&marker);

    let failing = cases
        .iter()
        .enumerate()
        .find_map(|(i, case)| mismatch(case, eval.values.get(i)).map(|why| (i, why)));
    let failing = failing.or_else(|| {
        ran.then(|| {
            (
                which_ran(&sandbox, shell, &renderings, &marker),
                "the marker file was created: something in the value ran".to_owned(),
            )
        })
    });
    if let Some((i, why)) = failing {
        let original = &cases[i];
        let (minimal, minimal_why) = shrink(&sandbox, shell, trees[i].as_mut(), &marker);
        panic!(
            "{shell}: case {i} of {count} did not survive eval: {why}\n\
             value: {original:#?}\nrendering: {:?}\n\
             shrunk to: {minimal:#?}\nits rendering: {:?}\nwhy: {minimal_why}\n\
             replay with {}\n--- shell stderr (first 2000 bytes) ---\n{}",
            original.render(format_for(shell)),
            minimal.render(format_for(shell)),
            seed.replay(),
            eval.run.stderr.chars().take(2000).collect::<String>()
        );
    }
    assert_eq!(eval.values.len(), count, "{}", eval.run.describe());
}

#[test]
fn sh_quoting_round_trips_random_values_in_bash() {
    check_shell("bash");
}

#[test]
fn sh_quoting_round_trips_random_values_in_zsh() {
    check_shell("zsh");
}

#[test]
fn sh_quoting_round_trips_random_values_in_dash() {
    check_shell("dash");
}

/// Regression: characters U+F600–U+F8FF were once written as `\uXXXX` escapes, which fish 3.6
/// rejects ("Invalid token"), so the whole output failed to load. A literal one inside single
/// quotes round-trips. See `fish_keeps_private_use_characters`.
#[test]
fn fish_quoting_round_trips_random_values() {
    check_shell("fish");
}

/// Regression: fish output holding U+F600–U+F8FF must load (see fish_quoting_round_trips...).
#[test]
fn fish_keeps_private_use_characters() {
    let sandbox = Sandbox::new();
    let cases: Vec<Case> = ['\u{F600}', '\u{F6FF}', '\u{F700}', '\u{F8FF}']
        .into_iter()
        .map(|c| Case {
            access_key_id: format!("ASIA{c}"),
            secret_access_key: format!("a'{c}'b"),
            session_token: format!("{c}\\{c}"),
        })
        .collect();
    let renderings: Vec<String> = cases.iter().map(|c| c.render(Format::Fish)).collect();
    let eval = evaluate(&sandbox, "fish", &renderings);
    for (i, case) in cases.iter().enumerate() {
        if let Some(why) = mismatch(case, eval.values.get(i)) {
            panic!(
                "fish lost {case:?}: {why}\nrendering: {:?}\n{}",
                renderings[i],
                eval.run.describe()
            );
        }
    }
}

/// Known injections never run in any shell, and come back verbatim.
#[test]
fn injection_attempts_never_run_in_any_shell() {
    let sandbox = Sandbox::new();
    let marker = sandbox.path("MARKER");
    let m = marker.to_str().expect("UTF-8 temp path");
    let payloads = [
        format!("$(touch {m})"),
        format!("`touch {m}`"),
        format!("'; touch {m}; '"),
        format!("'$(touch {m})'"),
        format!("\"; touch {m}; \""),
        format!("\\'; touch {m}; echo \\'"),
        format!("'\\''; touch {m}; '\\''"),
        format!("x'\ntouch {m}\n'"),
        format!("(touch {m})"),
        format!("\\'(touch {m})\\'"),
        format!("'; and touch {m}; or touch {m}; echo '"),
        format!("$(touch {m})\\"),
        format!("\\\\'; touch {m} #"),
        format!("{{$(touch {m})}}"),
    ];
    let cases: Vec<Case> = payloads
        .iter()
        .map(|p| Case {
            access_key_id: p.clone(),
            secret_access_key: format!("s{p}"),
            session_token: format!("{p}t"),
        })
        .collect();
    for shell in ["bash", "zsh", "dash", "fish"] {
        let renderings: Vec<String> = cases.iter().map(|c| c.render(format_for(shell))).collect();
        let eval = evaluate(&sandbox, shell, &renderings);
        assert!(
            !marker.exists(),
            "{shell}: an injected command ran\n{}",
            eval.run.describe()
        );
        for (i, case) in cases.iter().enumerate() {
            if let Some(why) = mismatch(case, eval.values.get(i)) {
                panic!(
                    "{shell}: {why}\nrendering: {:?}\n{}",
                    renderings[i],
                    eval.run.describe()
                );
            }
        }
    }
}

/// The credential_process JSON parses (strictly: Python's json rejects raw control
/// characters) to exactly the same values, with `"Version": 1` as a number.
#[test]
fn json_output_parses_to_the_same_values() {
    const CHECK: &str = r#"
import json, sys
out = sys.stdout.buffer
data = open(sys.argv[1], "rb").read()
lines = data.split(b"\n")
assert lines[-1] == b"", "output must end with a newline"
for i, line in enumerate(lines[:-1]):
    doc = json.loads(line.decode("utf-8"))
    keys = ["Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]
    assert list(doc) == keys, (i, list(doc))
    assert type(doc["Version"]) is int and doc["Version"] == 1, (i, doc["Version"])
    for key in keys[1:]:
        out.write(doc[key].encode("utf-8") + b"\0")
"#;
    let sandbox = Sandbox::new();
    let seed = Seed::from_env();
    let count = case_count();
    let mut runner = seed.runner();
    let strategy = case("/nonexistent/marker");
    let cases: Vec<Case> = (0..count)
        .map(|_| strategy.new_tree(&mut runner).expect("a case").current())
        .collect();
    let all: String = cases.iter().map(|c| c.render(Format::Json)).collect();
    for (i, case) in cases.iter().enumerate() {
        let one = case.render(Format::Json);
        assert!(
            one.ends_with('\n') && one.matches('\n').count() == 1,
            "case {i}: the JSON must be one line: {one:?}"
        );
    }
    let file = sandbox.write("renderings.jsonl", &all);
    let run = run(sandbox.command("python3").arg("-c").arg(CHECK).arg(&file));
    run.assert_success();
    let fields = split_nul(&run.stdout);
    assert_eq!(fields.len(), count * 4, "{}", run.describe());
    for (i, (case, got)) in cases.iter().zip(fields.chunks(4)).enumerate() {
        let got: [Vec<u8>; 4] = got.to_vec().try_into().expect("four fields");
        if let Some(why) = mismatch(case, Some(&got)) {
            panic!(
                "json case {i}: {why}\nvalue: {case:#?}\nrendering: {:?}\nreplay with {}",
                case.render(Format::Json),
                seed.replay()
            );
        }
    }
}
