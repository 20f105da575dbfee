//! The one line on how a session went, from what the engine measured.

use physalign_analysis::exercise::Mode;
use physalign_analysis::reps::CycleOutcome;
use physalign_analysis::SessionReport;

/// Ranges of motion within this fraction of their mean (or within [`STEADY_DEGREES`]) read as
/// steady: a goniometer itself is only trusted to about 5 degrees.
const STEADY_FRACTION: f64 = 0.15;
/// See [`STEADY_FRACTION`].
const STEADY_DEGREES: f64 = 8.0;

/// One sentence on how the session went: the count against the target, how even the range of
/// motion was, and the form issues; or, when nothing was counted, what to check.
pub fn verdict(report: &SessionReport) -> String {
    if report.mode == Mode::Hold {
        return hold_verdict(report);
    }
    if report.reps == 0 {
        return if report.summary_statistics.total_frames == 0 {
            "No person was seen: check that the camera shows the whole body.".into()
        } else {
            "No full repetition was recognised: check that the moving joints stay in view and \
             that the exercise chosen is the one performed."
                .into()
        };
    }
    let mut parts = vec![count_phrase(report)];
    if let Some(rom) = rom_phrase(report) {
        parts.push(rom);
    }
    parts.push(issue_phrase(report));
    let mut line = parts.join("; ");
    line.push('.');
    if crate::measurement::unreliable(report) {
        line = format!("A rough guide only (see below): {line}");
    }
    crate::escape::capitalise(&line)
}

fn count_phrase(report: &SessionReport) -> String {
    let reps = report.reps;
    let plural = if reps == 1 { "" } else { "s" };
    let mut phrase = match report.target_reps {
        Some(target) if reps >= target => format!("all {target} repetitions done"),
        Some(target) => format!("{reps} of {target} repetitions ({} to go)", target - reps),
        None => format!("{reps} full repetition{plural}"),
    };
    if report.partial_reps > 0 {
        phrase.push_str(&format!(", {} partial not counted", report.partial_reps));
    }
    phrase
}

/// How even the range of motion was across the counted repetitions.
fn rom_phrase(report: &SessionReport) -> Option<String> {
    let roms: Vec<f64> = report
        .rep_details
        .iter()
        .filter(|r| r.outcome == CycleOutcome::Full)
        .filter_map(|r| r.rom)
        .collect();
    let (first, last) = (*roms.first()?, *roms.last()?);
    if roms.len() < 2 {
        return Some(format!("range of motion {first:.0}°"));
    }
    let min = roms.iter().copied().fold(f64::INFINITY, f64::min);
    let max = roms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = roms.iter().sum::<f64>() / roms.len() as f64;
    if max - min <= STEADY_DEGREES.max(STEADY_FRACTION * mean) {
        return Some(format!("range of motion steady ({min:.0}–{max:.0}°)"));
    }
    let trend = if last < first - STEADY_DEGREES {
        ", smaller towards the end"
    } else if last > first + STEADY_DEGREES {
        ", larger towards the end"
    } else {
        ""
    };
    Some(format!(
        "range of motion varied from {min:.0}° to {max:.0}°{trend}"
    ))
}

fn issue_phrase(report: &SessionReport) -> String {
    let issues = &report.form_issues;
    if issues.is_empty() {
        return "no form issues".into();
    }
    // The message a patient saw most often is the one worth repeating.
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for issue in issues {
        match counts.iter_mut().find(|(m, _)| *m == issue.issue.message) {
            Some((_, n)) => *n += 1,
            None => counts.push((&issue.issue.message, 1)),
        }
    }
    let (message, _) = counts
        .iter()
        .max_by_key(|(_, n)| *n)
        .copied()
        .unwrap_or(("", 0));
    let plural = if issues.len() == 1 { "" } else { "s" };
    format!(
        "{} form issue{plural}, most often: \"{}\"",
        issues.len(),
        message.trim_end_matches('.')
    )
}

fn hold_verdict(report: &SessionReport) -> String {
    match report.holds.first() {
        Some(hold) if hold.achieved => format!(
            "Held {:.0} s of the {:.0} s target.",
            hold.time_in_range_s, hold.target_s
        ),
        Some(hold) => format!(
            "Held {:.0} s of the {:.0} s target (longest without a break: {:.0} s).",
            hold.time_in_range_s, hold.target_s, hold.longest_stretch_s
        ),
        None => "The position was not held: check that the whole body is in view.".into(),
    }
}
