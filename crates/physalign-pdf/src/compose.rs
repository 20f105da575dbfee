//! The wording both report fillers share (the device's, from its local store, and the server's
//! export, from PostgreSQL), so that the same record prints the same report wherever it is
//! written: a session's notes document read into pain remarks, risk flags and mood, a dose and
//! a target band in words, the transcript's excerpt, the plan, and the angle figures of a
//! session's repetitions.

use crate::model::{NoteFormIssue, PainRemark, ProgramLine, ReviewLine};
use chrono::{DateTime, Utc};
use physalign_domain::{FormIssue, Severity};
use serde_json::Value;

/// Characters of the transcript printed in a session note.
pub const TRANSCRIPT_EXCERPT_CHARS: usize = 700;

/// The trimmed, non-empty text at `key` of a JSON record.
pub fn text_of(record: &Value, key: &str) -> Option<String> {
    record
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The trimmed, non-empty texts of the array at `key` of a JSON record.
pub fn strings_of(record: &Value, key: &str) -> Vec<String> {
    record
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The pain statements of a session's notes document, dated `at`. The device's document calls
/// them `pain_reports`, the API's (what the server keeps) `pain`.
pub fn pain_remarks(notes: &Value, at: DateTime<Utc>) -> Vec<PainRemark> {
    notes
        .get("pain_reports")
        .or_else(|| notes.get("pain"))
        .and_then(Value::as_array)
        .map(|reports| {
            reports
                .iter()
                .map(|r| PainRemark {
                    at,
                    body_part: text_of(r, "body_part"),
                    side: text_of(r, "laterality"),
                    score: r.get("score").and_then(Value::as_f64),
                    denied: r.get("denied").and_then(Value::as_bool) == Some(true),
                    quote: text_of(r, "quote").unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The safety concerns of a session's notes document: (kind, quote).
pub fn risk_flags(notes: &Value) -> Vec<(String, String)> {
    notes
        .get("risk_flags")
        .and_then(Value::as_array)
        .map(|flags| {
            flags
                .iter()
                .map(|f| {
                    (
                        text_of(f, "kind").unwrap_or_else(|| "flag".into()),
                        text_of(f, "quote").unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The mood of a session's notes document in words, e.g. "very positive (5 of 5)" (the
/// device's `session_mood`, the API's `mood`).
pub fn mood_words(notes: &Value) -> Option<String> {
    text_of(notes, "session_mood")
        .or_else(|| text_of(notes, "mood"))
        .map(
            |mood| match notes.get("mood_score").and_then(Value::as_u64) {
                Some(score) => format!("{} ({score} of 5)", mood.replace('_', " ")),
                None => mood.replace('_', " "),
            },
        )
}

/// A form issue seen `timestamp_ms` into the recording, as the session note lists it.
pub fn note_form_issue(timestamp_ms: i64, issue: &FormIssue) -> NoteFormIssue {
    NoteFormIssue {
        at_s: timestamp_ms as f64 / 1000.0,
        kind: issue.kind.replace('_', " ").to_lowercase(),
        joint: issue.joint.clone(),
        severity: match issue.severity {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
        .to_string(),
        message: issue.message.clone(),
    }
}

/// A dose in words: "3 × 10", "3 × hold 30 s", "10 (hold 5 s)", "–" when none is given.
pub fn dose_words(sets: Option<i64>, reps: Option<i64>, hold_seconds: Option<i64>) -> String {
    let per_set = match (reps, hold_seconds) {
        (Some(reps), Some(hold)) => format!("{reps} (hold {hold} s)"),
        (Some(reps), None) => reps.to_string(),
        (None, Some(hold)) => format!("hold {hold} s"),
        (None, None) => String::new(),
    };
    match (sets, per_set.is_empty()) {
        (Some(sets), false) => format!("{sets} × {per_set}"),
        (Some(sets), true) => format!("{sets} sets"),
        (None, false) => per_set,
        (None, true) => "–".into(),
    }
}

/// The target band of a program item: (target, low, high) in degrees; a target without a
/// tolerance is a band of ±10°.
pub fn target_band(target_deg: Option<f64>, tolerance_deg: Option<f64>) -> Option<(f64, f64, f64)> {
    let angle = target_deg?;
    let tolerance = tolerance_deg.unwrap_or(10.0).abs();
    Some((angle, angle - tolerance, angle + tolerance))
}

/// A target band in words, "90° ± 10°".
pub fn band_words((angle, _, high): (f64, f64, f64)) -> String {
    format!("{angle:.0}° ± {:.0}°", (high - angle).abs())
}

/// Sessions expected of an item done `per_week` times a week over `days` days.
pub fn expected_sessions(per_week: i64, days: i64) -> i64 {
    ((per_week * days.max(0)) as f64 / 7.0).round() as i64
}

/// The beginning of a transcript, cut at a word within [`TRANSCRIPT_EXCERPT_CHARS`], and
/// whether it was cut.
pub fn transcript_excerpt(text: Option<&str>) -> (Option<String>, bool) {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return (None, false);
    };
    if text.chars().count() <= TRANSCRIPT_EXCERPT_CHARS {
        return (Some(text.to_string()), false);
    }
    let cut: String = text.chars().take(TRANSCRIPT_EXCERPT_CHARS).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > TRANSCRIPT_EXCERPT_CHARS / 2 => cut[..space].to_string(),
        _ => cut,
    };
    (Some(cut), true)
}

/// The plan of a progress report: the latest review's plan, then each program item continued
/// or ended.
pub fn plan_lines(reviews: &[ReviewLine], program: &[ProgramLine]) -> Vec<String> {
    let mut plan = Vec::new();
    if let Some(latest) = reviews.iter().rev().find(|r| r.plan.is_some()) {
        plan.push(format!(
            "From the review of {}: {}",
            latest.reviewed_at.format("%Y-%m-%d"),
            latest.plan.clone().unwrap_or_default()
        ));
    }
    for line in program {
        if line.active {
            plan.push(format!(
                "Continue {}: {}{}{}.",
                line.exercise,
                line.dose,
                line.per_week
                    .map(|n| format!(", {n} sessions a week"))
                    .unwrap_or_default(),
                line.target
                    .as_ref()
                    .map(|t| format!(", target {t}"))
                    .unwrap_or_default()
            ));
        } else {
            plan.push(format!("{}: ended in this period.", line.exercise));
        }
    }
    plan
}

/// One repetition's angles, as both stores keep them.
#[derive(Debug, Clone, PartialEq)]
pub struct RepetitionAngles {
    /// The side, when counted per side.
    pub side: Option<String>,
    /// Smallest angle, degrees.
    pub min_deg: f64,
    /// Largest angle, degrees.
    pub max_deg: f64,
    /// Whether it fell short of the target range.
    pub partial: bool,
}

/// A session's figures on one side.
#[derive(Debug, Clone, PartialEq)]
pub struct SideFigures {
    /// The side (none when not counted per side).
    pub side: Option<String>,
    /// Mean angle reached at the working position, degrees (none when the direction of work is
    /// unknown).
    pub reached_deg: Option<f64>,
    /// Mean range of motion, degrees.
    pub rom_deg: Option<f64>,
    /// Full repetitions.
    pub full: i64,
}

/// Per side: the angles reached, the ranges, the full repetitions.
type SideAccumulator<'a> = std::collections::BTreeMap<Option<&'a str>, (Vec<f64>, Vec<f64>, i64)>;

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// A session's figures per side, sides in name order (none first): the angle reached is the
/// smallest angle of each repetition when the work closes the joint (`closing`, a squat's knee),
/// the largest when it opens it (a shoulder abduction).
pub fn side_figures(reps: &[RepetitionAngles], closing: Option<bool>) -> Vec<SideFigures> {
    let mut sides = SideAccumulator::new();
    for rep in reps {
        let (reached, rom, full) = sides.entry(rep.side.as_deref()).or_default();
        rom.push(rep.max_deg - rep.min_deg);
        if let Some(closing) = closing {
            reached.push(if closing { rep.min_deg } else { rep.max_deg });
        }
        if !rep.partial {
            *full += 1;
        }
    }
    sides
        .into_iter()
        .map(|(side, (reached, rom, full))| SideFigures {
            side: side.map(str::to_string),
            reached_deg: mean(&reached),
            rom_deg: mean(&rom),
            full,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doses_and_bands_read_as_words() {
        assert_eq!(dose_words(Some(3), Some(10), None), "3 × 10");
        assert_eq!(dose_words(Some(3), None, Some(30)), "3 × hold 30 s");
        assert_eq!(dose_words(None, None, None), "–");
        assert_eq!(target_band(Some(90.0), None), Some((90.0, 80.0, 100.0)));
        assert_eq!(band_words((90.0, 85.0, 95.0)), "90° ± 5°");
        assert_eq!(expected_sessions(3, 30), 13);
    }

    #[test]
    fn figures_follow_the_direction_of_work_per_side() {
        let rep = |side: &str, min: f64, max: f64, partial| RepetitionAngles {
            side: Some(side.into()),
            min_deg: min,
            max_deg: max,
            partial,
        };
        let reps = [
            rep("left", 80.0, 170.0, false),
            rep("left", 90.0, 170.0, true),
            rep("right", 100.0, 160.0, false),
        ];
        let figures = side_figures(&reps, Some(true));
        assert_eq!(figures.len(), 2);
        assert_eq!(figures[0].side.as_deref(), Some("left"));
        assert_eq!(figures[0].reached_deg, Some(85.0));
        assert_eq!(figures[0].rom_deg, Some(85.0));
        assert_eq!(figures[0].full, 1);
        assert_eq!(side_figures(&reps, Some(false))[1].reached_deg, Some(160.0));
        assert_eq!(side_figures(&reps, None)[1].reached_deg, None);
    }

    #[test]
    fn an_excerpt_is_cut_at_a_word() {
        let long = "word ".repeat(300);
        let (excerpt, cut) = transcript_excerpt(Some(&long));
        assert!(cut);
        let excerpt = excerpt.expect("excerpt");
        assert!(excerpt.len() <= TRANSCRIPT_EXCERPT_CHARS && excerpt.ends_with("word"));
        assert_eq!(transcript_excerpt(Some("  ")), (None, false));
    }

    #[test]
    fn both_notes_documents_read_alike() {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let device = serde_json::json!({"pain_reports": [{"body_part": "knee", "score": 3.0,
            "quote": "knee pain 3"}], "session_mood": "very_positive", "mood_score": 5});
        let server = serde_json::json!({"pain": [{"body_part": "knee", "score": 3.0,
            "quote": "knee pain 3"}], "mood": "very_positive", "mood_score": 5});
        assert_eq!(pain_remarks(&device, at), pain_remarks(&server, at));
        assert_eq!(pain_remarks(&server, at)[0].score, Some(3.0));
        assert_eq!(
            mood_words(&server).as_deref(),
            Some("very positive (5 of 5)")
        );
        assert_eq!(mood_words(&device), mood_words(&server));
    }
}
