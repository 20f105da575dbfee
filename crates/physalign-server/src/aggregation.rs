//! Seed 004's scheduled aggregation (issue 19): the per-day appointment figures of every
//! therapist and the weekly progress snapshots of every patient (`repo::analytics`). Like the
//! clean-up, each slot of the schedule runs on one replica however many tick: the replica whose
//! claim in `scheduled_job_runs` succeeds.

use std::time::Duration;

use sqlx::PgPool;

use crate::error::ApiError;
use crate::repo::analytics::{self as repo, Aggregated};
use crate::retention::{claim_slot, tick_every};

/// The name of the aggregation in `scheduled_job_runs`.
pub const JOB_NAME: &str = "analytics";

/// PostgreSQL's `lock_not_available`: the day figures gave way to a writer.
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// One pass: every therapist-day before today without a stored row, every ended week (of the
/// last twelve) without a snapshot. Days whose tables a writer held are left to the next pass.
pub async fn run_once(pool: &PgPool) -> Result<Aggregated, ApiError> {
    let (zone, today) = repo::practice_today(pool).await?;
    let mut tx = pool.begin().await?;
    let days = match repo::store_days(&mut tx, today).await {
        Ok(days) => {
            tx.commit().await?;
            days
        }
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(LOCK_NOT_AVAILABLE) => {
            tracing::info!("analytics: appointments busy, day figures left to the next pass");
            0
        }
        Err(e) => return Err(e.into()),
    };
    let weeks = repo::snapshot_weeks(pool, zone, today).await?;
    Ok(Aggregated { days, weeks })
}

/// One tick of the schedule: the pass, if this replica is the first to claim the current slot.
pub async fn run_scheduled(pool: &PgPool, every: Duration) -> Result<Option<Aggregated>, ApiError> {
    if !claim_slot(pool, JOB_NAME, every).await? {
        return Ok(None);
    }
    let done = run_once(pool).await?;
    sqlx::query("UPDATE scheduled_job_runs SET last_finished_at = NOW() WHERE job = $1")
        .bind(JOB_NAME)
        .execute(pool)
        .await?;
    Ok(Some(done))
}

/// Runs the aggregation's schedule (see [`tick_every`]) until the task is dropped.
pub async fn run_periodically(pool: PgPool, every: Duration) {
    tick_every(every, |every| {
        let pool = pool.clone();
        async move {
            match run_scheduled(&pool, every).await {
                Ok(Some(done)) => tracing::info!(?done, "analytics aggregation"),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e.message, "analytics aggregation failed"),
            }
        }
    })
    .await
}
