//! `physalign program`: program items on this device (the patient's own, or a clinician's
//! patients'), with adherence computed from the linked sessions as the server does;
//! `program edit` and `program end` change one offline (at once here; `sync` sends it).

use crate::commands::clinical_json::{open_store, parse_id, print, program_item};
use crate::GlobalArgs;
use chrono::NaiveDate;
use physalign_store::ProgramItemEdit;
use serde_json::{json, Value};

/// Arguments of `physalign program`.
#[derive(Debug, clap::Args)]
pub struct ProgramArgs {
    /// `edit` or `end` an item.
    #[command(subcommand)]
    pub command: Option<ProgramCommand>,
    /// Only this patient's items.
    #[arg(long)]
    pub patient: Option<String>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Subcommands of `physalign program`.
#[derive(Debug, clap::Subcommand)]
pub enum ProgramCommand {
    /// Change an item's dose (clinicians; works offline, `physalign sync` sends it).
    Edit(EditArgs),
    /// End an item (clinicians; works offline, `physalign sync` sends it).
    End(EndArgs),
}

/// Arguments of `physalign program edit`: only the options given change.
#[derive(Debug, clap::Args)]
pub struct EditArgs {
    /// The item's id (`program_item_id`).
    pub item_id: String,
    /// Sets per session.
    #[arg(long)]
    pub sets: Option<u32>,
    /// Repetitions per set.
    #[arg(long)]
    pub reps: Option<u32>,
    /// Hold time in seconds (for holds).
    #[arg(long)]
    pub hold_s: Option<u32>,
    /// Target joint angle in degrees.
    #[arg(long)]
    pub target_angle: Option<f64>,
    /// Sessions per week.
    #[arg(long)]
    pub per_week: Option<u32>,
    /// Last day (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Instructions for the patient.
    #[arg(long)]
    pub instructions: Option<String>,
    /// Print the item as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `physalign program end`.
#[derive(Debug, clap::Args)]
pub struct EndArgs {
    /// The item's id (`program_item_id`).
    pub item_id: String,
    /// Print the item as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: ProgramArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    match args.command {
        Some(ProgramCommand::Edit(edit)) => return edit_item(edit, global),
        Some(ProgramCommand::End(end)) => return end_item(end, global),
        None => {}
    }
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
        let conflicted = row["program_item_id"]
            .as_str()
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
            .map(|id| store.program_item_conflicted(id))
            .transpose()?
            .unwrap_or(false);
        println!(
            "{}  {}  {}×{}  this week {}/{}  days with data (30 d) {}  {}{}",
            row["program_item_id"].as_str().unwrap_or_default(),
            row["exercise_id"].as_str().unwrap_or_default(),
            row["sets"],
            row["reps"],
            row["done_this_week"],
            row["per_week"],
            row["days_with_data_30d"],
            row["status"].as_str().unwrap_or_default(),
            if conflicted {
                "  (sync conflict: this change is not sent; see `physalign sync --status`)"
            } else {
                ""
            },
        );
    }
    Ok(())
}

fn edit_item(args: EditArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let id = parse_id("program item", &args.item_id)?;
    let edit = ProgramItemEdit {
        sets: args.sets.map(i64::from),
        reps: args.reps.map(i64::from),
        hold_seconds: args.hold_s.map(i64::from),
        target_angle: args.target_angle,
        per_week: args.per_week.map(i64::from),
        end_date: args.to,
        instructions: args.instructions,
    };
    if edit.is_empty() {
        anyhow::bail!(
            "give at least one of --sets, --reps, --hold-s, --target-angle, --per-week, --to, \
             --instructions"
        );
    }
    let store = open_store(global)?;
    let item = store.edit_program_item(id, &edit)?;
    if args.json {
        let mut doc = program_item(&store, &item)?;
        doc["queued"] = json!(true);
        return print(&doc);
    }
    println!("program item {id} changed; `physalign sync` sends it");
    Ok(())
}

fn end_item(args: EndArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let id = parse_id("program item", &args.item_id)?;
    let store = open_store(global)?;
    let (item, queued) = store.end_program_item(id)?;
    if args.json {
        let mut doc = program_item(&store, &item)?;
        doc["queued"] = json!(queued);
        return print(&doc);
    }
    if queued {
        println!("program item {id} ended; `physalign sync` sends it");
    } else {
        println!("program item {id} had already ended");
    }
    Ok(())
}
