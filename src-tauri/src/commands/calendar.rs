//! The clinic calendar (issue 18): a clinician's day or week of appointments, and booking,
//! moving, cancelling, repeating, marking a no-show, preparing and settling a sync conflict, all
//! with the network unplugged (each change is shown at once and queued for sync, which is woken
//! after it); on a patient's device, their upcoming appointments and goals. The rules (wall-clock
//! times in the clinic's zone, what may change when, who may be booked) are the store's and
//! `physalign_workspace::calendar`'s; these commands only parse what the window sends.

use super::workspace::with_workspace;
use super::{blocking_task, SharedState};
use crate::error::{CommandError, CommandResult};
use crate::managers::{LockManager, SyncManager};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use physalign_store::appointments::{parse_zone, AppointmentAction};
use physalign_store::{
    Appointment, AppointmentConflict, AppointmentKind, AppointmentMove, ConflictResolution,
    NewAppointment, NoShowMark, Preparation, RecurrenceRule, Store,
};
use physalign_workspace::calendar::{self, CalendarDay, CalendarSpan, PatientAgenda};
use physalign_workspace::require_clinician;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tauri::State;
use ts_rs::TS;
use uuid::Uuid;

/// What the window says when a clinician's device asks for "its own" agenda.
pub const AGENDA_IS_A_PATIENTS: &str =
    "This device is a clinician's: the calendar shows the practice's appointments.";

/// The calendar as the window shows it: the engine's days, the clinic's today (for the "Today"
/// button) and the open conflicts with what each change was.
#[derive(Debug, Serialize, TS)]
pub struct CalendarView {
    /// Day or week.
    pub span: CalendarSpan,
    /// The IANA zone the days are cut in and times are shown in.
    pub time_zone: String,
    /// Today's date in that zone.
    pub today: NaiveDate,
    /// Each day of the span, empty ones included, appointments by start time.
    pub days: Vec<CalendarDay>,
    /// Changes of this device the server refused because the appointment changed meanwhile,
    /// oldest first.
    pub conflicts: Vec<CalendarConflict>,
}

/// What this device's refused change asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConflictChange {
    /// Booking it.
    Book,
    /// Moving or editing it.
    Move,
    /// Cancelling it.
    Cancel,
    /// Repeating it as a series.
    Repeat,
    /// Marking the no-show.
    NoShow,
    /// Its preparation notes.
    Prepare,
}

/// A conflict between this device's change of an appointment and the server's copy.
#[derive(Debug, Serialize, TS)]
pub struct CalendarConflict {
    /// Conflict id (to resolve it).
    pub id: i64,
    /// The appointment.
    pub appointment_id: Uuid,
    /// What this device's change was.
    pub change: ConflictChange,
    /// The appointment as this device's change left it.
    pub mine: Appointment,
    /// The server's copy, when it could be read.
    pub theirs: Option<Appointment>,
    /// When sync found it.
    pub detected_at: DateTime<Utc>,
}

impl From<AppointmentConflict> for CalendarConflict {
    fn from(c: AppointmentConflict) -> Self {
        let change = match c.mine.action {
            AppointmentAction::Create => ConflictChange::Book,
            AppointmentAction::Update => ConflictChange::Move,
            AppointmentAction::Cancel { .. } => ConflictChange::Cancel,
            AppointmentAction::Recur(_) => ConflictChange::Repeat,
            AppointmentAction::NoShow(_) => ConflictChange::NoShow,
            AppointmentAction::Prepare(_) => ConflictChange::Prepare,
        };
        CalendarConflict {
            id: c.id,
            appointment_id: c.appointment_id,
            change,
            mine: c.mine.appointment,
            theirs: c.theirs,
            detected_at: c.detected_at,
        }
    }
}

/// What the booking form sends.
#[derive(Debug, Deserialize, TS)]
pub struct AppointmentBooking {
    /// The roster patient.
    pub patient_id: Uuid,
    /// The clinic's wall-clock start, `YYYY-MM-DDTHH:MM` (seconds optional).
    pub local_start: String,
    /// The clinic's IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Length in minutes (5–480).
    pub duration_minutes: u32,
    /// Kind of session.
    pub kind: AppointmentKind,
    /// Free-text notes.
    pub notes: Option<String>,
}

/// What the move form sends: a new wall-clock start, optionally a new zone or length.
#[derive(Debug, Deserialize, TS)]
pub struct AppointmentMoveRequest {
    /// New wall-clock start, `YYYY-MM-DDTHH:MM` (seconds optional).
    pub local_start: String,
    /// New IANA time zone (absent: unchanged).
    pub time_zone: Option<String>,
    /// New length in minutes (absent: unchanged).
    pub duration_minutes: Option<u32>,
}

/// A wall-clock time as the window's date and time fields give it.
fn parse_local(text: &str) -> CommandResult<NaiveDateTime> {
    let text = text.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .ok_or_else(|| {
            CommandError::new(format!(
                "{text:?} is not a date and time like 2026-03-20T10:00"
            ))
        })
}

/// Free text as kept: trimmed, nothing when blank (an empty field is no reason, no note).
fn text(value: Option<String>) -> Option<String> {
    value
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The day or week holding `date` (default: today in the zone) in the clinic zone `zone`
/// (default: the zone of the appointments changed most recently, else UTC).
#[tauri::command]
pub async fn workspace_calendar(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    span: CalendarSpan,
    date: Option<NaiveDate>,
    zone: Option<String>,
) -> CommandResult<CalendarView> {
    with_workspace(&state, &lock, move |_, store, _| {
        let zone = text(zone);
        let zone = calendar::clinic_zone(store, zone.as_deref())?;
        let today = Utc::now().with_timezone(&parse_zone(&zone)?).date_naive();
        let view = calendar::calendar(store, span, date.unwrap_or(today), &zone)?;
        Ok(CalendarView {
            span: view.span,
            time_zone: view.time_zone,
            today,
            days: view.days,
            conflicts: view.conflicts.into_iter().map(Into::into).collect(),
        })
    })
    .await
}

/// Runs a change of the calendar on the unlocked workspace, then wakes sync to send it.
async fn change<T: Send + 'static>(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    f: impl FnOnce(&Store) -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    let changed = with_workspace(&state, &lock, move |_, store, _| f(store)).await?;
    sync.wake();
    Ok(changed)
}

/// Books an appointment for a roster patient (offline; sync sends it).
#[tauri::command]
pub async fn book_appointment(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    booking: AppointmentBooking,
) -> CommandResult<Appointment> {
    change(state, lock, sync, move |store| {
        let new = NewAppointment {
            id: Uuid::new_v4(),
            patient_id: booking.patient_id,
            local_start: parse_local(&booking.local_start)?,
            time_zone: booking.time_zone.trim().to_string(),
            duration_minutes: booking.duration_minutes,
            kind: booking.kind,
            notes: text(booking.notes),
        };
        Ok(calendar::book_appointment(store, &new)?)
    })
    .await
}

/// Moves a scheduled appointment to another wall-clock start (offline; sync sends it).
#[tauri::command]
pub async fn move_appointment(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    appointment_id: Uuid,
    to: AppointmentMoveRequest,
) -> CommandResult<Appointment> {
    change(state, lock, sync, move |store| {
        let to = AppointmentMove {
            local_start: parse_local(&to.local_start)?,
            time_zone: text(to.time_zone),
            duration_minutes: to.duration_minutes,
        };
        Ok(store.move_appointment(appointment_id, &to)?)
    })
    .await
}

/// Cancels an appointment, kept with its reason (offline; sync sends it).
#[tauri::command]
pub async fn cancel_appointment(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    appointment_id: Uuid,
    reason: Option<String>,
) -> CommandResult<Appointment> {
    change(state, lock, sync, move |store| {
        Ok(store.cancel_appointment(appointment_id, text(reason).as_deref())?)
    })
    .await
}

/// Repeats an appointment weekly, biweekly or monthly until a date (offline; the occurrences
/// show at once and the server's answer replaces them). Returns the series, this one first.
#[tauri::command]
pub async fn recur_appointment(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    appointment_id: Uuid,
    rule: RecurrenceRule,
) -> CommandResult<Vec<Appointment>> {
    change(state, lock, sync, move |store| {
        Ok(store.recur_appointment(appointment_id, &rule)?)
    })
    .await
}

/// Marks that the patient did not come, with the reason, fee and notification asked for
/// (offline; sync sends it).
#[tauri::command]
pub async fn mark_no_show(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    appointment_id: Uuid,
    mark: NoShowMark,
) -> CommandResult<Appointment> {
    change(state, lock, sync, move |store| {
        let mark = NoShowMark {
            reason: text(mark.reason),
            ..mark
        };
        Ok(store.mark_no_show(appointment_id, &mark)?)
    })
    .await
}

/// Replaces an appointment's preparation notes (offline; sync sends them).
#[tauri::command]
pub async fn prepare_appointment(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    appointment_id: Uuid,
    preparation: Preparation,
) -> CommandResult<Appointment> {
    change(state, lock, sync, move |store| {
        let preparation = Preparation {
            notes: text(preparation.notes),
            focus_areas: preparation
                .focus_areas
                .into_iter()
                .filter_map(|a| text(Some(a)))
                .collect(),
            ..preparation
        };
        Ok(store.prepare_appointment(appointment_id, &preparation)?)
    })
    .await
}

/// Settles a conflict: keep mine sends this device's change again, take theirs drops it and
/// shows the server's copy. Returns the appointment as it now shows.
#[tauri::command]
pub async fn resolve_appointment_conflict(
    state: State<'_, SharedState>,
    lock: State<'_, Arc<LockManager>>,
    sync: State<'_, SyncManager>,
    conflict_id: i64,
    resolution: ConflictResolution,
) -> CommandResult<Appointment> {
    change(state, lock, sync, move |store| {
        Ok(store.resolve_appointment_conflict(conflict_id, resolution)?)
    })
    .await
}

/// On a patient's device: their appointments from today on and their goals, as last pulled.
#[tauri::command]
pub async fn patient_agenda(state: State<'_, SharedState>) -> CommandResult<PatientAgenda> {
    let state = state.inner().clone();
    blocking_task(move || {
        let store = Store::open(&state.paths.db)?;
        // A clinician's device holds every patient's appointments: this view is a patient's own.
        if require_clinician(&store).is_ok() {
            return Err(CommandError::new(AGENDA_IS_A_PATIENTS));
        }
        Ok(calendar::patient_agenda(&store, Utc::now())?)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_clock_times_are_read_with_or_without_seconds_and_refused_otherwise() {
        let at = |t: &str| parse_local(t).map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string());
        assert_eq!(
            at("2026-03-30T09:15").ok().as_deref(),
            Some("2026-03-30 09:15:00")
        );
        assert_eq!(
            at(" 2026-03-30T09:15:30 ").ok().as_deref(),
            Some("2026-03-30 09:15:30")
        );
        assert_eq!(
            at("2026-03-30 09:15").ok().as_deref(),
            Some("2026-03-30 09:15:00")
        );
        for bad in ["", "09:15", "2026-02-30T09:15", "tomorrow"] {
            let e = at(bad).expect_err(bad);
            assert!(e.message.contains("like 2026-03-20T10:00"), "{}", e.message);
        }
    }

    #[test]
    fn blank_text_is_no_text() {
        assert_eq!(text(Some("  ".into())), None);
        assert_eq!(text(None), None);
        assert_eq!(text(Some(" ill ".into())).as_deref(), Some("ill"));
    }
}
