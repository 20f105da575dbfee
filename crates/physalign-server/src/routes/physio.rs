//! `/api/physio`: assigned patients, the review queue, reviews and analytics.

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use physalign_api::auth::Role;
use physalign_api::pagination::{PageQuery, Pagination};
use physalign_api::physio::{
    AnalyticsQuery, AssignedPatient, AssignedPatientList, ExerciseProgress, LinkPatientRequest,
    PatientAnalytics, PhysioAnalytics,
};
use physalign_api::sessions::{
    Assessment, CreateReviewRequest, FormFeedback, NextSteps, Review, SessionList,
    SessionListQuery, SessionStatus,
};
use physalign_api::ErrorBody;
use physalign_api::ErrorCode;
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, ClientInfo};
use crate::routes::{auth::normalise_email, check_optional_text, page_window, sessions};
use crate::state::AppState;

const CLINICIANS: &[Role] = &[Role::Physiotherapist, Role::Admin];

#[derive(sqlx::FromRow)]
struct AssignedRow {
    patient_id: Uuid,
    user_id: Uuid,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    physiotherapist_id: Uuid,
    assigned_at: DateTime<Utc>,
    session_count: i64,
    last_session_at: Option<DateTime<Utc>>,
}

impl From<AssignedRow> for AssignedPatient {
    fn from(r: AssignedRow) -> Self {
        AssignedPatient {
            patient_id: r.patient_id,
            user_id: r.user_id,
            email: r.email,
            first_name: r.first_name,
            last_name: r.last_name,
            physiotherapist_id: r.physiotherapist_id,
            assigned_at: r.assigned_at,
            session_count: r.session_count,
            last_session_at: r.last_session_at,
        }
    }
}

const ASSIGNED_SELECT: &str = "SELECT a.patient_id, u.id AS user_id, u.email, u.first_name, u.last_name,
        a.physiotherapist_id, a.assigned_at,
        (SELECT COUNT(*) FROM exercise_sessions s WHERE s.patient_id = a.patient_id) AS session_count,
        (SELECT MAX(s.created_at) FROM exercise_sessions s WHERE s.patient_id = a.patient_id) AS last_session_at
     FROM patient_physio_assignments a
     JOIN patients p ON p.id = a.patient_id
     JOIN users u ON u.id = p.user_id
     WHERE a.status = 'active'";

/// Patients assigned to the physiotherapist (all assignments for admins).
#[utoipa::path(get, path = "/api/physio/patients", tag = "physio", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = AssignedPatientList), (status = 403, body = ErrorBody)))]
pub async fn list_patients(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<AssignedPatientList>> {
    user.require(CLINICIANS)?;
    let (page, per_page, offset) = page_window(page.page, page.per_page)?;
    let (filter, param) = match user.role {
        Role::Admin => ("($1::uuid IS NULL OR TRUE)", None),
        _ => (
            "a.physiotherapist_id = $1",
            Some(access::filter_param(&user)),
        ),
    };
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM patient_physio_assignments a WHERE a.status = 'active' AND {filter}"
    ))
    .bind(param)
    .fetch_one(&state.pool)
    .await?;
    let rows: Vec<AssignedRow> = sqlx::query_as(&format!(
        "{ASSIGNED_SELECT} AND {filter} ORDER BY u.last_name, u.first_name, a.patient_id LIMIT $2 OFFSET $3"
    ))
    .bind(param)
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::PatientList,
        None,
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(AssignedPatientList {
        data: rows.into_iter().map(Into::into).collect(),
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    }))
}

/// Links a patient (by `patient_id` or `email`) to the calling physiotherapist; admins name
/// the physiotherapist with `physiotherapist_id`.
#[utoipa::path(post, path = "/api/physio/patients", tag = "physio", security(("bearer" = [])),
    request_body = LinkPatientRequest,
    responses((status = 201, body = AssignedPatient), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn link_patient(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<LinkPatientRequest>,
) -> ApiResult<(StatusCode, Json<AssignedPatient>)> {
    user.require(CLINICIANS)?;
    let physio_id = match user.role {
        Role::Admin => {
            let id = req
                .physiotherapist_id
                .ok_or_else(|| ApiError::field("physiotherapist_id", "is required for admins"))?;
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM physiotherapists WHERE id = $1)")
                    .bind(id)
                    .fetch_one(&state.pool)
                    .await?;
            if !exists {
                return Err(ApiError::not_found(
                    ErrorCode::PhysiotherapistNotFound,
                    "physiotherapist",
                ));
            }
            id
        }
        _ => user
            .profile_id
            .ok_or_else(|| ApiError::forbidden("no physiotherapist profile"))?,
    };
    let patient_id: Option<Uuid> = match (req.patient_id, req.email.as_deref()) {
        (Some(id), None) => {
            sqlx::query_scalar("SELECT id FROM patients WHERE id = $1")
                .bind(id)
                .fetch_optional(&state.pool)
                .await?
        }
        (None, Some(email)) => {
            let email = normalise_email(email)?;
            sqlx::query_scalar(
                "SELECT p.id FROM patients p JOIN users u ON u.id = p.user_id WHERE u.email = $1",
            )
            .bind(email)
            .fetch_optional(&state.pool)
            .await?
        }
        _ => {
            return Err(ApiError::field(
                "patient_id",
                "give exactly one of patient_id or email",
            ))
        }
    };
    let patient_id =
        patient_id.ok_or_else(|| ApiError::not_found(ErrorCode::PatientNotFound, "patient"))?;
    sqlx::query(
        "INSERT INTO patient_physio_assignments (patient_id, physiotherapist_id) VALUES ($1, $2)
         ON CONFLICT (patient_id, physiotherapist_id) DO UPDATE SET status = 'active'",
    )
    .bind(patient_id)
    .bind(physio_id)
    .execute(&state.pool)
    .await?;
    let row: AssignedRow = sqlx::query_as(&format!(
        "{ASSIGNED_SELECT} AND a.patient_id = $1 AND a.physiotherapist_id = $2"
    ))
    .bind(patient_id)
    .bind(physio_id)
    .fetch_one(&state.pool)
    .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::PatientAssignment,
        Some(patient_id),
        Action::Create,
        &client,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Sessions of the physiotherapist's patients that wait for review (all patients' for admins),
/// newest first, paginated like `GET /api/sessions`.
#[utoipa::path(get, path = "/api/physio/sessions", tag = "physio", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = SessionList), (status = 403, body = ErrorBody)))]
pub async fn review_queue(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<SessionList>> {
    user.require(CLINICIANS)?;
    let query = SessionListQuery {
        page: page.page,
        per_page: page.per_page,
        status: Some(SessionStatus::ReviewPending),
        ..Default::default()
    };
    let list = sessions::list_visible(&state, &user, &query).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SessionList,
        None,
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(list))
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: Uuid,
    session_id: Uuid,
    physiotherapist_id: Uuid,
    physiotherapist_name: String,
    notes: Option<String>,
    overall_assessment: String,
    form_feedback: serde_json::Value,
    recommendations: Option<serde_json::Value>,
    reviewed_at: DateTime<Utc>,
}

impl ReviewRow {
    fn into_review(self) -> ApiResult<Review> {
        Ok(Review {
            id: self.id,
            session_id: self.session_id,
            physiotherapist_id: self.physiotherapist_id,
            physiotherapist_name: self.physiotherapist_name,
            notes: self.notes,
            overall_assessment: Assessment::parse(&self.overall_assessment)
                .ok_or_else(|| ApiError::internal("unknown assessment"))?,
            form_feedback: serde_json::from_value::<Vec<FormFeedback>>(self.form_feedback)
                .unwrap_or_default(),
            next_steps: self
                .recommendations
                .and_then(|v| serde_json::from_value::<NextSteps>(v).ok()),
            reviewed_at: self.reviewed_at,
        })
    }
}

const REVIEW_SELECT: &str = "SELECT r.id, r.session_id, r.physiotherapist_id,
        TRIM(COALESCE(u.first_name, '') || ' ' || COALESCE(u.last_name, '')) AS physiotherapist_name,
        r.notes, r.overall_assessment, r.form_feedback, r.recommendations, r.reviewed_at
     FROM session_reviews r
     JOIN physiotherapists ph ON ph.id = r.physiotherapist_id
     JOIN users u ON u.id = ph.user_id";

/// The newest review of a session.
pub async fn latest_review(state: &AppState, session_id: Uuid) -> ApiResult<Option<Review>> {
    let row: Option<ReviewRow> = sqlx::query_as(&format!(
        "{REVIEW_SELECT} WHERE r.session_id = $1 ORDER BY r.reviewed_at DESC, r.created_at DESC LIMIT 1"
    ))
    .bind(session_id)
    .fetch_optional(&state.pool)
    .await?;
    row.map(ReviewRow::into_review).transpose()
}

/// Reviews a session of an assigned patient; the session becomes `reviewed`.
#[utoipa::path(post, path = "/api/physio/reviews", tag = "physio", security(("bearer" = [])),
    request_body = CreateReviewRequest,
    responses((status = 201, body = Review), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_review(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<CreateReviewRequest>,
) -> ApiResult<(StatusCode, Json<Review>)> {
    access::visible_session(&state.pool, &user, req.session_id).await?;
    user.require(&[Role::Physiotherapist])?;
    let physio_id = user
        .profile_id
        .ok_or_else(|| ApiError::forbidden("no physiotherapist profile"))?;
    check_optional_text("notes", req.notes.as_deref(), 10_000)?;
    if req.form_feedback.len() > 200 {
        return Err(ApiError::field("form_feedback", "at most 200 entries"));
    }
    for (i, f) in req.form_feedback.iter().enumerate() {
        crate::routes::check_text(&format!("form_feedback[{i}].issue"), &f.issue, 1000)?;
        check_optional_text(
            &format!("form_feedback[{i}].recommendation"),
            f.recommendation.as_deref(),
            1000,
        )?;
    }
    let mut tx = state.pool.begin().await?;
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO session_reviews (id, session_id, physiotherapist_id, notes, overall_assessment,
             form_feedback, recommendations, next_session_scheduled)
         VALUES (COALESCE($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(req.id)
    .bind(req.session_id)
    .bind(physio_id)
    .bind(req.notes.as_deref())
    .bind(req.overall_assessment.as_str())
    .bind(serde_json::to_value(&req.form_feedback).map_err(ApiError::internal)?)
    .bind(req.next_steps.as_ref().map(serde_json::to_value).transpose().map_err(ApiError::internal)?)
    .bind(req.next_steps.as_ref().and_then(|n| n.follow_up_date))
    .fetch_optional(&mut *tx)
    .await?;
    let id = id.ok_or_else(|| {
        ApiError::conflict(
            ErrorCode::ReviewExists,
            "a review with this id already exists",
        )
    })?;
    sqlx::query(
        "UPDATE exercise_sessions SET status = 'reviewed', physiotherapist_id = COALESCE(physiotherapist_id, $2),
             version = version + 1 WHERE id = $1",
    )
    .bind(req.session_id)
    .bind(physio_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SessionReview,
        Some(id),
        Action::Create,
        &client,
    )
    .await?;
    let row: ReviewRow = sqlx::query_as(&format!("{REVIEW_SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_one(&state.pool)
        .await?;
    Ok((StatusCode::CREATED, Json(row.into_review()?)))
}

#[derive(sqlx::FromRow)]
struct PatientTotals {
    patient_id: Uuid,
    patient_name: String,
    total_sessions: i64,
    pending_review: i64,
    reviewed_sessions: i64,
    last_session_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct ExerciseRow {
    patient_id: Uuid,
    exercise_type: String,
    sessions: i64,
    average_quality: Option<f64>,
}

#[derive(sqlx::FromRow)]
struct AssessmentRow {
    patient_id: Uuid,
    overall_assessment: String,
    count: i64,
}

/// Progress numbers per patient the caller may see (optionally one patient).
#[utoipa::path(get, path = "/api/physio/analytics", tag = "physio", security(("bearer" = [])),
    params(AnalyticsQuery),
    responses((status = 200, body = PhysioAnalytics), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn analytics(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<AnalyticsQuery>,
) -> ApiResult<Json<PhysioAnalytics>> {
    user.require(CLINICIANS)?;
    if let Some(pid) = query.patient_id {
        if !access::can_see_patient(&state.pool, &user, pid).await? {
            return Err(ApiError::not_found(ErrorCode::PatientNotFound, "patient"));
        }
    }
    let visible = access::patient_filter_sql(&user, "p", 1).replace("p.patient_id", "p.id");
    let totals: Vec<PatientTotals> = sqlx::query_as(&format!(
        "SELECT p.id AS patient_id,
                TRIM(COALESCE(u.first_name, '') || ' ' || COALESCE(u.last_name, '')) AS patient_name,
                COUNT(s.id) AS total_sessions,
                COUNT(s.id) FILTER (WHERE s.status = 'review_pending') AS pending_review,
                COUNT(s.id) FILTER (WHERE s.status IN ('reviewed', 'completed')) AS reviewed_sessions,
                MAX(s.created_at) AS last_session_at
         FROM patients p JOIN users u ON u.id = p.user_id
         LEFT JOIN exercise_sessions s ON s.patient_id = p.id
         WHERE ({visible}) AND ($2::uuid IS NULL OR p.id = $2)
         GROUP BY p.id, u.first_name, u.last_name
         ORDER BY patient_name, p.id"
    ))
    .bind(access::filter_param(&user))
    .bind(query.patient_id)
    .fetch_all(&state.pool)
    .await?;
    let ids: Vec<Uuid> = totals.iter().map(|t| t.patient_id).collect();
    let exercises: Vec<ExerciseRow> = sqlx::query_as(
        "SELECT s.patient_id, et.name AS exercise_type, COUNT(DISTINCT s.id) AS sessions,
                AVG(f.quality_score)::float8 AS average_quality
         FROM exercise_sessions s JOIN exercise_types et ON et.id = s.exercise_type_id
         LEFT JOIN pose_frames f ON f.session_id = s.id
         WHERE s.patient_id = ANY($1)
         GROUP BY s.patient_id, et.name ORDER BY et.name",
    )
    .bind(&ids)
    .fetch_all(&state.pool)
    .await?;
    let quality: Vec<(Uuid, Option<f64>)> = sqlx::query_as(
        "SELECT s.patient_id, AVG(f.quality_score)::float8
         FROM exercise_sessions s JOIN pose_frames f ON f.session_id = s.id
         WHERE s.patient_id = ANY($1) GROUP BY s.patient_id",
    )
    .bind(&ids)
    .fetch_all(&state.pool)
    .await?;
    let assessments: Vec<AssessmentRow> = sqlx::query_as(
        "SELECT s.patient_id, r.overall_assessment, COUNT(*) AS count
         FROM session_reviews r JOIN exercise_sessions s ON s.id = r.session_id
         WHERE s.patient_id = ANY($1) GROUP BY s.patient_id, r.overall_assessment",
    )
    .bind(&ids)
    .fetch_all(&state.pool)
    .await?;

    let quality: HashMap<Uuid, Option<f64>> = quality.into_iter().collect();
    let mut by_patient_exercises: HashMap<Uuid, Vec<ExerciseProgress>> = HashMap::new();
    for e in exercises {
        by_patient_exercises
            .entry(e.patient_id)
            .or_default()
            .push(ExerciseProgress {
                exercise_type: e.exercise_type,
                sessions: e.sessions,
                average_quality: e.average_quality,
            });
    }
    let mut by_patient_assessments: HashMap<Uuid, BTreeMap<String, i64>> = HashMap::new();
    for a in assessments {
        by_patient_assessments
            .entry(a.patient_id)
            .or_default()
            .insert(a.overall_assessment, a.count);
    }
    let patients = totals
        .into_iter()
        .map(|t| PatientAnalytics {
            average_quality: quality.get(&t.patient_id).copied().flatten(),
            exercises: by_patient_exercises
                .remove(&t.patient_id)
                .unwrap_or_default(),
            assessments: by_patient_assessments
                .remove(&t.patient_id)
                .unwrap_or_default(),
            patient_id: t.patient_id,
            patient_name: t.patient_name,
            total_sessions: t.total_sessions,
            pending_review: t.pending_review,
            reviewed_sessions: t.reviewed_sessions,
            last_session_at: t.last_session_at,
        })
        .collect();
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::PatientAnalytics,
        query.patient_id,
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(PhysioAnalytics { patients }))
}
