//! A session's transcript (issue 15) and its retention (issue 19, seed 002): purged by the
//! scheduled clean-up 90 days after the session unless saved, deletable on request; once
//! removed it answers 410 and cannot be uploaded again.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use physalign_api::auth::Role;
use physalign_api::sessions::{
    PutTranscriptRequest, SaveTranscriptRequest, SavedTranscript, SessionTranscript,
    TranscriptRemoval, TranscriptRemoved, TranscriptSegment,
};
use physalign_api::{ErrorBody, ErrorCode};
use physalign_domain::retention::{MAX_SAVED_RETENTION_DAYS, TRANSCRIPT_RETENTION_DAYS};
use sqlx::PgPool;
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ClientInfo};
use crate::routes::clinical::writable_session;
use crate::state::AppState;
use crate::validate::check_text;

/// Transcript routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/sessions/{session_id}/transcript",
            get(get_transcript)
                .put(put_transcript)
                .delete(delete_transcript),
        )
        .route(
            "/api/sessions/{session_id}/transcript/save",
            post(save_transcript),
        )
}

/// What the server holds of a session's transcript.
#[derive(Debug, Clone, PartialEq)]
pub enum StoredTranscript {
    /// The transcript.
    Present(SessionTranscript),
    /// Purged or deleted.
    Removed(TranscriptRemoved),
}

impl StoredTranscript {
    /// The transcript, when it is still there.
    pub fn present(self) -> Option<SessionTranscript> {
        match self {
            StoredTranscript::Present(t) => Some(t),
            StoredTranscript::Removed(_) => None,
        }
    }

    /// Why it is gone, when it is.
    pub fn removed(&self) -> Option<TranscriptRemoved> {
        match self {
            StoredTranscript::Present(_) => None,
            StoredTranscript::Removed(r) => Some(r.clone()),
        }
    }
}

/// SQL: when the retention rule purges the transcript `t` of session `s` (NULL: never).
const PURGE_AT_SQL: &str = "CASE WHEN t.saved THEN t.saved_until
     ELSE COALESCE(s.end_time, s.start_time, t.created_at) + make_interval(days => $2) END";

#[derive(sqlx::FromRow)]
struct TranscriptRow {
    transcript_id: Option<Uuid>,
    language: String,
    text: String,
    segments: serde_json::Value,
    model: String,
    audio_seconds: Option<f64>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    saved: bool,
    purge_at: Option<DateTime<Utc>>,
    removed: Option<String>,
    removed_at: Option<DateTime<Utc>>,
}

/// A session's transcript or the record of its removal (no access check).
pub async fn load_transcript(
    pool: &PgPool,
    session_id: Uuid,
) -> ApiResult<Option<StoredTranscript>> {
    let row: Option<TranscriptRow> = sqlx::query_as(&format!(
        "SELECT t.transcript_id, t.language, t.text, t.segments, t.model, t.audio_seconds,
            t.version, t.created_at, t.updated_at, t.saved, {PURGE_AT_SQL} AS purge_at,
            t.removed, t.removed_at
         FROM session_transcripts t JOIN exercise_sessions s ON s.id = t.session_id
         WHERE t.session_id = $1"
    ))
    .bind(session_id)
    .bind(retention_days())
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    if let Some(reason) = r.removed {
        return Ok(Some(StoredTranscript::Removed(TranscriptRemoved {
            reason: reason.parse().map_err(ApiError::internal)?,
            removed_at: r.removed_at.unwrap_or(r.updated_at),
        })));
    }
    Ok(Some(StoredTranscript::Present(SessionTranscript {
        session_id,
        transcript_id: r.transcript_id,
        language: r.language,
        text: r.text,
        segments: serde_json::from_value::<Vec<TranscriptSegment>>(r.segments)
            .map_err(ApiError::internal)?,
        model: r.model,
        audio_seconds: r.audio_seconds,
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
        saved: r.saved,
        purge_at: r.purge_at,
    })))
}

/// The access log row of one transcript call.
async fn log(
    state: &AppState,
    user: &AuthUser,
    client: &ClientInfo,
    session_id: Uuid,
    action: Action,
) -> ApiResult<()> {
    audit::record(
        &state.pool,
        Some(user),
        AuditResource::SessionTranscript,
        Some(session_id),
        action,
        client,
    )
    .await
}

fn retention_days() -> i32 {
    i32::try_from(TRANSCRIPT_RETENTION_DAYS).unwrap_or(i32::MAX)
}

/// 410 with the code of the removal.
fn gone(removed: &TranscriptRemoved) -> ApiError {
    let (code, what) = match removed.reason {
        TranscriptRemoval::Purged => (
            ErrorCode::TranscriptPurged,
            format!("the transcript was purged {TRANSCRIPT_RETENTION_DAYS} days after the session"),
        ),
        TranscriptRemoval::Deleted => (
            ErrorCode::TranscriptDeleted,
            "the transcript was deleted on request".to_string(),
        ),
    };
    ApiError::new(StatusCode::GONE, code, what)
        .with_details(serde_json::json!({ "removed_at": removed.removed_at }))
}

/// The session's transcript, or the error that says why there is none.
async fn existing(pool: &PgPool, session_id: Uuid) -> ApiResult<SessionTranscript> {
    match load_transcript(pool, session_id).await? {
        Some(StoredTranscript::Present(t)) => Ok(t),
        Some(StoredTranscript::Removed(r)) => Err(gone(&r)),
        None => Err(ApiError::not_found(
            ErrorCode::TranscriptNotFound,
            "transcript",
        )),
    }
}

/// A change to the transcript's retention is a change of its session: devices pull sessions
/// changed since their last pull, and so learn of it.
async fn touch_session(tx: &mut sqlx::PgConnection, session_id: Uuid) -> ApiResult<()> {
    sqlx::query("UPDATE exercise_sessions SET updated_at = NOW() WHERE id = $1")
        .bind(session_id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Stores or replaces the session's transcript; the same body twice changes nothing. A purged
/// or deleted transcript stays removed (410).
#[utoipa::path(put, path = "/api/sessions/{session_id}/transcript", tag = "sessions", security(("bearer" = [])),
    request_body = PutTranscriptRequest,
    params(("session_id" = Uuid, Path, description = "session id")),
    responses((status = 200, body = SessionTranscript), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 410, body = ErrorBody)))]
pub async fn put_transcript(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(session_id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<PutTranscriptRequest>,
) -> ApiResult<Json<SessionTranscript>> {
    check_text("language", &req.language, 20)?;
    check_text("model", &req.model, 200)?;
    if req.text.chars().count() > 200_000 {
        return Err(ApiError::field("text", "at most 200000 characters"));
    }
    if req.segments.len() > 10_000 {
        return Err(ApiError::field("segments", "at most 10000 segments"));
    }
    for (i, s) in req.segments.iter().enumerate() {
        if s.end_ms < s.start_ms || s.start_ms < 0 {
            return Err(ApiError::field(
                format!("segments[{i}].end_ms"),
                "must not be before start_ms (both >= 0)",
            ));
        }
    }
    writable_session(&state.pool, &user, session_id).await?;
    let segments = serde_json::to_value(&req.segments).map_err(ApiError::internal)?;
    // The version moves only when the content differs, so a retried PUT is a no-op; a removed
    // transcript is never written again.
    sqlx::query(
        "INSERT INTO session_transcripts (session_id, transcript_id, language, text, segments,
            model, audio_seconds, written_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (session_id) DO UPDATE SET transcript_id = EXCLUDED.transcript_id,
            language = EXCLUDED.language, text = EXCLUDED.text, segments = EXCLUDED.segments,
            model = EXCLUDED.model, audio_seconds = EXCLUDED.audio_seconds,
            written_by = EXCLUDED.written_by, version = session_transcripts.version + 1,
            updated_at = NOW()
         WHERE session_transcripts.removed IS NULL
           AND (session_transcripts.transcript_id, session_transcripts.language,
                session_transcripts.text, session_transcripts.segments, session_transcripts.model,
                session_transcripts.audio_seconds)
           IS DISTINCT FROM (EXCLUDED.transcript_id, EXCLUDED.language, EXCLUDED.text,
                EXCLUDED.segments, EXCLUDED.model, EXCLUDED.audio_seconds)",
    )
    .bind(session_id)
    .bind(req.id)
    .bind(&req.language)
    .bind(&req.text)
    .bind(segments)
    .bind(&req.model)
    .bind(req.audio_seconds)
    .bind(user.user_id)
    .execute(&state.pool)
    .await?;
    let transcript = existing(&state.pool, session_id).await?;
    log(&state, &user, &client, session_id, Action::Update).await?;
    Ok(Json(transcript))
}

/// The session's transcript (the patient and their clinicians); 410 once purged or deleted.
#[utoipa::path(get, path = "/api/sessions/{session_id}/transcript", tag = "sessions", security(("bearer" = [])),
    params(("session_id" = Uuid, Path, description = "session id")),
    responses((status = 200, body = SessionTranscript), (status = 404, body = ErrorBody),
              (status = 410, body = ErrorBody)))]
pub async fn get_transcript(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(session_id): ApiPath<Uuid>,
) -> ApiResult<Json<SessionTranscript>> {
    access::visible_session(&state.pool, &user, session_id).await?;
    log(&state, &user, &client, session_id, Action::Read).await?;
    existing(&state.pool, session_id).await.map(Json)
}

/// Deletes the session's transcript on request (the patient, or the clinician who recorded the
/// session): its text and segments go at once, the record of the deletion stays. 409 when it
/// is already deleted or purged.
#[utoipa::path(delete, path = "/api/sessions/{session_id}/transcript", tag = "sessions", security(("bearer" = [])),
    params(("session_id" = Uuid, Path, description = "session id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn delete_transcript(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(session_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    writable_session(&state.pool, &user, session_id).await?;
    let mut tx = state.pool.begin().await?;
    let removed: Option<Option<String>> = sqlx::query_scalar(
        "SELECT removed FROM session_transcripts WHERE session_id = $1 FOR UPDATE",
    )
    .bind(session_id)
    .fetch_optional(&mut *tx)
    .await?;
    match removed {
        None => {
            return Err(ApiError::not_found(
                ErrorCode::TranscriptNotFound,
                "transcript",
            ))
        }
        Some(Some(reason)) => {
            return Err(ApiError::conflict(
                ErrorCode::TranscriptAlreadyDeleted,
                format!("the transcript is already gone ({reason})"),
            ))
        }
        Some(None) => {}
    }
    sqlx::query(
        "UPDATE session_transcripts SET text = '', segments = '[]', removed = $2,
            removed_at = NOW(), removed_by = $3, version = version + 1, updated_at = NOW()
         WHERE session_id = $1",
    )
    .bind(session_id)
    .bind(TranscriptRemoval::Deleted.as_str())
    .bind(user.user_id)
    .execute(&mut *tx)
    .await?;
    touch_session(&mut tx, session_id).await?;
    tx.commit().await?;
    log(&state, &user, &client, session_id, Action::Delete).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Keeps the session's transcript beyond the automatic purge: for `retention_days` after the
/// session (90 to 3650), or indefinitely without it. The patient and their clinicians.
#[utoipa::path(post, path = "/api/sessions/{session_id}/transcript/save", tag = "sessions", security(("bearer" = [])),
    request_body = SaveTranscriptRequest,
    params(("session_id" = Uuid, Path, description = "session id")),
    responses((status = 200, body = SavedTranscript), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 410, body = ErrorBody)))]
pub async fn save_transcript(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(session_id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<SaveTranscriptRequest>,
) -> ApiResult<Json<SavedTranscript>> {
    let min = u32::try_from(TRANSCRIPT_RETENTION_DAYS).unwrap_or(u32::MAX);
    if let Some(days) = req.retention_days {
        if !(min..=MAX_SAVED_RETENTION_DAYS).contains(&days) {
            return Err(ApiError::field(
                "retention_days",
                format!("must be between {min} and {MAX_SAVED_RETENTION_DAYS} (omit it to keep the transcript indefinitely)"),
            ));
        }
    }
    if user.role == Role::Admin {
        return Err(ApiError::forbidden(
            "the patient or their clinicians save a transcript",
        ));
    }
    access::visible_session(&state.pool, &user, session_id).await?;
    existing(&state.pool, session_id).await?;
    let mut tx = state.pool.begin().await?;
    let expires_at: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(
        "UPDATE session_transcripts t SET saved = TRUE,
            saved_until = COALESCE(s.end_time, s.start_time, t.created_at)
                          + make_interval(days => $2::int)
         FROM exercise_sessions s
         WHERE s.id = t.session_id AND t.session_id = $1 AND t.removed IS NULL
         RETURNING t.saved_until",
    )
    .bind(session_id)
    .bind(
        req.retention_days
            .map(|d| i32::try_from(d).unwrap_or(i32::MAX)),
    )
    .fetch_optional(&mut *tx)
    .await?;
    // Purged between the check and the update: say so.
    let Some(expires_at) = expires_at else {
        tx.rollback().await?;
        existing(&state.pool, session_id).await?;
        return Err(ApiError::internal("transcript vanished while being saved"));
    };
    touch_session(&mut tx, session_id).await?;
    tx.commit().await?;
    log(&state, &user, &client, session_id, Action::Update).await?;
    Ok(Json(SavedTranscript {
        session_id,
        saved: true,
        expires_at,
    }))
}

/// Transcripts the clean-up would purge now.
pub async fn count_expired(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM session_transcripts t JOIN exercise_sessions s ON s.id = t.session_id
         WHERE t.removed IS NULL AND {} <= NOW()",
        PURGE_AT_SQL.replace("$2", "$1")
    ))
    .bind(retention_days())
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Purges every transcript past its retention (see [`PURGE_AT_SQL`]); returns how many.
pub async fn purge_expired(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let purged: i64 = sqlx::query_scalar(&format!(
        "WITH purged AS (
            UPDATE session_transcripts t SET text = '', segments = '[]', removed = $1,
                removed_at = NOW(), removed_by = NULL, version = t.version + 1, updated_at = NOW()
            FROM exercise_sessions s
            WHERE s.id = t.session_id AND t.removed IS NULL AND {PURGE_AT_SQL} <= NOW()
            RETURNING t.session_id),
         touched AS (
            UPDATE exercise_sessions SET updated_at = NOW()
            WHERE id IN (SELECT session_id FROM purged) RETURNING id)
         SELECT COUNT(*) FROM touched"
    ))
    .bind(TranscriptRemoval::Purged.as_str())
    .bind(retention_days())
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(purged).unwrap_or(0))
}
