//! Sign-up, login, token refresh and logout (seed 004).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Records sessions, sees only their own data.
    Patient,
    /// Sees and reviews the sessions of assigned patients.
    Physiotherapist,
    /// Sees everything; created only by `physalign-server create-user` or another admin.
    Admin,
}

impl Role {
    /// The name stored in `users.role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Patient => "patient",
            Role::Physiotherapist => "physiotherapist",
            Role::Admin => "admin",
        }
    }

    /// Parses a `users.role` value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "patient" => Some(Role::Patient),
            "physiotherapist" => Some(Role::Physiotherapist),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Roles a sign-up request may name. Only `patient` is accepted; `physiotherapist` parses so
/// that the refusal can say why (clinician accounts are created by an administrator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SignupRole {
    /// A patient account.
    Patient,
    /// A physiotherapist account (seed 004 says `therapist`; both spellings are accepted).
    #[serde(alias = "therapist")]
    Physiotherapist,
}

impl From<SignupRole> for Role {
    fn from(r: SignupRole) -> Self {
        match r {
            SignupRole::Patient => Role::Patient,
            SignupRole::Physiotherapist => Role::Physiotherapist,
        }
    }
}

/// `POST /api/auth/signup`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// Login e-mail, unique (case-insensitive).
    pub email: String,
    /// At least 12 characters with upper case, lower case, a digit and a symbol.
    pub password: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// `patient` (any other role is refused: 400 `VALIDATION_ERROR` on `role`).
    pub role: SignupRole,
}

/// `POST /api/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login e-mail.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST /api/auth/claim`: accept a clinician's invitation. Creates a patient account with this
/// e-mail and password, or, if the e-mail has an account, signs into it (the password must
/// match); either way the care relationship with the inviting clinician starts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// The code the clinician handed over (`XXXX-XXXX-XXXX-XXXX`; case, spaces and dashes do
    /// not matter).
    pub invitation_code: String,
    /// Login e-mail of the new or existing account.
    pub email: String,
    /// Password: meets the sign-up policy for a new account, matches for an existing one.
    pub password: String,
}

/// Tokens issued by signup, login, claim and refresh.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Single-use refresh token; each refresh returns a new one.
    pub refresh_token: String,
    /// Access token lifetime in seconds.
    pub expires_in: u64,
    /// Always `Bearer`.
    pub token_type: String,
}

/// `POST /api/auth/refresh` and `POST /api/auth/logout`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token last issued.
    pub refresh_token: String,
    /// Refresh only: a random value (16-128 characters) the device keeps until it has the new
    /// tokens. When the answer is lost, sending the same token with the same key again within
    /// the server's grace period gets a fresh pair instead of being taken for a stolen token;
    /// the pair whose answer was lost stops working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_key: Option<String>,
}

/// `POST /api/auth/change-password`: the caller's current password and the new one. Every
/// other sign-in of the account ends; the caller's stays.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password in use now.
    pub current_password: String,
    /// The new password: 12+ characters with upper case, lower case, digit and symbol, not the
    /// current one.
    pub new_password: String,
}

/// `GET /api/auth/me`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: Uuid,
    /// Login e-mail.
    pub email: String,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Role.
    pub role: Role,
    /// `patients.id` or `physiotherapists.id` of this user (none for admins).
    pub profile_id: Option<Uuid>,
    /// Whether the e-mail address was verified.
    pub is_verified: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}
