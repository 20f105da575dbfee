//! Liveness and readiness.

use std::time::Instant;

use axum::extract::State;
use axum::routing::get;
use axum::Json;
use axum::Router;
use physalign_api::health::{DatabaseHealth, DetailedHealth, Health};

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

/// Readiness with database latency.
#[utoipa::path(get, path = "/health/detailed", tag = "health", responses((status = 200, body = DetailedHealth)))]
pub async fn detailed(State(state): State<AppState>) -> Json<DetailedHealth> {
    let start = Instant::now();
    let reachable = sqlx::query("SELECT 1").execute(&state.pool).await.is_ok();
    let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    Json(DetailedHealth {
        status: if reachable { "ok" } else { "degraded" }.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_seconds: state.started_at.elapsed().as_secs(),
        database: DatabaseHealth {
            status: if reachable { "ok" } else { "unreachable" }.into(),
            latency_ms: reachable.then_some(latency_ms),
            pool_size: state.pool.size(),
            pool_idle: u32::try_from(state.pool.num_idle()).unwrap_or(u32::MAX),
        },
    })
}
