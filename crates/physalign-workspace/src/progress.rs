//! A patient's progress over time, per exercise (its joint) and side: for each session the angle
//! reached at the working position (the deepest knee angle of a squat, the highest arm of an
//! abduction) against the prescribed target band, the range of motion, the repetitions and the
//! pain said.

use crate::curve::{exercise_angle, WorkDirection};
use crate::WorkspaceError;
use chrono::{DateTime, Utc};
use physalign_analysis::Catalogue;
use physalign_domain::BodySide;
use physalign_store::{ProgramItem, ProgramItemStatus, SessionOverview, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The prescribed band for the angle reached.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TargetBand {
    /// Target angle, degrees.
    pub angle: f64,
    /// Lower edge, degrees.
    pub low: f64,
    /// Upper edge, degrees.
    pub high: f64,
}

/// One session's point of a progress series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProgressPoint {
    /// The session.
    pub session_id: Uuid,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Mean angle reached at the working position over the side's repetitions, degrees.
    pub reached_deg: Option<f64>,
    /// Mean range of motion over the side's repetitions, degrees.
    pub rom_deg: Option<f64>,
    /// Repetitions on this side (full ones).
    pub reps: i64,
    /// Highest pain said in the session (0–10).
    pub pain: Option<f64>,
    /// Whether the angle reached is inside the target band (none without a band).
    pub in_band: Option<bool>,
}

/// One exercise and side over time, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProgressSeries {
    /// Exercise catalogue id.
    pub exercise_id: String,
    /// The exercise's name.
    pub exercise_name: String,
    /// The joint angle followed, e.g. `knee`.
    pub joint: Option<String>,
    /// The side (none when the engine did not say, e.g. both legs together).
    pub side: Option<BodySide>,
    /// The band of the patient's current (else latest) program item for the exercise.
    pub target: Option<TargetBand>,
    /// The sessions.
    pub points: Vec<ProgressPoint>,
}

/// The target band of the item that prescribes `exercise_id` (the active one first, else the
/// latest); a target without a tolerance is a band of ±10°.
pub(crate) fn band(items: &[ProgramItem], exercise_id: &str) -> Option<TargetBand> {
    let item = items
        .iter()
        .filter(|i| i.exercise_id == exercise_id && i.target_angle.is_some())
        .max_by_key(|i| (i.status == ProgramItemStatus::Active, i.updated_at))?;
    let (angle, low, high) =
        physalign_pdf::compose::target_band(item.target_angle, item.tolerance)?;
    Some(TargetBand { angle, low, high })
}

#[derive(Default)]
struct Acc {
    reached: Vec<f64>,
    rom: Vec<f64>,
    full: i64,
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// The progress series of one patient's sessions (`sessions` as the chart lists them).
pub fn progress(
    store: &Store,
    catalogue: &Catalogue,
    patient_id: Uuid,
    sessions: &[SessionOverview],
) -> Result<Vec<ProgressSeries>, WorkspaceError> {
    let items = store.program_items(Some(patient_id))?;
    progress_for_items(store, catalogue, &items, sessions)
}

/// The progress series of `sessions` (as the chart lists them, newest first) against the
/// targets of `items` (the patient's program items; a patient's own device has no roster id).
pub fn progress_for_items(
    store: &Store,
    catalogue: &Catalogue,
    items: &[ProgramItem],
    sessions: &[SessionOverview],
) -> Result<Vec<ProgressSeries>, WorkspaceError> {
    type Key = (String, Option<&'static str>);
    let mut series: BTreeMap<Key, ProgressSeries> = BTreeMap::new();
    // Oldest first.
    for overview in sessions
        .iter()
        .rev()
        .filter(|s| s.reps > 0 || s.mean_rom.is_some())
    {
        let Some(detail) = store.get_session(overview.session_id)? else {
            continue;
        };
        let angle = exercise_angle(catalogue, &overview.exercise_id);
        let mut by_side: BTreeMap<Option<&'static str>, (Option<BodySide>, Acc)> = BTreeMap::new();
        for rep in &detail.repetitions {
            let entry = by_side
                .entry(rep.side.map(BodySide::as_str))
                .or_insert_with(|| (rep.side, Acc::default()));
            let acc = &mut entry.1;
            acc.rom.push(f64::from(rep.max_angle - rep.min_angle));
            if let Some((_, direction)) = &angle {
                acc.reached.push(f64::from(match direction {
                    WorkDirection::Closing => rep.min_angle,
                    WorkDirection::Opening => rep.max_angle,
                }));
            }
            if !rep.partial {
                acc.full += 1;
            }
        }
        for (side_key, (side, acc)) in by_side {
            let key = (overview.exercise_id.clone(), side_key);
            let entry = series.entry(key).or_insert_with(|| ProgressSeries {
                exercise_id: overview.exercise_id.clone(),
                exercise_name: catalogue
                    .get(&overview.exercise_id)
                    .map(|e| e.name.clone())
                    .unwrap_or_else(|_| overview.exercise_id.clone()),
                joint: angle.as_ref().map(|(a, _)| a.clone()),
                side,
                target: band(items, &overview.exercise_id),
                points: Vec::new(),
            });
            let reached = mean(&acc.reached);
            let in_band = entry
                .target
                .zip(reached)
                .map(|(b, r)| r >= b.low && r <= b.high);
            entry.points.push(ProgressPoint {
                session_id: overview.session_id,
                started_at: overview.started_at,
                reached_deg: reached,
                rom_deg: mean(&acc.rom),
                reps: acc.full,
                pain: overview.pain,
                in_band,
            });
        }
    }
    Ok(series.into_values().collect())
}
