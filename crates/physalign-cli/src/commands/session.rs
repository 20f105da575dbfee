//! `physalign session ID`: one session in detail (repetitions, form issues, transcript, notes,
//! frames available locally, latest review), from the local store.

use crate::commands::clinical_json::{open_store, parse_id, print, review, session};
use crate::GlobalArgs;
use anyhow::anyhow;
use serde_json::json;

/// Arguments of `physalign session`.
#[derive(Debug, clap::Args)]
pub struct SessionArgs {
    /// The session id.
    pub id: String,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: SessionArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let id = parse_id("session", &args.id)?;
    let store = open_store(global)?;
    let overview = store
        .session_overview(id)?
        .ok_or_else(|| anyhow!("no session {id} on this device"))?;
    let detail = store
        .get_session(id)?
        .ok_or_else(|| anyhow!("no session {id} on this device"))?;
    let (transcript, notes) = store.session_transcript_and_notes(id)?;
    let mut doc = session(&overview);
    if let Some(map) = doc.as_object_mut() {
        map.insert("rep_details".into(), json!(detail.repetitions));
        map.insert("form_issues".into(), json!(detail.form_issues));
        map.insert("transcript".into(), json!(transcript));
        map.insert("notes".into(), json!(notes));
        map.insert("frames".into(), json!(overview.frames));
        map.insert(
            "reviews".into(),
            json!(store
                .session_reviews(id)?
                .iter()
                .map(review)
                .collect::<Vec<_>>()),
        );
    }
    if args.json {
        return print(&doc);
    }
    println!(
        "{} {} started {}: {} repetitions, {} frames",
        overview.session_id,
        overview.exercise_id,
        overview.started_at,
        overview.reps,
        overview.frames
    );
    for rep in &detail.repetitions {
        println!(
            "  #{} {:.1}-{:.1} s  {:.0}° ({:.0}°-{:.0}°)",
            rep.index + 1,
            rep.start_ms as f64 / 1000.0,
            rep.end_ms as f64 / 1000.0,
            rep.max_angle - rep.min_angle,
            rep.min_angle,
            rep.max_angle
        );
    }
    if let Some(text) = transcript {
        println!("transcript: {text}");
    }
    if let Some(r) = &overview.review {
        println!(
            "review: {} {}",
            r.assessment,
            r.notes.as_deref().unwrap_or("")
        );
    }
    Ok(())
}
