//! Tunables of the sync worker.

use std::time::Duration;

/// How the worker uploads and retries.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncConfig {
    /// Upload every n-th stored frame to `/api/sessions/{id}/data` (1 = all).
    pub frame_stride: usize,
    /// Also upload the full-rate frame set as a file through a signed upload URL.
    pub upload_raw_frames: bool,
    /// First retry delay after a transient failure.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// Outbox entries fetched per round.
    pub batch_size: usize,
    /// Entries of different entities delivered at the same time.
    pub concurrency: usize,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// How often a long-running worker pulls from the server when nothing is queued.
    pub pull_interval: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            frame_stride: 5,
            upload_raw_frames: false,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            batch_size: 64,
            concurrency: 4,
            request_timeout: Duration::from_secs(30),
            pull_interval: Duration::from_secs(60),
        }
    }
}
