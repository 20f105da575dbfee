//! Tunables of the sync worker.

use std::time::Duration;

/// How the worker uploads and retries.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncConfig {
    /// Upload every n-th stored frame to `/api/sessions/{id}/data` (1 = all).
    pub frame_stride: usize,
    /// Also upload the full-rate frame set as a file, in chunks through a resumable upload.
    pub upload_raw_frames: bool,
    /// Bytes per chunk of a resumable upload (clamped to the server's maximum). A restart
    /// re-sends at most the one chunk that was in flight.
    pub upload_chunk_size: usize,
    /// First retry delay after a transient failure.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// Outbox entries fetched per round.
    pub batch_size: usize,
    /// Entries of different entities delivered at the same time.
    pub concurrency: usize,
    /// Per-request timeout; by default longer than the server works on one request, so a slow
    /// request ends in the server's answer rather than in doubt.
    pub request_timeout: Duration,
    /// How often a long-running worker pulls from the server when nothing is queued.
    pub pull_interval: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            frame_stride: 5,
            upload_raw_frames: false,
            upload_chunk_size: 1024 * 1024,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            batch_size: 64,
            concurrency: 4,
            request_timeout: Duration::from_secs(
                physalign_api::limits::CLIENT_REQUEST_TIMEOUT_SECS,
            ),
            pull_interval: Duration::from_secs(60),
        }
    }
}
