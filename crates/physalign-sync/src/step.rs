//! One request of a delivery: the context it runs in (the store, the signed-in client, the
//! settings) and how its answer is classified: done, retry later, failed for good, or the
//! credentials refused. Shared by outbox delivery, resumable uploads and the pull.

use crate::client::{ApiClient, ApiResponse, RequestError};
use crate::SyncConfig;
use physalign_api::auth::Role;
use physalign_store::Store;
use reqwest::StatusCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Shared state of the delivering tasks. The store sits behind a mutex that is never held
/// across a request.
pub struct Context {
    /// The sync worker's own store connection.
    pub store: Arc<Mutex<Store>>,
    /// The signed-in API client.
    pub api: Arc<ApiClient>,
    /// Tunables.
    pub config: SyncConfig,
    /// The signed-in user's role, which decides what the server lets this device write.
    pub role: Option<Role>,
}

impl Context {
    /// Runs `f` on the store.
    pub fn db<T>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, physalign_store::StoreError>,
    ) -> Result<T, physalign_store::StoreError> {
        let guard = self
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&guard)
    }
}

/// Why a step did not go through.
pub(crate) enum StepError {
    Retry(String, Option<Duration>),
    Failed(String),
    LoginRequired(String),
}

impl From<RequestError> for StepError {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::Network(detail) => StepError::Retry(detail, None),
            RequestError::LoginRequired(detail) => StepError::LoginRequired(detail),
            RequestError::Local(e) => StepError::Retry(format!("local: {e}"), None),
        }
    }
}

pub(crate) fn local(e: impl std::fmt::Display) -> StepError {
    StepError::Retry(format!("local store: {e}"), None)
}

/// Sorts an answer into success, retry or permanent failure.
pub(crate) fn classify(what: &str, response: ApiResponse) -> Result<ApiResponse, StepError> {
    let status = response.status;
    if status.is_success() {
        return Ok(response);
    }
    let reason = format!("{what}: {} {}", status.as_u16(), response.error_summary());
    // A duplicate of a request the server is still answering (ours, sent again after a
    // timeout): its outcome will be stored under the same key, so asking again later gets it.
    let still_answering = status == StatusCode::CONFLICT
        && response.error_code() == Some(physalign_api::ErrorCode::IdempotencyKeyInProgress);
    if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || still_answering
    {
        return Err(StepError::Retry(reason, response.retry_after()));
    }
    if status == StatusCode::UNAUTHORIZED {
        return Err(StepError::LoginRequired(reason));
    }
    Err(StepError::Failed(reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    fn answer(status: u16, code: &str) -> ApiResponse {
        ApiResponse {
            status: StatusCode::from_u16(status).expect("status"),
            headers: HeaderMap::new(),
            body: serde_json::to_vec(&serde_json::json!({
                "error": {"code": code, "message": "m", "details": []}
            }))
            .expect("json"),
        }
    }

    #[test]
    fn a_key_still_being_answered_is_retried_other_conflicts_are_not() {
        assert!(matches!(
            classify("x", answer(409, "IDEMPOTENCY_KEY_IN_PROGRESS")),
            Err(StepError::Retry(..))
        ));
        assert!(matches!(
            classify("x", answer(409, "IDEMPOTENCY_KEY_MISMATCH")),
            Err(StepError::Failed(_))
        ));
        assert!(matches!(
            classify("x", answer(503, "SERVICE_UNAVAILABLE")),
            Err(StepError::Retry(..))
        ));
        assert!(matches!(
            classify("x", answer(401, "UNAUTHORIZED")),
            Err(StepError::LoginRequired(_))
        ));
    }
}
