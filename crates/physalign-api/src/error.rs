//! The one error body every endpoint returns (seed 002's shape) and its closed list of codes.

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
    /// Machine-readable code.
    pub code: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
    /// Extra context: a list of [`FieldError`] for validation errors, an object otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Value>)]
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

physalign_domain::wire_enum! {
    /// Every machine-readable error code the server answers with (`error.code`), so that the
    /// server emits and the sync client matches the same values. The HTTP status that goes
    /// with each is in `crates/physalign-server/API.md`.
    #[derive(ToSchema)]
    pub enum ErrorCode {
        // --- the request as a whole (400, 405, 413, 415)
        /// A field is missing, malformed or out of range; `details` lists the fields.
        ValidationError = "VALIDATION_ERROR",
        /// The body is not JSON or not the expected shape.
        InvalidJson = "INVALID_JSON",
        /// The body could not be read.
        InvalidBody = "INVALID_BODY",
        /// A path parameter does not parse (e.g. not a UUID).
        InvalidPathParameter = "INVALID_PATH_PARAMETER",
        /// A query parameter does not parse.
        InvalidQueryParameter = "INVALID_QUERY_PARAMETER",
        /// The request refers to a record that does not exist.
        InvalidReference = "INVALID_REFERENCE",
        /// `Idempotency-Key` is not a valid key.
        InvalidIdempotencyKey = "INVALID_IDEMPOTENCY_KEY",
        /// `If-Match` is not a version.
        InvalidIfMatch = "INVALID_IF_MATCH",
        /// Login credentials are not an email and a password of the accepted lengths.
        InvalidCredentialsFormat = "INVALID_CREDENTIALS_FORMAT",
        /// The body is larger than the server accepts.
        PayloadTooLarge = "PAYLOAD_TOO_LARGE",
        /// The body's content type is not the one the endpoint takes.
        UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE",
        /// No route has this method for this path.
        MethodNotAllowed = "METHOD_NOT_ALLOWED",
        // --- authentication and permission (401, 403)
        /// No bearer token.
        Unauthorized = "UNAUTHORIZED",
        /// The bearer token is not one this server issued.
        InvalidToken = "INVALID_TOKEN",
        /// The bearer token expired; refresh it.
        TokenExpired = "TOKEN_EXPIRED",
        /// Wrong email or password.
        AuthenticationFailed = "AUTHENTICATION_FAILED",
        /// Too many failed logins: the account is blocked for a while.
        AccountBlocked = "ACCOUNT_BLOCKED",
        /// The refresh token is unknown or malformed.
        InvalidRefreshToken = "INVALID_REFRESH_TOKEN",
        /// The refresh token expired; log in again.
        RefreshTokenExpired = "REFRESH_TOKEN_EXPIRED",
        /// A refresh token was used twice: its whole family is revoked.
        RefreshTokenReused = "REFRESH_TOKEN_REUSED",
        /// The access token's sign-in ended (logout, password change, deactivation, refresh
        /// reuse); sign in again.
        SessionRevoked = "SESSION_REVOKED",
        /// The sign-in reached its absolute lifetime; sign in again.
        SessionExpired = "SESSION_EXPIRED",
        /// The caller may not do this.
        Forbidden = "FORBIDDEN",
        // --- not found (404) and gone (410)
        /// No route at this path.
        NotFound = "NOT_FOUND",
        /// No patient with this id that the caller may see.
        PatientNotFound = "PATIENT_NOT_FOUND",
        /// No physiotherapist with this id.
        PhysiotherapistNotFound = "PHYSIOTHERAPIST_NOT_FOUND",
        /// No account with this id.
        UserNotFound = "USER_NOT_FOUND",
        /// No session with this id that the caller may see.
        SessionNotFound = "SESSION_NOT_FOUND",
        /// No progress metrics for this session yet.
        ProgressNotFound = "PROGRESS_NOT_FOUND",
        /// No analytics for this session yet.
        AnalyticsNotFound = "ANALYTICS_NOT_FOUND",
        /// No resumable upload with this id that the caller owns.
        UploadNotFound = "UPLOAD_NOT_FOUND",
        /// The resumable upload expired; its bytes are gone.
        UploadExpired = "UPLOAD_EXPIRED",
        /// The signed upload URL expired or its signature does not match.
        UploadUrlExpired = "UPLOAD_URL_EXPIRED",
        /// No program item with this id that the caller may see.
        ProgramItemNotFound = "PROGRAM_ITEM_NOT_FOUND",
        /// No alert with this id that the caller may see.
        AlertNotFound = "ALERT_NOT_FOUND",
        /// The session has no transcript (none was shared).
        TranscriptNotFound = "TRANSCRIPT_NOT_FOUND",
        /// The session's transcript was purged by the retention rule (410).
        TranscriptPurged = "TRANSCRIPT_PURGED",
        /// The session's transcript was deleted on request (410).
        TranscriptDeleted = "TRANSCRIPT_DELETED",
        /// Deleting a transcript that is already deleted or purged (409).
        TranscriptAlreadyDeleted = "TRANSCRIPT_ALREADY_DELETED",
        /// The session has no clinical notes (none were shared).
        NotesNotFound = "NOTES_NOT_FOUND",
        /// No appointment with this id that the caller may see.
        AppointmentNotFound = "APPOINTMENT_NOT_FOUND",
        /// No therapy goal with this id for this client.
        GoalNotFound = "GOAL_NOT_FOUND",
        /// No session template with this id of this therapist.
        TemplateNotFound = "TEMPLATE_NOT_FOUND",
        /// No export job with this id of the caller's (or it was deleted).
        ExportNotFound = "EXPORT_NOT_FOUND",
        /// The export's 7 days are over: its file is deleted (410).
        ExportExpired = "EXPORT_EXPIRED",
        // --- conflicts with stored state (409, 412, 422)
        /// A record with this key already exists.
        Conflict = "CONFLICT",
        /// An account with this email exists.
        EmailTaken = "EMAIL_TAKEN",
        /// A session with this id exists (an earlier create of the same device).
        SessionExists = "SESSION_EXISTS",
        /// A review with this id exists (an earlier create of the same device).
        ReviewExists = "REVIEW_EXISTS",
        /// A program item with this id exists (an earlier create of the same device).
        ProgramItemExists = "PROGRAM_ITEM_EXISTS",
        /// The program item has ended and can no longer be changed or linked to.
        ProgramItemEnded = "PROGRAM_ITEM_ENDED",
        /// An appointment with this id exists (an earlier create of the same device).
        AppointmentExists = "APPOINTMENT_EXISTS",
        /// The appointment is cancelled or a no-show (or completed, for a no-show) and cannot
        /// be changed this way.
        AppointmentNotScheduled = "APPOINTMENT_NOT_SCHEDULED",
        /// A goniometer reading with this id exists (an earlier create of the same device).
        GoniometerReadingExists = "GONIOMETER_READING_EXISTS",
        /// A therapy goal with this id exists.
        GoalExists = "GOAL_EXISTS",
        /// An outcome questionnaire with this id exists (an earlier send of the same device).
        OutcomeResponseExists = "OUTCOME_RESPONSE_EXISTS",
        /// A signed note with this id exists (an earlier send of the same device).
        NoteExists = "NOTE_EXISTS",
        /// A note amendment with this id exists (an earlier send of the same device).
        NoteAmendmentExists = "NOTE_AMENDMENT_EXISTS",
        /// A session template with this id exists.
        TemplateExists = "TEMPLATE_EXISTS",
        /// The export is not written yet, or writing it failed (409; the job's status says).
        ExportNotReady = "EXPORT_NOT_READY",
        /// `If-Match` names a version the record no longer has.
        PreconditionFailed = "PRECONDITION_FAILED",
        /// The idempotency key was used for a different request.
        IdempotencyKeyMismatch = "IDEMPOTENCY_KEY_MISMATCH",
        /// A request with this idempotency key is still being answered.
        IdempotencyKeyInProgress = "IDEMPOTENCY_KEY_IN_PROGRESS",
        /// A chunk does not start at the upload's current offset; `details` has the offset.
        UploadOffsetMismatch = "UPLOAD_OFFSET_MISMATCH",
        /// `Upload-Offset` is missing or malformed.
        InvalidUploadOffset = "INVALID_UPLOAD_OFFSET",
        /// A chunk goes past the upload's declared size.
        UploadLengthExceeded = "UPLOAD_LENGTH_EXCEEDED",
        /// Completing an upload that has not received all its bytes.
        UploadIncomplete = "UPLOAD_INCOMPLETE",
        /// The upload is already completed.
        UploadCompleted = "UPLOAD_COMPLETED",
        /// The upload failed for good (checksum mismatch earlier, or its bytes were lost).
        UploadFailed = "UPLOAD_FAILED",
        /// The uploaded bytes do not have the declared SHA-256.
        UploadChecksumMismatch = "UPLOAD_CHECKSUM_MISMATCH",
        /// The upload would take the user past their storage quota (413).
        UploadQuotaExceeded = "UPLOAD_QUOTA_EXCEEDED",
        // --- load and failure (429, 500, 503)
        /// Too many requests; retry after `Retry-After`.
        RateLimitExceeded = "RATE_LIMIT_EXCEEDED",
        /// Something failed on the server; the cause is in its log.
        InternalServerError = "INTERNAL_SERVER_ERROR",
        /// The server is overloaded (e.g. the database pool is exhausted); retry shortly.
        ServiceUnavailable = "SERVICE_UNAVAILABLE",
        /// A code this build does not know (a newer server); never sent by this server.
        #[serde(other)]
        Unknown = "UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_json_and_text() {
        for &code in ErrorCode::ALL {
            let json = serde_json::to_value(code).expect("serialise");
            assert_eq!(json, serde_json::Value::from(code.as_str()));
            assert_eq!(
                serde_json::from_value::<ErrorCode>(json).expect("deserialise"),
                code
            );
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(code));
            assert_eq!(code.to_string(), code.as_str());
        }
    }

    #[test]
    fn codes_are_distinct_screaming_snake_case() {
        let mut texts: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert!(texts
            .iter()
            .all(|t| t.chars().all(|c| c.is_ascii_uppercase() || c == '_')));
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn a_code_from_a_newer_server_still_reads_as_an_error_body() {
        let body: ErrorBody = serde_json::from_value(serde_json::json!({
            "error": {"code": "SOMETHING_NEW", "message": "m"}
        }))
        .expect("error body");
        assert_eq!(body.error.code, ErrorCode::Unknown);
        assert_eq!(body.error.message, "m");
    }
}
