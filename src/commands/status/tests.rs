use super::*;

const NOW: i64 = 1_795_550_400; // 2026-11-24T20:00:00Z

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

fn keys(expiration: &str, profile: Option<&str>) -> State {
    let mut pairs = vec![
        ("AWS_ACCESS_KEY_ID", "ASIAX"),
        ("AWS_SESSION_EXPIRATION", expiration),
    ];
    if let Some(profile) = profile {
        pairs.push(("AWS_AUTH_PROFILE", profile));
    }
    State::read(env(&pairs), NOW, |_| true)
}

#[test]
fn keys_show_the_time_left_and_expired_ones_how_long_ago() {
    let live = keys("2026-11-24T22:05:00Z", Some("work"));
    assert!(live.usable());
    assert_eq!(live.text().unwrap(), "work: 2h 05m left");
    assert_eq!(
        live.json(),
        "{\"active\": true, \"profile\": \"work\", \"mode\": \"keys\", \"expiration\": \
         \"2026-11-24T22:05:00Z\", \"seconds_left\": 7500, \"server_pid\": null}\n"
    );
    assert_eq!(
        keys("2026-11-24T20:42:00Z", None).text().unwrap(),
        "aws-auth: 42m left"
    );
    assert_eq!(
        keys("2026-11-24T20:00:59Z", Some("w")).text().unwrap(),
        "w: 59s left"
    );
    let expired = keys("2026-11-24T19:57:00Z", Some("work"));
    assert!(!expired.usable());
    assert_eq!(expired.text().unwrap(), "work: expired 3m ago");
    // The very second of expiry is expired.
    assert!(!keys("2026-11-24T20:00:00Z", Some("work")).usable());
}

#[test]
fn nothing_is_nothing_whatever_else_is_set() {
    for pairs in [
        &[][..],
        &[("AWS_ACCESS_KEY_ID", "AKIAPERMANENT")][..],
        &[("AWS_SESSION_EXPIRATION", "2026-11-24T22:00:00Z")][..],
        &[
            ("AWS_ACCESS_KEY_ID", "ASIAX"),
            ("AWS_SESSION_EXPIRATION", "tomorrow"),
        ][..],
        &[("AWS_AUTH_SERVER_PID", "42")][..],
    ] {
        let state = State::read(env(pairs), NOW, |_| true);
        assert_eq!(state, State::Nothing, "{pairs:?}");
        assert!(!state.usable());
        assert_eq!(state.text(), None);
        assert_eq!(
            state.json(),
            "{\"active\": false, \"profile\": null, \"mode\": null, \"expiration\": null, \
             \"seconds_left\": null, \"server_pid\": null}\n"
        );
    }
}

#[test]
fn a_served_endpoint_is_usable_while_its_server_runs() {
    let pairs = [
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/"),
        ("AWS_AUTH_SERVER_PID", "4242"),
        ("AWS_AUTH_PROFILE", "work"),
    ];
    let running = State::read(env(&pairs), NOW, |pid| pid == 4242);
    assert!(running.usable());
    assert_eq!(running.text().unwrap(), "work: served (pid 4242)");
    assert!(running.json().contains("\"mode\": \"serve\""));
    assert!(running.json().contains("\"server_pid\": 4242}"));
    let stopped = State::read(env(&pairs), NOW, |_| false);
    assert!(!stopped.usable());
    assert_eq!(
        stopped.text().unwrap(),
        "work: the server (pid 4242) has stopped"
    );
}

#[test]
fn a_profile_name_with_control_characters_is_shown_escaped() {
    let state = keys("2026-11-24T22:05:00Z", Some("evil\u{1b}]0;x\u{7}"));
    let text = state.text().unwrap();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(!state.json().contains('\u{1b}'));
}
