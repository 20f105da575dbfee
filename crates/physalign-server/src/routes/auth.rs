//! `/api/auth`: sign-up, login, refresh with rotation, logout, me.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Json;
use axum::Router;
use chrono::{DateTime, Utc};
use physalign_api::auth::{
    ChangePasswordRequest, ClaimRequest, LoginRequest, Me, RefreshRequest, Role, SignupRequest,
    SignupRole, TokenResponse,
};
use physalign_api::{ErrorBody, ErrorCode};
use sqlx::PgPool;
use uuid::Uuid;

use crate::accounts::{self, ClaimError};
use crate::audit::{self, Action, AuditResource};
use crate::auth::lockout;
use crate::auth::refresh::{self, Rotation};
use crate::auth::session::{self, RevokeReason};
use crate::auth::{password, AuthUser, SessionId};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ClientInfo};
use crate::limiter::{address_key, too_many_requests, SharedLimiter};
use crate::state::AppState;
use crate::validate::{check_credential_lengths, check_text, normalise_email};

/// `/api/auth/*`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/signup", post(signup))
        .route("/api/auth/claim", post(claim))
        .route("/api/auth/login", post(login))
        .route("/api/auth/refresh", post(refresh_post).get(refresh_get))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/change-password", post(change_password))
        .route("/api/auth/me", get(me))
}

async fn hash_password(state: &AppState, pw: String) -> ApiResult<String> {
    state.hashing.hash(pw).await?.map_err(ApiError::internal)
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    /// The e-mail is taken.
    #[error("an account with this e-mail already exists")]
    EmailTaken,
    /// Database failure.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Inserts a user with its role's profile row; returns the identity. `password_hash` is a PHC
/// string from [`password::hash`].
pub async fn insert_user(
    tx: &mut sqlx::PgConnection,
    email: &str,
    password_hash: &str,
    first_name: &str,
    last_name: &str,
    role: Role,
) -> Result<AuthUser, CreateUserError> {
    let user_id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, role, first_name, last_name)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(email)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(first_name)
    .bind(last_name)
    .fetch_optional(&mut *tx)
    .await?;
    let user_id = user_id.ok_or(CreateUserError::EmailTaken)?;
    let profile_id: Option<Uuid> = match role {
        Role::Patient => Some(
            sqlx::query_scalar("INSERT INTO patients (user_id) VALUES ($1) RETURNING id")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?,
        ),
        Role::Physiotherapist => Some(
            sqlx::query_scalar("INSERT INTO physiotherapists (user_id) VALUES ($1) RETURNING id")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?,
        ),
        Role::Admin => None,
    };
    Ok(AuthUser {
        user_id,
        role,
        profile_id,
    })
}

/// Why `create-admin` failed.
#[derive(Debug, thiserror::Error)]
pub enum CreateAdminError {
    /// Bad e-mail or weak password.
    #[error("{0}")]
    Invalid(String),
    /// Hashing failed.
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// Insert failed.
    #[error(transparent)]
    User(#[from] CreateUserError),
    /// Database failure.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Creates an admin account (the only way to get one). Used by `physalign-server create-admin`.
pub async fn create_admin(
    pool: &PgPool,
    email: &str,
    password: &str,
) -> Result<Uuid, CreateAdminError> {
    let email = normalise_email(email).map_err(|e| CreateAdminError::Invalid(e.message))?;
    if let Some(why) = password::policy_violation(password) {
        return Err(CreateAdminError::Invalid(format!("password {why}")));
    }
    let hash = password::hash(password).map_err(|e| CreateAdminError::Hash(e.to_string()))?;
    let mut tx = pool.begin().await?;
    let user = insert_user(&mut tx, &email, &hash, "Admin", "", Role::Admin).await?;
    tx.commit().await?;
    Ok(user.user_id)
}

fn issue_tokens(
    state: &AppState,
    user: &AuthUser,
    session_id: Uuid,
    session_ends: DateTime<Utc>,
    refresh_token: String,
) -> ApiResult<TokenResponse> {
    let access = state
        .jwt
        .issue(user, session_id, session_ends)
        .map_err(ApiError::internal)?;
    Ok(TokenResponse {
        access_token: access.token,
        refresh_token,
        expires_in: access.expires_in,
        token_type: "Bearer".into(),
    })
}

/// Starts a sign-in session for `user` on `conn` (its first refresh token included).
async fn start_session(
    state: &AppState,
    conn: &mut sqlx::PgConnection,
    user: &AuthUser,
) -> ApiResult<session::Started> {
    Ok(session::start(
        conn,
        user.user_id,
        state.config.refresh_token_ttl_secs,
        state.config.security.session_max_lifetime_secs,
    )
    .await?)
}

/// The tokens of a session just started.
fn tokens_of(
    state: &AppState,
    user: &AuthUser,
    started: session::Started,
) -> ApiResult<TokenResponse> {
    issue_tokens(
        state,
        user,
        started.session_id,
        started.expires_at,
        started.refresh_token,
    )
}

/// Records a sign-in event (`login`, `login_failed`, `logout`, `refresh_reuse`, ...).
async fn audit_auth(
    state: &AppState,
    client: &ClientInfo,
    user_id: Option<Uuid>,
    session_id: Option<Uuid>,
    action: Action,
    status: Option<StatusCode>,
) -> ApiResult<()> {
    audit::write(
        &state.pool,
        &audit::Entry {
            user_id,
            resource_type: AuditResource::AuthSession,
            resource_id: session_id,
            action,
            patient_id: None,
            status_code: status.map(|s| s.as_u16()),
            request_path: None,
        },
        client,
    )
    .await?;
    Ok(())
}

/// Creates a patient account (unverified, in nobody's care) and signs it in. Clinician
/// accounts are never self-service: `role: physiotherapist` is refused (400 on `role`).
#[utoipa::path(post, path = "/api/auth/signup", tag = "auth", request_body = SignupRequest,
    responses((status = 201, body = TokenResponse), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn signup(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<SignupRequest>,
) -> ApiResult<impl IntoResponse> {
    check_credential_lengths(&[("email", &req.email), ("password", &req.password)])?;
    if req.role != SignupRole::Patient {
        return Err(ApiError::field(
            "role",
            "clinician accounts are created by an administrator; sign-up is for patients only",
        ));
    }
    let email = normalise_email(&req.email)?;
    if let Some(why) = password::policy_violation(&req.password) {
        return Err(ApiError::field("password", why));
    }
    check_text("first_name", &req.first_name, 100)?;
    check_text("last_name", &req.last_name, 100)?;
    let hash = hash_password(&state, req.password).await?;
    let mut tx = state.pool.begin().await?;
    let role = Role::from(req.role);
    let user = insert_user(
        &mut tx,
        &email,
        &hash,
        req.first_name.trim(),
        req.last_name.trim(),
        role,
    )
    .await
    .map_err(|e| match e {
        CreateUserError::EmailTaken => ApiError::conflict(ErrorCode::EmailTaken, e.to_string()),
        CreateUserError::Database(db) => db.into(),
    })?;
    let started = start_session(&state, &mut tx, &user).await?;
    tx.commit().await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::User,
        Some(user.user_id),
        Action::Create,
        &client,
    )
    .await?;
    audit_auth(
        &state,
        &client,
        Some(user.user_id),
        Some(started.session_id),
        Action::Login,
        None,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(tokens_of(&state, &user, started)?),
    ))
}

/// Accepts a clinician's invitation (see [`accounts::claim`]) and answers tokens like a login.
/// Every failure but a malformed e-mail or a password below the policy is one 401
/// `AUTHENTICATION_FAILED`, limited like failed logins (per address).
#[utoipa::path(post, path = "/api/auth/claim", tag = "auth", request_body = ClaimRequest,
    responses((status = 200, body = TokenResponse), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn claim(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<ClaimRequest>,
) -> ApiResult<Json<TokenResponse>> {
    check_credential_lengths(&[("email", &req.email), ("password", &req.password)])?;
    if req.invitation_code.len() > 64 {
        return Err(ApiError::field(
            "invitation_code",
            "must be at most 64 bytes",
        ));
    }
    let address = address_key(client.ip);
    let limit_key = format!("claim|{address}");
    refuse_if_limited(&state, &[&state.login_limiter], &limit_key, &address).await?;
    let mut tx = state.pool.begin().await?;
    let claimed = accounts::claim(
        &mut tx,
        Some(&state.hashing),
        &req.invitation_code,
        &req.email,
        &req.password,
    )
    .await;
    let user = match claimed {
        Ok(user) => user,
        Err(ClaimError::Refused) => {
            drop(tx);
            // Not towards the account's lockout: without a valid code a claim learns nothing
            // about the password, and claims must not let anyone lock an account.
            count_failure(&state, &limit_key, &address, None).await?;
            audit_auth(
                &state,
                &client,
                None,
                None,
                Action::LoginFailed,
                Some(StatusCode::UNAUTHORIZED),
            )
            .await?;
            return Err(ApiError::unauthorized(
                ErrorCode::AuthenticationFailed,
                ClaimError::Refused.to_string(),
            ));
        }
        Err(ClaimError::InvalidEmail(why)) => return Err(ApiError::field("email", why)),
        Err(ClaimError::WeakPassword(why)) => return Err(ApiError::field("password", why)),
        Err(ClaimError::Database(e)) => return Err(e.into()),
        Err(ClaimError::Busy) => return Err(crate::auth::password::HashBusy.into()),
        Err(e @ ClaimError::Hash(_)) => return Err(ApiError::internal(e)),
    };
    let started = start_session(&state, &mut tx, &user).await?;
    tx.commit().await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::PatientAssignment,
        user.profile_id,
        Action::Create,
        &client,
    )
    .await?;
    audit_auth(
        &state,
        &client,
        Some(user.user_id),
        Some(started.session_id),
        Action::Login,
        None,
    )
    .await?;
    Ok(Json(tokens_of(&state, &user, started)?))
}

#[derive(sqlx::FromRow)]
struct LoginRow {
    id: Uuid,
    password_hash: String,
    role: String,
    is_active: bool,
    profile_id: Option<Uuid>,
}

const IDENTITY_SQL: &str = "SELECT u.id, u.password_hash, u.role, u.is_active, COALESCE(p.id, ph.id) AS profile_id
     FROM users u LEFT JOIN patients p ON p.user_id = u.id LEFT JOIN physiotherapists ph ON ph.user_id = u.id";

fn identity_of(row: &LoginRow) -> ApiResult<AuthUser> {
    Ok(AuthUser {
        user_id: row.id,
        role: Role::parse(&row.role)
            .ok_or_else(|| ApiError::internal(format!("unknown role {}", row.role)))?,
        profile_id: row.profile_id,
    })
}

/// Signs in with e-mail and password. Five failures a minute for one account from one address
/// lock that pair out for the rest of the minute; successful logins do not count.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    check_credential_lengths(&[("email", &req.email), ("password", &req.password)])?;
    if req.email.trim().is_empty() || req.password.is_empty() {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidCredentialsFormat,
            "email and password are required",
        ));
    }
    let email = req.email.trim().to_lowercase();
    let address = address_key(client.ip);
    let limit_key = format!("{email}|{address}");
    let email_key = lockout::email_hash(&email);
    refuse_if_limited(&state, &[&state.login_limiter], &limit_key, &address).await?;
    let row: Option<LoginRow> = sqlx::query_as(&format!("{IDENTITY_SQL} WHERE u.email = $1"))
        .bind(&email)
        .fetch_optional(&state.pool)
        .await?;
    if let Some(remaining) = lockout::locked_for(&state.pool, &email_key).await? {
        let known = match &row {
            Some(r) => lockout::is_known_address(&state.pool, r.id, &address).await?,
            None => false,
        };
        if !known {
            audit_auth(
                &state,
                &client,
                row.as_ref().map(|r| r.id),
                None,
                Action::LoginFailed,
                Some(StatusCode::TOO_MANY_REQUESTS),
            )
            .await?;
            return Err(account_locked(remaining));
        }
    }
    let stored_hash = row
        .as_ref()
        .map(|r| r.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_string());
    let matches = state.hashing.verify(req.password, stored_hash).await? && row.is_some();
    let named = row.as_ref().map(|r| r.id);
    let Some(row) = row.filter(|_| matches) else {
        count_failure(&state, &limit_key, &address, Some(&email_key)).await?;
        audit_auth(
            &state,
            &client,
            named,
            None,
            Action::LoginFailed,
            Some(StatusCode::UNAUTHORIZED),
        )
        .await?;
        return Err(ApiError::unauthorized(
            ErrorCode::AuthenticationFailed,
            "invalid e-mail or password",
        ));
    };
    if !row.is_active {
        audit_auth(
            &state,
            &client,
            Some(row.id),
            None,
            Action::LoginFailed,
            Some(StatusCode::FORBIDDEN),
        )
        .await?;
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::AccountBlocked,
            "this account is disabled",
        ));
    }
    let user = identity_of(&row)?;
    lockout::record_success(&state.pool, &email_key, user.user_id, &address).await?;
    let mut conn = state.pool.acquire().await?;
    let started = start_session(&state, &mut conn, &user).await?;
    drop(conn);
    audit_auth(
        &state,
        &client,
        Some(user.user_id),
        Some(started.session_id),
        Action::Login,
        None,
    )
    .await?;
    Ok(Json(tokens_of(&state, &user, started)?))
}

/// 429 when the caller's address is over its failure allowance or one of `limiters` refuses
/// `key`; nothing is counted or remembered (peeks only).
async fn refuse_if_limited(
    state: &AppState,
    limiters: &[&SharedLimiter],
    key: &str,
    address: &str,
) -> ApiResult<()> {
    let per_address = state.address_failure_limiter.peek(address).await?;
    if !per_address.allowed {
        return Err(per_address.too_many_requests());
    }
    for limiter in limiters {
        let decision = limiter.peek(key).await?;
        if !decision.allowed {
            return Err(decision.too_many_requests());
        }
    }
    Ok(())
}

/// Counts a failed login or claim: for the account and address, for the address, and towards
/// the account's lockout.
async fn count_failure(
    state: &AppState,
    key: &str,
    address: &str,
    email_key: Option<&str>,
) -> ApiResult<()> {
    state.login_limiter.hit(key).await?;
    state.address_failure_limiter.hit(address).await?;
    if let Some(email_key) = email_key {
        lockout::record_failure(&state.pool, email_key, &state.lockout).await?;
    }
    Ok(())
}

/// The answer while an account is locked for the caller's address.
fn account_locked(remaining: std::time::Duration) -> ApiError {
    let secs = remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0);
    let mut err = too_many_requests(secs.max(1), Vec::new());
    err.message = format!(
        "Too many failed sign-ins for this account. Please try again in {} seconds.",
        secs.max(1)
    );
    err
}

async fn refresh_with(
    state: &AppState,
    client: &ClientInfo,
    token: &str,
    retry_key: Option<&str>,
) -> ApiResult<Json<TokenResponse>> {
    if token.is_empty() || token.len() > 200 {
        return Err(ApiError::unauthorized(
            ErrorCode::InvalidRefreshToken,
            "refresh token invalid",
        ));
    }
    if retry_key.is_some_and(|k| !(16..=128).contains(&k.len())) {
        return Err(ApiError::field("retry_key", "16 to 128 characters"));
    }
    let attempt = refresh::RefreshAttempt {
        token,
        retry_key,
        ttl_secs: state.config.refresh_token_ttl_secs,
        retry_grace_secs: state.config.security.refresh_retry_grace_secs,
    };
    match refresh::rotate(&state.pool, attempt).await? {
        Rotation::Rotated {
            user_id,
            token,
            session_id,
            session_ends,
        } => {
            let row: Option<LoginRow> = sqlx::query_as(&format!("{IDENTITY_SQL} WHERE u.id = $1"))
                .bind(user_id)
                .fetch_optional(&state.pool)
                .await?;
            let row = row.filter(|r| r.is_active).ok_or_else(|| {
                ApiError::unauthorized(ErrorCode::InvalidRefreshToken, "account no longer active")
            })?;
            let user = identity_of(&row)?;
            Ok(Json(issue_tokens(
                state,
                &user,
                session_id,
                session_ends,
                token,
            )?))
        }
        Rotation::Reused {
            user_id,
            session_id,
        } => {
            state.sessions.forget_session(session_id);
            audit_auth(
                state,
                client,
                Some(user_id),
                Some(session_id),
                Action::RefreshReuse,
                Some(StatusCode::UNAUTHORIZED),
            )
            .await?;
            Err(ApiError::unauthorized(
                ErrorCode::RefreshTokenReused,
                "refresh token was already used; all sessions of this login were revoked",
            ))
        }
        Rotation::SessionExpired => Err(ApiError::unauthorized(
            ErrorCode::SessionExpired,
            "this sign-in reached its maximum lifetime; sign in again",
        )),
        Rotation::Expired => Err(ApiError::unauthorized(
            ErrorCode::RefreshTokenExpired,
            "refresh token expired",
        )),
        Rotation::Invalid => Err(ApiError::unauthorized(
            ErrorCode::InvalidRefreshToken,
            "refresh token invalid",
        )),
    }
}

/// Exchanges a refresh token for new tokens; the old refresh token stops working.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody)))]
pub async fn refresh_post(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    refresh_with(
        &state,
        &client,
        &req.refresh_token,
        req.retry_key.as_deref(),
    )
    .await
}

/// Seed 003's `GET` form of refresh: the refresh token in the `X-Refresh-Token` header.
#[utoipa::path(get, path = "/api/auth/refresh", tag = "auth",
    params(("X-Refresh-Token" = String, Header, description = "the refresh token")),
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody)))]
pub async fn refresh_get(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
) -> ApiResult<Json<TokenResponse>> {
    let token = headers
        .get("x-refresh-token")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::unauthorized(
                ErrorCode::InvalidRefreshToken,
                "missing X-Refresh-Token header",
            )
        })?;
    refresh_with(&state, &client, token, None).await
}

/// Ends the sign-in of the refresh token: its refresh tokens and, within the session cache's
/// few seconds on other replicas (at once on this one), its access tokens.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204), (status = 400, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> ApiResult<StatusCode> {
    if req.refresh_token.is_empty() || req.refresh_token.len() > 200 {
        return Ok(StatusCode::NO_CONTENT);
    }
    if let Some((user_id, session_id)) =
        refresh::revoke_family(&state.pool, &req.refresh_token).await?
    {
        state.sessions.forget_session(session_id);
        audit_auth(
            &state,
            &client,
            Some(user_id),
            Some(session_id),
            Action::Logout,
            None,
        )
        .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the caller's password: the current one is checked (failures count like failed
/// logins), the new one must meet the policy and differ; every other sign-in of the account
/// ends, the caller's own stays.
#[utoipa::path(post, path = "/api/auth/change-password", tag = "auth", security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    user: AuthUser,
    SessionId(current): SessionId,
    client: ClientInfo,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    check_credential_lengths(&[
        ("current_password", &req.current_password),
        ("new_password", &req.new_password),
    ])?;
    let address = address_key(client.ip);
    let limit_key = format!("password|{}|{address}", user.user_id);
    refuse_if_limited(&state, &[&state.login_limiter], &limit_key, &address).await?;
    let stored: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user.user_id)
            .fetch_optional(&state.pool)
            .await?;
    let stored = stored.ok_or_else(|| {
        ApiError::unauthorized(ErrorCode::SessionRevoked, "account no longer exists")
    })?;
    if !state
        .hashing
        .verify(req.current_password.clone(), stored)
        .await?
    {
        count_failure(&state, &limit_key, &address, None).await?;
        audit_auth(
            &state,
            &client,
            Some(user.user_id),
            Some(current),
            Action::PasswordChange,
            Some(StatusCode::UNAUTHORIZED),
        )
        .await?;
        return Err(ApiError::unauthorized(
            ErrorCode::AuthenticationFailed,
            "the current password is wrong",
        ));
    }
    if let Some(why) = password::policy_violation(&req.new_password) {
        return Err(ApiError::field("new_password", why));
    }
    if req.new_password == req.current_password {
        return Err(ApiError::field(
            "new_password",
            "must differ from the current password",
        ));
    }
    let hash = hash_password(&state, req.new_password).await?;
    let mut tx = state.pool.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = NOW() WHERE id = $1")
        .bind(user.user_id)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    session::revoke_all_of_user(
        &mut tx,
        user.user_id,
        Some(current),
        RevokeReason::PasswordChange,
    )
    .await?;
    tx.commit().await?;
    state.sessions.forget_user(user.user_id);
    audit_auth(
        &state,
        &client,
        Some(user.user_id),
        Some(current),
        Action::PasswordChange,
        None,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(sqlx::FromRow)]
struct MeRow {
    id: Uuid,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    role: String,
    is_verified: bool,
    created_at: DateTime<Utc>,
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<Me>> {
    let row: Option<MeRow> = sqlx::query_as(
        "SELECT id, email, first_name, last_name, role, is_verified, created_at FROM users WHERE id = $1",
    )
    .bind(user.user_id)
    .fetch_optional(&state.pool)
    .await?;
    let row = row.ok_or_else(|| {
        ApiError::unauthorized(ErrorCode::InvalidToken, "account no longer exists")
    })?;
    Ok(Json(Me {
        id: row.id,
        email: row.email,
        first_name: row.first_name,
        last_name: row.last_name,
        role: Role::parse(&row.role).unwrap_or(user.role),
        profile_id: user.profile_id,
        is_verified: row.is_verified,
        created_at: row.created_at,
    }))
}
