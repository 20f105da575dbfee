//! The blob store of one machine: files under a root directory.

use std::path::PathBuf;

use axum::body::Bytes;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{blocking, sync_dir, valid_key, BlobStore, Staged, StorageError, StoreFuture};

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
        if !valid_key(key) {
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

    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Bytes> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            Ok(Bytes::from(tokio::fs::read(path).await?))
        })
    }

    fn put_staged<'a>(&'a self, key: &'a str, staged: Staged) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            let parts = match &staged {
                Staged::File(_) => Vec::new(),
                Staged::Objects(keys) => keys
                    .iter()
                    .map(|k| self.path_of(k))
                    .collect::<Result<Vec<_>, _>>()?,
            };
            blocking(move || {
                let parent = path
                    .parent()
                    .ok_or_else(|| StorageError::InvalidKey(path.display().to_string()))?;
                std::fs::create_dir_all(parent)?;
                // Link (or copy) aside, then rename: readers never see half a file, and the
                // staged bytes survive until the upload is recorded as completed.
                let tmp = path.with_extension(format!("part-{}", uuid::Uuid::new_v4()));
                match staged {
                    Staged::File(file) => {
                        if std::fs::hard_link(&file, &tmp).is_err() {
                            std::fs::copy(&file, &tmp)?;
                            std::fs::File::open(&tmp)?.sync_all()?;
                        }
                    }
                    Staged::Objects(_) => {
                        let mut out = std::fs::File::create(&tmp)?;
                        for part in &parts {
                            std::io::copy(&mut std::fs::File::open(part)?, &mut out)?;
                        }
                        out.sync_all()?;
                    }
                }
                std::fs::rename(&tmp, &path)?;
                sync_dir(parent)?;
                Ok(())
            })
            .await
        })
    }

    fn digest<'a>(&'a self, keys: &'a [String]) -> StoreFuture<'a, (u64, String)> {
        Box::pin(async move {
            let parts = keys
                .iter()
                .map(|k| self.path_of(k))
                .collect::<Result<Vec<_>, _>>()?;
            blocking(move || {
                let mut hasher = Sha256::new();
                let mut total = 0u64;
                for part in parts {
                    let mut file = match std::fs::File::open(&part) {
                        Ok(file) => file,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                            return Err(StorageError::StagingLost {
                                found: total,
                                acknowledged: total + 1,
                            })
                        }
                        Err(e) => return Err(e.into()),
                    };
                    total += std::io::copy(&mut file, &mut hasher)?;
                }
                Ok((total, hex::encode(hasher.finalize())))
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

    fn remove_prefix<'a>(&'a self, prefix: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let dir = self.path_of(prefix.trim_end_matches('/'))?;
            match tokio::fs::remove_dir_all(dir).await {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
