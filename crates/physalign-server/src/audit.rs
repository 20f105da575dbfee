//! The access log: who read or changed which patient data, from where.

use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::ClientInfo;

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read one record or a list.
    Read,
    /// Created.
    Create,
    /// Changed.
    Update,
    /// Deleted.
    Delete,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

/// Records one access in `access_logs`. Failing to log fails the request: patient data is
/// never served without its audit record.
pub async fn record(
    pool: &PgPool,
    user: Option<&AuthUser>,
    resource_type: &str,
    resource_id: Option<Uuid>,
    action: Action,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO access_logs (user_id, resource_type, resource_id, action, ip_address, user_agent)
         VALUES ($1, $2, $3, $4, $5::inet, $6)",
    )
    .bind(user.map(|u| u.user_id))
    .bind(resource_type)
    .bind(resource_id)
    .bind(action.as_str())
    .bind(client.ip.map(|ip| ip.to_string()))
    .bind(client.user_agent.as_deref())
    .execute(pool)
    .await?;
    Ok(())
}
