//! `physalign eval …`: evaluations against annotated data.

mod angles;
mod keypoints;
mod reps;
mod truth;

use crate::GlobalArgs;

/// Evaluations against annotated data.
#[derive(Debug, clap::Subcommand)]
pub enum EvalCommand {
    /// Keypoint accuracy (PCK) on COCO-annotated people.
    Keypoints(keypoints::KeypointsArgs),
    /// Predicted against hand-counted repetitions, holds and steps per clip
    /// (`DIR/ground_truth.json`).
    Reps(reps::RepsArgs),
    /// Joint-angle error of predicted against annotated COCO keypoints.
    Angles(angles::AnglesArgs),
}

/// Runs the evaluation.
pub fn run(cmd: EvalCommand, global: &GlobalArgs) -> anyhow::Result<()> {
    match cmd {
        EvalCommand::Keypoints(args) => keypoints::run(args, global),
        EvalCommand::Reps(args) => reps::run(args, global),
        EvalCommand::Angles(args) => angles::run(args, global),
    }
}
