//! `/api/physio`: assigned patients, the review queue, reviews and analytics.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use axum::Router;
use physalign_api::auth::Role;
use physalign_api::pagination::{PageQuery, Pagination};
use physalign_api::physio::{
    AnalyticsQuery, AssignedPatient, AssignedPatientList, LinkPatientRequest, PhysioAnalytics,
};
use physalign_api::sessions::{
    CreateReviewRequest, Review, SessionList, SessionListQuery, SessionStatus, REVIEW_MINUTES_MAX,
};
use physalign_api::{ErrorBody, ErrorCode};

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, ClientInfo};
use crate::repo;
use crate::state::AppState;
use crate::validate::{check_optional_text, check_text, page_window};

/// `/api/physio/*`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/physio/patients",
            get(list_patients).post(link_patient),
        )
        .route("/api/physio/sessions", get(review_queue))
        .route("/api/physio/reviews", post(create_review))
        .route("/api/physio/analytics", get(analytics))
}

const CLINICIANS: &[Role] = &[Role::Physiotherapist, Role::Admin];

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
    let (total, data) = repo::physio::assigned_page(&state.pool, &user, per_page, offset).await?;
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
        data,
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    }))
}

/// An administrator assigns a patient to a physiotherapist. Clinicians get 403: they register
/// patients (`POST /api/patients`) and the patient claims the invitation; nothing links a
/// patient by e-mail.
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
    user.require(&[Role::Admin])?;
    if !repo::physio::physiotherapist_exists(&state.pool, req.physiotherapist_id).await? {
        return Err(ApiError::not_found(
            ErrorCode::PhysiotherapistNotFound,
            "physiotherapist",
        ));
    }
    let patient_id = repo::physio::patient_by_id(&state.pool, req.patient_id)
        .await?
        .ok_or_else(|| ApiError::not_found(ErrorCode::PatientNotFound, "patient"))?;
    let assigned = repo::physio::assign(&state.pool, patient_id, req.physiotherapist_id).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::PatientAssignment,
        Some(patient_id),
        Action::Create,
        &client,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(assigned)))
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
    let list = repo::sessions::list_visible(&state.pool, &user, &query).await?;
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
    if let Some(minutes) = req.minutes_spent {
        if !(1..=REVIEW_MINUTES_MAX).contains(&minutes) {
            return Err(ApiError::field(
                "minutes_spent",
                format!("1 to {REVIEW_MINUTES_MAX} minutes"),
            ));
        }
    }
    if req.form_feedback.len() > 200 {
        return Err(ApiError::field("form_feedback", "at most 200 entries"));
    }
    for (i, f) in req.form_feedback.iter().enumerate() {
        check_text(&format!("form_feedback[{i}].issue"), &f.issue, 1000)?;
        check_optional_text(
            &format!("form_feedback[{i}].recommendation"),
            f.recommendation.as_deref(),
            1000,
        )?;
    }
    let id = repo::reviews::insert(&state.pool, &req, physio_id)
        .await?
        .ok_or_else(|| {
            ApiError::conflict(
                ErrorCode::ReviewExists,
                "a review with this id already exists",
            )
        })?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SessionReview,
        Some(id),
        Action::Create,
        &client,
    )
    .await?;
    let review = repo::reviews::find(&state.pool, id).await?;
    Ok((StatusCode::CREATED, Json(review)))
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
    let (page, per_page, offset) = page_window(query.page, query.per_page)?;
    if let Some(pid) = query.patient_id {
        if !access::can_see_patient(&state.pool, &user, pid).await? {
            return Err(ApiError::not_found(ErrorCode::PatientNotFound, "patient"));
        }
    }
    let (patients, total) =
        repo::physio::patient_analytics(&state.pool, &user, query.patient_id, (per_page, offset))
            .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::PatientAnalytics,
        query.patient_id,
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(PhysioAnalytics {
        patients,
        pagination: crate::validate::page_of(page, per_page, total),
    }))
}
