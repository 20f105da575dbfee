//! Two sessions of one patient side by side (seed 000's comparison), computed on the device from
//! what the store holds: the followed angle over time of each (to overlay), the range of motion
//! of every repetition, the form issues by kind, and pain; then what changed from the earlier to
//! the later one, in numbers and in one sentence.

use crate::curve::{curve_of, session_angle, stride_for, AngleCurve};
use crate::WorkspaceError;
use chrono::{DateTime, Utc};
use physalign_analysis::Catalogue;
use physalign_store::{SessionOverview, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Points per angle curve sent for the overlay.
pub const COMPARE_CURVE_POINTS: usize = 400;

/// A change smaller than this (degrees of mean range of motion) is reported as "about the same":
/// a camera goniometer's session-to-session error.
pub const ROM_SAME_DEG: f64 = 5.0;

/// Form issues of one kind in a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IssueCount {
    /// Machine-readable kind, e.g. `KNEE_VALGUS`.
    pub kind: String,
    /// The message shown to the patient.
    pub message: String,
    /// How often it was raised.
    pub count: usize,
}

/// One session of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ComparedSession {
    /// Session id.
    pub session_id: Uuid,
    /// Exercise catalogue id.
    pub exercise_id: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Full repetitions.
    pub reps: i64,
    /// Range of motion of each repetition (partial ones included), in order, degrees.
    pub rep_rom: Vec<f64>,
    /// Mean of `rep_rom`.
    pub mean_rom: Option<f64>,
    /// Form issues by kind, most frequent first.
    pub form_issues: Vec<IssueCount>,
    /// Highest pain score said (0–10).
    pub pain: Option<f64>,
    /// The followed angle over time.
    pub curve: AngleCurve,
}

/// What changed from the earlier session to the later one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ComparisonChange {
    /// Later minus earlier mean range of motion, degrees.
    pub rom_deg: Option<f64>,
    /// Later minus earlier full repetitions.
    pub reps: i64,
    /// Later minus earlier form issues raised.
    pub form_issues: i64,
    /// Later minus earlier highest pain.
    pub pain: Option<f64>,
}

/// Two sessions of one patient, the earlier first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionComparison {
    /// The patient.
    pub patient_id: Option<Uuid>,
    /// Whether both are of the same exercise (their curves are then comparable).
    pub same_exercise: bool,
    /// The earlier session.
    pub earlier: ComparedSession,
    /// The later session.
    pub later: ComparedSession,
    /// Later minus earlier.
    pub change: ComparisonChange,
    /// The comparison in one sentence.
    pub summary: String,
}

fn compared(
    store: &Store,
    catalogue: &Catalogue,
    overview: SessionOverview,
) -> Result<ComparedSession, WorkspaceError> {
    let id = overview.session_id;
    let detail = store
        .get_session(id)?
        .ok_or(WorkspaceError::SessionNotFound(id))?;
    // Subtracted in f64, as the store's mean range of motion is: the same number in both.
    let rep_rom: Vec<f64> = detail
        .repetitions
        .iter()
        .map(|r| f64::from(r.max_angle) - f64::from(r.min_angle))
        .collect();
    let mean_rom =
        (!rep_rom.is_empty()).then(|| rep_rom.iter().sum::<f64>() / rep_rom.len() as f64);
    let mut issues: BTreeMap<String, IssueCount> = BTreeMap::new();
    for event in &detail.form_issues {
        issues
            .entry(event.issue.kind.clone())
            .or_insert_with(|| IssueCount {
                kind: event.issue.kind.clone(),
                message: event.issue.message.clone(),
                count: 0,
            })
            .count += 1;
    }
    let mut form_issues: Vec<IssueCount> = issues.into_values().collect();
    form_issues.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.cmp(&b.kind)));
    let angle = session_angle(store, catalogue, id, &overview.exercise_id)?;
    let frames = store.frames(id)?;
    let curve = curve_of(
        &frames,
        angle.as_deref(),
        stride_for(frames.len(), COMPARE_CURVE_POINTS),
    );
    Ok(ComparedSession {
        session_id: id,
        exercise_id: overview.exercise_id,
        started_at: overview.started_at,
        reps: overview.reps,
        rep_rom,
        mean_rom,
        form_issues,
        pain: overview.pain,
        curve,
    })
}

fn issue_total(s: &ComparedSession) -> i64 {
    i64::try_from(s.form_issues.iter().map(|i| i.count).sum::<usize>()).unwrap_or(i64::MAX)
}

/// The change in words, for the clinician.
fn summary(change: &ComparisonChange) -> String {
    let rom = match change.rom_deg {
        Some(d) if d >= ROM_SAME_DEG => format!("range of motion up {d:.0}°"),
        Some(d) if d <= -ROM_SAME_DEG => format!("range of motion down {:.0}°", -d),
        Some(d) => format!("range of motion about the same ({d:+.0}°)"),
        None => "range of motion not measured in both".into(),
    };
    let reps = match change.reps {
        0 => "same repetitions".into(),
        n => format!("{n:+} repetitions"),
    };
    let issues = match change.form_issues {
        0 => "same number of form issues".into(),
        n if n < 0 => format!("{} fewer form issues", -n),
        n => format!("{n} more form issues"),
    };
    let pain = match change.pain {
        Some(p) if p > 0.0 => format!("pain up {p:.0}"),
        Some(p) if p < 0.0 => format!("pain down {:.0}", -p),
        Some(_) => "pain the same".into(),
        None => "pain not reported in both".into(),
    };
    format!("{rom}; {reps}; {issues}; {pain}.")
}

/// Compares two sessions of one patient, the earlier first whatever the order given. Refused
/// for sessions of two patients, or a session compared with itself.
pub fn compare_sessions(
    store: &Store,
    catalogue: &Catalogue,
    a: Uuid,
    b: Uuid,
) -> Result<SessionComparison, WorkspaceError> {
    if a == b {
        return Err(WorkspaceError::SameSession(a));
    }
    let first = store
        .session_overview(a)?
        .ok_or(WorkspaceError::SessionNotFound(a))?;
    let second = store
        .session_overview(b)?
        .ok_or(WorkspaceError::SessionNotFound(b))?;
    if first.patient_id != second.patient_id {
        return Err(WorkspaceError::NotSamePatient);
    }
    let (earlier, later) =
        if (first.started_at, first.session_id) <= (second.started_at, second.session_id) {
            (first, second)
        } else {
            (second, first)
        };
    let patient_id = earlier.patient_id;
    let same_exercise = earlier.exercise_id == later.exercise_id;
    let earlier = compared(store, catalogue, earlier)?;
    let later = compared(store, catalogue, later)?;
    let change = ComparisonChange {
        rom_deg: earlier.mean_rom.zip(later.mean_rom).map(|(e, l)| l - e),
        reps: later.reps - earlier.reps,
        form_issues: issue_total(&later) - issue_total(&earlier),
        pain: earlier.pain.zip(later.pain).map(|(e, l)| l - e),
    };
    Ok(SessionComparison {
        patient_id,
        same_exercise,
        summary: summary(&change),
        earlier,
        later,
        change,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_what_changed_within_the_noise() {
        let change = ComparisonChange {
            rom_deg: Some(12.4),
            reps: 2,
            form_issues: -3,
            pain: Some(-2.0),
        };
        assert_eq!(
            summary(&change),
            "range of motion up 12°; +2 repetitions; 3 fewer form issues; pain down 2."
        );
        let steady = ComparisonChange {
            rom_deg: Some(-3.0),
            reps: 0,
            form_issues: 0,
            pain: None,
        };
        assert_eq!(
            summary(&steady),
            "range of motion about the same (-3°); same repetitions; same number of form issues; \
             pain not reported in both."
        );
    }
}
