//! The API error: every failure becomes `{"error":{"code","message","details"}}` with the right
//! status, whatever produced it (handlers, extractors, middleware, the router's fallbacks).

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use physalign_api::{ErrorBody, ErrorCode, ErrorDetail, FieldError};
use serde_json::json;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code.
    pub code: ErrorCode,
    /// Human-readable message.
    pub message: String,
    /// Extra context.
    pub details: Option<serde_json::Value>,
    /// Extra response headers (rate limiting).
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with status, code and message.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
            headers: Vec::new(),
        }
    }

    /// Adds details.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    /// 400 with one invalid field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::fields(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// 400 with several invalid fields.
    pub fn fields(errors: Vec<FieldError>) -> Self {
        let message = match errors.first() {
            Some(first) if first.field.is_empty() => first.message.clone(),
            Some(first) => format!("{}: {}", first.field, first.message),
            None => "invalid input".to_string(),
        };
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::ValidationError, message)
            .with_details(json!(errors))
    }

    /// 400 with a code of its own.
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401.
    pub fn unauthorized(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message)
    }

    /// 404 for `what` (also used when the caller may not see the resource, so that existence
    /// does not leak).
    pub fn not_found(code: ErrorCode, what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, format!("{what} not found"))
    }

    /// 409.
    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 500; the cause is logged, not shown.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalServerError,
            "unexpected server error",
        )
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            // Constraint violations are caused by the request, not by the server.
            match db.code().as_deref() {
                Some("23505") => {
                    return ApiError::conflict(
                        ErrorCode::Conflict,
                        "a record with this key already exists",
                    )
                }
                Some("23503") => {
                    return ApiError::bad_request(
                        ErrorCode::InvalidReference,
                        "the request refers to a record that does not exist",
                    )
                }
                Some("23514") | Some("23502") => {
                    return ApiError::bad_request(
                        ErrorCode::ValidationError,
                        "a value is outside its allowed range",
                    )
                }
                Some(code) if code.starts_with("22") => {
                    return ApiError::bad_request(
                        ErrorCode::ValidationError,
                        "a value cannot be stored (out of range or malformed)",
                    )
                }
                _ => {}
            }
        }
        if matches!(err, sqlx::Error::PoolTimedOut) {
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ServiceUnavailable,
                "database busy, retry later",
            )
            .with_details(json!({"retry_after_seconds": 1}));
        }
        ApiError::internal(err)
    }
}

impl From<crate::auth::password::HashBusy> for ApiError {
    fn from(busy: crate::auth::password::HashBusy) -> Self {
        let mut err = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ServiceUnavailable,
            busy.to_string(),
        )
        .with_details(json!({"retry_after_seconds": 1}));
        err.headers
            .push((header::RETRY_AFTER, HeaderValue::from_static("1")));
        err
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                details: self.details,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Router fallback: unknown path.
pub async fn not_found_fallback() -> ApiError {
    ApiError::not_found(ErrorCode::NotFound, "route")
}

/// Router fallback: known path, wrong method.
pub async fn method_not_allowed_fallback() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "method not allowed on this path",
    )
}
