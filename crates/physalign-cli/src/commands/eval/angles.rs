//! `physalign eval angles` (to be implemented by its issue).

use crate::GlobalArgs;

/// Arguments of `physalign eval angles`.
#[derive(Debug, clap::Args)]
pub struct AnglesArgs {}

/// Runs the evaluation.
pub fn run(_args: AnglesArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    anyhow::bail!("`physalign eval angles` is not implemented yet")
}
