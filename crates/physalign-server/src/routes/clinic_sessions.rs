//! In-clinic sessions (issue 18, seed 001): `POST /api/sessions/start` from an appointment or a
//! template, `PUT /api/sessions/{sessionId}/progress` during the session, and
//! `GET /api/therapists/{therapistId}/session-stats`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{Duration, Utc};
use physalign_api::appointments::AppointmentStatus;
use physalign_api::auth::Role;
use physalign_api::clinic_sessions::{
    ClinicSession, ProgressUpdate, SessionStats, StartSessionRequest, StatsQuery,
};
use physalign_api::{ErrorBody, ErrorCode};
use sqlx::PgPool;
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::clinic_metrics;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientInfo};
use crate::repo::sessions as session_repo;
use crate::routes::templates;
use crate::state::AppState;
use crate::validate::{check_optional_text, check_text};

/// The exercise type of sessions held in clinic.
pub const CLINIC_SESSION_TYPE: &str = "clinic_session";

/// The in-clinic session routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/sessions/start", post(start))
        .route("/api/sessions/{session_id}/progress", put(progress))
        .route(
            "/api/therapists/{therapist_id}/session-stats",
            get(session_stats),
        )
}

fn check_mood(field: &str, mood: Option<f64>) -> ApiResult<()> {
    if mood.is_some_and(|m| !m.is_finite() || !(0.0..=10.0).contains(&m)) {
        return Err(ApiError::field(field, "must be between 0 and 10"));
    }
    Ok(())
}

fn check_list(field: &str, items: &[String]) -> ApiResult<()> {
    if items.len() > 50 {
        return Err(ApiError::field(field, "at most 50 entries"));
    }
    for (i, item) in items.iter().enumerate() {
        check_text(&format!("{field}[{i}]"), item, 500)?;
    }
    Ok(())
}

async fn clinic_session(pool: &PgPool, id: Uuid) -> ApiResult<ClinicSession> {
    let (session, _) = session_repo::find_with_summary(pool, id)
        .await?
        .ok_or_else(|| ApiError::not_found(ErrorCode::SessionNotFound, "session"))?;
    Ok(ClinicSession {
        session_id: id,
        session,
    })
}

/// The appointment a session is started from.
#[derive(sqlx::FromRow)]
struct HeldAppointment {
    patient_id: Uuid,
    physiotherapist_id: Uuid,
    status: String,
    duration_minutes: i32,
    start_time: chrono::DateTime<Utc>,
    session_id: Option<Uuid>,
}

/// Starts a clinic session (clinicians): from an appointment of theirs (its client, its
/// booked length) and/or one of their templates (default goals, length), with the client's
/// initial mood, session goals and concerns. The session is `recording` from now. Starting
/// again from the same appointment, or with the same `session_id`, answers the session already
/// started (200).
#[utoipa::path(post, path = "/api/sessions/start", tag = "sessions", security(("bearer" = [])),
    request_body = StartSessionRequest,
    responses((status = 201, body = ClinicSession), (status = 200, body = ClinicSession),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<StartSessionRequest>,
) -> ApiResult<Response> {
    if user.role != Role::Physiotherapist {
        return Err(ApiError::forbidden("only clinicians start clinic sessions"));
    }
    let me = user
        .profile_id
        .ok_or_else(|| ApiError::forbidden("no physiotherapist profile"))?;
    check_mood("initialMood", req.initial_mood)?;
    if let Some(goals) = &req.session_goals {
        check_list("sessionGoals", goals)?;
    }
    check_optional_text("clientConcerns", req.client_concerns.as_deref(), 4000)?;
    if let Some(id) = req.session_id {
        let started: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM session_clinic_progress WHERE session_id = $1)",
        )
        .bind(id)
        .fetch_one(&state.pool)
        .await?;
        if started {
            access::clinician_session(&state.pool, &user, id).await?;
            return Ok(
                (StatusCode::OK, Json(clinic_session(&state.pool, id).await?)).into_response(),
            );
        }
    }
    let template = match req.template_id {
        Some(tid) => Some(
            templates::load(&state.pool, me, tid)
                .await?
                .ok_or_else(|| {
                    ApiError::not_found(ErrorCode::TemplateNotFound, "session template")
                })?,
        ),
        None => None,
    };
    let mut tx = state.pool.begin().await?;
    let mut booked_minutes = template.as_ref().map(|t| i64::from(t.duration));
    let mut scheduled = None;
    let client_id = match req.appointment_id {
        Some(aid) => {
            let row: Option<HeldAppointment> = sqlx::query_as(
                "SELECT patient_id, physiotherapist_id, status, duration_minutes, start_time,
                    session_id
                 FROM appointments WHERE id = $1 FOR UPDATE",
            )
            .bind(aid)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(HeldAppointment {
                patient_id: patient,
                status,
                duration_minutes: minutes,
                start_time: at,
                session_id,
                ..
            }) = row.filter(|r| r.physiotherapist_id == me)
            else {
                return Err(ApiError::not_found(
                    ErrorCode::AppointmentNotFound,
                    "appointment",
                ));
            };
            if let Some(existing) = session_id {
                tx.commit().await?;
                return Ok((
                    StatusCode::OK,
                    Json(clinic_session(&state.pool, existing).await?),
                )
                    .into_response());
            }
            if status != AppointmentStatus::Scheduled.as_str() {
                return Err(ApiError::conflict(
                    ErrorCode::AppointmentNotScheduled,
                    format!("the appointment is {status}"),
                ));
            }
            if req.client_id.is_some_and(|c| c != patient) {
                return Err(ApiError::field(
                    "clientId",
                    "is not the appointment's client",
                ));
            }
            booked_minutes = Some(i64::from(minutes));
            scheduled = Some(at);
            patient
        }
        None => req
            .client_id
            .ok_or_else(|| ApiError::field("clientId", "required without appointmentId"))?,
    };
    if !access::can_see_patient(&state.pool, &user, client_id).await? {
        return Err(ApiError::not_found(ErrorCode::PatientNotFound, "client"));
    }
    let type_id = session_repo::exercise_type_id(&mut *tx, CLINIC_SESSION_TYPE).await?;
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO exercise_sessions (id, patient_id, physiotherapist_id, exercise_type_id,
            scheduled_datetime, start_time, estimated_duration, status)
         VALUES (COALESCE($1, gen_random_uuid()), $2, $3, $4, $5, NOW(), $6, 'recording')
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(req.session_id)
    .bind(client_id)
    .bind(me)
    .bind(type_id)
    .bind(scheduled)
    .bind(booked_minutes.map(|m| i32::try_from(m * 60).unwrap_or(i32::MAX)))
    .fetch_optional(&mut *tx)
    .await?;
    let id = id.ok_or_else(|| {
        ApiError::conflict(
            ErrorCode::SessionExists,
            "a session with this id already exists",
        )
    })?;
    let goals = req
        .session_goals
        .clone()
        .or_else(|| template.as_ref().map(|t| t.default_goals.clone()))
        .unwrap_or_default();
    sqlx::query(
        "INSERT INTO session_clinic_progress (session_id, appointment_id, template_id, mood_start,
            session_goals, client_concerns, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(req.appointment_id)
    .bind(req.template_id)
    .bind(req.initial_mood)
    .bind(&goals)
    .bind(req.client_concerns.as_deref())
    .bind(user.user_id)
    .execute(&mut *tx)
    .await?;
    if let Some(aid) = req.appointment_id {
        sqlx::query(
            "UPDATE appointments SET session_id = $2, version = version + 1, updated_at = NOW()
             WHERE id = $1",
        )
        .bind(aid)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
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
    Ok((
        StatusCode::CREATED,
        Json(clinic_session(&state.pool, id).await?),
    )
        .into_response())
}

/// Records in-session progress (seed 001 §1; clinicians of the client, admins): replaces the
/// notes, goals discussed, techniques and interventions; `clientMoodCurrent` becomes the
/// session's end mood (an absent one keeps the last). Answers the session with its progress.
#[utoipa::path(put, path = "/api/sessions/{session_id}/progress", tag = "sessions", security(("bearer" = [])),
    request_body = ProgressUpdate,
    params(("session_id" = Uuid, Path, description = "session id")),
    responses((status = 200, body = ClinicSession), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn progress(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(session_id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ProgressUpdate>,
) -> ApiResult<Json<ClinicSession>> {
    access::clinician_session(&state.pool, &user, session_id).await?;
    check_mood("clientMoodCurrent", req.client_mood_current)?;
    check_optional_text("progressNotes", req.progress_notes.as_deref(), 20_000)?;
    check_optional_text("goalsDiscussed", req.goals_discussed.as_deref(), 4000)?;
    check_optional_text("homeworkAssigned", req.homework_assigned.as_deref(), 4000)?;
    check_list("techniquesUsed", &req.techniques_used)?;
    check_list("interventionsApplied", &req.interventions_applied)?;
    sqlx::query(
        "INSERT INTO session_clinic_progress (session_id, progress_notes, goals_discussed,
            mood_end, techniques_used, interventions_applied, homework_assigned, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (session_id) DO UPDATE SET progress_notes = EXCLUDED.progress_notes,
            goals_discussed = EXCLUDED.goals_discussed,
            mood_end = COALESCE(EXCLUDED.mood_end, session_clinic_progress.mood_end),
            techniques_used = EXCLUDED.techniques_used,
            interventions_applied = EXCLUDED.interventions_applied,
            homework_assigned = EXCLUDED.homework_assigned,
            updated_by = EXCLUDED.updated_by, updated_at = NOW()",
    )
    .bind(session_id)
    .bind(req.progress_notes.as_deref())
    .bind(req.goals_discussed.as_deref())
    .bind(req.client_mood_current)
    .bind(&req.techniques_used)
    .bind(&req.interventions_applied)
    .bind(req.homework_assigned.as_deref())
    .bind(user.user_id)
    .execute(&state.pool)
    .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ExerciseSession,
        Some(session_id),
        Action::Update,
        &client,
    )
    .await?;
    Ok(Json(clinic_session(&state.pool, session_id).await?))
}

/// A therapist's session statistics (seed 001 §6) over the appointments dated in the period
/// (the therapist themselves, admins). Definitions in API.md.
#[utoipa::path(get, path = "/api/therapists/{therapist_id}/session-stats", tag = "sessions", security(("bearer" = [])),
    params(("therapist_id" = Uuid, Path, description = "physiotherapists.id"), StatsQuery),
    responses((status = 200, body = SessionStats), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn session_stats(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(therapist_id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> ApiResult<Json<SessionStats>> {
    templates::own_or_admin(&state.pool, &user, therapist_id).await?;
    let end = query.end_date.unwrap_or_else(|| Utc::now().date_naive());
    let start = query.start_date.unwrap_or(end - Duration::days(30));
    if end < start {
        return Err(ApiError::field("endDate", "must not be before startDate"));
    }
    if (end - start).num_days() > 3660 {
        return Err(ApiError::field(
            "startDate",
            "the period may be at most 10 years",
        ));
    }
    let stats = clinic_metrics::therapist_stats(&state.pool, therapist_id, start, end).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::PatientAnalytics,
        None,
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(stats))
}
