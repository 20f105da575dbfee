//! HTTP handlers, one module per area of the API; each exposes its `router()` and this module
//! merges them with the middleware every area shares.

pub mod admin;
pub mod analytics;
pub mod appointments;
pub mod assessments;
pub mod auth;
pub mod cleanup;
pub mod clients;
pub mod clinic_sessions;
pub mod clinical;
pub mod export;
pub mod health;
pub mod notes;
pub mod outcomes;
pub mod patients;
pub mod physio;
pub mod pose_data;
pub mod programs;
pub mod progress;
pub mod resumable_upload;
pub mod sessions;
pub mod signed_upload;
pub mod templates;
pub mod transcripts;

use axum::middleware::from_fn_with_state;
use axum::Router;

use crate::state::AppState;
use crate::{audit, idempotency, rate_limit, request_timeout};

/// Every area's routes: the JSON API behind idempotency keys, the file and chunk uploads with
/// their own body limits, all of them rate-limited; the health checks outside the limit.
pub fn router(state: &AppState) -> Router<AppState> {
    let json_api = Router::new()
        .merge(auth::router())
        .merge(admin::router())
        .merge(cleanup::router())
        .merge(patients::router())
        .merge(sessions::router())
        .merge(signed_upload::router())
        .merge(resumable_upload::router())
        .merge(physio::router())
        .merge(progress::router())
        .merge(programs::router())
        .merge(assessments::router())
        .merge(outcomes::router())
        .merge(notes::router())
        .merge(clinical::router())
        .merge(transcripts::router())
        .merge(appointments::router())
        .merge(clients::router())
        .merge(templates::router())
        .merge(clinic_sessions::router())
        .merge(analytics::router())
        .merge(export::router())
        .layer(from_fn_with_state(state.clone(), idempotency::idempotency))
        // Outside the idempotency claim, so an abandoned request releases it.
        .layer(from_fn_with_state(state.clone(), request_timeout::limit));
    let limited = json_api
        .merge(signed_upload::file_router(state.config.upload_limit_bytes))
        .merge(resumable_upload::chunk_router(
            state.config.upload_chunk_limit_bytes,
        ))
        // Inside the identification, so a refusal is logged with the caller.
        .layer(from_fn_with_state(state.clone(), audit::record_denials))
        .layer(from_fn_with_state(
            state.clone(),
            rate_limit::identify_and_limit,
        ));
    Router::new().merge(health::router()).merge(limited)
}
