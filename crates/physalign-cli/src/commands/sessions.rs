//! `physalign sessions`: sessions on this device, recorded here or pulled (a clinician's
//! patients' sessions), newest first, each with its latest review.

use crate::commands::clinical_json::{open_store, parse_id, print, session};
use crate::GlobalArgs;
use serde_json::Value;

/// Arguments of `physalign sessions`.
#[derive(Debug, clap::Args)]
pub struct SessionsArgs {
    /// Only this patient's sessions.
    #[arg(long)]
    pub patient: Option<String>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: SessionsArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let patient = args
        .patient
        .as_deref()
        .map(|p| parse_id("patient", p))
        .transpose()?;
    let store = open_store(global)?;
    let sessions = store.session_overviews(patient)?;
    if args.json {
        return print(&Value::Array(sessions.iter().map(session).collect()));
    }
    for s in &sessions {
        println!(
            "{}  {}  {:<14} reps {:>3}  ROM {}  pain {}  {}",
            s.session_id,
            s.started_at.format("%Y-%m-%d %H:%M"),
            s.exercise_id,
            s.reps,
            s.mean_rom.map_or("-".into(), |r| format!("{r:.0}°")),
            s.pain.map_or("-".into(), |p| format!("{p}/10")),
            s.review.as_ref().map_or("not reviewed".into(), |r| format!(
                "reviewed: {}",
                r.assessment
            )),
        );
    }
    Ok(())
}
