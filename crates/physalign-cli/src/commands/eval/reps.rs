//! `physalign eval reps DIR`: predicted against hand-counted repetitions (and holds, steps, the
//! rise of a Timed Up and Go) for every clip listed in `DIR/ground_truth.json`; see
//! [`super::truth`] for the two shapes read.

use super::truth::{self, ClipTruth, Expected};
use crate::commands::analyze::load_catalogue;
use crate::GlobalArgs;
use anyhow::Context;
use physalign_analysis::functional_test::FunctionalTest;
use physalign_analysis::report::SessionReport;
use physalign_analysis::{Exercise, ExerciseOverrides, FrameSize, SessionAnalyzer};
use physalign_vision::{PoseConfig, PoseTracker, PoseVariant, VideoReader};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A hold measured within this many seconds of the hand-timed one counts as exact.
const HOLD_TOLERANCE_S: f64 = 1.0;

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
    /// Fail when any clip is off by more than this many repetitions (or seconds of a hold).
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
    /// Hand count (or hold seconds).
    expected: f64,
    /// Predicted count (or hold seconds).
    predicted: f64,
    /// How far off, in repetitions or seconds.
    off: f64,
    exact: bool,
    partial: u32,
    expected_partial: Option<u32>,
    /// Full repetitions per side, for exercises counted per side.
    by_side: Option<String>,
    expected_by_side: Option<String>,
    /// The side(s) that moved.
    active_side: String,
    /// The functional test's score, when the exercise is one.
    test: Option<String>,
    /// Reliability level, reasons and detected view.
    reliability: String,
    frames: usize,
    seconds: f64,
}

/// The count compared with a hand count: full repetitions, except for Timed Up and Go where the
/// clips show the rise (cycles that reached standing).
fn predicted_count(report: &SessionReport) -> u32 {
    match report.functional_test.as_ref().map(|t| &t.test) {
        Some(FunctionalTest::TimeToReturn) => {
            report.rep_details.iter().filter(|r| r.reached_work).count() as u32
        }
        _ => report.reps,
    }
}

fn describe_test(report: &SessionReport) -> Option<String> {
    let t = report.functional_test.as_ref()?;
    let secs =
        |ms: Option<i64>| ms.map_or("-".to_string(), |ms| format!("{:.1}s", ms as f64 / 1000.0));
    Some(match &t.test {
        FunctionalTest::CountInWindow { window_s } => format!(
            "{} in {window_s}s{}",
            t.count.unwrap_or(0),
            if t.completed { "" } else { " (clip shorter)" }
        ),
        FunctionalTest::TimeToCount { count } => match t.seconds {
            Some(s) => format!("{count} in {s:.1}s"),
            None => format!("{} of {count}, unfinished", t.count.unwrap_or(0)),
        },
        FunctionalTest::TimeToReturn => match t.seconds {
            Some(s) => format!("TUG {s:.1}s"),
            None => format!("rise from {}, not back seated", secs(t.start_ms)),
        },
        FunctionalTest::Cadence => format!(
            "{} steps, {} steps/min",
            t.count.unwrap_or(0),
            t.steps_per_minute
                .map_or("-".to_string(), |c| format!("{c:.0}"))
        ),
    })
}

fn evaluate(truth: &ClipTruth, report: &SessionReport, frames: usize, seconds: f64) -> ClipResult {
    let (expected, predicted) = match truth.expected {
        Expected::Count(n) => (n as f64, predicted_count(report) as f64),
        Expected::HoldSeconds(s) => (
            s,
            report
                .holds
                .iter()
                .map(|h| h.time_in_range_s)
                .fold(0.0, f64::max),
        ),
    };
    let off = (predicted - expected).abs();
    let exact = match truth.expected {
        Expected::Count(_) => off == 0.0,
        Expected::HoldSeconds(_) => off <= HOLD_TOLERANCE_S,
    };
    let reliability = report.reliability.as_ref().map_or("-".to_string(), |r| {
        let reasons: Vec<String> = r
            .reasons
            .iter()
            .map(|x| format!("{x:?}").to_lowercase())
            .collect();
        format!(
            "{:?}{} ({})",
            r.level,
            if reasons.is_empty() {
                String::new()
            } else {
                format!(": {}", reasons.join(","))
            },
            r.view.as_str()
        )
        .to_lowercase()
    });
    ClipResult {
        clip: truth.clip.clone(),
        exercise_id: truth.exercise_id.clone(),
        expected,
        predicted: (predicted * 10.0).round() / 10.0,
        off: (off * 10.0).round() / 10.0,
        exact,
        partial: report.partial_reps,
        expected_partial: truth.partial,
        by_side: report
            .reps_by_side
            .map(|s| format!("{}L+{}R", s.left, s.right)),
        expected_by_side: truth.per_side.clone(),
        active_side: format!("{:?}", report.active_side).to_lowercase(),
        test: describe_test(report),
        reliability,
        frames,
        seconds,
    }
}

/// Tracks the clip (or reads its saved track) through the session analyser.
fn analyse_clip(
    video: &Path,
    exercise: &Exercise,
    track: Option<&Path>,
    config: &PoseConfig,
) -> anyhow::Result<SessionReport> {
    let reader =
        VideoReader::open(video).with_context(|| format!("opening {}", video.display()))?;
    let info = reader.info().clone();
    let mut analyzer = SessionAnalyzer::new(
        exercise,
        &ExerciseOverrides::default(),
        FrameSize::new(info.width, info.height),
    )?;
    match track {
        Some(track) => {
            for frame in physalign_analysis::read_track(track)? {
                analyzer.push(&frame);
            }
        }
        None => {
            let mut tracker = PoseTracker::new(config).context("loading the pose models")?;
            physalign_vision::track_reader(reader, &mut tracker, |frame, _| {
                analyzer.push(frame);
            })
            .with_context(|| format!("tracking {}", video.display()))?;
        }
    }
    Ok(analyzer.finish())
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
    for truth in truth::clips(&gt) {
        let clip = &truth.clip;
        let exercise = catalogue
            .get(&truth.exercise_id)
            .with_context(|| format!("{clip} in {}", gt_path.display()))?;
        let video = args.dir.join(clip);
        let track = args.tracks.as_ref().map(|dir| {
            let stem = video
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            dir.join(format!("{stem}.jsonl"))
        });
        eprintln!("{clip}: {} ...", truth.exercise_id);
        let started = Instant::now();
        let report = analyse_clip(&video, exercise, track.as_deref(), &config)
            .with_context(|| format!("analysing {clip}"))?;
        let frames = report.summary_statistics.total_frames;
        results.push(evaluate(
            &truth,
            &report,
            frames,
            started.elapsed().as_secs_f64(),
        ));
    }
    anyhow::ensure!(
        !results.is_empty(),
        "no clips with an exercise and a count in {}",
        gt_path.display()
    );

    let exact = results.iter().filter(|r| r.exact).count();
    let worst = results.iter().map(|r| r.off).fold(0.0, f64::max);
    let total_abs: f64 = results.iter().map(|r| r.off).sum();
    let passed = exact >= args.min_exact && worst <= args.max_off as f64;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "clips": results,
                "exact": exact,
                "total": results.len(),
                "max_off": worst,
                "mean_abs_error": total_abs / results.len() as f64,
                "passed": passed,
            }))?
        );
    } else {
        println!(
            "{:<42} {:<19} {:>5} {:>5} {:>7} {:<9} {:<11} {:<30} {:>6} {:>6}",
            "CLIP",
            "EXERCISE",
            "TRUE",
            "PRED",
            "PARTIAL",
            "SIDE",
            "BY SIDE",
            "RELIABILITY",
            "FRAMES",
            "SECS"
        );
        for r in &results {
            let partial = match r.expected_partial {
                Some(p) => format!("{}/{p}", r.partial),
                None => r.partial.to_string(),
            };
            println!(
                "{:<42} {:<19} {:>5} {:>5} {:>7} {:<9} {:<11} {:<30} {:>6} {:>6.1}{}{}",
                r.clip,
                r.exercise_id,
                r.expected,
                r.predicted,
                partial,
                r.active_side,
                r.by_side.as_deref().unwrap_or("-"),
                r.reliability,
                r.frames,
                r.seconds,
                r.test
                    .as_ref()
                    .map_or(String::new(), |t| format!("  [{t}]")),
                if r.exact { "" } else { "  <-" }
            );
        }
        println!(
            "summary: {exact}/{} exact, max off by {worst}, mean absolute error {:.2} ({})",
            results.len(),
            total_abs / results.len() as f64,
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
