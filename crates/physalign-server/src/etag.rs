//! Record versions on the wire: the `ETag` a response carries and the `If-Match` a change
//! sends back, with the 412 for a stale one.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use physalign_api::ErrorCode;

use crate::error::ApiError;

/// The `ETag` for a record version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The version an `If-Match` header asks for: `Ok(None)` without the header, 400 if malformed.
pub fn if_match_version(headers: &HeaderMap) -> Result<Option<i32>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i32>()
        .map(Some)
        .map_err(|_| {
            ApiError::bad_request(
                ErrorCode::InvalidIfMatch,
                "If-Match must be an ETag from a GET of this record",
            )
        })
}

/// 412 for a stale `If-Match`.
pub fn precondition_failed(current: i32) -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        ErrorCode::PreconditionFailed,
        "the record changed since it was read; fetch it again",
    )
    .with_details(serde_json::json!({ "current_version": current, "etag": etag(current) }))
}

/// A JSON response with the `ETag` of `version`.
pub fn json_with_etag<T: serde::Serialize>(status: StatusCode, body: T, version: i32) -> Response {
    let mut response = (status, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}
