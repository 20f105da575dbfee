//! `/api/sessions`: exercise sessions and their pose data (seed 003).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use physalign_api::auth::Role;
use physalign_api::pagination::Pagination;
use physalign_api::sessions::{
    AngleRange, CreateSessionRequest, CreateSessionResponse, PoseDataSummary, PoseDataUpload,
    PoseDataUploadResponse, Session, SessionDetail, SessionList, SessionListQuery, SessionStatus,
    SummaryStatistics, UpdateSessionRequest, UploadUrls,
};
use physalign_api::upload::UploadKind;
use physalign_api::ErrorBody;
use physalign_api::ErrorCode;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientInfo};
use crate::routes::{
    check_optional_text, check_text, etag, if_match_version, page_window, physio,
    precondition_failed, upload,
};
use crate::state::AppState;

/// Most frames accepted in one upload (40 minutes at 15 frames per second).
pub const MAX_FRAMES_PER_UPLOAD: usize = 36_000;

const SESSION_SELECT: &str = "SELECT s.id, s.patient_id,
        TRIM(COALESCE(u.first_name, '') || ' ' || COALESCE(u.last_name, '')) AS patient_name,
        et.name AS exercise_type, s.scheduled_datetime, s.start_time, s.end_time,
        s.duration_seconds, s.estimated_duration, s.status, s.instructions, s.equipment_used,
        s.environment_notes, s.video_storage_key, s.summary_statistics, s.pose_summary, s.version,
        s.created_at, s.updated_at
     FROM exercise_sessions s
     JOIN patients p ON p.id = s.patient_id
     JOIN users u ON u.id = p.user_id
     JOIN exercise_types et ON et.id = s.exercise_type_id";

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: Uuid,
    patient_id: Uuid,
    patient_name: String,
    exercise_type: String,
    scheduled_datetime: Option<DateTime<Utc>>,
    start_time: Option<DateTime<Utc>>,
    end_time: Option<DateTime<Utc>>,
    duration_seconds: Option<i32>,
    estimated_duration: Option<i32>,
    status: String,
    instructions: Option<String>,
    equipment_used: Vec<String>,
    environment_notes: Option<String>,
    video_storage_key: Option<String>,
    summary_statistics: Option<serde_json::Value>,
    pose_summary: Option<serde_json::Value>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl SessionRow {
    fn into_session(self) -> ApiResult<Session> {
        Ok(Session {
            id: self.id,
            patient_id: self.patient_id,
            patient_name: self.patient_name,
            exercise_type: self.exercise_type,
            scheduled_datetime: self.scheduled_datetime,
            start_time: self.start_time,
            end_time: self.end_time,
            duration_seconds: self.duration_seconds,
            estimated_duration: self.estimated_duration,
            status: self
                .status
                .parse::<SessionStatus>()
                .map_err(ApiError::internal)?,
            instructions: self.instructions,
            equipment_used: self.equipment_used,
            environment_notes: self.environment_notes,
            video_url: self.video_storage_key,
            summary_statistics: self
                .summary_statistics
                .and_then(|v| serde_json::from_value::<SummaryStatistics>(v).ok()),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Loads one session (no access check).
pub async fn load_session(state: &AppState, id: Uuid) -> ApiResult<Session> {
    Ok(load_session_with_summary(state, id).await?.0)
}

/// Loads one session and the pose data summary stored at upload (no access check).
pub async fn load_session_with_summary(
    state: &AppState,
    id: Uuid,
) -> ApiResult<(Session, Option<PoseDataSummary>)> {
    let row: Option<SessionRow> = sqlx::query_as(&format!("{SESSION_SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(&state.pool)
        .await?;
    let mut row = row.ok_or_else(|| ApiError::not_found(ErrorCode::SessionNotFound, "session"))?;
    let summary = row
        .pose_summary
        .take()
        .and_then(|v| serde_json::from_value::<PoseDataSummary>(v).ok());
    Ok((row.into_session()?, summary))
}

fn push_filters(qb: &mut QueryBuilder<'_, Postgres>, user: &AuthUser, q: &SessionListQuery) {
    match user.role {
        Role::Admin => {}
        Role::Patient => {
            qb.push(" AND s.patient_id = ")
                .push_bind(access::filter_param(user));
        }
        Role::Physiotherapist => {
            qb.push(
                " AND s.patient_id IN (SELECT patient_id FROM patient_physio_assignments
                  WHERE status = 'active' AND physiotherapist_id = ",
            )
            .push_bind(access::filter_param(user))
            .push(")");
        }
    }
    if let Some(status) = q.status {
        qb.push(" AND s.status = ").push_bind(status.as_str());
    }
    if let Some(pid) = q.patient_id {
        qb.push(" AND s.patient_id = ").push_bind(pid);
    }
    if let Some(name) = &q.exercise_type {
        qb.push(" AND et.name = ")
            .push_bind(name.trim().to_lowercase());
    }
    if let Some(from) = q.from {
        qb.push(" AND s.created_at >= ").push_bind(from);
    }
    if let Some(to) = q.to {
        qb.push(" AND s.created_at < ").push_bind(to);
    }
}

/// The page of sessions `user` may see that match `q`, newest first.
pub async fn list_visible(
    state: &AppState,
    user: &AuthUser,
    q: &SessionListQuery,
) -> ApiResult<SessionList> {
    let (page, per_page, offset) = page_window(q.page, q.per_page)?;
    let mut count = QueryBuilder::<Postgres>::new(
        "SELECT COUNT(*) FROM exercise_sessions s JOIN exercise_types et ON et.id = s.exercise_type_id WHERE TRUE",
    );
    push_filters(&mut count, user, q);
    let total: i64 = count.build_query_scalar().fetch_one(&state.pool).await?;

    let mut select = QueryBuilder::<Postgres>::new(SESSION_SELECT);
    select.push(" WHERE TRUE");
    push_filters(&mut select, user, q);
    select
        .push(" ORDER BY s.created_at DESC, s.id LIMIT ")
        .push_bind(i64::from(per_page))
        .push(" OFFSET ")
        .push_bind(offset);
    let rows: Vec<SessionRow> = select.build_query_as().fetch_all(&state.pool).await?;
    Ok(SessionList {
        data: rows
            .into_iter()
            .map(SessionRow::into_session)
            .collect::<ApiResult<_>>()?,
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    })
}

/// Id of the exercise type called `name`, created on first use.
async fn exercise_type_id(executor: impl sqlx::PgExecutor<'_>, name: &str) -> ApiResult<Uuid> {
    Ok(sqlx::query_scalar(
        "INSERT INTO exercise_types (name) VALUES ($1)
         ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id",
    )
    .bind(name.trim().to_lowercase())
    .fetch_one(executor)
    .await?)
}

fn check_seconds(field: &str, value: Option<i32>) -> ApiResult<()> {
    match value {
        Some(v) if !(0..=86_400).contains(&v) => Err(ApiError::field(
            field,
            "must be between 0 and 86400 seconds",
        )),
        _ => Ok(()),
    }
}

fn check_equipment(value: Option<&Vec<String>>) -> ApiResult<()> {
    if let Some(list) = value {
        if list.len() > 50 {
            return Err(ApiError::field("equipment_used", "at most 50 entries"));
        }
        for (i, item) in list.iter().enumerate() {
            check_text(&format!("equipment_used[{i}]"), item, 100)?;
        }
    }
    Ok(())
}

fn check_times(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> ApiResult<()> {
    match (start, end) {
        (Some(s), Some(e)) if e < s => {
            Err(ApiError::field("end_time", "must not be before start_time"))
        }
        _ => Ok(()),
    }
}

fn json_with_etag<T: serde::Serialize>(status: StatusCode, body: T, version: i32) -> Response {
    let mut response = (status, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// Creates a session. Patients create their own; physiotherapists for assigned patients;
/// admins for anyone. A client-generated `id` is kept (offline devices).
#[utoipa::path(post, path = "/api/sessions", tag = "sessions", security(("bearer" = [])),
    request_body = CreateSessionRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes retries safe")),
    responses((status = 201, body = CreateSessionResponse), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<CreateSessionRequest>,
) -> ApiResult<Response> {
    check_text("exercise_type", &req.exercise_type, 100)?;
    check_seconds("estimated_duration", req.estimated_duration)?;
    check_seconds("duration_seconds", req.duration_seconds)?;
    check_optional_text("instructions", req.instructions.as_deref(), 5000)?;
    check_optional_text("environment_notes", req.environment_notes.as_deref(), 5000)?;
    check_equipment(req.equipment_used.as_ref())?;
    check_times(req.start_time, req.end_time)?;
    let patient_id = match (user.role, req.patient_id) {
        (Role::Patient, requested) => {
            let own = user
                .profile_id
                .ok_or_else(|| ApiError::forbidden("no patient profile"))?;
            if requested.is_some_and(|p| p != own) {
                return Err(ApiError::forbidden(
                    "patients can only create their own sessions",
                ));
            }
            own
        }
        (_, None) => return Err(ApiError::field("patient_id", "is required")),
        (_, Some(pid)) => {
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM patients WHERE id = $1)")
                    .bind(pid)
                    .fetch_one(&state.pool)
                    .await?;
            if !exists || !access::can_see_patient(&state.pool, &user, pid).await? {
                return Err(ApiError::not_found(ErrorCode::PatientNotFound, "patient"));
            }
            pid
        }
    };
    let physio_id = (user.role == Role::Physiotherapist)
        .then_some(user.profile_id)
        .flatten();
    let mut tx = state.pool.begin().await?;
    let type_id = exercise_type_id(&mut *tx, &req.exercise_type).await?;
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO exercise_sessions (id, patient_id, physiotherapist_id, exercise_type_id,
            scheduled_datetime, estimated_duration, instructions, start_time, end_time,
            duration_seconds, equipment_used, environment_notes)
         VALUES (COALESCE($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11, '{}'), $12)
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(req.id)
    .bind(patient_id)
    .bind(physio_id)
    .bind(type_id)
    .bind(req.scheduled_datetime)
    .bind(req.estimated_duration)
    .bind(req.instructions.as_deref())
    .bind(req.start_time)
    .bind(req.end_time)
    .bind(req.duration_seconds)
    .bind(req.equipment_used.as_deref())
    .bind(req.environment_notes.as_deref())
    .fetch_optional(&mut *tx)
    .await?;
    let id = id.ok_or_else(|| {
        ApiError::conflict(
            ErrorCode::SessionExists,
            "a session with this id already exists",
        )
    })?;
    tx.commit().await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ExerciseSession,
        Some(id),
        Action::Create,
        &client,
    )
    .await?;

    let video = upload::signed_url(&state, id, UploadKind::Video);
    let base = state.config.public_base_url();
    let body = CreateSessionResponse {
        session_id: id,
        status: SessionStatus::Pending,
        upload_urls: UploadUrls {
            video: video.upload_url,
            metadata: format!("{base}/api/sessions/{id}/data"),
        },
        expires_at: video.expires_at,
    };
    let mut response = json_with_etag(StatusCode::CREATED, body, 1);
    if let Ok(location) = HeaderValue::from_str(&format!("/api/sessions/{id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Sessions the caller may see, filtered and paginated.
#[utoipa::path(get, path = "/api/sessions", tag = "sessions", security(("bearer" = [])),
    params(SessionListQuery),
    responses((status = 200, body = SessionList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<SessionListQuery>,
) -> ApiResult<Json<SessionList>> {
    let list = list_visible(&state, &user, &query).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SessionList,
        query.patient_id,
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(list))
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Frame count, sampling rate, mean quality and per-angle ranges of uploaded frames.
pub fn summarise_frames(frames: &[physalign_api::sessions::UploadFrame]) -> PoseDataSummary {
    let n = frames.len();
    let first = frames.iter().map(|f| f.timestamp).min();
    let last = frames.iter().map(|f| f.timestamp).max();
    let sampling_rate = match (first, last) {
        (Some(first), Some(last)) if last > first && n > 1 => {
            Some(round2((n - 1) as f64 * 1000.0 / (last - first) as f64))
        }
        _ => None,
    };
    let qualities: Vec<f64> = frames.iter().filter_map(|f| f.quality_score).collect();
    let average_quality =
        (!qualities.is_empty()).then(|| qualities.iter().sum::<f64>() / qualities.len() as f64);
    // (min, max, sum, count) per angle.
    let mut acc: BTreeMap<&str, (f64, f64, f64, u32)> = BTreeMap::new();
    for frame in frames {
        for (name, &value) in &frame.angles {
            let e = acc
                .entry(name.as_str())
                .or_insert((f64::MAX, f64::MIN, 0.0, 0));
            e.0 = e.0.min(value);
            e.1 = e.1.max(value);
            e.2 += value;
            e.3 += 1;
        }
    }
    let angle_ranges = acc
        .into_iter()
        .map(|(name, (min, max, sum, count))| {
            (
                name.to_string(),
                AngleRange {
                    min,
                    max,
                    avg: round2(sum / f64::from(count)),
                },
            )
        })
        .collect();
    PoseDataSummary {
        frame_count: u32::try_from(n).unwrap_or(u32::MAX),
        sampling_rate,
        average_quality,
        angle_ranges,
    }
}

/// A session with its pose data summary and latest review; `ETag` carries its version.
#[utoipa::path(get, path = "/api/sessions/{session_id}", tag = "sessions", security(("bearer" = [])),
    params(("session_id" = Uuid, Path, description = "session id")),
    responses((status = 200, body = SessionDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(session_id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    access::visible_session(&state.pool, &user, session_id).await?;
    let (session, pose_data) = load_session_with_summary(&state, session_id).await?;
    let review = physio::latest_review(&state, session_id).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ExerciseSession,
        Some(session_id),
        Action::Read,
        &client,
    )
    .await?;
    let version = session.version;
    Ok(json_with_etag(
        StatusCode::OK,
        SessionDetail {
            session,
            pose_data,
            review,
        },
        version,
    ))
}

/// Changes session metadata; `If-Match` guards against overwriting a newer version (412).
#[utoipa::path(put, path = "/api/sessions/{session_id}", tag = "sessions", security(("bearer" = [])),
    request_body = UpdateSessionRequest,
    params(("session_id" = Uuid, Path, description = "session id"),
           ("If-Match" = Option<String>, Header, description = "ETag from GET")),
    responses((status = 200, body = Session), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 412, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    headers: HeaderMap,
    ApiPath(session_id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateSessionRequest>,
) -> ApiResult<Response> {
    if let Some(name) = &req.exercise_type {
        check_text("exercise_type", name, 100)?;
    }
    check_seconds("estimated_duration", req.estimated_duration)?;
    check_seconds("duration_seconds", req.duration_seconds)?;
    check_optional_text("instructions", req.instructions.as_deref(), 5000)?;
    check_optional_text("environment_notes", req.environment_notes.as_deref(), 5000)?;
    check_equipment(req.equipment_used.as_ref())?;
    check_times(req.start_time, req.end_time)?;
    let expected = if_match_version(&headers)?;
    access::visible_session(&state.pool, &user, session_id).await?;
    if user.role == Role::Patient && matches!(req.status, Some(SessionStatus::Reviewed)) {
        return Err(ApiError::forbidden(
            "only a physiotherapist review marks a session reviewed",
        ));
    }
    let mut tx = state.pool.begin().await?;
    let current: i32 =
        sqlx::query_scalar("SELECT version FROM exercise_sessions WHERE id = $1 FOR UPDATE")
            .bind(session_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| ApiError::not_found(ErrorCode::SessionNotFound, "session"))?;
    if expected.is_some_and(|v| v != current) {
        return Err(precondition_failed(current));
    }
    let type_id = match &req.exercise_type {
        Some(name) => Some(exercise_type_id(&mut *tx, name).await?),
        None => None,
    };
    sqlx::query(
        "UPDATE exercise_sessions SET
            exercise_type_id = COALESCE($2, exercise_type_id),
            scheduled_datetime = COALESCE($3, scheduled_datetime),
            start_time = COALESCE($4, start_time),
            end_time = COALESCE($5, end_time),
            duration_seconds = COALESCE($6, duration_seconds),
            estimated_duration = COALESCE($7, estimated_duration),
            status = COALESCE($8, status),
            instructions = COALESCE($9, instructions),
            equipment_used = COALESCE($10, equipment_used),
            environment_notes = COALESCE($11, environment_notes),
            version = version + 1
         WHERE id = $1",
    )
    .bind(session_id)
    .bind(type_id)
    .bind(req.scheduled_datetime)
    .bind(req.start_time)
    .bind(req.end_time)
    .bind(req.duration_seconds)
    .bind(req.estimated_duration)
    .bind(req.status.map(SessionStatus::as_str))
    .bind(req.instructions.as_deref())
    .bind(req.equipment_used.as_deref())
    .bind(req.environment_notes.as_deref())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ExerciseSession,
        Some(session_id),
        Action::Update,
        &client,
    )
    .await?;
    let session = load_session(&state, session_id).await?;
    let version = session.version;
    Ok(json_with_etag(StatusCode::OK, session, version))
}

/// Deletes a session with its frames and reviews. The owning patient or an admin only.
#[utoipa::path(delete, path = "/api/sessions/{session_id}", tag = "sessions", security(("bearer" = [])),
    params(("session_id" = Uuid, Path, description = "session id"),
           ("If-Match" = Option<String>, Header, description = "ETag from GET")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    headers: HeaderMap,
    ApiPath(session_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let expected = if_match_version(&headers)?;
    access::visible_session(&state.pool, &user, session_id).await?;
    user.require(&[Role::Patient, Role::Admin])?;
    let mut tx = state.pool.begin().await?;
    let current: Option<i32> =
        sqlx::query_scalar("SELECT version FROM exercise_sessions WHERE id = $1 FOR UPDATE")
            .bind(session_id)
            .fetch_optional(&mut *tx)
            .await?;
    let current =
        current.ok_or_else(|| ApiError::not_found(ErrorCode::SessionNotFound, "session"))?;
    if expected.is_some_and(|v| v != current) {
        return Err(precondition_failed(current));
    }
    sqlx::query("DELETE FROM exercise_sessions WHERE id = $1")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ExerciseSession,
        Some(session_id),
        Action::Delete,
        &client,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn validate_upload(req: &PoseDataUpload) -> ApiResult<()> {
    if req.frames.is_empty() {
        return Err(ApiError::field("frames", "must contain at least one frame"));
    }
    if req.frames.len() > MAX_FRAMES_PER_UPLOAD {
        return Err(ApiError::field(
            "frames",
            format!("at most {MAX_FRAMES_PER_UPLOAD} frames per upload"),
        ));
    }
    for (i, frame) in req.frames.iter().enumerate() {
        if frame.timestamp < 0 {
            return Err(ApiError::field(
                format!("frames[{i}].timestamp"),
                "must not be negative",
            ));
        }
        if let Some(q) = frame.quality_score {
            if !(0.0..=1.0).contains(&q) {
                return Err(ApiError::field(
                    format!("frames[{i}].quality_score"),
                    "must be between 0 and 1",
                ));
            }
        }
        if frame.landmarks.len() > 2 * physalign_domain::LANDMARK_COUNT {
            return Err(ApiError::field(
                format!("frames[{i}].landmarks"),
                "too many landmarks",
            ));
        }
        if frame.angles.len() > 64 {
            return Err(ApiError::field(
                format!("frames[{i}].angles"),
                "at most 64 angles",
            ));
        }
        for (name, value) in &frame.angles {
            if name.is_empty() || name.len() > 64 {
                return Err(ApiError::field(
                    format!("frames[{i}].angles"),
                    "angle names must be 1-64 characters",
                ));
            }
            if !value.is_finite() || value.abs() > 3600.0 {
                return Err(ApiError::field(
                    format!("frames[{i}].angles.{name}"),
                    "must be a finite angle in degrees",
                ));
            }
        }
        if frame.form_issues.len() > 64 {
            return Err(ApiError::field(
                format!("frames[{i}].form_issues"),
                "at most 64 issues",
            ));
        }
    }
    if let Some(q) = req
        .summary_statistics
        .as_ref()
        .and_then(|s| s.average_quality)
    {
        if !(0.0..=1.0).contains(&q) {
            return Err(ApiError::field(
                "summary_statistics.average_quality",
                "must be between 0 and 1",
            ));
        }
    }
    Ok(())
}

/// Stores a session's analysed frames (replacing earlier ones) and the device's summary; the
/// session then waits for review.
#[utoipa::path(post, path = "/api/sessions/{session_id}/data", tag = "sessions", security(("bearer" = [])),
    request_body = PoseDataUpload,
    params(("session_id" = Uuid, Path, description = "session id"),
           ("Idempotency-Key" = Option<String>, Header, description = "makes retries safe")),
    responses((status = 201, body = PoseDataUploadResponse), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn upload_data(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(session_id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<PoseDataUpload>,
) -> ApiResult<(StatusCode, Json<PoseDataUploadResponse>)> {
    validate_upload(&req)?;
    access::visible_session(&state.pool, &user, session_id).await?;

    let n = req.frames.len();
    let mut numbers = Vec::with_capacity(n);
    let mut timestamps = Vec::with_capacity(n);
    let mut landmarks = Vec::with_capacity(n);
    let mut angles = Vec::with_capacity(n);
    let mut qualities: Vec<Option<f64>> = Vec::with_capacity(n);
    let mut issues = Vec::with_capacity(n);
    for (i, frame) in req.frames.iter().enumerate() {
        numbers.push(
            frame
                .frame_number
                .unwrap_or(i32::try_from(i).unwrap_or(i32::MAX)),
        );
        timestamps.push(frame.timestamp);
        landmarks.push(serde_json::to_string(&frame.landmarks).map_err(ApiError::internal)?);
        angles.push(serde_json::to_string(&frame.angles).map_err(ApiError::internal)?);
        qualities.push(frame.quality_score);
        issues.push(serde_json::to_string(&frame.form_issues).map_err(ApiError::internal)?);
    }
    let summary = req
        .summary_statistics
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(ApiError::internal)?;
    let pose_summary =
        serde_json::to_value(summarise_frames(&req.frames)).map_err(ApiError::internal)?;

    let mut tx = state.pool.begin().await?;
    // Lock the session so concurrent uploads replace each other instead of interleaving.
    sqlx::query("SELECT 1 FROM exercise_sessions WHERE id = $1 FOR UPDATE")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM pose_frames WHERE session_id = $1")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    // JSON travels as text and is parsed once, by PostgreSQL.
    sqlx::query(
        "INSERT INTO pose_frames (session_id, frame_number, timestamp_ms, landmarks, calculated_angles, quality_score, form_issues)
         SELECT $1, f.n, f.t, f.l::jsonb, f.a::jsonb, f.q::numeric(3,2), f.i::jsonb
         FROM UNNEST($2::int4[], $3::int8[], $4::text[], $5::text[], $6::float8[], $7::text[]) AS f(n, t, l, a, q, i)",
    )
    .bind(session_id)
    .bind(&numbers)
    .bind(&timestamps)
    .bind(&landmarks)
    .bind(&angles)
    .bind(&qualities)
    .bind(&issues)
    .execute(&mut *tx)
    .await?;
    let status: String = sqlx::query_scalar(
        "UPDATE exercise_sessions SET
            summary_statistics = COALESCE($2, summary_statistics),
            pose_summary = $3,
            status = CASE WHEN status IN ('pending', 'recording', 'processing') THEN 'review_pending' ELSE status END,
            version = version + 1
         WHERE id = $1 RETURNING status",
    )
    .bind(session_id)
    .bind(summary)
    .bind(pose_summary)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::PoseData,
        Some(session_id),
        Action::Create,
        &client,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(PoseDataUploadResponse {
            session_id,
            frames_stored: u32::try_from(n).unwrap_or(u32::MAX),
            status: status.parse().unwrap_or(SessionStatus::ReviewPending),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use physalign_api::sessions::UploadFrame;

    fn frame(timestamp: i64, knee: f64, quality: Option<f64>) -> UploadFrame {
        UploadFrame {
            timestamp,
            frame_number: None,
            landmarks: vec![],
            angles: [("knee_left".to_string(), knee)].into(),
            quality_score: quality,
            form_issues: vec![],
        }
    }

    #[test]
    fn summary_has_rate_quality_and_angle_ranges() {
        let s = summarise_frames(&[
            frame(0, 90.0, Some(0.8)),
            frame(100, 120.0, None),
            frame(200, 100.0, Some(1.0)),
        ]);
        assert_eq!(s.frame_count, 3);
        assert_eq!(s.sampling_rate, Some(10.0));
        assert!((s.average_quality.unwrap() - 0.9).abs() < 1e-12);
        let knee = s.angle_ranges["knee_left"];
        assert_eq!((knee.min, knee.max, knee.avg), (90.0, 120.0, 103.33));
        let single = summarise_frames(&[frame(5, 1.0, None)]);
        assert_eq!((single.sampling_rate, single.average_quality), (None, None));
    }
}
