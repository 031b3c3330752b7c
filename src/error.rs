//! The one place where every module's error becomes a message and an exit code:
//! 2 for usage errors (bad flags or values), 1 for everything else.

use crate::cache::lock::LockError;
use crate::output::render::RenderError;
use crate::secrets::backend::FetchErrorKind;
use crate::secrets::tty::PromptError;
use crate::settings::config::ConfigError;
use crate::settings::profile::ProfileError;
use crate::settings::validate::ValidationError;
use crate::sts::StsError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid {0}")]
    Validation(#[from] ValidationError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Prompt(#[from] PromptError),
    #[error("{0}")]
    Sts(Box<StsError>),
    #[error("{0}")]
    Render(#[from] RenderError),
    #[error("{0}")]
    Profile(#[from] ProfileError),
    #[error("{0}: {1}")]
    Backend(String, FetchErrorKind),
    #[error("writing the result to stdout failed ({0}): it is incomplete, do not use it")]
    Output(std::io::Error),
    #[error(
        "stdout is closed or not open for writing, so the result would be lost; run aws-auth \
         with its output read, as in eval \"$(aws-auth --profile NAME)\""
    )]
    StdoutUnusable,
    #[error("{0}")]
    Lock(LockError),
    /// A command of several steps (add, import, configure, rotate) stopped part-way: the
    /// message says where everything stands and what to do.
    #[error("{0}")]
    Stopped(String),
    /// Reading or writing something of the user's failed (a file, stdin), with nothing
    /// changed: not a mistake in what was asked.
    #[error("{what}: {reason}")]
    Io { what: String, reason: String },
    #[error("console sign-in: {0}")]
    Signin(String),
    #[error("session cache: {0}")]
    Cache(String),
    #[error("serve: {0}")]
    Serve(#[from] crate::output::serve::ServeError),
    #[error("cannot run {program}: {}", exec_problem(.source))]
    Exec {
        program: String,
        source: std::io::Error,
    },
}

impl Error {
    /// Under `--no-prompt`: the run stopped where a person must act (an MFA code to type, a
    /// GPG passphrase, a password manager to unlock or sign in to), so a prompt hook or a
    /// script can tell "ask the user" from a failure (exit 3).
    fn needs_a_person(&self) -> bool {
        use crate::secrets::backend::FetchErrorKind::NotSignedIn;
        match self {
            Error::Prompt(PromptError::NotAsked { .. }) => true,
            Error::Backend(_, NotSignedIn(_))
            | Error::Profile(ProfileError::Fetch {
                kind: NotSignedIn(_),
                ..
            }) => crate::secrets::process::asking_off(),
            _ => false,
        }
    }
}

fn exec_problem(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "command not found (is it installed and on PATH?)".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied (is it executable?)".into(),
        kind => kind.to_string(),
    }
}

impl Error {
    /// `what` could not be read or written, for this reason (an I/O error's kind).
    pub fn io(what: impl Into<String>, reason: impl std::fmt::Display) -> Error {
        Error::Io {
            what: what.into(),
            reason: reason.to_string(),
        }
    }

    pub fn exit_code(&self) -> i32 {
        if self.needs_a_person() {
            return 3;
        }
        match self {
            Error::Validation(_) | Error::Usage(_) => 2,
            Error::Prompt(PromptError::NotACode { .. }) => 2,
            Error::Profile(ProfileError::Config(
                ConfigError::UnknownProfile { .. } | ConfigError::BadName { .. },
            )) => 2,
            // As shells do: 127 for a command not found, 126 for one that cannot run.
            Error::Exec { source, .. } if source.kind() == std::io::ErrorKind::NotFound => 127,
            Error::Exec { .. } => 126,
            _ => 1,
        }
    }
}

impl From<StsError> for Error {
    fn from(e: StsError) -> Self {
        Error::Sts(Box::new(e))
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Profile(ProfileError::Config(e))
    }
}
