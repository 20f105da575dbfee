//! Liveness and readiness.

use std::time::Instant;

use axum::extract::State;
use axum::routing::get;
use axum::Json;
use axum::Router;
use physalign_api::auth::Role;
use physalign_api::health::{DatabaseHealth, DetailedHealth, Health, LimitsHealth};
use physalign_api::ErrorBody;

use crate::auth::AuthUser;
use crate::error::ApiResult;
use crate::state::AppState;

/// `/health` and `/health/detailed` (outside the rate limit: monitors poll them).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/health/detailed", get(detailed))
}

/// Liveness.
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Readiness with database latency, for administrators only: pool sizes, uptime and version
/// help an attacker size the server up (issue 17).
#[utoipa::path(get, path = "/health/detailed", tag = "health", security(("bearer" = [])),
    responses((status = 200, body = DetailedHealth), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn detailed(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<DetailedHealth>> {
    user.require(&[Role::Admin])?;
    let start = Instant::now();
    let reachable = sqlx::query("SELECT 1").execute(&state.pool).await.is_ok();
    let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    Ok(Json(DetailedHealth {
        status: if reachable { "ok" } else { "degraded" }.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_seconds: state.started_at.elapsed().as_secs(),
        database: DatabaseHealth {
            status: if reachable { "ok" } else { "unreachable" }.into(),
            latency_ms: reachable.then_some(latency_ms),
            pool_size: state.pool.size(),
            pool_idle: u32::try_from(state.pool.num_idle()).unwrap_or(u32::MAX),
        },
        limits: LimitsHealth {
            request_limiter_keys: state.request_limiter.keys().await?
                + state.anonymous_limiter.keys().await?,
            login_limiter_keys: state.login_limiter.keys().await?
                + state.address_failure_limiter.keys().await?,
            password_hash_slots_free: state.hashing.available() as u64,
            password_hash_slots: state.hashing.capacity() as u64,
            upload_slots_free: state.upload_slots.available_permits() as u64,
        },
    }))
}
