//! `physalign export fhir|csv [--patient ID] --out …`: a patient's record as a FHIR R4 Bundle
//! or as CSV of sessions and measurements (physalign-export). On a patient's own device
//! `--patient` may be omitted.

use crate::commands::clinical_json::{open_store, parse_id};
use crate::GlobalArgs;
use anyhow::Context;
use physalign_workspace::Catalogue;
use std::path::PathBuf;

/// Arguments of `physalign export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    command: ExportCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ExportCommand {
    /// A FHIR R4 Bundle (JSON) of the patient's record.
    Fhir(Target),
    /// `sessions.csv` and `measurements.csv` of the patient's record.
    Csv(Target),
}

/// Whose record and where to.
#[derive(Debug, clap::Args)]
struct Target {
    /// The patient's id (may be omitted on the patient's own device).
    #[arg(long)]
    patient: Option<String>,
    /// The Bundle's file (fhir) or the directory for the CSV files (csv).
    #[arg(long)]
    out: PathBuf,
}

/// Runs the subcommand.
pub fn run(args: ExportArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let (target, fhir) = match args.command {
        ExportCommand::Fhir(target) => (target, true),
        ExportCommand::Csv(target) => (target, false),
    };
    let patient = target
        .patient
        .as_deref()
        .map(|p| parse_id("patient", p))
        .transpose()?;
    let store = open_store(global)?;
    let catalogue = Catalogue::builtin().context("loading the exercise catalogue")?;
    let summary = if fhir {
        physalign_export::export_fhir(&store, &catalogue, patient, &target.out)?
    } else {
        physalign_export::export_csv(&store, &catalogue, patient, &target.out)?
    };
    for file in &summary.files {
        println!("{}", file.display());
    }
    if fhir {
        eprintln!(
            "exported {} sessions as a FHIR R4 Bundle of {} resources",
            summary.sessions, summary.resources
        );
    } else {
        eprintln!("exported {} sessions as CSV", summary.sessions);
    }
    Ok(())
}
