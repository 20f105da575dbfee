//! `physalign eval keypoints` (to be implemented by its issue).

use crate::GlobalArgs;

/// Arguments of `physalign eval keypoints`.
#[derive(Debug, clap::Args)]
pub struct KeypointsArgs {}

/// Runs the evaluation.
pub fn run(_args: KeypointsArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    anyhow::bail!("`physalign eval keypoints` is not implemented yet")
}
