//! The JSON shapes of the clinical commands (`sessions`, `session`, `program`, …): the
//! command-line contract the end-to-end checks read, in one place.

use chrono::Utc;
use physalign_store::{ProgramItem, SessionOverview, SessionReview, Store};
use serde_json::{json, Value};

/// A review as the session commands show it.
pub fn review(r: &SessionReview) -> Value {
    json!({
        "review_id": r.id,
        "assessment": r.assessment,
        "notes": r.notes,
        "next_steps": r.next_steps,
        "reviewed_at": r.reviewed_at,
        "physiotherapist_id": r.physiotherapist_id,
        "origin": r.origin,
    })
}

/// A score as an integer when it is one (pain "8", not "8.0").
fn whole(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

/// A session as `physalign sessions` lists it.
pub fn session(s: &SessionOverview) -> Value {
    json!({
        "session_id": s.session_id,
        "patient_id": s.patient_id,
        "exercise_id": s.exercise_id,
        "started_at": s.started_at,
        "status": s.status,
        "origin": s.origin,
        "program_item_id": s.program_item_id,
        "reps": s.reps,
        "mean_rom": s.mean_rom,
        "pain": s.pain.map(whole),
        "has_transcript": s.has_transcript,
        "frames_available": s.frames > 0,
        "review": s.review.as_ref().map(review),
    })
}

/// A program item with its adherence now, as `physalign program` and `prescribe` show it.
pub fn program_item(store: &Store, item: &ProgramItem) -> anyhow::Result<Value> {
    let adherence = store.adherence(item.id, Utc::now())?;
    Ok(json!({
        "program_item_id": item.id,
        "patient_id": item.patient_id,
        "exercise_id": item.exercise_id,
        "sets": item.sets,
        "reps": item.reps,
        "hold_s": item.hold_seconds,
        "target_angle": item.target_angle,
        "tolerance": item.tolerance,
        "side": item.side,
        "per_week": item.per_week,
        "from": item.start_date,
        "to": item.end_date,
        "instructions": item.instructions,
        "done_this_week": adherence.done_this_week,
        "days_with_data_30d": adherence.days_with_data_30d,
        "status": item.status,
    }))
}

/// Prints `value` as pretty JSON.
pub fn print(value: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Opens the local store at `--db` (creating it).
pub fn open_store(global: &crate::GlobalArgs) -> anyhow::Result<Store> {
    use anyhow::Context;
    let path = global.db_path();
    Store::open(&path).with_context(|| format!("cannot open database {}", path.display()))
}

/// Parses a UUID given on the command line.
pub fn parse_id(what: &str, text: &str) -> anyhow::Result<uuid::Uuid> {
    uuid::Uuid::parse_str(text.trim()).map_err(|e| anyhow::anyhow!("{what} {text:?}: {e}"))
}
