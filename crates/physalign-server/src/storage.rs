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
    /// Keeps the file at `key` also under `archived` (the earlier version of a replaced file);
    /// `Ok(false)` when there is no file at `key`.
    fn archive<'a>(&'a self, key: &'a str, archived: &'a str) -> StoreFuture<'a, bool>;
    /// Deletes the file at `key`; a missing file is fine.
    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;
    /// Session ids that have a folder of files (`sessions/{id}/`), with the folder's age.
    fn session_folders(&self) -> StoreFuture<'_, Vec<(Uuid, std::time::Duration)>>;
    /// Deletes a session's folder and every file in it.
    fn remove_session(&self, session_id: Uuid) -> StoreFuture<'_, ()>;
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

    fn archive<'a>(&'a self, key: &'a str, archived: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let from = self.path_of(key)?;
            let to = self.path_of(archived)?;
            blocking(move || {
                if !from.exists() {
                    return Ok(false);
                }
                if to.exists() {
                    return Ok(true);
                }
                if std::fs::hard_link(&from, &to).is_err() {
                    std::fs::copy(&from, &to)?;
                    std::fs::File::open(&to)?.sync_all()?;
                }
                if let Some(parent) = to.parent() {
                    sync_dir(parent)?;
                }
                Ok(true)
            })
            .await
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            match tokio::fs::remove_file(path).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            }
        })
    }

    fn session_folders(&self) -> StoreFuture<'_, Vec<(Uuid, std::time::Duration)>> {
        let dir = self.root.join("sessions");
        Box::pin(blocking(move || {
            let mut found = Vec::new();
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
                Err(e) => return Err(e.into()),
            };
            for entry in entries.flatten() {
                let Some(id) = entry
                    .file_name()
                    .to_str()
                    .and_then(|n| Uuid::parse_str(n).ok())
                else {
                    continue;
                };
                let age = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .unwrap_or_default();
                found.push((id, age));
            }
            Ok(found)
        }))
    }

    fn remove_session(&self, session_id: Uuid) -> StoreFuture<'_, ()> {
        let dir = self.root.join("sessions").join(session_id.to_string());
        Box::pin(async move {
            match tokio::fs::remove_dir_all(dir).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            }
        })
    }
}

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

/// The id of a signing key: the first 16 hex digits of a domain-separated SHA-256 of it, so
/// that rotating a key needs no separate id to configure and the id reveals nothing.
pub fn key_id(purpose: &str, secret: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"physalign-key-id:");
    hasher.update(purpose.as_bytes());
    hasher.update(b":");
    hasher.update(secret);
    hex::encode(hasher.finalize())[..16].to_string()
}

/// Signs `PUT <key>` for one uploader until an expiry time, with the current key; checks with
/// the current or an earlier key (issue 17: rotated without breaking URLs already handed out).
pub struct UploadSigner {
    /// `(key id, key)`, the current one first.
    keys: Vec<(String, Vec<u8>)>,
}

impl UploadSigner {
    /// A signer with `current` and the `previous` keys still accepted.
    pub fn new(current: &[u8], previous: &[&[u8]]) -> Self {
        let keys = std::iter::once(current)
            .chain(previous.iter().copied())
            .map(|k| (key_id("upload", k), k.to_vec()))
            .collect();
        Self { keys }
    }

    /// A signer keyed from the access-token secret when no upload secret is set: derived with
    /// HMAC under its own label, so the two uses never share a key.
    pub fn derived_from(secrets: &[&[u8]]) -> Self {
        let derived: Vec<Vec<u8>> = secrets
            .iter()
            .map(|s| {
                let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(s)
                    .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
                mac.update(b"physalign-upload-url-key");
                mac.finalize().into_bytes().to_vec()
            })
            .collect();
        let refs: Vec<&[u8]> = derived.iter().map(Vec::as_slice).collect();
        Self::new(refs[0], &refs[1..])
    }

    /// The current key's id.
    pub fn current_kid(&self) -> &str {
        &self.keys[0].0
    }

    fn mac(key: &[u8], storage_key: &str, expires: i64, uploader: Uuid) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(format!("PUT\n{storage_key}\n{expires}\n{uploader}").as_bytes());
        mac
    }

    /// `(key id, hex signature)` for `storage_key`, valid until `expires` (Unix seconds), for
    /// the user `uploader` (whose quota the file counts against).
    pub fn sign(&self, storage_key: &str, expires: i64, uploader: Uuid) -> (String, String) {
        let (kid, key) = &self.keys[0];
        let sig = hex::encode(
            Self::mac(key, storage_key, expires, uploader)
                .finalize()
                .into_bytes(),
        );
        (kid.clone(), sig)
    }

    /// Whether `signature` is valid (constant-time) under the key `kid` names, or under any
    /// accepted key when no id is given.
    pub fn verify(
        &self,
        storage_key: &str,
        expires: i64,
        uploader: Uuid,
        kid: Option<&str>,
        signature: &str,
    ) -> bool {
        let Ok(sig) = hex::decode(signature) else {
            return false;
        };
        self.keys
            .iter()
            .filter(|(id, _)| kid.is_none_or(|k| k == id))
            .any(|(_, key)| {
                Self::mac(key, storage_key, expires, uploader)
                    .verify_slice(&sig)
                    .is_ok()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_binds_key_expiry_and_uploader_and_survives_rotation() {
        let u = Uuid::new_v4();
        let old = UploadSigner::new(b"old-secret", &[]);
        let (old_kid, sig) = old.sign("sessions/a/video", 100, u);
        assert!(old.verify("sessions/a/video", 100, u, Some(&old_kid), &sig));
        assert!(!old.verify("sessions/b/video", 100, u, None, &sig));
        assert!(!old.verify("sessions/a/video", 101, u, None, &sig));
        assert!(!old.verify("sessions/a/video", 100, Uuid::new_v4(), None, &sig));
        assert!(!old.verify("sessions/a/video", 100, u, None, "zz"));
        // Rotated: new URLs carry the new key's id, old ones still verify.
        let rotated = UploadSigner::new(b"new-secret", &[b"old-secret"]);
        assert_ne!(rotated.current_kid(), old_kid);
        assert!(rotated.verify("sessions/a/video", 100, u, Some(&old_kid), &sig));
        assert!(!rotated.verify(
            "sessions/a/video",
            100,
            u,
            Some(rotated.current_kid()),
            &sig
        ));
        // Dropped from the list: refused.
        let dropped = UploadSigner::new(b"new-secret", &[]);
        assert!(!dropped.verify("sessions/a/video", 100, u, Some(&old_kid), &sig));
        // Derived keys differ from the secret they come from.
        let derived = UploadSigner::derived_from(&[b"old-secret"]);
        assert_ne!(derived.current_kid(), old_kid);
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
