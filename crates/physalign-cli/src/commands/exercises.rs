//! `physalign exercises` (to be implemented by its issue).

use crate::GlobalArgs;

/// Arguments of `physalign exercises`.
#[derive(Debug, clap::Args)]
pub struct ExercisesArgs {}

/// Runs the subcommand.
pub fn run(_args: ExercisesArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    anyhow::bail!("`physalign exercises` is not implemented yet")
}
