//! `/api/admin`: what only an administrator may do (issue 15: clinician accounts are never
//! self-service).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Role;
use crate::pagination::Pagination;

/// `POST /api/admin/users`: an account of any role, created by an administrator.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// Login e-mail, unique (case-insensitive).
    pub email: String,
    /// At least 12 characters with upper case, lower case, a digit and a symbol.
    pub password: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// `patient`, `physiotherapist` or `admin`.
    pub role: Role,
}

/// The account `POST /api/admin/users` created (201).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedUser {
    /// `users.id`.
    pub user_id: Uuid,
    /// Role.
    pub role: Role,
    /// `patients.id` or `physiotherapists.id` (none for admins).
    pub profile_id: Option<Uuid>,
}

/// The answer of `POST /api/admin/users/{id}/deactivate` and `.../activate`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountStatus {
    /// `users.id`.
    pub user_id: Uuid,
    /// Whether the account may sign in.
    pub is_active: bool,
    /// Sign-in sessions this call ended (their access and refresh tokens stop working).
    pub sessions_revoked: u64,
}

/// `GET /api/admin/access-logs` query: filters and the page.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccessLogQuery {
    /// Only entries about this patient (`patients.id`).
    pub patient_id: Option<Uuid>,
    /// Only entries by this user (`users.id`).
    pub user_id: Option<Uuid>,
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page (default 20, at most 100).
    pub per_page: Option<u32>,
}

/// One entry of the access log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccessLogEntry {
    /// Entry id.
    pub id: Uuid,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// Who (none when anonymous or the account was unknown).
    pub user_id: Option<Uuid>,
    /// What was done: `read`, `create`, `update`, `delete`, `export`, `login`, `login_failed`,
    /// `logout`, `refresh_reuse`, `password_change`, `deactivate`, `activate`, `denied`.
    pub action: String,
    /// What kind of thing (`exercise_session`, `auth_session`, `api_request`, ...).
    pub resource_type: String,
    /// Which one.
    pub resource_id: Option<Uuid>,
    /// Whose data.
    pub patient_id: Option<Uuid>,
    /// Client address.
    pub ip_address: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// The answer's status, for refusals and failed sign-ins.
    pub status_code: Option<u16>,
    /// The request path, for refusals.
    pub request_path: Option<String>,
}

/// A page of the access log, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccessLogPage {
    /// The entries.
    pub data: Vec<AccessLogEntry>,
    /// Where this page sits.
    pub pagination: Pagination,
}

physalign_domain::wire_enum! {
    /// One of seed 004's clean-up operations (`/api/admin/cleanup/*`).
    #[derive(ToSchema)]
    pub enum CleanupOperation {
        /// Stored files of sessions that no longer exist.
        OrphanedFiles = "orphaned_files",
        /// Uploads abandoned past their expiry (the server's failed sessions: no audio ever
        /// reaches it), with their staged bytes.
        FailedUploads = "failed_uploads",
        /// The whole scheduled clean-up.
        All = "all",
    }
}

/// `?dry_run=` of a clean-up operation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CleanupQuery {
    /// Count what would be removed and remove nothing (default false).
    pub dry_run: Option<bool>,
}

/// What the clean-up removed or, in a dry run, would remove.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CleanupCounts {
    /// Sessions whose stored files were removed because the session is gone.
    pub orphaned_file_sessions: u64,
    /// Uploads abandoned past their expiry.
    pub failed_uploads: u64,
    /// Session transcripts past seed 002's 90 days, not saved.
    pub transcripts_purged: u64,
    /// Idempotency keys past their lifetime.
    pub idempotency_keys: u64,
    /// Sign-in sessions ended a day ago or more.
    pub ended_sign_in_sessions: u64,
    /// Expired refresh tokens.
    pub refresh_tokens: u64,
    /// Rate-limit counters of ended windows.
    pub rate_limit_counters: u64,
    /// Ended login lockouts and sign-in addresses unused for 180 days.
    pub login_lockouts: u64,
    /// Access log rows past their retention.
    pub access_log_rows: u64,
    /// Export jobs past their 7 days (files deleted) or 30 days old (rows deleted).
    pub expired_exports: u64,
}

/// The answer of a clean-up operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CleanupReport {
    /// Which.
    #[schema(value_type = String)]
    pub operation: CleanupOperation,
    /// Nothing was removed.
    pub dry_run: bool,
    /// Removed (or, in a dry run, to be removed) by this operation; other kinds are 0.
    pub counts: CleanupCounts,
}

/// The last run of the scheduled clean-up, on whichever replica ran it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CleanupRun {
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished; null while it runs (or if it failed).
    pub finished_at: Option<DateTime<Utc>>,
    /// Passes so far.
    pub runs: i64,
}

/// `GET /api/admin/cleanup/status`: what a pass would remove now, removing nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CleanupStatus {
    /// Due for removal now.
    pub pending: CleanupCounts,
    /// The last scheduled pass; null before the first.
    pub last_run: Option<CleanupRun>,
}

/// `GET /api/admin/cleanup/config`: the clean-up's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CleanupConfig {
    /// Seconds between scheduled passes (0: none).
    pub interval_secs: u64,
    /// Files of a deleted session are removed once unchanged this long, in seconds.
    pub orphan_file_grace_secs: u64,
    /// Resumable uploads expire this long after their last chunk, in seconds.
    pub upload_ttl_secs: u64,
    /// Transcripts not saved are purged this many days after their session.
    pub transcript_retention_days: u32,
    /// Idempotency keys are kept this long, in seconds.
    pub idempotency_key_ttl_secs: u64,
    /// Access log rows are kept this many days (at least 365).
    pub access_log_retention_days: u32,
}
