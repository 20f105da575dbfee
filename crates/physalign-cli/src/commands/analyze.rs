//! `physalign analyze VIDEO --exercise ID`: tracks the pose through a video, analyses the
//! exercise (repetitions or hold, range of motion, form issues), stores the session in the local
//! database and prints the report.

use crate::GlobalArgs;
use anyhow::Context;
use chrono::{DateTime, Utc};
use physalign_analysis::{
    Catalogue, Exercise, ExerciseOverrides, FrameRecord, FrameSize, PatientOverrides,
    SessionAnalyzer, SessionReport,
};
use physalign_domain::PoseFrame;
use physalign_store::{NewSession, Store};
use physalign_vision::{PoseConfig, PoseTracker, PoseVariant, VideoReader};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Arguments of `physalign analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Video file (mp4, mov, webm, mkv).
    pub video: PathBuf,
    /// Exercise id from the catalogue (`physalign exercises` lists them).
    #[arg(long)]
    pub exercise: String,
    /// Landmark model: lite, full or heavy.
    #[arg(long, default_value = "full")]
    pub model: PoseVariant,
    /// Inference threads per model.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Therapist overrides for this patient (TOML or JSON), e.g. a lower knee target.
    #[arg(long)]
    pub targets: Option<PathBuf>,
    /// Extra or replacement exercise definitions (a directory of TOML/JSON files).
    #[arg(long)]
    pub exercises_dir: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Do not store the session in the local database.
    #[arg(long)]
    pub no_store: bool,
    /// Development: analyse a saved track (`physalign track --json-lines` output) instead of
    /// running the model; the video is only opened for its frame size.
    #[arg(long, hide = true)]
    pub from_track: Option<PathBuf>,
    /// Development: write the per-frame primary angle and all angles as CSV to this file.
    #[arg(long, hide = true)]
    pub trace: Option<PathBuf>,
}

/// Where the pose frames come from.
pub enum PoseSource<'a> {
    /// Run the pose model on the video.
    Model(&'a PoseConfig),
    /// Read a saved JSON-lines track.
    Track(&'a Path),
}

/// The result of analysing one video.
pub struct Analysis {
    /// The session report.
    pub report: SessionReport,
    /// Per-frame analysis, after gap filling.
    pub frames: Vec<FrameRecord>,
    /// The pose frames analysed (kept for storage).
    pub poses: Vec<PoseFrame>,
    /// Time spent tracking and analysing.
    pub elapsed: Duration,
    /// Time spent in analysis only.
    pub analysis_time: Duration,
}

/// Writes `text` to stdout; a reader that went away (`| head`) is not an error.
pub fn print_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Loads the catalogue (built-in plus `dir`).
pub fn load_catalogue(dir: Option<&Path>) -> anyhow::Result<Catalogue> {
    Ok(match dir {
        Some(dir) => Catalogue::with_dir(dir)?,
        None => Catalogue::builtin()?,
    })
}

/// Tracks (or reads) the poses of `video` and analyses them as `exercise`.
pub fn analyze_video(
    video: &Path,
    exercise: &Exercise,
    overrides: &ExerciseOverrides,
    source: PoseSource<'_>,
    keep_poses: bool,
    show_progress: bool,
) -> anyhow::Result<Analysis> {
    let started = Instant::now();
    let reader =
        VideoReader::open(video).with_context(|| format!("opening {}", video.display()))?;
    let info = reader.info().clone();
    let mut analyzer =
        SessionAnalyzer::new(exercise, overrides, FrameSize::new(info.width, info.height))?;
    let mut poses = Vec::new();
    let mut analysis_time = Duration::ZERO;
    let mut analyse = |frame: &PoseFrame| {
        let t = Instant::now();
        analyzer.push(frame);
        analysis_time += t.elapsed();
        if keep_poses {
            poses.push(frame.clone());
        }
    };
    match source {
        PoseSource::Model(config) => {
            let mut tracker = PoseTracker::new(config).context("loading the pose models")?;
            let mut last_decile = 0;
            physalign_vision::track_reader(reader, &mut tracker, |frame, progress| {
                analyse(frame);
                let decile = (progress.fraction() * 10.0) as u64;
                if show_progress && decile > last_decile {
                    last_decile = decile;
                    eprintln!(
                        "analysing: {}% ({} frames)",
                        decile * 10,
                        progress.frames_done
                    );
                }
            })
            .with_context(|| format!("tracking {}", video.display()))?;
        }
        PoseSource::Track(path) => {
            for frame in physalign_analysis::read_track(path)? {
                analyse(&frame);
            }
        }
    }
    let t = Instant::now();
    let (report, frames) = analyzer.finish_with_frames();
    analysis_time += t.elapsed();
    Ok(Analysis {
        report,
        frames,
        poses,
        elapsed: started.elapsed(),
        analysis_time,
    })
}

/// Runs the subcommand.
pub fn run(args: AnalyzeArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let started_at = Utc::now();
    let catalogue = load_catalogue(args.exercises_dir.as_deref())?;
    let exercise = catalogue.get(&args.exercise)?;
    let overrides = match &args.targets {
        Some(path) => PatientOverrides::load(path)?.for_exercise(&exercise.id),
        None => ExerciseOverrides::default(),
    };
    let config = PoseConfig {
        variant: args.model,
        threads: args.threads,
    };
    let source = match &args.from_track {
        Some(path) => PoseSource::Track(path),
        None => PoseSource::Model(&config),
    };
    let analysis = analyze_video(
        &args.video,
        exercise,
        &overrides,
        source,
        !args.no_store,
        true,
    )?;
    let frames = analysis.report.summary_statistics.total_frames;
    eprintln!(
        "{}: {} frames in {:.1} s ({:.1} frames/s end to end; analysis alone {:.0} frames/s)",
        args.video.display(),
        frames,
        analysis.elapsed.as_secs_f64(),
        frames as f64 / analysis.elapsed.as_secs_f64().max(1e-9),
        frames as f64 / analysis.analysis_time.as_secs_f64().max(1e-9),
    );
    if let Some(path) = &args.trace {
        write_trace(path, &analysis.frames)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if !args.no_store {
        let db = global.db_path();
        let id = store_session(&db, &args.video, started_at, &analysis)
            .with_context(|| format!("storing the session in {}", db.display()))?;
        eprintln!("stored session {id} in {}", db.display());
    }
    if args.json {
        print_stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(&analysis.report)?
        ))?;
    } else {
        print_summary(&analysis.report);
    }
    Ok(())
}

fn write_trace(path: &Path, frames: &[FrameRecord]) -> std::io::Result<()> {
    use physalign_analysis::Metric;
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
    writeln!(out, "t_s,quality,primary,{}", names.join(","))?;
    let cell = |v: Option<f32>| v.map_or(String::new(), |v| format!("{v:.1}"));
    for f in frames {
        let values: Vec<String> = Metric::ALL.iter().map(|m| cell(f.values.get(*m))).collect();
        writeln!(
            out,
            "{:.3},{:.2},{},{}",
            f.timestamp_ms as f64 / 1000.0,
            f.quality,
            cell(f.primary_angle),
            values.join(",")
        )?;
    }
    out.flush()
}

fn print_summary(report: &SessionReport) {
    println!("{} ({})", report.exercise_name, report.exercise_id);
    match report.target_reps {
        Some(target) => println!("repetitions: {} of {target}", report.reps),
        None => println!("repetitions: {}", report.reps),
    }
    if report.partial_reps > 0 {
        println!("partial (not counted): {}", report.partial_reps);
    }
    for rep in &report.rep_details {
        let label = rep.number.map_or_else(
            || format!("{:?}", rep.outcome).to_lowercase(),
            |n| format!("#{n}"),
        );
        println!(
            "  {label:>10}  {:6.2}-{:6.2} s  {} {:>5}-{:>5} deg  down {:.1} s  up {:.1} s  issues {}",
            rep.start_ms as f64 / 1000.0,
            rep.end_ms as f64 / 1000.0,
            rep.primary_angle,
            rep.min_angle.map_or("-".into(), |v| format!("{v:.0}")),
            rep.max_angle.map_or("-".into(), |v| format!("{v:.0}")),
            rep.eccentric_s,
            rep.concentric_s,
            rep.form_issues.len()
        );
    }
    for hold in &report.holds {
        println!(
            "hold: {:.1} s in position (target {:.0} s), {} breaks",
            hold.time_in_range_s,
            hold.target_s,
            hold.breaks.len()
        );
    }
    for issue in &report.form_issues {
        println!(
            "  {:6.2} s  {:?}  {}: {}",
            issue.timestamp_ms as f64 / 1000.0,
            issue.issue.severity,
            issue.issue.joint,
            issue.issue.message
        );
    }
    println!(
        "frames: {}, average quality {:.2}",
        report.summary_statistics.total_frames, report.summary_statistics.average_quality
    );
}

/// Stores the session, its frames, repetitions and summary; returns the session id.
fn store_session(
    db: &Path,
    video: &Path,
    started_at: DateTime<Utc>,
    analysis: &Analysis,
) -> anyhow::Result<Uuid> {
    let store = Store::open(db)?;
    let report = &analysis.report;
    let session_id = store.create_session(&NewSession {
        id: Uuid::new_v4(),
        patient_id: None,
        exercise_id: report.exercise_id.clone(),
        source: video.display().to_string(),
        started_at,
    })?;
    let mut writer = store.frame_writer(session_id)?;
    for (n, (record, pose)) in analysis.frames.iter().zip(&analysis.poses).enumerate() {
        writer.push(physalign_store::FrameRecord {
            frame_number: n as i64,
            timestamp_ms: record.timestamp_ms,
            landmarks: pose.landmarks.clone(),
            world_landmarks: pose.world_landmarks.clone(),
            angles: record
                .angles()
                .into_iter()
                .map(|(k, v)| (k, v as f32))
                .collect(),
            quality_score: record.quality.clamp(0.0, 1.0),
            form_issues: record.form_issues.clone(),
        })?;
    }
    writer.finish()?;
    let completion = physalign_recorder::completion_from_report(report)?;
    store.complete_session(session_id, &completion)?;
    Ok(session_id)
}
