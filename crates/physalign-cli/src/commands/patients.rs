//! `physalign patients`: the clinician's patients from the local store (pulled by `sync`), with
//! the last session, adherence this week and open alerts as physalign-workspace decides them,
//! `--search` by name; `patients add` registers a new one on the server and prints the
//! invitation code.

use crate::commands::clinical_json::open_store;
use crate::commands::clinical_json::print;
use crate::GlobalArgs;
use chrono::Utc;
use physalign_api::patients::RegisterPatientRequest;
use physalign_sync::{blocking, CredentialStore};
use physalign_workspace::{RosterEntry, Workspace};
use serde_json::{json, Value};

/// Arguments of `physalign patients`.
#[derive(Debug, clap::Args)]
pub struct PatientsArgs {
    /// `add`: register a patient.
    #[command(subcommand)]
    pub command: Option<PatientsCommand>,
    /// Only patients whose first or last name contains this (case-insensitive).
    #[arg(long)]
    pub search: Option<String>,
    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Subcommands of `physalign patients`.
#[derive(Debug, clap::Subcommand)]
pub enum PatientsCommand {
    /// Register a patient on the server (needs the network) and print their invitation code.
    Add(AddArgs),
}

/// Arguments of `physalign patients add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Given name.
    #[arg(long)]
    pub first_name: String,
    /// Family name.
    #[arg(long)]
    pub last_name: String,
    /// The patient's e-mail.
    #[arg(long)]
    pub email: String,
    /// Date of birth (YYYY-MM-DD).
    #[arg(long)]
    pub date_of_birth: Option<chrono::NaiveDate>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: PatientsArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    if let Some(PatientsCommand::Add(add)) = args.command {
        return add_patient(add, global);
    }
    let store = open_store(global)?;
    let patients = Workspace::new(&store, Utc::now()).roster(args.search.as_deref())?;
    if args.json {
        let rows: Vec<_> = patients.iter().map(roster_row).collect();
        return print(&json!(rows));
    }
    if patients.is_empty() {
        match &args.search {
            Some(search) => println!("no patient's name contains {search:?}"),
            None => println!("no patients on this device (run `physalign sync` to pull them)"),
        }
    }
    for p in &patients {
        println!(
            "{}  {} {}  last session {}  this week {}/{}  open alerts {}",
            p.patient_id,
            p.first_name,
            p.last_name,
            p.last_session_at
                .map_or_else(|| "never".to_string(), |t| t.to_rfc3339()),
            p.adherence_this_week.done,
            p.adherence_this_week.target,
            p.alerts_total
        );
    }
    Ok(())
}

/// A roster row as `physalign patients --json` prints it. The first six keys are the released
/// contract (`alerts_open` counts the server's alerts); `alerts_total` adds the device's own.
pub fn roster_row(p: &RosterEntry) -> Value {
    json!({
        "patient_id": p.patient_id,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "email": p.email,
        "last_session_at": p.last_session_at,
        "alerts_open": p.alerts_open,
        "alerts_total": p.alerts_total,
        "adherence_this_week": {
            "done": p.adherence_this_week.done,
            "target": p.adherence_this_week.target,
            "items": p.adherence_this_week.items,
        },
    })
}

fn add_patient(args: AddArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let registered = blocking::register_patient(
        &global.db_path(),
        CredentialStore::new(CredentialStore::default_dir()),
        &RegisterPatientRequest {
            first_name: args.first_name,
            last_name: args.last_name,
            email: args.email,
            date_of_birth: args.date_of_birth,
            ..RegisterPatientRequest::default()
        },
    )?;
    if args.json {
        return print(&json!({
            "patient_id": registered.patient_id,
            "invitation_code": registered.invitation_code,
            "expires_at": registered.expires_at,
        }));
    }
    println!(
        "registered patient {}; invitation code {} (valid until {})",
        registered.patient_id, registered.invitation_code, registered.expires_at
    );
    Ok(())
}
