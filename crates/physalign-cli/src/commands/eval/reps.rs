//! `physalign eval reps` (to be implemented by its issue).

use crate::GlobalArgs;

/// Arguments of `physalign eval reps`.
#[derive(Debug, clap::Args)]
pub struct RepsArgs {}

/// Runs the evaluation.
pub fn run(_args: RepsArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    anyhow::bail!("`physalign eval reps` is not implemented yet")
}
