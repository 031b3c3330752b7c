use super::*;

const URL: &str = "https://signin.example/federation?Action=login&SigninToken=secret";

/// A connected client that has sent `request` (maybe only part of one).
fn client(page: &str, request: &str) -> TcpStream {
    let address = page
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap();
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    stream
}

/// Everything the server sent before closing, or what came within `limit`.
fn response(mut stream: TcpStream, limit: Duration) -> String {
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn nonce_of(page: &str) -> String {
    page.rsplit('/').next().unwrap().to_owned()
}

/// Regression (second review, item 2): connections were read one after another, 5 s each,
/// so idle ones ahead of the browser's held it up (past the deadline with enough of them).
#[test]
fn idle_connections_do_not_hold_up_the_browser() {
    let redirect = Redirect::listen().unwrap();
    let page = redirect.page();
    let url = Zeroizing::new(URL.to_owned());
    let server =
        std::thread::spawn(move || redirect.serve(&url, Duration::from_secs(30), || Ok(())));
    let idle: Vec<TcpStream> = (0..4).map(|_| client(&page, "GET /")).collect();
    std::thread::sleep(Duration::from_millis(100));
    let nonce = nonce_of(&page);
    let browser = client(&page, &format!("GET /{nonce} HTTP/1.1\r\nHost: x\r\n\r\n"));
    let answer = response(browser, Duration::from_secs(3));
    assert!(answer.starts_with("HTTP/1.1 302 Found\r\n"), "{answer:?}");
    assert!(
        answer.contains(&format!("\r\nLocation: {URL}\r\n")),
        "{answer:?}"
    );
    assert!(
        answer.contains("\r\nReferrer-Policy: no-referrer\r\n"),
        "{answer:?}"
    );
    assert_eq!(server.join().unwrap(), Ok(()));
    drop(idle);
}

/// A connection that trickles a request ends at the deadline, not at its own read timeout.
#[test]
fn the_deadline_holds_while_a_connection_trickles() {
    let redirect = Redirect::listen().unwrap();
    let page = redirect.page();
    let url = Zeroizing::new(URL.to_owned());
    let started = Instant::now();
    let server =
        std::thread::spawn(move || redirect.serve(&url, Duration::from_secs(1), || Ok(())));
    let _slow = client(&page, "G");
    let outcome = server.join().unwrap();
    assert!(
        started.elapsed() < REQUEST_WAIT - Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let error = outcome.unwrap_err();
    assert!(
        error.starts_with("no browser asked for the sign-in page within 1 s;")
            && error.contains("aws-auth login --print"),
        "{error}"
    );
}

#[test]
fn the_opener_s_failure_ends_the_wait() {
    let redirect = Redirect::listen().unwrap();
    let url = Zeroizing::new(URL.to_owned());
    let outcome = redirect.serve(&url, Duration::from_secs(30), || Err("no browser".into()));
    assert_eq!(outcome, Err("no browser".to_owned()));
}

/// The nonce's page redirects once; anything else, and the nonce again, gets a 404 that
/// says nothing.
#[test]
fn the_redirect_is_given_once_and_only_for_the_nonce() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let page = format!("http://{}/n0nce", listener.local_addr().unwrap());
    let shared = Shared {
        nonce: "n0nce".into(),
        url: Zeroizing::new(URL.to_owned()),
        given: AtomicBool::new(false),
        open: AtomicUsize::new(0),
        deadline: Instant::now() + Duration::from_secs(30),
    };
    let mut outcomes = Vec::new();
    for request in [
        "GET /other HTTP/1.1\r\n\r\n",
        "POST /n0nce HTTP/1.1\r\n\r\n",
        "GET /n0nce HTTP/1.1\r\n\r\n",
        "GET /n0nce HTTP/1.1\r\n\r\n",
    ] {
        let stream = client(&page, request);
        let (accepted, _) = listener.accept().unwrap();
        let redirected = answer(accepted, &shared);
        let text = response(stream, Duration::from_secs(3));
        outcomes.push((
            redirected,
            text.lines().next().unwrap_or_default().to_owned(),
        ));
        assert_eq!(text.contains(URL), redirected, "{text:?}");
    }
    let said: Vec<(bool, &str)> = outcomes.iter().map(|(r, l)| (*r, l.as_str())).collect();
    assert_eq!(
        said,
        [
            (false, "HTTP/1.1 404 Not Found"),
            (false, "HTTP/1.1 404 Not Found"),
            (true, "HTTP/1.1 302 Found"),
            (false, "HTTP/1.1 404 Not Found"),
        ]
    );
}

/// Past MAX_OPEN connections being answered, a new one is closed unread (each of those
/// ends within REQUEST_WAIT, so the page is reachable again by then).
#[test]
fn past_the_open_connections_cap_a_new_one_is_closed_unread() {
    let redirect = Redirect::listen().unwrap();
    let page = redirect.page();
    let url = Zeroizing::new(URL.to_owned());
    std::thread::spawn(move || redirect.serve(&url, Duration::from_secs(30), || Ok(())));
    let held: Vec<TcpStream> = (0..MAX_OPEN).map(|_| client(&page, "G")).collect();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let extra = client(&page, "GET /");
    assert_eq!(response(extra, Duration::from_secs(3)), "");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "closed, not timed out"
    );
    drop(held);
}
