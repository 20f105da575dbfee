//! `physalign eval angles DIR`: elbow and knee angles of predicted against annotated COCO
//! keypoints. The annotation is 2D, so the reference is the angle on the picture (180 =
//! straight), compared where all three annotated keypoints are marked visible. Each joint is
//! predicted twice: in the image plane (what the annotation measures) and in 3D from the world
//! landmarks (what a goniometer measures); the two agree only when the limb lies in the image
//! plane, which is shown per joint as the out-of-plane angle of its more tilted segment.

use crate::GlobalArgs;
use anyhow::Context;
use physalign_analysis::geometry::{included_angle, included_angle_2d, Vec3};
use physalign_vision::coco::{load_dataset, predict_person_3d, CocoKeypoints};
use physalign_vision::{PoseConfig, PoseEstimator, PoseVariant};
use serde::Serialize;
use std::path::PathBuf;

/// The analysis masks joints whose landmarks the model sees with less visibility than this
/// (`KinematicsConfig::min_visibility`): "where the joint is visible".
const MIN_VISIBILITY: f32 = 0.5;

/// A limb segment tilted less than this out of the image plane is taken as in-plane: there the
/// image-plane and 3D angles differ by a few degrees at most.
const IN_PLANE_DEG: f32 = 25.0;

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

/// Which joints a summary line covers.
type JointFilter<'a> = &'a dyn Fn(&JointError) -> bool;

#[derive(Debug, Serialize)]
struct JointError {
    image: String,
    annotation_id: u64,
    joint: &'static str,
    annotated: f32,
    /// Predicted angle on the picture.
    predicted: f32,
    /// `|predicted - annotated|`.
    error: f32,
    /// Predicted angle in 3D (world landmarks).
    predicted_3d: Option<f32>,
    /// `|predicted_3d - annotated|`: includes the projection the annotation cannot undo.
    error_3d: Option<f32>,
    /// Smallest model visibility of the joint's three landmarks.
    visibility: f32,
    /// How far the more tilted segment points out of the image plane, degrees (world).
    out_of_plane: Option<f32>,
}

fn angle(kp: &CocoKeypoints, [a, b, c]: [usize; 3]) -> Option<f32> {
    included_angle_2d(
        (kp[a][0], kp[a][1]),
        (kp[b][0], kp[b][1]),
        (kp[c][0], kp[c][1]),
    )
}

fn point(kp: &CocoKeypoints, i: usize) -> Vec3 {
    Vec3::new(kp[i][0], kp[i][1], kp[i][2])
}

fn angle_3d(world: &CocoKeypoints, [a, b, c]: [usize; 3]) -> Option<f32> {
    included_angle(point(world, a), point(world, b), point(world, c))
}

/// Out-of-plane tilt of the more tilted of the joint's two segments, degrees.
fn out_of_plane(world: &CocoKeypoints, [a, b, c]: [usize; 3]) -> Option<f32> {
    let tilt = |from: usize, to: usize| {
        let d = point(world, to) - point(world, from);
        let n = d.norm();
        (n > 1e-6).then(|| (d.z.abs() / n).clamp(0.0, 1.0).asin().to_degrees())
    };
    Some(tilt(b, a)?.max(tilt(b, c)?))
}

/// Mean and median absolute error and the count of a selection.
#[derive(Debug, Clone, Copy, Serialize)]
struct Summary {
    mae: f32,
    median: f32,
    n: usize,
}

fn summarise(errors: impl Iterator<Item = f32>) -> Option<Summary> {
    let mut v: Vec<f32> = errors.collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f32::total_cmp);
    Some(Summary {
        mae: v.iter().sum::<f32>() / v.len() as f32,
        median: v[v.len() / 2],
        n: v.len(),
    })
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
            let (predicted, _) = predict_person_3d(&mut estimator, &image, person)?;
            let Some((predicted, world)) = predicted else {
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
                    let predicted_3d = angle_3d(&world, idx);
                    errors.push(JointError {
                        image: name.clone(),
                        annotation_id: person.annotation_id,
                        joint,
                        annotated,
                        predicted: pred,
                        error: (pred - annotated).abs(),
                        predicted_3d,
                        error_3d: predicted_3d.map(|p| (p - annotated).abs()),
                        visibility: idx
                            .iter()
                            .map(|&k| predicted[k][2])
                            .fold(f32::INFINITY, f32::min),
                        out_of_plane: out_of_plane(&world, idx),
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
    let visible = |e: &JointError| e.visibility >= MIN_VISIBILITY;
    let in_plane = |e: &JointError| e.out_of_plane.is_some_and(|t| t <= IN_PLANE_DEG);
    let table = |filter: JointFilter| {
        let rows = |part: &str| {
            let sel = || {
                errors
                    .iter()
                    .filter(|e| filter(e) && e.joint.starts_with(part))
            };
            (
                summarise(sel().map(|e| e.error)),
                summarise(sel().filter_map(|e| e.error_3d)),
            )
        };
        [
            ("all", rows("")),
            ("elbow", rows("elbow")),
            ("knee", rows("knee")),
        ]
    };
    let sets: [(&str, JointFilter); 3] = [
        ("every annotated joint", &|_| true),
        ("joint visible to the model", &visible),
        ("visible and in the image plane", &|e| {
            visible(e) && in_plane(e)
        }),
    ];
    if args.json {
        let mut summary = serde_json::Map::new();
        for (name, filter) in sets {
            let rows: serde_json::Map<String, serde_json::Value> = table(filter)
                .into_iter()
                .map(|(part, (image, world))| {
                    (
                        part.to_string(),
                        serde_json::json!({"image_plane": image, "world_3d": world}),
                    )
                })
                .collect();
            summary.insert(name.to_string(), rows.into());
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "people": people,
                "people_not_found": missed,
                "summary": summary,
                "joints": errors,
            }))?
        );
    } else {
        println!(
            "{:<20} {:>8} {:<12} {:>6} {:>12} {:>12} {:>5} {:>6}",
            "IMAGE", "ANN", "JOINT", "ANNOT", "IMAGE (ERR)", "3D (ERR)", "VIS", "TILT"
        );
        for e in &errors {
            let world = match (e.predicted_3d, e.error_3d) {
                (Some(p), Some(err)) => format!("{p:.0} ({err:.0})"),
                _ => "-".to_string(),
            };
            println!(
                "{:<20} {:>8} {:<12} {:>6.1} {:>12} {:>12} {:>5.2} {:>6}",
                e.image,
                e.annotation_id,
                e.joint,
                e.annotated,
                format!("{:.0} ({:.0})", e.predicted, e.error),
                world,
                e.visibility,
                e.out_of_plane
                    .map_or("-".to_string(), |t| format!("{t:.0}")),
            );
        }
        let fmt = |s: Option<Summary>| {
            s.map_or("-".to_string(), |s| {
                format!("MAE {:.1} median {:.1} (n={})", s.mae, s.median, s.n)
            })
        };
        println!("summary: {people} people ({missed} not found); error in degrees against the annotated picture angle");
        for (name, filter) in sets {
            for (part, (image, world)) in table(filter) {
                println!(
                    "  {name:<32} {part:<6} image-plane {:<32} 3D {}",
                    fmt(image),
                    fmt(world)
                );
            }
        }
    }
    Ok(())
}
