//! The current user from the password database, for when the environment says nothing
//! (cron may set neither USER nor HOME).

use std::ffi::CStr;
use std::path::PathBuf;

/// The login name and home directory of the current uid (getpwuid_r).
pub fn current() -> Option<(String, PathBuf)> {
    // SAFETY: getpwuid_r writes only into `pwd` and `buf`, which we own; the pointers it
    // leaves in `pwd` point into `buf`, which outlives the copies made below.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 16 * 1024];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(
            libc::getuid(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        );
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() || pwd.pw_dir.is_null() {
            return None;
        }
        let name = CStr::from_ptr(pwd.pw_name).to_string_lossy().into_owned();
        let home = PathBuf::from(CStr::from_ptr(pwd.pw_dir).to_string_lossy().into_owned());
        Some((name, home))
    }
}

/// `$HOME`, else the home directory from the password database.
pub fn home_dir() -> Option<PathBuf> {
    crate::env::var("HOME")
        .map(PathBuf::from)
        .or_else(|| current().map(|(_, home)| home))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_password_database_knows_this_process() {
        let (name, home) = super::current().unwrap();
        assert!(!name.is_empty());
        assert!(home.is_absolute());
    }
}
