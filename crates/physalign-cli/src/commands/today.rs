//! `physalign today`: the clinician's start of the day from the local store (pulled by `sync`),
//! as physalign-workspace decides it: the review queue (unreviewed sessions, oldest first), open
//! alerts (crisis, pain ≥ 7, falling range of motion, missed program items) and today's
//! patients (active in the last week).

use crate::commands::clinical_json::{open_store, print};
use crate::GlobalArgs;
use chrono::Utc;
use physalign_workspace::{AlertSource, Workspace};

/// Arguments of `physalign today`.
#[derive(Debug, clap::Args)]
pub struct TodayArgs {
    /// Print `{"review_queue": [...], "alerts": [...], "patients": [...]}`.
    #[arg(long)]
    pub json: bool,
    /// Compute as of this instant (RFC 3339) instead of now.
    #[arg(long)]
    pub at: Option<chrono::DateTime<Utc>>,
}

/// Runs the subcommand.
pub fn run(args: TodayArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let store = open_store(global)?;
    let day = Workspace::new(&store, args.at.unwrap_or_else(Utc::now)).start_of_day()?;
    if args.json {
        return print(&serde_json::to_value(&day)?);
    }
    println!("review queue ({}):", day.review_queue.len());
    for s in &day.review_queue {
        println!(
            "  {}  {} {}  {}  session {}",
            s.started_at.to_rfc3339(),
            s.first_name,
            s.last_name,
            s.exercise_id,
            s.session_id
        );
    }
    println!("open alerts ({}):", day.alerts.len());
    for a in &day.alerts {
        let target = match (a.session_id, a.program_item_id) {
            (Some(session), _) => format!("session {session}"),
            (None, Some(item)) => format!("program item {item}"),
            (None, None) => String::new(),
        };
        let ack = match (a.source, a.alert_id) {
            (AlertSource::Server, Some(id)) => format!("  (alert {id})"),
            _ => String::new(),
        };
        println!(
            "  {}  {}: {}  {target}{ack}",
            a.kind,
            a.patient_id.map(|p| p.to_string()).unwrap_or_default(),
            a.message
        );
    }
    println!("today's patients ({}):", day.patients.len());
    for p in &day.patients {
        println!(
            "  {} {}  last activity {}  open alerts {}",
            p.entry.first_name,
            p.entry.last_name,
            p.last_activity_at.to_rfc3339(),
            p.entry.alerts_total
        );
    }
    Ok(())
}
