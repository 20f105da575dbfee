//! HTTP handlers, one module per area of the API.

pub mod auth;
pub mod docs;
pub mod health;
pub mod patients;
pub mod physio;
pub mod progress;
pub mod sessions;
pub mod upload;
pub mod uploads;

use physalign_api::pagination::{DEFAULT_PER_PAGE, MAX_PER_PAGE};
use physalign_api::ErrorCode;

use crate::error::ApiError;

/// Checked `(page, per_page, offset)` from optional query values.
pub fn page_window(page: Option<u32>, per_page: Option<u32>) -> Result<(u32, u32, i64), ApiError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
    if page == 0 {
        return Err(ApiError::field("page", "must be at least 1"));
    }
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(ApiError::field(
            "per_page",
            format!("must be between 1 and {MAX_PER_PAGE}"),
        ));
    }
    let offset = (i64::from(page) - 1) * i64::from(per_page);
    Ok((page, per_page, offset))
}

/// 400 if a text field is empty or longer than `max` characters.
pub fn check_text(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.trim().is_empty() {
        return Err(ApiError::field(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(ApiError::field(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

/// 400 if an optional text field is longer than `max` characters.
pub fn check_optional_text(field: &str, value: Option<&str>, max: usize) -> Result<(), ApiError> {
    match value {
        Some(v) if v.chars().count() > max => Err(ApiError::field(
            field,
            format!("must be at most {max} characters"),
        )),
        _ => Ok(()),
    }
}

/// The `ETag` for a record version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The version an `If-Match` header asks for: `Ok(None)` without the header, 400 if malformed.
pub fn if_match_version(headers: &axum::http::HeaderMap) -> Result<Option<i32>, ApiError> {
    let Some(value) = headers.get(axum::http::header::IF_MATCH) else {
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
        axum::http::StatusCode::PRECONDITION_FAILED,
        ErrorCode::PreconditionFailed,
        "the record changed since it was read; fetch it again",
    )
    .with_details(serde_json::json!({ "current_version": current, "etag": etag(current) }))
}
