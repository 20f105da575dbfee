//! Extractors whose rejections use the API error format: JSON bodies, path and query
//! parameters, the caller's identity and address.

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use physalign_api::auth::Role;
use physalign_api::{ErrorCode, FieldError};
use serde::de::DeserializeOwned;

use crate::auth::jwt::TokenError;
use crate::auth::session::{self, SessionState};
use crate::auth::{AuthUser, SessionId};
use crate::error::ApiError;
use crate::state::AppState;

/// A JSON body: `Content-Type: application/json`, within the body limit, and matching `T`
/// exactly (unknown fields are refused by the request types).
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

fn is_json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json_content_type(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                "expected Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| body_rejection(rejection.status()))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// The error for a body that could not be read.
pub fn body_rejection(status: StatusCode) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            "request body exceeds the size limit",
        )
    } else {
        ApiError::bad_request(ErrorCode::InvalidBody, "request body could not be read")
    }
}

fn strip_location(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    }
}

/// Parses `bytes` as `T`; syntax errors are `INVALID_JSON`, shape errors `VALIDATION_ERROR`
/// with the path of the offending field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        json_error(path, &inner)
    })?;
    de.end().map_err(|err| json_error(String::new(), &err))?;
    Ok(value)
}

fn json_error(path: String, err: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let message = strip_location(&err.to_string()).to_string();
    match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidJson,
            format!("malformed JSON: {message}"),
        )
        .with_details(serde_json::json!([{"field": "", "message": message}])),
        Category::Data => {
            let mut field = if path == "." { String::new() } else { path };
            // serde names missing and unknown fields in the message, not in the path.
            for prefix in ["missing field `", "unknown field `"] {
                if let Some(rest) = message.strip_prefix(prefix) {
                    if let Some(name) = rest.split('`').next() {
                        if !field.ends_with(name) {
                            field = if field.is_empty() {
                                name.to_string()
                            } else {
                                format!("{field}.{name}")
                            };
                        }
                    }
                }
            }
            ApiError::fields(vec![FieldError { field, message }])
        }
    }
}

/// Path parameters; a malformed one (e.g. not a UUID) is a 400.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|rejection| {
                ApiError::bad_request(ErrorCode::InvalidPathParameter, rejection.body_text())
            })
    }
}

/// Query parameters; a malformed one is a 400.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|rejection| {
                ApiError::bad_request(ErrorCode::InvalidQueryParameter, rejection.body_text())
            })
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<AuthUser>() {
            return Ok(*user);
        }
        let Some(token) = bearer_token(&parts.headers) else {
            return Err(ApiError::unauthorized(
                ErrorCode::Unauthorized,
                "missing Authorization: Bearer token",
            ));
        };
        let (user, session_id) = authenticate(state, token).await?;
        parts.extensions.insert(user);
        parts.extensions.insert(session_id);
        Ok(user)
    }
}

/// Checks an access token: signature, issuer, audience and expiry, then its session (open, of
/// an active account, before its absolute end; cached for a few seconds).
pub async fn authenticate(
    state: &AppState,
    token: &str,
) -> Result<(AuthUser, SessionId), ApiError> {
    let verified = match state.jwt.verify(token) {
        Ok(verified) => verified,
        Err(TokenError::Expired) => {
            return Err(ApiError::unauthorized(
                ErrorCode::TokenExpired,
                "access token expired",
            ))
        }
        Err(_) => {
            return Err(ApiError::unauthorized(
                ErrorCode::InvalidToken,
                "access token invalid",
            ))
        }
    };
    let Some(session_id) = verified.session_id else {
        return Err(ApiError::unauthorized(
            ErrorCode::InvalidToken,
            "access token names no session; sign in again",
        ));
    };
    match session::check(
        &state.pool,
        &state.sessions,
        session_id,
        verified.user.user_id,
    )
    .await?
    {
        SessionState::Active => Ok((verified.user, SessionId(session_id))),
        SessionState::Revoked => Err(ApiError::unauthorized(
            ErrorCode::SessionRevoked,
            "this sign-in has ended (signed out, password changed or account deactivated)",
        )),
        SessionState::Expired => Err(ApiError::unauthorized(
            ErrorCode::SessionExpired,
            "this sign-in reached its maximum lifetime; sign in again",
        )),
    }
}

/// The caller's sign-in session, for handlers that act on it (password change keeps it).
impl FromRequestParts<AppState> for SessionId {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(session) = parts.extensions.get::<SessionId>() {
            return Ok(*session);
        }
        AuthUser::from_request_parts(parts, state).await?;
        parts.extensions.get::<SessionId>().copied().ok_or_else(|| {
            ApiError::unauthorized(
                ErrorCode::Unauthorized,
                "missing Authorization: Bearer token",
            )
        })
    }
}

impl AuthUser {
    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this operation is not available to the {} role",
                self.role.as_str()
            )))
        }
    }
}

/// The caller's address and user agent, for the access log.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// Client address: the peer, or `X-Forwarded-For` as a trusted proxy wrote it.
    pub ip: Option<IpAddr>,
    /// `User-Agent`, truncated to 500 characters.
    pub user_agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientInfo {
            ip: client_ip(&parts.extensions),
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(500).collect()),
        })
    }
}

/// The caller's address: as [`crate::transport::client_address`] resolved it (`X-Forwarded-For`
/// only from a trusted proxy), else the socket peer.
pub fn client_ip(request_extensions: &axum::http::Extensions) -> Option<std::net::IpAddr> {
    if let Some(crate::transport::ClientAddr(ip)) = request_extensions.get() {
        return Some(*ip);
    }
    request_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// Reads a bearer token, if any.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        x: f32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        items: Vec<Inner>,
    }

    fn field_of(err: &ApiError) -> String {
        err.details.as_ref().unwrap()[0]["field"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn errors_name_the_field() {
        let err = parse_json::<Outer>(br#"{"items":[]}"#).unwrap_err();
        assert_eq!(
            (err.code, field_of(&err).as_str()),
            (ErrorCode::ValidationError, "name")
        );
        let err = parse_json::<Outer>(br#"{"name":"a","items":[{"x":"no"}]}"#).unwrap_err();
        assert_eq!(field_of(&err), "items[0].x");
        let err = parse_json::<Outer>(br#"{"name":"a","items":[{"x":1,"y":2}]}"#).unwrap_err();
        assert_eq!(field_of(&err), "items[0].y");
        let err = parse_json::<Outer>(br#"{"name":"a","#).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidJson);
        let err = parse_json::<Outer>(br#"{"name":"a","items":[]} trailing"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidJson);
    }
}
