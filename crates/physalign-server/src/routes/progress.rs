//! Seed 000: `/api/session/{progress,snapshots,skills,analytics,comparison}` and
//! `/api/evaluation`. Writes are for physiotherapists (assigned) and admins; reads for anyone
//! who may see the session.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::post;
use axum::Json;
use axum::Router;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use physalign_api::progress::{
    AnalyticsData, AnalyticsResponse, Comparison, ComparisonMetrics, ComparisonQuery,
    ComparisonsResponse, Evaluation, EvaluationsResponse, FeedbackEntry, Milestone,
    ProgressMetrics, ProgressQuery, ProgressResponse, SessionIdQuery, SkillEntry, SkillsQuery,
    SkillsResponse, Snapshot, SnapshotsResponse, StoreAnalyticsRequest, StoreComparisonRequest,
    StoreEvaluationRequest, StoreProgressRequest, StoreSkillsRequest, StoreSnapshotsRequest,
    StoredComparison, StoredEvaluation, StoredForSession, StoredSkills,
};
use physalign_api::sessions::{PoseDataSummary, RepetitionRow, RepetitionSide, SummaryStatistics};
use physalign_api::ErrorBody;
use physalign_api::ErrorCode;
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, ClientInfo};
use crate::state::AppState;
use crate::validate::{check_optional_text, check_text, page_of, page_window, total_of};

/// `/api/session/*` (progress, snapshots, skills, analytics, comparisons) and `/api/evaluation`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/session/progress",
            post(store_progress).get(get_progress),
        )
        .route(
            "/api/session/snapshots",
            post(store_snapshots).get(get_snapshots),
        )
        .route(
            "/api/session/progress/snapshots",
            post(store_snapshots).get(get_snapshots),
        )
        .route("/api/session/skills", post(store_skills).get(get_skills))
        .route(
            "/api/session/analytics",
            post(store_analytics).get(get_analytics),
        )
        .route(
            "/api/session/comparison",
            post(store_comparison).get(get_comparisons),
        )
        .route(
            "/api/evaluation",
            post(store_evaluation).get(get_evaluations),
        )
}

fn required(session_id: Option<Uuid>) -> ApiResult<Uuid> {
    session_id.ok_or_else(|| ApiError::field("sessionId", "is required"))
}

fn check_score(field: &str, value: f64) -> ApiResult<()> {
    if value.is_finite() && (0.0..=100.0).contains(&value) {
        Ok(())
    } else {
        Err(ApiError::field(field, "must be between 0 and 100"))
    }
}

/// Start of a `timeRange` (`7d`, `30d`, `90d`, `1y`); 400 for anything else.
fn time_range_start(range: Option<&str>) -> ApiResult<Option<DateTime<Utc>>> {
    let days = match range {
        None => return Ok(None),
        Some("7d") => 7,
        Some("30d") => 30,
        Some("90d") => 90,
        Some("1y") => 365,
        Some(_) => {
            return Err(ApiError::field(
                "timeRange",
                "must be one of 7d, 30d, 90d, 1y",
            ))
        }
    };
    Ok(Some(Utc::now() - chrono::Duration::days(days)))
}

fn validate_metrics(m: &ProgressMetrics) -> ApiResult<()> {
    for (name, score) in &m.skill_scores {
        check_text("progressMetrics.skillScores", name, 100)?;
        check_score(&format!("progressMetrics.skillScores.{name}"), *score)?;
    }
    if let Some(flow) = m.conversation_flow {
        check_score("progressMetrics.conversationFlow", flow)?;
    }
    for (field, value) in [
        ("progressMetrics.sessionDuration", m.session_duration),
        ("progressMetrics.activeTime", m.active_time),
        ("progressMetrics.responseTime", m.response_time),
    ] {
        if value.is_some_and(|v| !v.is_finite() || v < 0.0) {
            return Err(ApiError::field(field, "must be a non-negative number"));
        }
    }
    if m.milestones_reached.len() > 100 {
        return Err(ApiError::field(
            "progressMetrics.milestonesReached",
            "at most 100 entries",
        ));
    }
    for (i, name) in m.milestones_reached.iter().enumerate() {
        check_text(
            &format!("progressMetrics.milestonesReached[{i}]"),
            name,
            100,
        )?;
    }
    Ok(())
}

/// Who did this: always the caller's user id. A body may still name it (seed 000's clients
/// send it), but naming anyone else, administrators included, is refused.
fn acting_user(field: &str, given: Option<Uuid>, user: &AuthUser) -> ApiResult<Uuid> {
    match given {
        Some(id) if id != user.user_id => Err(ApiError::field(
            field,
            "must be the caller's own user id or absent",
        )),
        _ => Ok(user.user_id),
    }
}

/// Names in `skillScores` that the server computes from the session's uploaded data. A value a
/// client sends under one of these names is ignored, as are `sessionDuration`, `activeTime` and
/// `conversationFlow`: see [`server_measures`].
pub const SERVER_SKILLS: [&str; 9] = [
    "repetitions",
    "fullRepetitions",
    "partialRepetitions",
    "rangeOfMotionDeg",
    "maxRangeOfMotionDeg",
    "rangeOfMotionDegLeft",
    "rangeOfMotionDegRight",
    "quality",
    "repetitionConfidence",
];

/// Header of a `POST /api/session/progress` answer naming the fields it ignored.
pub const IGNORED_FIELDS_HEADER: &str = "x-ignored-fields";

/// Drops what the server computes from a client's metrics; answers the paths it dropped.
fn strip_server_fields(m: &mut ProgressMetrics) -> Vec<String> {
    let mut dropped = Vec::new();
    if m.session_duration.take().is_some() {
        dropped.push("progressMetrics.sessionDuration".to_string());
    }
    if m.active_time.take().is_some() {
        dropped.push("progressMetrics.activeTime".to_string());
    }
    if m.conversation_flow.take().is_some() {
        dropped.push("progressMetrics.conversationFlow".to_string());
    }
    for name in SERVER_SKILLS {
        if m.skill_scores.remove(name).is_some() {
            dropped.push(format!("progressMetrics.skillScores.{name}"));
        }
    }
    dropped
}

/// What the server holds of a session, for its progress.
#[derive(Debug, Default, sqlx::FromRow)]
pub struct HeldData {
    /// Session start.
    pub start_time: Option<DateTime<Utc>>,
    /// Session end.
    pub end_time: Option<DateTime<Utc>>,
    /// Duration column of the session.
    pub duration_seconds: Option<i32>,
    /// The uploaded repetition table.
    pub repetitions: Option<serde_json::Value>,
    /// The server's summary of the stored frames (`PoseDataSummary`).
    pub pose_summary: Option<serde_json::Value>,
    /// The uploaded summary statistics (for `primary_angle`).
    pub summary_statistics: Option<serde_json::Value>,
    /// Frames stored.
    pub frame_count: i64,
    /// First and last frame timestamp, milliseconds.
    pub first_ms: Option<i64>,
    /// Last frame timestamp, milliseconds.
    pub last_ms: Option<i64>,
}

impl HeldData {
    /// Whether any pose data (frames or a repetition table) was uploaded.
    pub fn has_data(&self) -> bool {
        self.repetitions.is_some() || self.frame_count > 0
    }
}

async fn held_data(pool: &sqlx::PgPool, session_id: Uuid) -> ApiResult<HeldData> {
    Ok(sqlx::query_as(
        "SELECT s.start_time, s.end_time, s.duration_seconds, s.repetitions, s.pose_summary,
            s.summary_statistics, f.frame_count, f.first_ms, f.last_ms
         FROM exercise_sessions s,
            LATERAL (SELECT COUNT(*) AS frame_count, MIN(timestamp_ms) AS first_ms,
                        MAX(timestamp_ms) AS last_ms
                     FROM pose_frames WHERE session_id = s.id) f
         WHERE s.id = $1",
    )
    .bind(session_id)
    .fetch_optional(pool)
    .await?
    .unwrap_or_default())
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values
        .filter(|v| v.is_finite())
        .fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / f64::from(n))
}

/// Mean range of motion (degrees) of the full repetitions among `reps`, or of all of them when
/// none is full.
fn mean_rom(reps: &[&RepetitionRow]) -> Option<f64> {
    let full: Vec<&&RepetitionRow> = reps.iter().filter(|r| !r.partial).collect();
    let rom = |r: &RepetitionRow| r.max_angle - r.min_angle;
    if full.is_empty() {
        mean(reps.iter().map(|r| rom(r)))
    } else {
        mean(full.iter().map(|r| rom(r)))
    }
}

/// The measures the server derives from what it holds of a session (never from a client's
/// progress body). Units: seconds, counts, degrees, quality 0..100.
#[derive(Debug, Default, PartialEq)]
pub struct ServerMeasures {
    /// `sessionDuration`, seconds.
    pub session_duration: Option<f64>,
    /// `activeTime`, seconds: the repetitions' durations added up.
    pub active_time: Option<f64>,
    /// `conversationFlow`: movement quality 0..100 (same as `skillScores.quality`).
    pub quality: Option<f64>,
    /// The `SERVER_SKILLS` entries that could be computed.
    pub skills: BTreeMap<String, f64>,
}

/// Derives the progress measures from the session's repetition table, frames and times.
pub fn server_measures(held: &HeldData) -> ServerMeasures {
    let mut out = ServerMeasures::default();
    let reps: Vec<RepetitionRow> = held
        .repetitions
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let pose: Option<PoseDataSummary> = held
        .pose_summary
        .clone()
        .and_then(|v| serde_json::from_value(v).ok());
    let summary: Option<SummaryStatistics> = held
        .summary_statistics
        .clone()
        .and_then(|v| serde_json::from_value(v).ok());

    out.session_duration = match (held.start_time, held.end_time, held.duration_seconds) {
        (Some(start), Some(end), _) if end > start => {
            Some(round2((end - start).num_milliseconds() as f64 / 1000.0))
        }
        (_, _, Some(d)) if d >= 0 => Some(f64::from(d)),
        _ => match (held.first_ms, held.last_ms) {
            (Some(first), Some(last)) if held.frame_count > 1 && last > first => {
                Some(round2((last - first) as f64 / 1000.0))
            }
            _ => None,
        },
    };

    if held.repetitions.is_some() {
        let all: Vec<&RepetitionRow> = reps.iter().collect();
        let full = reps.iter().filter(|r| !r.partial).count();
        let active_ms: i64 = reps.iter().map(|r| (r.end_ms - r.start_ms).max(0)).sum();
        out.active_time = Some(round2(active_ms as f64 / 1000.0));
        out.skills.insert("repetitions".into(), reps.len() as f64);
        out.skills.insert("fullRepetitions".into(), full as f64);
        out.skills
            .insert("partialRepetitions".into(), (reps.len() - full) as f64);
        if let Some(rom) = mean_rom(&all) {
            out.skills.insert("rangeOfMotionDeg".into(), round2(rom));
        }
        if let Some(max) = reps
            .iter()
            .map(|r| r.max_angle - r.min_angle)
            .filter(|v| v.is_finite())
            .reduce(f64::max)
        {
            out.skills.insert("maxRangeOfMotionDeg".into(), round2(max));
        }
        for (side, name) in [
            (RepetitionSide::Left, "rangeOfMotionDegLeft"),
            (RepetitionSide::Right, "rangeOfMotionDegRight"),
        ] {
            let of_side: Vec<&RepetitionRow> =
                reps.iter().filter(|r| r.side == Some(side)).collect();
            if let Some(rom) = mean_rom(&of_side) {
                out.skills.insert(name.into(), round2(rom));
            }
        }
        if let Some(c) = mean(reps.iter().filter_map(|r| r.confidence)) {
            out.skills
                .insert("repetitionConfidence".into(), round2(c * 100.0));
        }
    } else if let Some(pose) = pose.as_ref().filter(|p| p.frame_count > 0) {
        // No repetition table: the range of the primary angle over the frames (the angle
        // named by the upload, else the one with the widest range).
        let named = summary
            .as_ref()
            .and_then(|s| s.primary_angle.as_deref())
            .and_then(|a| pose.angle_ranges.get(a));
        let widest = pose
            .angle_ranges
            .values()
            .max_by(|a, b| (a.max - a.min).total_cmp(&(b.max - b.min)));
        if let Some(range) = named.or(widest) {
            let rom = round2(range.max - range.min);
            out.skills.insert("rangeOfMotionDeg".into(), rom);
            out.skills.insert("maxRangeOfMotionDeg".into(), rom);
        }
    }

    if let Some(q) = pose.and_then(|p| p.average_quality) {
        let q = round2((q * 100.0).clamp(0.0, 100.0));
        out.quality = Some(q);
        out.skills.insert("quality".into(), q);
    }
    out
}

/// Puts the server's measures into `m`, replacing whatever a client sent for them.
fn apply_server_measures(m: &mut ProgressMetrics, measures: ServerMeasures) {
    strip_server_fields(m);
    m.session_duration = measures.session_duration;
    m.active_time = measures.active_time;
    m.conversation_flow = measures.quality;
    m.skill_scores.extend(measures.skills);
}

/// Stores a session's progress metrics (replacing earlier ones), its milestones and feedback.
/// The measures the server computes from the session's uploaded data (`sessionDuration`,
/// `activeTime`, `conversationFlow` and the `skillScores` named in [`SERVER_SKILLS`]) are not
/// taken from the body: they are ignored, and the `X-Ignored-Fields` header names them.
#[utoipa::path(post, path = "/api/session/progress", tag = "progress", security(("bearer" = [])),
    request_body = StoreProgressRequest,
    responses((status = 200, body = StoredForSession,
                headers(("X-Ignored-Fields" = String, description = "fields the server computes itself and ignored in the body, comma-separated"))),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn store_progress(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(mut req): ApiJson<StoreProgressRequest>,
) -> ApiResult<(HeaderMap, Json<StoredForSession>)> {
    // What the server computes is dropped first: it is neither validated nor stored.
    let ignored = strip_server_fields(&mut req.progress_metrics);
    validate_metrics(&req.progress_metrics)?;
    check_optional_text(
        "evaluationFeedback",
        req.evaluation_feedback.as_deref(),
        10_000,
    )?;
    access::clinician_session(&state.pool, &user, req.session_id).await?;
    let therapist_id = acting_user("therapistId", req.therapist_id, &user)?;
    let metrics = serde_json::to_value(&req.progress_metrics).map_err(ApiError::internal)?;
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "INSERT INTO session_progress (session_id, progress_metrics) VALUES ($1, $2)
         ON CONFLICT (session_id) DO UPDATE SET progress_metrics = EXCLUDED.progress_metrics, updated_at = NOW()",
    )
    .bind(req.session_id)
    .bind(&metrics)
    .execute(&mut *tx)
    .await?;
    let achieved_at = req
        .progress_metrics
        .last_milestone_time
        .unwrap_or_else(Utc::now);
    for name in &req.progress_metrics.milestones_reached {
        sqlx::query(
            "INSERT INTO session_milestones (session_id, milestone_name, achieved_at) VALUES ($1, $2, $3)
             ON CONFLICT (session_id, milestone_name) DO NOTHING",
        )
        .bind(req.session_id)
        .bind(name)
        .bind(achieved_at)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(feedback) = req
        .evaluation_feedback
        .as_deref()
        .filter(|f| !f.trim().is_empty())
    {
        sqlx::query("INSERT INTO progress_feedback (session_id, therapist_id, feedback) VALUES ($1, $2, $3)")
            .bind(req.session_id)
            .bind(therapist_id)
            .bind(feedback)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SessionProgress,
        Some(req.session_id),
        Action::Update,
        &client,
    )
    .await?;
    let mut headers = HeaderMap::new();
    if !ignored.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&ignored.join(",")) {
            headers.insert(IGNORED_FIELDS_HEADER, v);
        }
    }
    Ok((
        headers,
        Json(StoredForSession {
            success: true,
            session_id: req.session_id,
        }),
    ))
}

/// A session's progress metrics, with feedback on request. `sessionDuration`, `activeTime`,
/// `conversationFlow` and the `skillScores` named in [`SERVER_SKILLS`] are computed by the
/// server from the session's uploaded data (absent when it holds none); the rest is what a
/// clinician stored. 404 when there is neither.
#[utoipa::path(get, path = "/api/session/progress", tag = "progress", security(("bearer" = [])),
    params(ProgressQuery),
    responses((status = 200, body = ProgressResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_progress(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(q): ApiQuery<ProgressQuery>,
) -> ApiResult<Json<ProgressResponse>> {
    let session_id = required(q.session_id)?;
    access::visible_session(&state.pool, &user, session_id).await?;
    let stored: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT progress_metrics FROM session_progress WHERE session_id = $1")
            .bind(session_id)
            .fetch_optional(&state.pool)
            .await?;
    let held = held_data(&state.pool, session_id).await?;
    if stored.is_none() && !held.has_data() {
        return Err(ApiError::not_found(
            ErrorCode::ProgressNotFound,
            "progress for this session",
        ));
    }
    let mut metrics: ProgressMetrics = stored
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    apply_server_measures(&mut metrics, server_measures(&held));
    let (page, per_page, offset) = page_window(q.page, q.per_page)?;
    let (feedback, feedback_pagination) = if q.include_feedback.unwrap_or(false) {
        let rows: Vec<(Option<Uuid>, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT therapist_id, feedback, created_at FROM progress_feedback WHERE session_id = $1
             ORDER BY created_at, id LIMIT $2 OFFSET $3",
        )
        .bind(session_id)
        .bind(i64::from(per_page))
        .bind(offset)
        .fetch_all(&state.pool)
        .await?;
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM progress_feedback WHERE session_id = $1")
                .bind(session_id)
                .fetch_one(&state.pool)
                .await?;
        (
            Some(
                rows.into_iter()
                    .map(|(therapist_id, feedback, created_at)| FeedbackEntry {
                        therapist_id,
                        feedback,
                        created_at,
                    })
                    .collect(),
            ),
            Some(page_of(page, per_page, total)),
        )
    } else {
        (None, None)
    };
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SessionProgress,
        Some(session_id),
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(ProgressResponse {
        session_id,
        progress_metrics: metrics,
        feedback,
        feedback_pagination,
    }))
}

/// Adds progress snapshots to a session.
#[utoipa::path(post, path = "/api/session/snapshots", tag = "progress", security(("bearer" = [])),
    request_body = StoreSnapshotsRequest,
    responses((status = 200, body = StoredForSession), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn store_snapshots(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<StoreSnapshotsRequest>,
) -> ApiResult<Json<StoredForSession>> {
    if req.snapshots.is_empty() || req.snapshots.len() > 10_000 {
        return Err(ApiError::field(
            "snapshots",
            "must contain 1 to 10000 snapshots",
        ));
    }
    for (i, s) in req.snapshots.iter().enumerate() {
        check_score(&format!("snapshots[{i}].value"), s.value)?;
    }
    access::clinician_session(&state.pool, &user, req.session_id).await?;
    let times: Vec<DateTime<Utc>> = req.snapshots.iter().map(|s| s.timestamp).collect();
    let values: Vec<f64> = req.snapshots.iter().map(|s| s.value).collect();
    sqlx::query(
        "INSERT INTO progress_snapshots (session_id, taken_at, value)
         SELECT $1, t, v FROM UNNEST($2::timestamptz[], $3::float8[]) AS x(t, v)",
    )
    .bind(req.session_id)
    .bind(&times)
    .bind(&values)
    .execute(&state.pool)
    .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ProgressSnapshots,
        Some(req.session_id),
        Action::Create,
        &client,
    )
    .await?;
    Ok(Json(StoredForSession {
        success: true,
        session_id: req.session_id,
    }))
}

/// A session's snapshots and milestones.
#[utoipa::path(get, path = "/api/session/snapshots", tag = "progress", security(("bearer" = [])),
    params(SessionIdQuery),
    responses((status = 200, body = SnapshotsResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_snapshots(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(q): ApiQuery<SessionIdQuery>,
) -> ApiResult<Json<SnapshotsResponse>> {
    let session_id = required(q.session_id)?;
    let since = time_range_start(q.time_range.as_deref())?;
    let (page, per_page, offset) = page_window(q.page, q.per_page)?;
    access::visible_session(&state.pool, &user, session_id).await?;
    let snapshots: Vec<(DateTime<Utc>, f64)> = sqlx::query_as(
        "SELECT taken_at, value FROM progress_snapshots
         WHERE session_id = $1 AND ($2::timestamptz IS NULL OR taken_at >= $2)
         ORDER BY taken_at, id LIMIT $3 OFFSET $4",
    )
    .bind(session_id)
    .bind(since)
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    let snapshots_total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM progress_snapshots
         WHERE session_id = $1 AND ($2::timestamptz IS NULL OR taken_at >= $2)",
    )
    .bind(session_id)
    .bind(since)
    .fetch_one(&state.pool)
    .await?;
    let milestones: Vec<(String, Option<f64>, DateTime<Utc>, serde_json::Value)> = sqlx::query_as(
        "SELECT milestone_name, milestone_value, achieved_at, metadata FROM session_milestones
         WHERE session_id = $1 ORDER BY achieved_at, milestone_name, id LIMIT $2 OFFSET $3",
    )
    .bind(session_id)
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    let milestones_total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM session_milestones WHERE session_id = $1")
            .bind(session_id)
            .fetch_one(&state.pool)
            .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ProgressSnapshots,
        Some(session_id),
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(SnapshotsResponse {
        session_id,
        snapshots: snapshots
            .into_iter()
            .map(|(timestamp, value)| Snapshot { timestamp, value })
            .collect(),
        pagination: page_of(page, per_page, snapshots_total),
        milestones_pagination: page_of(page, per_page, milestones_total),
        milestones: milestones
            .into_iter()
            .map(
                |(milestone_name, milestone_value, achieved_at, metadata)| Milestone {
                    milestone_name,
                    milestone_value,
                    achieved_at,
                    metadata,
                },
            )
            .collect(),
    }))
}

/// Stores skill scores for a session.
#[utoipa::path(post, path = "/api/session/skills", tag = "progress", security(("bearer" = [])),
    request_body = StoreSkillsRequest,
    responses((status = 200, body = StoredSkills), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn store_skills(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<StoreSkillsRequest>,
) -> ApiResult<Json<StoredSkills>> {
    if req.skill_scores.is_empty() || req.skill_scores.len() > 100 {
        return Err(ApiError::field(
            "skillScores",
            "must contain 1 to 100 skills",
        ));
    }
    for (name, score) in &req.skill_scores {
        check_text("skillScores", name, 100)?;
        check_score(&format!("skillScores.{name}"), *score)?;
    }
    access::clinician_session(&state.pool, &user, req.session_id).await?;
    let therapist_id = acting_user("therapistId", req.therapist_id, &user)?;
    let names: Vec<&str> = req.skill_scores.keys().map(String::as_str).collect();
    let scores: Vec<f64> = req.skill_scores.values().copied().collect();
    sqlx::query(
        "INSERT INTO skill_scores (session_id, therapist_id, skill_name, score)
         SELECT $1, $2, n, s FROM UNNEST($3::text[], $4::float8[]) AS x(n, s)",
    )
    .bind(req.session_id)
    .bind(therapist_id)
    .bind(&names)
    .bind(&scores)
    .execute(&state.pool)
    .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SkillScores,
        Some(req.session_id),
        Action::Create,
        &client,
    )
    .await?;
    Ok(Json(StoredSkills {
        success: true,
        session_id: req.session_id,
        therapist_id: Some(therapist_id),
    }))
}

#[derive(sqlx::FromRow)]
struct SkillRow {
    total: i64,
    skill_name: String,
    skill_category: String,
    current_score: f64,
    practice_sessions: i64,
    last_practiced: DateTime<Utc>,
    created_at: DateTime<Utc>,
}

/// Skill development, for a session and/or a therapist (over sessions the caller may see).
#[utoipa::path(get, path = "/api/session/skills", tag = "progress", security(("bearer" = [])),
    params(SkillsQuery),
    responses((status = 200, body = SkillsResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_skills(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(q): ApiQuery<SkillsQuery>,
) -> ApiResult<Json<SkillsResponse>> {
    if q.session_id.is_none() && q.therapist_id.is_none() {
        return Err(ApiError::field(
            "sessionId",
            "sessionId or therapistId is required",
        ));
    }
    if let Some(session_id) = q.session_id {
        access::visible_session(&state.pool, &user, session_id).await?;
    }
    let (page, per_page, offset) = page_window(q.page, q.per_page)?;
    let visible = access::patient_filter_sql(&user, "s", 3);
    let rows: Vec<SkillRow> = sqlx::query_as(&format!(
        "SELECT COUNT(*) OVER () AS total, k.skill_name,
                (ARRAY_AGG(k.skill_category ORDER BY k.created_at DESC))[1] AS skill_category,
                (ARRAY_AGG(k.score ORDER BY k.created_at DESC))[1] AS current_score,
                COUNT(DISTINCT k.session_id) AS practice_sessions,
                MAX(k.created_at) AS last_practiced, MIN(k.created_at) AS created_at
         FROM skill_scores k JOIN exercise_sessions s ON s.id = k.session_id
         WHERE ($1::uuid IS NULL OR k.session_id = $1) AND ($2::uuid IS NULL OR k.therapist_id = $2)
           AND ({visible})
         GROUP BY k.skill_name ORDER BY k.skill_name LIMIT $4 OFFSET $5"
    ))
    .bind(q.session_id)
    .bind(q.therapist_id)
    .bind(access::filter_param(&user))
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    let total = total_of(&rows, |r| r.total);
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SkillScores,
        q.session_id,
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(SkillsResponse {
        pagination: page_of(page, per_page, total),
        session_id: q.session_id,
        therapist_id: q.therapist_id,
        skills: rows
            .into_iter()
            .map(|r| SkillEntry {
                skill_name: r.skill_name,
                skill_category: r.skill_category,
                current_score: r.current_score,
                practice_sessions: r.practice_sessions,
                last_practiced: r.last_practiced,
                created_at: r.created_at,
            })
            .collect(),
    }))
}

/// Stores a session's analytics chart data (replacing earlier data).
#[utoipa::path(post, path = "/api/session/analytics", tag = "progress", security(("bearer" = [])),
    request_body = StoreAnalyticsRequest,
    responses((status = 200, body = StoredForSession), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn store_analytics(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<StoreAnalyticsRequest>,
) -> ApiResult<Json<StoredForSession>> {
    let data = &req.analytics_data;
    for (field, rows) in [
        ("analyticsData.sessionMetrics", &data.session_metrics),
        ("analyticsData.skillProgress", &data.skill_progress),
        ("analyticsData.summaryStats", &data.summary_stats),
    ] {
        if rows.len() > 1000 {
            return Err(ApiError::field(field, "at most 1000 entries"));
        }
        if let Some(i) = rows.iter().position(|r| !r.is_object()) {
            return Err(ApiError::field(
                format!("{field}[{i}]"),
                "must be an object",
            ));
        }
    }
    for (i, s) in data.progress_snapshots.iter().enumerate() {
        check_score(
            &format!("analyticsData.progressSnapshots[{i}].value"),
            s.value,
        )?;
    }
    access::clinician_session(&state.pool, &user, req.session_id).await?;
    sqlx::query(
        "INSERT INTO session_analytics (session_id, analytics_data) VALUES ($1, $2)
         ON CONFLICT (session_id) DO UPDATE SET analytics_data = EXCLUDED.analytics_data, updated_at = NOW()",
    )
    .bind(req.session_id)
    .bind(serde_json::to_value(data).map_err(ApiError::internal)?)
    .execute(&state.pool)
    .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SessionAnalytics,
        Some(req.session_id),
        Action::Update,
        &client,
    )
    .await?;
    Ok(Json(StoredForSession {
        success: true,
        session_id: req.session_id,
    }))
}

/// A session's analytics data; `timeRange` filters the progress snapshots.
#[utoipa::path(get, path = "/api/session/analytics", tag = "progress", security(("bearer" = [])),
    params(SessionIdQuery),
    responses((status = 200, body = AnalyticsResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_analytics(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(q): ApiQuery<SessionIdQuery>,
) -> ApiResult<Json<AnalyticsResponse>> {
    let session_id = required(q.session_id)?;
    let since = time_range_start(q.time_range.as_deref())?;
    access::visible_session(&state.pool, &user, session_id).await?;
    let data: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT analytics_data FROM session_analytics WHERE session_id = $1")
            .bind(session_id)
            .fetch_optional(&state.pool)
            .await?;
    let data = data.ok_or_else(|| {
        ApiError::not_found(ErrorCode::AnalyticsNotFound, "analytics for this session")
    })?;
    let mut data: AnalyticsData = serde_json::from_value(data).unwrap_or_default();
    if let Some(since) = since {
        data.progress_snapshots.retain(|s| s.timestamp >= since);
    }
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SessionAnalytics,
        Some(session_id),
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(AnalyticsResponse {
        session_id,
        analytics_data: data,
    }))
}

/// Stores a comparison between two sessions.
#[utoipa::path(post, path = "/api/session/comparison", tag = "progress", security(("bearer" = [])),
    request_body = StoreComparisonRequest,
    responses((status = 201, body = StoredComparison), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn store_comparison(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<StoreComparisonRequest>,
) -> ApiResult<(StatusCode, Json<StoredComparison>)> {
    if req.improvement_score.is_some_and(|v| !v.is_finite()) {
        return Err(ApiError::field("improvementScore", "must be a number"));
    }
    access::clinician_session(&state.pool, &user, req.current_session_id).await?;
    let therapist_id = acting_user("therapistId", req.therapist_id, &user)?;
    if let Some(previous) = req.previous_session_id {
        access::visible_session(&state.pool, &user, previous).await?;
    }
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO session_comparisons (therapist_id, current_session_id, previous_session_id, improvement_score, metrics)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(therapist_id)
    .bind(req.current_session_id)
    .bind(req.previous_session_id)
    .bind(req.improvement_score)
    .bind(serde_json::to_value(&req.metrics).map_err(ApiError::internal)?)
    .fetch_one(&state.pool)
    .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SessionComparison,
        Some(id),
        Action::Create,
        &client,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(StoredComparison {
            success: true,
            comparison_id: id,
            therapist_id,
            current_session_id: req.current_session_id,
        }),
    ))
}

#[derive(sqlx::FromRow)]
struct ComparisonRow {
    total: i64,
    id: Uuid,
    therapist_id: Option<Uuid>,
    current_session_id: Uuid,
    previous_session_id: Option<Uuid>,
    improvement_score: Option<f64>,
    metrics: serde_json::Value,
    analyzed_at: DateTime<Utc>,
    current_started: Option<DateTime<Utc>>,
    previous_started: Option<DateTime<Utc>>,
}

fn trend_of(metrics: &ComparisonMetrics) -> &'static str {
    let sum = metrics.progress_improvement.unwrap_or(0.0)
        + metrics.skill_score_improvement.unwrap_or(0.0)
        + metrics.response_time_improvement.unwrap_or(0.0);
    if sum > 0.0 {
        "improving"
    } else if sum < 0.0 {
        "declining"
    } else {
        "stable"
    }
}

/// Stored comparisons for a therapist and/or session (over sessions the caller may see).
#[utoipa::path(get, path = "/api/session/comparison", tag = "progress", security(("bearer" = [])),
    params(ComparisonQuery),
    responses((status = 200, body = ComparisonsResponse), (status = 400, body = ErrorBody)))]
pub async fn get_comparisons(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(q): ApiQuery<ComparisonQuery>,
) -> ApiResult<Json<ComparisonsResponse>> {
    if q.therapist_id.is_none() && q.session_id.is_none() {
        return Err(ApiError::field(
            "therapistId",
            "therapistId or sessionId is required",
        ));
    }
    let since = time_range_start(q.time_range.as_deref())?;
    let (page, per_page, offset) = page_window(q.page, q.per_page)?;
    let visible = access::patient_filter_sql(&user, "cs", 4);
    let rows: Vec<ComparisonRow> = sqlx::query_as(&format!(
        "SELECT COUNT(*) OVER () AS total, c.id, c.therapist_id, c.current_session_id, c.previous_session_id, c.improvement_score,
                c.metrics, c.analyzed_at, cs.start_time AS current_started, ps.start_time AS previous_started
         FROM session_comparisons c
         JOIN exercise_sessions cs ON cs.id = c.current_session_id
         LEFT JOIN exercise_sessions ps ON ps.id = c.previous_session_id
         WHERE ($1::uuid IS NULL OR c.therapist_id = $1)
           AND ($2::uuid IS NULL OR c.current_session_id = $2 OR c.previous_session_id = $2)
           AND ($3::timestamptz IS NULL OR c.analyzed_at >= $3)
           AND ({visible})
         ORDER BY c.analyzed_at DESC, c.id LIMIT $5 OFFSET $6"
    ))
    .bind(q.therapist_id)
    .bind(q.session_id)
    .bind(since)
    .bind(access::filter_param(&user))
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    let total = total_of(&rows, |r| r.total);
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SessionComparison,
        q.session_id,
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(ComparisonsResponse {
        pagination: page_of(page, per_page, total),
        therapist_id: q.therapist_id,
        session_id: q.session_id,
        comparisons: rows
            .into_iter()
            .map(|r| {
                let metrics: ComparisonMetrics =
                    serde_json::from_value(r.metrics).unwrap_or_default();
                Comparison {
                    trend: trend_of(&metrics).to_string(),
                    id: r.id,
                    therapist_id: r.therapist_id,
                    current_session_id: r.current_session_id,
                    previous_session_id: r.previous_session_id,
                    improvement_score: r.improvement_score,
                    metrics,
                    analyzed_at: r.analyzed_at,
                    current_session_started_at: r.current_started,
                    previous_session_started_at: r.previous_started,
                }
            })
            .collect(),
    }))
}

/// Stores evaluation feedback for a session.
#[utoipa::path(post, path = "/api/evaluation", tag = "progress", security(("bearer" = [])),
    request_body = StoreEvaluationRequest,
    responses((status = 201, body = StoredEvaluation), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn store_evaluation(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<StoreEvaluationRequest>,
) -> ApiResult<(StatusCode, Json<StoredEvaluation>)> {
    check_text("feedback", &req.feedback, 10_000)?;
    check_optional_text("comments", req.comments.as_deref(), 10_000)?;
    if req.rating.is_some_and(|r| !(1..=5).contains(&r)) {
        return Err(ApiError::field("rating", "must be between 1 and 5"));
    }
    access::clinician_session(&state.pool, &user, req.session_id).await?;
    let evaluator_id = acting_user("evaluatorId", req.evaluator_id, &user)?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO evaluations (session_id, evaluator_id, feedback, rating, comments)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(req.session_id)
    .bind(evaluator_id)
    .bind(&req.feedback)
    .bind(req.rating)
    .bind(req.comments.as_deref())
    .fetch_one(&state.pool)
    .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::Evaluation,
        Some(id),
        Action::Create,
        &client,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(StoredEvaluation {
            success: true,
            evaluation_id: id,
        }),
    ))
}

/// `(id, feedback, evaluator_id, rating, comments, created_at)`.
type EvaluationRow = (
    Uuid,
    String,
    Option<Uuid>,
    Option<i32>,
    Option<String>,
    DateTime<Utc>,
);

/// A session's evaluation feedback.
#[utoipa::path(get, path = "/api/evaluation", tag = "progress", security(("bearer" = [])),
    params(SessionIdQuery),
    responses((status = 200, body = EvaluationsResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_evaluations(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(q): ApiQuery<SessionIdQuery>,
) -> ApiResult<Json<EvaluationsResponse>> {
    let session_id = required(q.session_id)?;
    let (page, per_page, offset) = page_window(q.page, q.per_page)?;
    access::visible_session(&state.pool, &user, session_id).await?;
    let rows: Vec<EvaluationRow> = sqlx::query_as(
        "SELECT id, feedback, evaluator_id, rating, comments, created_at FROM evaluations
         WHERE session_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3",
    )
    .bind(session_id)
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM evaluations WHERE session_id = $1")
        .bind(session_id)
        .fetch_one(&state.pool)
        .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::Evaluation,
        Some(session_id),
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(EvaluationsResponse {
        pagination: page_of(page, per_page, total),
        session_id,
        evaluations: rows
            .into_iter()
            .map(
                |(id, feedback, evaluator_id, rating, comments, created_at)| Evaluation {
                    id,
                    feedback,
                    evaluator_id,
                    rating,
                    comments,
                    created_at,
                },
            )
            .collect(),
    }))
}
