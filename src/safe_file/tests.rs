//! Unit tests of `safe_file`.

use super::*;

const ME: Owner = Owner {
    uid: 1000,
    gid: 1000,
    gid_is_private: |_| true,
};
const SHARED: Owner = Owner {
    uid: 1000,
    gid: 1000,
    gid_is_private: |_| false,
};

#[test]
fn who_may_have_written_a_trusted_file() {
    assert_eq!(problem(1000, 1000, 0o100600, false, ME), None);
    assert_eq!(problem(1000, 1000, 0o100644, false, ME), None);
    assert_eq!(problem(0, 0, 0o100644, false, ME), None, "root's file");
    assert!(
        problem(1001, 1000, 0o100600, false, ME)
            .unwrap()
            .contains("another user")
    );
    assert!(
        problem(1000, 1000, 0o100646, false, ME)
            .unwrap()
            .contains("every user")
    );
    assert!(problem(1000, 1000, 0o100602, false, ME).is_some());
    // The user-private group may write; a shared group may not.
    assert_eq!(problem(1000, 1000, 0o100664, false, ME), None);
    assert!(
        problem(1000, 100, 0o100664, false, ME)
            .unwrap()
            .contains("group")
    );
    assert!(problem(1000, 1000, 0o100664, false, SHARED).is_some());
    assert!(problem(1000, 1000, 0o100620, false, SHARED).is_some());
    // A sticky directory (/tmp) is fine, a plain world-writable one is not; a sticky
    // bit on a file means nothing.
    assert_eq!(problem(0, 0, 0o041777, true, ME), None);
    assert!(problem(0, 0, 0o040777, true, ME).is_some());
    assert!(problem(1000, 1000, 0o101666, false, ME).is_some());
    assert!(problem(1001, 1000, 0o041777, true, ME).is_some());
}

#[test]
fn roots_group_is_private_to_root_and_a_shared_group_is_not() {
    // On every Debian/Ubuntu system group 0 is "root" with no listed members; the tests
    // run as root in CI, as a user elsewhere: either way, a group that is not the
    // user's own primary group never counts.
    if unsafe { libc::getuid() } == 0 {
        assert!(private_group(0));
    }
    assert!(!private_group(u32::MAX - 7));
    assert_eq!(group_of(0).map(|(name, _)| name).as_deref(), Some("root"));
}

#[test]
fn a_group_is_the_user_s_alone_only_if_named_so_with_no_other_member() {
    let own = |m: &[&str]| m.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(private_to("alice", "alice", &own(&[])));
    assert!(private_to("alice", "alice", &own(&["alice"])));
    assert!(!private_to("alice", "alice", &own(&["alice", "bob"])));
    assert!(!private_to("alice", "staff", &own(&[])));
    assert!(!private_to("alice", "bob", &own(&["alice"])));
}

/// group_of agrees with /etc/group on every group it lists: name and members.
#[test]
fn the_group_database_is_read_as_etc_group_says() {
    let text = std::fs::read_to_string("/etc/group").unwrap();
    let mut checked = 0;
    for line in text.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        let [name, _, gid, members] = fields[..] else {
            continue;
        };
        let Ok(gid) = gid.parse::<u32>() else {
            continue;
        };
        let members: Vec<String> = members
            .split(',')
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect();
        assert_eq!(group_of(gid), Some((name.to_owned(), members)), "{line}");
        checked += 1;
    }
    assert!(checked > 0);
    assert_eq!(group_of(u32::MAX - 7), None);
}

/// Only a group named as the user, with no other member, is private: a shared group with
/// no listed members (nogroup) is not, nor one the user is not named after.
#[test]
fn a_group_is_private_only_when_named_as_the_user() {
    let (user, _) = crate::passwd::current().unwrap();
    let text = std::fs::read_to_string("/etc/group").unwrap();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        let [name, _, gid, members] = fields[..] else {
            continue;
        };
        let Ok(gid) = gid.parse::<u32>() else {
            continue;
        };
        let alone = members.split(',').all(|m| m.is_empty() || m == user);
        assert_eq!(private_group(gid), name == user && alone, "{line}");
    }
}

#[test]
fn the_fix_names_the_file_and_the_command() {
    let fix = fix_for(Path::new("/home/a/p.toml"), 1000, ME);
    assert_eq!(fix, "`chmod go-w /home/a/p.toml`");
    let fix = fix_for(Path::new("/x/it's.toml"), 1000, ME);
    assert_eq!(fix, "`chmod go-w '/x/it'\\''s.toml'`");
    assert!(fix_for(Path::new("/p"), 1001, ME).contains("chown 1000 /p"));
}

#[test]
fn only_regular_files_of_bounded_size_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, "0123456789").unwrap();
    assert_eq!(&read(&path, 10, Check::Owner).unwrap()[..], b"0123456789");
    assert!(matches!(
        read(&path, 9, Check::Owner),
        Err(FileError::TooLarge { limit: 9, .. })
    ));
    assert!(matches!(
        read(Path::new("/dev/zero"), 100, Check::TypeAndSize),
        Err(FileError::NotRegular {
            kind: "a character device",
            ..
        })
    ));
    assert!(matches!(
        read(dir.path(), 100, Check::TypeAndSize),
        Err(FileError::NotRegular {
            kind: "a directory",
            ..
        })
    ));
    assert!(matches!(
        read(&dir.path().join("none"), 100, Check::Owner),
        Err(FileError::Missing(_))
    ));
    let fifo = dir.path().join("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let start = std::time::Instant::now();
    assert!(matches!(
        read(&fifo, 100, Check::Owner),
        Err(FileError::NotRegular {
            kind: "a FIFO (named pipe)",
            ..
        })
    ));
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn a_world_writable_file_or_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, "x").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let err = read(&path, 10, Check::Owner).unwrap_err().to_string();
    assert!(
        err.contains("writable by every user") && err.contains("chmod go-w"),
        "{err}"
    );
    assert!(read(&path, 10, Check::TypeAndSize).is_ok());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = read(&path, 10, Check::Owner).unwrap_err().to_string();
    assert!(err.contains(&dir.path().display().to_string()), "{err}");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn a_link_is_judged_by_where_it_leads_too() {
    let open = tempfile::tempdir().unwrap();
    let safe = tempfile::tempdir().unwrap();
    let target = open.path().join("p.toml");
    std::fs::write(&target, "x").unwrap();
    std::fs::set_permissions(open.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let link = safe.path().join("p.toml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let err = read(&link, 10, Check::Owner).unwrap_err().to_string();
    assert!(err.contains("every user"), "{err}");
    std::fs::set_permissions(open.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(read(&link, 10, Check::Owner).is_ok());
}
