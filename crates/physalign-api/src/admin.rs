//! `/api/admin`: what only an administrator may do (issue 15: clinician accounts are never
//! self-service).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Role;

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
