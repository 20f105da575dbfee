//! `physalign pose` (to be implemented by its issue).

use crate::GlobalArgs;

/// Arguments of `physalign pose`.
#[derive(Debug, clap::Args)]
pub struct PoseArgs {}

/// Runs the subcommand.
pub fn run(_args: PoseArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    anyhow::bail!("`physalign pose` is not implemented yet")
}
