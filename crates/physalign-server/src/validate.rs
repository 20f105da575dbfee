//! Checks of request values shared by the handlers of several areas; each failure is a 400
//! naming the field.

use physalign_api::pagination::{Pagination, DEFAULT_PER_PAGE, MAX_PER_PAGE};

use physalign_api::FieldError;

use crate::auth::password::MAX_PASSWORD_LEN;
use crate::error::ApiError;

/// Longest e-mail address accepted (RFC 5321's path limit less the angle brackets).
pub const MAX_EMAIL_LEN: usize = 254;

/// 400 naming each over-long credential: an e-mail over [`MAX_EMAIL_LEN`] or a password over
/// [`MAX_PASSWORD_LEN`] bytes. Every route that takes either calls this first, before any
/// lookup, limit or hash (issue 17): a megabyte "password" must cost nothing.
pub fn check_credential_lengths(credentials: &[(&str, &str)]) -> Result<(), ApiError> {
    let errors: Vec<FieldError> = credentials
        .iter()
        .filter_map(|(field, value)| {
            let max = if field.contains("password") {
                MAX_PASSWORD_LEN
            } else {
                MAX_EMAIL_LEN
            };
            (value.len() > max).then(|| FieldError {
                field: (*field).to_string(),
                message: format!("must be at most {max} bytes"),
            })
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::fields(errors))
    }
}

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

/// The pagination block of a page of a list of `total` items.
pub fn page_of(page: u32, per_page: u32, total: i64) -> Pagination {
    Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0))
}

/// The total count carried on each row of a page (`COUNT(*) OVER ()`); a page past the end has
/// no rows and reports 0.
pub fn total_of<R>(rows: &[R], total: impl Fn(&R) -> i64) -> i64 {
    rows.first().map(total).unwrap_or(0).max(0)
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

/// 400 unless `email` looks like an address; returns it lower-cased.
pub fn normalise_email(email: &str) -> Result<String, ApiError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= MAX_EMAIL_LEN
        && !email.chars().any(char::is_whitespace)
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
               && !domain.ends_with('.') && !domain.contains('@'));
    if valid {
        Ok(email)
    } else {
        Err(ApiError::field("email", "is not a valid e-mail address"))
    }
}
