//! The router and the server loop.

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post, put};
use axum::Router;
use tokio::net::TcpListener;

use crate::error::{method_not_allowed_fallback, not_found_fallback};
use crate::routes::{auth, docs, health, patients, physio, progress, sessions, upload, uploads};
use crate::state::AppState;
use crate::{idempotency, rate_limit};

/// All routes with their middleware.
pub fn build_router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/auth/signup", post(auth::signup))
        .route("/api/auth/login", post(auth::login))
        .route(
            "/api/auth/refresh",
            post(auth::refresh_post).get(auth::refresh_get),
        )
        .route("/api/auth/logout", post(auth::logout))
        .route("/api/auth/me", get(auth::me))
        .route(
            "/api/patients/profile",
            get(patients::get_profile).put(patients::update_profile),
        )
        .route("/api/patients/sessions", get(patients::list_own_sessions))
        .route("/api/sessions", post(sessions::create).get(sessions::list))
        .route(
            "/api/sessions/{session_id}",
            get(sessions::get_one)
                .put(sessions::update)
                .delete(sessions::delete),
        )
        .route(
            "/api/sessions/{session_id}/data",
            post(sessions::upload_data),
        )
        .route("/api/upload/generate-url", post(upload::generate_url))
        .route("/api/uploads", post(uploads::create))
        .route("/api/uploads/{upload_id}/complete", post(uploads::complete))
        .route(
            "/api/physio/patients",
            get(physio::list_patients).post(physio::link_patient),
        )
        .route("/api/physio/sessions", get(physio::review_queue))
        .route("/api/physio/reviews", post(physio::create_review))
        .route("/api/physio/analytics", get(physio::analytics))
        .route(
            "/api/session/progress",
            post(progress::store_progress).get(progress::get_progress),
        )
        .route(
            "/api/session/snapshots",
            post(progress::store_snapshots).get(progress::get_snapshots),
        )
        .route(
            "/api/session/progress/snapshots",
            post(progress::store_snapshots).get(progress::get_snapshots),
        )
        .route(
            "/api/session/skills",
            post(progress::store_skills).get(progress::get_skills),
        )
        .route(
            "/api/session/analytics",
            post(progress::store_analytics).get(progress::get_analytics),
        )
        .route(
            "/api/session/comparison",
            post(progress::store_comparison).get(progress::get_comparisons),
        )
        .route(
            "/api/evaluation",
            post(progress::store_evaluation).get(progress::get_evaluations),
        )
        .layer(from_fn_with_state(state.clone(), idempotency::idempotency));

    // Uploads carry files, not JSON: their own size limit and no idempotency buffering (a
    // repeated PUT of the same bytes is idempotent by nature).
    let uploads = Router::new()
        .route(
            "/api/upload/sessions/{session_id}/{kind}",
            put(upload::receive),
        )
        .layer(DefaultBodyLimit::max(state.config.upload_limit_bytes));

    // Chunks of resumable uploads: bounded by the chunk limit, no idempotency buffering (the
    // offset check makes a repeated chunk harmless: it is refused with the current offset).
    let chunks = Router::new()
        .route(
            "/api/uploads/{upload_id}",
            get(uploads::status).patch(uploads::append),
        )
        .layer(DefaultBodyLimit::max(state.config.upload_chunk_limit_bytes));

    let limited = api.merge(uploads).merge(chunks).layer(from_fn_with_state(
        state.clone(),
        rate_limit::identify_and_limit,
    ));

    Router::new()
        .route("/health", get(health::health))
        .route("/health/detailed", get(health::detailed))
        .route("/openapi.json", get(docs::openapi_json))
        .route("/docs", get(docs::page))
        .merge(limited)
        .fallback(not_found_fallback)
        .method_not_allowed_fallback(method_not_allowed_fallback)
        .layer(DefaultBodyLimit::max(state.config.body_limit_bytes))
        .with_state(state)
}

/// Serves the API on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        build_router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
