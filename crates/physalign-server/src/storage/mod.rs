//! Where recordings go: a storage backend behind [`BlobStore`] (local disk on one machine, or
//! S3-compatible object storage shared by any number of replicas), reached by clients through
//! expiring HMAC-signed upload URLs or chunk by chunk through resumable uploads, whose bytes wait
//! in [`UploadStaging`] until their checksum is verified.

mod local;
mod object;
mod receive;
mod signing;
mod staging;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use axum::body::Bytes;
use physalign_api::upload::UploadKind;
use uuid::Uuid;

pub use local::LocalDiskStore;
pub use object::{ObjectStorageError, S3Settings, S3Store};
pub use receive::{receive_to_file, ReceiveError, Received};
pub use signing::{key_id, UploadSigner};
pub use staging::{DiskStaging, ObjectStaging, UploadStaging};

/// Storage key of a session's file: the same for a signed-URL upload and a resumable one.
pub fn storage_key(session_id: Uuid, kind: UploadKind) -> String {
    format!("sessions/{session_id}/{}", kind.as_str())
}

/// Why storing failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The key could escape the storage root.
    #[error("invalid storage key {0:?}")]
    InvalidKey(String),
    /// File system error.
    #[error("storage I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The object store refused or failed a request.
    #[error("object storage error: {0}")]
    Object(#[from] object_store::Error),
    /// Staged bytes are fewer than were acknowledged (lost or truncated).
    #[error("staged bytes hold {found} bytes but {acknowledged} were acknowledged")]
    StagingLost {
        /// Bytes found.
        found: u64,
        /// Bytes the database says were acknowledged.
        acknowledged: u64,
    },
}

/// Runs blocking file work off the async threads; a panicked task is an I/O error.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StorageError::Io(std::io::Error::other(e.to_string())))?
}

/// Makes a directory's entries (a created or renamed file) survive a crash.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Future returned by [`BlobStore`] methods.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'a>>;

/// Where the bytes of a finished file are before it is stored.
#[derive(Debug, Clone)]
pub enum Staged {
    /// A file on this machine (a streamed request body, or a resumable upload staged on disk).
    File(PathBuf),
    /// Objects of the blob store itself, in order: their concatenation is the file (the chunks
    /// of a resumable upload staged as objects).
    Objects(Vec<String>),
}

/// A place to keep uploaded files by key.
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `key`, replacing what was there. Returns the hex SHA-256.
    fn put<'a>(&'a self, key: &'a str, bytes: Bytes) -> StoreFuture<'a, String>;
    /// The bytes stored under `key` (whole: for small files and checks).
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Bytes>;
    /// Whether `key` exists.
    fn exists<'a>(&'a self, key: &'a str) -> StoreFuture<'a, bool>;
    /// Stores the finished file `staged` under `key`, replacing what was there, durably.
    /// `staged` is left in place, so that a retry after a crash can do this again.
    fn put_staged<'a>(&'a self, key: &'a str, staged: Staged) -> StoreFuture<'a, ()>;
    /// Length and hex SHA-256 of the concatenation of the objects `keys`, streamed; a missing
    /// object is [`StorageError::StagingLost`].
    fn digest<'a>(&'a self, keys: &'a [String]) -> StoreFuture<'a, (u64, String)>;
    /// Keeps the file at `key` also under `archived` (the earlier version of a replaced file);
    /// `Ok(false)` when there is no file at `key`.
    fn archive<'a>(&'a self, key: &'a str, archived: &'a str) -> StoreFuture<'a, bool>;
    /// Deletes the file at `key`; a missing file is fine.
    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;
    /// Deletes every file whose key starts with `prefix` (which ends with `/`).
    fn remove_prefix<'a>(&'a self, prefix: &'a str) -> StoreFuture<'a, ()>;
    /// Session ids that have files (`sessions/{id}/`), with the age of the newest.
    fn session_folders(&self) -> StoreFuture<'_, Vec<(Uuid, std::time::Duration)>>;
    /// Deletes a session's files.
    fn remove_session(&self, session_id: Uuid) -> StoreFuture<'_, ()>;
}

/// Whether `key` is a relative path of plain parts (no `..`, no empty part, safe characters):
/// the only keys any store accepts, so that none escapes its root or prefix.
fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
}
