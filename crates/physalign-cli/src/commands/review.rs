//! `physalign review SESSION`: a clinician's review of a session, stored here and queued for
//! `sync` (works offline). `--minutes N` records the time spent on it, which `physalign
//! monitoring` counts as clinician review time (sent with the review).

use crate::commands::clinical_json::{open_store, parse_id, print, review};
use crate::GlobalArgs;
use anyhow::{anyhow, bail};
use physalign_api::sessions::{Assessment, CreateReviewRequest, NextSteps};
use uuid::Uuid;

/// Arguments of `physalign review`.
#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    /// The session reviewed.
    pub session: String,
    /// Overall grade: EXCELLENT, GOOD, FAIR, NEEDS_IMPROVEMENT or POOR.
    #[arg(long)]
    pub assessment: String,
    /// Free-text notes.
    #[arg(long)]
    pub notes: String,
    /// What the patient should do next.
    #[arg(long)]
    pub next_steps: Option<String>,
    /// Minutes spent on the review (1 to 480), counted as review time by `physalign monitoring`.
    #[arg(long, value_name = "N")]
    pub minutes: Option<u32>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

fn assessment(text: &str) -> anyhow::Result<Assessment> {
    let upper = text.trim().to_ascii_uppercase().replace(['-', ' '], "_");
    Assessment::parse(&upper).ok_or_else(|| {
        anyhow!("unknown assessment {text:?}: use EXCELLENT, GOOD, FAIR, NEEDS_IMPROVEMENT or POOR")
    })
}

/// Runs the subcommand.
pub fn run(args: ReviewArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let session = parse_id("session", &args.session)?;
    let store = open_store(global)?;
    if store.get_session(session)?.is_none() {
        bail!("no session {session} on this device (run `physalign sync` first)");
    }
    let id = Uuid::new_v4();
    let request = CreateReviewRequest {
        id: Some(id),
        session_id: session,
        notes: Some(args.notes),
        overall_assessment: assessment(&args.assessment)?,
        form_feedback: Vec::new(),
        next_steps: args.next_steps.map(|text| NextSteps {
            recommended_exercises: Vec::new(),
            frequency: Some(text),
            follow_up_date: None,
        }),
        minutes_spent: args.minutes,
    };
    store.create_offline_review_with_minutes(
        id,
        session,
        &serde_json::to_value(&request)?,
        args.minutes,
    )?;
    let stored = store
        .session_reviews(session)?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| anyhow!("review {id} was not stored"))?;
    if args.json {
        let mut doc = review(&stored);
        doc["session_id"] = serde_json::json!(session);
        doc["queued"] = serde_json::json!(true);
        doc["minutes_spent"] = serde_json::json!(store.review_minutes_spent(id)?);
        return print(&doc);
    }
    let minutes = args
        .minutes
        .map(|m| format!(" ({m} min recorded)"))
        .unwrap_or_default();
    println!("review {id} of session {session} stored{minutes}; `physalign sync` sends it");
    Ok(())
}
