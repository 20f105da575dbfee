//! The session in a few lines for a terminal.

use crate::document::SessionDocument;
use crate::measurement::{self, UNCERTAIN_BELOW};
use crate::svg_chart::outcome_word;
use crate::verdict::verdict;
use physalign_analysis::exercise::Mode;
use std::fmt::Write;

/// The summary printed after an analysis: exercise, count against target, range of motion per
/// repetition, form issues with their times, and the one line on how it went.
pub fn render(doc: &SessionDocument) -> String {
    let report = &doc.report;
    let mut out = String::new();
    let _ = writeln!(out, "{}", report.exercise_name);
    if report.mode == Mode::Hold {
        for hold in &report.holds {
            let _ = writeln!(
                out,
                "  held {:.1} s of {:.0} s (longest stretch {:.1} s, {} breaks)",
                hold.time_in_range_s,
                hold.target_s,
                hold.longest_stretch_s,
                hold.breaks.len()
            );
        }
    } else {
        let _ = match report.target_reps {
            Some(target) => writeln!(out, "  repetitions: {} of {target}", report.reps),
            None => writeln!(out, "  repetitions: {}", report.reps),
        };
        if report.partial_reps > 0 {
            let _ = writeln!(out, "  partial, not counted: {}", report.partial_reps);
        }
        if let Some(sides) = measurement::sides(report) {
            let _ = writeln!(out, "  sides: {sides}");
        }
        if !report.rep_details.is_empty() {
            let angle = report
                .rep_details
                .first()
                .map(|r| r.primary_angle.replace('_', " "))
                .unwrap_or_default();
            let _ = writeln!(out, "  range of motion ({angle}):");
        }
        for rep in &report.rep_details {
            let label = rep.number.map_or_else(
                || outcome_word(rep.outcome).to_string(),
                |n| format!("#{n}"),
            );
            let uncertain = rep.confidence.is_some_and(|c| c < UNCERTAIN_BELOW);
            let _ = writeln!(
                out,
                "    {label:>10}  {:5.1}–{:5.1} s  {:>4}  ({}–{}){}",
                rep.start_ms as f64 / 1000.0,
                rep.end_ms as f64 / 1000.0,
                rep.rom.map_or("–".into(), |v| format!("{v:.0}°")),
                rep.min_angle.map_or("–".into(), |v| format!("{v:.0}°")),
                rep.max_angle.map_or("–".into(), |v| format!("{v:.0}°")),
                if uncertain { "  uncertain" } else { "" },
            );
        }
    }
    if let Some(score) = measurement::functional_test(report) {
        let _ = writeln!(out, "  test result: {score}");
    }
    if let Some(trust) = measurement::trust(report) {
        let _ = writeln!(out, "  {trust}");
    }
    if report.form_issues.is_empty() {
        let _ = writeln!(out, "  form issues: none");
    } else {
        let _ = writeln!(out, "  form issues:");
        for issue in &report.form_issues {
            let _ = writeln!(
                out,
                "    {:5.1} s  {}",
                issue.timestamp_ms as f64 / 1000.0,
                issue.issue.message
            );
        }
    }
    let _ = writeln!(out, "{}", verdict(report));
    out
}
