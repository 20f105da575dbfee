//! `physalign track` (to be implemented by its issue).

use crate::GlobalArgs;

/// Arguments of `physalign track`.
#[derive(Debug, clap::Args)]
pub struct TrackArgs {}

/// Runs the subcommand.
pub fn run(_args: TrackArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    anyhow::bail!("`physalign track` is not implemented yet")
}
