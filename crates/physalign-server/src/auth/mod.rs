//! Authentication: password hashing, access tokens, refresh tokens, and the caller's identity.

pub mod jwt;
pub mod lockout;
pub mod password;
pub mod refresh;

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
