//! PhysAlign's on-device store of record, in SQLite.
//!
//! Everything the device records lands here first: exercise sessions with their per-frame pose
//! data, repetitions and form issues; transcripts with their segments; clinical notes. Each
//! business row has a client-generated UUID, and each write of something the central API accepts
//! (sessions, their transcripts and notes, reviews, program items) enqueues its upload in the
//! `outbox` table in the same transaction, for the sync worker to deliver later. Each entry
//! belongs to the identity signed in when it was made and is only delivered for it.
//!
//! Pose frames arrive at video rate, so they go through a [`FrameWriter`]: its own thread and
//! connection, fed by a bounded channel, committing in batches.
//!
//! The file is encrypted with SQLCipher; [`DatabaseKey::resolve`] says where its key comes from
//! (a passphrase in `PHYSALIGN_DB_PASSPHRASE`, else the OS keyring), and a plain database of an
//! earlier version is encrypted in place when first opened.
//!
//! The schema is in `migrations/sqlite/`, embedded in the binary and applied on [`Store::open`]:
//! every table, the sync client's and the recording engine's included, comes from there.

#![warn(missing_docs)]

pub mod appointments;
mod assessments;
mod clinical;
mod connection;
mod encryption;
mod error;
mod frame_writer;
mod frames;
mod key;
pub mod landmark_codec;
mod migrations;
mod monitoring;
pub mod outbox;
mod outcomes;
mod recordings;
mod records;
mod sessions;
mod soap_notes;
mod sql_values;
pub mod sync_state;
mod transcript_retention;
mod transcripts;
mod workspace;

pub use appointments::{
    Appointment, AppointmentAction, AppointmentChange, AppointmentConflict, AppointmentKind,
    AppointmentMove, AppointmentStatus, ConflictResolution, GoalStatus, NewAppointment, NoShowMark,
    NoShowRecord, Preparation, PreviousSession, RecurrencePattern, RecurrenceRule, TherapyGoal,
};
pub use assessments::GoniometerRecord;
pub use clinical::{
    week_start, Adherence, AlertAcknowledgement, CarePatient, CarePatientOverview, ClinicalAlert,
    ConsentSettings, ProgramItem, ProgramItemChange, ProgramItemEdit, ProgramItemStatus,
    PulledSession, RecordOrigin, SessionOverview, SessionReview,
};
pub use error::StoreError;
pub use frame_writer::{FrameWriter, FrameWriterConfig, WriteStats};
pub use key::{DatabaseKey, KeySource, KeyringUse, NO_KEYRING_ENV, PASSPHRASE_ENV};
pub use landmark_codec::LandmarkEncoding;
pub use migrations::SCHEMA_VERSION;
pub use monitoring::{
    check_review_minutes, start_of_day, SessionDay, TimedReview, REVIEW_MINUTES_MAX,
};
pub use outbox::{OutboxCounts, OutboxEntityKind, OutboxOperation};
pub use outcomes::{NewOutcomeResponse, OutcomePlan, OutcomeResponse, Respondent};
pub use physalign_domain::{SessionStatus, TranscriptRemoval, UnknownValue};
pub use physalign_outcomes::Instrument;
pub use recordings::RecordingInfo;
pub use records::{
    FormIssueEvent, FrameRecord, NewSession, OutboxEntry, OutboxStatus, RepetitionRecord,
    SegmentRecord, SessionCompletion, SessionDetail, SessionRow, TranscriptRecord,
};
pub use soap_notes::{Signature, SoapNoteAmendment, SoapNoteRow};
pub use transcript_retention::{RemoteTranscriptRetention, TranscriptRetention};
pub use transcripts::ClinicalNotesRow;
pub use workspace::{ProgramItemActivity, SessionRomSample, UnreviewedSession};

use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};

/// An open store: one SQLite connection for reads and small writes.
///
/// A `Store` is `Send` but not `Sync`; open one per thread (they share the file safely, WAL lets
/// readers run while a writer commits).
pub struct Store {
    conn: Connection,
    path: PathBuf,
    key: DatabaseKey,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens the store at `path` with the key from this process's environment
    /// ([`DatabaseKey::resolve`]: `PHYSALIGN_DB_PASSPHRASE`, else the OS keyring); see
    /// [`Store::open_with_key`].
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_with_key(path, DatabaseKey::resolve()?)
    }

    /// Opens the encrypted store at `path` with `key`, creating the file and its parent
    /// directories if needed (a plain database of an earlier version is encrypted in place
    /// first), and applies pending migrations. Opening an up-to-date store changes nothing.
    ///
    /// `path` must be a real file: the frame writer opens its own connection to it.
    pub fn open_with_key(path: &Path, key: DatabaseKey) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
                action: "creating directory",
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let mut conn = connection::open_connection(path, &key)?;
        migrations::migrate(&mut conn)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            key,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The applied schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    /// Size of the database in bytes (`page_count * page_size`), including changes still in
    /// the write-ahead log.
    pub fn storage_bytes(&self) -> Result<u64, StoreError> {
        let pages: i64 = self
            .conn
            .query_row("PRAGMA page_count", [], |row| row.get(0))?;
        // SQLCipher answers `PRAGMA page_size` of an encrypted file as text.
        let page_size: i64 =
            self.conn.query_row("PRAGMA page_size", [], |row| match row
                .get::<_, rusqlite::types::Value>(0)?
            {
                rusqlite::types::Value::Integer(size) => Ok(size),
                rusqlite::types::Value::Text(size) => Ok(size.parse().unwrap_or(0)),
                _ => Ok(0),
            })?;
        Ok(u64::try_from(pages.saturating_mul(page_size)).unwrap_or(0))
    }

    /// Runs `PRAGMA integrity_check`; returns the problems found, empty when the file is sound.
    pub fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let lines = stmt
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(lines.into_iter().filter(|line| line != "ok").collect())
    }

    /// Starts a write transaction. IMMEDIATE takes the write lock up front: a deferred one that
    /// read first could fail with `SQLITE_BUSY_SNAPSHOT` when the frame writer commits meanwhile,
    /// which the busy timeout does not retry.
    pub(crate) fn write_transaction(&self) -> Result<Transaction<'_>, StoreError> {
        Ok(Transaction::new_unchecked(
            &self.conn,
            TransactionBehavior::Immediate,
        )?)
    }

    /// Copies the write-ahead log into the database file and truncates the log, e.g. before a
    /// backup or a size measurement.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn store_and_writer_can_move_to_other_threads() {
        fn assert_send<T: Send>() {}
        assert_send::<super::Store>();
        assert_send::<super::FrameWriter>();
    }
}
