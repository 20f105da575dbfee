//! SOAP notes: drafted on the device, edited, then signed by the clinician (issue 19).
//!
//! The store keeps the note's document as JSON (the workspace crate types it). A signed note is
//! immutable: the schema's triggers (`migrations/sqlite/1100_soap_notes.sql`) refuse any change
//! or deletion of it, so a correction is an [`SoapNoteAmendment`] with its author and time.
//! Signed notes stay on this device: the central API has no endpoint for them yet.

use crate::sql_values::{parse_opt_uuid, parse_time, parse_uuid, time_text, uuid_text};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
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
);

const NOTE_COLUMNS: &str = "id, session_id, transcript_id, document, drafted_by, created_at,
    updated_at, signed_by, signed_at";

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
    ))
}

fn note_row(conn: &Connection, columns: NoteColumns) -> Result<SoapNoteRow, StoreError> {
    let (id, session, transcript, document, drafted_by, created, updated, signed_by, signed_at) =
        columns;
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

    /// Signs a draft: from now on it is the record and only amendments are added.
    pub fn sign_soap_note(
        &self,
        id: Uuid,
        signer: &str,
        now: DateTime<Utc>,
    ) -> Result<SoapNoteRow, StoreError> {
        require_text("soap note signer", signer)?;
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
            "UPDATE soap_notes SET signed_by = ?2, signed_at = ?3, updated_at = ?3 WHERE id = ?1",
            params![uuid_text(id), signer, time_text(now)],
        )?;
        let note = read_note(&tx, id)?.ok_or_else(|| not_found(id))?;
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
        tx.commit()?;
        Ok(amendment)
    }
}
