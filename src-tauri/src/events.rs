//! Names of the events the window listens to.

/// Recording events ([`physalign_recorder::RecorderEvent`]).
pub const RECORDER_EVENT: &str = "recorder";

/// Device-check events ([`physalign_recorder::device_check::CheckEvent`]).
pub const DEVICE_CHECK_EVENT: &str = "device-check";

/// Sync status updates ([`physalign_sync::SyncStatus`]).
pub const SYNC_EVENT: &str = "sync-status";
