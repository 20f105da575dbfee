//! The store's error type.

use std::path::PathBuf;
use uuid::Uuid;

/// Everything that can go wrong reading or writing the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused an operation (constraint violation, I/O error, busy beyond the timeout ...).
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file-system operation around the database failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// No key for the database: no passphrase is set and no OS keyring can keep a generated key.
    #[error(
        "no key for the local database: {reason}. Set a passphrase for it, for example \
         `export PHYSALIGN_DB_PASSPHRASE='a long phrase only you know'`, and give the same one \
         every time (it is never stored)"
    )]
    KeyUnavailable {
        /// Why neither source gave a key.
        reason: String,
    },
    /// The key does not open the database (another passphrase, or another keyring's key).
    #[error(
        "the database key is wrong: {path} was encrypted with another key (a different \
         PHYSALIGN_DB_PASSPHRASE, or the OS keyring key of another account or computer), or it \
         is not a PhysAlign database at all"
    )]
    KeyWrong {
        /// The database file.
        path: PathBuf,
    },
    /// An unencrypted database from an earlier version is open in another program, so it cannot
    /// be encrypted in place now.
    #[error("{path} is an unencrypted database still open in another program; close it and try again so that it can be encrypted")]
    PlainDatabaseBusy {
        /// The database file.
        path: PathBuf,
    },
    /// A JSON column could not be written or read back.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// The database was written by a newer PhysAlign than this one.
    #[error("database schema version {found} is newer than the {supported} this build knows")]
    SchemaTooNew {
        /// `PRAGMA user_version` of the file.
        found: i64,
        /// The newest migration embedded in this build.
        supported: i64,
    },
    /// A stored value does not decode (hand-edited or damaged row).
    #[error("corrupt {what}: {detail}")]
    Corrupt {
        /// Which value.
        what: &'static str,
        /// Why it does not decode.
        detail: String,
    },
    /// A value cannot be stored as given.
    #[error("invalid {what}: {detail}")]
    Invalid {
        /// Which value.
        what: &'static str,
        /// Why it is refused.
        detail: String,
    },
    /// No exercise session has this id.
    #[error("no exercise session {0}")]
    SessionNotFound(Uuid),
    /// The session was already completed; completing twice would duplicate its repetitions.
    #[error("exercise session {0} is already completed")]
    SessionAlreadyCompleted(Uuid),
    /// No transcript has this id.
    #[error("no transcript {0}")]
    TranscriptNotFound(Uuid),
    /// The session has no transcript on this device.
    #[error("session {0} has no transcript")]
    SessionHasNoTranscript(Uuid),
    /// The session's transcript was purged or deleted.
    #[error("the transcript of session {session} was {reason}")]
    TranscriptRemoved {
        /// The session.
        session: Uuid,
        /// Purged or deleted.
        reason: physalign_domain::TranscriptRemoval,
    },
    /// No program item has this id on this device.
    #[error("no program item {0}")]
    ProgramItemNotFound(Uuid),
    /// The program item has ended; an ended item is not changed any more.
    #[error("program item {0} has ended")]
    ProgramItemEnded(Uuid),
    /// No alert has this id on this device.
    #[error("no alert {0}")]
    AlertNotFound(Uuid),
    /// No appointment with this id on this device.
    #[error("no appointment {0}")]
    AppointmentNotFound(Uuid),
    /// No open sync conflict with this id.
    #[error("no open conflict {0}")]
    ConflictNotFound(i64),
    /// No outbox entry has this id.
    #[error("no outbox entry {0}")]
    OutboxEntryNotFound(i64),
    /// The frame writer thread has stopped after an earlier error (already reported) or finish.
    #[error("frame writer has stopped")]
    WriterStopped,
    /// The frame writer thread panicked.
    #[error("frame writer thread panicked")]
    WriterPanicked,
}

impl StoreError {
    pub(crate) fn corrupt(what: &'static str, detail: impl ToString) -> Self {
        Self::Corrupt {
            what,
            detail: detail.to_string(),
        }
    }
}
