//! Refresh tokens: random, stored as SHA-256, single use, grouped in families.
//!
//! Login starts a family. Each refresh marks the presented token used and issues the next one
//! in the same family. A used token presented again means it was stolen (or a client bug): the
//! whole family is revoked, so neither the thief nor the victim can continue without logging in.

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

/// Stores a new token of `family_id` for `user_id` and returns it.
pub async fn issue<'e, E>(
    executor: E,
    user_id: Uuid,
    family_id: Uuid,
    ttl_secs: u64,
) -> Result<String, sqlx::Error>
where
    E: sqlx::PgExecutor<'e>,
{
    let token = new_token();
    // Capped at a century so the addition cannot overflow.
    let ttl = i64::try_from(ttl_secs.min(100 * 365 * 86_400)).unwrap_or(0);
    let expires_at = Utc::now() + chrono::Duration::seconds(ttl);
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
    },
    /// Already used: the family is now revoked.
    Reused,
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
}

/// Exchanges `token` for the next one of its family.
pub async fn rotate(pool: &PgPool, token: &str, ttl_secs: u64) -> Result<Rotation, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // FOR UPDATE: two concurrent refreshes with one token are serialised, the second is a reuse.
    let stored: Option<StoredToken> = sqlx::query_as(
        "SELECT user_id, family_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
    )
    .bind(hash_token(token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(stored) = stored else {
        return Ok(Rotation::Invalid);
    };
    if stored.revoked_at.is_some() {
        return Ok(Rotation::Invalid);
    }
    if stored.used_at.is_some() {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = NOW() WHERE family_id = $1 AND revoked_at IS NULL",
        )
        .bind(stored.family_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::warn!(user_id = %stored.user_id, family = %stored.family_id, "refresh token reuse: family revoked");
        return Ok(Rotation::Reused);
    }
    if stored.expires_at <= Utc::now() {
        return Ok(Rotation::Expired);
    }
    sqlx::query("UPDATE refresh_tokens SET used_at = NOW() WHERE token_hash = $1")
        .bind(hash_token(token))
        .execute(&mut *tx)
        .await?;
    let next = issue(&mut *tx, stored.user_id, stored.family_id, ttl_secs).await?;
    tx.commit().await?;
    Ok(Rotation::Rotated {
        user_id: stored.user_id,
        token: next,
    })
}

/// Revokes the family of `token` (logout). Returns whether the token was known.
pub async fn revoke_family(pool: &PgPool, token: &str) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, NOW())
         WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)",
    )
    .bind(hash_token(token))
    .execute(pool)
    .await?;
    Ok(result.rows_affected() > 0)
}
