//! What every target checks of an error message made from fuzzed input.

/// Nothing of the input that could be a secret comes back in `message`: no run of 12 or
/// more characters of the input that holds an upper-case letter and a digit (an AWS secret
/// key, a token, a seed always does; key names and the parser's words never do).
pub fn assert_no_echo(input: &str, message: &str) {
    let chars: Vec<char> = input.chars().collect();
    for window in chars.windows(12) {
        let piece: String = window.iter().collect();
        let secretish = window.iter().any(|c| c.is_ascii_uppercase())
            && window.iter().any(|c| c.is_ascii_digit());
        if secretish && message.contains(&piece) {
            panic!("the error echoes the input {piece:?}: {message}");
        }
    }
}

/// No raw control character reaches the terminal through this message once escaped.
pub fn assert_printable(message: &str) {
    let shown = aws_auth::report::escape(message);
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
}
