//! `physalign pose IMAGE`: the pose of the person in a still image.

use crate::GlobalArgs;
use anyhow::Context;
use physalign_vision::{Landmark, PoseConfig, PoseEstimator, PoseVariant};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `physalign pose`.
#[derive(Debug, clap::Args)]
pub struct PoseArgs {
    /// Image file (JPEG or PNG).
    pub image: PathBuf,
    /// Print `{"width","height","people":[{"score","landmarks"}]}` as JSON.
    #[arg(long)]
    pub json: bool,
    /// Landmark model: lite, full or heavy.
    #[arg(long, default_value = "full")]
    pub model: PoseVariant,
    /// Inference threads per model.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
}

/// A landmark exactly as the CLI contract prints it.
#[derive(Debug, Serialize)]
pub struct LandmarkJson {
    #[serde(rename = "type")]
    kind: &'static str,
    x: f32,
    y: f32,
    z: f32,
    visibility: f32,
}

/// Landmarks in the contract's shape.
pub fn landmarks_json(landmarks: &[Landmark]) -> Vec<LandmarkJson> {
    landmarks
        .iter()
        .map(|l| LandmarkJson {
            kind: l.kind.name(),
            x: l.x,
            y: l.y,
            z: l.z,
            visibility: l.visibility,
        })
        .collect()
}

#[derive(Serialize)]
struct PersonJson {
    score: f32,
    landmarks: Vec<LandmarkJson>,
}

#[derive(Serialize)]
struct ImageJson {
    width: u32,
    height: u32,
    people: Vec<PersonJson>,
}

/// Runs the subcommand.
pub fn run(args: PoseArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    // Write errors (a closed pipe) become errors, not panics.
    let mut out = std::io::stdout().lock();
    let image = physalign_vision::load_image(&args.image)?;
    let config = PoseConfig {
        variant: args.model,
        threads: args.threads,
    };
    let mut estimator = PoseEstimator::new(&config).context("loading the pose models")?;
    let people = estimator.estimate_image(&image)?;
    if args.json {
        let result = ImageJson {
            width: image.width(),
            height: image.height(),
            people: people
                .iter()
                .map(|p| PersonJson {
                    score: p.score,
                    landmarks: landmarks_json(&p.landmarks),
                })
                .collect(),
        };
        writeln!(out, "{}", serde_json::to_string(&result)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "{}: {}x{}, {} person(s) found ({} model)",
        args.image.display(),
        image.width(),
        image.height(),
        people.len(),
        args.model
    )?;
    for (i, person) in people.iter().enumerate() {
        writeln!(out, "person {} (score {:.2}):", i + 1, person.score)?;
        for l in &person.landmarks {
            writeln!(
                out,
                "  {:<18} x {:>6.3}  y {:>6.3}  z {:>7.3}  visibility {:.2}",
                l.kind.name(),
                l.x,
                l.y,
                l.z,
                l.visibility
            )?;
        }
    }
    Ok(())
}
