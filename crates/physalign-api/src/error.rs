//! The one error body every endpoint returns (seed 002's shape).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `{"error":{"code","message","details"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable code, e.g. `VALIDATION_ERROR`, `RATE_LIMIT_EXCEEDED`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// Extra context: a list of [`FieldError`] for validation errors, an object otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// Path of the field, e.g. `frames[3].quality_score`; empty for the body as a whole.
    pub field: String,
    /// Why it is invalid.
    pub message: String,
}
