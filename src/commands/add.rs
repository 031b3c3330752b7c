//! `aws-auth add`: asks for a profile's keys (the secret hidden at a terminal, or two lines
//! of stdin) and stores them with the profile (`new_profile`).

use super::new_profile::store;
use crate::cli::AddArgs;
use crate::error::Error;
use crate::secrets::tty;
use secrecy::{ExposeSecret, SecretString};
use std::io::IsTerminal;
use zeroize::Zeroizing;

pub fn run(args: AddArgs) -> Result<Zeroizing<String>, Error> {
    let stored = store(args.keys, read_keys)?;
    crate::say!(
        "aws-auth: try it: eval \"$(aws-auth --profile {})\"",
        stored.name
    );
    Ok(Zeroizing::new(String::new()))
}

/// From the terminal when stdin is one, else two lines of stdin.
fn read_keys() -> Result<(String, SecretString), Error> {
    let (access_key_id, secret) = if std::io::stdin().is_terminal() {
        let hint = "Pipe the access key id and the secret access key on two lines of stdin";
        let id = tty::ask_line("AWS access key id: ", "the access key id", hint)?;
        // Checked before the secret is asked: the id's prompt echoes, so a secret typed or
        // pasted there is on the screen, and the sooner that is said the better.
        super::new_profile::check_key_id(id.expose_secret().trim()).map_err(|e| match e {
            Error::Usage(why) => Error::Usage(format!(
                "{why}; nothing was stored. If what you typed there was the secret access key, it is \
                 on your screen (the id's prompt echoes): clear it (`clear`) before you go on"
            )),
            other => other,
        })?;
        let secret = tty::ask_hidden("AWS secret access key: ", "the secret access key", hint)?;
        (id.expose_secret().trim().to_owned(), secret)
    } else {
        let input = crate::secrets::stdin::read_lines(2)?;
        let text = std::str::from_utf8(&input)
            .map_err(|_| Error::Usage("stdin is not UTF-8 text".into()))?;
        let mut lines = text.lines();
        let id = lines.next().unwrap_or_default().trim().to_owned();
        let secret = SecretString::from(lines.next().unwrap_or_default().trim());
        (id, secret)
    };
    Ok((access_key_id, secret))
}
