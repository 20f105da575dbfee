//! The router and the server loop.

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::Router;
use tokio::net::TcpListener;

use crate::error::{method_not_allowed_fallback, not_found_fallback};
use crate::state::AppState;
use crate::{docs, routes, transport};

/// All routes with their middleware.
pub fn build_router(state: AppState) -> Router {
    Router::new()
        .merge(routes::router(&state))
        .merge(docs::router())
        .fallback(not_found_fallback)
        .method_not_allowed_fallback(method_not_allowed_fallback)
        .layer(DefaultBodyLimit::max(state.config.body_limit_bytes))
        // Outermost: the client address is known before the rate limit, and every response,
        // errors and fallbacks included, gets the security headers.
        .layer(from_fn_with_state(state.clone(), transport::client_address))
        .layer(from_fn_with_state(
            state.clone(),
            transport::security_headers,
        ))
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
