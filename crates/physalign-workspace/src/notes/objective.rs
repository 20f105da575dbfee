//! The Objective section: what the linked session measured (repetitions, range of motion, form
//! issues), every number read from the stored repetitions and form-issue events, never from
//! what was said.

use super::{Evidence, Figure, MeasurementRef, NoteStatement, Quantity, StatementKind};
use physalign_domain::BodySide;
use physalign_store::SessionDetail;
use std::collections::BTreeMap;

/// A repetition's range of motion, subtracted in f64 as the store's and the comparison's are.
pub(crate) fn rom(rep: &physalign_store::RepetitionRecord) -> f64 {
    f64::from(rep.max_angle) - f64::from(rep.min_angle)
}

fn side_words(side: Option<BodySide>) -> String {
    side.map(|s| format!(" ({})", s.as_str()))
        .unwrap_or_default()
}

/// The movement measured in one group of repetitions (one side, or all when sides are not
/// told apart), for the Assessment to read.
#[derive(Debug, Clone)]
pub(crate) struct SideMeasures {
    pub(crate) side: Option<BodySide>,
    pub(crate) full: usize,
    pub(crate) partial: usize,
    pub(crate) rom_spread: Option<f64>,
    pub(crate) with_form_issues: usize,
    pub(crate) evidence: Evidence,
}

/// Objective statements of a session, and its measures per side.
pub(crate) fn objective(
    detail: &SessionDetail,
    exercise: &str,
    joint: Option<&str>,
) -> (Vec<NoteStatement>, Vec<SideMeasures>) {
    let session_id = detail.session.id;
    let mut out = Vec::new();
    let mut measures = Vec::new();
    let mut by_side: BTreeMap<Option<&str>, Vec<&physalign_store::RepetitionRecord>> =
        BTreeMap::new();
    for rep in &detail.repetitions {
        by_side
            .entry(rep.side.map(|s| s.as_str()))
            .or_default()
            .push(rep);
    }
    if by_side.is_empty() {
        out.push(NoteStatement {
            kind: StatementKind::Repetitions,
            text: format!("{exercise}: no repetitions were counted in the recorded session."),
            figures: vec![Figure {
                quantity: Quantity::Repetitions,
                value: 0.0,
            }],
            evidence: vec![Evidence::Measurement(MeasurementRef::Repetitions {
                session_id,
                indices: Vec::new(),
            })],
        });
    }
    for reps in by_side.values() {
        let side = reps.first().and_then(|r| r.side);
        let indices: Vec<u32> = reps.iter().map(|r| r.index).collect();
        let evidence = Evidence::Measurement(MeasurementRef::Repetitions {
            session_id,
            indices: indices.clone(),
        });
        let partial = reps.iter().filter(|r| r.partial).count();
        let full = reps.len() - partial;
        let partial_words = if partial > 0 {
            format!(" and {partial} partial")
        } else {
            String::new()
        };
        out.push(NoteStatement {
            kind: StatementKind::Repetitions,
            text: format!(
                "{exercise}{}: {full} full repetition{}{partial_words}.",
                side_words(side),
                if full == 1 { "" } else { "s" }
            ),
            figures: vec![
                Figure {
                    quantity: Quantity::Repetitions,
                    value: full as f64,
                },
                Figure {
                    quantity: Quantity::PartialRepetitions,
                    value: partial as f64,
                },
            ],
            evidence: vec![evidence.clone()],
        });
        let roms: Vec<f64> = reps.iter().map(|r| rom(r)).collect();
        let mean = roms.iter().sum::<f64>() / roms.len() as f64;
        let smallest = roms.iter().copied().fold(f64::INFINITY, f64::min);
        let largest = roms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lowest = reps
            .iter()
            .map(|r| f64::from(r.min_angle))
            .fold(f64::INFINITY, f64::min);
        let highest = reps
            .iter()
            .map(|r| f64::from(r.max_angle))
            .fold(f64::NEG_INFINITY, f64::max);
        let joint_words = joint.map(|j| format!(" ({j})")).unwrap_or_default();
        out.push(NoteStatement {
            kind: StatementKind::RangeOfMotion,
            text: format!(
                "Range of motion{joint_words}{}: mean {mean:.0}°, {smallest:.0}–{largest:.0}° over {} repetition{}; angle {lowest:.0}–{highest:.0}°.",
                side_words(side),
                reps.len(),
                if reps.len() == 1 { "" } else { "s" }
            ),
            figures: vec![
                Figure { quantity: Quantity::MeanRangeOfMotion, value: mean },
                Figure { quantity: Quantity::SmallestRangeOfMotion, value: smallest },
                Figure { quantity: Quantity::LargestRangeOfMotion, value: largest },
                Figure { quantity: Quantity::LowestAngle, value: lowest },
                Figure { quantity: Quantity::HighestAngle, value: highest },
            ],
            evidence: vec![evidence.clone()],
        });
        measures.push(SideMeasures {
            side,
            full,
            partial,
            rom_spread: Some(largest - smallest),
            with_form_issues: reps.iter().filter(|r| !r.form_issues.is_empty()).count(),
            evidence,
        });
    }
    let mut kinds: BTreeMap<&str, Vec<&physalign_store::FormIssueEvent>> = BTreeMap::new();
    for event in &detail.form_issues {
        kinds
            .entry(event.issue.kind.as_str())
            .or_default()
            .push(event);
    }
    for (kind, events) in kinds {
        let count = events.len();
        let message = events.first().map(|e| e.issue.message.trim()).unwrap_or("");
        let message = if message.is_empty() {
            String::new()
        } else {
            format!(" ({message})")
        };
        out.push(NoteStatement {
            kind: StatementKind::FormIssue,
            text: format!(
                "Form: {} seen {count} time{}{message}.",
                kind.replace('_', " ").to_lowercase(),
                if count == 1 { "" } else { "s" }
            ),
            figures: vec![Figure {
                quantity: Quantity::FormIssueCount,
                value: count as f64,
            }],
            evidence: vec![Evidence::Measurement(MeasurementRef::FormIssues {
                session_id,
                at_ms: events.iter().map(|e| e.timestamp_ms).collect(),
            })],
        });
    }
    (out, measures)
}
