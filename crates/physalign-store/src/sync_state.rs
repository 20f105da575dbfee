//! What the sync client keeps besides the outbox: the signed-in identity, per-entry upload
//! progress, server versions for conflict checks, conflicts, offline reviews and pulled records.
//!
//! The schema is `migrations/sqlite/0100_sync_state.sql`, applied by [`Store::open`].

use crate::outbox::{enqueue, OutboxEntityKind, OutboxOperation};
use crate::sql_values::{parse_opt_time, parse_text, parse_time, parse_uuid, time_text, uuid_text};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The account this device syncs as. The refresh token is never stored here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncIdentity {
    /// Base URL of the central API, without a trailing slash.
    pub server_url: String,
    /// The email signed in with.
    pub email: String,
    /// The server's user id, once known.
    pub user_id: Option<Uuid>,
    /// The server's role name (`patient`, `physiotherapist`, `admin`), once known.
    pub role: Option<String>,
    /// When the last interactive login happened.
    pub logged_in_at: DateTime<Utc>,
    /// Set when the server refused the stored credentials: sync waits for a new login.
    pub login_required_reason: Option<String>,
}

/// A failed outbox entry as shown by the status command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FailedEntry {
    /// Outbox id.
    pub id: i64,
    /// Kind of entity.
    pub entity_type: OutboxEntityKind,
    /// The entity's UUID.
    pub entity_id: Uuid,
    /// The operation that failed.
    pub operation: OutboxOperation,
    /// Delivery attempts made.
    pub attempts: i64,
    /// Why it failed.
    pub reason: Option<String>,
}

/// Both versions of a record that changed on the server and on this device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictRecord {
    /// Conflict id.
    pub id: i64,
    /// Kind of entity.
    pub entity_type: OutboxEntityKind,
    /// The entity's UUID.
    pub entity_id: Uuid,
    /// The outbox entry that met the conflict.
    pub outbox_id: Option<i64>,
    /// The local version sent.
    pub local_version: Option<i64>,
    /// The version the server holds.
    pub server_version: Option<i64>,
    /// The local record.
    pub local_record: serde_json::Value,
    /// The server's record, when it could be fetched.
    pub server_record: Option<serde_json::Value>,
    /// When the conflict was seen.
    pub detected_at: DateTime<Utc>,
}

/// A resumable upload of one file of an outbox entry, as this device remembers it: enough to
/// ask the server for its offset after a restart and continue from there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadProgress {
    /// The outbox entry the file belongs to.
    pub outbox_id: i64,
    /// Which file of the entry (e.g. `raw_frames`).
    pub name: String,
    /// Idempotency key of the request that creates the server's upload.
    pub create_key: String,
    /// The server's upload id, once the create was answered.
    pub upload_id: Option<Uuid>,
    /// Size of the file in bytes.
    pub size_bytes: u64,
    /// Hex SHA-256 of the file.
    pub sha256: String,
    /// Bytes the server acknowledged (the next chunk starts here).
    pub acked_offset: u64,
    /// Chunk requests this device sent for the upload (including refused ones).
    pub chunks_sent: u64,
    /// When the server confirmed the checksum and stored the file.
    pub completed_at: Option<DateTime<Utc>>,
}

physalign_domain::wire_enum! {
    /// What a record pulled from the server is (the `sync_remote_records.kind` column).
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum RemoteRecordKind {
        /// An exercise session, including prescriptions (sessions a therapist scheduled).
        Session = "session",
        /// A therapist's review of a session.
        Review = "review",
        /// The signed-in patient's own profile.
        PatientProfile = "patient_profile",
        /// A patient assigned to the signed-in therapist.
        Patient = "patient",
    }
}

/// A record pulled from the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteRecord {
    /// What it is.
    pub kind: RemoteRecordKind,
    /// The record's id.
    pub id: String,
    /// The server's version, when it has one.
    pub version: Option<i64>,
    /// The server's last change.
    pub updated_at: Option<DateTime<Utc>>,
    /// The record as the server sent it.
    pub record: serde_json::Value,
}

/// `sync_meta` key: the user id of the identity that used this device last (kept across a
/// sign-out, so a sign-in can tell whether it is the same person).
const LAST_USER_KEY: &str = "identity_last_user_id";

/// What [`Store::set_sync_identity`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IdentitySwitch {
    /// The identity is another person than the one who used the device last.
    pub changed: bool,
    /// Server-derived rows cleared because of the change.
    pub cleared_records: usize,
    /// Outbox entries created while nobody was signed in, now owned by this identity.
    pub adopted_entries: usize,
}

/// Deletes everything this device holds only because the server sent it. Pulled sessions go
/// with their frames, repetitions, form issues (cascade) and transcripts (explicitly: their
/// foreign key only nulls).
fn clear_server_derived(conn: &rusqlite::Connection) -> Result<usize, StoreError> {
    let mut n = 0;
    n += conn.execute(
        "DELETE FROM transcripts WHERE session_id IN
             (SELECT id FROM exercise_sessions WHERE origin = 'pulled')",
        [],
    )?;
    n += conn.execute("DELETE FROM exercise_sessions WHERE origin = 'pulled'", [])?;
    n += conn.execute("DELETE FROM sync_remote_records", [])?;
    n += conn.execute("DELETE FROM sync_meta WHERE key LIKE 'pull_cursor%'", [])?;
    n += conn.execute("DELETE FROM program_items WHERE origin = 'pulled'", [])?;
    n += conn.execute("DELETE FROM session_reviews WHERE origin = 'pulled'", [])?;
    n += conn.execute("DELETE FROM clinical_alerts", [])?;
    n += conn.execute("DELETE FROM care_patients", [])?;
    n += conn.execute("DELETE FROM appointments WHERE origin = 'pulled'", [])?;
    n += conn.execute("DELETE FROM therapy_goals", [])?;
    // Readings saved here carry no clinician until the server names one; pulled ones do.
    n += conn.execute(
        "DELETE FROM goniometer_readings WHERE taken_by IS NOT NULL",
        [],
    )?;
    n += conn.execute(
        "DELETE FROM soap_note_amendments WHERE note_id IN
             (SELECT id FROM soap_notes WHERE origin = 'pulled')",
        [],
    )?;
    n += conn.execute("DELETE FROM soap_notes WHERE origin = 'pulled'", [])?;
    n += conn.execute("DELETE FROM outcome_responses WHERE origin = 'pulled'", [])?;
    n += conn.execute("DELETE FROM outcome_plans WHERE origin = 'pulled'", [])?;
    Ok(n)
}

impl Store {
    /// The identity this device syncs as, if someone logged in.
    pub fn sync_identity(&self) -> Result<Option<SyncIdentity>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT server_url, email, user_id, role, logged_in_at, login_required_reason
                 FROM sync_identity WHERE id = 1",
                [],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Option<String>>(2)?,
                        row.get::<_, Option<String>>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, Option<String>>(5)?,
                    ))
                },
            )
            .optional()?;
        let Some((server_url, email, user_id, role, logged_in_at, reason)) = row else {
            return Ok(None);
        };
        Ok(Some(SyncIdentity {
            server_url,
            email,
            user_id: user_id
                .map(|text| parse_uuid("sync_identity.user_id", &text))
                .transpose()?,
            role,
            logged_in_at: parse_time("sync_identity.logged_in_at", &logged_in_at)?,
            login_required_reason: reason,
        }))
    }

    /// Replaces the identity (after a login).
    ///
    /// When the new identity is another person than the one who used the device last, the
    /// server-derived data of the previous one (pulled records, cursors, pulled sessions, the
    /// roster, alerts) is cleared first, in the same transaction. Outbox entries created while
    /// nobody was signed in are adopted by the identity that used the device last (or by the
    /// first one ever); entries of other identities stay untouched and undelivered.
    pub fn set_sync_identity(&self, identity: &SyncIdentity) -> Result<IdentitySwitch, StoreError> {
        let tx = self.write_transaction()?;
        let previous: Option<String> = tx
            .query_row(
                "SELECT value FROM sync_meta WHERE key = ?1",
                [LAST_USER_KEY],
                |row| row.get(0),
            )
            .optional()?;
        let current: Option<String> = tx
            .query_row(
                "SELECT user_id FROM sync_identity WHERE id = 1",
                [],
                |row| row.get(0),
            )
            .optional()?
            .flatten();
        let new_user = identity.user_id.map(uuid_text);
        let last = current.or(previous);
        let changed = match (&last, &new_user) {
            (Some(last), Some(new)) => last != new,
            _ => false,
        };
        let mut switch = IdentitySwitch {
            changed,
            cleared_records: 0,
            adopted_entries: 0,
        };
        if changed {
            switch.cleared_records = clear_server_derived(&tx)?;
        }
        if let Some(new) = &new_user {
            if last.is_none() || last.as_deref() == Some(new.as_str()) {
                switch.adopted_entries = tx.execute(
                    "UPDATE outbox SET owner_user_id = ?1 WHERE owner_user_id IS NULL",
                    [new],
                )?;
                tx.execute(
                    "UPDATE exercise_sessions SET created_by = ?1
                     WHERE created_by IS NULL AND origin = 'local'",
                    [new],
                )?;
            }
            tx.execute(
                "INSERT INTO sync_meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [LAST_USER_KEY, new],
            )?;
        }
        tx.execute(
            "INSERT INTO sync_identity (id, server_url, email, user_id, role, logged_in_at,
                                        login_required_reason)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET server_url = excluded.server_url,
                 email = excluded.email, user_id = excluded.user_id, role = excluded.role,
                 logged_in_at = excluded.logged_in_at,
                 login_required_reason = excluded.login_required_reason",
            params![
                identity.server_url,
                identity.email,
                new_user,
                identity.role,
                time_text(identity.logged_in_at),
                identity.login_required_reason,
            ],
        )?;
        tx.commit()?;
        Ok(switch)
    }

    /// Signs this device out: forgets the identity and clears what the server sent it (pulled
    /// records, cursors, pulled sessions, roster, alerts), so the next person sees none of it.
    /// Outbox entries are kept for their identity's next sign-in. Returns the rows cleared.
    pub fn clear_sync_identity(&self) -> Result<usize, StoreError> {
        let tx = self.write_transaction()?;
        let cleared = clear_server_derived(&tx)?;
        tx.execute("DELETE FROM sync_identity", [])?;
        tx.commit()?;
        Ok(cleared)
    }

    /// Pending or failed outbox entries that belong to another identity than the signed-in one
    /// (or to nobody), oldest first: what waits for someone else's sign-in.
    pub fn other_identities_outbox(&self) -> Result<Vec<crate::OutboxEntry>, StoreError> {
        self.outbox_where(
            "o.status != 'done' AND NOT
                 (o.owner_user_id IS (SELECT user_id FROM sync_identity WHERE id = 1))",
            params![],
        )
    }

    /// Every undelivered entry of one identity (`None`: created while nobody was signed in),
    /// for an explicit export by the user.
    pub fn export_outbox_of(
        &self,
        owner: Option<Uuid>,
    ) -> Result<Vec<crate::OutboxEntry>, StoreError> {
        self.outbox_where(
            "o.status != 'done' AND o.owner_user_id IS ?1",
            params![owner.map(uuid_text)],
        )
    }

    /// Deletes every undelivered entry of one identity (an explicit decision of the user);
    /// returns how many went. The records themselves stay on this device.
    pub fn delete_outbox_of(&self, owner: Option<Uuid>) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM outbox WHERE status != 'done' AND owner_user_id IS ?1",
            params![owner.map(uuid_text)],
        )?)
    }

    /// Marks (or, with `None`, clears) that the stored credentials were refused.
    pub fn set_login_required(&self, reason: Option<&str>) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sync_identity SET login_required_reason = ?1 WHERE id = 1",
            [reason],
        )?;
        Ok(())
    }

    /// A sync bookkeeping value (last success, cursors ...).
    pub fn sync_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM sync_meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    /// Sets a sync bookkeeping value.
    pub fn set_sync_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO sync_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// The last acknowledged step of a multi-request upload and its saved detail.
    pub fn sync_progress(
        &self,
        outbox_id: i64,
    ) -> Result<Option<(u32, serde_json::Value)>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT step, detail FROM sync_progress WHERE outbox_id = ?1",
                [outbox_id],
                |row| Ok((row.get::<_, u32>(0)?, row.get::<_, String>(1)?)),
            )
            .optional()?;
        row.map(|(step, detail)| {
            serde_json::from_str(&detail)
                .map(|value| (step, value))
                .map_err(|e| StoreError::corrupt("sync_progress.detail", e))
        })
        .transpose()
    }

    /// Records that `step` of an upload was acknowledged by the server.
    pub fn set_sync_progress(
        &self,
        outbox_id: i64,
        step: u32,
        detail: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO sync_progress (outbox_id, step, detail, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (outbox_id) DO UPDATE SET step = excluded.step,
                 detail = excluded.detail, updated_at = excluded.updated_at",
            params![
                outbox_id,
                step,
                serde_json::to_string(detail)?,
                time_text(Utc::now())
            ],
        )?;
        Ok(())
    }

    /// The resumable upload of file `name` of outbox entry `outbox_id`, if one was started.
    pub fn upload_progress(
        &self,
        outbox_id: i64,
        name: &str,
    ) -> Result<Option<UploadProgress>, StoreError> {
        Ok(self
            .upload_progress_where("outbox_id = ?1 AND name = ?2", params![outbox_id, name])?
            .pop())
    }

    /// Every resumable upload this device remembers, oldest entry first.
    pub fn all_upload_progress(&self) -> Result<Vec<UploadProgress>, StoreError> {
        self.upload_progress_where("1 = 1", params![])
    }

    fn upload_progress_where(
        &self,
        condition: &str,
        values: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<UploadProgress>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT outbox_id, name, create_key, upload_id, size_bytes, sha256, acked_offset,
                    chunks_sent, completed_at
             FROM sync_uploads WHERE {condition} ORDER BY outbox_id, name"
        ))?;
        let mut rows = stmt.query(values)?;
        let mut uploads = Vec::new();
        let count =
            |what: &'static str, n: i64| u64::try_from(n).map_err(|e| StoreError::corrupt(what, e));
        while let Some(row) = rows.next()? {
            let upload_id: Option<String> = row.get(3)?;
            uploads.push(UploadProgress {
                outbox_id: row.get(0)?,
                name: row.get(1)?,
                create_key: row.get(2)?,
                upload_id: upload_id
                    .map(|text| parse_uuid("sync_uploads.upload_id", &text))
                    .transpose()?,
                size_bytes: count("sync_uploads.size_bytes", row.get(4)?)?,
                sha256: row.get(5)?,
                acked_offset: count("sync_uploads.acked_offset", row.get(6)?)?,
                chunks_sent: count("sync_uploads.chunks_sent", row.get(7)?)?,
                completed_at: parse_opt_time("sync_uploads.completed_at", row.get(8)?)?,
            });
        }
        Ok(uploads)
    }

    /// Saves (inserts or replaces) the state of a resumable upload.
    pub fn save_upload_progress(&self, upload: &UploadProgress) -> Result<(), StoreError> {
        let int = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.conn.execute(
            "INSERT INTO sync_uploads (outbox_id, name, create_key, upload_id, size_bytes, sha256,
                                       acked_offset, chunks_sent, completed_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (outbox_id, name) DO UPDATE SET create_key = excluded.create_key,
                 upload_id = excluded.upload_id, size_bytes = excluded.size_bytes,
                 sha256 = excluded.sha256, acked_offset = excluded.acked_offset,
                 chunks_sent = excluded.chunks_sent, completed_at = excluded.completed_at,
                 updated_at = excluded.updated_at",
            params![
                upload.outbox_id,
                upload.name,
                upload.create_key,
                upload.upload_id.map(uuid_text),
                int(upload.size_bytes),
                upload.sha256,
                int(upload.acked_offset),
                int(upload.chunks_sent),
                upload.completed_at.map(time_text),
                time_text(Utc::now()),
            ],
        )?;
        Ok(())
    }

    /// The server version last seen for a record.
    pub fn remote_version(
        &self,
        entity_type: OutboxEntityKind,
        entity_id: Uuid,
    ) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT version FROM sync_remote_versions WHERE entity_type = ?1 AND entity_id = ?2",
                params![entity_type.as_str(), uuid_text(entity_id)],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Remembers the server version of a record.
    pub fn set_remote_version(
        &self,
        entity_type: OutboxEntityKind,
        entity_id: Uuid,
        version: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO sync_remote_versions (entity_type, entity_id, version) VALUES (?1, ?2, ?3)
             ON CONFLICT (entity_type, entity_id) DO UPDATE SET version = excluded.version",
            params![entity_type.as_str(), uuid_text(entity_id), version],
        )?;
        Ok(())
    }

    /// Keeps both versions of a conflicting record; returns the conflict id.
    #[allow(clippy::too_many_arguments)]
    pub fn record_conflict(
        &self,
        entity_type: OutboxEntityKind,
        entity_id: Uuid,
        outbox_id: Option<i64>,
        local_version: Option<i64>,
        server_version: Option<i64>,
        local_record: &serde_json::Value,
        server_record: Option<&serde_json::Value>,
    ) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO sync_conflicts (entity_type, entity_id, outbox_id, local_version,
                 server_version, local_record, server_record, detected_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                entity_type.as_str(),
                uuid_text(entity_id),
                outbox_id,
                local_version,
                server_version,
                serde_json::to_string(local_record)?,
                server_record.map(serde_json::to_string).transpose()?,
                time_text(Utc::now()),
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Conflicts nobody resolved yet, oldest first.
    pub fn open_conflicts(&self) -> Result<Vec<ConflictRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, entity_type, entity_id, outbox_id, local_version, server_version,
                    local_record, server_record, detected_at
             FROM sync_conflicts WHERE resolved_at IS NULL ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        let mut conflicts = Vec::new();
        while let Some(row) = rows.next()? {
            let server_record: Option<String> = row.get(7)?;
            conflicts.push(ConflictRecord {
                id: row.get(0)?,
                entity_type: parse_text("sync_conflicts.entity_type", &row.get::<_, String>(1)?)?,
                entity_id: parse_uuid("sync_conflicts.entity_id", &row.get::<_, String>(2)?)?,
                outbox_id: row.get(3)?,
                local_version: row.get(4)?,
                server_version: row.get(5)?,
                local_record: serde_json::from_str(&row.get::<_, String>(6)?)
                    .map_err(|e| StoreError::corrupt("sync_conflicts.local_record", e))?,
                server_record: server_record
                    .map(|text| serde_json::from_str(&text))
                    .transpose()
                    .map_err(|e| StoreError::corrupt("sync_conflicts.server_record", e))?,
                detected_at: parse_time("sync_conflicts.detected_at", &row.get::<_, String>(8)?)?,
            });
        }
        Ok(conflicts)
    }

    /// Failed outbox entries with their reasons, oldest first.
    pub fn failed_outbox(&self, limit: usize) -> Result<Vec<FailedEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, entity_type, entity_id, operation, attempts, last_error
             FROM outbox AS o WHERE status = 'failed' AND o.owner_user_id IS
                 (SELECT user_id FROM sync_identity WHERE id = 1)
             ORDER BY id LIMIT ?1",
        )?;
        let mut rows = stmt.query([i64::try_from(limit).unwrap_or(i64::MAX)])?;
        let mut failed = Vec::new();
        while let Some(row) = rows.next()? {
            failed.push(FailedEntry {
                id: row.get(0)?,
                entity_type: parse_text("outbox.entity_type", &row.get::<_, String>(1)?)?,
                entity_id: parse_uuid("outbox.entity_id", &row.get::<_, String>(2)?)?,
                operation: parse_text("outbox.operation", &row.get::<_, String>(3)?)?,
                attempts: row.get(4)?,
                reason: row.get(5)?,
            });
        }
        Ok(failed)
    }

    /// Puts failed entries back in the queue (after a person fixed the cause); returns how many.
    pub fn retry_failed_outbox(&self) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "UPDATE outbox SET status = 'pending', next_attempt_at = ?1
             WHERE status = 'failed'
               AND owner_user_id IS (SELECT user_id FROM sync_identity WHERE id = 1)",
            [time_text(Utc::now())],
        )?)
    }

    /// When the earliest pending entry that is not stuck behind an undelivered earlier entry of
    /// its entity may be tried; `None` when nothing can become ready by waiting.
    pub fn next_ready_outbox_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let text: Option<String> = self.conn.query_row(
            "SELECT min(o.next_attempt_at) FROM outbox AS o
             WHERE o.status = 'pending'
               AND o.owner_user_id IS (SELECT user_id FROM sync_identity WHERE id = 1)
               AND NOT EXISTS (SELECT 1 FROM outbox AS e
                               WHERE e.entity_type = o.entity_type AND e.entity_id = o.entity_id
                                 AND e.id < o.id AND e.status != 'done')",
            [],
            |row| row.get(0),
        )?;
        parse_opt_time("outbox.next_attempt_at", text)
    }

    /// Stores a review written on this device and enqueues its upload, in one transaction.
    pub fn create_offline_review(
        &self,
        id: Uuid,
        session_id: Uuid,
        request: &serde_json::Value,
    ) -> Result<Uuid, StoreError> {
        self.create_offline_review_with_minutes(id, session_id, request, None)
    }

    /// [`Store::create_offline_review`] with the minutes the clinician spent on the review (1 to
    /// [`crate::REVIEW_MINUTES_MAX`]), kept with the review and sent with it (`minutes_spent` of
    /// the request), so the practice's other devices count them too.
    pub fn create_offline_review_with_minutes(
        &self,
        id: Uuid,
        session_id: Uuid,
        request: &serde_json::Value,
        minutes_spent: Option<u32>,
    ) -> Result<Uuid, StoreError> {
        let minutes_spent = minutes_spent.map(crate::check_review_minutes).transpose()?;
        let mut request = request.clone();
        if let (Some(minutes), Some(body)) = (minutes_spent, request.as_object_mut()) {
            body.insert("minutes_spent".into(), minutes.into());
        }
        let request = &request;
        let now = Utc::now();
        let tx = self.write_transaction()?;
        tx.execute(
            "INSERT INTO offline_reviews (id, session_id, request, created_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                uuid_text(id),
                uuid_text(session_id),
                serde_json::to_string(request)?,
                time_text(now)
            ],
        )?;
        crate::clinical::insert_local_review(&tx, id, session_id, request, minutes_spent, now)?;
        enqueue(
            &tx,
            OutboxEntityKind::Review,
            id,
            OutboxOperation::Create,
            request,
            now,
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Inserts or replaces a record pulled from the server.
    pub fn upsert_remote_record(&self, record: &RemoteRecord) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO sync_remote_records (kind, id, version, updated_at, record, fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version,
                 updated_at = excluded.updated_at, record = excluded.record,
                 fetched_at = excluded.fetched_at",
            params![
                record.kind.as_str(),
                record.id,
                record.version,
                record.updated_at.map(time_text),
                serde_json::to_string(&record.record)?,
                time_text(Utc::now()),
            ],
        )?;
        Ok(())
    }

    /// Pulled records of one kind, by id.
    pub fn remote_records(&self, kind: RemoteRecordKind) -> Result<Vec<RemoteRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, id, version, updated_at, record FROM sync_remote_records
             WHERE kind = ?1 ORDER BY id",
        )?;
        let mut rows = stmt.query([kind.as_str()])?;
        let mut records = Vec::new();
        while let Some(row) = rows.next()? {
            records.push(RemoteRecord {
                kind: parse_text("sync_remote_records.kind", &row.get::<_, String>(0)?)?,
                id: row.get(1)?,
                version: row.get(2)?,
                updated_at: parse_opt_time("sync_remote_records.updated_at", row.get(3)?)?,
                record: serde_json::from_str(&row.get::<_, String>(4)?)
                    .map_err(|e| StoreError::corrupt("sync_remote_records.record", e))?,
            });
        }
        Ok(records)
    }
}
