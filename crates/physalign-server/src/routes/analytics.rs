//! `/api/v1/analytics`: seed 004's practice overview, patient progress, session trends and
//! common topics (issue 19), for clinicians: a physiotherapist sees their own appointments and
//! the patients in their care, an administrator the whole practice or one therapist's. Every
//! read is in the access log.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::Duration;
use physalign_api::analytics::{
    AnalyticsOverview, CommonTopics, Granularity, OverviewQuery, PatientProgress, ProgressQuery,
    SessionTrends, TopicsQuery, TrendPeriod, TrendsQuery, MAX_TOPICS, MAX_WEEKS,
};
use physalign_api::auth::Role;
use physalign_api::notes::SessionMood;
use physalign_api::{ErrorBody, ErrorCode};
use uuid::Uuid;

use crate::access;
use crate::analytics;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, ApiQuery, ClientInfo};
use crate::repo::analytics::{self as repo, Scope};
use crate::routes::templates::own_or_admin;
use crate::state::AppState;

/// The four analytics reads.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/analytics/overview", get(overview))
        .route(
            "/api/v1/analytics/patients/{patient_id}/progress",
            get(patient_progress),
        )
        .route("/api/v1/analytics/session-trends", get(session_trends))
        .route("/api/v1/analytics/common-topics", get(common_topics))
}

/// Default weeks looked back.
const DEFAULT_WEEKS: u32 = 12;
/// Default topics listed.
const DEFAULT_TOPICS: u32 = 20;

/// Whose figures the caller asked for and may see: patients 403; a physiotherapist their own
/// (naming another therapist is 404, as for the session statistics); an administrator the
/// therapist named, else the practice.
async fn scope(state: &AppState, user: &AuthUser, therapist: Option<Uuid>) -> ApiResult<Scope> {
    user.require(&[Role::Physiotherapist, Role::Admin])?;
    match (user.role, therapist) {
        (Role::Admin, None) => Ok(Scope::Practice),
        (_, Some(id)) => {
            own_or_admin(&state.pool, user, id).await?;
            Ok(Scope::Therapist(id))
        }
        (_, None) => user
            .profile_id
            .map(Scope::Therapist)
            .ok_or_else(|| ApiError::not_found(ErrorCode::PhysiotherapistNotFound, "therapist")),
    }
}

fn weeks(field: &str, weeks: Option<u32>) -> ApiResult<u32> {
    let weeks = weeks.unwrap_or(DEFAULT_WEEKS);
    if !(1..=MAX_WEEKS).contains(&weeks) {
        return Err(ApiError::field(field, format!("1 to {MAX_WEEKS}")));
    }
    Ok(weeks)
}

async fn log_read(
    state: &AppState,
    user: &AuthUser,
    client: &ClientInfo,
    patient: Option<Uuid>,
) -> ApiResult<()> {
    audit::record(
        &state.pool,
        Some(user),
        AuditResource::PatientAnalytics,
        patient,
        Action::Read,
        client,
    )
    .await
}

/// The practice overview: patients, sessions this week and month, upcoming, completion rate.
#[utoipa::path(get, path = "/api/v1/analytics/overview", tag = "analytics",
    security(("bearer" = [])), params(OverviewQuery),
    responses((status = 200, body = AnalyticsOverview), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn overview(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<OverviewQuery>,
) -> ApiResult<Json<AnalyticsOverview>> {
    let scope = scope(&state, &user, query.therapist_id).await?;
    let (zone, today) = repo::practice_today(&state.pool).await?;
    let overview = repo::overview(&state.pool, scope, zone, today).await?;
    log_read(&state, &user, &client, None).await?;
    Ok(Json(overview))
}

/// One patient's progress over the last `weeks` weeks: sessions, signed notes, mood, topics,
/// attendance, range of motion and the weekly snapshots.
#[utoipa::path(get, path = "/api/v1/analytics/patients/{patient_id}/progress", tag = "analytics",
    security(("bearer" = [])),
    params(("patient_id" = Uuid, Path, description = "patients.id"), ProgressQuery),
    responses((status = 200, body = PatientProgress), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patient_progress(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(patient_id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<ProgressQuery>,
) -> ApiResult<Json<PatientProgress>> {
    user.require(&[Role::Physiotherapist, Role::Admin])?;
    let weeks = weeks("weeks", query.weeks)?;
    let not_found = || ApiError::not_found(ErrorCode::PatientNotFound, "patient");
    if !access::can_see_patient(&state.pool, &user, patient_id).await? {
        return Err(not_found());
    }
    let patient_name = repo::patient_name(&state.pool, patient_id)
        .await?
        .ok_or_else(not_found)?;
    let (zone, today) = repo::practice_today(&state.pool).await?;
    let from = today - Duration::days(i64::from(weeks) * 7 - 1);
    let pool = &state.pool;
    let notes = repo::notes(pool, Scope::Practice, Some(patient_id), zone, from, today).await?;
    let moods: Vec<SessionMood> = notes.iter().filter_map(|n| n.mood).collect();
    let snapshots_from = analytics::bucket_start(from, Granularity::Week);
    let progress = PatientProgress {
        patient_id,
        patient_name,
        weeks,
        total_sessions: repo::sessions_count(pool, patient_id, zone, from, today).await?,
        recent_sessions: notes
            .iter()
            .rev()
            .take(10)
            .map(|n| physalign_api::analytics::RecentSession {
                session_id: n.session_id,
                date: n.date,
                mood: n.mood,
                key_topics: n.topics.clone(),
                progress_notes: n.progress_notes.clone(),
            })
            .collect(),
        mood_trend: analytics::mood_trend(&moods),
        common_topics: analytics::topic_counts(&notes, 10),
        attendance_rate: repo::attendance(pool, patient_id, from, today).await?,
        range_of_motion: repo::range_of_motion(pool, patient_id, zone, from, today).await?,
        weekly_snapshots: repo::weekly_snapshots(pool, patient_id, snapshots_from, today).await?,
    };
    log_read(&state, &user, &client, Some(patient_id)).await?;
    Ok(Json(progress))
}

/// Completed, cancelled and missed appointments per day, week or month of the period.
#[utoipa::path(get, path = "/api/v1/analytics/session-trends", tag = "analytics",
    security(("bearer" = [])), params(TrendsQuery),
    responses((status = 200, body = SessionTrends), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn session_trends(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<TrendsQuery>,
) -> ApiResult<Json<SessionTrends>> {
    let scope = scope(&state, &user, query.therapist_id).await?;
    let period = query.period.unwrap_or(TrendPeriod::Month);
    let granularity = query.granularity.unwrap_or(Granularity::Day);
    let (_, today) = repo::practice_today(&state.pool).await?;
    let from = analytics::period_start(period, today);
    let days = repo::day_figures(&state.pool, scope, from, today).await?;
    log_read(&state, &user, &client, None).await?;
    Ok(Json(analytics::session_trends(
        period,
        granularity,
        today,
        &days,
    )))
}

/// The topics of the signed notes across the patients in scope, with their trend.
#[utoipa::path(get, path = "/api/v1/analytics/common-topics", tag = "analytics",
    security(("bearer" = [])), params(TopicsQuery),
    responses((status = 200, body = CommonTopics), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn common_topics(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<TopicsQuery>,
) -> ApiResult<Json<CommonTopics>> {
    let scope = scope(&state, &user, query.therapist_id).await?;
    let weeks = weeks("weeks", query.weeks)?;
    let limit = query.limit.unwrap_or(DEFAULT_TOPICS);
    if !(1..=MAX_TOPICS).contains(&limit) {
        return Err(ApiError::field("limit", format!("1 to {MAX_TOPICS}")));
    }
    let (zone, today) = repo::practice_today(&state.pool).await?;
    let days = i64::from(weeks) * 7;
    let from = today - Duration::days(days - 1);
    let notes = repo::notes(&state.pool, scope, None, zone, from, today).await?;
    log_read(&state, &user, &client, None).await?;
    Ok(Json(CommonTopics {
        time_period_weeks: weeks,
        topics: analytics::common_topics(
            &notes,
            from + Duration::days(days / 2),
            usize::try_from(limit).unwrap_or(usize::MAX),
        ),
    }))
}
