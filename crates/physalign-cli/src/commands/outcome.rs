//! `physalign outcome`: patient-reported outcome measures (physalign-outcomes' published rules).
//!
//! - `score MEASURE --answers A1,A2,…`: one questionnaire scored, nothing kept.
//! - `record MEASURE --answers … [--activities "A|B|C"] [--patient ID] [--json]`: a questionnaire
//!   kept in the local store and queued for sync (a patient's own on their device; on a
//!   clinician's, a roster patient's answers entered in clinic).
//! - `chart [--patient ID] [--json]`: the scores per instrument with their trend against the
//!   MCID, the outcome plan's schedule and what is due (physalign_workspace::outcomes).
//! - `plan --patient ID --measures KOOS_JR,NPRS --start DATE [--discharge DATE]`: a clinician sets
//!   which questionnaires a patient is asked, from intake to discharge.

use crate::commands::clinical_json::{open_store, parse_id};
use crate::GlobalArgs;
use anyhow::Context;
use chrono::{NaiveDate, Utc};
use physalign_outcomes::{
    disability_band, score, ChangeClass, Direction, Instrument, OccasionKind, OccasionStatus, Score,
};
use physalign_workspace::outcomes::{
    outcome_overview, own_patient_id, record_questionnaire, set_outcome_plan, InstrumentOutcomes,
    OutcomeOverview, PlanChange, QuestionnaireAnswers,
};
use serde::Serialize;

/// Arguments of `physalign outcome`.
#[derive(Debug, clap::Args)]
pub struct OutcomeArgs {
    #[command(subcommand)]
    command: OutcomeCommand,
}

#[derive(Debug, clap::Subcommand)]
enum OutcomeCommand {
    /// Score one completed questionnaire.
    Score(ScoreArgs),
    /// Keep a completed questionnaire in the local store (synced to the care team).
    Record(RecordArgs),
    /// A patient's questionnaires over time, the plan's schedule and what is due.
    Chart(ChartArgs),
    /// Set which questionnaires a patient is asked, from intake to discharge (clinicians).
    Plan(PlanArgs),
}

/// Arguments of `physalign outcome record`.
#[derive(Debug, clap::Args)]
struct RecordArgs {
    /// The measure: NPRS, PSFS, KOOS_JR, HOOS_JR, ODI, NDI or QUICKDASH (any letter case).
    #[arg(value_parser = parse_instrument)]
    measure: Instrument,
    /// The answers in form order, comma-separated; an empty answer is a missing item.
    #[arg(long, allow_hyphen_values = true)]
    answers: String,
    /// PSFS: the activities rated, in the order of the answers, separated by `|`.
    #[arg(long)]
    activities: Option<String>,
    /// The patient (a clinician's device: one of the roster; a patient's: their own, the default).
    #[arg(long)]
    patient: Option<String>,
    /// Print the kept questionnaire as JSON (`{"id","measure","score","max","patient_id"}`).
    #[arg(long)]
    json: bool,
}

/// Arguments of `physalign outcome chart`.
#[derive(Debug, clap::Args)]
struct ChartArgs {
    /// The patient (required on a clinician's device; a patient's device shows their own).
    #[arg(long)]
    patient: Option<String>,
    /// The day the schedule is computed for (YYYY-MM-DD, UTC; default today).
    #[arg(long)]
    on: Option<NaiveDate>,
    /// Print the engine's overview as JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `physalign outcome plan`.
#[derive(Debug, clap::Args)]
struct PlanArgs {
    /// The patient, one of the roster.
    #[arg(long)]
    patient: String,
    /// The measures asked, comma-separated (e.g. KOOS_JR,NPRS); empty asks none.
    #[arg(long, value_delimiter = ',', value_parser = parse_instrument)]
    measures: Vec<Instrument>,
    /// The intake day (YYYY-MM-DD).
    #[arg(long)]
    start: NaiveDate,
    /// The discharge day, planned or actual (YYYY-MM-DD).
    #[arg(long)]
    discharge: Option<NaiveDate>,
}

/// Arguments of `physalign outcome score`.
#[derive(Debug, clap::Args)]
struct ScoreArgs {
    /// The measure: NPRS, PSFS, KOOS_JR, HOOS_JR, ODI, NDI or QUICKDASH (any letter case).
    #[arg(value_parser = parse_instrument)]
    measure: Instrument,
    /// The answers in form order, comma-separated; an empty answer is a missing item.
    #[arg(long, allow_hyphen_values = true)]
    answers: String,
    /// Print `{"measure","score","max","interpretation"}`.
    #[arg(long)]
    json: bool,
}

/// The command line's stable JSON answer.
#[derive(Debug, Serialize)]
struct ScoreJson {
    measure: String,
    score: f64,
    max: f64,
    interpretation: String,
}

fn parse_instrument(text: &str) -> Result<Instrument, String> {
    Instrument::parse_any_case(text).map_err(|_| {
        format!("unknown measure {text:?}; expected NPRS, PSFS, KOOS_JR, HOOS_JR, ODI, NDI or QUICKDASH")
    })
}

/// Runs the subcommand.
pub fn run(args: OutcomeArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    match args.command {
        OutcomeCommand::Score(args) => score_command(args),
        OutcomeCommand::Record(args) => record_command(args, global),
        OutcomeCommand::Chart(args) => chart_command(args, global),
        OutcomeCommand::Plan(args) => plan_command(args, global),
    }
}

fn optional_patient(text: Option<&str>) -> anyhow::Result<Option<uuid::Uuid>> {
    text.map(|t| parse_id("patient", t)).transpose()
}

fn record_command(args: RecordArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let store = open_store(global)?;
    let activities = args
        .activities
        .as_deref()
        .map(|text| text.split('|').map(str::to_string).collect())
        .unwrap_or_default();
    let answers = QuestionnaireAnswers {
        instrument: args.measure,
        answers: parse_answers(&args.answers)?,
        activities,
    };
    let kept = record_questionnaire(
        &store,
        optional_patient(args.patient.as_deref())?,
        answers,
        Utc::now(),
    )
    .with_context(|| format!("recording {}", args.measure.display_name()))?;
    let text = if args.json {
        serde_json::to_string_pretty(&serde_json::json!({
            "id": kept.taken.id,
            "measure": args.measure.as_str().to_ascii_uppercase(),
            "score": round3(kept.score),
            "max": kept.max,
            "patient_id": kept.taken.patient_id,
        }))?
    } else {
        format!(
            "{} kept: {} of {} (queued for sync)",
            args.measure.display_name(),
            round3(kept.score),
            kept.max
        )
    };
    crate::commands::analyze::print_stdout(&text)
}

fn chart_command(args: ChartArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let store = open_store(global)?;
    let patient = match optional_patient(args.patient.as_deref())? {
        Some(patient) => patient,
        None => own_patient_id(&store)?.context(
            "name the patient (--patient ID); a patient's device knows its own after the first sync",
        )?,
    };
    let today = args.on.unwrap_or_else(|| Utc::now().date_naive());
    let overview = outcome_overview(&store, patient, today)?;
    let text = if args.json {
        serde_json::to_string_pretty(&overview)?
    } else {
        chart_words(&overview)
    };
    crate::commands::analyze::print_stdout(&text)
}

fn plan_command(args: PlanArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let store = open_store(global)?;
    let patient = parse_id("patient", &args.patient)?;
    set_outcome_plan(
        &store,
        patient,
        PlanChange {
            instruments: args.measures.clone(),
            started_on: args.start,
            discharge_on: args.discharge,
        },
        Utc::now(),
    )?;
    let names: Vec<&str> = args.measures.iter().map(|m| m.display_name()).collect();
    crate::commands::analyze::print_stdout(&format!(
        "Outcome plan kept (queued for sync): {} from {}{}",
        if names.is_empty() {
            "no questionnaires".to_string()
        } else {
            names.join(", ")
        },
        args.start,
        args.discharge
            .map(|day| format!(" to discharge on {day}"))
            .unwrap_or_default()
    ))
}

fn occasion_words(kind: OccasionKind) -> &'static str {
    match kind {
        OccasionKind::Intake => "intake",
        OccasionKind::FollowUp => "30-day follow-up",
        OccasionKind::Discharge => "discharge",
    }
}

fn status_words(status: OccasionStatus) -> &'static str {
    match status {
        OccasionStatus::Completed => "done",
        OccasionStatus::Upcoming => "upcoming",
        OccasionStatus::Due => "due",
        OccasionStatus::Overdue => "overdue",
        OccasionStatus::Missed => "missed",
    }
}

fn instrument_words(outcomes: &InstrumentOutcomes) -> String {
    let mut text = format!(
        "{}{}",
        outcomes.name,
        if outcomes.planned { " (planned)" } else { "" }
    );
    match &outcomes.trend {
        Some(trend) => {
            let class = match trend.change.class {
                ChangeClass::Improved => "improved",
                ChangeClass::Unchanged => "within the MCID",
                ChangeClass::Worsened => "worsened",
            };
            text.push_str(&format!(
                ": {} on {} → {} on {} ({:+}, {class}; MCID {}; {} questionnaire{})",
                round3(trend.first.value),
                trend.first.date,
                round3(trend.latest.value),
                trend.latest.date,
                round3(trend.change.difference),
                outcomes.mcid,
                trend.points,
                if trend.points == 1 { "" } else { "s" }
            ));
            if let Some(band) = outcomes.latest_band {
                text.push_str(&format!("; latest: {}", band.description()));
            }
        }
        None => text.push_str(": no questionnaire yet"),
    }
    if let Some(schedule) = &outcomes.schedule {
        for occasion in &schedule.occasions {
            text.push_str(&format!(
                "\n    {} {}: {}{}",
                occasion_words(occasion.kind),
                occasion.due,
                status_words(occasion.status),
                occasion
                    .completed_on
                    .map(|day| format!(" ({day})"))
                    .unwrap_or_default()
            ));
        }
    }
    text
}

fn chart_words(overview: &OutcomeOverview) -> String {
    let mut lines = Vec::new();
    match &overview.plan {
        Some(plan) => lines.push(format!(
            "Outcome plan: {} from {}{}",
            plan.instruments
                .iter()
                .map(|i| i.display_name())
                .collect::<Vec<_>>()
                .join(", "),
            plan.started_on,
            plan.discharge_on
                .map(|day| format!(" to {day}"))
                .unwrap_or_default()
        )),
        None => lines.push("No outcome plan.".into()),
    }
    if overview.due.is_empty() {
        lines.push(format!("Nothing due on {}.", overview.today));
    }
    for due in &overview.due {
        lines.push(format!(
            "Due: {} ({}, {} {})",
            due.name,
            occasion_words(due.occasion.kind),
            status_words(due.occasion.status),
            due.occasion.due
        ));
    }
    lines.extend(overview.instruments.iter().map(instrument_words));
    lines.join("\n")
}

fn score_command(args: ScoreArgs) -> anyhow::Result<()> {
    let answers = parse_answers(&args.answers)?;
    let scored = score(args.measure, &answers)
        .with_context(|| format!("scoring {}", args.measure.display_name()))?;
    let out = ScoreJson {
        measure: args.measure.as_str().to_ascii_uppercase(),
        score: round3(scored.value),
        max: scored.max,
        interpretation: interpretation(&scored),
    };
    let text = if args.json {
        serde_json::to_string_pretty(&out)?
    } else {
        format!(
            "{}: {} of {} ({})",
            scored.instrument.display_name(),
            out.score,
            out.max,
            out.interpretation
        )
    };
    crate::commands::analyze::print_stdout(&text)
}

/// `"3,2,,4"` → `[Some(3), Some(2), None, Some(4)]`.
fn parse_answers(text: &str) -> anyhow::Result<Vec<Option<u8>>> {
    text.split(',')
        .enumerate()
        .map(|(i, answer)| {
            let answer = answer.trim();
            if answer.is_empty() {
                return Ok(None);
            }
            answer
                .parse::<u8>()
                .map(Some)
                .map_err(|_| anyhow::anyhow!("answer {} ({answer:?}) is not a whole number", i + 1))
        })
        .collect()
}

/// The score in words: the published band where the measure has one, and always which way is
/// better and the change that matters clinically.
fn interpretation(scored: &Score) -> String {
    let instrument = scored.instrument;
    let direction = match instrument.direction() {
        Direction::HigherIsBetter => "higher is better",
        Direction::LowerIsBetter => "lower is better",
    };
    let change = format!(
        "a change of {} or more is clinically important",
        instrument.mcid()
    );
    match disability_band(instrument, scored.value) {
        Some(band) => format!("{}; {direction}; {change}", band.description()),
        None => format!("{direction}; {change}"),
    }
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
