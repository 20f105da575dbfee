//! `/api/sessions`: exercise sessions and their pose data (seed 003).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Json;
use axum::Router;
use chrono::{DateTime, Utc};
use physalign_api::auth::Role;
use physalign_api::sessions::{
    AngleRange, CreateSessionRequest, CreateSessionResponse, PoseDataSummary, PoseDataUpload,
    PoseDataUploadResponse, Session, SessionDetail, SessionList, SessionListQuery, SessionStatus,
    UpdateSessionRequest, UploadUrls,
};
use physalign_api::upload::UploadKind;
use physalign_api::{ErrorBody, ErrorCode};
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::etag::{if_match_version, json_with_etag, precondition_failed};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientInfo};
use crate::repo;
use crate::routes::signed_upload;
use crate::state::AppState;
use crate::validate::{check_optional_text, check_text};

/// `/api/sessions` and its sub-resources.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/sessions", post(create).get(list))
        .route(
            "/api/sessions/{session_id}",
            get(get_one).put(update).delete(delete),
        )
        .route(
            "/api/sessions/{session_id}/data",
            post(upload_data).get(crate::routes::pose_data::read),
        )
}

/// Most frames accepted in one upload (40 minutes at 15 frames per second).
pub const MAX_FRAMES_PER_UPLOAD: usize = 36_000;

/// Loads one session (no access check).
pub async fn load_session(state: &AppState, id: Uuid) -> ApiResult<Session> {
    Ok(load_session_with_summary(state, id).await?.0)
}

/// Loads one session and the pose data summary stored at upload (no access check).
pub async fn load_session_with_summary(
    state: &AppState,
    id: Uuid,
) -> ApiResult<(Session, Option<PoseDataSummary>)> {
    repo::sessions::find_with_summary(&state.pool, id)
        .await?
        .ok_or_else(|| ApiError::not_found(ErrorCode::SessionNotFound, "session"))
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
            if !repo::sessions::patient_exists(&state.pool, pid).await?
                || !access::can_see_patient(&state.pool, &user, pid).await?
            {
                return Err(ApiError::not_found(ErrorCode::PatientNotFound, "patient"));
            }
            pid
        }
    };
    if let Some(item) = req.program_item_id {
        repo::sessions::check_program_item(&state.pool, item, patient_id).await?;
    }
    // A session a clinician creates was recorded on their device for the patient: the
    // clinician is the caller, never a body field.
    let physio_id = (user.role == Role::Physiotherapist)
        .then_some(user.profile_id)
        .flatten();
    let id = repo::sessions::insert(&state.pool, &req, patient_id, physio_id)
        .await?
        .ok_or_else(|| {
            ApiError::conflict(
                ErrorCode::SessionExists,
                "a session with this id already exists",
            )
        })?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ExerciseSession,
        Some(id),
        Action::Create,
        &client,
    )
    .await?;

    let video = signed_upload::signed_url(&state, id, UploadKind::Video, user.user_id);
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
    let list = repo::sessions::list_visible(&state.pool, &user, &query).await?;
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
    let review = repo::reviews::latest(&state.pool, session_id).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ExerciseSession,
        Some(session_id),
        Action::Read,
        &client,
    )
    .await?;
    let stored = crate::routes::transcripts::load_transcript(&state.pool, session_id).await?;
    let transcript_removed = stored.as_ref().and_then(|t| t.removed());
    let transcript = stored.and_then(|t| t.present());
    let notes = crate::routes::clinical::load_notes(&state.pool, session_id).await?;
    let version = session.version;
    Ok(json_with_etag(
        StatusCode::OK,
        SessionDetail {
            session,
            pose_data,
            review,
            transcript,
            notes,
            transcript_removed,
        },
        version,
    ))
}

/// Changes session metadata; `If-Match` guards against overwriting a newer version (412).
#[utoipa::path(put, path = "/api/sessions/{session_id}", tag = "sessions", security(("bearer" = [])),
    request_body = UpdateSessionRequest,
    params(("session_id" = Uuid, Path, description = "session id"),
           ("If-Match" = Option<String>, Header, description = "ETag from GET")),
    responses((status = 200, body = Session), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 412, body = ErrorBody)))]
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
    let patient_id = access::visible_session(&state.pool, &user, session_id).await?;
    if let Some(field) = measured_field(&req) {
        if !access::is_recorder(&state.pool, &user, session_id).await? {
            return Err(ApiError::forbidden(format!(
                "{field} is measured by the device that recorded the session; a clinician \
                 changes only the status, instructions, schedule and program item"
            )));
        }
    }
    if let Some(item) = req.program_item_id {
        repo::sessions::check_program_item(&state.pool, item, patient_id).await?;
    }
    if user.role == Role::Patient && matches!(req.status, Some(SessionStatus::Reviewed)) {
        return Err(ApiError::forbidden(
            "only a physiotherapist review marks a session reviewed",
        ));
    }
    let mut tx = state.pool.begin().await?;
    let current = repo::sessions::lock_version(&mut tx, session_id)
        .await?
        .ok_or_else(|| ApiError::not_found(ErrorCode::SessionNotFound, "session"))?;
    if expected.is_some_and(|v| v != current) {
        return Err(precondition_failed(current));
    }
    repo::sessions::update(&mut tx, session_id, &req).await?;
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
    let current = repo::sessions::lock_version(&mut tx, session_id)
        .await?
        .ok_or_else(|| ApiError::not_found(ErrorCode::SessionNotFound, "session"))?;
    if expected.is_some_and(|v| v != current) {
        return Err(precondition_failed(current));
    }
    repo::sessions::delete(&mut tx, session_id).await?;
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

/// The first field of `req` that only the session's recorder may change (what the device
/// measured or the patient said about the setting), if `req` sets one.
fn measured_field(req: &UpdateSessionRequest) -> Option<&'static str> {
    [
        ("exercise_type", req.exercise_type.is_some()),
        ("start_time", req.start_time.is_some()),
        ("end_time", req.end_time.is_some()),
        ("duration_seconds", req.duration_seconds.is_some()),
        ("equipment_used", req.equipment_used.is_some()),
        ("environment_notes", req.environment_notes.is_some()),
    ]
    .into_iter()
    .find_map(|(name, set)| set.then_some(name))
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
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn upload_data(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(session_id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<PoseDataUpload>,
) -> ApiResult<(StatusCode, Json<PoseDataUploadResponse>)> {
    validate_upload(&req)?;
    access::recorded_session(&state.pool, &user, session_id).await?;

    // Whole uploads and pieces alike (see `PoseDataUpload`).
    let stored = crate::routes::pose_data::store(&state.pool, session_id, &req).await?;
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
            frames_stored: stored.frames_stored,
            status: stored
                .status
                .parse()
                .unwrap_or(SessionStatus::ReviewPending),
            parts_received: stored.parts_received,
            parts: stored.parts,
            complete: stored.parts_received == stored.parts,
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
