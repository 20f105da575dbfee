//! The clinical loop on the device: program items (pulled, or prescribed here offline), reviews
//! shown with their sessions, alerts, the clinician's roster, the patient's consent settings,
//! sessions pulled from the server with their frames, and adherence computed exactly as the
//! server does.
//!
//! The schema is `migrations/sqlite/0400_clinical_loop.sql`.

use crate::outbox::{enqueue, OutboxEntityKind, OutboxOperation, OWNED_BY_CURRENT};
use crate::records::{FormIssueEvent, FrameRecord, RepetitionRecord};
use crate::sql_values::{parse_opt_time, parse_opt_uuid, parse_text, parse_time, parse_uuid};
use crate::sql_values::{time_text, uuid_text};
use crate::{Store, StoreError};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use physalign_domain::SessionStatus;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

physalign_domain::wire_enum! {
    /// Where a row came from: written on this device, or pulled from the server (and so cleared
    /// when another identity signs in).
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum RecordOrigin {
        /// Recorded or written on this device.
        Local = "local",
        /// Sent by the server.
        Pulled = "pulled",
    }
}

physalign_domain::wire_enum! {
    /// Whether a program item is still to be done.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum ProgramItemStatus {
        /// Prescribed and current.
        Active = "active",
        /// Ended by the clinician.
        Ended = "ended",
    }
}

/// One prescribed exercise of a patient's program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// `PrescribedItem` in TypeScript: the recorder's picked `ProgramItem` has that name there.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "PrescribedItem"))]
pub struct ProgramItem {
    /// Client- or server-generated id (kept across sync).
    pub id: Uuid,
    /// The patient it is prescribed for.
    pub patient_id: Uuid,
    /// Exercise catalogue id, e.g. `squat`.
    pub exercise_id: String,
    /// Sets per session.
    pub sets: Option<i64>,
    /// Repetitions per set.
    pub reps: Option<i64>,
    /// Hold time for holds, in seconds.
    pub hold_seconds: Option<i64>,
    /// Target joint angle in degrees.
    pub target_angle: Option<f64>,
    /// Tolerance around the target angle in degrees.
    pub tolerance: Option<f64>,
    /// Side (`left`, `right`, `both`).
    pub side: Option<String>,
    /// Sessions per week.
    pub per_week: Option<i64>,
    /// First day (inclusive).
    pub start_date: Option<NaiveDate>,
    /// Last day (inclusive).
    pub end_date: Option<NaiveDate>,
    /// Instructions for the patient.
    pub instructions: Option<String>,
    /// Active or ended.
    pub status: ProgramItemStatus,
    /// The server's version (1 until the server answered).
    pub version: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A clinician's change to a program item's dose: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProgramItemEdit {
    /// Sets per session (1–50).
    pub sets: Option<i64>,
    /// Repetitions per set (1–500).
    pub reps: Option<i64>,
    /// Hold time in seconds (1–3600).
    pub hold_seconds: Option<i64>,
    /// Target joint angle in degrees (0–360).
    pub target_angle: Option<f64>,
    /// Sessions per week (1–21).
    pub per_week: Option<i64>,
    /// Last day (inclusive; not before the first).
    pub end_date: Option<NaiveDate>,
    /// Instructions for the patient (at most 4000 characters).
    pub instructions: Option<String>,
}

impl ProgramItemEdit {
    /// Whether the edit changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == ProgramItemEdit::default()
    }

    /// `item` with the edit applied, checked against the limits the server enforces (an edit
    /// the server would refuse is refused here, not left to fail on sync).
    pub fn apply(&self, item: &ProgramItem) -> Result<ProgramItem, StoreError> {
        fn in_range(
            what: &'static str,
            value: Option<i64>,
            lo: i64,
            hi: i64,
        ) -> Result<(), StoreError> {
            match value {
                Some(v) if !(lo..=hi).contains(&v) => Err(StoreError::Invalid {
                    what,
                    detail: format!("{v} is not between {lo} and {hi}"),
                }),
                _ => Ok(()),
            }
        }
        in_range("sets", self.sets, 1, 50)?;
        in_range("reps", self.reps, 1, 500)?;
        in_range("hold seconds", self.hold_seconds, 1, 3600)?;
        in_range("sessions per week", self.per_week, 1, 21)?;
        if let Some(angle) = self.target_angle {
            if !(0.0..=360.0).contains(&angle) {
                return Err(StoreError::Invalid {
                    what: "target angle",
                    detail: format!("{angle} is not between 0 and 360 degrees"),
                });
            }
        }
        if let Some(text) = &self.instructions {
            if text.chars().count() > 4000 {
                return Err(StoreError::Invalid {
                    what: "instructions",
                    detail: "at most 4000 characters".into(),
                });
            }
        }
        let start = item
            .start_date
            .unwrap_or_else(|| item.created_at.date_naive());
        if let Some(end) = self.end_date.filter(|end| *end < start) {
            return Err(StoreError::Invalid {
                what: "end date",
                detail: format!("{end} is before the first day {start}"),
            });
        }
        let mut edited = item.clone();
        edited.sets = self.sets.or(item.sets);
        edited.reps = self.reps.or(item.reps);
        edited.hold_seconds = self.hold_seconds.or(item.hold_seconds);
        edited.target_angle = self.target_angle.or(item.target_angle);
        edited.per_week = self.per_week.or(item.per_week);
        edited.end_date = self.end_date.or(item.end_date);
        edited.instructions = self.instructions.clone().or(item.instructions.clone());
        Ok(edited)
    }
}

/// The payload of a program item's `update` and `end` outbox entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramItemChange {
    /// The item as it is on this device after the change (what an update sends).
    pub item: ProgramItem,
    /// The server version the change was made on, sent as `If-Match`: a server copy changed
    /// meanwhile by someone else is a conflict, never overwritten. Moved on by
    /// [`Store::program_item_delivered`] when an earlier change of this device is delivered.
    pub base_version: i64,
}

/// The payload of an alert's `acknowledge` outbox entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertAcknowledgement {
    /// The alert.
    pub alert_id: Uuid,
    /// When the clinician acknowledged it on this device.
    pub acknowledged_at: DateTime<Utc>,
}

/// Adherence of a program item, computed from its linked sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Adherence {
    /// Ended linked sessions started in the current ISO week (Monday 00:00 UTC onwards).
    pub done_this_week: i64,
    /// Distinct UTC days with a linked session in the last 30 days (today and the 29 before).
    pub days_with_data_30d: i64,
}

/// A review of a session, written here or pulled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionReview {
    /// Review id.
    pub id: Uuid,
    /// The session reviewed.
    pub session_id: Uuid,
    /// The reviewer, when known (reviews written here learn it from the server).
    pub physiotherapist_id: Option<Uuid>,
    /// Overall grade, e.g. `GOOD`.
    pub assessment: String,
    /// Free-text notes.
    pub notes: Option<String>,
    /// The plan, as the API shapes it.
    pub next_steps: Option<serde_json::Value>,
    /// When it was written.
    pub reviewed_at: DateTime<Utc>,
    /// Written here or pulled.
    pub origin: RecordOrigin,
}

/// An alert raised by the server for a clinician (e.g. a crisis flag in a session).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClinicalAlert {
    /// Alert id.
    pub id: Uuid,
    /// The patient concerned.
    pub patient_id: Option<Uuid>,
    /// The session that raised it.
    pub session_id: Option<Uuid>,
    /// What kind of alert, e.g. `crisis`.
    pub kind: String,
    /// What to tell the clinician.
    pub message: String,
    /// When it was raised.
    pub created_at: DateTime<Utc>,
    /// When a clinician acknowledged it.
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// A patient in the signed-in clinician's care.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarePatient {
    /// The patient's id.
    pub patient_id: Uuid,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail, when the server shares it.
    pub email: Option<String>,
}

/// A patient of the roster with what the device knows about them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarePatientOverview {
    /// The patient.
    #[serde(flatten)]
    pub patient: CarePatient,
    /// Start of their latest session on this device.
    pub last_session_at: Option<DateTime<Utc>>,
    /// Alerts about them not yet acknowledged.
    pub alerts_open: i64,
}

/// What of a session the patient shares with their care team. Raw audio never leaves the device
/// (there is no setting for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentSettings {
    /// Clinical notes (pain, mood, action items, risk flags) are shared.
    pub share_notes: bool,
    /// The transcript text is shared.
    pub share_transcript: bool,
}

impl Default for ConsentSettings {
    fn default() -> Self {
        ConsentSettings {
            share_notes: true,
            share_transcript: true,
        }
    }
}

/// A session the server holds, as pulled (e.g. a patient's home session on their clinician's
/// device).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PulledSession {
    /// Session id.
    pub id: Uuid,
    /// The patient.
    pub patient_id: Option<Uuid>,
    /// Exercise catalogue id.
    pub exercise_id: String,
    /// Server status.
    pub status: SessionStatus,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Length in seconds.
    pub duration_seconds: Option<f64>,
    /// The program item it was recorded for.
    pub program_item_id: Option<Uuid>,
    /// Summary statistics as the server holds them.
    pub summary_statistics: Option<serde_json::Value>,
    /// The server's version.
    pub version: i64,
    /// The server's last change.
    pub updated_at: DateTime<Utc>,
}

/// A session as the command line and the clinician's lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionOverview {
    /// Session id.
    pub session_id: Uuid,
    /// The patient, when known.
    pub patient_id: Option<Uuid>,
    /// Exercise catalogue id.
    pub exercise_id: String,
    /// Lifecycle status.
    pub status: SessionStatus,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Recorded here or pulled.
    pub origin: RecordOrigin,
    /// The program item it was recorded for.
    pub program_item_id: Option<Uuid>,
    /// Full (not partial) repetitions.
    pub reps: i64,
    /// Mean range of motion over the repetitions, in degrees.
    pub mean_rom: Option<f64>,
    /// Highest pain score (0–10) in the session's clinical notes.
    pub pain: Option<f64>,
    /// Whether a transcript is attached.
    pub has_transcript: bool,
    /// Pose frames stored on this device.
    pub frames: i64,
    /// The latest review, if any.
    pub review: Option<SessionReview>,
}

/// Inserts the `session_reviews` row of a review written here, with the minutes the clinician
/// spent on it when recorded (in the caller's transaction).
pub(crate) fn insert_local_review(
    conn: &Connection,
    id: Uuid,
    session_id: Uuid,
    request: &serde_json::Value,
    minutes_spent: Option<u32>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let text = |key: &str| {
        request
            .get(key)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    conn.execute(
        "INSERT OR REPLACE INTO session_reviews (id, session_id, physiotherapist_id, assessment,
             notes, next_steps, reviewed_at, origin, record, minutes_spent)
         VALUES (?1, ?2, NULL, ?3, ?4, ?5, ?6, 'local', ?7, ?8)",
        params![
            uuid_text(id),
            uuid_text(session_id),
            text("overall_assessment").unwrap_or_else(|| "UNKNOWN".into()),
            text("notes"),
            request
                .get("next_steps")
                .filter(|v| !v.is_null())
                .map(serde_json::to_string)
                .transpose()?,
            time_text(now),
            serde_json::to_string(request)?,
            minutes_spent,
        ],
    )?;
    Ok(())
}

pub(crate) const ITEM_COLUMNS: &str =
    "id, patient_id, exercise_id, sets, reps, hold_seconds, target_angle,
     tolerance, side, per_week, start_date, end_date, instructions, status, version, created_at,
     updated_at";

fn parse_date(what: &'static str, text: Option<String>) -> Result<Option<NaiveDate>, StoreError> {
    text.map(|t| {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|e| StoreError::corrupt(what, e))
    })
    .transpose()
}

pub(crate) fn item_from_row(row: &Row<'_>) -> Result<ProgramItem, StoreError> {
    Ok(ProgramItem {
        id: parse_uuid("program_items.id", &row.get::<_, String>(0)?)?,
        patient_id: parse_uuid("program_items.patient_id", &row.get::<_, String>(1)?)?,
        exercise_id: row.get(2)?,
        sets: row.get(3)?,
        reps: row.get(4)?,
        hold_seconds: row.get(5)?,
        target_angle: row.get(6)?,
        tolerance: row.get(7)?,
        side: row.get(8)?,
        per_week: row.get(9)?,
        start_date: parse_date("program_items.start_date", row.get(10)?)?,
        end_date: parse_date("program_items.end_date", row.get(11)?)?,
        instructions: row.get(12)?,
        status: parse_text("program_items.status", &row.get::<_, String>(13)?)?,
        version: row.get(14)?,
        created_at: parse_time("program_items.created_at", &row.get::<_, String>(15)?)?,
        updated_at: parse_time("program_items.updated_at", &row.get::<_, String>(16)?)?,
    })
}

fn load_item(conn: &Connection, id: Uuid) -> Result<Option<ProgramItem>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ITEM_COLUMNS} FROM program_items WHERE id = ?1"
    ))?;
    let mut rows = stmt.query([uuid_text(id)])?;
    rows.next()?.map(item_from_row).transpose()
}

fn upsert_item(
    conn: &Connection,
    item: &ProgramItem,
    origin: RecordOrigin,
) -> Result<(), StoreError> {
    let date = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    conn.execute(
        &format!(
            "INSERT INTO program_items ({ITEM_COLUMNS}, origin)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
             ON CONFLICT (id) DO UPDATE SET patient_id = excluded.patient_id,
                 exercise_id = excluded.exercise_id, sets = excluded.sets, reps = excluded.reps,
                 hold_seconds = excluded.hold_seconds, target_angle = excluded.target_angle,
                 tolerance = excluded.tolerance, side = excluded.side,
                 per_week = excluded.per_week, start_date = excluded.start_date,
                 end_date = excluded.end_date, instructions = excluded.instructions,
                 status = excluded.status, version = excluded.version,
                 updated_at = excluded.updated_at, origin = excluded.origin"
        ),
        params![
            uuid_text(item.id),
            uuid_text(item.patient_id),
            item.exercise_id,
            item.sets,
            item.reps,
            item.hold_seconds,
            item.target_angle,
            item.tolerance,
            item.side,
            item.per_week,
            date(item.start_date),
            date(item.end_date),
            item.instructions,
            item.status.as_str(),
            item.version,
            time_text(item.created_at),
            time_text(item.updated_at),
            origin.as_str(),
        ],
    )?;
    Ok(())
}

/// The program item a new session is linked to: the one given, or, when none is, the only
/// active item of that exercise current today for the session's patient (on a patient's own
/// device, where sessions carry no patient id, any item pulled for them).
pub(crate) fn auto_link(
    conn: &Connection,
    exercise_id: &str,
    patient_id: Option<Uuid>,
    today: NaiveDate,
) -> Result<Option<Uuid>, StoreError> {
    if patient_id.is_none() {
        let role: Option<String> = conn
            .query_row("SELECT role FROM sync_identity WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?
            .flatten();
        // A clinician's recording without a patient is nobody's: never guess an item for it.
        if role.as_deref() != Some("patient") {
            return Ok(None);
        }
    }
    let day = today.format("%Y-%m-%d").to_string();
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM program_items
         WHERE exercise_id = ?1 AND status = 'active'
           AND (?2 IS NULL OR patient_id = ?2)
           AND (start_date IS NULL OR start_date <= ?3)
           AND (end_date IS NULL OR end_date >= ?3)
         LIMIT 2",
    )?;
    let ids = stmt
        .query_map(params![exercise_id, patient_id.map(uuid_text), day], |r| {
            r.get::<_, String>(0)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    match ids.as_slice() {
        [only] => Ok(Some(parse_uuid("program_items.id", only)?)),
        _ => Ok(None),
    }
}

/// Monday 00:00 UTC of the ISO week holding `now`.
pub fn week_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let date = now.date_naive();
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    monday.and_time(chrono::NaiveTime::MIN).and_utc()
}

fn review_from_row(row: &Row<'_>) -> Result<SessionReview, StoreError> {
    let next_steps: Option<String> = row.get(5)?;
    Ok(SessionReview {
        id: parse_uuid("session_reviews.id", &row.get::<_, String>(0)?)?,
        session_id: parse_uuid("session_reviews.session_id", &row.get::<_, String>(1)?)?,
        physiotherapist_id: parse_opt_uuid("session_reviews.physiotherapist_id", row.get(2)?)?,
        assessment: row.get(3)?,
        notes: row.get(4)?,
        next_steps: next_steps
            .map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|e| StoreError::corrupt("session_reviews.next_steps", e))?,
        reviewed_at: parse_time("session_reviews.reviewed_at", &row.get::<_, String>(6)?)?,
        origin: parse_text("session_reviews.origin", &row.get::<_, String>(7)?)?,
    })
}

const REVIEW_COLUMNS: &str =
    "id, session_id, physiotherapist_id, assessment, notes, next_steps, reviewed_at, origin";

fn alert_from_row(row: &Row<'_>) -> Result<ClinicalAlert, StoreError> {
    Ok(ClinicalAlert {
        id: parse_uuid("clinical_alerts.id", &row.get::<_, String>(0)?)?,
        patient_id: parse_opt_uuid("clinical_alerts.patient_id", row.get(1)?)?,
        session_id: parse_opt_uuid("clinical_alerts.session_id", row.get(2)?)?,
        kind: row.get(3)?,
        message: row.get(4)?,
        created_at: parse_time("clinical_alerts.created_at", &row.get::<_, String>(5)?)?,
        acknowledged_at: parse_opt_time("clinical_alerts.acknowledged_at", row.get(6)?)?,
    })
}

/// Highest pain score in a clinical-notes document (`pain_reports[].score`), ignoring denials.
fn max_pain(notes: &serde_json::Value) -> Option<f64> {
    notes
        .get("pain_reports")?
        .as_array()?
        .iter()
        .filter(|r| r.get("denied").and_then(serde_json::Value::as_bool) != Some(true))
        .filter_map(|r| r.get("score").and_then(serde_json::Value::as_f64))
        .reduce(f64::max)
}

impl Store {
    /// Stores a program item prescribed on this device and queues its upload, in one
    /// transaction.
    pub fn create_program_item(&self, item: &ProgramItem) -> Result<Uuid, StoreError> {
        let tx = self.write_transaction()?;
        upsert_item(&tx, item, RecordOrigin::Local)?;
        enqueue(
            &tx,
            OutboxEntityKind::ProgramItem,
            item.id,
            OutboxOperation::Create,
            &serde_json::to_value(item)?,
            Utc::now(),
        )?;
        tx.commit()?;
        Ok(item.id)
    }

    /// Stores (or replaces) a program item pulled from the server: the server's copy wins,
    /// except over a change made on this device that is not delivered yet (an entry pending or
    /// failed) or that met a conflict nobody resolved: that local change stays visible, and
    /// `false` is returned.
    pub fn upsert_pulled_program_item(&self, item: &ProgramItem) -> Result<bool, StoreError> {
        if self.program_item_has_local_changes(item.id)? {
            return Ok(false);
        }
        upsert_item(&self.conn, item, RecordOrigin::Pulled)?;
        Ok(true)
    }

    /// Whether a program item holds a change of this device the server has not taken: an
    /// outbox entry not done, or an open conflict.
    pub fn program_item_has_local_changes(&self, id: Uuid) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE entity_type = ?1 AND entity_id = ?2
                              AND status != 'done')
                 OR EXISTS (SELECT 1 FROM sync_conflicts WHERE entity_type = ?1
                              AND entity_id = ?2 AND resolved_at IS NULL)",
            params![OutboxEntityKind::ProgramItem.as_str(), uuid_text(id)],
            |r| r.get(0),
        )?)
    }

    /// Whether a program item has a sync conflict nobody resolved (its local change is kept).
    pub fn program_item_conflicted(&self, id: Uuid) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sync_conflicts WHERE entity_type = ?1
                              AND entity_id = ?2 AND resolved_at IS NULL)",
            params![OutboxEntityKind::ProgramItem.as_str(), uuid_text(id)],
            |r| r.get(0),
        )?)
    }

    /// A clinician changes a program item's dose on this device: the item changes at once and
    /// the change is queued (`update`, sent with `If-Match` of the version it was made on), in
    /// one transaction. An item prescribed here and not yet delivered can be edited too: the
    /// update waits for its create. Returns the item as changed.
    pub fn edit_program_item(
        &self,
        id: Uuid,
        edit: &ProgramItemEdit,
    ) -> Result<ProgramItem, StoreError> {
        if edit.is_empty() {
            return Err(StoreError::Invalid {
                what: "program item edit",
                detail: "nothing to change".into(),
            });
        }
        let now = Utc::now();
        let tx = self.write_transaction()?;
        let item = load_item(&tx, id)?.ok_or(StoreError::ProgramItemNotFound(id))?;
        if item.status == ProgramItemStatus::Ended {
            return Err(StoreError::ProgramItemEnded(id));
        }
        let mut edited = edit.apply(&item)?;
        edited.updated_at = now;
        let date = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        tx.execute(
            "UPDATE program_items SET sets = ?2, reps = ?3, hold_seconds = ?4, target_angle = ?5,
                 per_week = ?6, end_date = ?7, instructions = ?8, updated_at = ?9
             WHERE id = ?1",
            params![
                uuid_text(id),
                edited.sets,
                edited.reps,
                edited.hold_seconds,
                edited.target_angle,
                edited.per_week,
                date(edited.end_date),
                edited.instructions,
                time_text(now),
            ],
        )?;
        let change = ProgramItemChange {
            base_version: item.version,
            item: edited.clone(),
        };
        enqueue(
            &tx,
            OutboxEntityKind::ProgramItem,
            id,
            OutboxOperation::Update,
            &serde_json::to_value(&change)?,
            now,
        )?;
        tx.commit()?;
        Ok(edited)
    }

    /// A clinician ends a program item on this device: it shows as ended at once and the end
    /// is queued, in one transaction (after any queued create or edit of the item). Ending an
    /// ended item changes nothing. Returns the item and whether an end was queued.
    pub fn end_program_item(&self, id: Uuid) -> Result<(ProgramItem, bool), StoreError> {
        let now = Utc::now();
        let tx = self.write_transaction()?;
        let item = load_item(&tx, id)?.ok_or(StoreError::ProgramItemNotFound(id))?;
        if item.status == ProgramItemStatus::Ended {
            return Ok((item, false));
        }
        tx.execute(
            "UPDATE program_items SET status = ?2, updated_at = ?3 WHERE id = ?1",
            params![
                uuid_text(id),
                ProgramItemStatus::Ended.as_str(),
                time_text(now)
            ],
        )?;
        let mut ended = item.clone();
        ended.status = ProgramItemStatus::Ended;
        ended.updated_at = now;
        let change = ProgramItemChange {
            base_version: item.version,
            item: ended.clone(),
        };
        enqueue(
            &tx,
            OutboxEntityKind::ProgramItem,
            id,
            OutboxOperation::End,
            &serde_json::to_value(&change)?,
            now,
        )?;
        tx.commit()?;
        Ok((ended, true))
    }

    /// Records that outbox entry `entry_id`, a change of this device made on server version
    /// `sent_version`, was taken and the server is now at `new_version`: the item's version
    /// moves on, and so do the changes queued after it on the same version (they follow this
    /// one, they do not conflict with it). The entry itself keeps its payload, so a retry of it
    /// sends what it sent.
    pub fn program_item_delivered(
        &self,
        entry_id: i64,
        id: Uuid,
        sent_version: i64,
        new_version: i64,
    ) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        tx.execute(
            "UPDATE program_items SET version = ?3 WHERE id = ?1 AND version <= ?2",
            params![uuid_text(id), sent_version, new_version],
        )?;
        tx.execute(
            "UPDATE outbox SET payload = json_set(payload, '$.base_version', ?3)
             WHERE entity_type = ?4 AND entity_id = ?1 AND status = 'pending' AND id > ?7
               AND operation IN (?5, ?6)
               AND json_extract(payload, '$.base_version') = ?2",
            params![
                uuid_text(id),
                sent_version,
                new_version,
                OutboxEntityKind::ProgramItem.as_str(),
                OutboxOperation::Update.as_str(),
                OutboxOperation::End.as_str(),
                entry_id,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Program items, of one patient or all, active first, then by exercise.
    pub fn program_items(&self, patient: Option<Uuid>) -> Result<Vec<ProgramItem>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS} FROM program_items WHERE ?1 IS NULL OR patient_id = ?1
             ORDER BY status, exercise_id, created_at, id"
        ))?;
        let mut rows = stmt.query([patient.map(uuid_text)])?;
        let mut items = Vec::new();
        while let Some(row) = rows.next()? {
            items.push(item_from_row(row)?);
        }
        Ok(items)
    }

    /// One program item.
    pub fn program_item(&self, id: Uuid) -> Result<Option<ProgramItem>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS} FROM program_items WHERE id = ?1"
        ))?;
        let mut rows = stmt.query([uuid_text(id)])?;
        rows.next()?.map(item_from_row).transpose()
    }

    /// The item a session recorded now for `exercise_id` (and `patient_id`) would be linked to
    /// when none is named: the only active one, or none.
    pub fn auto_link_program_item(
        &self,
        exercise_id: &str,
        patient_id: Option<Uuid>,
    ) -> Result<Option<Uuid>, StoreError> {
        auto_link(&self.conn, exercise_id, patient_id, Utc::now().date_naive())
    }

    /// Links a session to a program item (the recording was made for it), and its create
    /// upload when that is still queued.
    pub fn link_session_program_item(
        &self,
        session_id: Uuid,
        item: Option<Uuid>,
    ) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        let changed = tx.execute(
            "UPDATE exercise_sessions SET program_item_id = ?2 WHERE id = ?1",
            params![uuid_text(session_id), item.map(uuid_text)],
        )?;
        if changed == 0 {
            return Err(StoreError::SessionNotFound(session_id));
        }
        tx.execute(
            "UPDATE outbox SET payload = json_set(payload, '$.program_item_id', ?2)
             WHERE entity_type = 'exercise_session' AND entity_id = ?1
               AND operation = 'create' AND status = 'pending'",
            params![uuid_text(session_id), item.map(uuid_text)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The program item a session is linked to.
    pub fn session_program_item(&self, session_id: Uuid) -> Result<Option<Uuid>, StoreError> {
        let text: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT program_item_id FROM exercise_sessions WHERE id = ?1",
                [uuid_text(session_id)],
                |r| r.get(0),
            )
            .optional()?;
        parse_opt_uuid("exercise_sessions.program_item_id", text.flatten())
    }

    /// Adherence of a program item as of `now`, from the sessions linked to it (recorded here
    /// or pulled), the server's definition (`physalign_api::programs::Adherence`): a linked
    /// session counts once it has ended; sessions started in the current ISO week (Monday
    /// 00:00 UTC inclusive to the next Monday exclusive), and distinct UTC start dates among
    /// today and the 29 days before.
    pub fn adherence(&self, item: Uuid, now: DateTime<Utc>) -> Result<Adherence, StoreError> {
        let week = week_start(now);
        let next_week = week + Duration::days(7);
        let today = now.date_naive();
        let first_day = (today - Duration::days(29))
            .and_time(chrono::NaiveTime::MIN)
            .and_utc();
        let tomorrow = first_day + Duration::days(30);
        // A linked session counts once it has ended; its day is the UTC date of its start.
        let counted = "program_item_id = ?1 AND ended_at IS NOT NULL";
        let done_this_week: i64 = self.conn.query_row(
            &format!(
                "SELECT count(*) FROM exercise_sessions
                 WHERE {counted} AND started_at >= ?2 AND started_at < ?3"
            ),
            params![uuid_text(item), time_text(week), time_text(next_week)],
            |r| r.get(0),
        )?;
        let days_with_data_30d: i64 = self.conn.query_row(
            &format!(
                "SELECT count(DISTINCT substr(started_at, 1, 10)) FROM exercise_sessions
                 WHERE {counted} AND started_at >= ?2 AND started_at < ?3"
            ),
            params![uuid_text(item), time_text(first_day), time_text(tomorrow)],
            |r| r.get(0),
        )?;
        Ok(Adherence {
            done_this_week,
            days_with_data_30d,
        })
    }

    /// Stores (or replaces) a review pulled from the server, with the server's record.
    pub fn upsert_pulled_review(
        &self,
        review: &SessionReview,
        record: &serde_json::Value,
    ) -> Result<(), StoreError> {
        // The server's minutes (another device's time, or this one's sent up); a server that
        // does not carry them leaves this device's own as they were.
        let minutes_spent = record
            .get("minutes_spent")
            .and_then(serde_json::Value::as_u64)
            .and_then(|m| u32::try_from(m).ok())
            .filter(|m| crate::check_review_minutes(*m).is_ok());
        self.conn.execute(
            "INSERT INTO session_reviews (id, session_id, physiotherapist_id, assessment, notes,
                 next_steps, reviewed_at, origin, record, minutes_spent)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pulled', ?8, ?9)
             ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id,
                 physiotherapist_id = excluded.physiotherapist_id,
                 assessment = excluded.assessment, notes = excluded.notes,
                 next_steps = excluded.next_steps, reviewed_at = excluded.reviewed_at,
                 origin = 'pulled', record = excluded.record,
                 minutes_spent = COALESCE(excluded.minutes_spent, session_reviews.minutes_spent)",
            params![
                uuid_text(review.id),
                uuid_text(review.session_id),
                review.physiotherapist_id.map(uuid_text),
                review.assessment,
                review.notes,
                review
                    .next_steps
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?,
                time_text(review.reviewed_at),
                serde_json::to_string(record)?,
                minutes_spent,
            ],
        )?;
        Ok(())
    }

    /// Reviews of a session, newest first.
    pub fn session_reviews(&self, session_id: Uuid) -> Result<Vec<SessionReview>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {REVIEW_COLUMNS} FROM session_reviews WHERE session_id = ?1
             ORDER BY reviewed_at DESC, id"
        ))?;
        let mut rows = stmt.query([uuid_text(session_id)])?;
        let mut reviews = Vec::new();
        while let Some(row) = rows.next()? {
            reviews.push(review_from_row(row)?);
        }
        Ok(reviews)
    }

    /// Replaces the stored alerts with the server's current list (acknowledged ones included,
    /// when the server sends them).
    pub fn replace_alerts(
        &self,
        alerts: &[(ClinicalAlert, serde_json::Value)],
    ) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        tx.execute("DELETE FROM clinical_alerts", [])?;
        for (alert, record) in alerts {
            tx.execute(
                "INSERT OR REPLACE INTO clinical_alerts (id, patient_id, session_id, kind,
                     message, created_at, acknowledged_at, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    uuid_text(alert.id),
                    alert.patient_id.map(uuid_text),
                    alert.session_id.map(uuid_text),
                    alert.kind,
                    alert.message,
                    time_text(alert.created_at),
                    alert.acknowledged_at.map(time_text),
                    serde_json::to_string(record)?,
                ],
            )?;
        }
        // An acknowledgement made here and not yet delivered stays: the alert does not come
        // back to the open list because the server has not heard of it yet.
        tx.execute(
            &format!(
                "UPDATE clinical_alerts SET acknowledged_at =
                     (SELECT json_extract(o.payload, '$.acknowledged_at') FROM outbox AS o
                      WHERE o.entity_type = ?1 AND o.operation = ?2
                        AND o.entity_id = clinical_alerts.id AND o.status = 'pending'
                        AND {OWNED_BY_CURRENT} ORDER BY o.id LIMIT 1)
                 WHERE acknowledged_at IS NULL AND EXISTS
                     (SELECT 1 FROM outbox AS o
                      WHERE o.entity_type = ?1 AND o.operation = ?2
                        AND o.entity_id = clinical_alerts.id AND o.status = 'pending'
                        AND {OWNED_BY_CURRENT})"
            ),
            params![
                OutboxEntityKind::ClinicalAlert.as_str(),
                OutboxOperation::Acknowledge.as_str()
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A clinician acknowledges an alert on this device: it leaves the open list at once and
    /// the acknowledgement is queued, in one transaction. Returns whether one was queued
    /// (`false`: it was acknowledged already).
    pub fn acknowledge_alert(&self, id: Uuid) -> Result<bool, StoreError> {
        let now = Utc::now();
        let tx = self.write_transaction()?;
        let acknowledged: Option<Option<String>> = tx
            .query_row(
                "SELECT acknowledged_at FROM clinical_alerts WHERE id = ?1",
                [uuid_text(id)],
                |r| r.get(0),
            )
            .optional()?;
        match acknowledged {
            None => return Err(StoreError::AlertNotFound(id)),
            Some(Some(_)) => return Ok(false),
            Some(None) => {}
        }
        tx.execute(
            "UPDATE clinical_alerts SET acknowledged_at = ?2 WHERE id = ?1",
            params![uuid_text(id), time_text(now)],
        )?;
        let payload = AlertAcknowledgement {
            alert_id: id,
            acknowledged_at: now,
        };
        enqueue(
            &tx,
            OutboxEntityKind::ClinicalAlert,
            id,
            OutboxOperation::Acknowledge,
            &serde_json::to_value(&payload)?,
            now,
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// One alert, acknowledged or not.
    pub fn alert(&self, id: Uuid) -> Result<Option<ClinicalAlert>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, patient_id, session_id, kind, message, created_at, acknowledged_at
             FROM clinical_alerts WHERE id = ?1",
        )?;
        let mut rows = stmt.query([uuid_text(id)])?;
        rows.next()?.map(alert_from_row).transpose()
    }

    /// Alerts not yet acknowledged, newest first.
    pub fn open_alerts(&self) -> Result<Vec<ClinicalAlert>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, patient_id, session_id, kind, message, created_at, acknowledged_at
             FROM clinical_alerts WHERE acknowledged_at IS NULL ORDER BY created_at DESC, id",
        )?;
        let mut rows = stmt.query([])?;
        let mut alerts = Vec::new();
        while let Some(row) = rows.next()? {
            alerts.push(alert_from_row(row)?);
        }
        Ok(alerts)
    }

    /// Replaces the roster with the server's current list: a patient who ended the care
    /// relationship disappears from it.
    pub fn replace_care_patients(
        &self,
        patients: &[(CarePatient, serde_json::Value)],
    ) -> Result<(), StoreError> {
        let now = time_text(Utc::now());
        let tx = self.write_transaction()?;
        tx.execute("DELETE FROM care_patients", [])?;
        for (patient, record) in patients {
            tx.execute(
                "INSERT OR REPLACE INTO care_patients (patient_id, first_name, last_name, email,
                     record, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    uuid_text(patient.patient_id),
                    patient.first_name,
                    patient.last_name,
                    patient.email,
                    serde_json::to_string(record)?,
                    now,
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Adds one patient to the roster (e.g. right after registering them).
    pub fn add_care_patient(
        &self,
        patient: &CarePatient,
        record: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO care_patients (patient_id, first_name, last_name, email,
                 record, fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                uuid_text(patient.patient_id),
                patient.first_name,
                patient.last_name,
                patient.email,
                serde_json::to_string(record)?,
                time_text(Utc::now()),
            ],
        )?;
        Ok(())
    }

    /// The roster with each patient's latest session and open alerts, by name.
    pub fn care_patients(&self) -> Result<Vec<CarePatientOverview>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.patient_id, p.first_name, p.last_name, p.email,
                    (SELECT max(s.started_at) FROM exercise_sessions AS s
                      WHERE s.patient_id = p.patient_id),
                    (SELECT count(*) FROM clinical_alerts AS a
                      WHERE a.patient_id = p.patient_id AND a.acknowledged_at IS NULL)
             FROM care_patients AS p ORDER BY p.last_name, p.first_name, p.patient_id",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(CarePatientOverview {
                patient: CarePatient {
                    patient_id: parse_uuid("care_patients.patient_id", &row.get::<_, String>(0)?)?,
                    first_name: row.get(1)?,
                    last_name: row.get(2)?,
                    email: row.get(3)?,
                },
                last_session_at: parse_opt_time("exercise_sessions.started_at", row.get(4)?)?,
                alerts_open: row.get(5)?,
            });
        }
        Ok(out)
    }

    /// The patient's consent settings (defaults: notes and transcript shared).
    pub fn consent_settings(&self) -> Result<ConsentSettings, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT share_notes, share_transcript FROM consent_settings WHERE id = 1",
                [],
                |r| Ok((r.get::<_, bool>(0)?, r.get::<_, bool>(1)?)),
            )
            .optional()?;
        Ok(
            row.map_or_else(ConsentSettings::default, |(notes, transcript)| {
                ConsentSettings {
                    share_notes: notes,
                    share_transcript: transcript,
                }
            }),
        )
    }

    /// Saves the patient's consent settings; they apply to everything delivered from now on.
    pub fn set_consent_settings(&self, settings: ConsentSettings) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO consent_settings (id, share_notes, share_transcript, updated_at)
             VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET share_notes = excluded.share_notes,
                 share_transcript = excluded.share_transcript, updated_at = excluded.updated_at",
            params![
                settings.share_notes,
                settings.share_transcript,
                time_text(Utc::now())
            ],
        )?;
        Ok(())
    }

    /// Stores (or refreshes) a session pulled from the server. A session recorded on this
    /// device is never overwritten by its server copy: returns `false` then.
    pub fn upsert_pulled_session(&self, session: &PulledSession) -> Result<bool, StoreError> {
        let origin: Option<String> = self
            .conn
            .query_row(
                "SELECT origin FROM exercise_sessions WHERE id = ?1",
                [uuid_text(session.id)],
                |r| r.get(0),
            )
            .optional()?;
        if origin.as_deref() == Some(RecordOrigin::Local.as_str()) {
            return Ok(false);
        }
        let now = time_text(Utc::now());
        self.conn.execute(
            "INSERT INTO exercise_sessions (id, patient_id, exercise_id, source, status,
                 started_at, ended_at, duration_seconds, summary_statistics, created_at,
                 updated_at, version, origin, program_item_id)
             VALUES (?1, ?2, ?3, 'server', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'pulled', ?12)
             ON CONFLICT (id) DO UPDATE SET patient_id = excluded.patient_id,
                 exercise_id = excluded.exercise_id, status = excluded.status,
                 started_at = excluded.started_at, ended_at = excluded.ended_at,
                 duration_seconds = excluded.duration_seconds,
                 summary_statistics = excluded.summary_statistics,
                 updated_at = excluded.updated_at, version = excluded.version,
                 program_item_id = excluded.program_item_id",
            params![
                uuid_text(session.id),
                session.patient_id.map(uuid_text),
                session.exercise_id,
                session.status.as_str(),
                time_text(session.started_at),
                session.ended_at.map(time_text),
                session.duration_seconds,
                session
                    .summary_statistics
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?,
                now,
                time_text(session.updated_at),
                session.version,
                session.program_item_id.map(uuid_text),
            ],
        )?;
        Ok(true)
    }

    /// Whether a session was pulled (not recorded here).
    pub fn session_origin(&self, id: Uuid) -> Result<Option<RecordOrigin>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT origin FROM exercise_sessions WHERE id = ?1",
                [uuid_text(id)],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| parse_text("exercise_sessions.origin", &t))
            .transpose()
    }

    /// Replaces a pulled session's repetitions and form issues with the server's. Refuses a
    /// session recorded here (its analysis is the record of truth).
    pub fn replace_pulled_analysis(
        &self,
        id: Uuid,
        repetitions: &[RepetitionRecord],
        form_issues: &[FormIssueEvent],
    ) -> Result<(), StoreError> {
        self.require_pulled(id)?;
        let session = uuid_text(id);
        let tx = self.write_transaction()?;
        tx.execute("DELETE FROM repetitions WHERE session_id = ?1", [&session])?;
        tx.execute(
            "DELETE FROM form_issue_events WHERE session_id = ?1",
            [&session],
        )?;
        for rep in repetitions {
            crate::sessions::insert_repetition(&tx, &session, rep)?;
        }
        for (seq, event) in form_issues.iter().enumerate() {
            crate::sessions::insert_form_issue_event(&tx, &session, seq, event)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Appends frames read back from the server to a pulled session (pages arrive in order; a
    /// frame number already stored is replaced).
    pub fn store_pulled_frames(&self, id: Uuid, frames: &[FrameRecord]) -> Result<(), StoreError> {
        self.require_pulled(id)?;
        let session = uuid_text(id);
        let tx = self.write_transaction()?;
        for frame in frames {
            tx.execute(
                "DELETE FROM pose_frames WHERE session_id = ?1 AND frame_number = ?2",
                params![session, frame.frame_number],
            )?;
            crate::frames::validate_frame(frame)?;
            let encoded = crate::frames::encode_frame(frame, crate::LandmarkEncoding::Blob)?;
            crate::frames::insert_frame(&tx, &session, frame, encoded)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Attaches the transcript and notes the server holds to a pulled session, replacing what
    /// was pulled before.
    pub fn store_pulled_transcript(
        &self,
        id: Uuid,
        text: Option<&str>,
        notes: Option<&serde_json::Value>,
    ) -> Result<(), StoreError> {
        self.require_pulled(id)?;
        let now = time_text(Utc::now());
        let tx = self.write_transaction()?;
        // A transcript purged or deleted here is not brought back by a pull that overlaps
        // with the server's own purge.
        let removed_here = tx
            .query_row(
                "SELECT 1 FROM transcript_retention WHERE session_id = ?1 AND removed IS NOT NULL",
                [uuid_text(id)],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        let text = if removed_here { Some("") } else { text };
        tx.execute(
            "DELETE FROM transcripts WHERE session_id = ?1",
            [uuid_text(id)],
        )?;
        if text.is_some() || notes.is_some() {
            let transcript = Uuid::new_v4();
            tx.execute(
                "INSERT INTO transcripts (id, session_id, text, model, audio_seconds, language,
                     created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'server', 0, '', ?4, ?4)",
                params![
                    uuid_text(transcript),
                    uuid_text(id),
                    text.unwrap_or(""),
                    now
                ],
            )?;
            if let Some(notes) = notes {
                tx.execute(
                    "INSERT INTO clinical_notes (id, transcript_id, notes, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?4)",
                    params![
                        uuid_text(Uuid::new_v4()),
                        uuid_text(transcript),
                        serde_json::to_string(notes)?,
                        now
                    ],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn require_pulled(&self, id: Uuid) -> Result<(), StoreError> {
        match self.session_origin(id)? {
            None => Err(StoreError::SessionNotFound(id)),
            Some(RecordOrigin::Local) => Err(StoreError::Invalid {
                what: "pulled session",
                detail: format!("session {id} was recorded on this device"),
            }),
            Some(RecordOrigin::Pulled) => Ok(()),
        }
    }

    /// The latest transcript text and clinical notes of a session.
    pub fn session_transcript_and_notes(
        &self,
        id: Uuid,
    ) -> Result<(Option<String>, Option<serde_json::Value>), StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT t.text, n.notes FROM transcripts AS t
                 LEFT JOIN clinical_notes AS n ON n.transcript_id = t.id
                 WHERE t.session_id = ?1 ORDER BY t.created_at DESC, t.id LIMIT 1",
                [uuid_text(id)],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)),
            )
            .optional()?;
        let Some((text, notes)) = row else {
            return Ok((None, None));
        };
        let notes = notes
            .map(|n| serde_json::from_str(&n))
            .transpose()
            .map_err(|e| StoreError::corrupt("clinical_notes.notes", e))?;
        Ok((Some(text).filter(|t| !t.is_empty()), notes))
    }

    /// Sessions (recorded here or pulled), of one patient or all, newest first, with what the
    /// lists show.
    pub fn session_overviews(
        &self,
        patient: Option<Uuid>,
    ) -> Result<Vec<SessionOverview>, StoreError> {
        // One statement per case: `?1 IS NULL OR patient_id = ?1` cannot use the patient's
        // index and would look up every session of the device for one patient's chart.
        let ids: Vec<String> = match patient {
            Some(patient) => self
                .conn
                .prepare_cached(
                    "SELECT id FROM exercise_sessions WHERE patient_id = ?1
                     ORDER BY started_at DESC, id",
                )?
                .query_map([uuid_text(patient)], |r| r.get(0))?
                .collect::<Result<Vec<_>, _>>()?,
            None => self
                .conn
                .prepare_cached("SELECT id FROM exercise_sessions ORDER BY started_at DESC, id")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<_>, _>>()?,
        };
        ids.iter()
            .map(|id| {
                let id = parse_uuid("exercise_sessions.id", id)?;
                self.session_overview(id)?
                    .ok_or(StoreError::SessionNotFound(id))
            })
            .collect()
    }

    /// One session with what the lists show, if it exists.
    pub fn session_overview(&self, id: Uuid) -> Result<Option<SessionOverview>, StoreError> {
        let key = uuid_text(id);
        let row = self
            .conn
            .query_row(
                "SELECT patient_id, exercise_id, status, started_at, origin, program_item_id,
                        (SELECT count(*) FROM repetitions AS r
                          WHERE r.session_id = s.id AND r.partial = 0),
                        (SELECT avg(r.max_angle - r.min_angle) FROM repetitions AS r
                          WHERE r.session_id = s.id),
                        (SELECT count(*) FROM pose_frames AS f WHERE f.session_id = s.id)
                 FROM exercise_sessions AS s WHERE s.id = ?1",
                [&key],
                |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, Option<f64>>(7)?,
                        r.get::<_, i64>(8)?,
                    ))
                },
            )
            .optional()?;
        let Some((patient, exercise, status, started, origin, item, reps, rom, frames)) = row
        else {
            return Ok(None);
        };
        let (text, notes) = self.session_transcript_and_notes(id)?;
        let has_transcript: bool = self
            .conn
            .query_row(
                "SELECT count(*) > 0 FROM transcripts WHERE session_id = ?1 AND text != ''",
                [&key],
                |r| r.get(0),
            )
            .unwrap_or(text.is_some());
        Ok(Some(SessionOverview {
            session_id: id,
            patient_id: parse_opt_uuid("exercise_sessions.patient_id", patient)?,
            exercise_id: exercise,
            status: parse_text("exercise_sessions.status", &status)?,
            started_at: parse_time("exercise_sessions.started_at", &started)?,
            origin: parse_text("exercise_sessions.origin", &origin)?,
            program_item_id: parse_opt_uuid("exercise_sessions.program_item_id", item)?,
            reps,
            mean_rom: rom,
            pain: notes.as_ref().and_then(max_pain),
            has_transcript,
            frames,
            review: self.session_reviews(id)?.into_iter().next(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_week_starts_on_monday_at_midnight_utc() {
        let sunday = DateTime::parse_from_rfc3339("2026-12-06T23:59:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(week_start(sunday).to_rfc3339(), "2026-11-30T00:00:00+00:00");
        let monday = DateTime::parse_from_rfc3339("2026-12-07T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(week_start(monday), monday);
    }

    #[test]
    fn pain_is_the_highest_score_not_denied() {
        let notes = serde_json::json!({"pain_reports": [
            {"score": 3.0}, {"score": 7.0, "denied": true}, {"score": 5.0}, {"body_part": "knee"}
        ]});
        assert_eq!(max_pain(&notes), Some(5.0));
        assert_eq!(max_pain(&serde_json::json!({})), None);
    }
}
