//! Per-request time limit of the JSON API (issue 17): a request stuck on a lock or a slow query
//! is abandoned after `--request-timeout` seconds instead of holding a connection, a worker and
//! possibly an idempotency claim for as long as the client cares to wait. Dropping the handler
//! rolls back its open transactions, and the idempotency claim with them, so a retry with the
//! same key runs afresh.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header::{HeaderValue, RETRY_AFTER};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use physalign_api::ErrorCode;
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

/// Runs the request, or answers `503 SERVICE_UNAVAILABLE` with `Retry-After: 1` once it took
/// longer than the configured limit.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let secs = state.config.security.request_timeout_secs;
    if secs == 0 {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    match tokio::time::timeout(Duration::from_secs(secs), next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(%path, secs, "request abandoned after its time limit");
            let mut response = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ServiceUnavailable,
                format!("the request took longer than {secs} s and was abandoned; retry it"),
            )
            .with_details(json!({"retry_after_seconds": 1}))
            .into_response();
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
    }
}
