//! Secrets piped to aws-auth (`add`'s keys, `configure --totp`'s seed): the first lines of
//! stdin, read with read(2) straight into a zeroizing buffer. std's stdin would keep a copy
//! of the secret in its 8 KiB buffer until the process ends.

use crate::error::Error;
use zeroize::Zeroizing;

/// The most read: far more than two keys or an otpauth URI.
const MAX: usize = 4096;

/// Stdin up to its `lines`-th newline (or its end, or `MAX` bytes).
pub fn read_lines(lines: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut input = Zeroizing::new(vec![0u8; MAX]);
    let mut len = 0;
    while len < MAX && input[..len].iter().filter(|&&b| b == b'\n').count() < lines {
        // SAFETY: reads into the unused tail of a buffer we own.
        let n = unsafe {
            libc::read(
                libc::STDIN_FILENO,
                input[len..].as_mut_ptr().cast(),
                MAX - len,
            )
        };
        match n {
            0 => break,
            n if n > 0 => len += n as usize,
            _ => {
                let e = std::io::Error::last_os_error();
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return Err(Error::io("reading stdin", e.kind()));
                }
            }
        }
    }
    input.truncate(len);
    Ok(input)
}
