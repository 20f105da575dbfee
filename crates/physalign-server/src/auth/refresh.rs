//! Refresh tokens: random, stored as SHA-256, single use, grouped in families.
//!
//! Login starts a family. Each refresh marks the presented token used and issues the next one
//! in the same family. A used token presented again means it was stolen (or a client bug): the
//! whole family is revoked, so neither the thief nor the victim can continue without logging in.
//!
//! One exception keeps a device signed in when a refresh answer is lost on the way: the device
//! sends a retry key with the refresh and keeps it until it has the answer. The same used token
//! with the same key, within the grace period and while the token it was exchanged for was never
//! used, is that device retrying: the unused token is revoked and a fresh one issued. Whoever
//! then presents the revoked one (it was never delivered to the device) ends the family.

use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

/// SHA-256 of a token, hex: what the database stores.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Stores a new token of `family_id` (an `auth_sessions` row, see [`super::session`]) for
/// `user_id` and returns it. It lives `ttl_secs`, never beyond `session_ends`.
pub async fn issue<'e, E>(
    executor: E,
    user_id: Uuid,
    family_id: Uuid,
    ttl_secs: u64,
    session_ends: DateTime<Utc>,
) -> Result<String, sqlx::Error>
where
    E: sqlx::PgExecutor<'e>,
{
    let token = new_token();
    let expires_at = (Utc::now() + super::session::capped_secs(ttl_secs)).min(session_ends);
    sqlx::query(
        "INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(family_id)
    .bind(hash_token(&token))
    .bind(expires_at)
    .execute(executor)
    .await?;
    Ok(token)
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Rotation {
    /// Valid: here is the next token.
    Rotated {
        /// Owner.
        user_id: Uuid,
        /// The new refresh token.
        token: String,
        /// The session (family) it belongs to.
        session_id: Uuid,
        /// The session's absolute end.
        session_ends: DateTime<Utc>,
    },
    /// Already used: the family and its session are now revoked.
    Reused {
        /// Owner.
        user_id: Uuid,
        /// The revoked session (family).
        session_id: Uuid,
    },
    /// The session reached its absolute end: sign in again.
    SessionExpired,
    /// Unknown or revoked.
    Invalid,
    /// Past its expiry.
    Expired,
}

#[derive(sqlx::FromRow)]
struct StoredToken {
    user_id: Uuid,
    family_id: Uuid,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    rotation_key_hash: Option<String>,
    session_ends: DateTime<Utc>,
    session_revoked: bool,
}

/// How a refresh is presented: the token, the device's retry key, and the rules it is judged by.
#[derive(Debug, Clone, Copy)]
pub struct RefreshAttempt<'a> {
    /// The refresh token presented.
    pub token: &'a str,
    /// The device's retry key, if it sent one.
    pub retry_key: Option<&'a str>,
    /// Lifetime of the next token, seconds.
    pub ttl_secs: u64,
    /// How long after its use a token may be presented again with its retry key, seconds.
    pub retry_grace_secs: u64,
}

/// Exchanges `token` for the next one of its family.
pub async fn rotate(pool: &PgPool, attempt: RefreshAttempt<'_>) -> Result<Rotation, sqlx::Error> {
    let RefreshAttempt {
        token,
        retry_key,
        ttl_secs,
        retry_grace_secs,
    } = attempt;
    let retry_key_hash = retry_key.map(hash_token);
    let mut tx = pool.begin().await?;
    // FOR UPDATE: two concurrent refreshes with one token are serialised, the second is a reuse.
    let stored: Option<StoredToken> = sqlx::query_as(
        "SELECT t.user_id, t.family_id, t.expires_at, t.used_at, t.revoked_at,
                t.rotation_key_hash, s.expires_at AS session_ends,
                s.revoked_at IS NOT NULL AS session_revoked
         FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.family_id
         WHERE t.token_hash = $1 FOR UPDATE OF t",
    )
    .bind(hash_token(token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(stored) = stored else {
        return Ok(Rotation::Invalid);
    };
    if stored.session_revoked {
        return Ok(Rotation::Invalid);
    }
    // Alone, a token is revoked only when a retry replaced it before it was delivered: whoever
    // presents it did not get it from the server.
    let replaced_undelivered = stored.revoked_at.is_some();
    let mut retried = false;
    if let (Some(used_at), Some(key), Some(expected)) = (
        stored.used_at,
        retry_key_hash.as_deref(),
        stored.rotation_key_hash.as_deref(),
    ) {
        let within_grace = Utc::now() - used_at
            <= chrono::Duration::seconds(i64::try_from(retry_grace_secs).unwrap_or(i64::MAX));
        if within_grace && key == expected && !replaced_undelivered {
            // The token it was exchanged for was issued in the same transaction, so at the same
            // `NOW()` as this one's use.
            let withdrawn = sqlx::query(
                "UPDATE refresh_tokens SET revoked_at = NOW()
                 WHERE family_id = $1 AND created_at = $2 AND used_at IS NULL
                   AND revoked_at IS NULL",
            )
            .bind(stored.family_id)
            .bind(used_at)
            .execute(&mut *tx)
            .await?;
            retried = withdrawn.rows_affected() == 1;
        }
    }
    if replaced_undelivered || (stored.used_at.is_some() && !retried) {
        super::session::revoke_in(
            &mut tx,
            stored.family_id,
            super::session::RevokeReason::RefreshReuse,
        )
        .await?;
        tx.commit().await?;
        tracing::warn!(user_id = %stored.user_id, family = %stored.family_id, "refresh token reuse: family revoked");
        return Ok(Rotation::Reused {
            user_id: stored.user_id,
            session_id: stored.family_id,
        });
    }
    let now = Utc::now();
    if stored.session_ends <= now {
        return Ok(Rotation::SessionExpired);
    }
    if stored.expires_at <= now {
        return Ok(Rotation::Expired);
    }
    sqlx::query(
        "UPDATE refresh_tokens SET used_at = NOW(), rotation_key_hash = $2 WHERE token_hash = $1",
    )
    .bind(hash_token(token))
    .bind(retry_key_hash.as_deref())
    .execute(&mut *tx)
    .await?;
    let next = issue(
        &mut *tx,
        stored.user_id,
        stored.family_id,
        ttl_secs,
        stored.session_ends,
    )
    .await?;
    tx.commit().await?;
    Ok(Rotation::Rotated {
        user_id: stored.user_id,
        token: next,
        session_id: stored.family_id,
        session_ends: stored.session_ends,
    })
}

/// Ends the session of `token` and all its refresh tokens (logout). Returns the owner and the
/// session when the token was known.
pub async fn revoke_family(
    pool: &PgPool,
    token: &str,
) -> Result<Option<(Uuid, Uuid)>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let owner: Option<(Uuid, Uuid)> =
        sqlx::query_as("SELECT user_id, family_id FROM refresh_tokens WHERE token_hash = $1")
            .bind(hash_token(token))
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((_, family_id)) = owner {
        super::session::revoke_in(&mut tx, family_id, super::session::RevokeReason::Logout).await?;
    }
    tx.commit().await?;
    Ok(owner)
}
