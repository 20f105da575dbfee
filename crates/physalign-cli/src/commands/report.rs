//! `physalign report progress|note`: the PDF reports, written on this device from its local
//! store, offline. The command-line contract (issue 19) is
//! `report progress [--patient ID] [--from DATE] [--to DATE] --out FILE.pdf` and
//! `report note SESSION --out FILE.pdf`; on a patient's own device `--patient` may be omitted.

use crate::commands::clinical_json::{open_store, parse_id};
use crate::GlobalArgs;
use anyhow::Context;
use chrono::{NaiveDate, Utc};
use physalign_workspace::{reports, Catalogue};
use std::path::{Path, PathBuf};

/// Arguments of `physalign report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Which report.
    #[command(subcommand)]
    pub command: ReportCommand,
}

/// The reports.
#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// A patient's progress over a period (default: the 30 days ending today) as a PDF.
    Progress(ProgressArgs),
    /// One session's note as a PDF.
    Note(NoteArgs),
}

/// Arguments of `physalign report progress`.
#[derive(Debug, clap::Args)]
pub struct ProgressArgs {
    /// The patient (a clinician's device); omitted on a patient's own device.
    #[arg(long)]
    pub patient: Option<String>,
    /// First day of the period (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last day of the period, inclusive (YYYY-MM-DD; default today).
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Where to write the PDF.
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `physalign report note`.
#[derive(Debug, clap::Args)]
pub struct NoteArgs {
    /// The session id.
    pub session: String,
    /// Where to write the PDF.
    #[arg(long)]
    pub out: PathBuf,
}

fn write(out: &Path, pdf: &[u8]) -> anyhow::Result<()> {
    std::fs::write(out, pdf).with_context(|| format!("cannot write {}", out.display()))?;
    println!("{} ({} bytes)", out.display(), pdf.len());
    Ok(())
}

/// Runs the subcommand.
pub fn run(args: ReportArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let catalogue = Catalogue::builtin().context("the exercise catalogue")?;
    match args.command {
        ReportCommand::Progress(args) => {
            let patient = args
                .patient
                .as_deref()
                .map(|p| parse_id("patient", p))
                .transpose()?;
            let store = open_store(global)?;
            let report = reports::progress_report(
                &store,
                &catalogue,
                patient,
                args.from,
                args.to,
                Utc::now(),
            )?;
            write(&args.out, &physalign_pdf::progress_report_pdf(&report)?)
        }
        ReportCommand::Note(args) => {
            let id = parse_id("session", &args.session)?;
            let store = open_store(global)?;
            let note = reports::session_note(&store, &catalogue, id, Utc::now())?;
            write(&args.out, &physalign_pdf::session_note_pdf(&note)?)
        }
    }
}
