//! Where recordings go: a storage backend behind [`BlobStore`] (local disk for now), reached
//! by clients through expiring HMAC-signed upload URLs.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use axum::body::Bytes;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Why storing failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The key could escape the storage root.
    #[error("invalid storage key {0:?}")]
    InvalidKey(String),
    /// File system error.
    #[error("storage I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Future returned by [`BlobStore`] methods.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'a>>;

/// A place to keep uploaded files by key.
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `key`, replacing what was there. Returns the hex SHA-256.
    fn put<'a>(&'a self, key: &'a str, bytes: Bytes) -> StoreFuture<'a, String>;
    /// Whether `key` exists.
    fn exists<'a>(&'a self, key: &'a str) -> StoreFuture<'a, bool>;
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
}
