//! `physalign track VIDEO`: the pose in every frame of a video.

use super::pose::landmarks_json;
use crate::GlobalArgs;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use physalign_vision::{PoseConfig, PoseTracker, PoseVariant, VideoReader};
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `physalign track`.
#[derive(Debug, clap::Args)]
pub struct TrackArgs {
    /// Video file (mp4, mov, webm, mkv).
    pub video: PathBuf,
    /// Print one JSON line per frame: `{"timestamp_ms","landmarks","world_landmarks"}`.
    #[arg(long)]
    pub json_lines: bool,
    /// Landmark model: lite, full or heavy.
    #[arg(long, default_value = "full")]
    pub model: PoseVariant,
    /// Inference threads per model.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
}

#[derive(Serialize)]
struct FrameJson {
    timestamp_ms: i64,
    landmarks: Vec<super::pose::LandmarkJson>,
    world_landmarks: Vec<super::pose::LandmarkJson>,
}

/// Runs the subcommand.
pub fn run(args: TrackArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    let reader = VideoReader::open(&args.video)?;
    let info = reader.info().clone();
    let config = PoseConfig {
        variant: args.model,
        threads: args.threads,
    };
    let mut tracker = PoseTracker::new(&config).context("loading the pose models")?;
    let progress = progress_bar(info.estimated_frames);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let started = Instant::now();
    let (mut frames, mut with_person, mut last_reported) = (0u64, 0u64, 0u64);
    for frame in reader {
        let frame = frame?;
        let pose = tracker.process(&frame.image, frame.timestamp_ms)?;
        frames += 1;
        with_person += u64::from(pose.has_person());
        progress.set_position(frames);
        if progress.is_hidden() {
            // No terminal: a plain line every ~10 % so logs still show progress.
            let fraction = if info.duration_ms > 0 {
                frame.timestamp_ms as f64 / info.duration_ms as f64
            } else if info.estimated_frames > 0 {
                frames as f64 / info.estimated_frames as f64
            } else {
                0.0
            };
            let decile = (fraction.clamp(0.0, 1.0) * 10.0) as u64;
            if decile > last_reported {
                last_reported = decile;
                eprintln!("tracking: {}% ({frames} frames)", decile * 10);
            }
        }
        if args.json_lines {
            let line = FrameJson {
                timestamp_ms: pose.timestamp_ms,
                landmarks: landmarks_json(&pose.landmarks),
                world_landmarks: landmarks_json(&pose.world_landmarks),
            };
            // Stop at the first write error (e.g. the reader closed the pipe).
            serde_json::to_writer(&mut out, &line).context("writing frames to stdout")?;
            out.write_all(b"\n").context("writing frames to stdout")?;
        }
    }
    progress.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let message = format!(
        "{}: {frames} frames ({}x{}, rotation {}), person in {with_person}, detector ran {} times, {:.1} frames/s",
        args.video.display(),
        info.width,
        info.height,
        info.rotation,
        tracker.estimator().counts().detector_runs,
        if elapsed > 0.0 { frames as f64 / elapsed } else { 0.0 }
    );
    if args.json_lines {
        eprintln!("{message}");
    } else {
        writeln!(out, "{message}")?;
    }
    out.flush()?;
    Ok(())
}

fn progress_bar(estimated_frames: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    if estimated_frames == 0 {
        return ProgressBar::new_spinner();
    }
    let bar = ProgressBar::new(estimated_frames);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} frames {per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}
