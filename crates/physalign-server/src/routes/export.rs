//! `/api/v1/export`: seed 004's export jobs (issue 19). A physiotherapist (for a patient in
//! their active care) or an administrator asks for a session note or a progress report; the
//! answer is 202 with the queued job, which a worker writes in the background
//! (`crate::export`). Jobs are their requester's alone (anyone else: 404). A download checks
//! the care relationship again, answers 410 once the 7 days are over, and is in the access log
//! with the caller's address and user agent, as are requests and deletions.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use physalign_api::auth::Role;
use physalign_api::export::{
    ExportJob, ExportJobList, ExportJobQuery, ExportStatus, ProgressReportExportRequest,
    SessionNotesExportRequest, MAX_REPORT_DAYS,
};
use physalign_api::pagination::Pagination;
use physalign_api::{ErrorBody, ErrorCode};
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::export::jobs::{self, ExportSubject, JobRow};
use crate::export::worker::default_from;
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientInfo};
use crate::repo::analytics::practice_today;
use crate::state::AppState;
use crate::validate::page_window;

/// The export routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/export/session-notes", post(session_notes))
        .route("/api/v1/export/progress-report", post(progress_report))
        .route("/api/v1/export/jobs", get(list))
        .route("/api/v1/export/jobs/{job_id}", get(status).delete(remove))
        .route("/api/v1/export/download/{job_id}", get(download))
}

async fn log(
    state: &AppState,
    user: &AuthUser,
    client: &ClientInfo,
    job: Option<Uuid>,
    action: Action,
) -> ApiResult<()> {
    audit::record(
        &state.pool,
        Some(user),
        AuditResource::Export,
        job,
        action,
        client,
    )
    .await
}

/// Queues `subject` of `patient_id` for `user`, wakes this replica's worker and answers 202.
async fn queue(
    state: &AppState,
    user: &AuthUser,
    client: &ClientInfo,
    patient_id: Uuid,
    subject: ExportSubject,
    format: physalign_api::export::ExportFormat,
) -> ApiResult<(StatusCode, Json<ExportJob>)> {
    let job = jobs::create(&state.pool, user.user_id, patient_id, subject, format).await?;
    state.export_wake.notify_one();
    log(state, user, client, Some(job.id), Action::Create).await?;
    Ok((StatusCode::ACCEPTED, Json(job.view(Utc::now()))))
}

/// Queues the PDF note of one session.
#[utoipa::path(post, path = "/api/v1/export/session-notes", tag = "export",
    security(("bearer" = [])), request_body = SessionNotesExportRequest,
    responses((status = 202, body = ExportJob), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
pub async fn session_notes(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<SessionNotesExportRequest>,
) -> ApiResult<(StatusCode, Json<ExportJob>)> {
    user.require(&[Role::Physiotherapist, Role::Admin])?;
    let patient_id = access::visible_session(&state.pool, &user, req.session_id).await?;
    let subject = ExportSubject::SessionNote {
        session_id: req.session_id,
    };
    queue(&state, &user, &client, patient_id, subject, req.format).await
}

/// Queues the PDF progress report of a patient over a period (default: the 30 days ending today
/// in the practice's time zone).
#[utoipa::path(post, path = "/api/v1/export/progress-report", tag = "export",
    security(("bearer" = [])), request_body = ProgressReportExportRequest,
    responses((status = 202, body = ExportJob), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
pub async fn progress_report(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<ProgressReportExportRequest>,
) -> ApiResult<(StatusCode, Json<ExportJob>)> {
    user.require(&[Role::Physiotherapist, Role::Admin])?;
    let (_, today) = practice_today(&state.pool).await?;
    let to = req.to.unwrap_or(today);
    let from = req.from.unwrap_or_else(|| default_from(to));
    if to < from {
        return Err(ApiError::field(
            "to",
            format!("ends ({to}) before the period starts ({from})"),
        ));
    }
    if (to - from).num_days() + 1 > MAX_REPORT_DAYS {
        return Err(ApiError::field(
            "from",
            format!("a report covers at most {MAX_REPORT_DAYS} days"),
        ));
    }
    if !access::can_see_patient(&state.pool, &user, req.patient_id).await? {
        return Err(ApiError::not_found(ErrorCode::PatientNotFound, "patient"));
    }
    let subject = ExportSubject::ProgressReport { from, to };
    queue(&state, &user, &client, req.patient_id, subject, req.format).await
}

/// The caller's export jobs, newest first.
#[utoipa::path(get, path = "/api/v1/export/jobs", tag = "export",
    security(("bearer" = [])), params(ExportJobQuery),
    responses((status = 200, body = ExportJobList), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<ExportJobQuery>,
) -> ApiResult<Json<ExportJobList>> {
    user.require(&[Role::Physiotherapist, Role::Admin])?;
    let (page, per_page, offset) = page_window(query.page, query.per_page)?;
    let (rows, total) = jobs::list(
        &state.pool,
        user.user_id,
        query.status,
        i64::from(per_page),
        offset,
    )
    .await?;
    log(&state, &user, &client, None, Action::Read).await?;
    let now = Utc::now();
    Ok(Json(ExportJobList {
        jobs: rows.iter().map(|r| r.view(now)).collect(),
        pagination: Pagination::new(page, per_page, total),
    }))
}

async fn own_job(state: &AppState, user: &AuthUser, id: Uuid) -> ApiResult<JobRow> {
    user.require(&[Role::Physiotherapist, Role::Admin])?;
    jobs::find(&state.pool, user.user_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found(ErrorCode::ExportNotFound, "export job"))
}

/// One of the caller's export jobs.
#[utoipa::path(get, path = "/api/v1/export/jobs/{job_id}", tag = "export",
    security(("bearer" = [])), params(("job_id" = Uuid, Path, description = "The job")),
    responses((status = 200, body = ExportJob), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(job_id): ApiPath<Uuid>,
) -> ApiResult<Json<ExportJob>> {
    let job = own_job(&state, &user, job_id).await?;
    log(&state, &user, &client, Some(job_id), Action::Read).await?;
    Ok(Json(job.view(Utc::now())))
}

/// Deletes one of the caller's export jobs and its file.
#[utoipa::path(delete, path = "/api/v1/export/jobs/{job_id}", tag = "export",
    security(("bearer" = [])), params(("job_id" = Uuid, Path, description = "The job")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(job_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    user.require(&[Role::Physiotherapist, Role::Admin])?;
    if !jobs::delete(&state.pool, user.user_id, job_id).await? {
        return Err(ApiError::not_found(ErrorCode::ExportNotFound, "export job"));
    }
    log(&state, &user, &client, Some(job_id), Action::Delete).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The written file of one of the caller's completed export jobs.
#[utoipa::path(get, path = "/api/v1/export/download/{job_id}", tag = "export",
    security(("bearer" = [])), params(("job_id" = Uuid, Path, description = "The job")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(job_id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    let job = own_job(&state, &user, job_id).await?;
    // The care may have ended since the request: the file is the patient's record.
    if !access::can_see_patient(&state.pool, &user, job.patient_id).await? {
        return Err(ApiError::not_found(ErrorCode::ExportNotFound, "export job"));
    }
    let status = job.status(Utc::now());
    match status {
        ExportStatus::Completed => {}
        ExportStatus::Expired => {
            return Err(ApiError::new(
                StatusCode::GONE,
                ErrorCode::ExportExpired,
                "the export's 7 days are over and its file is deleted; ask for a new one",
            ))
        }
        ExportStatus::Queued | ExportStatus::Processing | ExportStatus::Failed => {
            return Err(ApiError::conflict(
                ErrorCode::ExportNotReady,
                format!("the export is {status}, not ready to download"),
            )
            .with_details(serde_json::json!({ "status": status })))
        }
    }
    let Some(bytes) = jobs::file(&state.pool, job_id).await? else {
        // Expired (or deleted) between the two reads.
        return Err(ApiError::new(
            StatusCode::GONE,
            ErrorCode::ExportExpired,
            "the export's file is no longer kept; ask for a new one",
        ));
    };
    log(&state, &user, &client, Some(job_id), Action::Export).await?;
    let name = job
        .file_name
        .unwrap_or_else(|| format!("export-{job_id}.pdf"));
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
