//! `physalign program`: program items on this device (the patient's own, or a clinician's
//! patients'), with adherence computed from the linked sessions as the server does.

use crate::commands::clinical_json::{open_store, parse_id, print, program_item};
use crate::GlobalArgs;
use serde_json::Value;

/// Arguments of `physalign program`.
#[derive(Debug, clap::Args)]
pub struct ProgramArgs {
    /// Only this patient's items.
    #[arg(long)]
    pub patient: Option<String>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: ProgramArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let patient = args
        .patient
        .as_deref()
        .map(|p| parse_id("patient", p))
        .transpose()?;
    let store = open_store(global)?;
    let rows = store
        .program_items(patient)?
        .iter()
        .map(|item| program_item(&store, item))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if args.json {
        return print(&Value::Array(rows));
    }
    for row in &rows {
        println!(
            "{}  {}  {}×{}  this week {}/{}  days with data (30 d) {}  {}",
            row["program_item_id"].as_str().unwrap_or_default(),
            row["exercise_id"].as_str().unwrap_or_default(),
            row["sets"],
            row["reps"],
            row["done_this_week"],
            row["per_week"],
            row["days_with_data_30d"],
            row["status"].as_str().unwrap_or_default(),
        );
    }
    Ok(())
}
