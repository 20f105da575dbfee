//! `physalign prescribe`: a clinician prescribes a program item for a patient, stored here and
//! queued for `sync` (works offline).

use crate::commands::clinical_json::{open_store, parse_id, print, program_item};
use crate::GlobalArgs;
use chrono::{NaiveDate, Utc};
use physalign_store::{ProgramItem, ProgramItemStatus};
use uuid::Uuid;

/// Arguments of `physalign prescribe`.
#[derive(Debug, clap::Args)]
pub struct PrescribeArgs {
    /// The patient.
    #[arg(long)]
    pub patient: String,
    /// Exercise catalogue id.
    #[arg(long)]
    pub exercise: String,
    /// Sets per session.
    #[arg(long)]
    pub sets: u32,
    /// Repetitions per set.
    #[arg(long)]
    pub reps: Option<u32>,
    /// Hold time in seconds (for holds).
    #[arg(long)]
    pub hold_s: Option<u32>,
    /// Target joint angle in degrees.
    #[arg(long)]
    pub target_angle: Option<f64>,
    /// Tolerance around the target angle in degrees.
    #[arg(long)]
    pub tolerance: Option<f64>,
    /// Side: left, right, both or each.
    #[arg(long)]
    pub side: Option<String>,
    /// Sessions per week.
    #[arg(long, default_value_t = 3)]
    pub per_week: u32,
    /// First day (YYYY-MM-DD; default today).
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last day (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Instructions for the patient.
    #[arg(long)]
    pub instructions: Option<String>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: PrescribeArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let patient = parse_id("patient", &args.patient)?;
    if args.reps.is_none() && args.hold_s.is_none() {
        anyhow::bail!("give --reps or --hold-s");
    }
    let now = Utc::now();
    let item = ProgramItem {
        id: Uuid::new_v4(),
        patient_id: patient,
        exercise_id: args.exercise,
        sets: Some(i64::from(args.sets)),
        reps: args.reps.map(i64::from),
        hold_seconds: args.hold_s.map(i64::from),
        target_angle: args.target_angle,
        tolerance: args.tolerance,
        side: args.side,
        per_week: Some(i64::from(args.per_week)),
        start_date: Some(args.from.unwrap_or_else(|| now.date_naive())),
        end_date: args.to,
        instructions: args.instructions,
        status: ProgramItemStatus::Active,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let store = open_store(global)?;
    store.create_program_item(&item)?;
    if args.json {
        let mut doc = program_item(&store, &item)?;
        doc["queued"] = serde_json::json!(true);
        return print(&doc);
    }
    println!(
        "program item {} ({}) for patient {patient} stored; `physalign sync` sends it",
        item.id, item.exercise_id
    );
    Ok(())
}
