//! Authentication: password hashing, access tokens, refresh tokens, and the caller's identity.

pub mod jwt;
pub mod lockout;
pub mod password;
pub mod refresh;
pub mod session;

use physalign_api::auth::Role;
use uuid::Uuid;

/// Who is calling, from a valid access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthUser {
    /// `users.id`.
    pub user_id: Uuid,
    /// Role.
    pub role: Role,
    /// `patients.id` or `physiotherapists.id` (none for admins).
    pub profile_id: Option<Uuid>,
}

/// The sign-in session of the caller's access token (`sid`), in the request extensions once
/// the token and its session have been checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionId(pub Uuid);
