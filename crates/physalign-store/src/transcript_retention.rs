//! Transcript retention on the device (issue 19, seed 002): a session's transcript is purged
//! [`TRANSCRIPT_RETENTION_DAYS`] after the session (its end, else its start) unless saved, and
//! can be deleted on request. A deletion or a save made here is queued for the server (outbox
//! operations `delete_transcript` and `save_transcript` of the session); a purge is not: the
//! server purges by the same rule. What the server removed or saved arrives with the pull.
//!
//! Removing a transcript empties its text and drops its segments; the clinical notes drawn from
//! it stay, as the clinical record.

use crate::outbox::{enqueue, OutboxEntityKind, OutboxOperation};
use crate::sql_values::{parse_time, time_text, uuid_text};
use crate::{RecordOrigin, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use physalign_domain::retention::{MAX_SAVED_RETENTION_DAYS, TRANSCRIPT_RETENTION_DAYS};
use physalign_domain::TranscriptRemoval;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a session's transcript stands under the retention rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TranscriptRetention {
    /// The session.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub session_id: Uuid,
    /// Saved beyond the automatic purge.
    pub saved: bool,
    /// When it is purged; `None` when saved indefinitely (or already removed).
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub purge_at: Option<DateTime<Utc>>,
    /// Why it is gone, when it is.
    pub removed: Option<TranscriptRemoval>,
    /// When it went.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub removed_at: Option<DateTime<Utc>>,
}

/// SQL: the time the retention counts from for session `s` with transcript row `t`.
const BASE_SQL: &str = "COALESCE(s.ended_at, s.started_at)";

/// The `transcript_retention` row of a session.
struct RetentionRow {
    saved: bool,
    saved_until: Option<String>,
    removed: Option<String>,
    removed_at: Option<String>,
}

/// What the store holds of a session's transcript.
struct TranscriptState {
    /// The time the retention counts from.
    base: DateTime<Utc>,
    /// A transcript row exists (emptied or not).
    has_transcript: bool,
    retention: Option<RetentionRow>,
}

fn transcript_state(conn: &Connection, session_id: Uuid) -> Result<TranscriptState, StoreError> {
    let key = uuid_text(session_id);
    let base: Option<String> = conn
        .query_row(
            &format!("SELECT {BASE_SQL} FROM exercise_sessions AS s WHERE s.id = ?1"),
            [&key],
            |r| r.get(0),
        )
        .optional()?;
    let base = base.ok_or(StoreError::SessionNotFound(session_id))?;
    let has_transcript = conn
        .query_row(
            "SELECT 1 FROM transcripts WHERE session_id = ?1 LIMIT 1",
            [&key],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    let retention = conn
        .query_row(
            "SELECT saved, saved_until, removed, removed_at FROM transcript_retention
             WHERE session_id = ?1",
            [&key],
            |r| {
                Ok(RetentionRow {
                    saved: r.get(0)?,
                    saved_until: r.get(1)?,
                    removed: r.get(2)?,
                    removed_at: r.get(3)?,
                })
            },
        )
        .optional()?;
    Ok(TranscriptState {
        base: parse_time("exercise_sessions.started_at", &base)?,
        has_transcript,
        retention,
    })
}

fn parse_removal(text: Option<String>) -> Result<Option<TranscriptRemoval>, StoreError> {
    text.map(|t| {
        t.parse()
            .map_err(|e| StoreError::corrupt("transcript_retention.removed", e))
    })
    .transpose()
}

fn parse_opt_time(
    what: &'static str,
    text: Option<String>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.map(|t| parse_time(what, &t)).transpose()
}

/// Empties the session's transcript and records why (no outbox entry).
fn remove(
    conn: &Connection,
    session_id: Uuid,
    reason: TranscriptRemoval,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let key = uuid_text(session_id);
    let at = time_text(at);
    conn.execute(
        "DELETE FROM transcript_segments WHERE transcript_id IN
             (SELECT id FROM transcripts WHERE session_id = ?1)",
        [&key],
    )?;
    conn.execute(
        "UPDATE transcripts SET text = '', updated_at = ?2, version = version + 1
         WHERE session_id = ?1",
        params![key, at],
    )?;
    conn.execute(
        "INSERT INTO transcript_retention (session_id, removed, removed_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (session_id) DO UPDATE SET removed = excluded.removed,
             removed_at = excluded.removed_at",
        params![key, reason.as_str(), at],
    )?;
    Ok(())
}

impl Store {
    /// Where the session's transcript stands; `None` when it never had one.
    pub fn transcript_retention(
        &self,
        session_id: Uuid,
    ) -> Result<Option<TranscriptRetention>, StoreError> {
        let state = transcript_state(&self.conn, session_id)?;
        let default_purge = state.base + Duration::days(TRANSCRIPT_RETENTION_DAYS);
        let Some(row) = state.retention else {
            return Ok(state.has_transcript.then_some(TranscriptRetention {
                session_id,
                saved: false,
                purge_at: Some(default_purge),
                removed: None,
                removed_at: None,
            }));
        };
        let removed = parse_removal(row.removed)?;
        let saved_until = parse_opt_time("transcript_retention.saved_until", row.saved_until)?;
        let purge_at = match (removed, row.saved) {
            (Some(_), _) => None,
            (None, true) => saved_until,
            (None, false) => Some(default_purge),
        };
        Ok(Some(TranscriptRetention {
            session_id,
            saved: row.saved,
            purge_at,
            removed,
            removed_at: parse_opt_time("transcript_retention.removed_at", row.removed_at)?,
        }))
    }

    fn require_local(&self, session_id: Uuid) -> Result<(), StoreError> {
        match self.session_origin(session_id)? {
            None => Err(StoreError::SessionNotFound(session_id)),
            Some(RecordOrigin::Pulled) => Err(StoreError::Invalid {
                what: "transcript deletion",
                detail: format!(
                    "session {session_id} was recorded on another device: its patient deletes \
                     the transcript there"
                ),
            }),
            Some(RecordOrigin::Local) => Ok(()),
        }
    }

    /// The transcript of the session, when it is still there: otherwise the error that says why.
    fn require_transcript(&self, session_id: Uuid) -> Result<(), StoreError> {
        match self.transcript_retention(session_id)? {
            None => Err(StoreError::SessionHasNoTranscript(session_id)),
            Some(TranscriptRetention {
                removed: Some(reason),
                ..
            }) => Err(StoreError::TranscriptRemoved {
                session: session_id,
                reason,
            }),
            Some(_) => Ok(()),
        }
    }

    /// Deletes the transcript of a session recorded on this device, on the patient's request,
    /// and queues the deletion for the server.
    pub fn delete_session_transcript(&self, session_id: Uuid) -> Result<(), StoreError> {
        self.require_local(session_id)?;
        self.require_transcript(session_id)?;
        let now = Utc::now();
        let tx = self.write_transaction()?;
        remove(&tx, session_id, TranscriptRemoval::Deleted, now)?;
        enqueue(
            &tx,
            OutboxEntityKind::ExerciseSession,
            session_id,
            OutboxOperation::DeleteTranscript,
            &serde_json::json!({}),
            now,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Keeps the session's transcript beyond the automatic purge: `retention_days` after the
    /// session (90 to 3650), or indefinitely with `None`; queued for the server.
    pub fn save_session_transcript(
        &self,
        session_id: Uuid,
        retention_days: Option<u32>,
    ) -> Result<TranscriptRetention, StoreError> {
        let min = u32::try_from(TRANSCRIPT_RETENTION_DAYS).unwrap_or(u32::MAX);
        if let Some(days) = retention_days {
            if !(min..=MAX_SAVED_RETENTION_DAYS).contains(&days) {
                return Err(StoreError::Invalid {
                    what: "retention days",
                    detail: format!(
                        "{days}: must be between {min} and {MAX_SAVED_RETENTION_DAYS} \
                         (none keeps the transcript indefinitely)"
                    ),
                });
            }
        }
        self.require_transcript(session_id)?;
        let base = transcript_state(&self.conn, session_id)?.base;
        let until = retention_days.map(|d| base + Duration::days(i64::from(d)));
        let now = Utc::now();
        let tx = self.write_transaction()?;
        save(&tx, session_id, until)?;
        enqueue(
            &tx,
            OutboxEntityKind::ExerciseSession,
            session_id,
            OutboxOperation::SaveTranscript,
            &serde_json::json!({ "retention_days": retention_days }),
            now,
        )?;
        tx.commit()?;
        self.transcript_retention(session_id)?
            .ok_or(StoreError::SessionHasNoTranscript(session_id))
    }

    /// Purges every transcript on this device past its retention at `now`; returns the
    /// sessions whose transcript went.
    pub fn purge_expired_transcripts(&self, now: DateTime<Utc>) -> Result<Vec<Uuid>, StoreError> {
        let cutoff = time_text(now - Duration::days(TRANSCRIPT_RETENTION_DAYS));
        let now_text = time_text(now);
        let tx = self.write_transaction()?;
        let ids: Vec<String> = tx
            .prepare(&format!(
                "SELECT DISTINCT s.id FROM transcripts AS t
                 JOIN exercise_sessions AS s ON s.id = t.session_id
                 LEFT JOIN transcript_retention AS r ON r.session_id = s.id
                 WHERE r.removed IS NULL
                   AND CASE WHEN COALESCE(r.saved, 0) = 1
                            THEN r.saved_until IS NOT NULL AND r.saved_until <= ?2
                            ELSE {BASE_SQL} <= ?1 END"
            ))?
            .query_map(params![cutoff, now_text], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut purged = Vec::with_capacity(ids.len());
        for id in ids {
            let id = crate::sql_values::parse_uuid("exercise_sessions.id", &id)?;
            remove(&tx, id, TranscriptRemoval::Purged, now)?;
            purged.push(id);
        }
        tx.commit()?;
        Ok(purged)
    }

    /// What the server says of a session's transcript (from the pull): removed there, so
    /// removed here; or saved there, so saved here. Nothing is queued.
    pub fn apply_remote_transcript_retention(
        &self,
        session_id: Uuid,
        remote: RemoteTranscriptRetention,
    ) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        match remote {
            RemoteTranscriptRetention::Removed { reason, at } => {
                let already: Option<Option<String>> = tx
                    .query_row(
                        "SELECT removed FROM transcript_retention WHERE session_id = ?1",
                        [uuid_text(session_id)],
                        |r| r.get(0),
                    )
                    .optional()?;
                if !matches!(already, Some(Some(_))) {
                    remove(&tx, session_id, reason, at)?;
                }
            }
            RemoteTranscriptRetention::Saved { until } => save(&tx, session_id, until)?,
        }
        tx.commit()?;
        Ok(())
    }
}

/// The server's word on a session's transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteTranscriptRetention {
    /// Purged or deleted there at `at`.
    Removed {
        /// Why.
        reason: TranscriptRemoval,
        /// When.
        at: DateTime<Utc>,
    },
    /// Saved there, until `until` (`None`: indefinitely).
    Saved {
        /// When it is purged after all.
        until: Option<DateTime<Utc>>,
    },
}

fn save(
    conn: &Connection,
    session_id: Uuid,
    until: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO transcript_retention (session_id, saved, saved_until) VALUES (?1, 1, ?2)
         ON CONFLICT (session_id) DO UPDATE SET saved = 1, saved_until = excluded.saved_until
         WHERE transcript_retention.removed IS NULL",
        params![uuid_text(session_id), until.map(time_text)],
    )?;
    Ok(())
}
