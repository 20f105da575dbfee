//! Signed upload URLs (`POST /api/upload/generate-url`) and the `PUT` that receives the file.

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::StatusCode;
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
use crate::state::AppState;
use crate::storage::storage_key;

/// `POST /api/upload/generate-url` (JSON; the file itself goes through [`file_router`]).
pub fn router() -> Router<AppState> {
    Router::new().route("/api/upload/generate-url", post(generate_url))
}

/// `PUT /api/upload/sessions/{session_id}/{kind}`: a file body up to `limit_bytes`, without
/// idempotency buffering (a repeated PUT of the same bytes is idempotent by nature).
pub fn file_router(limit_bytes: usize) -> Router<AppState> {
    Router::new()
        .route("/api/upload/sessions/{session_id}/{kind}", put(receive))
        .layer(DefaultBodyLimit::max(limit_bytes))
}

/// A signed `PUT` URL for a session's file, valid for the configured time.
pub fn signed_url(state: &AppState, session_id: Uuid, kind: UploadKind) -> UploadUrl {
    let ttl = i64::try_from(state.config.upload_url_ttl_secs.min(7 * 86_400)).unwrap_or(3600);
    let expires = Utc::now().timestamp() + ttl;
    let key = storage_key(session_id, kind);
    let signature = state.upload_signer.sign(&key, expires);
    UploadUrl {
        upload_url: format!(
            "{}/api/upload/{key}?expires={expires}&signature={signature}",
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
    responses((status = 200, body = UploadUrl), (status = 404, body = ErrorBody)))]
pub async fn generate_url(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<GenerateUploadUrlRequest>,
) -> ApiResult<Json<UploadUrl>> {
    access::visible_session(&state.pool, &user, req.session_id).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::UploadUrl,
        Some(req.session_id),
        Action::Create,
        &client,
    )
    .await?;
    Ok(Json(signed_url(&state, req.session_id, req.kind)))
}

/// The signature part of an upload URL.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignatureQuery {
    /// Unix time after which the URL is refused.
    pub expires: i64,
    /// Hex HMAC-SHA256 of the method, key and expiry.
    pub signature: String,
}

/// Receives the file for a signed upload URL. The signature is the credential.
#[utoipa::path(put, path = "/api/upload/sessions/{session_id}/{kind}", tag = "upload",
    params(("session_id" = Uuid, Path, description = "session id"),
           ("kind" = String, Path, description = "`video` or `pose_data`"), SignatureQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = UploadReceipt), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiPath((session_id, kind)): ApiPath<(Uuid, UploadKind)>,
    ApiQuery(sig): ApiQuery<SignatureQuery>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<UploadReceipt>> {
    let key = storage_key(session_id, kind);
    if !state
        .upload_signer
        .verify(&key, sig.expires, &sig.signature)
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
    let body = body.map_err(|rejection| crate::extract::body_rejection(rejection.status()))?;
    let size = body.len() as u64;
    let sha256 = state
        .storage
        .put(&key, body)
        .await
        .map_err(ApiError::internal)?;
    if kind == UploadKind::Video {
        sqlx::query("UPDATE exercise_sessions SET video_storage_key = $2, version = version + 1 WHERE id = $1")
            .bind(session_id)
            .bind(&key)
            .execute(&state.pool)
            .await?;
    }
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
        size_bytes: size,
        sha256,
    }))
}
