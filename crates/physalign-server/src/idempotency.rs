//! `Idempotency-Key` on POST, PUT, PATCH and DELETE: a retried request never acts twice and
//! gets the original status and body back.
//!
//! The first request with a key inserts its row in a transaction that stays open while the
//! request runs and commits together with the response. Concurrent duplicates block on the
//! primary key until then and replay the stored response. Should the server die mid-request, its
//! connection closes, PostgreSQL rolls the claim back and a retry runs afresh at once (no
//! orphaned "in progress" row). A key reused with a different method, path or body is refused
//! with 422. Server errors (5xx) and 401s roll the claim back, so a retry after one runs again.
//! Replays carry the original status and body (as JSON), not its other headers.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use physalign_api::ErrorCode;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::body_rejection;
use crate::state::AppState;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// Set on replayed responses.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
/// Paths whose requests never use the idempotency store.
pub const AUTH_PREFIX: &str = "/api/auth/";
/// PostgreSQL's SQLSTATE for `lock_timeout` expiring.
const LOCK_NOT_AVAILABLE: &str = "55P03";

#[derive(sqlx::FromRow)]
struct KeyRecord {
    request_hash: String,
    response_status: Option<i32>,
    response_body: Option<Vec<u8>>,
}

/// Middleware applying idempotency keys.
pub async fn idempotency(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match handle(state, request, next).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn handle(state: AppState, request: Request, next: Next) -> Result<Response, ApiError> {
    let applies = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    // Sign-in, refresh and logout never go through the store (issue 17): their answers carry
    // tokens, which must not be kept, and a replay would hand a used refresh token's successor
    // to whoever repeats the key instead of detecting the reuse.
    let outside_store = request.uri().path().starts_with(AUTH_PREFIX);
    let Some(key) = request
        .headers()
        .get(HEADER)
        .filter(|_| applies && !outside_store)
    else {
        return Ok(next.run(request).await);
    };
    let key = key
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::InvalidIdempotencyKey,
                "Idempotency-Key must be 1-255 visible ASCII characters",
            )
        })?
        .to_string();
    let scope = match request.extensions().get::<AuthUser>() {
        Some(user) => user.user_id.to_string(),
        None => "anonymous".to_string(),
    };
    let method = request.method().to_string();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, state.config.body_limit_bytes)
        .await
        .map_err(|_| body_rejection(StatusCode::PAYLOAD_TOO_LARGE))?;
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update(b"\n");
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    hasher.update(&body);
    let request_hash = hex::encode(hasher.finalize());

    loop {
        let mut claim = state.claim_pool.begin().await?;
        // Blocks while another request holds the same key uncommitted.
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (scope, idempotency_key, request_method, request_path, request_hash)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(&scope)
        .bind(&key)
        .bind(&method)
        .bind(&path)
        .bind(&request_hash)
        .execute(&mut *claim)
        .await;
        let inserted = match inserted {
            Ok(done) => done.rows_affected() == 1,
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some(LOCK_NOT_AVAILABLE) => {
                return Err(ApiError::conflict(
                    ErrorCode::IdempotencyKeyInProgress,
                    "a request with this Idempotency-Key is still being processed",
                ));
            }
            Err(other) => return Err(other.into()),
        };

        if inserted {
            let response = next.run(Request::from_parts(parts, Body::from(body))).await;
            return store_response(claim, &scope, &key, response).await;
        }
        claim.rollback().await?;

        let record: Option<KeyRecord> = sqlx::query_as(
            "SELECT request_hash, response_status, response_body
             FROM idempotency_keys WHERE scope = $1 AND idempotency_key = $2",
        )
        .bind(&scope)
        .bind(&key)
        .fetch_optional(&state.pool)
        .await?;
        let Some(record) = record else {
            // The holder rolled back (a server error) between our insert and this read: retry.
            continue;
        };
        if record.request_hash != request_hash {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::IdempotencyKeyMismatch,
                "this Idempotency-Key was used for a different request",
            ));
        }
        if let Some(status) = record.response_status {
            return Ok(replay(status, record.response_body.unwrap_or_default()));
        }
        // A claim without a response can only be left by an older server version that
        // committed claims early: it is abandoned, so take it over.
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE scope = $1 AND idempotency_key = $2 AND response_status IS NULL",
        )
        .bind(&scope)
        .bind(&key)
        .execute(&state.pool)
        .await?;
    }
}

async fn store_response(
    mut claim: sqlx::Transaction<'static, sqlx::Postgres>,
    scope: &str,
    key: &str,
    response: Response,
) -> Result<Response, ApiError> {
    let status = response.status();
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, usize::MAX)
        .await
        .map_err(ApiError::internal)?;
    // Server errors and refused credentials are transient: a retry must run again.
    let outcome = if status.is_server_error() || status == StatusCode::UNAUTHORIZED {
        claim.rollback().await
    } else {
        let updated = sqlx::query(
            "UPDATE idempotency_keys SET response_status = $3, response_body = $4, completed_at = NOW()
             WHERE scope = $1 AND idempotency_key = $2",
        )
        .bind(scope)
        .bind(key)
        .bind(i32::from(status.as_u16()))
        .bind(bytes.as_ref())
        .execute(&mut *claim)
        .await;
        match updated {
            Ok(_) => claim.commit().await,
            Err(e) => Err(e),
        }
    };
    if let Err(e) = outcome {
        // The request itself succeeded: answer it; a retry will simply run again.
        tracing::warn!(error = %e, "could not store the idempotent response");
    }
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Ok(Response::from_parts(parts, Body::from(bytes)))
}

fn replay(status: i32, body: Vec<u8>) -> Response {
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = Response::new(Body::from(body.clone()));
    *response.status_mut() = status;
    if !body.is_empty() {
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    response.headers_mut().insert(
        HeaderName::from_static(REPLAYED_HEADER),
        HeaderValue::from_static("true"),
    );
    response
}
