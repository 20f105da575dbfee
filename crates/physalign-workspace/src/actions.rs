//! What a clinician changes from the workspace, offline: a review of a session, a new program
//! item (the program builder), checked here against the catalogue and the limits the server
//! enforces, then stored and queued for sync in one transaction by the store. Edits and ends of
//! items go through the store's own checked operations.

use crate::WorkspaceError;
use chrono::{NaiveDate, Utc};
use physalign_analysis::exercise::Mode;
use physalign_analysis::Catalogue;
use physalign_api::sessions::{Assessment, CreateReviewRequest, FormFeedback, NextSteps};
use physalign_store::{ProgramItem, ProgramItemEdit, ProgramItemStatus, SessionReview, Store};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

physalign_domain::wire_enum! {
    /// The overall grade of a review, as the API names it.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum Grade {
        /// Excellent.
        Excellent = "EXCELLENT",
        /// Good.
        Good = "GOOD",
        /// Fair.
        Fair = "FAIR",
        /// Needs improvement.
        NeedsImprovement = "NEEDS_IMPROVEMENT",
        /// Poor.
        Poor = "POOR",
    }
}

physalign_domain::wire_enum! {
    /// Which side a program item is done with.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum ItemSide {
        /// The left side.
        Left = "left",
        /// The right side.
        Right = "right",
        /// Both sides together.
        Both = "both",
        /// Each side in turn.
        Each = "each",
    }
}

/// A timed remark of a review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FeedbackDraft {
    /// The moment it is about, from the start of the recording.
    pub timestamp_ms: Option<i64>,
    /// What was observed.
    pub issue: String,
    /// What to do about it.
    pub recommendation: Option<String>,
}

/// A review as the clinician writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewDraft {
    /// The session reviewed.
    pub session_id: Uuid,
    /// Overall grade.
    pub assessment: Grade,
    /// Notes for the patient.
    pub notes: Option<String>,
    /// Form feedback, at moments of the session.
    pub form_feedback: Vec<FeedbackDraft>,
    /// What to do next.
    pub next_steps: Option<String>,
    /// Minutes the clinician spent on the review (1 to 480), counted as review time by
    /// [`crate::monitoring`]; kept on this device (not part of the upload). A draft without
    /// the field records none.
    pub minutes_spent: Option<u32>,
}

/// A new program item as the program builder makes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProgramDraft {
    /// The patient.
    pub patient_id: Uuid,
    /// Exercise catalogue id.
    pub exercise_id: String,
    /// Sets per session.
    pub sets: i64,
    /// Repetitions per set (counted exercises).
    pub reps: Option<i64>,
    /// Hold time in seconds (holds).
    pub hold_seconds: Option<i64>,
    /// Target joint angle in degrees.
    pub target_angle: Option<f64>,
    /// Tolerance around the target angle in degrees.
    pub tolerance: Option<f64>,
    /// Side.
    pub side: Option<ItemSide>,
    /// Sessions per week.
    pub per_week: i64,
    /// First day (default today).
    pub start_date: Option<NaiveDate>,
    /// Last day.
    pub end_date: Option<NaiveDate>,
    /// Instructions for the patient.
    pub instructions: Option<String>,
}

fn trimmed(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

fn invalid(what: &'static str, detail: impl Into<String>) -> WorkspaceError {
    WorkspaceError::Invalid {
        what,
        detail: detail.into(),
    }
}

fn require_on_roster(store: &Store, patient: Option<Uuid>) -> Result<Uuid, WorkspaceError> {
    let patient = patient.ok_or_else(|| invalid("patient", "the session has no patient"))?;
    let on_roster = store
        .care_patients()?
        .iter()
        .any(|p| p.patient.patient_id == patient);
    if on_roster {
        Ok(patient)
    } else {
        Err(WorkspaceError::PatientNotFound(patient))
    }
}

/// Stores a review of a session of a roster patient (with the minutes spent on it, when given)
/// and queues it for sync; returns it as stored.
pub fn write_review(store: &Store, draft: ReviewDraft) -> Result<SessionReview, WorkspaceError> {
    let session = store
        .session_overview(draft.session_id)?
        .ok_or(WorkspaceError::SessionNotFound(draft.session_id))?;
    require_on_roster(store, session.patient_id)?;
    let notes = trimmed(draft.notes);
    if notes.as_ref().is_some_and(|n| n.chars().count() > 10_000) {
        return Err(invalid("notes", "at most 10000 characters"));
    }
    let minutes_spent = draft
        .minutes_spent
        .map(physalign_store::check_review_minutes)
        .transpose()?;
    let assessment = Assessment::parse(draft.assessment.as_str())
        .ok_or_else(|| invalid("assessment", draft.assessment.as_str()))?;
    let id = Uuid::new_v4();
    let request = CreateReviewRequest {
        id: Some(id),
        session_id: draft.session_id,
        notes,
        overall_assessment: assessment,
        form_feedback: draft
            .form_feedback
            .into_iter()
            .filter_map(|f| {
                Some(FormFeedback {
                    timestamp: f.timestamp_ms,
                    issue: trimmed(Some(f.issue))?,
                    recommendation: trimmed(f.recommendation),
                    severity: None,
                })
            })
            .collect(),
        next_steps: trimmed(draft.next_steps).map(|text| NextSteps {
            recommended_exercises: Vec::new(),
            frequency: Some(text),
            follow_up_date: None,
        }),
        minutes_spent,
    };
    let body = serde_json::to_value(&request).map_err(|e| invalid("review", e.to_string()))?;
    store.create_offline_review_with_minutes(id, draft.session_id, &body, minutes_spent)?;
    store
        .session_reviews(draft.session_id)?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(WorkspaceError::SessionNotFound(draft.session_id))
}

/// Checks a draft against the catalogue and the server's limits and makes the item.
pub fn program_item(
    catalogue: &Catalogue,
    draft: ProgramDraft,
) -> Result<ProgramItem, WorkspaceError> {
    let exercise = catalogue.get(&draft.exercise_id).map_err(|_| {
        invalid(
            "exercise",
            format!("{} is not in the catalogue", draft.exercise_id),
        )
    })?;
    let (reps, hold_seconds) = match exercise.mode {
        Mode::Hold => (
            None,
            Some(draft.hold_seconds.ok_or_else(|| {
                invalid(
                    "hold seconds",
                    format!("{} is a hold: give its time", exercise.name),
                )
            })?),
        ),
        _ => (
            Some(draft.reps.ok_or_else(|| {
                invalid(
                    "reps",
                    format!("{} is counted: give the repetitions", exercise.name),
                )
            })?),
            None,
        ),
    };
    let today = Utc::now().date_naive();
    let start = draft.start_date.unwrap_or(today);
    if let Some(tolerance) = draft.tolerance {
        if !(0.0..=90.0).contains(&tolerance) {
            return Err(invalid(
                "tolerance",
                format!("{tolerance} is not between 0 and 90 degrees"),
            ));
        }
    }
    if draft.tolerance.is_some() && draft.target_angle.is_none() {
        return Err(invalid("tolerance", "a tolerance needs a target angle"));
    }
    let now = Utc::now();
    let base = ProgramItem {
        id: Uuid::new_v4(),
        patient_id: draft.patient_id,
        exercise_id: draft.exercise_id,
        sets: None,
        reps: None,
        hold_seconds: None,
        target_angle: None,
        tolerance: draft.tolerance,
        side: draft.side.map(|s| s.as_str().to_string()),
        per_week: None,
        start_date: Some(start),
        end_date: None,
        instructions: None,
        status: ProgramItemStatus::Active,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    // The dose is checked as an edit of an empty item: the same limits as any change.
    let item = ProgramItemEdit {
        sets: Some(draft.sets),
        reps,
        hold_seconds,
        target_angle: draft.target_angle,
        per_week: Some(draft.per_week),
        end_date: draft.end_date,
        instructions: trimmed(draft.instructions),
    }
    .apply(&base)?;
    Ok(item)
}

/// Prescribes a new item for a roster patient and queues it for sync; returns it.
pub fn prescribe(
    store: &Store,
    catalogue: &Catalogue,
    draft: ProgramDraft,
) -> Result<ProgramItem, WorkspaceError> {
    require_on_roster(store, Some(draft.patient_id))?;
    let item = program_item(catalogue, draft)?;
    store.create_program_item(&item)?;
    Ok(item)
}

/// Changes an item's dose (only the fields given), for a roster patient's item.
pub fn edit_item(
    store: &Store,
    item_id: Uuid,
    edit: &ProgramItemEdit,
) -> Result<ProgramItem, WorkspaceError> {
    let item = store
        .program_item(item_id)?
        .ok_or(WorkspaceError::ItemNotFound(item_id))?;
    require_on_roster(store, Some(item.patient_id))?;
    Ok(store.edit_program_item(item_id, edit)?)
}

/// Ends a roster patient's item.
pub fn end_item(store: &Store, item_id: Uuid) -> Result<ProgramItem, WorkspaceError> {
    let item = store
        .program_item(item_id)?
        .ok_or(WorkspaceError::ItemNotFound(item_id))?;
    require_on_roster(store, Some(item.patient_id))?;
    Ok(store.end_program_item(item_id)?.0)
}
