//! SQL of resumable uploads (`resumable_uploads`): one row per declared file, its acknowledged
//! offset and state. Chunk and completion handlers lock the row for their whole transaction.

use chrono::{DateTime, Utc};
use physalign_api::upload::{ResumableUpload, UploadKind, UploadState};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::error::ApiError;

const COLUMNS: &str = "id, session_id, kind, size_bytes, sha256, received_offset, bytes_received,
     chunks_received, status, storage_key, expires_at";

/// A `resumable_uploads` row.
#[derive(Debug, sqlx::FromRow)]
pub struct UploadRow {
    /// Upload id.
    pub id: Uuid,
    /// The session the file belongs to.
    pub session_id: Uuid,
    /// `UploadKind` text.
    pub kind: String,
    /// Declared size.
    pub size_bytes: i64,
    /// Declared lowercase hex SHA-256.
    pub sha256: String,
    /// Bytes acknowledged (the next chunk starts here).
    pub received_offset: i64,
    /// Bytes received, refused chunks included.
    pub bytes_received: i64,
    /// Chunks received, refused ones included.
    pub chunks_received: i64,
    /// `open`, `completed`, `failed` or `expired`.
    pub status: String,
    /// Where the completed file is stored.
    pub storage_key: Option<String>,
    /// When an open upload expires.
    pub expires_at: DateTime<Utc>,
}

impl UploadRow {
    /// The state, counting an open upload past its expiry as expired.
    pub fn state(&self) -> UploadState {
        match self.status.as_str() {
            "completed" => UploadState::Completed,
            "failed" => UploadState::Failed,
            "expired" => UploadState::Expired,
            _ if self.expires_at <= Utc::now() => UploadState::Expired,
            _ => UploadState::Open,
        }
    }

    /// The acknowledged offset.
    pub fn offset(&self) -> u64 {
        u64::try_from(self.received_offset).unwrap_or(0)
    }

    /// The declared size.
    pub fn size(&self) -> u64 {
        u64::try_from(self.size_bytes).unwrap_or(0)
    }

    /// The kind of file.
    pub fn kind(&self) -> Result<UploadKind, ApiError> {
        UploadKind::parse(&self.kind)
            .ok_or_else(|| ApiError::internal(format!("upload kind {:?} in database", self.kind)))
    }

    /// The API's view of the upload.
    pub fn to_api(&self, max_chunk_bytes: u64) -> Result<ResumableUpload, ApiError> {
        Ok(ResumableUpload {
            upload_id: self.id,
            session_id: self.session_id,
            kind: self.kind()?,
            size_bytes: self.size(),
            sha256: self.sha256.clone(),
            offset: self.offset(),
            status: self.state(),
            max_chunk_bytes,
            bytes_received: u64::try_from(self.bytes_received).unwrap_or(0),
            chunks_received: u64::try_from(self.chunks_received).unwrap_or(0),
            expires_at: self.expires_at,
            storage_key: self.storage_key.clone(),
        })
    }
}

/// Open uploads past their expiry, which the clean-up expires.
pub async fn count_overdue(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM resumable_uploads WHERE status = 'open' AND expires_at < NOW()",
    )
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Marks up to 100 open uploads past their expiry as expired; returns their ids (whose bytes
/// the caller deletes).
pub async fn expire_overdue(pool: &PgPool) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE resumable_uploads SET status = 'expired', updated_at = NOW()
         WHERE id IN (SELECT id FROM resumable_uploads
                      WHERE status = 'open' AND expires_at < NOW()
                      ORDER BY expires_at LIMIT 100 FOR UPDATE SKIP LOCKED)
         RETURNING id",
    )
    .fetch_all(pool)
    .await
}

/// The declaration of a new upload.
#[derive(Debug)]
pub struct NewUpload<'a> {
    /// Upload id.
    pub id: Uuid,
    /// The user who may continue it.
    pub owner_user_id: Uuid,
    /// The session the file belongs to.
    pub session_id: Uuid,
    /// The kind of file.
    pub kind: UploadKind,
    /// Declared size.
    pub size_bytes: i64,
    /// Declared lowercase hex SHA-256.
    pub sha256: &'a str,
    /// When it expires unless continued.
    pub expires_at: DateTime<Utc>,
}

/// Inserts a new, open upload.
pub async fn insert(pool: &PgPool, upload: &NewUpload<'_>) -> Result<UploadRow, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO resumable_uploads (id, owner_user_id, session_id, kind, size_bytes, sha256,
                                        expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(upload.id)
    .bind(upload.owner_user_id)
    .bind(upload.session_id)
    .bind(upload.kind.as_str())
    .bind(upload.size_bytes)
    .bind(upload.sha256)
    .bind(upload.expires_at)
    .fetch_one(pool)
    .await
}

/// The upload `id` if `owner` created it.
pub async fn find_owned(
    pool: &PgPool,
    id: Uuid,
    owner: Uuid,
) -> Result<Option<UploadRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM resumable_uploads WHERE id = $1 AND owner_user_id = $2"
    ))
    .bind(id)
    .bind(owner)
    .fetch_optional(pool)
    .await
}

/// The upload `id` if `owner` created it, locked until the transaction ends.
pub async fn lock_owned(
    conn: &mut PgConnection,
    id: Uuid,
    owner: Uuid,
) -> Result<Option<UploadRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM resumable_uploads WHERE id = $1 AND owner_user_id = $2 FOR UPDATE"
    ))
    .bind(id)
    .bind(owner)
    .fetch_optional(conn)
    .await
}

/// Counts a refused chunk of `len` bytes (the offset stays).
pub async fn count_refused(conn: &mut PgConnection, id: Uuid, len: u64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE resumable_uploads SET bytes_received = bytes_received + $2,
             chunks_received = chunks_received + 1 WHERE id = $1",
    )
    .bind(id)
    .bind(i64::try_from(len).unwrap_or(i64::MAX))
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends an upload without a file: `failed` (checksum mismatch, staged bytes lost) or `expired`.
pub async fn mark_ended(
    conn: &mut PgConnection,
    id: Uuid,
    state: UploadState,
) -> Result<(), sqlx::Error> {
    let status = match state {
        UploadState::Expired => "expired",
        _ => "failed",
    };
    sqlx::query("UPDATE resumable_uploads SET status = $2, updated_at = NOW() WHERE id = $1")
        .bind(id)
        .bind(status)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves the acknowledged offset past an accepted chunk of `len` bytes (already on disk) and
/// extends the expiry.
pub async fn advance(
    conn: &mut PgConnection,
    id: Uuid,
    len: u64,
    expires_at: DateTime<Utc>,
) -> Result<UploadRow, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE resumable_uploads
         SET received_offset = received_offset + $2, bytes_received = bytes_received + $2,
             chunks_received = chunks_received + 1, expires_at = $3, updated_at = NOW()
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(i64::try_from(len).unwrap_or(i64::MAX))
    .bind(expires_at)
    .fetch_one(conn)
    .await
}

/// Records the acknowledged chunk `[offset, offset + len)` of upload `id`, staged as the object
/// `object_key` (in the transaction that advances the offset).
pub async fn record_chunk(
    conn: &mut PgConnection,
    id: Uuid,
    offset: u64,
    len: u64,
    object_key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO resumable_upload_chunks (upload_id, start_offset, size_bytes, object_key)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
    .bind(i64::try_from(len).unwrap_or(i64::MAX))
    .bind(object_key)
    .execute(conn)
    .await?;
    Ok(())
}

/// The object keys of upload `id`'s acknowledged chunks, in order (none when staged on disk).
pub async fn chunk_keys(conn: &mut PgConnection, id: Uuid) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT object_key FROM resumable_upload_chunks WHERE upload_id = $1 ORDER BY start_offset",
    )
    .bind(id)
    .fetch_all(conn)
    .await
}

/// Records a completed upload stored under `storage_key`.
pub async fn complete(
    conn: &mut PgConnection,
    row: &UploadRow,
    kind: UploadKind,
    storage_key: &str,
) -> Result<UploadRow, sqlx::Error> {
    let _ = kind; // the file itself is recorded by `files::store_version_in`
                  // The chunks are in the file now; their staged objects go with the upload's prefix.
    sqlx::query("DELETE FROM resumable_upload_chunks WHERE upload_id = $1")
        .bind(row.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query_as(&format!(
        "UPDATE resumable_uploads
         SET status = 'completed', storage_key = $2, completed_at = NOW(), updated_at = NOW()
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(row.id)
    .bind(storage_key)
    .fetch_one(conn)
    .await
}
