//! `physalign patients`: the clinician's patients from the local store (pulled by `sync`);
//! `patients add` registers a new one on the server and prints the invitation code.

use crate::commands::clinical_json::open_store;
use crate::commands::clinical_json::print;
use crate::GlobalArgs;
use physalign_api::patients::RegisterPatientRequest;
use physalign_sync::{blocking, CredentialStore};
use serde_json::json;

/// Arguments of `physalign patients`.
#[derive(Debug, clap::Args)]
pub struct PatientsArgs {
    /// `add`: register a patient.
    #[command(subcommand)]
    pub command: Option<PatientsCommand>,
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
    let patients = store.care_patients()?;
    if args.json {
        let rows: Vec<_> = patients
            .iter()
            .map(|p| {
                json!({
                    "patient_id": p.patient.patient_id,
                    "first_name": p.patient.first_name,
                    "last_name": p.patient.last_name,
                    "email": p.patient.email,
                    "last_session_at": p.last_session_at,
                    "alerts_open": p.alerts_open,
                })
            })
            .collect();
        return print(&json!(rows));
    }
    if patients.is_empty() {
        println!("no patients on this device (run `physalign sync` to pull them)");
    }
    for p in &patients {
        println!(
            "{}  {} {}  last session {}  open alerts {}",
            p.patient.patient_id,
            p.patient.first_name,
            p.patient.last_name,
            p.last_session_at
                .map_or_else(|| "never".to_string(), |t| t.to_rfc3339()),
            p.alerts_open
        );
    }
    Ok(())
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
