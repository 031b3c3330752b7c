//! Reading a passage entry as `passage show` does, without passage: passage is pass's bash
//! script on age, and `show` is `$PASSAGE_AGE -d -i $PASSAGE_IDENTITIES_FILE ENTRY.age`.
//! Running that one age command needs only age (packaged everywhere), so a headless machine
//! reads its keys without passage installed; passage itself is needed only to write.
//! When the entry file is not there (a typo, a folder) or the path is sneaky, it answers
//! `None` and `passage show` runs, whose words the backend's error classes know (without
//! passage installed, a missing entry file is said to be missing).

use super::spec::Spec;
use super::{FetchErrorKind, classify};
use crate::secrets::process::{self, RunError};
use secrecy::SecretString;
use std::io::Read;
use std::path::Path;
use std::time::Duration;
use zeroize::Zeroizing;

/// The entry's decrypted text, or `None` when `passage show` must run instead.
pub fn read(
    spec: &Spec,
    entry: &str,
    home: Option<&Path>,
    limit: Duration,
) -> Option<Result<SecretString, FetchErrorKind>> {
    if entry.split('/').any(|part| part == "..") {
        return None;
    }
    let file = spec.entry_path(entry, home)?;
    if !file.is_file() {
        // Without passage (reading needs only age), say it here rather than "not installed".
        if process::find_program(&spec.program).is_none() {
            return Some(Err(FetchErrorKind::NotFound(format!(
                "{entry} is not in the passage store ({} does not exist)",
                file.display()
            ))));
        }
        return None;
    }
    let age = spec
        .setting("PASSAGE_AGE", home)
        .unwrap_or_else(|| "age".to_owned());
    let identities = spec.setting("PASSAGE_IDENTITIES_FILE", home)?;
    if !Path::new(&identities).is_file() {
        return Some(Err(FetchErrorKind::NotSignedIn(format!(
            "{entry} is an age file, and there is no identities file to decrypt it with at {identities} \
             (set PASSAGE_IDENTITIES_FILE, or create one: age-keygen -o {identities})"
        ))));
    }
    // age asks for such a file's passphrase on /dev/tty itself; from the process group a
    // password manager runs in it could only be stopped by the terminal, so say it first.
    if passphrase_protected(Path::new(&identities)) {
        return Some(Err(FetchErrorKind::NotSignedIn(format!(
            "the age identities file {identities} is protected by a passphrase, which aws-auth cannot let age \
             ask for; keep the identity in a file of its own that is not (chmod 600, on an encrypted disk), \
             and point PASSAGE_IDENTITIES_FILE at it"
        ))));
    }
    let args = vec![
        "-d".to_owned(),
        "-i".to_owned(),
        identities,
        file.to_string_lossy().into_owned(),
    ];
    Some(match process::run(&age, &args, None, limit) {
        // From the zeroizing buffer straight into the secret: no intermediate copy.
        Ok(done) if done.code == Some(0) => match std::str::from_utf8(&done.stdout) {
            // An empty entry is told by the field read from it (line 1 empty: Empty).
            Ok(text) => Ok(SecretString::from(text)),
            Err(_) => Err(FetchErrorKind::Failed(format!(
                "{entry} decrypts to something that is not UTF-8 text"
            ))),
        },
        // age quotes the start of a file it cannot parse ("unexpected intro: ..."): a plain
        // text file there would put its text in the message. Only what age says of the
        // identities is shown; anything else is named, not quoted.
        Ok(mut done) if done.stderr.contains("no identity matched") => {
            done.stderr = "age: no identity matched any of the recipients".into();
            Err(classify(spec, &age, entry, None, &done))
        }
        Ok(done) => Err(FetchErrorKind::Failed(format!(
            "age could not decrypt {} with the identities in {} (exit code {}); try `age -d -i {} {} >/dev/null` \
             to see why",
            file.display(),
            args[2],
            done.code.map_or("none".to_owned(), |c| c.to_string()),
            args[2],
            file.display()
        ))),
        Err(RunError::NotInstalled { program }) => Err(FetchErrorKind::NotInstalled {
            program,
            install: Some("sudo apt-get install age".into()),
        }),
        Err(RunError::Timeout { limit, .. }) => Err(FetchErrorKind::Timeout(limit)),
        Err(other) => Err(FetchErrorKind::Failed(other.to_string())),
    })
}

/// An identities file that is itself age-encrypted (age asks for its passphrase on the
/// terminal). Only the header is read, into a buffer wiped after.
fn passphrase_protected(identities: &Path) -> bool {
    const ARMORED: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";
    const BINARY: &[u8] = b"age-encryption.org/";
    let mut head = Zeroizing::new([0u8; ARMORED.len()]);
    let Ok(file) = std::fs::File::open(identities) else {
        return false;
    };
    let mut got = 0;
    let mut file = file.take(ARMORED.len() as u64);
    while let Ok(n) = file.read(&mut head[got..]) {
        if n == 0 {
            break;
        }
        got += n;
    }
    head[..got].starts_with(ARMORED) || head[..got].starts_with(BINARY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_encrypted_identities_file_is_told_from_a_plain_one() {
        let dir = std::env::temp_dir().join(format!("aws-auth-age-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases: [(&[u8], bool); 5] = [
            (b"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n", true),
            (b"age-encryption.org/v1\n-> scrypt x 18\n", true),
            (b"# created: 2026-12-03\nAGE-SECRET-KEY-1QQQ\n", false),
            (b"AGE-SECRET-KEY-1QQQ\n", false),
            (b"", false),
        ];
        for (i, (text, protected)) in cases.iter().enumerate() {
            let path = dir.join(format!("ids{i}"));
            std::fs::write(&path, text).unwrap();
            assert_eq!(passphrase_protected(&path), *protected, "{i}");
        }
        assert!(!passphrase_protected(&dir.join("none")));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
