//! `physalign eval keypoints DIR`: single-person PCK against COCO keypoint annotations.

use crate::GlobalArgs;
use anyhow::Context;
use physalign_vision::coco::{self, DEFAULT_ALPHA};
use physalign_vision::{PoseConfig, PoseEstimator, PoseVariant};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `physalign eval keypoints`.
#[derive(Debug, clap::Args)]
pub struct KeypointsArgs {
    /// Directory with a COCO keypoint annotation file (`test_coco.json`) and its images.
    pub dir: PathBuf,
    /// Landmark model: lite, full or heavy.
    #[arg(long, default_value = "full")]
    pub model: PoseVariant,
    /// Inference threads per model.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// PCK threshold as a fraction of the larger box side.
    #[arg(long, default_value_t = DEFAULT_ALPHA)]
    pub alpha: f32,
    /// Fail (exit non-zero) when the overall PCK is below this value.
    #[arg(long)]
    pub min_pck: Option<f32>,
    /// Print the full evaluation as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the evaluation.
pub fn run(args: KeypointsArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    // Write errors (a closed pipe) become errors, not panics.
    let mut out = std::io::stdout().lock();
    let config = PoseConfig {
        variant: args.model,
        threads: args.threads,
    };
    let mut estimator = PoseEstimator::new(&config).context("loading the pose models")?;
    let eval = coco::evaluate(&mut estimator, &args.dir, args.alpha)?;
    if args.json {
        let mut value = serde_json::to_value(&eval)?;
        if let Some(obj) = value.as_object_mut() {
            obj.insert("pck".into(), serde_json::json!(eval.pck()));
            obj.insert("model".into(), serde_json::json!(args.model.name()));
        }
        writeln!(out, "{}", serde_json::to_string(&value)?)?;
        return check_minimum(eval.pck(), args.min_pck);
    }
    writeln!(
        out,
        "{:<20} {:>10} {:>8} {:>9}  region",
        "image", "annotation", "PCK", "correct"
    )?;
    for p in &eval.people {
        writeln!(
            out,
            "{:<20} {:>10} {:>8.3} {:>4}/{:<4}  {:?}",
            p.image,
            p.annotation_id,
            p.pck(),
            p.correct,
            p.labelled,
            p.region
        )?;
    }
    writeln!(
        out,
        "overall PCK@{}: {:.3} ({}/{} keypoints, {} people, model {})",
        eval.alpha,
        eval.pck(),
        eval.correct,
        eval.labelled,
        eval.people.len(),
        args.model
    )?;
    check_minimum(eval.pck(), args.min_pck)
}

/// The evaluation's verdict against `--min-pck`.
fn check_minimum(pck: f32, min_pck: Option<f32>) -> anyhow::Result<()> {
    match min_pck {
        Some(min) if pck.is_nan() || pck < min => {
            anyhow::bail!("PCK {pck:.3} is below the required {min:.3}")
        }
        _ => Ok(()),
    }
}
