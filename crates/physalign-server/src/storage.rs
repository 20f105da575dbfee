//! Where recordings go: a storage backend behind [`BlobStore`] (local disk for now), reached
//! by clients through expiring HMAC-signed upload URLs or chunk by chunk through resumable
//! uploads, whose bytes wait in [`UploadStaging`] until their checksum is verified.

use std::future::Future;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;

use axum::body::Bytes;
use hmac::{Hmac, Mac};
use physalign_api::upload::UploadKind;
use sha2::{Digest, Sha256};
use uuid::Uuid;

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
    /// A staging file holds fewer bytes than were acknowledged (lost or truncated on disk).
    #[error("staging file holds {found} bytes but {acknowledged} were acknowledged")]
    StagingLost {
        /// Bytes found on disk.
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

/// A place to keep uploaded files by key.
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `key`, replacing what was there. Returns the hex SHA-256.
    fn put<'a>(&'a self, key: &'a str, bytes: Bytes) -> StoreFuture<'a, String>;
    /// Whether `key` exists.
    fn exists<'a>(&'a self, key: &'a str) -> StoreFuture<'a, bool>;
    /// Stores the finished file at `staged` under `key`, replacing what was there, durably.
    /// `staged` is left in place, so that a retry after a crash can do this again.
    fn put_file<'a>(&'a self, key: &'a str, staged: PathBuf) -> StoreFuture<'a, ()>;
}

/// Files under a root directory; the key is the relative path.
pub struct LocalDiskStore {
    root: PathBuf,
}

impl LocalDiskStore {
    /// Stores under `root` (created on first write).
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    fn path_of(&self, key: &str) -> Result<PathBuf, StorageError> {
        let valid = !key.is_empty()
            && key.split('/').all(|part| {
                !part.is_empty()
                    && part != "."
                    && part != ".."
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            });
        if !valid {
            return Err(StorageError::InvalidKey(key.to_string()));
        }
        Ok(self.root.join(key))
    }
}

impl BlobStore for LocalDiskStore {
    fn put<'a>(&'a self, key: &'a str, bytes: Bytes) -> StoreFuture<'a, String> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            // Write aside and rename, so a reader never sees half a file.
            let tmp = path.with_extension(format!("part-{}", uuid::Uuid::new_v4()));
            tokio::fs::write(&tmp, &bytes).await?;
            tokio::fs::rename(&tmp, &path).await?;
            Ok(hex::encode(Sha256::digest(&bytes)))
        })
    }

    fn exists<'a>(&'a self, key: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            Ok(tokio::fs::try_exists(path).await?)
        })
    }

    fn put_file<'a>(&'a self, key: &'a str, staged: PathBuf) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            blocking(move || {
                let parent = path
                    .parent()
                    .ok_or_else(|| StorageError::InvalidKey(path.display().to_string()))?;
                std::fs::create_dir_all(parent)?;
                // Link (or copy) aside, then rename: readers never see half a file, and the
                // staged file survives until the upload is recorded as completed.
                let tmp = path.with_extension(format!("part-{}", uuid::Uuid::new_v4()));
                if std::fs::hard_link(&staged, &tmp).is_err() {
                    std::fs::copy(&staged, &tmp)?;
                    std::fs::File::open(&tmp)?.sync_all()?;
                }
                std::fs::rename(&tmp, &path)?;
                sync_dir(parent)?;
                Ok(())
            })
            .await
        })
    }
}

/// Where the bytes of resumable uploads wait: one file per upload, written chunk by chunk.
///
/// The database holds the acknowledged offset; the file may hold more (a chunk written but whose
/// acknowledgement never committed), which the next write drops first.
pub struct UploadStaging {
    dir: PathBuf,
}

impl UploadStaging {
    /// Staging files under `dir` (created on first use). Keep it on the same file system as the
    /// blob store's root so that finishing an upload is a link, not a copy.
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The staging file of upload `id`.
    pub fn path(&self, id: uuid::Uuid) -> PathBuf {
        self.dir.join(format!("{id}.part"))
    }

    /// Creates the empty staging file, durably (file and directory entry).
    pub async fn create(&self, id: uuid::Uuid) -> Result<(), StorageError> {
        let dir = self.dir.clone();
        let path = self.path(id);
        blocking(move || {
            std::fs::create_dir_all(&dir)?;
            std::fs::File::create(&path)?.sync_all()?;
            sync_dir(&dir)?;
            Ok(())
        })
        .await
    }

    /// Writes `bytes` at `offset` (the acknowledged length), dropping anything beyond `offset`
    /// first, and fsyncs before returning: the caller acknowledges the chunk only afterwards.
    pub async fn write_at(
        &self,
        id: uuid::Uuid,
        offset: u64,
        bytes: Bytes,
    ) -> Result<(), StorageError> {
        let path = self.path(id);
        blocking(move || {
            let mut file = std::fs::OpenOptions::new().write(true).open(&path)?;
            let found = file.metadata()?.len();
            if found < offset {
                return Err(StorageError::StagingLost {
                    found,
                    acknowledged: offset,
                });
            }
            file.set_len(offset)?;
            file.seek(SeekFrom::Start(offset))?;
            file.write_all(&bytes)?;
            file.sync_data()?;
            Ok(())
        })
        .await
    }

    /// Hex SHA-256 of the first `len` bytes of upload `id`'s staging file.
    pub async fn digest(&self, id: uuid::Uuid, len: u64) -> Result<String, StorageError> {
        let path = self.path(id);
        blocking(move || {
            let file = std::fs::File::open(&path)?;
            let found = file.metadata()?.len();
            if found < len {
                return Err(StorageError::StagingLost {
                    found,
                    acknowledged: len,
                });
            }
            let mut reader = std::io::BufReader::with_capacity(1 << 20, file.take(len));
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = reader.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
            }
            Ok(hex::encode(hasher.finalize()))
        })
        .await
    }

    /// Deletes upload `id`'s staging file; a missing file is fine.
    pub async fn remove(&self, id: uuid::Uuid) -> Result<(), StorageError> {
        match tokio::fs::remove_file(self.path(id)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

/// Signs `PUT <key>` until an expiry time.
pub struct UploadSigner {
    key: Vec<u8>,
}

impl UploadSigner {
    /// A signer keyed from the server secret (domain-separated from the JWT use).
    pub fn new(secret: &[u8]) -> Self {
        let mut key = b"physalign-upload-url:".to_vec();
        key.extend_from_slice(secret);
        Self { key }
    }

    fn mac(&self, storage_key: &str, expires: i64) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(format!("PUT\n{storage_key}\n{expires}").as_bytes());
        mac
    }

    /// Hex signature for `storage_key` valid until `expires` (Unix seconds).
    pub fn sign(&self, storage_key: &str, expires: i64) -> String {
        hex::encode(self.mac(storage_key, expires).finalize().into_bytes())
    }

    /// Whether `signature` is valid for `storage_key` and `expires` (constant-time).
    pub fn verify(&self, storage_key: &str, expires: i64, signature: &str) -> bool {
        match hex::decode(signature) {
            Ok(sig) => self.mac(storage_key, expires).verify_slice(&sig).is_ok(),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_binds_key_and_expiry() {
        let signer = UploadSigner::new(b"secret");
        let sig = signer.sign("sessions/a/video", 100);
        assert!(signer.verify("sessions/a/video", 100, &sig));
        assert!(!signer.verify("sessions/b/video", 100, &sig));
        assert!(!signer.verify("sessions/a/video", 101, &sig));
        assert!(!signer.verify("sessions/a/video", 100, "zz"));
    }

    #[tokio::test]
    async fn disk_store_writes_and_refuses_escaping_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDiskStore::new(dir.path().to_path_buf());
        let sha = store
            .put("sessions/x/video", Bytes::from_static(b"abc"))
            .await
            .unwrap();
        assert_eq!(sha, hex::encode(Sha256::digest(b"abc")));
        assert_eq!(
            std::fs::read(dir.path().join("sessions/x/video")).unwrap(),
            b"abc"
        );
        assert!(store.exists("sessions/x/video").await.unwrap());
        assert!(store.put("../etc/passwd", Bytes::new()).await.is_err());
        assert!(store.put("a//b", Bytes::new()).await.is_err());
    }

    #[tokio::test]
    async fn staging_drops_unacknowledged_bytes_and_finishes_into_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDiskStore::new(dir.path().to_path_buf());
        let staging = UploadStaging::new(dir.path().join(".resumable"));
        let id = uuid::Uuid::new_v4();
        staging.create(id).await.unwrap();
        staging
            .write_at(id, 0, Bytes::from_static(b"hello "))
            .await
            .unwrap();
        // A chunk written but never acknowledged, then the client resends from offset 6.
        staging
            .write_at(id, 6, Bytes::from_static(b"garbage!!"))
            .await
            .unwrap();
        staging
            .write_at(id, 6, Bytes::from_static(b"world"))
            .await
            .unwrap();
        assert_eq!(
            staging.digest(id, 11).await.unwrap(),
            hex::encode(Sha256::digest(b"hello world"))
        );
        assert!(matches!(
            staging.write_at(id, 50, Bytes::new()).await,
            Err(StorageError::StagingLost { found: 11, .. })
        ));
        store
            .put_file("sessions/s/pose_data", staging.path(id))
            .await
            .unwrap();
        // Idempotent: a retry after a crash does the same again.
        store
            .put_file("sessions/s/pose_data", staging.path(id))
            .await
            .unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("sessions/s/pose_data")).unwrap(),
            b"hello world"
        );
        staging.remove(id).await.unwrap();
        staging.remove(id).await.unwrap();
    }
}
