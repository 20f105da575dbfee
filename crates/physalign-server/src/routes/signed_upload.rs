//! Signed upload URLs (`POST /api/upload/generate-url`) and the `PUT` that receives the file.
//!
//! The file is streamed to disk as it arrives (never held in memory whole), one of a limited
//! number of uploads at a time, within the uploader's quota; the file it replaces is kept as an
//! earlier version (issue 17).

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{post, put};
use axum::Json;
use axum::Router;
use chrono::{TimeZone, Utc};
use physalign_api::upload::{GenerateUploadUrlRequest, UploadKind, UploadReceipt, UploadUrl};
use physalign_api::{ErrorBody, ErrorCode};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientInfo};
use crate::files;
use crate::state::AppState;
use crate::storage::{receive_to_file, storage_key, ReceiveError, Staged};

/// `POST /api/upload/generate-url` (JSON; the file itself goes through [`file_router`]).
pub fn router() -> Router<AppState> {
    Router::new().route("/api/upload/generate-url", post(generate_url))
}

/// `PUT /api/upload/sessions/{session_id}/{kind}`: a file body up to `limit_bytes` (checked as
/// it streams in), without idempotency buffering (a repeated PUT of the same bytes is
/// idempotent by nature).
pub fn file_router(_limit_bytes: usize) -> Router<AppState> {
    Router::new().route("/api/upload/sessions/{session_id}/{kind}", put(receive))
}

/// A signed `PUT` URL for a session's file, valid for the configured time, for `uploader`'s
/// quota.
pub fn signed_url(
    state: &AppState,
    session_id: Uuid,
    kind: UploadKind,
    uploader: Uuid,
) -> UploadUrl {
    let ttl = i64::try_from(state.config.upload_url_ttl_secs.min(7 * 86_400)).unwrap_or(3600);
    let expires = Utc::now().timestamp() + ttl;
    let key = storage_key(session_id, kind);
    let (kid, signature) = state.upload_signer.sign(&key, expires, uploader);
    UploadUrl {
        upload_url: format!(
            "{}/api/upload/{key}?expires={expires}&u={uploader}&kid={kid}&signature={signature}",
            state.config.public_base_url()
        ),
        method: "PUT".into(),
        storage_key: key,
        expires_at: Utc
            .timestamp_opt(expires, 0)
            .single()
            .unwrap_or_else(Utc::now),
    }
}

/// Issues a signed, expiring URL to upload a session's video or pose-data file.
#[utoipa::path(post, path = "/api/upload/generate-url", tag = "upload", security(("bearer" = [])),
    request_body = GenerateUploadUrlRequest,
    responses((status = 200, body = UploadUrl), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn generate_url(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<GenerateUploadUrlRequest>,
) -> ApiResult<Json<UploadUrl>> {
    access::recorded_session(&state.pool, &user, req.session_id).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::UploadUrl,
        Some(req.session_id),
        Action::Create,
        &client,
    )
    .await?;
    Ok(Json(signed_url(
        &state,
        req.session_id,
        req.kind,
        user.user_id,
    )))
}

/// The signature part of an upload URL.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignatureQuery {
    /// Unix time after which the URL is refused.
    pub expires: i64,
    /// The user the URL was issued to (the upload counts against their quota).
    pub u: Uuid,
    /// Id of the key that signed the URL.
    #[serde(default)]
    pub kid: Option<String>,
    /// Hex HMAC-SHA256 of the method, key, expiry and user.
    pub signature: String,
}

/// Receives the file for a signed upload URL. The signature is the credential.
#[utoipa::path(put, path = "/api/upload/sessions/{session_id}/{kind}", tag = "upload",
    params(("session_id" = Uuid, Path, description = "session id"),
           ("kind" = String, Path, description = "`video` or `pose_data`"), SignatureQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = UploadReceipt), (status = 403, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiPath((session_id, kind)): ApiPath<(Uuid, UploadKind)>,
    ApiQuery(sig): ApiQuery<SignatureQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<UploadReceipt>> {
    let key = storage_key(session_id, kind);
    if !state
        .upload_signer
        .verify(&key, sig.expires, sig.u, sig.kid.as_deref(), &sig.signature)
    {
        return Err(ApiError::forbidden("upload URL signature invalid"));
    }
    if sig.expires < Utc::now().timestamp() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::UploadUrlExpired,
            "upload URL expired",
        ));
    }
    let limit = state.config.upload_limit_bytes as u64;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(files::too_large(limit));
    }
    let room = files::quota_room(&state, sig.u).await?;
    if declared.is_some_and(|n| n > room) {
        return Err(files::quota_exceeded(&state));
    }
    let _slot = files::upload_slot(&state).await?;
    let received = receive_to_file(&files::incoming_dir(&state), body, limit.min(room))
        .await
        .map_err(|e| match e {
            ReceiveError::TooLarge(n) if n < limit => files::quota_exceeded(&state),
            ReceiveError::TooLarge(_) => files::too_large(limit),
            ReceiveError::Body(_) => {
                ApiError::bad_request(ErrorCode::InvalidBody, "request body could not be read")
            }
            ReceiveError::Storage(e) => ApiError::internal(e),
        })?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM exercise_sessions WHERE id = $1)")
            .bind(session_id)
            .fetch_one(&state.pool)
            .await?;
    if !exists {
        return Err(ApiError::not_found(ErrorCode::SessionNotFound, "session"));
    }
    files::store_version(
        &state,
        files::NewFile {
            session_id,
            kind,
            owner: sig.u,
            size: received.size,
            sha256: &received.sha256,
            staged: Staged::File(received.path.clone()),
        },
    )
    .await?;
    audit::record(
        &state.pool,
        None,
        AuditResource::Upload,
        Some(session_id),
        Action::Create,
        &client,
    )
    .await?;
    Ok(Json(UploadReceipt {
        storage_key: key,
        size_bytes: received.size,
        sha256: received.sha256.clone(),
    }))
}
