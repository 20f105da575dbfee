//! The therapist's workspace: start of the day, roster, patient chart, session review with the
//! replay, comparison of two sessions, reviews and the program builder, remote-monitoring
//! readiness of the practice, registering a patient, and the idle lock. Every command first asks
//! the engine who is signed in ([`physalign_workspace::require_clinician`]: a patient's device is
//! refused whatever the window shows) and whether the workspace is locked; the decisions are the
//! engine's.

use super::{blocking_task, SharedState};
use crate::error::{CommandError, CommandResult};
use crate::managers::{LockManager, SyncManager};
use chrono::{DateTime, NaiveDate, Utc};
use physalign_analysis::goniometer::GoniometerJoint;
use physalign_api::patients::RegisterPatientRequest;
use physalign_store::{ProgramItem, ProgramItemEdit, SessionReview, Store};
use physalign_sync::SyncError;
use physalign_workspace::actions::{self, ProgramDraft, ReviewDraft};
use physalign_workspace::compare::{compare_sessions, SessionComparison};
use physalign_workspace::lock::{LockStatus, Unlock};
use physalign_workspace::measurement::{
    measure_session, patient_measurements, save_session_measurement, ChartMeasurement, Measurement,
};
use physalign_workspace::progress::ProgressSeries;
use physalign_workspace::replay::{session_replay, SessionReplay};
use physalign_workspace::{
    require_clinician, Clinician, PatientChart, PatientMonitoring, PracticeMonitoring, RosterEntry,
    StartOfDay, Workspace,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tauri::State;
use ts_rs::TS;
use uuid::Uuid;

/// Whether this device opens the workspace, and as whom.
#[derive(Debug, Serialize, TS)]
pub struct WorkspaceAccess {
    /// The clinician signed in, when the signed-in account is one.
    pub clinician: Option<Clinician>,
    /// Why the workspace is refused, when it is.
    pub refused: Option<String>,
    /// The idle lock, for a clinician.
    pub lock: Option<LockStatus>,
}

/// The patient chart with the progress charts.
#[derive(Debug, Serialize, TS)]
pub struct ChartView {
    /// Profile, program with adherence, sessions with reviews, open alerts.
    pub chart: PatientChart,
    /// Progress over time per exercise and side against the target band.
    pub progress: Vec<ProgressSeries>,
    /// Remote-monitoring readiness over the 30 days ending today.
    pub monitoring: PatientMonitoring,
}

/// A patient registered on the server, with the code to hand over.
#[derive(Debug, Serialize, TS)]
pub struct RegisteredPatientView {
    /// The new patient.
    pub patient_id: Uuid,
    /// The invitation code the patient claims on their device.
    pub invitation_code: String,
    /// Until when the code is valid.
    pub expires_at: DateTime<Utc>,
}

/// What the roster's registration form sends.
#[derive(Debug, Deserialize, TS)]
pub struct NewPatient {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// The patient's e-mail.
    pub email: String,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
}

/// Opens the store as the signed-in clinician with the workspace unlocked, or says why not.
fn open_unlocked(state: &SharedState, lock: &LockManager) -> CommandResult<(Store, Clinician)> {
    let store = Store::open(&state.paths.db)?;
    let clinician = require_clinician(&store)?;
    lock.check(clinician.user_id)?;
    Ok((store, clinician))
}

/// Runs `f` on the unlocked workspace of the signed-in clinician, off the async runtime.
pub(super) async fn with_workspace<T: Send + 'static>(
    state: &State<'_, SharedState>,
    lock: &State<'_, Arc<LockManager>>,
    f: impl FnOnce(&SharedState, &Store, &Clinician) -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    let state = state.inner().clone();
    let lock = lock.inner().clone();
    blocking_task(move || {
        let (store, clinician) = open_unlocked(&state, &lock)?;
        f(&state, &store, &clinician)
    })
    .await
}

/// Whether the signed-in account opens the workspace (the window's home for a clinician).
#[tauri::command]
pub async fn workspace_access(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
) -> CommandResult<WorkspaceAccess> {
    let state = state.inner().clone();
    let lock = lock.inner().clone();
    blocking_task(move || {
        let store = Store::open(&state.paths.db)?;
        Ok(match require_clinician(&store) {
            Ok(clinician) => WorkspaceAccess {
                lock: Some(lock.status(clinician.user_id)),
                clinician: Some(clinician),
                refused: None,
            },
            Err(e) => WorkspaceAccess {
                clinician: None,
                refused: Some(e.to_string()),
                lock: None,
            },
        })
    })
    .await
}

/// The start of the day: review queue (oldest first), open alerts (crisis first), today's
/// patients.
#[tauri::command]
pub async fn workspace_today(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
) -> CommandResult<StartOfDay> {
    with_workspace(&state, &lock, |_, store, _| {
        Ok(Workspace::new(store, Utc::now()).start_of_day()?)
    })
    .await
}

/// The roster, searched by name.
#[tauri::command]
pub async fn workspace_roster(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    search: Option<String>,
) -> CommandResult<Vec<RosterEntry>> {
    with_workspace(&state, &lock, move |_, store, _| {
        Ok(Workspace::new(store, Utc::now()).roster(search.as_deref())?)
    })
    .await
}

/// One patient's chart with the progress charts.
#[tauri::command]
pub async fn workspace_chart(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    patient_id: Uuid,
) -> CommandResult<ChartView> {
    with_workspace(&state, &lock, move |state, store, _| {
        let workspace = Workspace::new(store, Utc::now());
        let chart = workspace.patient_chart(patient_id)?;
        let progress = workspace.progress(&state.catalogue, &chart)?;
        let monitoring = workspace.patient_monitoring(patient_id, None)?;
        Ok(ChartView {
            chart,
            progress,
            monitoring,
        })
    })
    .await
}

/// Remote-monitoring readiness of every roster patient over the 30 days ending on `to`
/// (default today), by name, with the totals per criterion.
#[tauri::command]
pub async fn workspace_monitoring(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    to: Option<NaiveDate>,
) -> CommandResult<PracticeMonitoring> {
    with_workspace(&state, &lock, move |_, store, _| {
        Ok(Workspace::new(store, Utc::now()).monitoring(to)?)
    })
    .await
}

/// A session for the review screen: the replay from its landmarks, repetitions, form issues,
/// transcript with pain marked.
#[tauri::command]
pub async fn workspace_replay(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    session_id: Uuid,
) -> CommandResult<SessionReplay> {
    with_workspace(&state, &lock, move |state, store, _| {
        Ok(session_replay(store, &state.catalogue, session_id)?)
    })
    .await
}

/// Two sessions of one patient side by side, computed here.
#[tauri::command]
pub async fn workspace_compare(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    first: Uuid,
    second: Uuid,
) -> CommandResult<SessionComparison> {
    with_workspace(&state, &lock, move |state, store, _| {
        Ok(compare_sessions(store, &state.catalogue, first, second)?)
    })
    .await
}

/// Measurement mode: the goniometer reading of `joint` from a recorded hold, not yet saved.
#[tauri::command]
pub async fn workspace_measure(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    session_id: Uuid,
    joint: GoniometerJoint,
) -> CommandResult<Measurement> {
    with_workspace(&state, &lock, move |_, store, _| {
        Ok(measure_session(store, session_id, joint)?)
    })
    .await
}

/// Saves the goniometer reading of `joint` from a recorded hold in the patient's chart.
#[tauri::command]
pub async fn save_measurement(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    session_id: Uuid,
    joint: GoniometerJoint,
) -> CommandResult<ChartMeasurement> {
    with_workspace(&state, &lock, move |_, store, clinician| {
        Ok(save_session_measurement(
            store,
            clinician,
            session_id,
            joint,
            Utc::now(),
        )?)
    })
    .await
}

/// A patient's saved goniometer readings, newest first.
#[tauri::command]
pub async fn workspace_measurements(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    patient_id: Uuid,
) -> CommandResult<Vec<ChartMeasurement>> {
    with_workspace(&state, &lock, move |_, store, _| {
        Ok(patient_measurements(store, patient_id)?)
    })
    .await
}

/// Acknowledges a server alert (offline; sync sends it); returns whether it was open.
#[tauri::command]
pub async fn acknowledge_alert(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    alert_id: Uuid,
) -> CommandResult<bool> {
    let queued = with_workspace(&state, &lock, move |_, store, _| {
        Ok(store.acknowledge_alert(alert_id)?)
    })
    .await?;
    sync.wake();
    Ok(queued)
}

/// Writes a review (offline; sync sends it).
#[tauri::command]
pub async fn write_review(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    draft: ReviewDraft,
) -> CommandResult<SessionReview> {
    let review = with_workspace(&state, &lock, move |_, store, _| {
        Ok(actions::write_review(store, draft)?)
    })
    .await?;
    sync.wake();
    Ok(review)
}

/// Prescribes a program item (offline; sync sends it).
#[tauri::command]
pub async fn prescribe_item(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    draft: ProgramDraft,
) -> CommandResult<ProgramItem> {
    let item = with_workspace(&state, &lock, move |state, store, _| {
        Ok(actions::prescribe(store, &state.catalogue, draft)?)
    })
    .await?;
    sync.wake();
    Ok(item)
}

/// Changes a program item's dose (offline; sync sends it with the version it was made on).
#[tauri::command]
pub async fn edit_item(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    item_id: Uuid,
    edit: ProgramItemEdit,
) -> CommandResult<ProgramItem> {
    let item = with_workspace(&state, &lock, move |_, store, _| {
        Ok(actions::edit_item(store, item_id, &edit)?)
    })
    .await?;
    sync.wake();
    Ok(item)
}

/// Ends a program item (offline; sync sends it).
#[tauri::command]
pub async fn end_item(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    item_id: Uuid,
) -> CommandResult<ProgramItem> {
    let item = with_workspace(&state, &lock, move |_, store, _| {
        Ok(actions::end_item(store, item_id)?)
    })
    .await?;
    sync.wake();
    Ok(item)
}

/// What the window says when registering cannot reach the server.
pub const REGISTER_NEEDS_NETWORK: &str = "Registering a patient needs the clinic server, which \
     cannot be reached now. Try again when this computer is online; everything else works \
     offline.";

/// Registers a patient on the server and shows the invitation code (needs the network).
#[tauri::command]
pub async fn register_patient(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    patient: NewPatient,
) -> CommandResult<RegisteredPatientView> {
    let credentials = sync.credentials();
    with_workspace(&state, &lock, move |state, _, _| {
        let request = RegisterPatientRequest {
            first_name: patient.first_name.trim().to_string(),
            last_name: patient.last_name.trim().to_string(),
            email: patient.email.trim().to_string(),
            date_of_birth: patient.date_of_birth,
            ..RegisterPatientRequest::default()
        };
        match physalign_sync::blocking::register_patient(&state.paths.db, credentials, &request) {
            Ok(r) => Ok(RegisteredPatientView {
                patient_id: r.patient_id,
                invitation_code: r.invitation_code,
                expires_at: r.expires_at,
            }),
            Err(SyncError::Unreachable { .. }) => Err(CommandError::new(REGISTER_NEEDS_NETWORK)),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

fn clinician_of(state: &SharedState) -> CommandResult<Clinician> {
    Ok(require_clinician(&Store::open(&state.paths.db)?)?)
}

/// The idle lock's status (and the lock itself once the idle time has passed).
#[tauri::command]
pub async fn lock_status(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
) -> CommandResult<LockStatus> {
    let (state, lock) = (state.inner().clone(), lock.inner().clone());
    blocking_task(move || Ok(lock.status(clinician_of(&state)?.user_id))).await
}

/// The clinician did something: the idle time starts again.
#[tauri::command]
pub async fn lock_activity(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
) -> CommandResult<LockStatus> {
    let (state, lock) = (state.inner().clone(), lock.inner().clone());
    blocking_task(move || Ok(lock.activity(clinician_of(&state)?.user_id))).await
}

/// Locks the workspace now.
#[tauri::command]
pub async fn lock_now(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
) -> CommandResult<LockStatus> {
    let (state, lock) = (state.inner().clone(), lock.inner().clone());
    blocking_task(move || Ok(lock.lock_now(clinician_of(&state)?.user_id))).await
}

/// Opens the lock with the clinician's PIN or password.
#[tauri::command]
pub async fn unlock(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    unlock: Unlock,
) -> CommandResult<LockStatus> {
    let (state, lock) = (state.inner().clone(), lock.inner().clone());
    blocking_task(move || Ok(lock.unlock(clinician_of(&state)?.user_id, &unlock)?)).await
}

/// Sets the signed-in clinician's PIN (kept as a salted hash).
#[tauri::command]
pub async fn set_lock_pin(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    pin: String,
) -> CommandResult<LockStatus> {
    let (state, lock) = (state.inner().clone(), lock.inner().clone());
    blocking_task(move || {
        let (_, clinician) = open_unlocked(&state, &lock)?;
        lock.secrets().set_pin(clinician.user_id, &pin)?;
        Ok(lock.status(clinician.user_id))
    })
    .await
}

/// Changes the idle time before the lock (kept in the preferences).
#[tauri::command]
pub async fn set_lock_minutes(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    minutes: u32,
) -> CommandResult<LockStatus> {
    let (state, lock) = (state.inner().clone(), lock.inner().clone());
    blocking_task(move || {
        let (_, clinician) = open_unlocked(&state, &lock)?;
        let status = lock.set_idle_minutes(clinician.user_id, minutes)?;
        let mut settings = state.settings();
        settings.lock_idle_minutes = minutes;
        crate::settings::save(&state.paths.settings, &settings)?;
        state.set_settings(settings);
        Ok(status)
    })
    .await
}
