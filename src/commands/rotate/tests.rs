//! Unit tests of `commands::rotate`.

use super::*;
use crate::credentials::KeyOrigin;
use secrecy::{ExposeSecret, SecretString};
use std::cell::RefCell;

#[test]
fn user_names_come_from_user_arns_only() {
    assert_eq!(
        user_name("arn:aws:iam::123456789012:user/alice"),
        Some("alice")
    );
    assert_eq!(
        user_name("arn:aws-cn:iam::123456789012:user/dev/ops/bob"),
        Some("bob")
    );
    assert_eq!(user_name("arn:aws:iam::123456789012:root"), None);
    assert_eq!(
        user_name("arn:aws:sts::123456789012:assumed-role/admin/alice"),
        None
    );
    assert_eq!(user_name("arn:aws:sts::123456789012:user/x"), None);
    assert_eq!(user_name("arn:aws:iam::123456789012:user/"), None);
    assert_eq!(user_name("nonsense"), None);
}

const OLD: &str = "AKIAOLDOLDOLDOLDOLD0";
const NEW: &str = "AKIANEWNEWNEWNEWNEW0";
const USER_ARN: &str = "arn:aws:iam::123456789012:user/alice";

/// Which step fails, and what happened.
#[derive(Default)]
struct Script {
    keys: Vec<&'static str>,
    fail_list: bool,
    fail_create: bool,
    fail_delete_new: bool,
    fail_delete_old: bool,
    /// GetCallerIdentity with the new key fails this many times.
    unverified: usize,
    write_fails: Option<bool>,
    restore_fails: bool,
    read_gives: Option<&'static str>,
    /// The secret the store gives back, when not the one written.
    read_secret: Option<&'static str>,
    /// Whom GetCallerIdentity says the new key belongs to, when not the user.
    verify_as: Option<&'static str>,
    log: RefCell<Vec<String>>,
    /// The key id the store holds.
    stored: RefCell<String>,
}

fn refused(op: &'static str) -> IamError {
    IamError {
        operation: op,
        user: "alice".into(),
        endpoint: "e".into(),
        kind: crate::sts::StsErrorKind::Service {
            code: "AccessDenied".into(),
            message: String::new(),
            status: Some(403),
        },
    }
}

impl Aws for Script {
    fn list_keys(&self, _: &str) -> Result<Vec<AccessKey>, IamError> {
        self.log.borrow_mut().push("list".into());
        if self.fail_list {
            return Err(refused("ListAccessKeys"));
        }
        Ok(self
            .keys
            .iter()
            .map(|id| AccessKey {
                id: (*id).into(),
                status: "Active".into(),
            })
            .collect())
    }
    fn create_key(&self, _: &str) -> Result<NewKey, IamError> {
        self.log.borrow_mut().push("create".into());
        if self.fail_create {
            return Err(refused("CreateAccessKey"));
        }
        Ok(NewKey {
            access_key_id: NEW.into(),
            secret_access_key: SecretString::from("new-secret"),
        })
    }
    fn delete_key(&self, _: &str, id: &str) -> Result<(), IamError> {
        self.log.borrow_mut().push(format!("delete {id}"));
        if (id == NEW && self.fail_delete_new) || (id == OLD && self.fail_delete_old) {
            return Err(refused("DeleteAccessKey"));
        }
        Ok(())
    }
    fn caller_arn(&self, keys: &SourceCredentials) -> Result<String, String> {
        let mut log = self.log.borrow_mut();
        log.push(format!("verify {}", keys.access_key_id));
        let attempts = log.iter().filter(|l| l.starts_with("verify")).count();
        if attempts <= self.unverified {
            return Err("InvalidClientTokenId".into());
        }
        Ok(self.verify_as.unwrap_or(USER_ARN).into())
    }
}

impl KeyStore for Script {
    fn describe(&self) -> String {
        "pass entry aws-auth/work".into()
    }
    fn write(&self, id: &str, secret: &SecretString) -> Result<(), WriteFailure> {
        let restoring = id == OLD;
        self.log.borrow_mut().push(format!("write {id}"));
        if restoring && self.restore_fails {
            return Err(WriteFailure {
                detail: "gpg failed".into(),
                restored: false,
            });
        }
        if let (false, Some(restored)) = (restoring, self.write_fails) {
            return Err(WriteFailure {
                detail: "gpg failed".into(),
                restored,
            });
        }
        assert!(!secret.expose_secret().is_empty());
        *self.stored.borrow_mut() = id.into();
        Ok(())
    }
    fn read(&self) -> Result<(String, SecretString), String> {
        self.log.borrow_mut().push("read".into());
        let id = self
            .read_gives
            .map(str::to_owned)
            .unwrap_or_else(|| self.stored.borrow().clone());
        let secret = self.read_secret.unwrap_or(if id == NEW {
            "new-secret"
        } else {
            "old-secret"
        });
        Ok((id, SecretString::from(secret)))
    }
}

fn old() -> SourceCredentials {
    SourceCredentials {
        access_key_id: OLD.into(),
        secret_access_key: SecretString::from("old-secret"),
        session_token: None,
        origin: KeyOrigin::both("the test"),
    }
}

fn run(script: &Script, wait: Duration) -> (Result<String, String>, Vec<String>, usize) {
    if script.stored.borrow().is_empty() {
        *script.stored.borrow_mut() = OLD.into();
    }
    let pauses = RefCell::new(0);
    let result = rotate("alice", USER_ARN, &old(), script, script, wait, &|_| {
        *pauses.borrow_mut() += 1
    })
    .map_err(|e| e.to_string());
    (result, script.log.borrow().clone(), *pauses.borrow())
}

fn one_key() -> Script {
    Script {
        keys: vec![OLD],
        ..Script::default()
    }
}

#[test]
fn the_steps_run_in_order_and_the_old_key_goes_last() {
    let script = one_key();
    let (result, log, _) = run(&script, Duration::from_secs(10));
    let message = result.unwrap();
    assert!(
        message.contains(NEW) && message.contains("deleted"),
        "{message}"
    );
    assert!(!message.contains("secret"), "{message}");
    assert_eq!(
        log,
        [
            "list",
            "create",
            &format!("write {NEW}"),
            "read",
            &format!("verify {NEW}"),
            &format!("delete {OLD}")
        ]
    );
    assert_eq!(*script.stored.borrow(), NEW);
}

#[test]
fn a_user_at_two_keys_is_told_before_anything_changes() {
    let script = Script {
        keys: vec![OLD, "AKIAOTHEROTHEROTHER0"],
        ..Script::default()
    };
    let (result, log, _) = run(&script, Duration::from_secs(10));
    let error = result.unwrap_err();
    assert!(error.contains("two access keys"), "{error}");
    assert!(
        error.contains(
            "aws iam delete-access-key --user-name alice --access-key-id AKIAOTHEROTHEROTHER0"
        ),
        "{error}"
    );
    assert!(error.contains("nothing was changed"), "{error}");
    assert!(
        error.contains(&format!("({OLD} Active, AKIAOTHEROTHEROTHER0 Active)")),
        "both keys listed: {error}"
    );
    assert_eq!(log, ["list"]);
}

#[test]
fn a_key_that_is_not_the_users_is_refused() {
    let script = Script {
        keys: vec!["AKIAOTHEROTHEROTHER0"],
        ..Script::default()
    };
    let (result, log, _) = run(&script, Duration::from_secs(10));
    assert!(result.unwrap_err().contains("has no access key"));
    assert_eq!(log, ["list"]);
}

#[test]
fn a_refused_list_or_create_changes_nothing() {
    for script in [
        Script {
            fail_list: true,
            ..one_key()
        },
        Script {
            fail_create: true,
            ..one_key()
        },
    ] {
        let (result, log, _) = run(&script, Duration::from_secs(10));
        let error = result.unwrap_err();
        assert!(error.contains("nothing was changed"), "{error}");
        assert!(
            !log.iter()
                .any(|l| l.starts_with("write") || l.starts_with("delete")),
            "{log:?}"
        );
        assert_eq!(*script.stored.borrow(), OLD);
    }
}

#[test]
fn a_create_without_an_answer_says_a_key_may_exist() {
    struct Lost(Script);
    impl Aws for Lost {
        fn list_keys(&self, user: &str) -> Result<Vec<AccessKey>, IamError> {
            self.0.list_keys(user)
        }
        fn create_key(&self, _: &str) -> Result<NewKey, IamError> {
            Err(IamError {
                operation: "CreateAccessKey",
                user: "alice".into(),
                endpoint: "e".into(),
                kind: crate::sts::StsErrorKind::Timeout(Duration::from_secs(30)),
            })
        }
        fn delete_key(&self, user: &str, id: &str) -> Result<(), IamError> {
            self.0.delete_key(user, id)
        }
        fn caller_arn(&self, keys: &SourceCredentials) -> Result<String, String> {
            self.0.caller_arn(keys)
        }
    }
    let lost = Lost(one_key());
    *lost.0.stored.borrow_mut() = OLD.into();
    let error = rotate(
        "alice",
        USER_ARN,
        &old(),
        &lost,
        &lost.0,
        Duration::ZERO,
        &|_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("may have made a new key"), "{error}");
    assert!(
        error.contains("aws iam list-access-keys --user-name alice"),
        "{error}"
    );
    assert!(!error.contains("nothing was changed"), "{error}");
}

#[test]
fn a_failed_write_takes_the_new_key_out_of_iam_again() {
    let script = Script {
        write_fails: Some(true),
        ..one_key()
    };
    let (result, log, _) = run(&script, Duration::from_secs(10));
    let error = result.unwrap_err();
    assert!(
        error.contains(&format!("the new key {NEW} was deleted from IAM again")),
        "{error}"
    );
    assert!(
        error.contains(&format!("still holds the old key {OLD}")),
        "{error}"
    );
    assert_eq!(log.last().unwrap(), &format!("delete {NEW}"));
    assert!(!log.contains(&format!("delete {OLD}")));
}

#[test]
fn a_failed_write_whose_undo_fails_names_the_command() {
    let script = Script {
        write_fails: Some(true),
        fail_delete_new: true,
        ..one_key()
    };
    let error = run(&script, Duration::from_secs(10)).0.unwrap_err();
    assert!(
        error.contains(&format!(
            "aws iam delete-access-key --user-name alice --access-key-id {NEW}"
        )),
        "{error}"
    );
}

#[test]
fn a_half_written_key_says_which_id_to_put_back_and_the_new_key_goes() {
    let script = Script {
        write_fails: Some(false),
        ..one_key()
    };
    let (result, log, _) = run(&script, Duration::from_secs(10));
    let error = result.unwrap_err();
    assert!(error.contains(&format!("put {OLD} back")), "{error}");
    assert!(
        error.contains(&format!("the new key {NEW} was deleted from IAM again")),
        "{error}"
    );
    assert_eq!(log.last().unwrap(), &format!("delete {NEW}"));
    assert!(!log.contains(&format!("delete {OLD}")));
}

#[test]
fn the_new_key_is_checked_again_while_iam_propagates() {
    let script = Script {
        unverified: 3,
        ..one_key()
    };
    let (result, log, pauses) = run(&script, Duration::from_secs(60));
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(log.iter().filter(|l| l.starts_with("verify")).count(), 4);
    assert_eq!(pauses, 3);
    assert_eq!(log.last().unwrap(), &format!("delete {OLD}"));
}

#[test]
fn a_new_key_that_never_works_is_replaced_by_the_old_one_again() {
    let script = Script {
        unverified: usize::MAX,
        ..one_key()
    };
    let (result, log, _) = run(&script, Duration::ZERO);
    let error = result.unwrap_err();
    assert!(error.contains("did not accept the new key"), "{error}");
    assert!(
        error.contains(&format!("the old key {OLD} is back")),
        "{error}"
    );
    assert_eq!(*script.stored.borrow(), OLD);
    assert_eq!(
        log[log.len() - 2..],
        [format!("write {OLD}"), format!("delete {NEW}")]
    );
}

#[test]
fn a_read_back_that_differs_puts_the_old_key_back() {
    let script = Script {
        read_gives: Some("AKIAWRONGWRONGWRONG0"),
        ..one_key()
    };
    let (result, log, _) = run(&script, Duration::from_secs(10));
    assert!(result.unwrap_err().contains("other keys"));
    assert!(!log.iter().any(|l| l.starts_with("verify")), "{log:?}");
    assert_eq!(*script.stored.borrow(), OLD);
}

#[test]
fn a_read_back_with_only_the_secret_wrong_puts_the_old_key_back_too() {
    let script = Script {
        read_secret: Some("truncated"),
        ..one_key()
    };
    let (result, log, _) = run(&script, Duration::from_secs(10));
    assert!(result.unwrap_err().contains("other keys"));
    assert!(!log.iter().any(|l| l.starts_with("verify")), "{log:?}");
    assert_eq!(log.last().unwrap(), &format!("delete {NEW}"));
}

#[test]
fn a_new_key_of_someone_else_is_not_taken_for_the_user_s() {
    let script = Script {
        verify_as: Some("arn:aws:iam::123456789012:user/mallory"),
        ..one_key()
    };
    let (result, log, _) = run(&script, Duration::from_secs(10));
    let error = result.unwrap_err();
    assert!(
        error.contains("belongs to arn:aws:iam::123456789012:user/mallory"),
        "{error}"
    );
    assert_eq!(*script.stored.borrow(), OLD);
    assert!(!log.contains(&format!("delete {OLD}")), "{log:?}");
}

#[test]
fn a_failed_restore_says_what_the_backend_holds() {
    let script = Script {
        unverified: usize::MAX,
        restore_fails: true,
        ..one_key()
    };
    let error = run(&script, Duration::ZERO).0.unwrap_err();
    assert!(
        error.contains(&format!("holds the new key {NEW}")),
        "{error}"
    );
    assert!(error.contains("both keys are still active"), "{error}");
}

#[test]
fn a_failed_delete_of_the_old_key_says_the_new_one_works() {
    let script = Script {
        fail_delete_old: true,
        ..one_key()
    };
    let error = run(&script, Duration::from_secs(10)).0.unwrap_err();
    assert!(
        error.contains(&format!(
            "the new key {NEW} is stored in pass entry aws-auth/work and works"
        )),
        "{error}"
    );
    assert!(
        error.contains(&format!(
            "aws iam delete-access-key --user-name alice --access-key-id {OLD}"
        )),
        "{error}"
    );
    assert_eq!(*script.stored.borrow(), NEW);
}
