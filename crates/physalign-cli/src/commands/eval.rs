//! `physalign eval …` (to be implemented by the exercise-analysis issue).

use crate::GlobalArgs;

/// Evaluations against annotated data.
#[derive(Debug, clap::Subcommand)]
pub enum EvalCommand {}

/// Runs the evaluation.
pub fn run(cmd: EvalCommand, _global: &GlobalArgs) -> anyhow::Result<()> {
    match cmd {}
}
