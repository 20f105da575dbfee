//! `physalign notes` (to be implemented by its issue).

use crate::GlobalArgs;

/// Arguments of `physalign notes`.
#[derive(Debug, clap::Args)]
pub struct NotesArgs {}

/// Runs the subcommand.
pub fn run(_args: NotesArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    anyhow::bail!("`physalign notes` is not implemented yet")
}
