//! `physalign compare A B`: two sessions of one patient side by side (seed 000's comparison),
//! computed on this device by the therapist's workspace engine from what the store holds: the
//! followed angle over time of each, the range of motion of every repetition, the form issues,
//! the pain said, and what changed from the earlier session to the later one.

use crate::commands::clinical_json::{open_store, parse_id, print};
use crate::GlobalArgs;
use physalign_workspace::compare::{compare_sessions, ComparedSession, SessionComparison};
use physalign_workspace::Catalogue;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// Arguments of `physalign compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// One session (UUID).
    pub first: String,
    /// The other session (UUID), of the same patient; the order does not matter.
    pub second: String,
    /// Print the comparison as JSON (the angle curves included).
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: CompareArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let first = parse_id("session", &args.first)?;
    let second = parse_id("session", &args.second)?;
    let store = open_store(global)?;
    let catalogue = Catalogue::builtin()?;
    let comparison = compare_sessions(&store, &catalogue, first, second)?;
    if args.json {
        return print(&with_curve_summaries(&comparison)?);
    }
    print!("{}", text(&comparison));
    Ok(())
}

/// The engine's comparison with each curve's summary beside it (`curve_summary`, null when the
/// angle was never measured).
fn with_curve_summaries(c: &SessionComparison) -> anyhow::Result<Value> {
    let mut value = serde_json::to_value(c)?;
    for (key, session) in [("earlier", &c.earlier), ("later", &c.later)] {
        if let Some(map) = value.get_mut(key).and_then(Value::as_object_mut) {
            map.insert("curve_summary".into(), json!(session.curve.summary()));
        }
    }
    Ok(value)
}

fn degrees(value: f64) -> String {
    format!("{value:.0}°")
}

fn signed_degrees(value: f64) -> String {
    format!("{value:+.0}°")
}

fn pain(value: Option<f64>) -> String {
    value.map_or_else(|| "not reported".into(), |p| format!("{p}/10"))
}

/// One session's block of the text form.
fn session_text(out: &mut String, label: &str, s: &ComparedSession) {
    let _ = writeln!(
        out,
        "{label}: {}  {}",
        s.session_id,
        s.started_at.format("%Y-%m-%d %H:%M UTC")
    );
    let _ = writeln!(out, "  repetitions: {}", s.reps);
    let roms: Vec<String> = s
        .rep_rom
        .iter()
        .enumerate()
        .map(|(i, r)| format!("#{} {}", i + 1, degrees(*r)))
        .collect();
    let _ = match s.mean_rom {
        Some(mean) => writeln!(
            out,
            "  range of motion per repetition: {} (mean {})",
            roms.join(", "),
            degrees(mean)
        ),
        None => writeln!(out, "  range of motion per repetition: none measured"),
    };
    let angle = s.curve.angle.as_deref().unwrap_or("joint");
    let _ = match s.curve.summary() {
        Some(c) => writeln!(
            out,
            "  {angle} angle over time: {}–{}, mean {}, over {:.1} s ({} points)",
            degrees(f64::from(c.min_deg)),
            degrees(f64::from(c.max_deg)),
            degrees(f64::from(c.mean_deg)),
            c.duration_s,
            c.measured
        ),
        None => writeln!(
            out,
            "  {angle} angle over time: not measured (no stored frames)"
        ),
    };
    if s.form_issues.is_empty() {
        let _ = writeln!(out, "  form issues: none");
    } else {
        let _ = writeln!(out, "  form issues:");
        for issue in &s.form_issues {
            let _ = writeln!(
                out,
                "    {} ×{}: {}",
                issue.kind, issue.count, issue.message
            );
        }
    }
    let _ = writeln!(out, "  pain: {}", pain(s.pain));
}

/// The comparison as the terminal shows it.
fn text(c: &SessionComparison) -> String {
    let mut out = String::new();
    let exercise = if c.same_exercise {
        c.earlier.exercise_id.clone()
    } else {
        format!(
            "{} and {} (different exercises: the curves are not comparable)",
            c.earlier.exercise_id, c.later.exercise_id
        )
    };
    let patient = c
        .patient_id
        .map_or_else(|| "this device's patient".to_string(), |p| p.to_string());
    let _ = writeln!(out, "{exercise}, two sessions of {patient}");
    session_text(&mut out, "earlier", &c.earlier);
    session_text(&mut out, "later", &c.later);
    let change = &c.change;
    let _ = writeln!(out, "change (later − earlier):");
    let _ = writeln!(
        out,
        "  mean range of motion: {}",
        change
            .rom_deg
            .map_or_else(|| "not measured in both".into(), signed_degrees)
    );
    let _ = writeln!(out, "  repetitions: {:+}", change.reps);
    let _ = writeln!(out, "  form issues: {:+}", change.form_issues);
    let _ = writeln!(
        out,
        "  pain: {}",
        change
            .pain
            .map_or_else(|| "not reported in both".into(), |p| format!("{p:+}"))
    );
    let _ = writeln!(out, "{}", c.summary);
    out
}
