//! Reading a file that decides what aws-auth runs or trusts (profiles.toml, a backend file
//! and its directory, `AWS_CA_BUNDLE`): a regular file only, of bounded size, opened without
//! blocking (a FIFO cannot hang a run, /dev/zero cannot fill memory), and, as ssh does, only
//! when no one but the user (or root) could have written it; and replacing such a file
//! atomically. Not a general file reader.

use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{} does not exist", .0.display())]
    Missing(PathBuf),
    #[error("cannot read {}: {reason}", .path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("{} is {kind}, not a regular file: point aws-auth at a regular file", .path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("{} is larger than {limit} bytes, so it is not what aws-auth expects there", .path.display())]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{} {problem}, so someone else could have changed what aws-auth runs or trusts; refusing it. Fix: {fix}", .path.display())]
    Unsafe {
        path: PathBuf,
        problem: String,
        fix: String,
    },
}

/// Who may have written a file we trust: the user, root, and the user's private group.
#[derive(Clone, Copy, Debug)]
pub struct Owner {
    pub uid: u32,
    /// The user's primary group: it may write too when it is a user-private group (the
    /// Debian/Ubuntu scheme, where umask 002 makes every file group-writable).
    pub gid: u32,
    /// Whether `gid` is such a private group; asked only for a group-writable file.
    pub gid_is_private: fn(u32) -> bool,
}

impl Owner {
    /// The user aws-auth runs as.
    pub fn current() -> Owner {
        // SAFETY: both calls only read the process's ids.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        Owner {
            uid,
            gid,
            gid_is_private: private_group,
        }
    }
}

/// Whether `gid` is the current user's private group: named as the user, and no one else
/// listed as a member.
fn private_group(gid: u32) -> bool {
    let Some((user, _)) = crate::passwd::current() else {
        return false;
    };
    let Some((name, members)) = group_of(gid) else {
        return false;
    };
    private_to(&user, &name, &members)
}

/// A group named `name` with `members` is `user`'s alone.
fn private_to(user: &str, name: &str, members: &[String]) -> bool {
    name == user && members.iter().all(|m| m == user)
}

/// The name and listed members of group `gid`, from the group database.
fn group_of(gid: u32) -> Option<(String, Vec<String>)> {
    let mut buf = vec![0u8; 16 * 1024];
    // SAFETY: an all-zero `group` is a valid out-parameter for getgrgid_r.
    let mut group: libc::group = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::group = std::ptr::null_mut();
    // SAFETY: getgrgid_r writes into `group` and `buf`, which outlive the call; `found` is
    // set to `&group` or null.
    let rc = unsafe {
        libc::getgrgid_r(
            gid,
            &mut group,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut found,
        )
    };
    if rc != 0 || found.is_null() {
        return None;
    }
    // SAFETY: on success the strings point into `buf`, NUL-terminated; gr_mem is a
    // NULL-terminated array of such strings.
    unsafe {
        let name = std::ffi::CStr::from_ptr(group.gr_name)
            .to_string_lossy()
            .into_owned();
        let mut members = Vec::new();
        let mut member = group.gr_mem;
        while !member.is_null() && !(*member).is_null() {
            members.push(
                std::ffi::CStr::from_ptr(*member)
                    .to_string_lossy()
                    .into_owned(),
            );
            member = member.add(1);
        }
        Some((name, members))
    }
}

/// Why a file or directory with these owner ids and mode cannot be trusted, if it cannot.
pub fn problem(uid: u32, gid: u32, mode: u32, directory: bool, owner: Owner) -> Option<String> {
    if uid != owner.uid && uid != 0 {
        return Some(format!(
            "belongs to another user (uid {uid}), not to you or root"
        ));
    }
    // A sticky directory (/tmp) lets no one but a file's owner rename or remove it.
    if directory && mode & 0o1000 != 0 {
        return None;
    }
    if mode & 0o002 != 0 {
        return Some("is writable by every user".into());
    }
    if mode & 0o020 != 0 && !(gid == owner.gid && (owner.gid_is_private)(gid)) {
        return Some(format!("is writable by its group (gid {gid})"));
    }
    None
}

fn fix_for(path: &Path, uid: u32, owner: Owner) -> String {
    if uid != owner.uid && uid != 0 {
        format!(
            "make it yours: `chown {} {}` (as root), or use a copy of your own",
            owner.uid,
            shown(path)
        )
    } else {
        format!("`chmod go-w {}`", shown(path))
    }
}

fn shown(path: &Path) -> String {
    let text = path.display().to_string();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+~".contains(c))
    {
        text
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// Checks that `dir` (a directory aws-auth reads trusted files from) is safe.
pub fn check_dir(dir: &Path) -> Result<(), FileError> {
    let meta = std::fs::metadata(dir).map_err(|e| unreadable(dir, &e))?;
    trust(dir, &meta, true)
}

fn trust(path: &Path, meta: &std::fs::Metadata, directory: bool) -> Result<(), FileError> {
    let owner = Owner::current();
    match problem(
        meta.uid(),
        meta.gid(),
        meta.permissions().mode(),
        directory,
        owner,
    ) {
        None => Ok(()),
        Some(problem) => Err(FileError::Unsafe {
            path: path.to_owned(),
            problem,
            fix: fix_for(path, meta.uid(), owner),
        }),
    }
}

/// The directory a file sits in, as given and, when the path is a link, where it leads.
fn parents(path: &Path) -> Vec<PathBuf> {
    let parent = |p: &Path| match p.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut dirs = vec![parent(path)];
    if let Ok(real) = std::fs::canonicalize(path) {
        let real_parent = parent(&real);
        if !dirs.contains(&real_parent) {
            dirs.push(real_parent);
        }
    }
    dirs
}

fn unreadable(path: &Path, e: &std::io::Error) -> FileError {
    if e.kind() == std::io::ErrorKind::NotFound {
        FileError::Missing(path.to_owned())
    } else {
        FileError::Unreadable {
            path: path.to_owned(),
            reason: e.kind().to_string(),
        }
    }
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a plain file"
    }
}

/// What to check besides the file's type and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// The file and its directory must be safe from other users (`problem`).
    Owner,
    /// Type and size only.
    TypeAndSize,
}

/// Reads `path` whole, at most `limit` bytes, into a zeroizing buffer.
pub fn read(path: &Path, limit: u64, check: Check) -> Result<Zeroizing<Vec<u8>>, FileError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        // A FIFO opens at once instead of waiting for a writer; no terminal becomes ours.
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| unreadable(path, &e))?;
    let meta = file.metadata().map_err(|e| unreadable(path, &e))?;
    if !meta.file_type().is_file() {
        return Err(FileError::NotRegular {
            path: path.to_owned(),
            kind: kind_of(&meta),
        });
    }
    if meta.len() > limit {
        return Err(FileError::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    if check == Check::Owner {
        trust(path, &meta, false)?;
        for dir in parents(path) {
            check_dir(&dir)?;
        }
    }
    let mut buf = Zeroizing::new(Vec::with_capacity(meta.len() as usize + 1));
    // The size may change under us: never read more than the limit.
    (&file)
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| unreadable(path, &e))?;
    if buf.len() as u64 > limit {
        return Err(FileError::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    Ok(buf)
}

/// Replaces the file `path` leads to (a link stays a link) with `bytes`, atomically: a
/// temporary file beside it with exactly `mode` (not cut by the umask), synced, renamed over
/// it. On failure the temporary file is removed and the old file is as it was.
pub fn replace(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::io::Write;
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let dir = real
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = real
        .file_name()
        .map_or("file".into(), |n| n.to_string_lossy());
    let temp = dir.join(format!(".{name}.aws-auth-{}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&temp)
        .and_then(|mut file| {
            file.set_permissions(std::fs::Permissions::from_mode(mode))?;
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, &real));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// `read`, as UTF-8 text.
pub fn read_text(path: &Path, limit: u64, check: Check) -> Result<Zeroizing<String>, FileError> {
    let mut bytes = read(path, limit, check)?;
    match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(e) => {
            // Zeroize what was read before reporting.
            drop(Zeroizing::new(e.into_bytes()));
            Err(FileError::Unreadable {
                path: path.to_owned(),
                reason: "it is not UTF-8 text".into(),
            })
        }
    }
}

#[cfg(test)]
mod tests;
