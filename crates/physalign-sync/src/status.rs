//! What `physalign sync --status` shows.

use physalign_store::sync_state::{ConflictRecord, FailedEntry, RemoteRecordKind};
use physalign_store::{OutboxEntityKind, Store, StoreError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `sync_meta` key: when a sync last finished with nothing left.
pub const LAST_SUCCESS: &str = "last_success_at";
/// `sync_meta` key: when a sync round last ran.
pub const LAST_ATTEMPT: &str = "last_attempt_at";
/// `sync_meta` key: the last round's problem, empty when it went well.
pub const LAST_ERROR: &str = "last_error";

/// A conflict as listed in the status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictSummary {
    /// Conflict id.
    pub id: i64,
    /// Kind of record.
    pub entity_type: OutboxEntityKind,
    /// The record.
    pub entity_id: Uuid,
    /// Local version kept.
    pub local_version: Option<i64>,
    /// Server version kept.
    pub server_version: Option<i64>,
    /// Whether the server's copy could be saved alongside.
    pub server_copy_saved: bool,
}

impl From<ConflictRecord> for ConflictSummary {
    fn from(c: ConflictRecord) -> Self {
        ConflictSummary {
            id: c.id,
            entity_type: c.entity_type,
            entity_id: c.entity_id,
            local_version: c.local_version,
            server_version: c.server_version,
            server_copy_saved: c.server_record.is_some(),
        }
    }
}

/// The sync state of this device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncStatus {
    /// The server, once someone logged in.
    pub server_url: Option<String>,
    /// The account.
    pub email: Option<String>,
    /// The account's role.
    pub role: Option<String>,
    /// Why sync waits for a new login, if it does.
    pub login_required: Option<String>,
    /// Entries waiting for delivery.
    pub pending: i64,
    /// Entries given up on.
    pub failed: i64,
    /// Entries delivered.
    pub done: i64,
    /// The failed entries with their reasons.
    pub failed_entries: Vec<FailedEntry>,
    /// Records edited here and on the server.
    pub conflicts: Vec<ConflictSummary>,
    /// When a sync last finished with nothing pending.
    pub last_success_at: Option<String>,
    /// When a sync last ran.
    pub last_attempt_at: Option<String>,
    /// What went wrong last, if anything.
    pub last_error: Option<String>,
    /// Sessions pulled from the server (including prescriptions).
    pub pulled_sessions: usize,
    /// Reviews pulled from the server.
    pub pulled_reviews: usize,
}

/// Reads the status from `store` (which must have the sync schema).
pub fn read_status(store: &Store) -> Result<SyncStatus, StoreError> {
    let identity = store.sync_identity()?;
    let counts = store.outbox_counts()?;
    Ok(SyncStatus {
        server_url: identity.as_ref().map(|i| i.server_url.clone()),
        email: identity.as_ref().map(|i| i.email.clone()),
        role: identity.as_ref().and_then(|i| i.role.clone()),
        login_required: identity
            .as_ref()
            .and_then(|i| i.login_required_reason.clone()),
        pending: counts.pending,
        failed: counts.failed,
        done: counts.done,
        failed_entries: store.failed_outbox(1000)?,
        conflicts: store
            .open_conflicts()?
            .into_iter()
            .map(ConflictSummary::from)
            .collect(),
        last_success_at: store.sync_meta(LAST_SUCCESS)?,
        last_attempt_at: store.sync_meta(LAST_ATTEMPT)?,
        last_error: store.sync_meta(LAST_ERROR)?.filter(|e| !e.is_empty()),
        pulled_sessions: store.remote_records(RemoteRecordKind::Session)?.len(),
        pulled_reviews: store.remote_records(RemoteRecordKind::Review)?.len(),
    })
}
