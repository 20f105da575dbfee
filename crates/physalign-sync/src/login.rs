//! Interactive login: password in, tokens to the credential store, identity to the database.

use crate::client::ApiClient;
use crate::credentials::{Backend, CredentialStore};
use crate::SyncError;
use chrono::Utc;
use physalign_store::sync_state::SyncIdentity;
use physalign_store::Store;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;
use uuid::Uuid;

/// The result of a login.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LoginReport {
    /// The server signed in to.
    pub server_url: String,
    /// The account.
    pub email: String,
    /// The server's user id.
    pub user_id: Uuid,
    /// The account's role.
    pub role: String,
    /// Where the refresh token went.
    pub credential_backend: Backend,
}

/// Logs in to `server_url` and makes it this database's sync identity. Pending outbox entries
/// are kept; a pause for "login required" ends.
pub async fn login(
    db: &Path,
    credentials: CredentialStore,
    server_url: &str,
    email: &str,
    password: &str,
) -> Result<LoginReport, SyncError> {
    let email = email.trim();
    if email.is_empty() || password.is_empty() {
        return Err(SyncError::LoginFailed(
            "email and password must not be empty".into(),
        ));
    }
    let client = ApiClient::new(server_url, email, credentials, Duration::from_secs(30))?;
    let (me, backend) = client.login(email, password).await?;
    remember(db, &client, email, me, backend)
}

/// Claims a clinician's invitation code and makes the (new or existing) patient account this
/// database's sync identity, like [`login`].
pub async fn claim(
    db: &Path,
    credentials: CredentialStore,
    server_url: &str,
    invitation_code: &str,
    email: &str,
    password: &str,
) -> Result<LoginReport, SyncError> {
    let email = email.trim();
    if email.is_empty() || password.is_empty() || invitation_code.trim().is_empty() {
        return Err(SyncError::LoginFailed(
            "invitation code, email and password must not be empty".into(),
        ));
    }
    let client = ApiClient::new(server_url, email, credentials, Duration::from_secs(30))?;
    let (me, backend) = client
        .claim(invitation_code.trim(), email, password)
        .await?;
    remember(db, &client, email, me, backend)
}

/// Makes the signed-in account this database's identity (clearing another person's
/// server-derived data, see `Store::set_sync_identity`).
fn remember(
    db: &Path,
    client: &ApiClient,
    email: &str,
    me: physalign_api::auth::Me,
    backend: Backend,
) -> Result<LoginReport, SyncError> {
    let store = Store::open(db)?;
    store.set_sync_identity(&SyncIdentity {
        server_url: client.base_url().to_string(),
        email: email.to_string(),
        user_id: Some(me.id),
        role: Some(me.role.as_str().to_string()),
        logged_in_at: Utc::now(),
        login_required_reason: None,
    })?;
    Ok(LoginReport {
        server_url: client.base_url().to_string(),
        email: email.to_string(),
        user_id: me.id,
        role: me.role.as_str().to_string(),
        credential_backend: backend,
    })
}
