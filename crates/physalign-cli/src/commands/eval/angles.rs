//! `physalign eval angles DIR`: elbow and knee angle error of predicted against annotated COCO
//! keypoints. Both sides are 2D image angles (180 = straight), compared only where all three
//! annotated keypoints of the joint are marked visible.

use crate::GlobalArgs;
use anyhow::Context;
use physalign_analysis::geometry::included_angle_2d;
use physalign_vision::coco::{load_dataset, predict_person};
use physalign_vision::{PoseConfig, PoseEstimator, PoseVariant};
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `physalign eval angles`.
#[derive(Debug, clap::Args)]
pub struct AnglesArgs {
    /// Directory with a COCO keypoint file (`test_coco.json`) and its images.
    pub dir: PathBuf,
    /// Landmark model: lite, full or heavy.
    #[arg(long, default_value = "full")]
    pub model: PoseVariant,
    /// Inference threads per model.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Also use annotated keypoints marked occluded (COCO flag 1), not only visible (2).
    #[arg(long)]
    pub include_occluded: bool,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The joints compared: name and COCO keypoint indices (proximal, joint, distal).
const JOINTS: [(&str, [usize; 3]); 4] = [
    ("elbow_left", [5, 7, 9]),
    ("elbow_right", [6, 8, 10]),
    ("knee_left", [11, 13, 15]),
    ("knee_right", [12, 14, 16]),
];

#[derive(Debug, Serialize)]
struct JointError {
    image: String,
    annotation_id: u64,
    joint: &'static str,
    annotated: f32,
    predicted: f32,
    error: f32,
}

fn angle(kp: &[[f32; 3]; 17], [a, b, c]: [usize; 3]) -> Option<f32> {
    included_angle_2d(
        (kp[a][0], kp[a][1]),
        (kp[b][0], kp[b][1]),
        (kp[c][0], kp[c][1]),
    )
}

/// Runs the evaluation.
pub fn run(args: AnglesArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    let images = load_dataset(&args.dir)?;
    let mut estimator = PoseEstimator::new(&PoseConfig {
        variant: args.model,
        threads: args.threads,
    })
    .context("loading the pose models")?;
    let min_flag = if args.include_occluded { 1.0 } else { 2.0 };
    let mut errors = Vec::new();
    let mut people = 0;
    let mut missed = 0;
    for entry in &images {
        if entry.people.is_empty() {
            continue;
        }
        let image = physalign_vision::load_image(&entry.path)?;
        let name = entry
            .path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        for person in &entry.people {
            people += 1;
            let (predicted, _) = predict_person(&mut estimator, &image, person)?;
            let Some(predicted) = predicted else {
                missed += 1;
                continue;
            };
            for (joint, idx) in JOINTS {
                if idx.iter().any(|&k| person.keypoints[k][2] < min_flag) {
                    continue;
                }
                if let (Some(annotated), Some(pred)) =
                    (angle(&person.keypoints, idx), angle(&predicted, idx))
                {
                    errors.push(JointError {
                        image: name.clone(),
                        annotation_id: person.annotation_id,
                        joint,
                        annotated,
                        predicted: pred,
                        error: (pred - annotated).abs(),
                    });
                }
            }
        }
    }
    anyhow::ensure!(
        !errors.is_empty(),
        "no joint with all three keypoints annotated in {}",
        args.dir.display()
    );
    let mae = |filter: &dyn Fn(&JointError) -> bool| {
        let sel: Vec<f32> = errors
            .iter()
            .filter(|e| filter(e))
            .map(|e| e.error)
            .collect();
        (!sel.is_empty()).then(|| (sel.iter().sum::<f32>() / sel.len() as f32, sel.len()))
    };
    let overall = mae(&|_| true);
    let elbow = mae(&|e| e.joint.starts_with("elbow"));
    let knee = mae(&|e| e.joint.starts_with("knee"));
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "people": people,
                "people_not_found": missed,
                "mae_deg": overall.map(|m| m.0),
                "elbow_mae_deg": elbow.map(|m| m.0),
                "knee_mae_deg": knee.map(|m| m.0),
                "joints": errors,
            }))?
        );
    } else {
        println!(
            "{:<28} {:>8} {:<12} {:>9} {:>9} {:>7}",
            "IMAGE", "ANN", "JOINT", "ANNOTATED", "PREDICTED", "ERROR"
        );
        for e in &errors {
            println!(
                "{:<28} {:>8} {:<12} {:>9.1} {:>9.1} {:>7.1}",
                e.image, e.annotation_id, e.joint, e.annotated, e.predicted, e.error
            );
        }
        let fmt = |m: Option<(f32, usize)>| {
            m.map_or("-".to_string(), |(v, n)| format!("{v:.1} deg (n={n})"))
        };
        println!(
            "summary: {people} people ({missed} not found); angle MAE {} - elbow {}, knee {}",
            fmt(overall),
            fmt(elbow),
            fmt(knee)
        );
    }
    Ok(())
}
