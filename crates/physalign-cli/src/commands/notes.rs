//! `physalign notes`: clinical notes (pain reports, exercises, mood, homework, risk flags and
//! crisis alerts) from an audio file, a text file or literal text, extracted on the device.

use crate::commands::transcribe::{open_store, transcribe_file, ModelArgs};
use crate::GlobalArgs;
use anyhow::Context;
use physalign_report::crisis::{self, CareTeamNotice};
use physalign_speech::notes::{NoteExtractor, RuleBasedExtractor};
use physalign_speech::persist;
use physalign_speech::transcribe::Transcript;
use serde_json::json;
use std::path::Path;

/// Arguments of `physalign notes`.
#[derive(Debug, clap::Args)]
pub struct NotesArgs {
    /// An audio file (wav, flac, mp3, ogg), a text file, or the transcript text itself.
    pub input: String,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Print JSON instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Attach the stored transcript to this exercise session (UUID).
    #[arg(long)]
    pub session: Option<String>,
    /// Do not store transcript and notes in the database.
    #[arg(long)]
    pub no_store: bool,
}

const AUDIO_EXTENSIONS: &[&str] = &["wav", "flac", "mp3", "ogg", "oga"];

fn is_audio(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_lowercase().as_str()))
}

/// Runs the subcommand.
pub fn run(args: NotesArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let session = args
        .session
        .as_deref()
        .map(persist::parse_session_id)
        .transpose()?;
    let path = Path::new(&args.input);
    let (transcript, source) = if path.is_file() && is_audio(path) {
        let transcriber = args.model.load()?;
        let (t, _) = transcribe_file(&transcriber, path, false, &args.model.options()?)?;
        (t, "audio")
    } else if path.is_file() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        (
            Transcript::from_segments(Vec::new(), 0.0, 0.0, "text", "en").with_text(&text),
            "text_file",
        )
    } else {
        (
            Transcript::from_segments(Vec::new(), 0.0, 0.0, "text", "en").with_text(&args.input),
            "text",
        )
    };
    let extractor = RuleBasedExtractor;
    let notes = extractor.extract(&transcript.text);
    let mut stored = None;
    let mut crisis_resources = None;
    if !args.no_store {
        let store = open_store(global)?;
        let transcript_id = persist::save_transcript(&store, &transcript, session)?;
        let notes_id = persist::save_notes(&store, transcript_id, &notes)?;
        stored = Some((transcript_id, notes_id));
        if let Some(session) = session {
            crisis_resources = crisis::session_crisis(&store, session)?;
        }
    }
    if notes.crisis_alert.is_some() && crisis_resources.is_none() {
        // Not stored with a session: nothing of it is queued for the care team.
        crisis_resources = Some(crisis::resources(CareTeamNotice::NotSent));
    }
    if args.json {
        let mut doc = serde_json::to_value(&notes)?;
        doc["source"] = json!(source);
        doc["transcript"] = json!(transcript.text);
        if let Some((t, n)) = stored {
            doc["transcript_id"] = json!(t.to_string());
            doc["notes_id"] = json!(n.to_string());
        }
        doc["crisis_resources"] = serde_json::to_value(&crisis_resources)?;
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    if let Some(alert) = &notes.crisis_alert {
        println!("!! CRISIS ALERT: {}", alert.keywords_matched.join(", "));
    }
    if let Some(resources) = &crisis_resources {
        print!("{}", crate::commands::crisis::render(resources));
    }
    println!("topics: {}", notes.key_topics.join(", "));
    println!("mood: {:?} ({}/5)", notes.session_mood, notes.mood_score);
    for p in &notes.pain_reports {
        let score = p
            .score
            .map(|s| format!("{s}/10"))
            .unwrap_or_else(|| "no score".into());
        println!(
            "pain: {}{} {}{}{}",
            p.laterality
                .map(|l| format!("{l:?} ").to_lowercase())
                .unwrap_or_default(),
            p.body_part.as_deref().unwrap_or("unspecified"),
            score,
            if p.approximate { " (approx.)" } else { "" },
            if p.denied { " (denied)" } else { "" },
        );
    }
    for e in &notes.exercises {
        println!(
            "exercise: {} sets={} reps={}{}",
            e.exercise,
            e.sets.map_or("-".into(), |v| v.to_string()),
            e.reps.map_or("-".into(), |v| v.to_string()),
            e.frequency
                .as_deref()
                .map(|f| format!(" ({f})"))
                .unwrap_or_default(),
        );
    }
    for a in &notes.action_items {
        println!("action: {a}");
    }
    for r in &notes.risk_flags {
        println!("risk [{}]: {}", r.kind, r.quote);
    }
    if let Some((t, _)) = stored {
        eprintln!("stored as transcript {t}");
    }
    Ok(())
}
