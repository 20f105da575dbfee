//! The write side of the sync outbox: entries are enqueued in the caller's transaction, listed
//! in delivery order, and marked done or failed by the (future) sync worker.

use crate::records::{OutboxEntry, OutboxStatus};
use crate::sql_values::{parse_text, parse_time, parse_uuid, time_text, uuid_text};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

physalign_domain::wire_enum! {
    /// What an outbox entry uploads (the `outbox.entity_type` column; also the kind of
    /// `sync_remote_versions` and `sync_conflicts` rows). Only kinds the central API accepts are
    /// listed: an entry has to have somewhere to go.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum OutboxEntityKind {
        /// An exercise session (its creation, then its summary and pose data).
        ExerciseSession = "exercise_session",
        /// A review written on this device by a physiotherapist.
        Review = "review",
        /// A program item a clinician prescribed, edited or ended on this device.
        ProgramItem = "program_item",
        /// A clinical alert a clinician acknowledged on this device.
        ClinicalAlert = "clinical_alert",
        /// An appointment booked or changed on this device (issue 18).
        Appointment = "appointment",
        /// A camera goniometer reading a clinician saved in a patient's chart on this device.
        GoniometerReading = "goniometer_reading",
        /// A clinical note a clinician signed on this device (issue 19).
        SoapNote = "soap_note",
        /// A correction to a signed note, written on this device.
        SoapNoteAmendment = "soap_note_amendment",
        /// An outcome questionnaire filled in on this device (issue 19).
        OutcomeResponse = "outcome_response",
        /// A patient's outcome plan a clinician changed on this device.
        OutcomePlan = "outcome_plan",
    }
}

physalign_domain::wire_enum! {
    /// What happened to the entity of an outbox entry (the `outbox.operation` column).
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum OutboxOperation {
        /// A new entity.
        Create = "create",
        /// A completed exercise session (summary, repetitions, form issues, pose data).
        Complete = "complete",
        /// A session's transcript (sent as stored at delivery, subject to consent).
        Transcript = "transcript",
        /// A session's clinical notes (sent as stored at delivery, subject to consent).
        Notes = "notes",
        /// A change to an existing entity (a program item's dose), sent with the server version
        /// it was made on (`If-Match`).
        Update = "update",
        /// The end of an entity (a program item no longer to be done).
        End = "end",
        /// An alert seen and acknowledged by a clinician.
        Acknowledge = "acknowledge",
        /// An appointment called off (kept, status cancelled).
        Cancel = "cancel",
        /// A recurring series set up from an appointment.
        Recur = "recur",
        /// An appointment the client did not come to.
        NoShow = "no_show",
        /// An appointment's preparation notes.
        Prepare = "prepare",
        /// A session's transcript deleted on request (seed 002).
        DeleteTranscript = "delete_transcript",
        /// A session's transcript saved beyond the automatic purge (seed 002).
        SaveTranscript = "save_transcript",
    }
}

/// Number of outbox entries in each status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutboxCounts {
    /// Waiting for delivery (including those backing off).
    pub pending: i64,
    /// Given up on.
    pub failed: i64,
    /// Delivered.
    pub done: i64,
    /// Pending entries of another identity (or of nobody) that wait for it to sign in again.
    #[serde(default)]
    pub other_identities: i64,
}

/// SQL condition: the entry `o` belongs to the signed-in identity. `IS` makes "nobody signed in"
/// match entries created while nobody was.
pub(crate) const OWNED_BY_CURRENT: &str =
    "o.owner_user_id IS (SELECT user_id FROM sync_identity WHERE id = 1)";

/// Enqueues an entry on `conn`, which must be the transaction that writes the business rows.
/// The entry belongs to the identity signed in now (see [`OutboxEntry::owner_user_id`]).
pub(crate) fn enqueue(
    conn: &Connection,
    entity_type: OutboxEntityKind,
    entity_id: Uuid,
    operation: OutboxOperation,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let now_text = time_text(now);
    conn.prepare_cached(
        "INSERT INTO outbox (entity_type, entity_id, operation, payload, idempotency_key,
                             created_at, next_attempt_at, owner_user_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, (SELECT user_id FROM sync_identity WHERE id = 1))",
    )?
    .execute(params![
        entity_type.as_str(),
        uuid_text(entity_id),
        operation.as_str(),
        serde_json::to_string(payload)?,
        uuid_text(Uuid::new_v4()),
        now_text,
    ])?;
    Ok(conn.last_insert_rowid())
}

const ENTRY_COLUMNS: &str = "id, entity_type, entity_id, operation, payload, idempotency_key,
     created_at, attempts, next_attempt_at, status, last_error, owner_user_id";

fn entry_from_row(row: &Row<'_>) -> Result<OutboxEntry, StoreError> {
    Ok(OutboxEntry {
        id: row.get(0)?,
        entity_type: parse_text("outbox.entity_type", &row.get::<_, String>(1)?)?,
        entity_id: parse_uuid("outbox.entity_id", &row.get::<_, String>(2)?)?,
        operation: parse_text("outbox.operation", &row.get::<_, String>(3)?)?,
        payload: serde_json::from_str(&row.get::<_, String>(4)?)
            .map_err(|e| StoreError::corrupt("outbox.payload", e))?,
        idempotency_key: parse_uuid("outbox.idempotency_key", &row.get::<_, String>(5)?)?,
        created_at: parse_time("outbox.created_at", &row.get::<_, String>(6)?)?,
        attempts: row.get(7)?,
        next_attempt_at: parse_time("outbox.next_attempt_at", &row.get::<_, String>(8)?)?,
        status: parse_text("outbox.status", &row.get::<_, String>(9)?)?,
        last_error: row.get(10)?,
        owner_user_id: crate::sql_values::parse_opt_uuid("outbox.owner_user_id", row.get(11)?)?,
    })
}

impl Store {
    /// Up to `limit` entries ready for delivery now, oldest first.
    ///
    /// Only entries of the signed-in identity are listed: on a shared device one person's queue
    /// is never sent under another's account.
    ///
    /// An entry is ready when it is pending, its back-off has passed, and every earlier entry of
    /// the same entity is done: a session's `complete` never overtakes its `create`, even while
    /// the `create` backs off or has failed for good.
    pub fn pending_outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        self.pending_outbox_at(Utc::now(), limit)
    }

    /// [`Store::pending_outbox`] as of `now` (for schedulers and tests).
    pub fn pending_outbox_at(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM outbox AS o
             WHERE o.status = 'pending' AND o.next_attempt_at <= ?1 AND {OWNED_BY_CURRENT}
               AND NOT EXISTS (SELECT 1 FROM outbox AS e
                               WHERE e.entity_type = o.entity_type AND e.entity_id = o.entity_id
                                 AND e.id < o.id AND e.status != 'done')
             ORDER BY o.id LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows = stmt.query(params![time_text(now), limit])?;
        let mut entries = Vec::new();
        while let Some(row) = rows.next()? {
            entries.push(entry_from_row(row)?);
        }
        Ok(entries)
    }

    /// Entries (`o`) matching `condition`, in enqueue order.
    pub(crate) fn outbox_where(
        &self,
        condition: &str,
        values: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let sql =
            format!("SELECT {ENTRY_COLUMNS} FROM outbox AS o WHERE {condition} ORDER BY o.id");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(values)?;
        let mut entries = Vec::new();
        while let Some(row) = rows.next()? {
            entries.push(entry_from_row(row)?);
        }
        Ok(entries)
    }

    /// Every outbox entry of one entity, in enqueue order, whatever its status.
    pub fn outbox_entries(&self, entity_id: Uuid) -> Result<Vec<OutboxEntry>, StoreError> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM outbox WHERE entity_id = ?1 ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([uuid_text(entity_id)])?;
        let mut entries = Vec::new();
        while let Some(row) = rows.next()? {
            entries.push(entry_from_row(row)?);
        }
        Ok(entries)
    }

    /// One outbox entry by id.
    pub fn outbox_entry(&self, id: i64) -> Result<Option<OutboxEntry>, StoreError> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM outbox WHERE id = ?1");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([id])?;
        rows.next()?.map(entry_from_row).transpose()
    }

    /// Counts of the signed-in identity's entries by status, and the pending entries of others.
    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let other_identities: i64 = self.conn.query_row(
            &format!(
                "SELECT count(*) FROM outbox AS o WHERE o.status != 'done' AND NOT ({OWNED_BY_CURRENT})"
            ),
            [],
            |row| row.get(0),
        )?;
        let mut counts = OutboxCounts {
            other_identities,
            ..OutboxCounts::default()
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT o.status, count(*) FROM outbox AS o WHERE {OWNED_BY_CURRENT} GROUP BY o.status"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let status: String = row.get(0)?;
            let n: i64 = row.get(1)?;
            match parse_text("outbox.status", &status)? {
                OutboxStatus::Pending => counts.pending = n,
                OutboxStatus::Failed => counts.failed = n,
                OutboxStatus::Done => counts.done = n,
            }
        }
        Ok(counts)
    }

    /// Records a successful delivery.
    pub fn mark_outbox_done(&self, id: i64) -> Result<(), StoreError> {
        let changed = self.conn.execute(
            "UPDATE outbox SET status = 'done', attempts = attempts + 1, last_error = NULL
             WHERE id = ?1",
            [id],
        )?;
        if changed == 0 {
            return Err(StoreError::OutboxEntryNotFound(id));
        }
        Ok(())
    }

    /// Records a failed delivery: `permanent` failures (e.g. the server rejected the payload)
    /// are not retried; others stay pending until `next_attempt_at`.
    pub fn mark_outbox_failed(
        &self,
        id: i64,
        reason: &str,
        permanent: bool,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let status = if permanent {
            OutboxStatus::Failed
        } else {
            OutboxStatus::Pending
        };
        let changed = self.conn.execute(
            "UPDATE outbox SET status = ?2, attempts = attempts + 1, last_error = ?3,
                               next_attempt_at = ?4
             WHERE id = ?1 AND status != 'done'",
            params![id, status.as_str(), reason, time_text(next_attempt_at)],
        )?;
        if changed == 0 {
            // Either unknown or already delivered; a late failure must not undo a delivery.
            let exists: Option<i64> = self
                .conn
                .query_row("SELECT id FROM outbox WHERE id = ?1", [id], |r| r.get(0))
                .optional()?;
            if exists.is_none() {
                return Err(StoreError::OutboxEntryNotFound(id));
            }
        }
        Ok(())
    }
}
