//! `physalign note draft|sign|amend|show`: the note of a visit, drafted on this device in a SOAP
//! layout with every statement's evidence, then signed by the clinician (immutable from then on)
//! and corrected by amendments. `draft SESSION --audio FILE` transcribes a consultation recorded
//! in clinic with the local Whisper model (voice-activity detection first) and stores the
//! transcript with the session; without `--audio` the session's stored transcript is used.
//! A signed note and its amendments are queued for the server (`sync` sends them).

use crate::commands::clinical_json::parse_id;
use crate::commands::note_findings::findings;
use crate::commands::transcribe::{open_store, transcribe_file, ModelArgs};
use crate::GlobalArgs;
use anyhow::{bail, Context};
use chrono::Utc;
use physalign_speech::notes::RuleBasedExtractor;
use physalign_speech::persist;
use physalign_store::{SoapNoteRow, Store};
use physalign_workspace::notes::{draft_note, Evidence, MeasurementRef, NoteDraft, NoteStatement};
use physalign_workspace::Catalogue;
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `physalign note`.
#[derive(Debug, clap::Args)]
pub struct NoteArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: NoteCommand,
}

/// The note's steps.
#[derive(Debug, clap::Subcommand)]
pub enum NoteCommand {
    /// Draft the note of a session (stored as a draft to edit and sign).
    Draft(DraftArgs),
    /// Sign a draft: it becomes the record and cannot change any more.
    Sign(SignArgs),
    /// Correct a signed note with an amendment (author and time kept).
    Amend(AmendArgs),
    /// Show a note with its signature and amendments.
    Show(ShowArgs),
}

/// Arguments of `physalign note draft`.
#[derive(Debug, clap::Args)]
pub struct DraftArgs {
    /// The exercise session the visit is about.
    pub session: String,
    /// A consultation recorded in clinic (wav, flac, mp3, ogg): transcribed here first.
    #[arg(long)]
    pub audio: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Who drafts it (default: the account signed in on this device).
    #[arg(long)]
    pub author: Option<String>,
    /// Print JSON instead of the note.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `physalign note sign`.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The note id.
    pub note: String,
    /// Who signs (default: the account signed in on this device).
    #[arg(long)]
    pub author: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `physalign note amend`.
#[derive(Debug, clap::Args)]
pub struct AmendArgs {
    /// The note id.
    pub note: String,
    /// The correction.
    #[arg(long)]
    pub text: String,
    /// Who writes it (default: the account signed in on this device).
    #[arg(long)]
    pub author: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `physalign note show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The note id.
    pub note: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

fn author(store: &Store, given: Option<String>) -> anyhow::Result<String> {
    if let Some(name) = given
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
    {
        return Ok(name);
    }
    match store.sync_identity()? {
        Some(identity) => Ok(identity.email),
        None => bail!("nobody is signed in on this device: give --author"),
    }
}

fn clock(ms: i64) -> String {
    let ms = ms.max(0);
    format!(
        "{:02}:{:02}.{}",
        ms / 60_000,
        (ms / 1000) % 60,
        (ms % 1000) / 100
    )
}

fn evidence_line(e: &Evidence) -> String {
    match e {
        Evidence::Transcript(span) => format!(
            "[{}–{}] \"{}\"",
            clock(span.start_ms),
            clock(span.end_ms),
            span.quote
        ),
        Evidence::Measurement(MeasurementRef::Repetitions { indices, .. }) => {
            let numbers: Vec<String> = indices.iter().map(|i| format!("#{}", i + 1)).collect();
            format!("[measured] repetitions {}", numbers.join(" "))
        }
        Evidence::Measurement(MeasurementRef::FormIssues { at_ms, .. }) => {
            let times: Vec<String> = at_ms.iter().map(|t| clock(*t)).collect();
            format!("[measured] form issues at {}", times.join(", "))
        }
    }
}

fn print_section(title: &str, statements: &[&NoteStatement]) {
    println!("{title}");
    if statements.is_empty() {
        println!("  (nothing with evidence)");
    }
    for s in statements {
        println!("  - {}", s.text);
        for e in &s.evidence {
            println!("      {}", evidence_line(e));
        }
    }
}

fn refs(list: &[NoteStatement]) -> Vec<&NoteStatement> {
    list.iter().collect()
}

fn print_draft(draft: &NoteDraft) {
    print_section("SUBJECTIVE", &refs(&draft.subjective));
    print_section("OBJECTIVE", &refs(&draft.objective));
    print_section("ASSESSMENT", &refs(&draft.assessment));
    print_section("PLAN", &refs(&draft.plan));
    print_section("KEY TOPICS", &refs(&draft.key_topics));
    print_section(
        "TOPIC SUMMARY",
        &draft.topic_summary.iter().collect::<Vec<_>>(),
    );
    print_section(
        "PATIENT SUMMARY",
        &draft.patient_summary.iter().collect::<Vec<_>>(),
    );
}

fn print_row(row: &SoapNoteRow) {
    println!("note {} (session {})", row.id, row.session_id);
    match &row.signed {
        Some(s) => println!("signed by {} at {}", s.by, s.at.to_rfc3339()),
        None => println!("draft by {}, not signed", row.drafted_by),
    }
    for a in &row.amendments {
        println!(
            "amendment by {} at {}: {}",
            a.author,
            a.created_at.to_rfc3339(),
            a.text
        );
    }
}

fn draft(args: DraftArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let session = parse_id("session", &args.session)?;
    let store = open_store(global)?;
    let drafted_by = author(&store, args.author)?;
    if store.get_session(session)?.is_none() {
        bail!("session {session} is not on this device");
    }
    let mut timing = json!({});
    let transcript_id = match &args.audio {
        Some(audio) => {
            let started = Instant::now();
            let transcriber = args.model.load()?;
            timing["model_load_s"] = json!(started.elapsed().as_secs_f64());
            let (transcript, seconds) =
                transcribe_file(&transcriber, audio, false, &args.model.options()?)
                    .with_context(|| format!("transcribing {}", audio.display()))?;
            timing["transcribe_s"] = json!(seconds);
            timing["audio_s"] = json!(transcript.audio_seconds);
            Some(persist::save_transcript(
                &store,
                &transcript,
                Some(session),
            )?)
        }
        None => store.transcripts_for_session(session)?.last().copied(),
    };
    let transcript = transcript_id
        .map(|id| store.get_transcript(id))
        .transpose()?
        .flatten();
    let started = Instant::now();
    let found = transcript
        .as_ref()
        .map(|t| findings(&RuleBasedExtractor, &t.text));
    let catalogue = Catalogue::builtin().context("the exercise catalogue")?;
    let note = draft_note(
        &store,
        &catalogue,
        session,
        transcript.as_ref().zip(found.as_ref()),
        Utc::now(),
    )?;
    timing["draft_s"] = json!(started.elapsed().as_secs_f64());
    let note_id = store.create_soap_note(
        session,
        note.transcript_id,
        &serde_json::to_value(&note)?,
        &drafted_by,
        note.drafted_at,
    )?;
    if args.json {
        let doc = json!({
            "note_id": note_id,
            "draft": note,
            "transcript": transcript.as_ref().map(|t| json!({
                "id": t.id,
                "text": t.text,
                "audio_seconds": t.audio_seconds,
                "segments": t.segments.iter().map(|s| json!({
                    "start_ms": s.start_ms, "end_ms": s.end_ms, "text": s.text,
                })).collect::<Vec<_>>(),
            })),
            "timing": timing,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    print_draft(&note);
    println!("draft {note_id} stored; sign it with `physalign note sign {note_id}`");
    Ok(())
}

/// Runs the subcommand.
pub fn run(args: NoteArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    match args.command {
        NoteCommand::Draft(args) => draft(args, global),
        NoteCommand::Sign(args) => {
            let id = parse_id("note", &args.note)?;
            let store = open_store(global)?;
            let signer = author(&store, args.author)?;
            let draft = store
                .soap_note(id)?
                .with_context(|| format!("note {id} is not on this device"))?;
            let draft: NoteDraft = serde_json::from_value(draft.document)
                .with_context(|| format!("note {id} is not a note this version drafts"))?;
            let summary = serde_json::to_value(draft.summary())?;
            let row = store.sign_soap_note(id, &signer, &summary, Utc::now())?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&row)?);
            } else {
                print_row(&row);
            }
            Ok(())
        }
        NoteCommand::Amend(args) => {
            let id = parse_id("note", &args.note)?;
            let store = open_store(global)?;
            let writer = author(&store, args.author)?;
            let amendment = store.amend_soap_note(id, &writer, &args.text, Utc::now())?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&amendment)?);
            } else {
                println!("amendment {} by {} kept", amendment.id, amendment.author);
            }
            Ok(())
        }
        NoteCommand::Show(args) => {
            let id = parse_id("note", &args.note)?;
            let store = open_store(global)?;
            let row = store
                .soap_note(id)?
                .with_context(|| format!("note {id} is not on this device"))?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&row)?);
                return Ok(());
            }
            print_row(&row);
            match serde_json::from_value::<NoteDraft>(row.document.clone()) {
                Ok(note) => print_draft(&note),
                Err(_) => println!("{}", serde_json::to_string_pretty(&row.document)?),
            }
            Ok(())
        }
    }
}
