//! `/api/admin`: account creation by an administrator (clinician accounts are never
//! self-service).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Json;
use axum::Router;
use physalign_api::admin::{CreateUserRequest, CreatedUser};
use physalign_api::auth::Role;
use physalign_api::{ErrorBody, ErrorCode};

use crate::accounts::{self, AccountError, NewUser};
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ClientInfo};
use crate::state::AppState;
use crate::validate::{check_credential_lengths, check_text};

/// `/api/admin/*`.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/admin/users", post(create_user))
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
