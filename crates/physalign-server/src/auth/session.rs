//! Sign-in sessions (`auth_sessions`): what lets an access token die before its expiry.
//!
//! A login starts a session; its id is the refresh-token family and the `sid` claim of every
//! access token issued in it. Each request checks the session (cached for a few seconds per
//! server): revoked (logout, password change, deactivation, refresh reuse), past its absolute
//! end, or of a deactivated account means 401, whatever the token's own expiry. No refresh moves
//! the absolute end, and no token of the session outlives it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::refresh;

physalign_domain::wire_enum! {
    /// Why a session was ended early (`auth_sessions.revoked_reason`).
    pub enum RevokeReason {
        /// The user signed out.
        Logout = "logout",
        /// The user changed their password (every other session ends).
        PasswordChange = "password_change",
        /// An administrator deactivated the account.
        Deactivated = "deactivated",
        /// A used refresh token was presented again.
        RefreshReuse = "refresh_reuse",
    }
}

/// A session just started, with its first refresh token.
#[derive(Debug, Clone)]
pub struct Started {
    /// Session id (refresh family, token `sid`).
    pub session_id: Uuid,
    /// Absolute end of the session.
    pub expires_at: DateTime<Utc>,
    /// The first refresh token.
    pub refresh_token: String,
}

/// Seconds as a duration that cannot overflow a timestamp (capped at a century).
pub fn capped_secs(secs: u64) -> chrono::Duration {
    chrono::Duration::seconds(i64::try_from(secs.min(100 * 365 * 86_400)).unwrap_or(0))
}

/// Starts a session for `user_id` lasting at most `max_lifetime_secs`, with its first refresh
/// token (living `refresh_ttl_secs`, never beyond the session).
pub async fn start(
    conn: &mut PgConnection,
    user_id: Uuid,
    refresh_ttl_secs: u64,
    max_lifetime_secs: u64,
) -> Result<Started, sqlx::Error> {
    let session_id = Uuid::new_v4();
    let expires_at = Utc::now() + capped_secs(max_lifetime_secs);
    sqlx::query("INSERT INTO auth_sessions (id, user_id, expires_at) VALUES ($1, $2, $3)")
        .bind(session_id)
        .bind(user_id)
        .bind(expires_at)
        .execute(&mut *conn)
        .await?;
    let refresh_token = refresh::issue(
        &mut *conn,
        user_id,
        session_id,
        refresh_ttl_secs,
        expires_at,
    )
    .await?;
    Ok(Started {
        session_id,
        expires_at,
        refresh_token,
    })
}

/// Ends the session `session_id` and its refresh tokens. Returns whether it was open.
pub async fn revoke(
    pool: &PgPool,
    session_id: Uuid,
    reason: RevokeReason,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let ended = revoke_in(&mut tx, session_id, reason).await?;
    tx.commit().await?;
    Ok(ended)
}

/// [`revoke`] inside the caller's transaction.
pub async fn revoke_in(
    conn: &mut PgConnection,
    session_id: Uuid,
    reason: RevokeReason,
) -> Result<bool, sqlx::Error> {
    let ended = sqlx::query(
        "UPDATE auth_sessions SET revoked_at = NOW(), revoked_reason = $2
         WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(session_id)
    .bind(reason.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0;
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = NOW() WHERE family_id = $1 AND revoked_at IS NULL",
    )
    .bind(session_id)
    .execute(&mut *conn)
    .await?;
    Ok(ended)
}

/// Ends every open session of `user_id` but `except`, with their refresh tokens. Returns how
/// many sessions ended.
pub async fn revoke_all_of_user(
    conn: &mut PgConnection,
    user_id: Uuid,
    except: Option<Uuid>,
    reason: RevokeReason,
) -> Result<u64, sqlx::Error> {
    let ended: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE auth_sessions SET revoked_at = NOW(), revoked_reason = $3
         WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2)
         RETURNING id",
    )
    .bind(user_id)
    .bind(except)
    .bind(reason.as_str())
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = NOW()
         WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR family_id <> $2)",
    )
    .bind(user_id)
    .bind(except)
    .execute(&mut *conn)
    .await?;
    Ok(ended.len() as u64)
}

/// What a session check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Open, of an active account.
    Active,
    /// Revoked, unknown, of another user or of a deactivated account.
    Revoked,
    /// Past its absolute end.
    Expired,
}

#[derive(Debug, Clone, Copy)]
struct Cached {
    user_id: Uuid,
    state: SessionState,
    checked: Instant,
}

/// The per-server cache of session checks: a revocation made on this server takes effect at
/// once (the entries are dropped), one made on another replica within `ttl`.
pub struct SessionCache {
    entries: Mutex<HashMap<Uuid, Cached>>,
    ttl: Duration,
    max_entries: usize,
}

impl SessionCache {
    /// A cache keeping each answer for `ttl`, at most `max_entries` sessions.
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            ttl,
            max_entries: max_entries.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Cached>> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, session_id: Uuid, user_id: Uuid) -> Option<SessionState> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.lock();
        let hit = entries.get(&session_id)?;
        if hit.checked.elapsed() >= self.ttl {
            return None;
        }
        Some(if hit.user_id == user_id {
            hit.state
        } else {
            SessionState::Revoked
        })
    }

    fn put(&self, session_id: Uuid, user_id: Uuid, state: SessionState) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= self.max_entries {
            let ttl = self.ttl;
            entries.retain(|_, c| c.checked.elapsed() < ttl);
            if entries.len() >= self.max_entries {
                entries.clear();
            }
        }
        entries.insert(
            session_id,
            Cached {
                user_id,
                state,
                checked: Instant::now(),
            },
        );
    }

    /// Forgets one session (after revoking it here).
    pub fn forget_session(&self, session_id: Uuid) {
        self.lock().remove(&session_id);
    }

    /// Forgets every session of `user_id` (after a password change or a deactivation here).
    pub fn forget_user(&self, user_id: Uuid) {
        self.lock().retain(|_, c| c.user_id != user_id);
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: Uuid,
    revoked: bool,
    expired: bool,
    is_active: bool,
}

/// Whether `session_id` of `user_id` may still be used, from the cache or the database.
pub async fn check(
    pool: &PgPool,
    cache: &SessionCache,
    session_id: Uuid,
    user_id: Uuid,
) -> Result<SessionState, sqlx::Error> {
    if let Some(state) = cache.get(session_id, user_id) {
        return Ok(state);
    }
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT s.user_id, s.revoked_at IS NOT NULL AS revoked, s.expires_at <= NOW() AS expired,
                u.is_active
         FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1",
    )
    .bind(session_id)
    .fetch_optional(pool)
    .await?;
    let (owner, state) = match row {
        None => (user_id, SessionState::Revoked),
        Some(r) if r.revoked || !r.is_active => (r.user_id, SessionState::Revoked),
        Some(r) if r.expired => (r.user_id, SessionState::Expired),
        Some(r) => (r.user_id, SessionState::Active),
    };
    cache.put(session_id, owner, state);
    Ok(if owner == user_id {
        state
    } else {
        SessionState::Revoked
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_answers_within_its_ttl_and_forgets_on_demand() {
        let cache = SessionCache::new(Duration::from_secs(60), 2);
        let (s1, s2, s3, u) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        cache.put(s1, u, SessionState::Active);
        assert_eq!(cache.get(s1, u), Some(SessionState::Active));
        // Another user's token naming this session is never accepted.
        assert_eq!(cache.get(s1, Uuid::new_v4()), Some(SessionState::Revoked));
        cache.forget_session(s1);
        assert_eq!(cache.get(s1, u), None);
        cache.put(s1, u, SessionState::Active);
        cache.put(s2, u, SessionState::Active);
        // Full: the next entry clears room instead of growing without bound.
        cache.put(s3, Uuid::new_v4(), SessionState::Expired);
        assert!(cache.lock().len() <= 2);
        cache.forget_user(u);
        assert_eq!(cache.get(s1, u), None);
        assert_eq!(cache.get(s2, u), None);
        let off = SessionCache::new(Duration::ZERO, 10);
        off.put(s1, u, SessionState::Active);
        assert_eq!(off.get(s1, u), None);
    }
}
