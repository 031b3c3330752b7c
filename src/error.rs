//! The one place where every module's error becomes a message and an exit code:
//! 2 for usage errors (bad flags or values), 1 for everything else.

use crate::backend::FetchErrorKind;
use crate::config::ConfigError;
use crate::profile::ProfileError;
use crate::render::RenderError;
use crate::sts::StsError;
use crate::tty::PromptError;
use crate::validate::ValidationError;

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
    #[error("writing the result to stdout failed: {0}")]
    Output(std::io::Error),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Validation(_) | Error::Usage(_) => 2,
            Error::Profile(ProfileError::Config(ConfigError::UnknownProfile { .. })) => 2,
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
