//! Resumable, chunked uploads (`/api/uploads`), in the spirit of tus and GCS resumable uploads.
//!
//! `POST /api/uploads` declares a file (session, kind, size, SHA-256) and returns its id.
//! `PATCH /api/uploads/{id}` appends one chunk at `Upload-Offset`, which must equal the
//! acknowledged offset (else 409 with the current offset); the chunk is fsynced before the offset
//! advances in PostgreSQL, so an acknowledged byte is never lost. With object storage each chunk
//! is an object listed in PostgreSQL with the offset, so any replica can take the next chunk or
//! complete the upload. `GET`/`HEAD` report the offset
//! a client resumes from. `POST /api/uploads/{id}/complete` verifies the checksum and stores the
//! file under the same key as the signed-URL flow (`sessions/{session_id}/{kind}`).
//!
//! Only the user who created an upload may see or continue it; others get 404 (no existence
//! leak). The work of a chunk or a completion runs in its own task, so a client that disconnects
//! mid-request cannot cancel it halfway (a half-done write racing the retry of the same chunk).

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use axum::Router;
use chrono::Utc;
use physalign_api::upload::{
    CreateUploadRequest, ResumableUpload, UploadState, UPLOAD_LENGTH_HEADER, UPLOAD_OFFSET_HEADER,
};
use physalign_api::{ErrorBody, ErrorCode};
use serde_json::json;
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ClientInfo};
use crate::repo::resumable_uploads::{self as repo, UploadRow};
use crate::state::AppState;
use crate::storage::{storage_key, StorageError};

/// `POST /api/uploads` and `POST /api/uploads/{upload_id}/complete` (JSON; the chunks go through
/// [`chunk_router`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/uploads", post(create))
        .route("/api/uploads/{upload_id}/complete", post(complete))
}

/// `GET`/`PATCH /api/uploads/{upload_id}`: chunks up to `limit_bytes`, without idempotency
/// buffering (the offset check makes a repeated chunk harmless: it is refused with the current
/// offset).
pub fn chunk_router(limit_bytes: usize) -> Router<AppState> {
    Router::new()
        .route("/api/uploads/{upload_id}", get(status).patch(append))
        .layer(DefaultBodyLimit::max(limit_bytes))
}

/// Content types a chunk may carry: tus's own and plain bytes.
const CHUNK_CONTENT_TYPES: [&str; 2] = [
    "application/offset+octet-stream",
    "application/octet-stream",
];

fn offset_header(offset: u64) -> (HeaderName, HeaderValue) {
    (
        HeaderName::from_static(UPLOAD_OFFSET_HEADER),
        HeaderValue::from(offset),
    )
}

/// The answer for an upload: its JSON with `Upload-Offset`/`Upload-Length` headers (so `HEAD`
/// tells a client where to resume, tus-style) and no caching.
fn upload_response(state: &AppState, status: StatusCode, row: &UploadRow) -> ApiResult<Response> {
    let body = row.to_api(state.config.upload_chunk_limit_bytes as u64)?;
    let mut response = (status, Json(body)).into_response();
    let headers = response.headers_mut();
    let (name, value) = offset_header(row.offset());
    headers.insert(name, value);
    headers.insert(
        HeaderName::from_static(UPLOAD_LENGTH_HEADER),
        HeaderValue::from(row.size()),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn not_found() -> ApiError {
    ApiError::not_found(ErrorCode::UploadNotFound, "upload")
}

fn expired() -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        ErrorCode::UploadExpired,
        "the upload expired and its bytes were discarded; start a new upload",
    )
}

fn failed() -> ApiError {
    ApiError::conflict(
        ErrorCode::UploadFailed,
        "the upload failed (checksum mismatch or lost bytes); start a new upload",
    )
}

/// A 409 that tells the client where the upload really stands.
fn offset_conflict(code: ErrorCode, message: &str, row: &UploadRow) -> ApiError {
    let mut err = ApiError::conflict(code, message).with_details(json!({
        "offset": row.offset(),
        "size_bytes": row.size(),
    }));
    err.headers.push(offset_header(row.offset()));
    err
}

fn storage_error(e: StorageError) -> ApiError {
    ApiError::internal(e)
}

/// Marks open uploads past their expiry as expired and deletes their bytes (a few at a time,
/// piggybacking on uploads being created, so no background job is needed). Best effort.
async fn sweep_expired(state: &AppState) {
    match repo::expire_overdue(&state.pool).await {
        Ok(ids) => {
            for id in ids {
                if let Err(e) = state.staging.remove(id).await {
                    tracing::warn!(%id, error = %e, "removing an expired upload's bytes");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "sweeping expired uploads"),
    }
}

fn ttl(state: &AppState) -> chrono::Duration {
    let secs =
        i64::try_from(state.config.resumable_upload_ttl_secs.min(365 * 86_400)).unwrap_or(86_400);
    chrono::Duration::seconds(secs)
}

/// Declares a file that will arrive in chunks; answers its id and offset 0.
#[utoipa::path(post, path = "/api/uploads", tag = "upload", security(("bearer" = [])),
    request_body = CreateUploadRequest,
    responses((status = 201, body = ResumableUpload), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<CreateUploadRequest>,
) -> ApiResult<Response> {
    let sha256 = req.sha256.to_ascii_lowercase();
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::field(
            "sha256",
            "must be 64 hexadecimal characters",
        ));
    }
    let limit = state.config.upload_limit_bytes as u64;
    let size = i64::try_from(req.size_bytes)
        .ok()
        .filter(|_| req.size_bytes <= limit)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                format!("the file exceeds the upload limit of {limit} bytes"),
            )
            .with_details(json!({ "limit_bytes": limit }))
        })?;
    access::recorded_session(&state.pool, &user, req.session_id).await?;
    if req.size_bytes > crate::files::quota_room(&state, user.user_id).await? {
        return Err(crate::files::quota_exceeded(&state));
    }
    sweep_expired(&state).await;
    let id = Uuid::new_v4();
    state.staging.create(id).await.map_err(storage_error)?;
    let row = repo::insert(
        &state.pool,
        &repo::NewUpload {
            id,
            owner_user_id: user.user_id,
            session_id: req.session_id,
            kind: req.kind,
            size_bytes: size,
            sha256: &sha256,
            expires_at: Utc::now() + ttl(&state),
        },
    )
    .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::Upload,
        Some(req.session_id),
        Action::Create,
        &client,
    )
    .await?;
    let mut response = upload_response(&state, StatusCode::CREATED, &row)?;
    if let Ok(location) = HeaderValue::from_str(&format!("/api/uploads/{id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

async fn owned(state: &AppState, user: &AuthUser, id: Uuid) -> ApiResult<UploadRow> {
    repo::find_owned(&state.pool, id, user.user_id)
        .await?
        .ok_or_else(not_found)
}

/// Where an upload stands: the offset to resume from (also in `Upload-Offset`; `HEAD` works).
#[utoipa::path(get, path = "/api/uploads/{upload_id}", tag = "upload", security(("bearer" = [])),
    params(("upload_id" = Uuid, Path, description = "upload id")),
    responses((status = 200, body = ResumableUpload), (status = 404, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    let row = owned(&state, &user, id).await?;
    upload_response(&state, StatusCode::OK, &row)
}

/// Appends one chunk at `Upload-Offset`; answers the new offset once the bytes are on disk.
#[utoipa::path(patch, path = "/api/uploads/{upload_id}", tag = "upload", security(("bearer" = [])),
    params(("upload_id" = Uuid, Path, description = "upload id"),
           ("Upload-Offset" = u64, Header, description = "where this chunk starts: the acknowledged offset")),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses((status = 200, body = ResumableUpload), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 410, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody)))]
pub async fn append(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if !content_type.is_some_and(|ct| CHUNK_CONTENT_TYPES.contains(&ct.as_str())) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "expected Content-Type: application/offset+octet-stream",
        ));
    }
    let offset = headers
        .get(UPLOAD_OFFSET_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::InvalidUploadOffset,
                "Upload-Offset must be the chunk's start as a non-negative integer",
            )
        })?;
    // A slot before the bytes are read: chunks in memory are bounded by slots x chunk limit.
    let slot = crate::files::upload_slot(&state).await?;
    let body = axum::body::to_bytes(body, state.config.upload_chunk_limit_bytes)
        .await
        .map_err(|_| crate::extract::body_rejection(StatusCode::PAYLOAD_TOO_LARGE))?;
    let task_state = state.clone();
    let row = tokio::spawn(async move {
        let _slot = slot;
        apply_chunk(&task_state, user, id, offset, body).await
    })
    .await
    .map_err(ApiError::internal)??;
    upload_response(&state, StatusCode::OK, &row)
}

/// Locks the upload row, checks the offset, writes and fsyncs the chunk, then advances the
/// offset; the row lock serialises chunks of one upload.
async fn apply_chunk(
    state: &AppState,
    user: AuthUser,
    id: Uuid,
    offset: u64,
    body: Bytes,
) -> ApiResult<UploadRow> {
    let mut tx = state.pool.begin().await?;
    let row = lock_own_upload(&mut tx, &user, id).await?;
    let len = body.len() as u64;
    match row.state() {
        UploadState::Open => {}
        UploadState::Expired => {
            expire(state, tx, id).await?;
            return Err(expired());
        }
        UploadState::Failed => return Err(failed()),
        UploadState::Completed => {
            repo::count_refused(&mut tx, id, len).await?;
            tx.commit().await?;
            return Err(offset_conflict(
                ErrorCode::UploadCompleted,
                "the upload is already completed",
                &row,
            ));
        }
    }
    if offset != row.offset() {
        // A retried chunk that was acknowledged already, or a client that lost track: it must
        // ask (or take this answer's offset) and continue from there.
        repo::count_refused(&mut tx, id, len).await?;
        tx.commit().await?;
        return Err(offset_conflict(
            ErrorCode::UploadOffsetMismatch,
            &format!(
                "Upload-Offset {offset} does not match the acknowledged offset {}",
                row.offset()
            ),
            &row,
        ));
    }
    if offset.saturating_add(len) > row.size() {
        return Err(ApiError::bad_request(
            ErrorCode::UploadLengthExceeded,
            format!(
                "the chunk ends at byte {} but the upload was declared with {} bytes",
                offset.saturating_add(len),
                row.size()
            ),
        )
        .with_details(json!({ "offset": row.offset(), "size_bytes": row.size() })));
    }
    if len > 0 {
        match state.staging.write_chunk(id, offset, body).await {
            Ok(Some(object_key)) => {
                repo::record_chunk(&mut tx, id, offset, len, &object_key).await?;
            }
            Ok(None) => {}
            Err(StorageError::StagingLost { .. }) => {
                repo::mark_ended(&mut tx, id, UploadState::Failed).await?;
                tx.commit().await?;
                tracing::error!(%id, "staged bytes of an upload were lost");
                return Err(failed());
            }
            Err(e) => return Err(storage_error(e)),
        }
    }
    // The chunk is durable (fsynced on disk, or a stored object): only now does the acknowledged
    // offset move.
    let row = repo::advance(&mut tx, id, len, Utc::now() + ttl(state)).await?;
    tx.commit().await?;
    Ok(row)
}

/// Records an open upload found past its expiry as expired and drops its bytes.
async fn expire(
    state: &AppState,
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    id: Uuid,
) -> ApiResult<()> {
    repo::mark_ended(&mut tx, id, UploadState::Expired).await?;
    tx.commit().await?;
    state.staging.remove(id).await.map_err(storage_error)
}

/// Verifies the checksum of a fully received upload and stores the file; repeating it after
/// success answers the same again.
#[utoipa::path(post, path = "/api/uploads/{upload_id}/complete", tag = "upload", security(("bearer" = [])),
    params(("upload_id" = Uuid, Path, description = "upload id")),
    responses((status = 200, body = ResumableUpload), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 410, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn complete(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    let task_state = state.clone();
    let (row, newly) = tokio::spawn(async move { finish(&task_state, user, id).await })
        .await
        .map_err(ApiError::internal)??;
    if newly {
        audit::record(
            &state.pool,
            Some(&user),
            AuditResource::Upload,
            Some(row.session_id),
            Action::Update,
            &client,
        )
        .await?;
    }
    upload_response(&state, StatusCode::OK, &row)
}

/// The caller's upload `id`, locked until `tx` ends so its chunks and completion go one at a time;
/// someone else's upload is "not found".
async fn lock_own_upload(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    user: &AuthUser,
    id: Uuid,
) -> ApiResult<UploadRow> {
    repo::lock_owned(tx, id, user.user_id)
        .await?
        .ok_or_else(not_found)
}

/// Returns the completed row and whether this call completed it.
async fn finish(state: &AppState, user: AuthUser, id: Uuid) -> ApiResult<(UploadRow, bool)> {
    let mut tx = state.pool.begin().await?;
    let row = lock_own_upload(&mut tx, &user, id).await?;
    match row.state() {
        UploadState::Open => {}
        UploadState::Completed => return Ok((row, false)),
        UploadState::Failed => return Err(failed()),
        UploadState::Expired => {
            expire(state, tx, id).await?;
            return Err(expired());
        }
    }
    if row.offset() < row.size() {
        return Err(offset_conflict(
            ErrorCode::UploadIncomplete,
            &format!(
                "only {} of {} bytes were received; send the rest first",
                row.offset(),
                row.size()
            ),
            &row,
        ));
    }
    let chunks = repo::chunk_keys(&mut tx, id).await?;
    let actual = match state.staging.digest(id, row.size(), &chunks).await {
        Ok(digest) => digest,
        Err(StorageError::StagingLost { .. }) => String::new(),
        Err(e) => return Err(storage_error(e)),
    };
    if actual != row.sha256 {
        repo::mark_ended(&mut tx, id, UploadState::Failed).await?;
        tx.commit().await?;
        state.staging.remove(id).await.map_err(storage_error)?;
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UploadChecksumMismatch,
            "the received bytes do not have the declared SHA-256; the upload was discarded, start a new one",
        )
        .with_details(json!({ "expected": row.sha256, "actual": actual })));
    }
    let kind = row.kind()?;
    let key = storage_key(row.session_id, kind);
    let staged = state.staging.staged(id, chunks);
    crate::files::store_version_in(
        state,
        &mut tx,
        crate::files::NewFile {
            session_id: row.session_id,
            kind,
            owner: user.user_id,
            size: row.size(),
            sha256: &row.sha256,
            staged,
        },
    )
    .await?;
    let row = repo::complete(&mut tx, &row, kind, &key).await?;
    tx.commit().await?;
    // The file is in place and recorded; the staged copy is no longer needed. Should this fail,
    // only disk space is lost, not data.
    if let Err(e) = state.staging.remove(id).await {
        tracing::warn!(%id, error = %e, "removing a completed upload's staging file");
    }
    Ok((row, true))
}
