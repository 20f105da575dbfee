//! Transcripts, their segments (whole or streamed) and clinical notes.
//!
//! A completed session's transcript and notes are queued for the care team (outbox operations
//! `transcript` and `notes` of the session, after its `complete`); the delivery reads what is
//! stored then and applies the patient's consent settings. Transcripts without a session, or of
//! a session still recording, stay on the device until the session completes.

use crate::outbox::{enqueue, OutboxEntityKind, OutboxOperation};
use crate::records::{SegmentRecord, TranscriptRecord};
use crate::sql_values::{parse_opt_uuid, parse_time, parse_uuid, time_text, uuid_text};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Clinical notes extracted from one transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClinicalNotesRow {
    /// Client-generated id.
    pub id: Uuid,
    /// The transcript they were extracted from.
    pub transcript_id: Uuid,
    /// The notes document.
    pub notes: serde_json::Value,
    /// When first saved.
    pub created_at: DateTime<Utc>,
    /// When last replaced.
    pub updated_at: DateTime<Utc>,
    /// Incremented on every replacement.
    pub version: i64,
}

fn insert_segment(
    conn: &Connection,
    transcript: &str,
    seq: i64,
    segment: &SegmentRecord,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO transcript_segments (id, transcript_id, seq, start_ms, end_ms, text,
             confidence, speaker)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        uuid_text(Uuid::new_v4()),
        transcript,
        seq,
        segment.start_ms,
        segment.end_ms,
        segment.text,
        segment.confidence.map(f64::from),
        segment.speaker,
    ])?;
    Ok(())
}

fn transcript_exists(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row("SELECT 1 FROM transcripts WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some())
}

fn read_transcript(conn: &Connection, id: Uuid) -> Result<Option<TranscriptRecord>, StoreError> {
    let key = uuid_text(id);
    let row = conn
        .query_row(
            "SELECT session_id, text, model, audio_seconds, language FROM transcripts
             WHERE id = ?1",
            [&key],
            |row| {
                Ok((
                    row.get::<_, Option<String>>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, f64>(3)?,
                    row.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((session_id, text, model, audio_seconds, language)) = row else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT start_ms, end_ms, text, confidence, speaker FROM transcript_segments
         WHERE transcript_id = ?1 ORDER BY seq",
    )?;
    let segments = stmt
        .query_map([&key], |row| {
            Ok(SegmentRecord {
                start_ms: row.get(0)?,
                end_ms: row.get(1)?,
                text: row.get(2)?,
                confidence: row.get::<_, Option<f64>>(3)?.map(|v| v as f32),
                speaker: row.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(TranscriptRecord {
        id,
        session_id: parse_opt_uuid("transcripts.session_id", session_id)?,
        text,
        model,
        audio_seconds,
        language,
        segments,
    }))
}

/// Queues the upload of a completed session's transcript and notes, once per change burst: an
/// entry still pending already sends the latest text when it is delivered.
pub(crate) fn queue_session_speech(
    conn: &Connection,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let key = uuid_text(session_id);
    let completed = conn
        .query_row(
            "SELECT 1 FROM exercise_sessions
             WHERE id = ?1 AND origin = 'local' AND status = 'completed'",
            [&key],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !completed {
        return Ok(());
    }
    let (transcripts, notes): (i64, i64) = conn.query_row(
        "SELECT count(*), (SELECT count(*) FROM clinical_notes AS n
                            JOIN transcripts AS t ON t.id = n.transcript_id
                           WHERE t.session_id = ?1)
         FROM transcripts WHERE session_id = ?1",
        [&key],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    for (present, operation) in [
        (transcripts > 0, OutboxOperation::Transcript),
        (notes > 0, OutboxOperation::Notes),
    ] {
        if !present {
            continue;
        }
        let queued = conn
            .query_row(
                "SELECT 1 FROM outbox WHERE entity_type = ?1 AND entity_id = ?2
                     AND operation = ?3 AND status = 'pending'",
                params![
                    OutboxEntityKind::ExerciseSession.as_str(),
                    key,
                    operation.as_str()
                ],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !queued {
            enqueue(
                conn,
                OutboxEntityKind::ExerciseSession,
                session_id,
                operation,
                &serde_json::json!({ "session_id": session_id }),
                now,
            )?;
        }
    }
    Ok(())
}

fn transcript_session(conn: &Connection, key: &str) -> Result<Option<Uuid>, StoreError> {
    let session: Option<Option<String>> = conn
        .query_row(
            "SELECT session_id FROM transcripts WHERE id = ?1",
            [key],
            |r| r.get(0),
        )
        .optional()?;
    parse_opt_uuid("transcripts.session_id", session.flatten())
}

impl Store {
    /// Saves a transcript with its segments. Saving an existing id replaces its text, metadata
    /// and segments (e.g. the final pass after streaming). Queued for the care team when its
    /// session is completed (see the module documentation).
    pub fn save_transcript(&self, transcript: &TranscriptRecord) -> Result<Uuid, StoreError> {
        let now = time_text(Utc::now());
        let key = uuid_text(transcript.id);
        let tx = self.write_transaction()?;
        if let Some(session_id) = transcript.session_id {
            let session_exists = tx
                .query_row(
                    "SELECT 1 FROM exercise_sessions WHERE id = ?1",
                    [uuid_text(session_id)],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if !session_exists {
                return Err(StoreError::SessionNotFound(session_id));
            }
            // Once purged or deleted, a session's transcript stays gone (the server refuses it
            // too).
            let removed: Option<Option<String>> = tx
                .query_row(
                    "SELECT removed FROM transcript_retention WHERE session_id = ?1",
                    [uuid_text(session_id)],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(Some(reason)) = removed {
                return Err(StoreError::TranscriptRemoved {
                    session: session_id,
                    reason: reason
                        .parse()
                        .map_err(|e| StoreError::corrupt("transcript_retention.removed", e))?,
                });
            }
        }
        let existed = transcript_exists(&tx, &key)?;
        if existed {
            tx.execute(
                "UPDATE transcripts SET session_id = ?2, text = ?3, model = ?4,
                     audio_seconds = ?5, language = ?6, updated_at = ?7, version = version + 1
                 WHERE id = ?1",
                params![
                    key,
                    transcript.session_id.map(uuid_text),
                    transcript.text,
                    transcript.model,
                    transcript.audio_seconds,
                    transcript.language,
                    now,
                ],
            )?;
            tx.execute(
                "DELETE FROM transcript_segments WHERE transcript_id = ?1",
                [&key],
            )?;
        } else {
            tx.execute(
                "INSERT INTO transcripts (id, session_id, text, model, audio_seconds, language,
                     created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![
                    key,
                    transcript.session_id.map(uuid_text),
                    transcript.text,
                    transcript.model,
                    transcript.audio_seconds,
                    transcript.language,
                    now,
                ],
            )?;
        }
        for (seq, segment) in transcript.segments.iter().enumerate() {
            insert_segment(&tx, &key, i64::try_from(seq).unwrap_or(i64::MAX), segment)?;
        }
        if let Some(session_id) = transcript.session_id {
            queue_session_speech(&tx, session_id, Utc::now())?;
        }
        tx.commit()?;
        Ok(transcript.id)
    }

    /// Appends one segment to a transcript while it streams, and its text to the transcript's
    /// text (space-separated). Returns the segment's position (0-based).
    pub fn append_segment(
        &self,
        transcript_id: Uuid,
        segment: &SegmentRecord,
    ) -> Result<i64, StoreError> {
        let key = uuid_text(transcript_id);
        let tx = self.write_transaction()?;
        if !transcript_exists(&tx, &key)? {
            return Err(StoreError::TranscriptNotFound(transcript_id));
        }
        let seq: i64 = tx.query_row(
            "SELECT coalesce(max(seq) + 1, 0) FROM transcript_segments WHERE transcript_id = ?1",
            [&key],
            |row| row.get(0),
        )?;
        insert_segment(&tx, &key, seq, segment)?;
        tx.execute(
            "UPDATE transcripts
             SET text = CASE WHEN text = '' THEN ?2 ELSE text || ' ' || ?2 END,
                 updated_at = ?3, version = version + 1
             WHERE id = ?1",
            params![key, segment.text.trim(), time_text(Utc::now())],
        )?;
        tx.commit()?;
        Ok(seq)
    }

    /// A transcript with its segments, if it exists.
    pub fn get_transcript(&self, id: Uuid) -> Result<Option<TranscriptRecord>, StoreError> {
        read_transcript(&self.conn, id)
    }

    /// Ids of the transcripts attached to an exercise session, oldest first.
    pub fn transcripts_for_session(&self, session_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM transcripts WHERE session_id = ?1 ORDER BY created_at, id",
        )?;
        let ids = stmt
            .query_map([uuid_text(session_id)], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        ids.iter()
            .map(|id| parse_uuid("transcripts.id", id))
            .collect()
    }

    /// Saves the clinical notes of a transcript, replacing earlier ones. Returns the notes' id,
    /// which stays the same across replacements. Queued for the care team when the transcript's
    /// session is completed (see the module documentation).
    pub fn save_clinical_notes(
        &self,
        transcript_id: Uuid,
        notes: &serde_json::Value,
    ) -> Result<Uuid, StoreError> {
        let key = uuid_text(transcript_id);
        let now = Utc::now();
        let tx = self.write_transaction()?;
        if !transcript_exists(&tx, &key)? {
            return Err(StoreError::TranscriptNotFound(transcript_id));
        }
        tx.execute(
            "INSERT INTO clinical_notes (id, transcript_id, notes, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (transcript_id) DO UPDATE
             SET notes = excluded.notes, updated_at = excluded.updated_at,
                 version = clinical_notes.version + 1",
            params![
                uuid_text(Uuid::new_v4()),
                key,
                serde_json::to_string(notes)?,
                time_text(now)
            ],
        )?;
        let row = read_clinical_notes(&tx, transcript_id)?
            .ok_or(StoreError::TranscriptNotFound(transcript_id))?;
        if let Some(session_id) = transcript_session(&tx, &key)? {
            queue_session_speech(&tx, session_id, now)?;
        }
        tx.commit()?;
        Ok(row.id)
    }

    /// The clinical notes of a transcript, if saved.
    pub fn clinical_notes(
        &self,
        transcript_id: Uuid,
    ) -> Result<Option<ClinicalNotesRow>, StoreError> {
        read_clinical_notes(&self.conn, transcript_id)
    }
}

fn read_clinical_notes(
    conn: &Connection,
    transcript_id: Uuid,
) -> Result<Option<ClinicalNotesRow>, StoreError> {
    let row = conn
        .query_row(
            "SELECT id, notes, created_at, updated_at, version FROM clinical_notes
             WHERE transcript_id = ?1",
            [uuid_text(transcript_id)],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, i64>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((id, notes, created_at, updated_at, version)) = row else {
        return Ok(None);
    };
    Ok(Some(ClinicalNotesRow {
        id: parse_uuid("clinical_notes.id", &id)?,
        transcript_id,
        notes: serde_json::from_str(&notes)
            .map_err(|e| StoreError::corrupt("clinical_notes.notes", e))?,
        created_at: parse_time("clinical_notes.created_at", &created_at)?,
        updated_at: parse_time("clinical_notes.updated_at", &updated_at)?,
        version,
    }))
}
