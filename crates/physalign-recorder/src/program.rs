//! Today's program: the program items the physiotherapist prescribed (pulled by sync, active and
//! current today) and the exercises the patient picked from the catalogue, with their targets,
//! what was already done today and, for prescribed items, this week's adherence.

use crate::RecorderError;
use chrono::{DateTime, Local, Utc};
use physalign_analysis::{Catalogue, Exercise, ExerciseOverrides};
use physalign_store::{ProgramItemStatus, SessionStatus, Store};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An exercise the patient chose, with their own targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProgramItem {
    /// Catalogue id.
    pub exercise_id: String,
    /// Repetitions to do (catalogue default when absent).
    #[serde(default)]
    pub target_reps: Option<u32>,
    /// Angle to reach (catalogue default when absent).
    #[serde(default)]
    pub target_angle: Option<f32>,
}

impl ProgramItem {
    /// The analyser overrides this item asks for.
    pub fn overrides(&self) -> ExerciseOverrides {
        ExerciseOverrides {
            target_reps: self.target_reps,
            target_angle: self.target_angle,
            ..ExerciseOverrides::default()
        }
    }
}

/// Where a program entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ProgramOrigin {
    /// Prescribed by the physiotherapist (pulled from the server).
    Prescribed,
    /// Picked by the patient on this device.
    Picked,
}

/// One exercise of today's program.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProgramEntry {
    /// Catalogue id.
    pub exercise_id: String,
    /// Display name.
    pub name: String,
    /// One line for the patient.
    pub description: String,
    /// Physiotherapist's instructions, for prescribed entries.
    pub instructions: Option<String>,
    /// Planned time, for prescribed entries.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Where it comes from.
    pub origin: ProgramOrigin,
    /// Repetitions to do, if counted.
    pub target_reps: Option<u32>,
    /// Angle to reach.
    pub target_angle: Option<f32>,
    /// Where the camera should be (`front`, `side`, `any`).
    pub camera_view: String,
    /// Sessions of this exercise completed today on this device.
    pub done_today: u32,
    /// The prescribed program item; a recording started from this entry is linked to it.
    pub program_item_id: Option<Uuid>,
    /// Sets per session, for prescribed entries.
    pub sets: Option<u32>,
    /// Seconds to hold, for prescribed holds.
    pub hold_seconds: Option<u32>,
    /// Sessions a week the clinician asks for.
    pub per_week: Option<u32>,
    /// Linked sessions this ISO week (the same rule as the server's adherence).
    pub done_this_week: Option<u32>,
}

/// Builds today's program from pulled prescriptions and the patient's picks.
pub fn todays_program(
    store: &Store,
    catalogue: &Catalogue,
    picked: &[ProgramItem],
) -> Result<Vec<ProgramEntry>, RecorderError> {
    let today = Local::now().date_naive();
    let done_today = |id: &str| -> Result<u32, RecorderError> {
        Ok(store
            .list_sessions(500, 0)?
            .iter()
            .filter(|s| s.exercise_id == id && s.status != SessionStatus::Recording)
            .filter(|s| s.started_at.with_timezone(&Local).date_naive() == today)
            .count() as u32)
    };
    let now = Utc::now();
    let mut entries = Vec::new();
    for item in store.program_items(None)? {
        let current = item.status == ProgramItemStatus::Active
            && item.start_date.is_none_or(|d| d <= today)
            && item.end_date.is_none_or(|d| d >= today);
        if !current {
            continue;
        }
        let Some(exercise) = find_exercise(catalogue, &item.exercise_id) else {
            tracing::warn!(
                exercise = item.exercise_id,
                "prescribed exercise is not in the catalogue"
            );
            continue;
        };
        let count = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
        let overrides = ExerciseOverrides {
            target_reps: count(item.reps),
            target_angle: item.target_angle.map(|a| a as f32),
            ..ExerciseOverrides::default()
        };
        let mut entry = entry(exercise, &overrides, ProgramOrigin::Prescribed);
        let adherence = store.adherence(item.id, now)?;
        entry.instructions = item.instructions.clone();
        entry.done_today = done_today(&exercise.id)?;
        entry.program_item_id = Some(item.id);
        entry.sets = count(item.sets);
        entry.hold_seconds = count(item.hold_seconds);
        entry.per_week = count(item.per_week);
        entry.done_this_week = count(Some(adherence.done_this_week));
        entries.push(entry);
    }
    for item in picked {
        let exercise = catalogue.get(&item.exercise_id)?;
        let mut entry = entry(exercise, &item.overrides(), ProgramOrigin::Picked);
        entry.done_today = done_today(&exercise.id)?;
        entries.push(entry);
    }
    Ok(entries)
}

/// The catalogue exercise named `kind` (its id or display name, any case, `_` or spaces).
fn find_exercise<'a>(catalogue: &'a Catalogue, kind: &str) -> Option<&'a Exercise> {
    let norm = |s: &str| s.trim().to_lowercase().replace([' ', '-'], "_");
    let wanted = norm(kind);
    catalogue
        .iter()
        .find(|e| norm(&e.id) == wanted || norm(&e.name) == wanted)
}

fn entry(
    exercise: &Exercise,
    overrides: &ExerciseOverrides,
    origin: ProgramOrigin,
) -> ProgramEntry {
    ProgramEntry {
        exercise_id: exercise.id.clone(),
        name: exercise.name.clone(),
        description: exercise.description.clone(),
        instructions: None,
        scheduled_at: None,
        origin,
        target_reps: overrides.target_reps,
        target_angle: overrides
            .target_angle
            .or(exercise.target_rom.as_ref().map(|t| t.angle)),
        camera_view: exercise.view.as_str().into(),
        done_today: 0,
        program_item_id: None,
        sets: None,
        hold_seconds: None,
        per_week: None,
        done_this_week: None,
    }
}
