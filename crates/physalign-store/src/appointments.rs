//! The clinic calendar on the device (issue 18): appointments pulled from the server, and
//! booked, moved, cancelled, recurred, marked no-show or prepared here while offline. Each
//! change shows at once and is queued in the outbox (in the same transaction) with the server
//! version it was made on, so a change made meanwhile on another device is detected on delivery
//! and kept as a conflict with both versions until the user resolves it.
//!
//! Times are the clinic's wall-clock times in an IANA time zone, read as the server reads them
//! (a time in a daylight-saving gap moves forward by the gap, an ambiguous one takes the
//! earlier instant). The schema is `migrations/sqlite/1000_appointments.sql`.

use crate::clinical::RecordOrigin;
use crate::outbox::{enqueue, OutboxEntityKind, OutboxOperation};
use crate::sql_values::{parse_opt_uuid, parse_text, parse_time, parse_uuid, time_text, uuid_text};
use crate::{Store, StoreError};
use chrono::{DateTime, Duration, LocalResult, Months, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

physalign_domain::wire_enum! {
    /// Where an appointment is in its life (the server's statuses).
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum AppointmentStatus {
        /// Booked, still to happen.
        Scheduled = "scheduled",
        /// Took place.
        Completed = "completed",
        /// Called off (kept, never deleted).
        Cancelled = "cancelled",
        /// The client did not come.
        NoShow = "no-show",
    }
}

physalign_domain::wire_enum! {
    /// The kind of clinic session booked (the server's session types).
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum AppointmentKind {
        /// First assessment of a new client.
        InitialAssessment = "initial_assessment",
        /// A regular follow-up.
        FollowUp = "follow_up",
        /// A treatment session.
        Treatment = "treatment",
        /// A reassessment of progress.
        Reassessment = "reassessment",
        /// A remote session.
        Telehealth = "telehealth",
    }
}

physalign_domain::wire_enum! {
    /// How often a recurring series repeats.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum RecurrencePattern {
        /// Every 7 days.
        Weekly = "weekly",
        /// Every 14 days.
        Biweekly = "biweekly",
        /// The same day of every month (the month's last day when it is shorter).
        Monthly = "monthly",
    }
}

physalign_domain::wire_enum! {
    /// Where a therapy goal is.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum GoalStatus {
        /// Being worked on.
        Active = "active",
        /// Reached.
        Completed = "completed",
        /// On hold.
        Paused = "paused",
    }
}

physalign_domain::wire_enum! {
    /// How the user settles a conflict between this device's change and the server's copy.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum ConflictResolution {
        /// Send this device's change again, now against the server's current version.
        KeepMine = "keep_mine",
        /// Drop this device's change and show the server's copy.
        TakeTheirs = "take_theirs",
    }
}

/// An appointment's preparation notes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Preparation {
    /// Notes for the session (at most 8000 characters).
    pub notes: Option<String>,
    /// Look at the previous session first.
    pub review_previous_session: bool,
    /// What to focus on.
    pub focus_areas: Vec<String>,
}

/// The no-show recorded on an appointment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NoShowRecord {
    /// Why the client did not come.
    pub reason: Option<String>,
    /// The fee charged (the currency is the practice's, known once the server answered).
    pub fee_amount: Option<f64>,
    /// ISO 4217 currency of the fee, once the server answered.
    pub fee_currency: Option<String>,
    /// Whether a notification is queued for the client.
    pub client_notified: bool,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// One appointment as this device holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Appointment {
    /// Appointment id (client-generated when booked here, kept by the server).
    pub id: Uuid,
    /// The patient (the server's `clientId`).
    pub patient_id: Uuid,
    /// The physiotherapist, once known from the server.
    pub therapist_id: Option<Uuid>,
    /// The patient's name, as the server or this device's roster gives it.
    pub client_name: Option<String>,
    /// The clinic's wall-clock start in `time_zone`.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub local_start: NaiveDateTime,
    /// IANA time zone of the clinic, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// The start as an instant.
    pub start_at: DateTime<Utc>,
    /// Length in minutes (5–480).
    pub duration_minutes: u32,
    /// Kind of session.
    pub kind: AppointmentKind,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Status.
    pub status: AppointmentStatus,
    /// The series it belongs to (the id of the appointment the series was set up from).
    pub series_id: Option<Uuid>,
    /// An occurrence of a series set up on this device that the server has not created yet
    /// (it cannot be changed until then).
    pub provisional: bool,
    /// Preparation notes, once written.
    pub preparation: Option<Preparation>,
    /// The no-show, when status is no-show.
    pub no_show: Option<NoShowRecord>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// The exercise session started from it, if any.
    pub session_id: Option<Uuid>,
    /// The server version this copy is based on (0: not on the server yet).
    pub version: i64,
    /// Pulled from the server, or booked or changed here.
    pub origin: RecordOrigin,
    /// When this copy last changed.
    pub updated_at: DateTime<Utc>,
}

impl Appointment {
    /// When it ends.
    pub fn end_at(&self) -> DateTime<Utc> {
        self.start_at + Duration::minutes(i64::from(self.duration_minutes))
    }
}

/// An appointment booked on this device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewAppointment {
    /// Client-generated id, kept by the server.
    pub id: Uuid,
    /// The patient.
    pub patient_id: Uuid,
    /// The clinic's wall-clock start.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub local_start: NaiveDateTime,
    /// IANA time zone of the clinic.
    pub time_zone: String,
    /// Length in minutes (5–480).
    pub duration_minutes: u32,
    /// Kind of session.
    pub kind: AppointmentKind,
    /// Free-text notes (at most 4000 characters).
    pub notes: Option<String>,
}

/// A move of an appointment: a new wall-clock start, optionally a new zone or length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppointmentMove {
    /// New wall-clock start.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub local_start: NaiveDateTime,
    /// New IANA time zone (absent: unchanged).
    pub time_zone: Option<String>,
    /// New length in minutes (absent: unchanged).
    pub duration_minutes: Option<u32>,
}

/// A recurring series set up from an appointment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecurrenceRule {
    /// How often.
    pub pattern: RecurrencePattern,
    /// Last day an occurrence may fall on (inclusive, clinic calendar date).
    pub end_date: NaiveDate,
    /// Clinic calendar dates to skip.
    pub exceptions: Vec<NaiveDate>,
}

/// A no-show marked on this device.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NoShowMark {
    /// Why the client did not come (at most 1000 characters).
    pub reason: Option<String>,
    /// Charge the practice's no-show fee.
    pub apply_fee: bool,
    /// The fee (positive); absent with `apply_fee`: the practice's standard fee.
    pub fee_amount: Option<f64>,
    /// Queue a notification for the client.
    pub notify_client: bool,
}

/// What a queued appointment change asks the server for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AppointmentAction {
    /// Book it (`POST /api/appointments` with its id).
    Create,
    /// Move or edit it (`PUT`, with `If-Match`).
    Update,
    /// Call it off.
    Cancel {
        /// Why.
        reason: Option<String>,
    },
    /// Set up a series from it.
    Recur(RecurrenceRule),
    /// Mark the no-show.
    NoShow(NoShowMark),
    /// Replace its preparation notes (`PUT …/preparation`, with `If-Match`).
    Prepare(Preparation),
}

impl AppointmentAction {
    fn operation(&self) -> OutboxOperation {
        match self {
            AppointmentAction::Create => OutboxOperation::Create,
            AppointmentAction::Update => OutboxOperation::Update,
            AppointmentAction::Cancel { .. } => OutboxOperation::Cancel,
            AppointmentAction::Recur(_) => OutboxOperation::Recur,
            AppointmentAction::NoShow(_) => OutboxOperation::NoShow,
            AppointmentAction::Prepare(_) => OutboxOperation::Prepare,
        }
    }
}

/// The payload of an appointment's outbox entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointmentChange {
    /// The appointment as it is on this device after the change.
    pub appointment: Appointment,
    /// The server version the change was made on (sent as `If-Match`); moved on by
    /// [`Store::appointment_delivered`] when an earlier change of this device is delivered, and
    /// by [`Store::resolve_appointment_conflict`] when the user keeps their change.
    pub base_version: i64,
    /// What to ask the server for.
    #[serde(flatten)]
    pub action: AppointmentAction,
}

/// A change of this device the server refused because the appointment changed meanwhile
/// (on another device, or by someone else): both versions, until the user resolves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointmentConflict {
    /// Conflict id (to resolve it).
    pub id: i64,
    /// The appointment.
    pub appointment_id: Uuid,
    /// The change of this device that met the conflict.
    pub mine: AppointmentChange,
    /// The server's copy, when it could be read.
    pub theirs: Option<Appointment>,
    /// The server's version.
    pub server_version: Option<i64>,
    /// When it was found.
    pub detected_at: DateTime<Utc>,
}

/// A patient's therapy goal as the server last sent it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TherapyGoal {
    /// Goal id.
    pub id: Uuid,
    /// The patient.
    pub patient_id: Uuid,
    /// The goal in words.
    pub goal: String,
    /// Status.
    pub status: GoalStatus,
    /// 0–100.
    pub progress: u8,
    /// When it should be reached.
    pub target_date: Option<NaiveDate>,
}

/// The exercise session before an appointment (the one to look at while preparing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PreviousSession {
    /// Session id.
    pub id: Uuid,
    /// Exercise catalogue id.
    pub exercise_id: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
}

/// Parses an IANA zone name.
pub fn parse_zone(name: &str) -> Result<Tz, StoreError> {
    name.trim().parse::<Tz>().map_err(|_| StoreError::Invalid {
        what: "time zone",
        detail: format!("{name} is not an IANA time zone name, e.g. Europe/Berlin"),
    })
}

/// The instant of wall-clock time `local` in `zone`, as the server reads it: an ambiguous time
/// is the earlier instant, a time in a daylight-saving gap moves forward by the gap.
pub fn clinic_instant(local: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            let mut probe = local;
            for _ in 0..48 {
                probe -= Duration::minutes(30);
                if let LocalResult::Single(t) = zone.from_local_datetime(&probe) {
                    return (t + (local - probe)).with_timezone(&Utc);
                }
            }
            Utc.from_utc_datetime(&local)
        }
    }
}

/// At most this many further occurrences in a series (the server's limit).
const MAX_OCCURRENCES: usize = 366;

/// The dates after `first` on which a series repeats up to `rule.end_date`, minus exceptions
/// (the server's rule).
pub fn occurrence_dates(
    first: NaiveDate,
    rule: &RecurrenceRule,
) -> Result<Vec<NaiveDate>, StoreError> {
    if rule.end_date < first {
        return Err(StoreError::Invalid {
            what: "end date",
            detail: format!("{} is before the appointment's date {first}", rule.end_date),
        });
    }
    let mut dates = Vec::new();
    for k in 1u32.. {
        let date = match rule.pattern {
            RecurrencePattern::Weekly => first.checked_add_signed(Duration::weeks(i64::from(k))),
            RecurrencePattern::Biweekly => {
                first.checked_add_signed(Duration::weeks(2 * i64::from(k)))
            }
            RecurrencePattern::Monthly => first.checked_add_months(Months::new(k)),
        };
        let Some(date) = date.filter(|d| *d <= rule.end_date) else {
            break;
        };
        if !rule.exceptions.contains(&date) {
            dates.push(date);
        }
        if dates.len() > MAX_OCCURRENCES {
            return Err(StoreError::Invalid {
                what: "end date",
                detail: format!("a series may have at most {MAX_OCCURRENCES} further occurrences"),
            });
        }
    }
    Ok(dates)
}

fn check_duration(minutes: u32) -> Result<(), StoreError> {
    if (5..=480).contains(&minutes) {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            what: "duration",
            detail: format!("{minutes} minutes is not between 5 and 480"),
        })
    }
}

fn check_text(what: &'static str, text: Option<&str>, max: usize) -> Result<(), StoreError> {
    match text {
        Some(t) if t.chars().count() > max => Err(StoreError::Invalid {
            what,
            detail: format!("at most {max} characters"),
        }),
        _ => Ok(()),
    }
}

const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

const COLUMNS: &str = "id, patient_id, therapist_id, client_name, local_start, time_zone, start_at,
     duration_minutes, kind, notes, status, series_id, provisional, preparation, no_show,
     cancel_reason, session_id, version, origin, updated_at";

fn json_column<T: serde::de::DeserializeOwned>(
    what: &'static str,
    text: Option<String>,
) -> Result<Option<T>, StoreError> {
    text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::corrupt(what, e)))
        .transpose()
}

fn from_row(row: &Row<'_>) -> Result<Appointment, StoreError> {
    let local: String = row.get(4)?;
    Ok(Appointment {
        id: parse_uuid("appointments.id", &row.get::<_, String>(0)?)?,
        patient_id: parse_uuid("appointments.patient_id", &row.get::<_, String>(1)?)?,
        therapist_id: parse_opt_uuid("appointments.therapist_id", row.get(2)?)?,
        client_name: row.get(3)?,
        local_start: NaiveDateTime::parse_from_str(&local, LOCAL_FORMAT)
            .map_err(|e| StoreError::corrupt("appointments.local_start", e))?,
        time_zone: row.get(5)?,
        start_at: parse_time("appointments.start_at", &row.get::<_, String>(6)?)?,
        duration_minutes: row.get(7)?,
        kind: parse_text("appointments.kind", &row.get::<_, String>(8)?)?,
        notes: row.get(9)?,
        status: parse_text("appointments.status", &row.get::<_, String>(10)?)?,
        series_id: parse_opt_uuid("appointments.series_id", row.get(11)?)?,
        provisional: row.get(12)?,
        preparation: json_column("appointments.preparation", row.get(13)?)?,
        no_show: json_column("appointments.no_show", row.get(14)?)?,
        cancel_reason: row.get(15)?,
        session_id: parse_opt_uuid("appointments.session_id", row.get(16)?)?,
        version: row.get(17)?,
        origin: parse_text("appointments.origin", &row.get::<_, String>(18)?)?,
        updated_at: parse_time("appointments.updated_at", &row.get::<_, String>(19)?)?,
    })
}

fn write_row(conn: &Connection, a: &Appointment) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO appointments (id, patient_id, therapist_id, client_name, local_start,
             time_zone, start_at, duration_minutes, kind, notes, status, series_id, provisional,
             preparation, no_show, cancel_reason, session_id, version, origin, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20)
         ON CONFLICT (id) DO UPDATE SET patient_id = excluded.patient_id,
             therapist_id = coalesce(excluded.therapist_id, appointments.therapist_id),
             client_name = coalesce(excluded.client_name, appointments.client_name),
             local_start = excluded.local_start, time_zone = excluded.time_zone,
             start_at = excluded.start_at, duration_minutes = excluded.duration_minutes,
             kind = excluded.kind, notes = excluded.notes, status = excluded.status,
             series_id = excluded.series_id, provisional = excluded.provisional,
             preparation = excluded.preparation, no_show = excluded.no_show,
             cancel_reason = excluded.cancel_reason, session_id = excluded.session_id,
             version = excluded.version, origin = excluded.origin,
             updated_at = excluded.updated_at",
    )?
    .execute(params![
        uuid_text(a.id),
        uuid_text(a.patient_id),
        a.therapist_id.map(uuid_text),
        a.client_name,
        a.local_start.format(LOCAL_FORMAT).to_string(),
        a.time_zone,
        time_text(a.start_at),
        a.duration_minutes,
        a.kind.as_str(),
        a.notes,
        a.status.as_str(),
        a.series_id.map(uuid_text),
        a.provisional,
        a.preparation
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?,
        a.no_show.as_ref().map(serde_json::to_string).transpose()?,
        a.cancel_reason,
        a.session_id.map(uuid_text),
        a.version,
        a.origin.as_str(),
        time_text(a.updated_at),
    ])?;
    Ok(())
}

fn load(conn: &Connection, id: Uuid) -> Result<Option<Appointment>, StoreError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM appointments WHERE id = ?1"))?;
    let mut rows = stmt.query([uuid_text(id)])?;
    rows.next()?.map(from_row).transpose()
}

fn has_local_changes(conn: &Connection, id: Uuid) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE entity_type = ?1 AND entity_id = ?2
                          AND status != 'done')
             OR EXISTS (SELECT 1 FROM sync_conflicts WHERE entity_type = ?1
                          AND entity_id = ?2 AND resolved_at IS NULL)",
        params![OutboxEntityKind::Appointment.as_str(), uuid_text(id)],
        |r| r.get(0),
    )?)
}

/// The roster's name of a patient, if this device has one.
fn roster_name(conn: &Connection, patient: Uuid) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT trim(first_name || ' ' || last_name) FROM care_patients WHERE patient_id = ?1",
            [uuid_text(patient)],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .filter(|name| !name.is_empty()))
}

fn queue(
    conn: &Connection,
    appointment: &Appointment,
    base_version: i64,
    action: AppointmentAction,
) -> Result<(), StoreError> {
    let operation = action.operation();
    let change = AppointmentChange {
        appointment: appointment.clone(),
        base_version,
        action,
    };
    enqueue(
        conn,
        OutboxEntityKind::Appointment,
        appointment.id,
        operation,
        &serde_json::to_value(&change)?,
        appointment.updated_at,
    )?;
    Ok(())
}

/// Loads an appointment this device may change now: known, not an occurrence the server has
/// not created yet.
fn load_changeable(conn: &Connection, id: Uuid) -> Result<Appointment, StoreError> {
    let appointment = load(conn, id)?.ok_or(StoreError::AppointmentNotFound(id))?;
    if appointment.provisional {
        return Err(StoreError::Invalid {
            what: "appointment",
            detail: "this occurrence of a series set up offline can be changed once synced".into(),
        });
    }
    Ok(appointment)
}

fn require_scheduled(appointment: &Appointment) -> Result<(), StoreError> {
    if appointment.status == AppointmentStatus::Scheduled {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            what: "appointment",
            detail: format!("it is {}", appointment.status),
        })
    }
}

impl Store {
    /// Books an appointment on this device and queues it, in one transaction.
    pub fn book_appointment(&self, new: &NewAppointment) -> Result<Appointment, StoreError> {
        check_duration(new.duration_minutes)?;
        check_text("notes", new.notes.as_deref(), 4000)?;
        let zone = parse_zone(&new.time_zone)?;
        let now = Utc::now();
        let tx = self.write_transaction()?;
        if load(&tx, new.id)?.is_some() {
            return Err(StoreError::Invalid {
                what: "appointment",
                detail: format!("{} already exists", new.id),
            });
        }
        let appointment = Appointment {
            id: new.id,
            patient_id: new.patient_id,
            therapist_id: None,
            client_name: roster_name(&tx, new.patient_id)?,
            local_start: new.local_start,
            time_zone: zone.name().to_string(),
            start_at: clinic_instant(new.local_start, zone),
            duration_minutes: new.duration_minutes,
            kind: new.kind,
            notes: new.notes.clone(),
            status: AppointmentStatus::Scheduled,
            series_id: None,
            provisional: false,
            preparation: None,
            no_show: None,
            cancel_reason: None,
            session_id: None,
            version: 0,
            origin: RecordOrigin::Local,
            updated_at: now,
        };
        write_row(&tx, &appointment)?;
        queue(&tx, &appointment, 0, AppointmentAction::Create)?;
        tx.commit()?;
        Ok(appointment)
    }

    /// Moves a scheduled appointment (this one only, also within a series) and queues the move.
    pub fn move_appointment(
        &self,
        id: Uuid,
        to: &AppointmentMove,
    ) -> Result<Appointment, StoreError> {
        if let Some(minutes) = to.duration_minutes {
            check_duration(minutes)?;
        }
        let tx = self.write_transaction()?;
        let before = load_changeable(&tx, id)?;
        require_scheduled(&before)?;
        let zone = parse_zone(to.time_zone.as_deref().unwrap_or(&before.time_zone))?;
        let mut moved = before.clone();
        moved.local_start = to.local_start;
        moved.time_zone = zone.name().to_string();
        moved.start_at = clinic_instant(to.local_start, zone);
        moved.duration_minutes = to.duration_minutes.unwrap_or(before.duration_minutes);
        moved.origin = RecordOrigin::Local;
        moved.updated_at = Utc::now();
        write_row(&tx, &moved)?;
        queue(&tx, &moved, before.version, AppointmentAction::Update)?;
        tx.commit()?;
        Ok(moved)
    }

    /// Cancels an appointment (kept, status cancelled) and queues it; cancelling a cancelled
    /// one changes nothing.
    pub fn cancel_appointment(
        &self,
        id: Uuid,
        reason: Option<&str>,
    ) -> Result<Appointment, StoreError> {
        check_text("reason", reason, 1000)?;
        let tx = self.write_transaction()?;
        let before = load_changeable(&tx, id)?;
        if before.status == AppointmentStatus::Cancelled {
            return Ok(before);
        }
        require_scheduled(&before)?;
        let mut cancelled = before.clone();
        cancelled.status = AppointmentStatus::Cancelled;
        cancelled.cancel_reason = reason.map(str::to_owned);
        cancelled.origin = RecordOrigin::Local;
        cancelled.updated_at = Utc::now();
        write_row(&tx, &cancelled)?;
        queue(
            &tx,
            &cancelled,
            before.version,
            AppointmentAction::Cancel {
                reason: cancelled.cancel_reason.clone(),
            },
        )?;
        tx.commit()?;
        Ok(cancelled)
    }

    /// Sets up a recurring series from a scheduled appointment: the occurrences show at once
    /// (provisional, at the same clinic wall-clock time) and the series is queued; the server's
    /// answer replaces them. Returns every appointment of the series, this one first.
    pub fn recur_appointment(
        &self,
        id: Uuid,
        rule: &RecurrenceRule,
    ) -> Result<Vec<Appointment>, StoreError> {
        let tx = self.write_transaction()?;
        let before = load_changeable(&tx, id)?;
        require_scheduled(&before)?;
        let zone = parse_zone(&before.time_zone)?;
        let dates = occurrence_dates(before.local_start.date(), rule)?;
        let now = Utc::now();
        let series_id = before.series_id.unwrap_or(id);
        let mut first = before.clone();
        first.series_id = Some(series_id);
        first.origin = RecordOrigin::Local;
        first.updated_at = now;
        write_row(&tx, &first)?;
        let mut series = vec![first.clone()];
        let taken: Vec<NaiveDate> = {
            let mut stmt = tx.prepare_cached(
                "SELECT local_start FROM appointments WHERE series_id = ?1 AND id != ?2",
            )?;
            let rows = stmt.query_map(params![uuid_text(series_id), uuid_text(id)], |r| {
                r.get::<_, String>(0)
            })?;
            let mut dates = Vec::new();
            for text in rows {
                let text = text?;
                if let Ok(local) = NaiveDateTime::parse_from_str(&text, LOCAL_FORMAT) {
                    dates.push(local.date());
                }
            }
            dates
        };
        for date in dates.into_iter().filter(|d| !taken.contains(d)) {
            let local = date.and_time(before.local_start.time());
            let occurrence = Appointment {
                id: Uuid::new_v4(),
                local_start: local,
                start_at: clinic_instant(local, zone),
                provisional: true,
                preparation: None,
                no_show: None,
                cancel_reason: None,
                session_id: None,
                version: 0,
                ..first.clone()
            };
            write_row(&tx, &occurrence)?;
            series.push(occurrence);
        }
        queue(
            &tx,
            &first,
            before.version,
            AppointmentAction::Recur(rule.clone()),
        )?;
        tx.commit()?;
        Ok(series)
    }

    /// Marks the no-show of a scheduled appointment and queues it; marking it again changes
    /// nothing.
    pub fn mark_no_show(&self, id: Uuid, mark: &NoShowMark) -> Result<Appointment, StoreError> {
        check_text("reason", mark.reason.as_deref(), 1000)?;
        if let Some(amount) = mark.fee_amount {
            if !mark.apply_fee {
                return Err(StoreError::Invalid {
                    what: "fee",
                    detail: "an amount is only taken when the fee applies".into(),
                });
            }
            if !amount.is_finite() || amount <= 0.0 || amount > 100_000.0 {
                return Err(StoreError::Invalid {
                    what: "fee",
                    detail: format!("{amount} is not a positive amount of at most 100000"),
                });
            }
        }
        let tx = self.write_transaction()?;
        let before = load_changeable(&tx, id)?;
        if before.status == AppointmentStatus::NoShow {
            return Ok(before);
        }
        require_scheduled(&before)?;
        let now = Utc::now();
        let mut missed = before.clone();
        missed.status = AppointmentStatus::NoShow;
        missed.no_show = Some(NoShowRecord {
            reason: mark.reason.clone(),
            fee_amount: mark.fee_amount,
            fee_currency: None,
            client_notified: mark.notify_client,
            recorded_at: now,
        });
        missed.origin = RecordOrigin::Local;
        missed.updated_at = now;
        write_row(&tx, &missed)?;
        queue(
            &tx,
            &missed,
            before.version,
            AppointmentAction::NoShow(mark.clone()),
        )?;
        tx.commit()?;
        Ok(missed)
    }

    /// Replaces an appointment's preparation notes and queues them.
    pub fn prepare_appointment(
        &self,
        id: Uuid,
        preparation: &Preparation,
    ) -> Result<Appointment, StoreError> {
        check_text("preparation notes", preparation.notes.as_deref(), 8000)?;
        let tx = self.write_transaction()?;
        let before = load_changeable(&tx, id)?;
        let mut prepared = before.clone();
        prepared.preparation = Some(preparation.clone());
        prepared.origin = RecordOrigin::Local;
        prepared.updated_at = Utc::now();
        write_row(&tx, &prepared)?;
        queue(
            &tx,
            &prepared,
            before.version,
            AppointmentAction::Prepare(preparation.clone()),
        )?;
        tx.commit()?;
        Ok(prepared)
    }

    /// One appointment.
    pub fn appointment(&self, id: Uuid) -> Result<Option<Appointment>, StoreError> {
        load(&self.conn, id)
    }

    /// Appointments starting in `[from, to)`, of one patient or all, by start time.
    pub fn appointments_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        patient: Option<Uuid>,
    ) -> Result<Vec<Appointment>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM appointments
             WHERE start_at >= ?1 AND start_at < ?2 AND (?3 IS NULL OR patient_id = ?3)
             ORDER BY start_at, id"
        ))?;
        let mut rows = stmt.query(params![
            time_text(from),
            time_text(to),
            patient.map(uuid_text)
        ])?;
        let mut list = Vec::new();
        while let Some(row) = rows.next()? {
            list.push(from_row(row)?);
        }
        Ok(list)
    }

    /// Whether an appointment holds a change of this device the server has not taken (queued,
    /// failed, or in an open conflict).
    pub fn appointment_has_local_changes(&self, id: Uuid) -> Result<bool, StoreError> {
        has_local_changes(&self.conn, id)
    }

    /// Replaces the pulled appointments starting in `[from, to)` by the server's list: each is
    /// stored unless this device holds a change of it the server has not taken; pulled ones the
    /// server no longer lists go. Returns how many were stored.
    pub fn replace_pulled_appointments(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        pulled: &[Appointment],
    ) -> Result<usize, StoreError> {
        let tx = self.write_transaction()?;
        let mut stored = 0;
        for appointment in pulled {
            if has_local_changes(&tx, appointment.id)? {
                continue;
            }
            let mut row = appointment.clone();
            row.origin = RecordOrigin::Pulled;
            row.provisional = false;
            write_row(&tx, &row)?;
            stored += 1;
        }
        let listed: Vec<String> = pulled.iter().map(|a| uuid_text(a.id)).collect();
        let listed = serde_json::to_string(&listed)?;
        tx.execute(
            "DELETE FROM appointments
             WHERE origin = 'pulled' AND start_at >= ?1 AND start_at < ?2
               AND id NOT IN (SELECT value FROM json_each(?3))
               AND NOT EXISTS (SELECT 1 FROM outbox WHERE entity_type = ?4
                                 AND entity_id = appointments.id AND status != 'done')",
            params![
                time_text(from),
                time_text(to),
                listed,
                OutboxEntityKind::Appointment.as_str()
            ],
        )?;
        tx.commit()?;
        Ok(stored)
    }

    /// Records that outbox entry `entry_id`, a change made on server version `sent_version`,
    /// was taken and the server is now at `new_version`: the appointment's version moves on,
    /// and so do the changes queued after it on the same version (they follow this one).
    pub fn appointment_delivered(
        &self,
        entry_id: i64,
        id: Uuid,
        sent_version: i64,
        new_version: i64,
    ) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        tx.execute(
            "UPDATE appointments SET version = ?3 WHERE id = ?1 AND version <= ?2",
            params![uuid_text(id), sent_version, new_version],
        )?;
        tx.execute(
            "UPDATE outbox SET payload = json_set(payload, '$.base_version', ?3)
             WHERE entity_type = ?4 AND entity_id = ?1 AND status = 'pending' AND id > ?5
               AND json_extract(payload, '$.base_version') = ?2",
            params![
                uuid_text(id),
                sent_version,
                new_version,
                OutboxEntityKind::Appointment.as_str(),
                entry_id,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The server created series `series_id`: its occurrences replace the provisional ones
    /// shown meanwhile (occurrences holding a change of this device are left alone).
    pub fn series_delivered(
        &self,
        series_id: Uuid,
        occurrences: &[Appointment],
    ) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        tx.execute(
            "DELETE FROM appointments WHERE series_id = ?1 AND provisional = 1",
            [uuid_text(series_id)],
        )?;
        for occurrence in occurrences {
            if has_local_changes(&tx, occurrence.id)? {
                continue;
            }
            let mut row = occurrence.clone();
            row.origin = RecordOrigin::Pulled;
            row.provisional = false;
            write_row(&tx, &row)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Open conflicts of appointments, oldest first.
    pub fn appointment_conflicts(&self) -> Result<Vec<AppointmentConflict>, StoreError> {
        let mut conflicts = Vec::new();
        for record in self.open_conflicts()? {
            if record.entity_type != OutboxEntityKind::Appointment {
                continue;
            }
            conflicts.push(AppointmentConflict {
                id: record.id,
                appointment_id: record.entity_id,
                mine: serde_json::from_value(record.local_record)
                    .map_err(|e| StoreError::corrupt("sync_conflicts.local_record", e))?,
                theirs: record
                    .server_record
                    .map(serde_json::from_value)
                    .transpose()
                    .map_err(|e| StoreError::corrupt("sync_conflicts.server_record", e))?,
                server_version: record.server_version,
                detected_at: record.detected_at,
            });
        }
        Ok(conflicts)
    }

    /// Settles an appointment conflict. Keep mine: the refused change (and those queued after
    /// it) is sent again against the server's current version, under a new idempotency key (the
    /// server remembers its refusal under the old one). Take theirs: this device's undelivered
    /// changes of the appointment are dropped and the server's copy is shown. Returns the
    /// appointment as this device now shows it.
    pub fn resolve_appointment_conflict(
        &self,
        conflict_id: i64,
        resolution: ConflictResolution,
    ) -> Result<Appointment, StoreError> {
        let conflict = self
            .appointment_conflicts()?
            .into_iter()
            .find(|c| c.id == conflict_id)
            .ok_or(StoreError::ConflictNotFound(conflict_id))?;
        let id = conflict.appointment_id;
        let outbox_id: Option<i64> = self.conn.query_row(
            "SELECT outbox_id FROM sync_conflicts WHERE id = ?1",
            [conflict_id],
            |r| r.get(0),
        )?;
        let now = Utc::now();
        let tx = self.write_transaction()?;
        match resolution {
            ConflictResolution::KeepMine => {
                let server_version = conflict
                    .server_version
                    .or(conflict.theirs.as_ref().map(|a| a.version))
                    .ok_or_else(|| StoreError::Invalid {
                        what: "conflict",
                        detail: "the server's version is unknown; sync again to read it".into(),
                    })?;
                let entry = outbox_id.ok_or_else(|| StoreError::Invalid {
                    what: "conflict",
                    detail: "no queued change to send again".into(),
                })?;
                tx.execute("DELETE FROM sync_progress WHERE outbox_id = ?1", [entry])?;
                tx.execute(
                    "UPDATE outbox SET status = 'pending', attempts = 0, last_error = NULL,
                         next_attempt_at = ?2, idempotency_key = ?3,
                         payload = json_set(payload, '$.base_version', ?4)
                     WHERE id = ?1",
                    params![
                        entry,
                        time_text(now),
                        uuid_text(Uuid::new_v4()),
                        server_version
                    ],
                )?;
                tx.execute(
                    "UPDATE outbox SET payload = json_set(payload, '$.base_version', ?4)
                     WHERE entity_type = ?1 AND entity_id = ?2 AND id > ?3 AND status = 'pending'",
                    params![
                        OutboxEntityKind::Appointment.as_str(),
                        uuid_text(id),
                        entry,
                        server_version
                    ],
                )?;
                tx.execute(
                    "UPDATE appointments SET version = ?2 WHERE id = ?1",
                    params![uuid_text(id), server_version],
                )?;
            }
            ConflictResolution::TakeTheirs => {
                tx.execute(
                    "DELETE FROM sync_progress WHERE outbox_id IN (SELECT id FROM outbox
                         WHERE entity_type = ?1 AND entity_id = ?2 AND status != 'done')",
                    params![OutboxEntityKind::Appointment.as_str(), uuid_text(id)],
                )?;
                tx.execute(
                    "DELETE FROM outbox WHERE entity_type = ?1 AND entity_id = ?2
                         AND status != 'done'",
                    params![OutboxEntityKind::Appointment.as_str(), uuid_text(id)],
                )?;
                tx.execute(
                    "DELETE FROM appointments WHERE series_id = ?1 AND provisional = 1",
                    [uuid_text(id)],
                )?;
                if let Some(theirs) = &conflict.theirs {
                    let mut row = theirs.clone();
                    row.origin = RecordOrigin::Pulled;
                    row.provisional = false;
                    write_row(&tx, &row)?;
                }
            }
        }
        tx.execute(
            "UPDATE sync_conflicts SET resolved_at = ?3 WHERE entity_type = ?1 AND entity_id = ?2
                 AND resolved_at IS NULL",
            params![
                OutboxEntityKind::Appointment.as_str(),
                uuid_text(id),
                time_text(now)
            ],
        )?;
        tx.commit()?;
        load(&self.conn, id)?.ok_or(StoreError::AppointmentNotFound(id))
    }

    /// The patient's latest exercise session that started before `before`.
    pub fn previous_session(
        &self,
        patient: Uuid,
        before: DateTime<Utc>,
    ) -> Result<Option<PreviousSession>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT id, exercise_id, started_at FROM exercise_sessions
                 WHERE patient_id = ?1 AND started_at < ?2
                 ORDER BY started_at DESC, id DESC LIMIT 1",
                params![uuid_text(patient), time_text(before)],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(id, exercise_id, started_at)| {
            Ok(PreviousSession {
                id: parse_uuid("exercise_sessions.id", &id)?,
                exercise_id,
                started_at: parse_time("exercise_sessions.started_at", &started_at)?,
            })
        })
        .transpose()
    }

    /// Replaces a patient's goals by the server's list (`record`: the server's goal as sent).
    pub fn replace_therapy_goals(
        &self,
        patient: Uuid,
        goals: &[(TherapyGoal, serde_json::Value)],
    ) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        tx.execute(
            "DELETE FROM therapy_goals WHERE patient_id = ?1",
            [uuid_text(patient)],
        )?;
        let now = time_text(Utc::now());
        for (goal, record) in goals {
            tx.execute(
                "INSERT OR REPLACE INTO therapy_goals (id, patient_id, goal, status, progress,
                     target_date, record, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    uuid_text(goal.id),
                    uuid_text(goal.patient_id),
                    goal.goal,
                    goal.status.as_str(),
                    goal.progress.min(100),
                    goal.target_date.map(|d| d.to_string()),
                    serde_json::to_string(record)?,
                    now,
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A patient's goals (or every stored goal), active first, then by target date.
    pub fn therapy_goals(&self, patient: Option<Uuid>) -> Result<Vec<TherapyGoal>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, patient_id, goal, status, progress, target_date FROM therapy_goals
             WHERE ?1 IS NULL OR patient_id = ?1
             ORDER BY status != 'active', target_date IS NULL, target_date, goal",
        )?;
        let mut rows = stmt.query([patient.map(uuid_text)])?;
        let mut goals = Vec::new();
        while let Some(row) = rows.next()? {
            let target: Option<String> = row.get(5)?;
            goals.push(TherapyGoal {
                id: parse_uuid("therapy_goals.id", &row.get::<_, String>(0)?)?,
                patient_id: parse_uuid("therapy_goals.patient_id", &row.get::<_, String>(1)?)?,
                goal: row.get(2)?,
                status: parse_text("therapy_goals.status", &row.get::<_, String>(3)?)?,
                progress: row.get(4)?,
                target_date: target
                    .map(|t| t.parse::<NaiveDate>())
                    .transpose()
                    .map_err(|e| StoreError::corrupt("therapy_goals.target_date", e))?,
            });
        }
        Ok(goals)
    }
}
