//! Request bodies streamed to a local file as they arrive.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::StorageError;

/// Why a streamed body could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// More bytes than allowed arrived.
    #[error("the body exceeds {0} bytes")]
    TooLarge(u64),
    /// The client's body broke off.
    #[error("the request body could not be read: {0}")]
    Body(String),
    /// Writing failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A body streamed into a file, never held in memory whole: where it is, how long, its hex
/// SHA-256. The file is removed when this is dropped.
pub struct Received {
    /// The file.
    pub path: PathBuf,
    /// Bytes.
    pub size: u64,
    /// Hex SHA-256.
    pub sha256: String,
}

impl Drop for Received {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Streams `body` into a new file under `dir`, fsynced, refusing it beyond `limit` bytes
/// (checked as the bytes arrive, so a lying or absent `Content-Length` changes nothing).
pub async fn receive_to_file(
    dir: &Path,
    body: axum::body::Body,
    limit: u64,
) -> Result<Received, ReceiveError> {
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(StorageError::from)?;
    let mut received = Received {
        path: dir.join(format!("{}.part", Uuid::new_v4())),
        size: 0,
        sha256: String::new(),
    };
    let mut file = tokio::fs::File::create(&received.path)
        .await
        .map_err(StorageError::from)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ReceiveError::Body(e.to_string()))?;
        size = size.saturating_add(chunk.len() as u64);
        if size > limit {
            return Err(ReceiveError::TooLarge(limit));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(StorageError::from)?;
    }
    file.sync_all().await.map_err(StorageError::from)?;
    drop(file);
    received.size = size;
    received.sha256 = hex::encode(hasher.finalize());
    Ok(received)
}
