//! Where the bytes of resumable uploads wait until the upload is completed: on this machine's
//! disk ([`DiskStaging`], one server) or as objects in the shared blob store ([`ObjectStaging`],
//! any number of replicas: a chunk acknowledged by one is there for every other).

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{blocking, sync_dir, BlobStore, Staged, StorageError};

/// The staging of resumable uploads the server uses.
pub enum UploadStaging {
    /// On this machine's disk.
    Disk(DiskStaging),
    /// As objects in the shared blob store.
    Objects(ObjectStaging),
}

impl UploadStaging {
    /// Prepares upload `id`'s staging (the empty file on disk; nothing for objects).
    pub async fn create(&self, id: Uuid) -> Result<(), StorageError> {
        match self {
            Self::Disk(disk) => disk.create(id).await,
            Self::Objects(_) => Ok(()),
        }
    }

    /// Writes the chunk `bytes` starting at `offset` (the acknowledged length), durably, before
    /// the caller acknowledges it. Returns the object key to record with the chunk when staged
    /// as objects (the database then lists the acknowledged chunks in order).
    pub async fn write_chunk(
        &self,
        id: Uuid,
        offset: u64,
        bytes: Bytes,
    ) -> Result<Option<String>, StorageError> {
        match self {
            Self::Disk(disk) => disk.write_at(id, offset, bytes).await.map(|()| None),
            Self::Objects(objects) => objects.write_chunk(id, offset, bytes).await.map(Some),
        }
    }

    /// Hex SHA-256 of the first `len` bytes of upload `id`, whose acknowledged chunk objects are
    /// `chunks` in order (ignored on disk); fewer bytes than `len` is
    /// [`StorageError::StagingLost`].
    pub async fn digest(
        &self,
        id: Uuid,
        len: u64,
        chunks: &[String],
    ) -> Result<String, StorageError> {
        match self {
            Self::Disk(disk) => disk.digest(id, len).await,
            Self::Objects(objects) => objects.digest(len, chunks).await,
        }
    }

    /// The staged bytes of upload `id` to store as a file.
    pub fn staged(&self, id: Uuid, chunks: Vec<String>) -> Staged {
        match self {
            Self::Disk(disk) => Staged::File(disk.path(id)),
            Self::Objects(_) => Staged::Objects(chunks),
        }
    }

    /// Deletes upload `id`'s staged bytes; none is fine.
    pub async fn remove(&self, id: Uuid) -> Result<(), StorageError> {
        match self {
            Self::Disk(disk) => disk.remove(id).await,
            Self::Objects(objects) => objects.remove(id).await,
        }
    }
}

/// Resumable uploads staged as objects in the shared blob store: one object per chunk written,
/// under a key of its own (`staging/uploads/{id}/{offset}-{write}`), so that a late write of an
/// abandoned attempt never overwrites an acknowledged chunk. Which chunks were acknowledged, in
/// what order, is recorded in PostgreSQL with the offset; objects of unacknowledged attempts are
/// ignored and deleted with the upload.
pub struct ObjectStaging {
    store: Arc<dyn BlobStore>,
}

impl ObjectStaging {
    /// Chunks as objects in `store`, under `staging/uploads/` (no file key starts so).
    pub fn new(store: Arc<dyn BlobStore>) -> Self {
        Self { store }
    }

    fn prefix(id: Uuid) -> String {
        format!("staging/uploads/{id}/")
    }

    async fn write_chunk(
        &self,
        id: Uuid,
        offset: u64,
        bytes: Bytes,
    ) -> Result<String, StorageError> {
        let key = format!("{}{offset:020}-{}", Self::prefix(id), Uuid::new_v4());
        self.store.put(&key, bytes).await?;
        Ok(key)
    }

    async fn digest(&self, len: u64, chunks: &[String]) -> Result<String, StorageError> {
        let (found, sha256) = self.store.digest(chunks).await?;
        if found != len {
            return Err(StorageError::StagingLost {
                found,
                acknowledged: len,
            });
        }
        Ok(sha256)
    }

    async fn remove(&self, id: Uuid) -> Result<(), StorageError> {
        self.store.remove_prefix(&Self::prefix(id)).await
    }
}

/// Resumable uploads staged on this machine's disk: one file per upload, written chunk by chunk.
///
/// The database holds the acknowledged offset; the file may hold more (a chunk written but whose
/// acknowledgement never committed), which the next write drops first.
pub struct DiskStaging {
    dir: PathBuf,
}

impl DiskStaging {
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

#[cfg(test)]
mod tests {
    use super::super::LocalDiskStore;
    use super::*;

    #[tokio::test]
    async fn staging_drops_unacknowledged_bytes_and_finishes_into_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDiskStore::new(dir.path().to_path_buf());
        let staging = DiskStaging::new(dir.path().join(".resumable"));
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
            .put_staged("sessions/s/pose_data", Staged::File(staging.path(id)))
            .await
            .unwrap();
        // Idempotent: a retry after a crash does the same again.
        store
            .put_staged("sessions/s/pose_data", Staged::File(staging.path(id)))
            .await
            .unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("sessions/s/pose_data")).unwrap(),
            b"hello world"
        );
        staging.remove(id).await.unwrap();
        staging.remove(id).await.unwrap();
    }

    #[tokio::test]
    async fn object_staging_keeps_only_the_acknowledged_chunks_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn BlobStore> = Arc::new(LocalDiskStore::new(dir.path().to_path_buf()));
        let staging = UploadStaging::Objects(ObjectStaging::new(store.clone()));
        let id = Uuid::new_v4();
        staging.create(id).await.unwrap();
        let first = staging
            .write_chunk(id, 0, Bytes::from_static(b"hello "))
            .await
            .unwrap()
            .unwrap();
        // An attempt never acknowledged, then the retry of the same offset.
        staging
            .write_chunk(id, 6, Bytes::from_static(b"garbage!!"))
            .await
            .unwrap();
        let second = staging
            .write_chunk(id, 6, Bytes::from_static(b"world"))
            .await
            .unwrap()
            .unwrap();
        let acknowledged = vec![first.clone(), second.clone()];
        assert_eq!(
            staging.digest(id, 11, &acknowledged).await.unwrap(),
            hex::encode(Sha256::digest(b"hello world"))
        );
        assert!(matches!(
            staging.digest(id, 12, &acknowledged).await,
            Err(StorageError::StagingLost { found: 11, .. })
        ));
        store
            .put_staged("sessions/s/video", staging.staged(id, acknowledged.clone()))
            .await
            .unwrap();
        assert_eq!(
            &store.get("sessions/s/video").await.unwrap()[..],
            b"hello world"
        );
        staging.remove(id).await.unwrap();
        assert!(!store.exists(&first).await.unwrap());
        assert!(matches!(
            staging.digest(id, 11, &acknowledged).await,
            Err(StorageError::StagingLost { found: 0, .. })
        ));
        staging.remove(id).await.unwrap();
    }
}
