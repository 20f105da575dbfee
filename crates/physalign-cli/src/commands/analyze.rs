//! `physalign analyze` (to be implemented by its issue).

use crate::GlobalArgs;

/// Arguments of `physalign analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {}

/// Runs the subcommand.
pub fn run(_args: AnalyzeArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    anyhow::bail!("`physalign analyze` is not implemented yet")
}
