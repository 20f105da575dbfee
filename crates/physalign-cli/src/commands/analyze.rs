//! `physalign analyze VIDEO --exercise ID`: runs a video file through the recording engine (the
//! same pipeline as a live recording in the app: pose, analysis, storage), then prints what the
//! engine found for a person (or as JSON) and writes an HTML report.

use crate::GlobalArgs;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use physalign_analysis::{Catalogue, Exercise, ExerciseOverrides, PatientOverrides};
use physalign_recorder::{
    start_recording, PoseEngine, PreviewOptions, RecorderEvent, RecordingOutcome, RecordingRequest,
    SourceSpec,
};
use physalign_report::{AngleTrace, SessionDocument, SkeletonSnapshot};
use physalign_store::Store;
use physalign_vision::{PoseConfig, PoseVariant};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
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
    /// Prescribed repetitions (the summary counts against them).
    #[arg(long)]
    pub target_reps: Option<u32>,
    /// Therapist overrides for this patient (TOML or JSON), e.g. a lower knee target.
    #[arg(long)]
    pub targets: Option<PathBuf>,
    /// Extra or replacement exercise definitions (a directory of TOML/JSON files).
    #[arg(long)]
    pub exercises_dir: Option<PathBuf>,
    /// Print the engine's report as JSON instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// Write the HTML report here (default: `reports/SESSION.html` beside the database).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Do not store the session in the local database (nor write a report unless `--report`).
    #[arg(long)]
    pub no_store: bool,
    /// The patient the session is recorded for (on a clinician's device).
    #[arg(long)]
    pub patient: Option<String>,
    /// The program item the session is recorded for (default: the only active item of the
    /// exercise, if there is exactly one).
    #[arg(long)]
    pub program_item: Option<String>,
    /// A recording of what was said during the session: transcribed on this device, its
    /// transcript and clinical notes attached to the session.
    #[cfg(feature = "speech")]
    #[arg(long)]
    pub audio: Option<PathBuf>,
    /// Whisper model for `--audio`.
    #[cfg(feature = "speech")]
    #[arg(long, default_value = "tiny.en")]
    pub speech_model: String,
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

/// Runs the subcommand.
pub fn run(args: AnalyzeArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let catalogue = load_catalogue(args.exercises_dir.as_deref())?;
    let exercise = catalogue.get(&args.exercise)?.clone();
    let parse = |what: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| crate::commands::clinical_json::parse_id(what, t))
            .transpose()
    };
    let patient = parse("patient", &args.patient)?;
    let program_item = parse("program item", &args.program_item)?;
    let mut overrides = match &args.targets {
        Some(path) => PatientOverrides::load(path)?.for_exercise(&exercise.id),
        None => ExerciseOverrides::default(),
    };
    if args.target_reps.is_some() {
        overrides.target_reps = args.target_reps;
    }
    // A session that is not kept is recorded into a scratch database, deleted afterwards: one
    // pipeline either way.
    let scratch = if args.no_store {
        Some(tempfile::tempdir().context("creating a scratch directory")?)
    } else {
        None
    };
    let db = match &scratch {
        Some(dir) => dir.path().join("scratch.sqlite"),
        None => global.db_path(),
    };
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let started = Instant::now();
    let outcome = record_file(&db, &args, exercise, overrides, patient)?;
    let frames = outcome.frames;
    eprintln!(
        "{}: {frames} frames in {:.1} s ({:.1} frames/s)",
        args.video.display(),
        started.elapsed().as_secs_f64(),
        frames as f64 / started.elapsed().as_secs_f64().max(1e-9),
    );
    if let Some(reason) = &outcome.interrupted {
        eprintln!("warning: the video ended early ({reason}); what was read is analysed");
    }
    let store = Store::open(&db).with_context(|| format!("opening {}", db.display()))?;
    if let Some(item) = program_item {
        store.link_session_program_item(outcome.session_id, Some(item))?;
    }
    #[cfg(feature = "speech")]
    if let Some(audio) = &args.audio {
        attach_speech(&store, outcome.session_id, audio, &args.speech_model)?;
    }
    // Only what was said (`--audio`) can carry a crisis flag; the store says whether it does.
    let crisis_resources = physalign_report::crisis::session_crisis(&store, outcome.session_id)?;
    let doc = session_document(&store, &outcome)?;
    if scratch.is_none() {
        eprintln!("stored session {} in {}", outcome.session_id, db.display());
    }
    let report_path = match (&args.report, &scratch) {
        (Some(path), _) => Some(path.clone()),
        (None, None) => Some(default_report_path(&db, outcome.session_id)),
        (None, Some(_)) => None,
    };
    if let Some(path) = &report_path {
        write_report(path, &doc)?;
    }
    if args.json {
        let mut report = serde_json::to_value(&doc.report)?;
        if let Some(map) = report.as_object_mut() {
            // Where the session went, so a script can refer to it (`session`, `review`).
            map.insert("session_id".into(), serde_json::json!(outcome.session_id));
            map.insert(
                "program_item_id".into(),
                serde_json::json!(store.session_program_item(outcome.session_id)?),
            );
            map.insert("patient_id".into(), serde_json::json!(patient));
            map.insert(
                "crisis_resources".into(),
                serde_json::to_value(&crisis_resources)?,
            );
        }
        print_stdout(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
    } else {
        // Above the summary: it is the one thing that must not be missed.
        if let Some(resources) = &crisis_resources {
            print_stdout(&crate::commands::crisis::render(resources))?;
        }
        print_stdout(&physalign_report::summary::render(&doc))?;
        if let Some(path) = &report_path {
            print_stdout(&format!("report: {}\n", path.display()))?;
        }
    }
    Ok(())
}

/// Records `args.video` through the recording engine as fast as it decodes, showing progress.
fn record_file(
    db: &Path,
    args: &AnalyzeArgs,
    exercise: Exercise,
    overrides: ExerciseOverrides,
    patient_id: Option<Uuid>,
) -> anyhow::Result<RecordingOutcome> {
    let engine = Arc::new(PoseEngine::new(PoseConfig {
        variant: args.model,
        threads: args.threads,
    }));
    let progress = Arc::new(Progress::new(&args.video));
    let on_event = progress.clone();
    let handle = start_recording(
        db,
        engine,
        RecordingRequest {
            source: SourceSpec::VideoFile {
                path: args.video.clone(),
                real_time: false,
            },
            exercise,
            overrides,
            patient_id,
            // Linked after the recording, to the item named or resolved by the caller.
            program_item_id: None,
            preview: PreviewOptions {
                max_fps: 0.0,
                ..PreviewOptions::default()
            },
            speech: None,
        },
        Arc::new(move |event| on_event.show(&event)),
    )
    .context("cannot analyse the recording")?;
    let outcome = handle.wait();
    progress.finish();
    Ok(outcome?)
}

/// Progress of an analysis: a bar on a terminal, a line every tenth otherwise (logs stay short).
struct Progress {
    bar: ProgressBar,
    last_decile: std::sync::atomic::AtomicU32,
}

impl Progress {
    fn new(video: &Path) -> Self {
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(1000);
            if let Ok(style) =
                ProgressStyle::with_template("{msg} {bar:40} {percent:>3}% · {prefix} · eta {eta}")
            {
                bar.set_style(style);
            }
            bar.set_message(format!(
                "analysing {}",
                video.file_name().map_or_else(
                    || video.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                )
            ));
            bar
        } else {
            ProgressBar::hidden()
        };
        Self {
            bar,
            last_decile: std::sync::atomic::AtomicU32::new(0),
        }
    }

    fn show(&self, event: &RecorderEvent) {
        match event {
            RecorderEvent::Frame(frame) => {
                let fraction = frame.progress.unwrap_or(0.0).clamp(0.0, 1.0);
                let reps = frame.analysis.reps;
                if self.bar.is_hidden() {
                    let decile = (fraction * 10.0) as u32;
                    let last = self
                        .last_decile
                        .fetch_max(decile, std::sync::atomic::Ordering::Relaxed);
                    if decile > last {
                        eprintln!("analysing: {}% (repetitions so far: {reps})", decile * 10);
                    }
                } else {
                    self.bar.set_position((fraction * 1000.0) as u64);
                    self.bar.set_prefix(format!("repetitions so far: {reps}"));
                }
            }
            RecorderEvent::Warning { message } => self.bar.println(format!("warning: {message}")),
            _ => {}
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// What the report shows of a stored session: the engine's report, the angle the counter
/// followed and the body at the working position of the fullest repetition.
fn session_document(store: &Store, outcome: &RecordingOutcome) -> anyhow::Result<SessionDocument> {
    let id = outcome.session_id;
    let report = outcome.report.clone();
    let series = physalign_recorder::history::angle_series(store, id, 2000)?;
    let stored = store.get_session(id)?;
    let skeleton = SessionDocument::fullest_repetition(&report)
        .map(|rep| (rep.peak_ms, rep.number))
        .map(|(peak_ms, number)| -> anyhow::Result<Option<SkeletonSnapshot>> {
            let Some(info) = store.recording(id)? else {
                return Ok(None);
            };
            let mut nearest: Option<physalign_store::FrameRecord> = None;
            store.for_each_frame(id, |frame| {
                let closer = nearest.as_ref().is_none_or(|n| {
                    (frame.timestamp_ms - peak_ms).abs() < (n.timestamp_ms - peak_ms).abs()
                });
                if closer {
                    nearest = Some(frame);
                }
                Ok(())
            })?;
            Ok(nearest.map(|frame| SkeletonSnapshot {
                t_s: frame.timestamp_ms as f64 / 1000.0,
                landmarks: frame
                    .landmarks
                    .iter()
                    .map(|l| [l.x, l.y, l.visibility])
                    .collect(),
                frame_width: info.frame_width,
                frame_height: info.frame_height,
                caption: format!(
                    "The body at {:.1} s, the working position of repetition {}, the fullest of the session.",
                    frame.timestamp_ms as f64 / 1000.0,
                    number.unwrap_or(0)
                ),
            }))
        })
        .transpose()?
        .flatten();
    Ok(SessionDocument {
        report,
        session_id: Some(id.to_string()),
        source: stored
            .as_ref()
            .map(|d| d.session.source.clone())
            .unwrap_or_default(),
        recorded_at: stored.as_ref().map(|d| {
            d.session
                .started_at
                .format("%Y-%m-%d %H:%M UTC")
                .to_string()
        }),
        angle: AngleTrace {
            name: series.angle,
            t_s: series.t_s,
            degrees: series.degrees,
        },
        skeleton,
    })
}

fn default_report_path(db: &Path, session: Uuid) -> PathBuf {
    db.parent()
        .unwrap_or_else(|| Path::new("."))
        .join("reports")
        .join(format!("{session}.html"))
}

fn write_report(path: &Path, doc: &SessionDocument) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, physalign_report::html::render(doc))
        .with_context(|| format!("writing the report {}", path.display()))
}

/// Transcribes `audio` as `physalign transcribe` does, extracts the clinical notes as
/// `physalign notes` does, and attaches both to the session (queued for the care team,
/// subject to the patient's consent at delivery).
#[cfg(feature = "speech")]
fn attach_speech(store: &Store, session: Uuid, audio: &Path, model: &str) -> anyhow::Result<()> {
    use physalign_speech::notes::{NoteExtractor, RuleBasedExtractor};
    let model = crate::commands::transcribe::ModelArgs {
        model: model.to_string(),
        model_file: None,
        threads: None,
        prompt: None,
        clinic_prompt: true,
        language: "en".into(),
        beam: None,
        vocabulary: None,
    };
    let transcriber = model.load()?;
    let (transcript, seconds) = crate::commands::transcribe::transcribe_file(
        &transcriber,
        audio,
        false,
        &model.options()?,
    )?;
    let transcript_id =
        physalign_speech::persist::save_transcript(store, &transcript, Some(session))?;
    let notes = RuleBasedExtractor.extract(&transcript.text);
    physalign_speech::persist::save_notes(store, transcript_id, &notes)?;
    eprintln!(
        "{}: {:.1} s of speech transcribed in {seconds:.1} s and attached to the session",
        audio.display(),
        transcript.audio_seconds
    );
    Ok(())
}
