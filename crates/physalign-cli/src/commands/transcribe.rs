//! `physalign transcribe` (to be implemented by its issue).

use crate::GlobalArgs;

/// Arguments of `physalign transcribe`.
#[derive(Debug, clap::Args)]
pub struct TranscribeArgs {}

/// Runs the subcommand.
pub fn run(_args: TranscribeArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    anyhow::bail!("`physalign transcribe` is not implemented yet")
}
