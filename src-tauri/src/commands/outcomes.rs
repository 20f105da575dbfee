//! Outcome questionnaires (issue 19): the fillable form of an instrument, a patient's outcome
//! measures (scores, trend against the MCID, the plan's schedule and what is due), keeping a
//! filled-in questionnaire and setting a patient's outcome plan. The rules (scoring, who may
//! answer for whom, the schedule) are `physalign_workspace::outcomes`' and `physalign_outcomes`'.
//!
//! On a patient's device the questionnaires are the patient's own (the patient this device
//! pulled its profile for); on a clinician's device they are a roster patient's, entered on the
//! patient's behalf, and refused while the idle lock is on.

use super::workspace::with_workspace;
use super::{blocking_task, SharedState};
use crate::error::{CommandError, CommandResult};
use crate::managers::{LockManager, SyncManager};
use chrono::{DateTime, Utc};
use physalign_outcomes::{Form, Instrument};
use physalign_store::{Respondent, Store};
use physalign_workspace::access::require_care_patient;
use physalign_workspace::outcomes::{self, OutcomeOverview, PlanChange, QuestionnaireAnswers};
use physalign_workspace::require_clinician;
use serde::Serialize;
use std::sync::Arc;
use tauri::State;
use ts_rs::TS;
use uuid::Uuid;

/// What the window says on a patient's device that has not learnt its patient yet.
pub const PATIENT_UNKNOWN: &str = "This device does not know its patient yet: sign in and sync \
     once, then your questionnaires show here.";

/// What the window says when a clinician's device asks for "its own" outcome measures.
pub const NAME_THE_PATIENT: &str =
    "This device is a clinician's: open a patient's chart to see their outcome measures.";

/// A questionnaire just kept, with its score.
#[derive(Debug, Serialize, TS)]
pub struct SavedQuestionnaire {
    /// The questionnaire's id.
    pub id: Uuid,
    /// The patient it is about.
    pub patient_id: Uuid,
    /// The instrument filled in.
    pub instrument: Instrument,
    /// The instrument's printed name (e.g. "ODI").
    pub name: String,
    /// Its score by the instrument's published rules.
    pub score: f64,
    /// The instrument's highest score (the lowest is 0).
    pub max: f64,
    /// When it was completed.
    pub completed_at: DateTime<Utc>,
    /// Who answered.
    pub respondent: Respondent,
}

/// A patient's outcome measures as of today (UTC): a roster patient's on a clinician's device
/// (`patient_id`), the device's own patient's on a patient's device (no `patient_id`).
#[tauri::command]
pub async fn outcome_overview(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    patient_id: Option<Uuid>,
) -> CommandResult<OutcomeOverview> {
    match patient_id {
        Some(patient_id) => {
            with_workspace(&state, &lock, move |_, store, _| {
                require_care_patient(store, patient_id)?;
                Ok(outcomes::outcome_overview(
                    store,
                    patient_id,
                    Utc::now().date_naive(),
                )?)
            })
            .await
        }
        None => {
            let state = state.inner().clone();
            blocking_task(move || {
                let store = Store::open(&state.paths.db)?;
                let own = own_patient(&store)?;
                Ok(outcomes::outcome_overview(
                    &store,
                    own,
                    Utc::now().date_naive(),
                )?)
            })
            .await
        }
    }
}

/// The patient this (patient's) device belongs to, or a message saying what to do.
fn own_patient(store: &Store) -> CommandResult<Uuid> {
    if let Some(own) = outcomes::own_patient_id(store)? {
        return Ok(own);
    }
    if require_clinician(store).is_ok() {
        return Err(CommandError::new(NAME_THE_PATIENT));
    }
    Err(CommandError::new(PATIENT_UNKNOWN))
}

/// The fillable form of `instrument`: its items in the order the answers are sent.
#[tauri::command]
pub fn outcome_form(instrument: Instrument) -> Form {
    physalign_outcomes::form(instrument)
}

/// Scores and keeps a filled-in questionnaire (offline; sync sends it). On a patient's device
/// it is their own (`patient_id` none or their own); on a clinician's, `patient_id` names a
/// roster patient whose answers the clinician enters, refused while the workspace is locked.
#[tauri::command]
pub async fn record_questionnaire(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    patient_id: Option<Uuid>,
    answers: QuestionnaireAnswers,
) -> CommandResult<SavedQuestionnaire> {
    let state = state.inner().clone();
    let lock = lock.inner().clone();
    let saved = blocking_task(move || {
        let store = Store::open(&state.paths.db)?;
        // A clinician's device is the workspace: nothing is entered while its lock is on.
        if let Ok(clinician) = require_clinician(&store) {
            lock.check(clinician.user_id)?;
        }
        let response = outcomes::record_questionnaire(&store, patient_id, answers, Utc::now())?;
        let taken = response.taken;
        Ok(SavedQuestionnaire {
            id: taken.id,
            patient_id: taken.patient_id,
            instrument: taken.instrument,
            name: taken.instrument.display_name().to_string(),
            score: response.score,
            max: response.max,
            completed_at: taken.completed_at,
            respondent: taken.respondent,
        })
    })
    .await?;
    sync.wake();
    Ok(saved)
}

/// Sets a roster patient's outcome plan (offline; sync sends it); returns the patient's
/// outcome measures under the new plan.
#[tauri::command]
pub async fn set_outcome_plan(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    patient_id: Uuid,
    change: PlanChange,
) -> CommandResult<OutcomeOverview> {
    let overview = with_workspace(&state, &lock, move |_, store, _| {
        let now = Utc::now();
        outcomes::set_outcome_plan(store, patient_id, change, now)?;
        Ok(outcomes::outcome_overview(
            store,
            patient_id,
            now.date_naive(),
        )?)
    })
    .await?;
    sync.wake();
    Ok(overview)
}
