//! Scheduled clean-up (issue 17): expired idempotency keys, ended sign-in sessions with their
//! refresh tokens, abandoned resumable uploads with their bytes, and (issue 20) the rate-limit
//! counters of past windows.
//!
//! Any number of replicas run the schedule, and each slot of it (the Unix time divided by the
//! interval) runs once: a replica that ticks claims the slot in `scheduled_job_runs`, and only
//! the one whose claim succeeds runs the pass ([`run_scheduled`]). A pass also takes a PostgreSQL
//! advisory lock ([`LOCK_KEY`]) on its own connection and skips when another server holds it, so
//! a pass that outlasts its slot never overlaps the next; the lock goes with the connection, so a
//! crashed server never leaves it held.

use std::time::Duration;

use sqlx::PgPool;

use crate::repo::resumable_uploads as uploads;
use crate::state::AppState;
use crate::storage::UploadStaging;

/// The advisory lock key of the clean-up (`PHYSRET1` in ASCII).
pub const LOCK_KEY: i64 = 0x5048_5953_5245_5431;

/// How long an ended session (revoked or past its end) and its refresh tokens are kept, so
/// that a late refresh still meets a known token.
const ENDED_SESSION_GRACE_SECS: i64 = 24 * 3600;

/// What one pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Idempotency keys older than their lifetime.
    pub idempotency_keys: u64,
    /// Sessions ended more than a day ago (their refresh tokens go with them).
    pub sessions: u64,
    /// Expired refresh tokens of sessions still open.
    pub refresh_tokens: u64,
    /// Open uploads past their expiry, now `expired`, their bytes deleted.
    pub uploads: u64,
    /// Rate-limit counters of windows that ended.
    pub rate_limit_counters: u64,
}

/// The outcome of [`run_once`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// This server cleaned up.
    Ran(Swept),
    /// Another server holds the lock; nothing was done.
    Busy,
}

/// One clean-up pass over `pool` (staged upload bytes in `staging`), keeping idempotency keys
/// `idempotency_key_ttl_secs`, unless another server is running one.
pub async fn run_once(
    pool: &PgPool,
    staging: &UploadStaging,
    idempotency_key_ttl_secs: u64,
) -> Result<Pass, sqlx::Error> {
    let mut lock = pool.acquire().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(LOCK_KEY)
        .fetch_one(&mut *lock)
        .await?;
    if !locked {
        return Ok(Pass::Busy);
    }
    let swept = sweep(pool, staging, idempotency_key_ttl_secs).await;
    // Unlocked whatever the sweep did; a failure here closes the connection, which unlocks.
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *lock)
        .await;
    if unlocked.is_err() {
        lock.close_on_drop();
    }
    swept.map(Pass::Ran)
}

async fn sweep(
    pool: &PgPool,
    staging: &UploadStaging,
    idempotency_key_ttl_secs: u64,
) -> Result<Swept, sqlx::Error> {
    // Capped at a century so the interval stays in range.
    let key_ttl = i64::try_from(idempotency_key_ttl_secs.min(100 * 365 * 86_400)).unwrap_or(0);
    let idempotency_keys = sqlx::query(
        "DELETE FROM idempotency_keys WHERE created_at < NOW() - $1::bigint * INTERVAL '1 second'",
    )
    .bind(key_ttl)
    .execute(pool)
    .await?
    .rows_affected();
    let sessions = sqlx::query(
        "DELETE FROM auth_sessions
         WHERE expires_at < NOW() - $1::bigint * INTERVAL '1 second'
            OR revoked_at < NOW() - $1::bigint * INTERVAL '1 second'",
    )
    .bind(ENDED_SESSION_GRACE_SECS)
    .execute(pool)
    .await?
    .rows_affected();
    let refresh_tokens = sqlx::query(
        "DELETE FROM refresh_tokens
         WHERE expires_at < NOW() - $1::bigint * INTERVAL '1 second'",
    )
    .bind(ENDED_SESSION_GRACE_SECS)
    .execute(pool)
    .await?
    .rows_affected();
    let uploads = expire_uploads(pool, staging).await?;
    // Every limit counts in windows of a minute.
    let rate_limit_counters = crate::limiter::prune(pool, None, 60.0).await?;
    Ok(Swept {
        idempotency_keys,
        sessions,
        refresh_tokens,
        uploads,
        rate_limit_counters,
    })
}

async fn expire_uploads(pool: &PgPool, staging: &UploadStaging) -> Result<u64, sqlx::Error> {
    let mut count = 0u64;
    loop {
        let ids = uploads::expire_overdue(pool).await?;
        if ids.is_empty() {
            return Ok(count);
        }
        for id in &ids {
            if let Err(e) = staging.remove(*id).await {
                tracing::warn!(%id, error = %e, "removing an expired upload's bytes");
            }
        }
        count += ids.len() as u64;
    }
}

/// The name of the clean-up in `scheduled_job_runs`.
pub const JOB_NAME: &str = "retention";

/// What a replica's tick of the schedule did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// This replica claimed the slot and ran the pass (or found the lock held: [`Pass::Busy`]).
    Claimed(Pass),
    /// Another replica claimed this slot already.
    AlreadyRun,
}

/// Claims the current slot of `job` (`every` long, on the database clock) for this replica;
/// `false` when another replica claimed it first.
pub async fn claim_slot(pool: &PgPool, job: &str, every: Duration) -> Result<bool, sqlx::Error> {
    let secs = i64::try_from(every.as_secs().max(1)).unwrap_or(i64::MAX);
    let claimed: Option<i64> = sqlx::query_scalar(
        "INSERT INTO scheduled_job_runs AS r (job, last_slot)
         VALUES ($1, floor(extract(epoch FROM clock_timestamp()) / $2)::bigint)
         ON CONFLICT (job) DO UPDATE SET last_slot = EXCLUDED.last_slot, runs = r.runs + 1,
                                         last_started_at = NOW(), last_finished_at = NULL
             WHERE r.last_slot < EXCLUDED.last_slot
         RETURNING last_slot",
    )
    .bind(job)
    .bind(secs)
    .fetch_optional(pool)
    .await?;
    Ok(claimed.is_some())
}

/// One tick of the schedule: the pass, if this replica is the first to claim the current slot.
pub async fn run_scheduled(state: &AppState, every: Duration) -> Result<Tick, sqlx::Error> {
    if !claim_slot(&state.pool, JOB_NAME, every).await? {
        return Ok(Tick::AlreadyRun);
    }
    let ttl = state.config.security.idempotency_key_ttl_secs;
    let pass = run_once(&state.pool, &state.staging, ttl).await?;
    sqlx::query("UPDATE scheduled_job_runs SET last_finished_at = NOW() WHERE job = $1")
        .bind(JOB_NAME)
        .execute(&state.pool)
        .await?;
    Ok(Tick::Claimed(pass))
}

/// Ticks the schedule of one pass `every` until the task is dropped: often enough (a tenth of the
/// interval, between one second and a minute) that a slot is claimed soon after it starts,
/// whichever replicas are up; the first slot at once.
pub async fn run_periodically(state: AppState, every: Duration) {
    let every = every.max(Duration::from_secs(1));
    let tick = (every / 10).clamp(Duration::from_secs(1), Duration::from_secs(60));
    let mut ticks = tokio::time::interval(tick);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match run_scheduled(&state, every).await {
            Ok(Tick::Claimed(Pass::Ran(swept))) => tracing::info!(?swept, "retention pass"),
            Ok(Tick::Claimed(Pass::Busy)) => {
                tracing::debug!("retention pass skipped: the previous one still runs")
            }
            Ok(Tick::AlreadyRun) => {}
            Err(e) => tracing::warn!(error = %e, "retention pass failed"),
        }
    }
}
