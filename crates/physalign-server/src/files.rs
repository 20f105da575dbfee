//! Stored files (issue 17): per-user upload quotas, the limited number of uploads received at
//! once, and versions: a file replaced by a new upload is kept under its own key
//! (`{key}.{id}`), recorded in `stored_files` with the time it was superseded.

use std::path::PathBuf;
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use physalign_api::upload::UploadKind;
use physalign_api::ErrorCode;
use serde_json::json;
use sqlx::PgConnection;
use tokio::sync::OwnedSemaphorePermit;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::{storage_key, Staged};

/// Where streamed bodies land before they are stored: inside the storage root (same file
/// system, so storing on local disk is a link) under a name no storage key produces. With object
/// storage this is a spool on this machine only for the time of the request.
pub fn incoming_dir(state: &AppState) -> PathBuf {
    state.config.storage_dir.join(".incoming")
}

/// One of the upload slots, or 503 with `Retry-After` when none comes free in time.
pub async fn upload_slot(state: &AppState) -> ApiResult<OwnedSemaphorePermit> {
    let wait = Duration::from_millis(state.config.security.upload_wait_ms);
    match tokio::time::timeout(wait, state.upload_slots.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => {
            let mut err = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ServiceUnavailable,
                "the server is receiving as many uploads as it takes at once; retry shortly",
            )
            .with_details(json!({"retry_after_seconds": 5}));
            err.headers
                .push((header::RETRY_AFTER, HeaderValue::from_static("5")));
            Err(err)
        }
    }
}

/// Bytes `user` has stored: files (earlier versions included) and open resumable uploads.
pub async fn used_bytes(state: &AppState, user: Uuid) -> ApiResult<u64> {
    let used: i64 = sqlx::query_scalar(
        "SELECT COALESCE((SELECT SUM(size_bytes) FROM stored_files WHERE owner_user_id = $1), 0)::int8
              + COALESCE((SELECT SUM(size_bytes) FROM resumable_uploads
                          WHERE owner_user_id = $1 AND status = 'open'), 0)::int8",
    )
    .bind(user)
    .fetch_one(&state.pool)
    .await?;
    Ok(u64::try_from(used).unwrap_or(0))
}

/// Bytes `user` may still store.
pub async fn quota_room(state: &AppState, user: Uuid) -> ApiResult<u64> {
    Ok(state
        .config
        .security
        .upload_quota_bytes
        .saturating_sub(used_bytes(state, user).await?))
}

/// 413: the file is over the per-file limit.
pub fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        format!("the file exceeds the upload limit of {limit} bytes"),
    )
    .with_details(json!({ "limit_bytes": limit }))
}

/// 413: the file would take the uploader past their quota.
pub fn quota_exceeded(state: &AppState) -> ApiError {
    let quota = state.config.security.upload_quota_bytes;
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::UploadQuotaExceeded,
        format!("this upload would exceed your storage quota of {quota} bytes"),
    )
    .with_details(json!({ "quota_bytes": quota }))
}

/// A file to store as the current version of a session's file.
pub struct NewFile<'a> {
    /// The session.
    pub session_id: Uuid,
    /// Which file of it.
    pub kind: UploadKind,
    /// Whose quota it counts against.
    pub owner: Uuid,
    /// Bytes.
    pub size: u64,
    /// Hex SHA-256.
    pub sha256: &'a str,
    /// Where the bytes are now (left in place).
    pub staged: Staged,
}

/// Stores `new` as the current version in its own transaction.
pub async fn store_version(state: &AppState, new: NewFile<'_>) -> ApiResult<()> {
    let mut tx = state.pool.begin().await?;
    store_version_in(state, &mut tx, new).await?;
    tx.commit().await?;
    Ok(())
}

/// Stores `new` as the current version of its file within `conn`'s transaction: the current
/// one, if any, is kept under `{key}.{its id}` and marked superseded; a video becomes the
/// session's.
pub async fn store_version_in(
    state: &AppState,
    conn: &mut PgConnection,
    new: NewFile<'_>,
) -> ApiResult<()> {
    let key = storage_key(new.session_id, new.kind);
    // One writer per file at a time, whether or not a row exists yet.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 17))")
        .bind(&key)
        .execute(&mut *conn)
        .await?;
    let current: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM stored_files WHERE storage_key = $1")
            .bind(&key)
            .fetch_optional(&mut *conn)
            .await?;
    let archived_id = current.unwrap_or_else(Uuid::new_v4);
    let archived = format!("{key}.{archived_id}");
    let kept = state
        .storage
        .archive(&key, &archived)
        .await
        .map_err(ApiError::internal)?;
    if let Some(id) = current {
        sqlx::query(
            "UPDATE stored_files SET storage_key = $2, superseded_at = NOW() WHERE id = $1",
        )
        .bind(id)
        .bind(&archived)
        .execute(&mut *conn)
        .await?;
    } else if kept {
        tracing::info!(%key, %archived, "kept a file stored before versions were recorded");
    }
    state
        .storage
        .put_staged(&key, new.staged)
        .await
        .map_err(ApiError::internal)?;
    sqlx::query(
        "INSERT INTO stored_files (session_id, kind, storage_key, owner_user_id, size_bytes, sha256)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new.session_id)
    .bind(new.kind.as_str())
    .bind(&key)
    .bind(new.owner)
    .bind(i64::try_from(new.size).unwrap_or(i64::MAX))
    .bind(new.sha256)
    .execute(&mut *conn)
    .await?;
    if new.kind == UploadKind::Video {
        sqlx::query(
            "UPDATE exercise_sessions SET video_storage_key = $2, version = version + 1 WHERE id = $1",
        )
        .bind(new.session_id)
        .bind(&key)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
