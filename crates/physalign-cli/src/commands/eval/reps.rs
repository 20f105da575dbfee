//! `physalign eval reps DIR`: predicted against hand-counted repetitions for every clip listed in
//! `DIR/ground_truth.json` (`{"clip.mp4": {"exercise_id": .., "reps": ..}, ...}`).

use crate::commands::analyze::{analyze_video, load_catalogue, PoseSource};
use crate::GlobalArgs;
use anyhow::Context;
use physalign_analysis::ExerciseOverrides;
use physalign_vision::{PoseConfig, PoseVariant};
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `physalign eval reps`.
#[derive(Debug, clap::Args)]
pub struct RepsArgs {
    /// Directory with the clips and `ground_truth.json`.
    pub dir: PathBuf,
    /// Landmark model: lite, full or heavy.
    #[arg(long, default_value = "full")]
    pub model: PoseVariant,
    /// Inference threads per model.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Fail unless at least this many clips are counted exactly.
    #[arg(long, default_value_t = 8)]
    pub min_exact: usize,
    /// Fail when any clip is off by more than this many repetitions.
    #[arg(long = "max-off-by", alias = "max-off", default_value_t = 1)]
    pub max_off: u32,
    /// Extra or replacement exercise definitions (a directory of TOML/JSON files).
    #[arg(long)]
    pub exercises_dir: Option<PathBuf>,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
    /// Development: read saved tracks `TRACKS/<clip stem>.jsonl` instead of running the model.
    #[arg(long, hide = true)]
    pub tracks: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct ClipResult {
    clip: String,
    exercise_id: String,
    expected: u32,
    predicted: u32,
    partial: u32,
    frames: usize,
    seconds: f64,
}

/// Runs the evaluation.
pub fn run(args: RepsArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    let gt_path = args.dir.join("ground_truth.json");
    let text = std::fs::read_to_string(&gt_path)
        .with_context(|| format!("reading {}", gt_path.display()))?;
    let gt: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", gt_path.display()))?;
    let catalogue = load_catalogue(args.exercises_dir.as_deref())?;
    let config = PoseConfig {
        variant: args.model,
        threads: args.threads,
    };

    let mut results = Vec::new();
    for (clip, entry) in &gt {
        let (Some(exercise_id), Some(expected)) = (
            entry.get("exercise_id").and_then(|v| v.as_str()),
            entry.get("reps").and_then(|v| v.as_u64()),
        ) else {
            continue; // notes and other non-clip keys
        };
        let exercise = catalogue
            .get(exercise_id)
            .with_context(|| format!("{clip} in {}", gt_path.display()))?;
        let video = args.dir.join(clip);
        let track;
        let source = match &args.tracks {
            Some(dir) => {
                let stem = video
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default();
                track = dir.join(format!("{stem}.jsonl"));
                PoseSource::Track(&track)
            }
            None => PoseSource::Model(&config),
        };
        eprintln!("{clip}: {exercise_id} ...");
        let analysis = analyze_video(
            &video,
            exercise,
            &ExerciseOverrides::default(),
            source,
            false,
            false,
        )
        .with_context(|| format!("analysing {clip}"))?;
        results.push(ClipResult {
            clip: clip.clone(),
            exercise_id: exercise_id.to_string(),
            expected: expected as u32,
            predicted: analysis.report.reps,
            partial: analysis.report.partial_reps,
            frames: analysis.report.summary_statistics.total_frames,
            seconds: analysis.elapsed.as_secs_f64(),
        });
    }
    anyhow::ensure!(
        !results.is_empty(),
        "no clips with exercise_id and reps in {}",
        gt_path.display()
    );

    let exact = results.iter().filter(|r| r.predicted == r.expected).count();
    let worst = results
        .iter()
        .map(|r| r.predicted.abs_diff(r.expected))
        .max()
        .unwrap_or(0);
    let total_abs: u32 = results
        .iter()
        .map(|r| r.predicted.abs_diff(r.expected))
        .sum();
    let passed = exact >= args.min_exact && worst <= args.max_off;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "clips": results,
                "exact": exact,
                "total": results.len(),
                "max_off": worst,
                "mean_abs_error": total_abs as f64 / results.len() as f64,
                "passed": passed,
            }))?
        );
    } else {
        println!(
            "{:<32} {:<20} {:>8} {:>9} {:>7} {:>7} {:>8}",
            "CLIP", "EXERCISE", "EXPECTED", "PREDICTED", "PARTIAL", "FRAMES", "SECONDS"
        );
        for r in &results {
            let mark = if r.predicted == r.expected {
                ""
            } else {
                "  <-"
            };
            println!(
                "{:<32} {:<20} {:>8} {:>9} {:>7} {:>7} {:>8.1}{mark}",
                r.clip, r.exercise_id, r.expected, r.predicted, r.partial, r.frames, r.seconds
            );
        }
        println!(
            "summary: {exact}/{} exact, max off by {worst}, mean absolute error {:.2} reps ({})",
            results.len(),
            total_abs as f64 / results.len() as f64,
            if passed { "pass" } else { "FAIL" }
        );
    }
    anyhow::ensure!(
        passed,
        "repetition counting below threshold: {exact} exact (need {}), max off by {worst} (allowed {})",
        args.min_exact,
        args.max_off
    );
    Ok(())
}
