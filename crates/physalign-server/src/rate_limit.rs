//! The middleware that identifies the caller and applies the per-caller request limit.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::AuthUser;
use crate::extract::{authenticate, bearer_token, client_ip};
use crate::limiter::address_key;
use crate::state::AppState;

/// Middleware: works out who is calling (a valid access token of an open session puts an
/// [`AuthUser`] and its [`crate::auth::SessionId`] in the request extensions), then applies the
/// per-user limit (per address when anonymous or refused).
pub async fn identify_and_limit(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let user = match bearer_token(request.headers()) {
        Some(token) => match authenticate(&state, token).await {
            Ok((user, session)) => {
                request.extensions_mut().insert(session);
                Some(user)
            }
            // The handler's extractor answers the refusal (the check is cached).
            Err(_) => None,
        },
        None => None,
    };
    let key = match &user {
        Some(user) => format!("user:{}", user.user_id),
        None => format!("ip:{}", address_key(client_ip(request.extensions()))),
    };
    let signed_in = user.is_some();
    if let Some(user) = user {
        request.extensions_mut().insert::<AuthUser>(user);
    }
    let limiter = if signed_in {
        &state.request_limiter
    } else {
        &state.anonymous_limiter
    };
    // Counted in PostgreSQL, shared by every replica. Should the count fail, the request goes
    // on unlimited rather than refused: the handler meets the same database and answers for it.
    let decision = match limiter.hit(&key).await {
        Ok(decision) => Some(decision),
        Err(e) => {
            tracing::warn!(error = %e, "rate limit not counted");
            None
        }
    };
    if let Some(decision) = decision.filter(|d| !d.allowed) {
        return decision.too_many_requests().into_response();
    }
    let mut response = next.run(request).await;
    // A handler's own, stricter limit (failed logins) keeps its headers.
    if let Some(decision) = decision {
        if !response.headers().contains_key("x-ratelimit-limit") {
            for (name, value) in decision.headers() {
                response.headers_mut().insert(name, value);
            }
        }
    }
    response
}
