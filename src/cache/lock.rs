//! The per-credentials lock that makes parallel callers on an empty cache share one STS call
//! and one prompt: `flock` on a file in a directory only the user can enter
//! (`$XDG_RUNTIME_DIR/aws-auth`, else `$XDG_CACHE_HOME/aws-auth/locks` or
//! `~/.cache/aws-auth/locks`: never a name in /tmp, which another user could take first).
//! The files hold nothing.

use std::fs::{DirBuilder, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{} is not a private directory of yours (it must be owned by you, not a link, and mode 0700): \
         remove it, or set XDG_RUNTIME_DIR to a directory of your own",
        .0.display()
    )]
    UnsafeDir(PathBuf),
    #[error("cannot use the lock file {}: {reason}", .path.display())]
    Io { path: PathBuf, reason: String },
    #[error(
        "another aws-auth run for the same credentials held the lock for more than {} s (is it waiting \
         for an MFA code on another terminal?)",
        .0.as_secs()
    )]
    Timeout(Duration),
}

/// Held while it lives; dropping it (closing the file) releases the lock.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// `$XDG_RUNTIME_DIR/aws-auth` when XDG_RUNTIME_DIR names an absolute path, else a
/// directory in the user's own cache directory, which no other user can create first (a
/// name in sticky /tmp can be taken by anyone, and then never removed by us); only with no
/// home directory at all, `/tmp/aws-auth-UID`.
pub fn dir() -> PathBuf {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    dir_from(
        crate::env::var("XDG_RUNTIME_DIR"),
        crate::env::var("XDG_CACHE_HOME"),
        crate::passwd::home_dir(),
        uid,
    )
}

fn dir_from(
    runtime: Option<String>,
    cache: Option<String>,
    home: Option<PathBuf>,
    uid: u32,
) -> PathBuf {
    let absolute = |dir: Option<String>| dir.map(PathBuf::from).filter(|d| d.is_absolute());
    if let Some(runtime) = absolute(runtime) {
        return runtime.join("aws-auth");
    }
    match absolute(cache).or_else(|| home.map(|h| h.join(".cache"))) {
        Some(cache) => cache.join("aws-auth").join("locks"),
        None => std::env::temp_dir().join(format!("aws-auth-{uid}")),
    }
}

/// Creates `dir` 0700 if needed and checks that it is a real directory of ours that no one
/// else can enter (in /tmp, another user could have made it first).
fn private_dir(dir: &Path) -> Result<(), LockError> {
    match DirBuilder::new().recursive(true).mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            return Err(LockError::Io {
                path: dir.to_owned(),
                reason: e.kind().to_string(),
            });
        }
    }
    let meta = std::fs::symlink_metadata(dir).map_err(|e| LockError::Io {
        path: dir.to_owned(),
        reason: e.kind().to_string(),
    })?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if !meta.file_type().is_dir() || meta.uid() != me || meta.mode() & 0o077 != 0 {
        return Err(LockError::UnsafeDir(dir.to_owned()));
    }
    Ok(())
}

/// Takes the lock named `name` in `dir`, waiting at most `limit` for another holder.
pub fn acquire(dir: &Path, name: &str, limit: Duration) -> Result<Lock, LockError> {
    private_dir(dir)?;
    let path = dir.join(format!("{name}.lock"));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&path)
        .map_err(|e| LockError::Io {
            path: path.clone(),
            reason: e.kind().to_string(),
        })?;
    let fd = file.as_raw_fd();
    // SAFETY: the descriptor is open for as long as `file` lives.
    if unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(Lock { _file: file });
    }
    let e = std::io::Error::last_os_error();
    if e.raw_os_error() != Some(libc::EWOULDBLOCK) {
        return Err(LockError::Io {
            path,
            reason: e.kind().to_string(),
        });
    }
    // Held: wait in a blocking flock, so we wake the moment it is released, but no longer
    // than `limit`. On time-out the waiting thread keeps the file; when it gets the lock its
    // send fails, the file drops and the lock is released again.
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(flock_blocking(file));
    });
    match result.recv_timeout(limit) {
        Ok(Ok(file)) => Ok(Lock { _file: file }),
        Ok(Err(e)) => Err(LockError::Io {
            path,
            reason: e.kind().to_string(),
        }),
        Err(_) => Err(LockError::Timeout(limit)),
    }
}

/// Waits for the exclusive lock on `file` and hands it back.
fn flock_blocking(file: File) -> std::io::Result<File> {
    loop {
        // SAFETY: the descriptor is open for as long as `file` lives.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(file);
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    use std::time::Instant;

    #[test]
    fn a_second_holder_waits_then_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let locks = dir.path().join("aws-auth");
        let held = acquire(&locks, "k", Duration::from_secs(1)).unwrap();
        let start = Instant::now();
        let err = acquire(&locks, "k", Duration::from_millis(200)).unwrap_err();
        assert!(matches!(err, LockError::Timeout(_)), "{err}");
        assert!(start.elapsed() >= Duration::from_millis(200));
        // Another name is another lock.
        acquire(&locks, "other", Duration::from_millis(10)).unwrap();
        // A waiter gets the lock as soon as the holder lets go, not after a poll interval.
        let waiter = {
            let locks = locks.clone();
            std::thread::spawn(move || {
                let lock = acquire(&locks, "k", Duration::from_secs(10));
                (lock.is_ok(), Instant::now())
            })
        };
        std::thread::sleep(Duration::from_millis(100));
        let released = Instant::now();
        drop(held);
        let (got, at) = waiter.join().unwrap();
        assert!(got);
        assert!(at.duration_since(released) < Duration::from_millis(40));
        let mode = std::fs::metadata(&locks).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    /// Regression (second review, item 5): without XDG_RUNTIME_DIR the locks went to
    /// /tmp/aws-auth-UID, which another user could create first, turning the lock off.
    #[test]
    fn locks_go_to_the_runtime_dir_else_the_user_s_cache_never_a_tmp_name_with_a_home() {
        let home = || Some(PathBuf::from("/home/alice"));
        assert_eq!(
            dir_from(Some("/run/user/1000".into()), None, home(), 1000),
            Path::new("/run/user/1000/aws-auth")
        );
        let cache = Path::new("/home/alice/.cache/aws-auth/locks");
        assert_eq!(dir_from(None, None, home(), 1000), cache);
        assert_eq!(
            dir_from(Some("relative/run".into()), None, home(), 1000),
            cache
        );
        assert_eq!(
            dir_from(None, Some("/var/cache/alice".into()), home(), 1000),
            Path::new("/var/cache/alice/aws-auth/locks")
        );
        assert_eq!(dir_from(None, Some("rel".into()), home(), 1000), cache);
        let tmp = std::env::temp_dir().join("aws-auth-1000");
        assert_eq!(dir_from(None, None, None, 1000), tmp);
    }

    #[test]
    fn a_lock_file_that_is_a_link_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let locks = dir.path().join("aws-auth");
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&locks)
            .unwrap();
        let target = dir.path().join("elsewhere");
        std::os::unix::fs::symlink(&target, locks.join("k.lock")).unwrap();
        let err = acquire(&locks, "k", Duration::from_millis(10)).unwrap_err();
        assert!(matches!(err, LockError::Io { .. }), "{err}");
        assert!(!target.exists(), "the link was followed");
    }

    #[test]
    fn a_file_where_the_directory_should_be_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let locks = dir.path().join("aws-auth");
        std::fs::write(&locks, "").unwrap();
        std::fs::set_permissions(&locks, std::fs::Permissions::from_mode(0o600)).unwrap();
        let err = acquire(&locks, "k", Duration::from_millis(10)).unwrap_err();
        assert!(matches!(err, LockError::UnsafeDir(_)), "{err}");
    }

    #[test]
    fn a_directory_others_can_enter_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let locks = dir.path().join("aws-auth");
        std::fs::create_dir(&locks).unwrap();
        std::fs::set_permissions(&locks, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = acquire(&locks, "k", Duration::from_millis(10)).unwrap_err();
        assert!(matches!(err, LockError::UnsafeDir(_)), "{err}");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap();
        let err = acquire(&link, "k", Duration::from_millis(10)).unwrap_err();
        assert!(matches!(err, LockError::UnsafeDir(_)), "{err}");
    }
}
