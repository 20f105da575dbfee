//! `/api/admin`: account creation by an administrator (clinician accounts are never
//! self-service), deactivation, and the access log.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use axum::Router;
use chrono::{DateTime, Utc};
use physalign_api::admin::{
    AccessLogEntry, AccessLogPage, AccessLogQuery, AccountStatus, CreateUserRequest, CreatedUser,
};
use physalign_api::auth::Role;
use physalign_api::pagination::Pagination;
use physalign_api::{ErrorBody, ErrorCode};
use uuid::Uuid;

use crate::accounts::{self, AccountError, NewUser};
use crate::audit::{self, Action, AuditResource};
use crate::auth::session::{self, RevokeReason};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientInfo};
use crate::state::AppState;
use crate::validate::{check_credential_lengths, check_text, page_window};

/// `/api/admin/*`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/users", post(create_user))
        .route("/api/admin/users/{id}/deactivate", post(deactivate_user))
        .route("/api/admin/users/{id}/activate", post(activate_user))
        .route("/api/admin/access-logs", get(list_access_logs))
}

/// Creates an account of any role (administrators only). The e-mail being taken is a 409: only
/// an administrator can ask.
#[utoipa::path(post, path = "/api/admin/users", tag = "admin", security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses((status = 201, body = CreatedUser), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<CreateUserRequest>,
) -> ApiResult<(StatusCode, Json<CreatedUser>)> {
    user.require(&[Role::Admin])?;
    check_credential_lengths(&[("email", &req.email), ("password", &req.password)])?;
    check_text("first_name", &req.first_name, 100)?;
    check_text("last_name", &req.last_name, 100)?;
    let created = accounts::create_user_gated(
        &state.pool,
        Some(&state.hashing),
        NewUser {
            email: &req.email,
            password: &req.password,
            first_name: &req.first_name,
            last_name: &req.last_name,
            role: req.role,
        },
    )
    .await
    .map_err(|e| match e {
        AccountError::Invalid { field, message } => ApiError::field(field, message),
        AccountError::EmailTaken => ApiError::conflict(ErrorCode::EmailTaken, e.to_string()),
        AccountError::Database(db) => db.into(),
        AccountError::Busy => crate::auth::password::HashBusy.into(),
        AccountError::Hash(_) => ApiError::internal(e),
    })?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::User,
        Some(created.user_id),
        Action::Create,
        &client,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            user_id: created.user_id,
            role: created.role,
            profile_id: created.profile_id,
        }),
    ))
}

/// Deactivates an account (administrators only): it can no longer sign in or refresh, and
/// every session ends, so its access tokens stop working at once on this server and within the
/// session cache's few seconds on others. An administrator cannot deactivate themselves.
#[utoipa::path(post, path = "/api/admin/users/{id}/deactivate", tag = "admin",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "users.id")),
    responses((status = 200, body = AccountStatus), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn deactivate_user(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<AccountStatus>> {
    user.require(&[Role::Admin])?;
    if id == user.user_id {
        return Err(ApiError::conflict(
            ErrorCode::Conflict,
            "administrators cannot deactivate their own account",
        ));
    }
    set_active(&state, &user, &client, id, false).await
}

/// Reactivates an account (administrators only); it signs in again with its password.
#[utoipa::path(post, path = "/api/admin/users/{id}/activate", tag = "admin",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "users.id")),
    responses((status = 200, body = AccountStatus), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn activate_user(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<AccountStatus>> {
    user.require(&[Role::Admin])?;
    set_active(&state, &user, &client, id, true).await
}

async fn set_active(
    state: &AppState,
    admin: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    active: bool,
) -> ApiResult<Json<AccountStatus>> {
    let mut tx = state.pool.begin().await?;
    let found: Option<Uuid> = sqlx::query_scalar(
        "UPDATE users SET is_active = $2, updated_at = NOW() WHERE id = $1 RETURNING id",
    )
    .bind(id)
    .bind(active)
    .fetch_optional(&mut *tx)
    .await?;
    if found.is_none() {
        return Err(ApiError::not_found(ErrorCode::UserNotFound, "user"));
    }
    let sessions_revoked = if active {
        0
    } else {
        session::revoke_all_of_user(&mut tx, id, None, RevokeReason::Deactivated).await?
    };
    tx.commit().await?;
    state.sessions.forget_user(id);
    audit::record(
        &state.pool,
        Some(admin),
        AuditResource::User,
        Some(id),
        if active {
            Action::Activate
        } else {
            Action::Deactivate
        },
        client,
    )
    .await?;
    Ok(Json(AccountStatus {
        user_id: id,
        is_active: active,
        sessions_revoked,
    }))
}

#[derive(sqlx::FromRow)]
struct AccessLogRow {
    id: Uuid,
    timestamp: DateTime<Utc>,
    user_id: Option<Uuid>,
    action: String,
    resource_type: String,
    resource_id: Option<Uuid>,
    patient_id: Option<Uuid>,
    ip_address: Option<String>,
    user_agent: Option<String>,
    status_code: Option<i16>,
    request_path: Option<String>,
}

/// The access log, newest first, optionally of one patient (`patient_id`) or by one user
/// (`user_id`); administrators only. Reading it is itself logged.
#[utoipa::path(get, path = "/api/admin/access-logs", tag = "admin", security(("bearer" = [])),
    params(AccessLogQuery),
    responses((status = 200, body = AccessLogPage), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn list_access_logs(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<AccessLogQuery>,
) -> ApiResult<Json<AccessLogPage>> {
    user.require(&[Role::Admin])?;
    let (page, per_page, offset) = page_window(query.page, query.per_page)?;
    const FILTER: &str =
        "($1::uuid IS NULL OR patient_id = $1) AND ($2::uuid IS NULL OR user_id = $2)";
    let total: i64 =
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM access_logs WHERE {FILTER}"))
            .bind(query.patient_id)
            .bind(query.user_id)
            .fetch_one(&state.pool)
            .await?;
    let rows: Vec<AccessLogRow> = sqlx::query_as(&format!(
        "SELECT id, timestamp, user_id, action, resource_type, resource_id, patient_id,
                host(ip_address) AS ip_address, user_agent, status_code, request_path
         FROM access_logs WHERE {FILTER}
         ORDER BY timestamp DESC, id LIMIT $3 OFFSET $4"
    ))
    .bind(query.patient_id)
    .bind(query.user_id)
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    audit::write(
        &state.pool,
        &audit::Entry {
            user_id: Some(user.user_id),
            resource_type: AuditResource::AccessLog,
            resource_id: query.patient_id.or(query.user_id),
            action: Action::Read,
            patient_id: query.patient_id,
            status_code: None,
            request_path: None,
        },
        &client,
    )
    .await?;
    Ok(Json(AccessLogPage {
        data: rows
            .into_iter()
            .map(|r| AccessLogEntry {
                id: r.id,
                timestamp: r.timestamp,
                user_id: r.user_id,
                action: r.action,
                resource_type: r.resource_type,
                resource_id: r.resource_id,
                patient_id: r.patient_id,
                ip_address: r.ip_address,
                user_agent: r.user_agent,
                status_code: r.status_code.and_then(|c| u16::try_from(c).ok()),
                request_path: r.request_path,
            })
            .collect(),
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    }))
}
