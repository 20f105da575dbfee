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
