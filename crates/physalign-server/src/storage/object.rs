//! The blob store shared by replicas: a bucket of S3-compatible object storage (AWS S3, MinIO,
//! SeaweedFS, Ceph...), through the `object_store` crate.
//!
//! Objects appear whole or not at all (a single `PUT`, or a multipart upload that becomes
//! visible on completion), so readers never see half a file, as with the disk store's renames.

use std::sync::Arc;

use axum::body::Bytes;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;
use uuid::Uuid;

use super::{valid_key, BlobStore, Staged, StorageError, StoreFuture};

/// Parts of a multipart upload: S3 wants at least 5 MiB for every part but the last.
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts of one file uploaded at once.
const PARTS_IN_FLIGHT: usize = 2;

/// Why the object store could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ObjectStorageError {
    /// No bucket named.
    #[error("--storage s3 needs --s3-bucket (PHYSALIGN_S3_BUCKET)")]
    MissingBucket,
    /// The settings were refused.
    #[error("object storage settings: {0}")]
    Settings(#[from] object_store::Error),
}

/// Files as objects in one bucket; the key is the object's name.
pub struct S3Store {
    inner: Arc<AmazonS3>,
}

/// How to reach a bucket.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// Endpoint URL of an S3-compatible service (none: AWS S3 of the region).
    pub endpoint: Option<String>,
    /// Bucket name.
    pub bucket: Option<String>,
    /// Region (`us-east-1` when unset; most S3-compatible services ignore it).
    pub region: Option<String>,
    /// Whether plain `http://` endpoints are allowed (a store inside the private network).
    pub allow_http: bool,
}

impl S3Store {
    /// A store for the bucket `settings` names. Credentials come from the environment
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, or the instance's
    /// role on AWS), never from flags, so they stay out of process listings.
    pub fn new(settings: &S3Settings) -> Result<Self, ObjectStorageError> {
        // TLS to the store through rustls on ring, the provider the rest of the workspace uses;
        // installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let bucket = settings
            .bucket
            .as_deref()
            .filter(|b| !b.is_empty())
            .ok_or(ObjectStorageError::MissingBucket)?;
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_region(settings.region.as_deref().unwrap_or("us-east-1"))
            .with_allow_http(settings.allow_http);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        Ok(Self {
            inner: Arc::new(builder.build()?),
        })
    }

    fn path_of(key: &str) -> Result<ObjectPath, StorageError> {
        if !valid_key(key) {
            return Err(StorageError::InvalidKey(key.to_string()));
        }
        Ok(ObjectPath::from(key))
    }

    /// Uploads the file at `file` to `path` in parts, never holding it whole in memory.
    async fn upload_file(
        &self,
        path: &ObjectPath,
        file: &std::path::Path,
    ) -> Result<(), StorageError> {
        let mut file = tokio::fs::File::open(file).await?;
        let size = file.metadata().await?.len();
        if size <= PART_BYTES as u64 {
            let mut bytes = Vec::with_capacity(size as usize);
            file.read_to_end(&mut bytes).await?;
            self.inner
                .put(path, PutPayload::from(Bytes::from(bytes)))
                .await?;
            return Ok(());
        }
        let upload = self.inner.put_multipart(path).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = match file.read(&mut buf).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e.into());
                }
            };
            if n == 0 {
                break;
            }
            writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
            writer.write(&buf[..n]);
        }
        writer.finish().await?;
        Ok(())
    }

    /// Uploads the concatenation of the objects `parts` to `path`, streamed through.
    async fn upload_concatenation(
        &self,
        path: &ObjectPath,
        parts: &[String],
    ) -> Result<(), StorageError> {
        let upload = self.inner.put_multipart(path).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        for part in parts {
            let source = Self::path_of(part)?;
            let mut stream = match self.inner.get(&source).await {
                Ok(got) => got.into_stream(),
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e.into());
                }
            };
            while let Some(piece) = stream.next().await {
                let piece = match piece {
                    Ok(piece) => piece,
                    Err(e) => {
                        let _ = writer.abort().await;
                        return Err(e.into());
                    }
                };
                writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
                writer.put(piece);
            }
        }
        writer.finish().await?;
        Ok(())
    }
}

fn not_found(e: &object_store::Error) -> bool {
    matches!(e, object_store::Error::NotFound { .. })
}

impl BlobStore for S3Store {
    fn put<'a>(&'a self, key: &'a str, bytes: Bytes) -> StoreFuture<'a, String> {
        Box::pin(async move {
            let path = Self::path_of(key)?;
            let sha256 = hex::encode(Sha256::digest(&bytes));
            self.inner.put(&path, PutPayload::from(bytes)).await?;
            Ok(sha256)
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Bytes> {
        Box::pin(async move {
            let path = Self::path_of(key)?;
            Ok(self.inner.get(&path).await?.bytes().await?)
        })
    }

    fn exists<'a>(&'a self, key: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let path = Self::path_of(key)?;
            match self.inner.head(&path).await {
                Ok(_) => Ok(true),
                Err(e) if not_found(&e) => Ok(false),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn put_staged<'a>(&'a self, key: &'a str, staged: Staged) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let path = Self::path_of(key)?;
            match staged {
                Staged::File(file) => self.upload_file(&path, &file).await,
                Staged::Objects(parts) => self.upload_concatenation(&path, &parts).await,
            }
        })
    }

    fn digest<'a>(&'a self, keys: &'a [String]) -> StoreFuture<'a, (u64, String)> {
        Box::pin(async move {
            let mut hasher = Sha256::new();
            let mut total = 0u64;
            for key in keys {
                let path = Self::path_of(key)?;
                let mut stream = match self.inner.get(&path).await {
                    Ok(got) => got.into_stream(),
                    Err(e) if not_found(&e) => {
                        return Err(StorageError::StagingLost {
                            found: total,
                            acknowledged: total + 1,
                        })
                    }
                    Err(e) => return Err(e.into()),
                };
                while let Some(piece) = stream.next().await {
                    let piece = piece?;
                    total += piece.len() as u64;
                    hasher.update(&piece);
                }
            }
            Ok((total, hex::encode(hasher.finalize())))
        })
    }

    fn archive<'a>(&'a self, key: &'a str, archived: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let from = Self::path_of(key)?;
            let to = Self::path_of(archived)?;
            match self.inner.head(&to).await {
                Ok(_) => return Ok(true),
                Err(e) if not_found(&e) => {}
                Err(e) => return Err(e.into()),
            }
            // A server-side copy: the bytes do not pass through this server.
            match self.inner.copy(&from, &to).await {
                Ok(()) => Ok(true),
                Err(e) if not_found(&e) => Ok(false),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let path = Self::path_of(key)?;
            match self.inner.delete(&path).await {
                Err(e) if !not_found(&e) => Err(e.into()),
                _ => Ok(()),
            }
        })
    }

    fn remove_prefix<'a>(&'a self, prefix: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let path = Self::path_of(prefix.trim_end_matches('/'))?;
            let mut listed = self.inner.list(Some(&path));
            while let Some(meta) = listed.next().await {
                match self.inner.delete(&meta?.location).await {
                    Err(e) if !not_found(&e) => return Err(e.into()),
                    _ => {}
                }
            }
            Ok(())
        })
    }

    fn session_folders(&self) -> StoreFuture<'_, Vec<(Uuid, std::time::Duration)>> {
        Box::pin(async move {
            let mut newest: std::collections::HashMap<Uuid, chrono::DateTime<chrono::Utc>> =
                std::collections::HashMap::new();
            let mut listed = self.inner.list(Some(&ObjectPath::from("sessions")));
            while let Some(meta) = listed.next().await {
                let meta = meta?;
                let Some(id) = meta
                    .location
                    .parts()
                    .nth(1)
                    .and_then(|p| Uuid::parse_str(p.as_ref()).ok())
                else {
                    continue;
                };
                let entry = newest.entry(id).or_insert(meta.last_modified);
                *entry = (*entry).max(meta.last_modified);
            }
            let now = chrono::Utc::now();
            Ok(newest
                .into_iter()
                .map(|(id, at)| (id, (now - at).to_std().unwrap_or_default()))
                .collect())
        })
    }

    fn remove_session(&self, session_id: Uuid) -> StoreFuture<'_, ()> {
        Box::pin(async move { self.remove_prefix(&format!("sessions/{session_id}/")).await })
    }
}
