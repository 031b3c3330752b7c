//! The flags of the commands for a shell: `completions`, `init` (the shell integration)
//! and `status` (what the shell holds, for its prompt).

use crate::commands::status::StatusFormat;

/// The shells completions are made for.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

#[derive(clap::Args)]
pub struct InitArgs {
    /// bash, zsh, fish or powershell.
    #[arg(value_enum)]
    pub shell: InitShell,

    /// The name of the function that switches (default: awsa).
    #[arg(long, value_name = "NAME", default_value = "awsa")]
    pub name: String,
}

/// The shells `init` writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InitShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(clap::Args)]
pub struct StatusArgs {
    /// text (one line: `work: 42m left`) or json.
    #[arg(long, value_enum, default_value_t = StatusFormat::Text, value_name = "FORMAT")]
    pub format: StatusFormat,
}
