//! SOAP notes: drafted on the device, edited, then signed by the clinician (issue 19).
//!
//! The store keeps the note's document as JSON (the workspace crate types it). A signed note is
//! immutable: the schema's triggers (`migrations/sqlite/1100_soap_notes.sql`) refuse any change
//! or deletion of it, so a correction is an [`SoapNoteAmendment`] with its author and time.
//! Signing queues the note's upload in the outbox in the same transaction, and each amendment
//! its own; notes of the care team's other devices arrive signed from the server
//! ([`Store::upsert_pulled_soap_note`]).

use crate::outbox::{enqueue, OutboxEntityKind, OutboxOperation};
use crate::sql_values::{parse_opt_uuid, parse_time, parse_uuid, time_text, uuid_text};
use crate::{Store, StoreError};
use chrono::{DateTime, SubsecRound, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A SOAP note: a draft until `signed` is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SoapNoteRow {
    /// Note id.
    pub id: Uuid,
    /// The exercise session the note is about.
    pub session_id: Uuid,
    /// The transcript it was drafted from, when there was one.
    pub transcript_id: Option<Uuid>,
    /// The note's document as last edited (the workspace's `NoteDraft`).
    pub document: serde_json::Value,
    /// Who drafted it.
    pub drafted_by: String,
    /// When it was drafted.
    pub created_at: DateTime<Utc>,
    /// When the draft last changed (the signing time once signed).
    pub updated_at: DateTime<Utc>,
    /// Who signed it and when; `None` while a draft.
    pub signed: Option<Signature>,
    /// Seed 004's fields of the note as signed (the API's `NoteSummary`); `None` while a draft.
    pub summary: Option<serde_json::Value>,
    /// Corrections after signing, oldest first.
    pub amendments: Vec<SoapNoteAmendment>,
}

/// Who signed a note and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Signature {
    /// The signing clinician.
    pub by: String,
    /// When it was signed.
    pub at: DateTime<Utc>,
}

/// A correction to a signed note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SoapNoteAmendment {
    /// Amendment id.
    pub id: Uuid,
    /// The amended note.
    pub note_id: Uuid,
    /// Who wrote it.
    pub author: String,
    /// The correction.
    pub text: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

fn not_found(id: Uuid) -> StoreError {
    StoreError::Invalid {
        what: "soap note",
        detail: format!("no note {id} on this device"),
    }
}

fn amendments(conn: &Connection, note: &str) -> Result<Vec<SoapNoteAmendment>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, note_id, author, text, created_at FROM soap_note_amendments
         WHERE note_id = ?1 ORDER BY created_at, id",
    )?;
    let rows = stmt
        .query_map([note], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, note_id, author, text, at)| {
            Ok(SoapNoteAmendment {
                id: parse_uuid("soap_note_amendments.id", &id)?,
                note_id: parse_uuid("soap_note_amendments.note_id", &note_id)?,
                author,
                text,
                created_at: parse_time("soap_note_amendments.created_at", &at)?,
            })
        })
        .collect()
}

type NoteColumns = (
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

const NOTE_COLUMNS: &str = "id, session_id, transcript_id, document, drafted_by, created_at,
    updated_at, signed_by, signed_at, summary";

fn note_columns(r: &rusqlite::Row<'_>) -> rusqlite::Result<NoteColumns> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ))
}

fn note_row(conn: &Connection, columns: NoteColumns) -> Result<SoapNoteRow, StoreError> {
    let (
        id,
        session,
        transcript,
        document,
        drafted_by,
        created,
        updated,
        signed_by,
        signed_at,
        summary,
    ) = columns;
    let signed = match (signed_by, signed_at) {
        (Some(by), Some(at)) => Some(Signature {
            by,
            at: parse_time("soap_notes.signed_at", &at)?,
        }),
        _ => None,
    };
    Ok(SoapNoteRow {
        id: parse_uuid("soap_notes.id", &id)?,
        session_id: parse_uuid("soap_notes.session_id", &session)?,
        transcript_id: parse_opt_uuid("soap_notes.transcript_id", transcript)?,
        document: serde_json::from_str(&document)
            .map_err(|e| StoreError::corrupt("soap_notes.document", e))?,
        drafted_by,
        created_at: parse_time("soap_notes.created_at", &created)?,
        updated_at: parse_time("soap_notes.updated_at", &updated)?,
        signed,
        summary: summary
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| StoreError::corrupt("soap_notes.summary", e))?,
        amendments: amendments(conn, &id)?,
    })
}

fn read_note(conn: &Connection, id: Uuid) -> Result<Option<SoapNoteRow>, StoreError> {
    let columns = conn
        .query_row(
            &format!("SELECT {NOTE_COLUMNS} FROM soap_notes WHERE id = ?1"),
            [uuid_text(id)],
            note_columns,
        )
        .optional()?;
    columns.map(|c| note_row(conn, c)).transpose()
}

/// `at` in microseconds, as the server keeps times: a signed note's times are then the same on
/// every device of the care team, to the digit.
fn server_precision(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

fn require_text(what: &'static str, text: &str) -> Result<(), StoreError> {
    if text.trim().is_empty() {
        return Err(StoreError::Invalid {
            what,
            detail: "must not be empty".into(),
        });
    }
    Ok(())
}

impl Store {
    /// Saves a new draft note about `session_id`; returns its id.
    pub fn create_soap_note(
        &self,
        session_id: Uuid,
        transcript_id: Option<Uuid>,
        document: &serde_json::Value,
        drafted_by: &str,
        now: DateTime<Utc>,
    ) -> Result<Uuid, StoreError> {
        require_text("soap note author", drafted_by)?;
        let now = server_precision(now);
        let id = Uuid::new_v4();
        let tx = self.write_transaction()?;
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
        tx.execute(
            "INSERT INTO soap_notes (id, session_id, transcript_id, document, drafted_by,
                 created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![
                uuid_text(id),
                uuid_text(session_id),
                transcript_id.map(uuid_text),
                document.to_string(),
                drafted_by,
                time_text(now),
            ],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// One note with its amendments.
    pub fn soap_note(&self, id: Uuid) -> Result<Option<SoapNoteRow>, StoreError> {
        read_note(&self.conn, id)
    }

    /// A session's notes, oldest first.
    pub fn session_soap_notes(&self, session_id: Uuid) -> Result<Vec<SoapNoteRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {NOTE_COLUMNS} FROM soap_notes WHERE session_id = ?1 ORDER BY created_at, id"
        ))?;
        let rows = stmt
            .query_map([uuid_text(session_id)], note_columns)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(|c| note_row(&self.conn, c)).collect()
    }

    /// Replaces a draft's document (the clinician's edit). A signed note is refused.
    pub fn edit_soap_note(
        &self,
        id: Uuid,
        document: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<SoapNoteRow, StoreError> {
        let tx = self.write_transaction()?;
        let note = read_note(&tx, id)?.ok_or_else(|| not_found(id))?;
        if note.signed.is_some() {
            return Err(StoreError::Invalid {
                what: "soap note",
                detail: format!("note {id} is signed: amend it instead"),
            });
        }
        tx.execute(
            "UPDATE soap_notes SET document = ?2, updated_at = ?3 WHERE id = ?1",
            params![uuid_text(id), document.to_string(), time_text(now)],
        )?;
        let note = read_note(&tx, id)?.ok_or_else(|| not_found(id))?;
        tx.commit()?;
        Ok(note)
    }

    /// Signs a draft with `summary` (seed 004's fields of the note as signed): from now on it is
    /// the record and only amendments are added. Its upload is queued in the same transaction.
    pub fn sign_soap_note(
        &self,
        id: Uuid,
        signer: &str,
        summary: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<SoapNoteRow, StoreError> {
        require_text("soap note signer", signer)?;
        let now = server_precision(now);
        let tx = self.write_transaction()?;
        let note = read_note(&tx, id)?.ok_or_else(|| not_found(id))?;
        if let Some(signed) = note.signed {
            return Err(StoreError::Invalid {
                what: "soap note",
                detail: format!(
                    "note {id} was already signed by {} at {}",
                    signed.by, signed.at
                ),
            });
        }
        tx.execute(
            "UPDATE soap_notes SET signed_by = ?2, signed_at = ?3, updated_at = ?3, summary = ?4
             WHERE id = ?1",
            params![uuid_text(id), signer, time_text(now), summary.to_string()],
        )?;
        let note = read_note(&tx, id)?.ok_or_else(|| not_found(id))?;
        enqueue(
            &tx,
            OutboxEntityKind::SoapNote,
            id,
            OutboxOperation::Create,
            &signed_note_payload(&note),
            now,
        )?;
        tx.commit()?;
        Ok(note)
    }

    /// Adds a correction to a signed note. A draft is refused (edit it instead).
    pub fn amend_soap_note(
        &self,
        id: Uuid,
        author: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<SoapNoteAmendment, StoreError> {
        require_text("amendment author", author)?;
        require_text("amendment text", text)?;
        let now = server_precision(now);
        let tx = self.write_transaction()?;
        let note = read_note(&tx, id)?.ok_or_else(|| not_found(id))?;
        if note.signed.is_none() {
            return Err(StoreError::Invalid {
                what: "soap note",
                detail: format!("note {id} is a draft: edit it, amendments are for signed notes"),
            });
        }
        let amendment = SoapNoteAmendment {
            id: Uuid::new_v4(),
            note_id: id,
            author: author.trim().to_string(),
            text: text.trim().to_string(),
            created_at: now,
        };
        tx.execute(
            "INSERT INTO soap_note_amendments (id, note_id, author, text, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                uuid_text(amendment.id),
                uuid_text(id),
                amendment.author,
                amendment.text,
                time_text(now),
            ],
        )?;
        enqueue(
            &tx,
            OutboxEntityKind::SoapNoteAmendment,
            amendment.id,
            OutboxOperation::Create,
            &serde_json::json!({
                "note_id": id,
                "id": amendment.id,
                "author": amendment.author,
                "text": amendment.text,
                "created_at": time_text(now),
            }),
            now,
        )?;
        tx.commit()?;
        Ok(amendment)
    }

    /// Keeps a signed note pulled from the server (signed on another device of the care team)
    /// with its amendments; what is already here stays as it is (signed notes never change).
    /// Returns whether anything was new.
    pub fn upsert_pulled_soap_note(&self, note: &SoapNoteRow) -> Result<bool, StoreError> {
        let Some(signed) = &note.signed else {
            return Err(StoreError::Invalid {
                what: "soap note",
                detail: format!("pulled note {} is not signed", note.id),
            });
        };
        let tx = self.write_transaction()?;
        let mut new = tx.execute(
            "INSERT OR IGNORE INTO soap_notes (id, session_id, transcript_id, document, drafted_by,
                 created_at, updated_at, signed_by, signed_at, summary, origin)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?7, ?9, 'pulled')",
            params![
                uuid_text(note.id),
                uuid_text(note.session_id),
                note.transcript_id.map(uuid_text),
                note.document.to_string(),
                note.drafted_by,
                time_text(note.created_at),
                time_text(signed.at),
                signed.by,
                note.summary.as_ref().map(|s| s.to_string()),
            ],
        )? > 0;
        for amendment in &note.amendments {
            new |= tx.execute(
                "INSERT OR IGNORE INTO soap_note_amendments (id, note_id, author, text, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    uuid_text(amendment.id),
                    uuid_text(note.id),
                    amendment.author,
                    amendment.text,
                    time_text(amendment.created_at),
                ],
            )? > 0;
        }
        tx.commit()?;
        Ok(new)
    }
}

/// The outbox payload of a signed note: the API's `CreateSignedNoteRequest` (the sync client
/// checks it against that type before sending).
fn signed_note_payload(note: &SoapNoteRow) -> serde_json::Value {
    serde_json::json!({
        "id": note.id,
        "session_id": note.session_id,
        "transcript_id": note.transcript_id,
        "drafted_by": note.drafted_by,
        "drafted_at": time_text(note.created_at),
        "signed_by": note.signed.as_ref().map(|s| s.by.clone()),
        "signed_at": note.signed.as_ref().map(|s| time_text(s.at)),
        "document": note.document,
        "summary": note.summary,
    })
}
