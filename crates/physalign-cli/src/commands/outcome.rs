//! `physalign outcome score MEASURE --answers A1,A2,…`: a patient-reported outcome measure scored
//! by its published rules (physalign-outcomes).

use crate::GlobalArgs;
use anyhow::Context;
use physalign_outcomes::{disability_band, score, Direction, Instrument, Score};
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
pub fn run(args: OutcomeArgs, _global: &GlobalArgs) -> anyhow::Result<()> {
    match args.command {
        OutcomeCommand::Score(args) => score_command(args),
    }
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
