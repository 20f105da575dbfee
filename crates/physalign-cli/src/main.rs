//! `physalign`: the device engine on the command line. The desktop app and the tests use the same
//! crates; this binary only parses arguments and prints.

mod commands;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Options every subcommand shares.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Local SQLite database (default: the user's data directory).
    #[arg(long, global = true, env = "PHYSALIGN_DB")]
    pub db: Option<PathBuf>,
}

impl GlobalArgs {
    /// The database path to use: `--db`, else `<data dir>/physalign/physalign.sqlite`.
    pub fn db_path(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(|| {
            dirs::data_dir()
                .unwrap_or_else(|| PathBuf::from("."))
                .join("physalign")
                .join("physalign.sqlite")
        })
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "physalign",
    version,
    about = "PhysAlign: exercise analysis on your own computer"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Estimate the pose of the person in a still image.
    #[cfg(feature = "vision")]
    Pose(commands::pose::PoseArgs),
    /// Track the pose through a video, one JSON line per frame.
    #[cfg(feature = "vision")]
    Track(commands::track::TrackArgs),
    /// Analyse an exercise video: repetitions, range of motion, form issues; stores the session.
    #[cfg(feature = "vision")]
    Analyze(commands::analyze::AnalyzeArgs),
    /// Record a session live from a camera or a video file (as the desktop app does), saving
    /// it as it goes; completes sessions a crash interrupted.
    #[cfg(feature = "vision")]
    Record(commands::record::RecordArgs),
    /// Read one joint's angle on each side from a video of a held position (camera goniometer).
    #[cfg(feature = "vision")]
    Measure(commands::measure::MeasureArgs),
    /// List the exercise catalogue.
    #[cfg(feature = "vision")]
    Exercises(commands::exercises::ExercisesArgs),
    /// Evaluate against annotated data (repetition counts, keypoints, angles).
    #[cfg(feature = "vision")]
    #[command(subcommand)]
    Eval(commands::eval::EvalCommand),
    /// Transcribe an audio file with the local Whisper model.
    #[cfg(feature = "speech")]
    Transcribe(commands::transcribe::TranscribeArgs),
    /// Extract clinical notes from an audio file or a text.
    #[cfg(feature = "speech")]
    Notes(commands::notes::NotesArgs),
    /// The note of a visit in a SOAP layout with its evidence: `note draft SESSION [--audio
    /// FILE]`, `note sign NOTE_ID`, `note amend NOTE_ID --text …`, `note show NOTE_ID`.
    #[cfg(feature = "speech")]
    Note(commands::note::NoteArgs),
    /// Sign this device in to the central API (the identity is kept for sync).
    Login(commands::login::LoginArgs),
    /// Upload the local outbox to the central API and pull reviews, programs and sessions.
    Sync(commands::sync::SyncArgs),
    /// Accept a clinician's invitation code and sign this device in as the patient.
    Claim(commands::claim::ClaimArgs),
    /// Sign this device out (what the server sent is cleared; queued entries wait).
    Logout(commands::logout::LogoutArgs),
    /// On a patient's device: who can see your data; `--end ID` ends a care relationship.
    CareTeam(commands::care_team::CareTeamArgs),
    /// The clinician's patients (local); `patients add` registers one (needs the server).
    Patients(commands::patients::PatientsArgs),
    /// Sessions on this device, recorded here or pulled, with their latest review.
    Sessions(commands::sessions::SessionsArgs),
    /// One session in detail.
    Session(commands::session::SessionArgs),
    /// Review a session (stored here, sent by `sync`).
    Review(commands::review::ReviewArgs),
    /// Prescribe a program item for a patient (stored here, sent by `sync`).
    Prescribe(commands::prescribe::PrescribeArgs),
    /// Two sessions of one patient side by side: angle curves, range of motion per
    /// repetition, form issues, pain, and what changed.
    Compare(commands::compare::CompareArgs),
    /// Program items with their adherence.
    Program(commands::program::ProgramArgs),
    /// The clinician's open alerts.
    Alerts(commands::alerts::AlertsArgs),
    /// The clinic calendar, a day or `--week` (local); book, move, cancel, recur, no-show
    /// offline; sync conflicts and their resolution.
    Appointments(commands::appointments::AppointmentsArgs),
    /// The clinician's start of the day: review queue, open alerts, today's patients (local).
    Today(commands::today::TodayArgs),
    /// Remote-monitoring readiness over 30 days, per patient of the roster (local): days with
    /// measured data, review minutes, interactive contacts.
    Monitoring(commands::monitoring::MonitoringArgs),
    /// Patient-reported outcome measures: `outcome score MEASURE --answers A1,A2,…`.
    Outcome(commands::outcome::OutcomeArgs),
    /// PDF reports: `report progress [--patient ID] [--from DATE] [--to DATE] --out FILE.pdf`,
    /// `report note SESSION --out FILE.pdf`.
    Report(commands::report::ReportArgs),
    /// A session's transcript under the 90-day retention: `transcript show|save|delete SESSION`.
    Transcript(commands::transcript::TranscriptArgs),
    /// What this device sends to the care team (notes, transcript); `--share-… yes|no` changes it.
    Consent(commands::consent::ConsentArgs),
    /// A patient's record as a FHIR R4 Bundle (`export fhir`) or CSV (`export csv`).
    Export(commands::export::ExportArgs),
}

fn main() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PHYSALIGN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(err) = run(cli) {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let global = cli.global;
    match cli.command {
        #[cfg(feature = "vision")]
        Command::Pose(args) => commands::pose::run(args, &global),
        #[cfg(feature = "vision")]
        Command::Track(args) => commands::track::run(args, &global),
        #[cfg(feature = "vision")]
        Command::Analyze(args) => commands::analyze::run(args, &global),
        #[cfg(feature = "vision")]
        Command::Record(args) => commands::record::run(args, &global),
        #[cfg(feature = "vision")]
        Command::Measure(args) => commands::measure::run(args, &global),
        #[cfg(feature = "vision")]
        Command::Exercises(args) => commands::exercises::run(args, &global),
        #[cfg(feature = "vision")]
        Command::Eval(cmd) => commands::eval::run(cmd, &global),
        #[cfg(feature = "speech")]
        Command::Transcribe(args) => commands::transcribe::run(args, &global),
        #[cfg(feature = "speech")]
        Command::Notes(args) => commands::notes::run(args, &global),
        #[cfg(feature = "speech")]
        Command::Note(args) => commands::note::run(args, &global),
        Command::Login(args) => commands::login::run(args, &global),
        Command::Sync(args) => commands::sync::run(args, &global),
        Command::Claim(args) => commands::claim::run(args, &global),
        Command::Logout(args) => commands::logout::run(args, &global),
        Command::CareTeam(args) => commands::care_team::run(args, &global),
        Command::Outcome(args) => commands::outcome::run(args, &global),
        Command::Patients(args) => commands::patients::run(args, &global),
        Command::Sessions(args) => commands::sessions::run(args, &global),
        Command::Session(args) => commands::session::run(args, &global),
        Command::Review(args) => commands::review::run(args, &global),
        Command::Prescribe(args) => commands::prescribe::run(args, &global),
        Command::Compare(args) => commands::compare::run(args, &global),
        Command::Program(args) => commands::program::run(args, &global),
        Command::Alerts(args) => commands::alerts::run(args, &global),
        Command::Appointments(args) => commands::appointments::run(args, &global),
        Command::Today(args) => commands::today::run(args, &global),
        Command::Monitoring(args) => commands::monitoring::run(args, &global),
        Command::Consent(args) => commands::consent::run(args, &global),
        Command::Transcript(args) => commands::transcript::run(args, &global),
        Command::Export(args) => commands::export::run(args, &global),
        Command::Report(args) => commands::report::run(args, &global),
    }
}
