//! `physalign record`: a live recording from a camera or a video file through the same engine
//! as the desktop app, saved as it goes. Sessions a crash left unfinished are completed first.

use crate::commands::analyze::load_catalogue;
use crate::GlobalArgs;
use anyhow::{bail, Context};
use physalign_analysis::{ExerciseOverrides, PatientOverrides};
use physalign_recorder::{
    recover_interrupted, start_recording, PoseEngine, PreviewOptions, RecorderEvent,
    RecordingRequest, SourceSpec,
};
use physalign_store::Store;
use physalign_vision::{PoseConfig, PoseVariant};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// Arguments of `physalign record`.
#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// Video file to record from (instead of a camera).
    pub video: Option<PathBuf>,
    /// Camera index (`physalign record --list-cameras` lists them).
    #[arg(long, conflicts_with = "video")]
    pub camera: Option<u32>,
    /// List the cameras and exit.
    #[arg(long)]
    pub list_cameras: bool,
    /// Exercise id from the catalogue.
    #[arg(long, default_value = "squat")]
    pub exercise: String,
    /// Play a video file at its own speed, as a camera would deliver it.
    #[arg(long)]
    pub real_time: bool,
    /// Landmark model: lite, full or heavy.
    #[arg(long, default_value = "full")]
    pub model: PoseVariant,
    /// Therapist overrides for this patient (TOML or JSON).
    #[arg(long)]
    pub targets: Option<PathBuf>,
    /// Transcribe the microphone with this Whisper model (e.g. `tiny.en`).
    #[arg(long)]
    pub transcribe: Option<String>,
    /// Microphone name (a substring is enough); the default input otherwise.
    #[arg(long, requires = "transcribe")]
    pub microphone: Option<String>,
    /// The clinic's vocabulary for the transcription (see `physalign transcribe --vocabulary`).
    #[arg(long, value_name = "FILE", requires = "transcribe")]
    pub vocabulary: Option<std::path::PathBuf>,
    /// Print every event as a JSON line on standard output.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: RecordArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    if args.list_cameras {
        let cameras = physalign_recorder::camera::list_cameras();
        if cameras.is_empty() {
            println!("no camera found");
        }
        for c in cameras {
            println!("{}: {} ({})", c.index, c.name, c.description);
        }
        return Ok(());
    }
    let source = match (&args.video, args.camera) {
        (Some(path), None) => SourceSpec::VideoFile {
            path: path.clone(),
            real_time: args.real_time,
        },
        (None, Some(index)) => SourceSpec::Camera { index },
        (None, None) => bail!("give a video file or --camera N"),
        (Some(_), Some(_)) => unreachable!("clap rejects both"),
    };
    let db = global.db_path();
    let catalogue = load_catalogue(None)?;
    let store = Store::open(&db).with_context(|| format!("opening {}", db.display()))?;
    for s in recover_interrupted(&store, &catalogue)? {
        eprintln!(
            "completed interrupted session {} from {} stored frames ({} repetitions)",
            s.session_id, s.frames, s.reps
        );
    }
    let exercise = catalogue.get(&args.exercise)?.clone();
    let overrides = match &args.targets {
        Some(path) => PatientOverrides::load(path)?.for_exercise(&exercise.id),
        None => ExerciseOverrides::default(),
    };
    let engine = Arc::new(PoseEngine::new(PoseConfig {
        variant: args.model,
        threads: 1,
    }));
    let json = args.json;
    let last_reps = Arc::new(AtomicU32::new(0));
    let handle = start_recording(
        &db,
        engine,
        RecordingRequest {
            source,
            exercise,
            overrides,
            patient_id: None,
            program_item_id: None,
            preview: PreviewOptions {
                max_fps: 0.0,
                ..PreviewOptions::default()
            },
            speech: match args.transcribe {
                Some(model) => Some(physalign_recorder::SpeechRequest {
                    microphone: args.microphone.clone(),
                    model,
                    vocabulary: crate::commands::transcribe::load_vocabulary(
                        args.vocabulary.as_deref(),
                    )?,
                }),
                None => None,
            },
        },
        Arc::new(move |event| print_event(&event, json, &last_reps)),
    )?;
    eprintln!(
        "recording session {} (Ctrl-C stops and saves)",
        handle.session_id()
    );
    let handle = Arc::new(handle);
    let on_interrupt = Arc::downgrade(&handle);
    ctrlc_stop(move || {
        if let Some(h) = on_interrupt.upgrade() {
            h.request_stop();
        }
    });
    while !handle.is_finished() {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // Only a signal being handled right now holds another reference; the worker has ended and
    // stored the session either way.
    if let Ok(h) = Arc::try_unwrap(handle) {
        let outcome = h.stop()?;
        eprintln!(
            "stored session {}: {} frames, {} repetitions{}",
            outcome.session_id,
            outcome.frames,
            outcome.reps,
            outcome
                .interrupted
                .map(|m| format!(" (stopped early: {m})"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

fn print_event(event: &RecorderEvent, json: bool, last_reps: &AtomicU32) {
    if json {
        if let Ok(line) = serde_json::to_string(event) {
            let _ = crate::commands::analyze::print_stdout(&format!("{line}\n"));
        }
        return;
    }
    match event {
        RecorderEvent::Frame(f) => {
            if last_reps.swap(f.analysis.reps, Ordering::Relaxed) != f.analysis.reps {
                eprintln!(
                    "{:7.2} s  repetition {}",
                    f.analysis.timestamp_ms as f64 / 1000.0,
                    f.analysis.reps
                );
            }
            for cue in &f.analysis.cues {
                eprintln!(
                    "{:7.2} s  cue: {cue}",
                    f.analysis.timestamp_ms as f64 / 1000.0
                );
            }
        }
        RecorderEvent::Transcript { text, .. } => eprintln!("said: {text}"),
        RecorderEvent::Warning { message } => eprintln!("warning: {message}"),
        _ => {}
    }
}

/// Calls `stop` once on Ctrl-C or SIGTERM so the session is completed and stored.
fn ctrlc_stop(stop: impl FnOnce() + Send + 'static) {
    let stop = std::sync::Mutex::new(Some(stop));
    let result = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(_) => return,
            };
            runtime.block_on(async {
                let Ok(mut term) =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                else {
                    return;
                };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            });
            if let Some(stop) = stop.lock().ok().and_then(|mut s| s.take()) {
                stop();
            }
        });
    if let Err(e) = result {
        tracing::warn!("no Ctrl-C handling: {e}");
    }
}
