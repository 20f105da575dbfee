//! The router and the server loop.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::serve::{IncomingStream, Listener};
use axum::Router;

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

/// Serves the API on `listener` (plain TCP, or [`crate::tls::listener`]) until `shutdown`
/// completes.
pub async fn serve<L>(
    listener: L,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: Listener<Addr = SocketAddr>,
    for<'a> SocketAddr: Connected<IncomingStream<'a, L>>,
{
    // Every replica writes queued exports; the worker stops with the server.
    let worker = tokio::spawn(crate::export::worker::run(
        state.pool.clone(),
        state.export_wake.clone(),
    ));
    let served = axum::serve(
        listener,
        build_router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    worker.abort();
    served
}

/// Serves the API on `listener` until `shutdown` completes, then stops taking connections and
/// lets requests in flight finish for at most `drain`; past it the server stops anyway (and
/// says so in the log). Returns whether everything finished within the drain time.
pub async fn serve_with_drain<L>(
    listener: L,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    drain: Duration,
) -> std::io::Result<bool>
where
    L: Listener<Addr = SocketAddr>,
    for<'a> SocketAddr: Connected<IncomingStream<'a, L>>,
{
    let (started, draining) = tokio::sync::oneshot::channel::<()>();
    let server = serve(listener, state, async move {
        shutdown.await;
        tracing::info!(
            drain_secs = drain.as_secs(),
            "shutting down: draining requests in flight"
        );
        let _ = started.send(());
    });
    tokio::pin!(server);
    let deadline = async move {
        match draining.await {
            Ok(()) => tokio::time::sleep(drain).await,
            // The server ended without a shutdown: nothing to wait for.
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        result = &mut server => result.map(|()| true),
        () = deadline => {
            tracing::warn!("drain time over: stopping with requests still in flight");
            Ok(false)
        }
    }
}

/// Completes on SIGTERM (what service managers and container runtimes send) or Ctrl-C.
pub async fn termination_signal() {
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the server");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}
