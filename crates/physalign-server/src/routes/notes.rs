//! `/api/notes`: clinical notes signed on a clinician's device, and their amendments (issue 19).
//! A clinician in the patient's care sends what they signed; the server keeps it unchanged (the
//! tables refuse updates and deletions); the care team's other devices and administrators read
//! it back. Drafts never reach the server.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use physalign_api::auth::Role;
use physalign_api::notes::{
    CreateNoteAmendmentRequest, CreateSignedNoteRequest, NoteAmendmentRecord, NoteSummary,
    SignedNoteList, SignedNoteQuery, SignedNoteRecord, MAX_DOCUMENT_BYTES, MAX_NOTE_TEXT,
    MAX_SUMMARY_ENTRIES, MAX_SUMMARY_TEXT,
};
use physalign_api::pagination::Pagination;
use physalign_api::{ErrorBody, ErrorCode};
use sqlx::PgPool;
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientInfo};
use crate::state::AppState;
use crate::validate::page_window;

/// `/api/notes` and `/api/notes/{note_id}/amendments`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/notes", post(create).get(list))
        .route("/api/notes/{note_id}/amendments", post(amend))
}

/// Longest name of a drafter, signer or author, in characters.
const MAX_NAME: usize = 200;

/// How far ahead of the server's clock a device's time may be.
fn clock_skew() -> Duration {
    Duration::minutes(5)
}

fn not_found() -> ApiError {
    ApiError::not_found(ErrorCode::NotesNotFound, "note")
}

fn check_name(field: &str, name: &str) -> Result<(), ApiError> {
    let chars = name.trim().chars().count();
    if chars == 0 || chars > MAX_NAME {
        return Err(ApiError::field(
            field,
            format!("1 to {MAX_NAME} characters"),
        ));
    }
    Ok(())
}

fn check_text(field: &str, text: &str, max: usize) -> Result<(), ApiError> {
    if text.chars().count() > max {
        return Err(ApiError::field(field, format!("at most {max} characters")));
    }
    Ok(())
}

fn check_list(field: &str, list: &[String]) -> Result<(), ApiError> {
    if list.len() > MAX_SUMMARY_ENTRIES {
        return Err(ApiError::field(
            field,
            format!("at most {MAX_SUMMARY_ENTRIES} entries"),
        ));
    }
    for (i, entry) in list.iter().enumerate() {
        check_text(&format!("{field}[{i}]"), entry, MAX_SUMMARY_TEXT)?;
    }
    Ok(())
}

fn check_not_ahead(field: &str, at: DateTime<Utc>) -> Result<(), ApiError> {
    if at > Utc::now() + clock_skew() {
        return Err(ApiError::field(field, "lies in the future"));
    }
    Ok(())
}

fn check_summary(summary: &NoteSummary) -> Result<(), ApiError> {
    check_list("summary.key_topics", &summary.key_topics)?;
    check_list("summary.strategies", &summary.strategies)?;
    check_list("summary.action_items", &summary.action_items)?;
    check_list("summary.risk_flags", &summary.risk_flags)?;
    for (field, text) in [
        ("summary.topic_summary", &summary.topic_summary),
        ("summary.patient_summary", &summary.patient_summary),
    ] {
        if let Some(text) = text {
            check_text(field, text, MAX_SUMMARY_TEXT)?;
        }
    }
    check_text(
        "summary.therapist_notes",
        &summary.therapist_notes,
        MAX_NOTE_TEXT,
    )
}

fn check_note(req: &CreateSignedNoteRequest) -> Result<String, ApiError> {
    check_name("drafted_by", &req.drafted_by)?;
    check_name("signed_by", &req.signed_by)?;
    check_not_ahead("signed_at", req.signed_at)?;
    if req.drafted_at > req.signed_at {
        return Err(ApiError::field("drafted_at", "after the signing"));
    }
    if !req.document.is_object() {
        return Err(ApiError::field("document", "must be a JSON object"));
    }
    let document = req.document.to_string();
    if document.len() > MAX_DOCUMENT_BYTES {
        return Err(ApiError::field(
            "document",
            format!("at most {MAX_DOCUMENT_BYTES} bytes of JSON"),
        ));
    }
    check_summary(&req.summary)?;
    Ok(document)
}

#[derive(sqlx::FromRow)]
struct NoteRow {
    id: Uuid,
    session_id: Uuid,
    patient_id: Uuid,
    transcript_id: Option<Uuid>,
    drafted_by: String,
    drafted_at: DateTime<Utc>,
    signed_by: String,
    signed_by_user_id: Uuid,
    signed_at: DateTime<Utc>,
    document: serde_json::Value,
    summary: serde_json::Value,
    received_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct AmendmentRow {
    id: Uuid,
    note_id: Uuid,
    author: String,
    author_user_id: Uuid,
    text: String,
    created_at: DateTime<Utc>,
}

impl From<AmendmentRow> for NoteAmendmentRecord {
    fn from(row: AmendmentRow) -> Self {
        Self {
            id: row.id,
            note_id: row.note_id,
            author: row.author,
            author_user_id: row.author_user_id,
            text: row.text,
            created_at: row.created_at,
        }
    }
}

const NOTE_COLUMNS: &str = "n.id, n.session_id, n.patient_id, n.transcript_id, n.drafted_by,
    n.drafted_at, n.signed_by, n.signed_by_user_id, n.signed_at, n.document, n.summary,
    n.received_at";

/// The records of `rows`, each with its amendments (one query for all).
async fn records(pool: &PgPool, rows: Vec<NoteRow>) -> ApiResult<Vec<SignedNoteRecord>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let amendments: Vec<AmendmentRow> = sqlx::query_as(
        "SELECT id, note_id, author, author_user_id, text, created_at
         FROM signed_note_amendments WHERE note_id = ANY($1) ORDER BY created_at, id",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let mut by_note: HashMap<Uuid, Vec<NoteAmendmentRecord>> = HashMap::new();
    for amendment in amendments {
        by_note
            .entry(amendment.note_id)
            .or_default()
            .push(amendment.into());
    }
    rows.into_iter()
        .map(|row| {
            let summary: NoteSummary = serde_json::from_value(row.summary)
                .map_err(|e| ApiError::internal(format!("stored note {} summary: {e}", row.id)))?;
            Ok(SignedNoteRecord {
                id: row.id,
                session_id: row.session_id,
                patient_id: row.patient_id,
                transcript_id: row.transcript_id,
                drafted_by: row.drafted_by,
                drafted_at: row.drafted_at,
                signed_by: row.signed_by,
                signed_by_user_id: row.signed_by_user_id,
                signed_at: row.signed_at,
                document: row.document,
                summary,
                amendments: by_note.remove(&row.id).unwrap_or_default(),
                received_at: row.received_at,
            })
        })
        .collect()
}

/// Keeps a note signed on the caller's device about a session of a patient in their care. The
/// id comes from the device: a replay answers `409 NOTE_EXISTS`.
#[utoipa::path(post, path = "/api/notes", tag = "notes", security(("bearer" = [])),
    request_body = CreateSignedNoteRequest,
    responses((status = 201, body = SignedNoteRecord), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<CreateSignedNoteRequest>,
) -> ApiResult<(StatusCode, Json<SignedNoteRecord>)> {
    user.require(&[Role::Physiotherapist])?;
    let document = check_note(&req)?;
    let patient_id = access::visible_session(&state.pool, &user, req.session_id).await?;
    let summary = serde_json::to_value(&req.summary).map_err(ApiError::internal)?;
    let row: Option<NoteRow> = sqlx::query_as(&format!(
        "INSERT INTO signed_notes AS n (id, session_id, patient_id, transcript_id, drafted_by,
             drafted_at, signed_by, signed_by_user_id, signed_at, document, summary)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)
         ON CONFLICT (id) DO NOTHING
         RETURNING {NOTE_COLUMNS}"
    ))
    .bind(req.id)
    .bind(req.session_id)
    .bind(patient_id)
    .bind(req.transcript_id)
    .bind(req.drafted_by.trim())
    .bind(req.drafted_at)
    .bind(req.signed_by.trim())
    .bind(user.user_id)
    .bind(req.signed_at)
    .bind(document)
    .bind(summary)
    .fetch_optional(&state.pool)
    .await?;
    let row = row.ok_or_else(|| {
        ApiError::conflict(ErrorCode::NoteExists, "a note with this id already exists")
    })?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SignedNote,
        Some(row.id),
        Action::Create,
        &client,
    )
    .await?;
    let record = records(&state.pool, vec![row]).await?.remove(0);
    Ok((StatusCode::CREATED, Json(record)))
}

/// Adds a correction, written on the caller's device, to a signed note of a patient in their
/// care. A replay answers `409 NOTE_AMENDMENT_EXISTS`.
#[utoipa::path(post, path = "/api/notes/{note_id}/amendments", tag = "notes",
    security(("bearer" = [])), request_body = CreateNoteAmendmentRequest,
    params(("note_id" = Uuid, Path, description = "note id")),
    responses((status = 201, body = NoteAmendmentRecord), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn amend(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(note_id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CreateNoteAmendmentRequest>,
) -> ApiResult<(StatusCode, Json<NoteAmendmentRecord>)> {
    user.require(&[Role::Physiotherapist])?;
    check_name("author", &req.author)?;
    if req.text.trim().is_empty() {
        return Err(ApiError::field("text", "must not be empty"));
    }
    check_text("text", &req.text, MAX_NOTE_TEXT)?;
    check_not_ahead("created_at", req.created_at)?;
    let patient_id: Option<Uuid> =
        sqlx::query_scalar("SELECT patient_id FROM signed_notes WHERE id = $1")
            .bind(note_id)
            .fetch_optional(&state.pool)
            .await?;
    match patient_id {
        Some(pid) if access::can_see_patient(&state.pool, &user, pid).await? => {}
        _ => return Err(not_found()),
    }
    let mut tx = state.pool.begin().await?;
    let row: Option<AmendmentRow> = sqlx::query_as(
        "INSERT INTO signed_note_amendments (id, note_id, author, author_user_id, text,
             created_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO NOTHING
         RETURNING id, note_id, author, author_user_id, text, created_at",
    )
    .bind(req.id)
    .bind(note_id)
    .bind(req.author.trim())
    .bind(user.user_id)
    .bind(req.text.trim())
    .bind(req.created_at)
    .fetch_optional(&mut *tx)
    .await?;
    let row = row.ok_or_else(|| {
        ApiError::conflict(
            ErrorCode::NoteAmendmentExists,
            "an amendment with this id already exists",
        )
    })?;
    // Devices pulling notes see the amended note again.
    sqlx::query("UPDATE signed_notes SET changed_at = NOW() WHERE id = $1")
        .bind(note_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SignedNote,
        Some(note_id),
        Action::Update,
        &client,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Signed notes the caller may read (a clinician their patients', an administrator all), by the
/// time they last changed, oldest first: a device pulls with `changed_since`. Patients read
/// their sessions' reviews, not the clinician's notes.
#[utoipa::path(get, path = "/api/notes", tag = "notes", security(("bearer" = [])),
    params(SignedNoteQuery),
    responses((status = 200, body = SignedNoteList), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<SignedNoteQuery>,
) -> ApiResult<Json<SignedNoteList>> {
    user.require(&[Role::Physiotherapist, Role::Admin])?;
    let (page, per_page, offset) = page_window(query.page, query.per_page)?;
    let visible = access::patient_filter_sql(&user, "n", 1);
    let filters = format!(
        "{visible} AND ($2::uuid IS NULL OR n.patient_id = $2)
         AND ($3::uuid IS NULL OR n.session_id = $3)
         AND ($4::timestamptz IS NULL OR n.changed_at >= $4)"
    );
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM signed_notes n WHERE {filters}"
    ))
    .bind(access::filter_param(&user))
    .bind(query.patient_id)
    .bind(query.session_id)
    .bind(query.changed_since)
    .fetch_one(&state.pool)
    .await?;
    let rows: Vec<NoteRow> = sqlx::query_as(&format!(
        "SELECT {NOTE_COLUMNS} FROM signed_notes n WHERE {filters}
         ORDER BY n.changed_at, n.id LIMIT $5 OFFSET $6"
    ))
    .bind(access::filter_param(&user))
    .bind(query.patient_id)
    .bind(query.session_id)
    .bind(query.changed_since)
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SignedNote,
        query.patient_id.or(query.session_id),
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(SignedNoteList {
        data: records(&state.pool, rows).await?,
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    }))
}
