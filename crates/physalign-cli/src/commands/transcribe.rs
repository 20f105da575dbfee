//! `physalign transcribe`: an audio file (or the microphone) through the local Whisper model;
//! prints the transcript and stores it in the local database.

use crate::GlobalArgs;
use anyhow::{bail, Context};
use physalign_speech::persist;
use physalign_speech::stream::StreamingTranscription;
use physalign_speech::transcribe::{default_threads, Segment, Transcript};
use physalign_speech::wer::word_errors;
use physalign_speech::{ModelSource, TranscribeOptions, Vocabulary, WhisperTranscriber};
use physalign_store::Store;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Model and decoding options shared with `physalign notes`.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    /// Whisper model: tiny.en (fast, English) or base (multilingual, more accurate).
    #[arg(long, default_value = "tiny.en")]
    pub model: String,
    /// Use this ggml model file instead of the provisioned one (e.g. to check a conversion).
    #[arg(long, value_name = "PATH")]
    pub model_file: Option<PathBuf>,
    /// CPU threads for inference (default: half the cores, at least one).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Extra vocabulary or context for the recogniser (exercise names, people, clinic terms).
    #[arg(long)]
    pub prompt: Option<String>,
    /// Prime the recogniser with physiotherapy vocabulary (squats, hamstring, sets and reps...).
    #[arg(long)]
    pub clinic_prompt: bool,
    /// Spoken language code (multilingual models); `auto` detects it.
    #[arg(long, default_value = "en")]
    pub language: String,
    /// Beam search width (default: greedy decoding, the fastest).
    #[arg(long)]
    pub beam: Option<usize>,
    /// The clinic's vocabulary: a JSON file `{"terms": [...], "replacements": [{"heard",
    /// "written"}]}` (the app's settings keep the same): terms prime the recogniser, replacements
    /// fix what it writes.
    #[arg(long, value_name = "FILE")]
    pub vocabulary: Option<PathBuf>,
}

/// The vocabulary in `path` (checked), or none.
pub fn load_vocabulary(path: Option<&Path>) -> anyhow::Result<Vocabulary> {
    let Some(path) = path else {
        return Ok(Vocabulary::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the vocabulary {}", path.display()))?;
    let vocabulary: Vocabulary = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a vocabulary (JSON terms and replacements)",
            path.display()
        )
    })?;
    vocabulary
        .checked()
        .with_context(|| format!("the vocabulary {}", path.display()))
}

impl ModelArgs {
    /// Where the chosen model comes from.
    pub fn source(&self) -> ModelSource {
        match &self.model_file {
            Some(path) => ModelSource::File {
                path: path.clone(),
                name: self.model.clone(),
            },
            None => ModelSource::Provisioned(self.model.clone()),
        }
    }

    /// Loads the chosen model.
    pub fn load(&self) -> anyhow::Result<WhisperTranscriber> {
        Ok(WhisperTranscriber::open(&self.source())?)
    }

    /// The decoding options.
    pub fn options(&self) -> anyhow::Result<TranscribeOptions> {
        let threads = self.threads.unwrap_or_else(default_threads);
        if threads == 0 {
            bail!("--threads must be at least 1");
        }
        Ok(TranscribeOptions {
            threads,
            clinic_prompt: self.clinic_prompt,
            prompt: self.prompt.clone(),
            language: (self.language != "auto").then(|| self.language.clone()),
            beam_size: self.beam,
            vocabulary: load_vocabulary(self.vocabulary.as_deref())?,
            ..Default::default()
        })
    }
}

/// Arguments of `physalign transcribe`.
#[derive(Debug, clap::Args)]
pub struct TranscribeArgs {
    /// Audio file (wav, flac, mp3, ogg; any rate and channel count).
    #[arg(required_unless_present_any = ["mic", "list_devices"])]
    pub audio: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Transcribe each channel on its own, labelled left/right (one speaker per channel).
    #[arg(long)]
    pub per_channel: bool,
    /// Attach the transcript to this exercise session (UUID).
    #[arg(long)]
    pub session: Option<String>,
    /// Do not store the transcript in the database.
    #[arg(long)]
    pub no_store: bool,
    /// Reference transcript (text file): report the word error rate.
    #[arg(long, value_name = "FILE")]
    pub reference: Option<PathBuf>,
    /// Record from the microphone instead of a file, printing segments as they are recognised.
    #[arg(long, conflicts_with = "audio")]
    pub mic: bool,
    /// Input device (part of its name) for --mic; default: the system default input.
    #[arg(long)]
    pub device: Option<String>,
    /// Stop recording after this many seconds (default: until Ctrl-D / end of stdin).
    #[arg(long)]
    pub seconds: Option<f64>,
    /// List input devices and exit.
    #[arg(long)]
    pub list_devices: bool,
}

fn segment_json(s: &Segment) -> serde_json::Value {
    let mut v = json!({
        "start_ms": s.start_ms,
        "end_ms": s.end_ms,
        "text": s.text,
        "confidence": (f64::from(s.confidence) * 1000.0).round() / 1000.0,
    });
    if let Some(speaker) = &s.speaker {
        v["speaker"] = json!(speaker);
    }
    v
}

/// The JSON document of a transcript (the contract evaluation scripts read).
pub fn transcript_json(t: &Transcript, processing_seconds: f64) -> serde_json::Value {
    json!({
        "text": t.text,
        "segments": t.segments.iter().map(segment_json).collect::<Vec<_>>(),
        "audio_seconds": t.audio_seconds,
        "processing_seconds": processing_seconds,
        "model": t.model,
        "language": t.language,
    })
}

fn clock(ms: u64) -> String {
    format!(
        "{:02}:{:02}.{:02}",
        ms / 60_000,
        (ms / 1000) % 60,
        (ms % 1000) / 10
    )
}

fn print_segment(s: &Segment) {
    let who = s
        .speaker
        .as_deref()
        .map(|w| format!(" {w}:"))
        .unwrap_or_default();
    println!(
        "[{} -> {}]{who} {}",
        clock(s.start_ms),
        clock(s.end_ms),
        s.text
    );
}

/// Opens the device database.
pub fn open_store(global: &GlobalArgs) -> anyhow::Result<Store> {
    let path = global.db_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    Store::open(&path).with_context(|| format!("cannot open database {}", path.display()))
}

/// Transcribes a file with a loaded model; returns the transcript and the seconds spent
/// (decoding included).
pub fn transcribe_file(
    transcriber: &WhisperTranscriber,
    path: &Path,
    per_channel: bool,
    options: &TranscribeOptions,
) -> anyhow::Result<(Transcript, f64)> {
    let transcript = transcriber.transcribe_path(path, per_channel, options)?;
    let seconds = transcript.processing_seconds;
    Ok((transcript, seconds))
}

/// Runs the subcommand.
pub fn run(args: TranscribeArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    if args.list_devices {
        for name in physalign_speech::capture::input_device_names()? {
            println!("{name}");
        }
        return Ok(());
    }
    let session = args
        .session
        .as_deref()
        .map(persist::parse_session_id)
        .transpose()?;
    let options = args.model.options()?;
    let store = if args.no_store {
        None
    } else {
        Some(open_store(global)?)
    };
    let (transcript, processing_seconds, stored_id) = match (&args.audio, args.mic) {
        (_, true) => {
            let transcriber = args.model.load()?;
            record_microphone(&args, transcriber, options, store.as_ref(), session)?
        }
        (Some(path), false) => {
            // The function the speech benchmark times: model load, decoding, voice activity
            // and transcription.
            let t = physalign_speech::transcribe_file(
                &args.model.source(),
                path,
                args.per_channel,
                &options,
            )?;
            let seconds = t.processing_seconds;
            let id = match &store {
                Some(s) => Some(persist::save_transcript(s, &t, session)?),
                None => None,
            };
            if !args.json {
                t.segments.iter().for_each(print_segment);
            }
            (t, seconds, id)
        }
        (None, false) => bail!("give an audio file or --mic"),
    };
    let mut doc = transcript_json(&transcript, processing_seconds);
    if let Some(id) = stored_id {
        doc["transcript_id"] = json!(id.to_string());
    }
    if let Some(reference) = &args.reference {
        let text = std::fs::read_to_string(reference)
            .with_context(|| format!("cannot read reference {}", reference.display()))?;
        let e = word_errors(&text, &transcript.text);
        doc["wer"] = json!(e.rate());
        doc["reference_words"] = json!(e.reference_words);
        doc["word_errors"] = json!(e.errors);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        eprintln!(
            "{:.1} s of audio in {:.2} s (real-time factor {:.3}) with {}{}{}",
            transcript.audio_seconds,
            processing_seconds,
            processing_seconds / transcript.audio_seconds.max(1e-9),
            transcript.model,
            stored_id
                .map(|id| format!("; stored as transcript {id}"))
                .unwrap_or_default(),
            doc.get("wer")
                .and_then(|w| w.as_f64())
                .map(|w| format!("; WER {:.1}%", w * 100.0))
                .unwrap_or_default(),
        );
    }
    Ok(())
}

fn record_microphone(
    args: &TranscribeArgs,
    transcriber: WhisperTranscriber,
    options: TranscribeOptions,
    store: Option<&Store>,
    session: Option<persist::Uuid>,
) -> anyhow::Result<(Transcript, f64, Option<persist::Uuid>)> {
    let language = options.language.clone().unwrap_or_else(|| "auto".into());
    let live = match store {
        Some(s) => Some(persist::LiveTranscript::begin(
            s,
            session,
            transcriber.model(),
            &language,
        )?),
        None => None,
    };
    let microphone = physalign_speech::capture::Microphone::open(args.device.as_deref())?;
    eprintln!("recording from {} ...", microphone.name());
    let (segments_tx, segments_rx) = std::sync::mpsc::channel::<Segment>();
    let stream = StreamingTranscription::start(Arc::new(transcriber), options, move |s| {
        // The printing side may have stopped; nothing else to do with the segment then.
        let _ = segments_tx.send(s.clone());
    })?;
    let recording = microphone.record(stream.sender())?;
    let started = Instant::now();
    let deadline = args.seconds.map(std::time::Duration::from_secs_f64);
    let stdin_closed = spawn_stdin_watch();
    loop {
        while let Ok(s) = segments_rx.try_recv() {
            emit_live(&s, args.json, live.as_ref(), store)?;
        }
        let timed_out = deadline.is_some_and(|d| started.elapsed() >= d);
        if timed_out || (deadline.is_none() && stdin_closed.try_recv().is_ok()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    recording.stop()?;
    let transcript = stream.finish()?;
    for s in segments_rx.try_iter() {
        emit_live(&s, args.json, live.as_ref(), store)?;
    }
    // Recognition time, not the recording's wall-clock length.
    let seconds = transcript.processing_seconds;
    let id = match (live, store) {
        (Some(l), Some(s)) => Some(l.finish(s, &transcript)?),
        _ => None,
    };
    Ok((transcript, seconds, id))
}

fn emit_live(
    s: &Segment,
    json: bool,
    live: Option<&persist::LiveTranscript>,
    store: Option<&Store>,
) -> anyhow::Result<()> {
    if json {
        eprintln!("{}", segment_json(s));
    } else {
        print_segment(s);
    }
    if let (Some(l), Some(st)) = (live, store) {
        l.append(st, s)?;
    }
    Ok(())
}

/// Signals when stdin reaches end of file (Ctrl-D stops an open-ended recording).
fn spawn_stdin_watch() -> std::sync::mpsc::Receiver<()> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sink = String::new();
        while std::io::stdin()
            .read_line(&mut sink)
            .map(|n| n > 0)
            .unwrap_or(false)
        {
            sink.clear();
        }
        let _ = tx.send(());
    });
    rx
}
