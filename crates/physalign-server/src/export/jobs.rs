//! SQL of the export jobs: created under the hourly limit, listed and read by their requester,
//! claimed by one worker at a time, finished with their file, expired by the clean-up.

use chrono::{DateTime, NaiveDate, Utc};
use physalign_api::export::{
    ExportFormat, ExportJob, ExportKind, ExportStatus, EXPORTS_PER_HOUR, EXPORT_TTL_DAYS,
};
use sqlx::PgPool;
use uuid::Uuid;

use crate::error::ApiResult;

/// A claim older than this is taken over: its replica died or hung while writing.
pub const STALE_CLAIM_SECS: i64 = 600;
/// Claims of one job before it fails for good.
pub const MAX_ATTEMPTS: i32 = 3;
/// Days a job's row is kept after its request (the file goes after [`EXPORT_TTL_DAYS`]); the
/// access log keeps who downloaded what for its own retention.
pub const JOB_ROW_DAYS: i64 = 30;

/// What is to be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportSubject {
    /// One session's note.
    SessionNote {
        /// The session.
        session_id: Uuid,
    },
    /// A patient's progress over `from..=to`.
    ProgressReport {
        /// First day.
        from: NaiveDate,
        /// Last day, inclusive.
        to: NaiveDate,
    },
}

impl ExportSubject {
    fn kind(self) -> ExportKind {
        match self {
            ExportSubject::SessionNote { .. } => ExportKind::SessionNotes,
            ExportSubject::ProgressReport { .. } => ExportKind::ProgressReport,
        }
    }
}

/// A job's row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    /// The job.
    pub id: Uuid,
    /// Who asked.
    pub requested_by: Uuid,
    kind: String,
    format: String,
    status: String,
    /// The patient.
    pub patient_id: Uuid,
    /// The session (session notes).
    pub session_id: Option<Uuid>,
    /// The period's first day (progress reports).
    pub period_from: Option<NaiveDate>,
    /// The period's last day (progress reports).
    pub period_to: Option<NaiveDate>,
    /// Claims so far.
    pub attempts: i32,
    created_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    size_bytes: Option<i64>,
    /// The download's file name.
    pub file_name: Option<String>,
    error: Option<String>,
}

const JOB_COLUMNS: &str = "id, requested_by, kind, format, status, patient_id, session_id,
    period_from, period_to, attempts, created_at, completed_at, expires_at, size_bytes,
    file_name, error";

impl JobRow {
    /// The status now: a completed job past its expiry reads as expired before the clean-up
    /// has removed its file.
    pub fn status(&self, now: DateTime<Utc>) -> ExportStatus {
        let status = self.status.parse().unwrap_or(ExportStatus::Failed);
        match (status, self.expires_at) {
            (ExportStatus::Completed, Some(expires)) if expires <= now => ExportStatus::Expired,
            _ => status,
        }
    }

    /// What the job exports (`None` for a row this build cannot read).
    pub fn subject(&self) -> Option<ExportSubject> {
        match self.kind.parse().ok()? {
            ExportKind::SessionNotes => Some(ExportSubject::SessionNote {
                session_id: self.session_id?,
            }),
            ExportKind::ProgressReport => Some(ExportSubject::ProgressReport {
                from: self.period_from?,
                to: self.period_to?,
            }),
        }
    }

    /// The job as the API shows it.
    pub fn view(&self, now: DateTime<Utc>) -> ExportJob {
        let status = self.status(now);
        ExportJob {
            job_id: self.id,
            kind: self.kind.parse().unwrap_or(ExportKind::SessionNotes),
            status,
            format: self.format.parse().unwrap_or_default(),
            patient_id: self.patient_id,
            session_id: self.session_id,
            from: self.period_from,
            to: self.period_to,
            created_at: self.created_at,
            completed_at: self.completed_at,
            expires_at: self.expires_at,
            size_bytes: self.size_bytes,
            file_name: self.file_name.clone(),
            error: self.error.clone(),
            download_url: (status == ExportStatus::Completed)
                .then(|| format!("/api/v1/export/download/{}", self.id)),
        }
    }
}

/// Creates a queued job for `user`, unless they asked for [`EXPORTS_PER_HOUR`] in the last
/// hour (429 with the seconds until the oldest of them leaves the window). Concurrent requests
/// of one user are counted one after the other (a transaction-scoped advisory lock).
pub async fn create(
    pool: &PgPool,
    user: Uuid,
    patient_id: Uuid,
    subject: ExportSubject,
    format: ExportFormat,
) -> ApiResult<JobRow> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('export:' || $1::text, 0))")
        .bind(user)
        .execute(&mut *tx)
        .await?;
    let (count, oldest): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(created_at) FROM export_jobs
         WHERE requested_by = $1 AND created_at > NOW() - INTERVAL '1 hour'",
    )
    .bind(user)
    .fetch_one(&mut *tx)
    .await?;
    if count >= EXPORTS_PER_HOUR {
        let wait = oldest
            .map(|t| (t + chrono::Duration::hours(1) - Utc::now()).num_seconds() + 1)
            .unwrap_or(3600)
            .clamp(1, 3600);
        let mut err = crate::limiter::too_many_requests(wait as u64, Vec::new());
        err.message =
            format!("At most {EXPORTS_PER_HOUR} exports an hour; try again in {wait} seconds.");
        return Err(err);
    }
    let (session_id, from, to) = match subject {
        ExportSubject::SessionNote { session_id } => (Some(session_id), None, None),
        ExportSubject::ProgressReport { from, to } => (None, Some(from), Some(to)),
    };
    let row: JobRow = sqlx::query_as(&format!(
        "INSERT INTO export_jobs (id, requested_by, kind, format, patient_id, session_id,
             period_from, period_to)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {JOB_COLUMNS}"
    ))
    .bind(Uuid::new_v4())
    .bind(user)
    .bind(subject.kind().as_str())
    .bind(format.as_str())
    .bind(patient_id)
    .bind(session_id)
    .bind(from)
    .bind(to)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// `user`'s job `id` (not deleted).
pub async fn find(pool: &PgPool, user: Uuid, id: Uuid) -> ApiResult<Option<JobRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {JOB_COLUMNS} FROM export_jobs
         WHERE id = $1 AND requested_by = $2 AND deleted_at IS NULL"
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(pool)
    .await?)
}

/// A page of `user`'s jobs, newest first, optionally in one status, with the total.
pub async fn list(
    pool: &PgPool,
    user: Uuid,
    status: Option<ExportStatus>,
    limit: i64,
    offset: i64,
) -> ApiResult<(Vec<JobRow>, u64)> {
    // Expired is completed past its expiry until the clean-up has marked it.
    const STATUS: &str = "($2::text IS NULL
        OR ($2 = 'expired' AND (status = 'expired'
            OR (status = 'completed' AND expires_at <= NOW())))
        OR ($2 = 'completed' AND status = 'completed' AND expires_at > NOW())
        OR ($2 NOT IN ('expired', 'completed') AND status = $2))";
    let status = status.map(ExportStatus::as_str);
    let rows: Vec<JobRow> = sqlx::query_as(&format!(
        "SELECT {JOB_COLUMNS} FROM export_jobs
         WHERE requested_by = $1 AND deleted_at IS NULL AND {STATUS}
         ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(user)
    .bind(status)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM export_jobs WHERE requested_by = $1 AND deleted_at IS NULL
         AND {STATUS}"
    ))
    .bind(user)
    .bind(status)
    .fetch_one(pool)
    .await?;
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}

/// The file of a completed job that has not expired.
pub async fn file(pool: &PgPool, id: Uuid) -> ApiResult<Option<Vec<u8>>> {
    Ok(sqlx::query_scalar(
        "SELECT f.content FROM export_files f JOIN export_jobs j ON j.id = f.job_id
         WHERE f.job_id = $1 AND j.status = 'completed' AND j.expires_at > NOW()
           AND j.deleted_at IS NULL",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

/// Deletes `user`'s job `id`: its file goes, its row stays (marked) for the hourly limit.
/// Whether there was such a job.
pub async fn delete(pool: &PgPool, user: Uuid, id: Uuid) -> ApiResult<bool> {
    let mut tx = pool.begin().await?;
    let deleted = sqlx::query(
        "UPDATE export_jobs SET deleted_at = NOW()
         WHERE id = $1 AND requested_by = $2 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(user)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    sqlx::query("DELETE FROM export_files WHERE job_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(deleted)
}

/// Takes the oldest job waiting (queued, or claimed longer than [`STALE_CLAIM_SECS`] ago) for
/// this worker; other workers skip it.
pub async fn claim(pool: &PgPool) -> Result<Option<JobRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE export_jobs SET status = 'processing', claimed_at = NOW(),
             attempts = attempts + 1
         WHERE id = (
             SELECT id FROM export_jobs
             WHERE deleted_at IS NULL AND (status = 'queued' OR (status = 'processing'
                   AND claimed_at < NOW() - make_interval(secs => $1)))
             ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
         RETURNING {JOB_COLUMNS}"
    ))
    .bind(STALE_CLAIM_SECS as f64)
    .fetch_optional(pool)
    .await
}

/// Stores the written file of claimed job `id` and completes it, unless it was deleted
/// meanwhile (then nothing is stored).
pub async fn complete(
    pool: &PgPool,
    id: Uuid,
    file_name: &str,
    bytes: &[u8],
) -> Result<bool, sqlx::Error> {
    use sha2::Digest;
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "UPDATE export_jobs SET status = 'completed', completed_at = NOW(),
             expires_at = NOW() + make_interval(days => $2), size_bytes = $3, sha256 = $4,
             file_name = $5, error = NULL
         WHERE id = $1 AND status = 'processing' AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(EXPORT_TTL_DAYS as i32)
    .bind(bytes.len() as i64)
    .bind(hex::encode(sha2::Sha256::digest(bytes)))
    .bind(file_name)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if done {
        sqlx::query("INSERT INTO export_files (job_id, content) VALUES ($1, $2)")
            .bind(id)
            .bind(bytes)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// Fails claimed job `id` for good with `reason`.
pub async fn fail(pool: &PgPool, id: Uuid, reason: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE export_jobs SET status = 'failed', error = $2, completed_at = NOW()
         WHERE id = $1 AND status = 'processing'",
    )
    .bind(id)
    .bind(reason)
    .execute(pool)
    .await?;
    Ok(())
}

/// Puts claimed job `id` back in the queue (a failure worth retrying).
pub async fn release(pool: &PgPool, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE export_jobs SET status = 'queued' WHERE id = $1 AND status = 'processing'")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Completed jobs past their expiry (their files are deleted), and job rows older than
/// [`JOB_ROW_DAYS`] (deleted): what the clean-up's [`expire`] touches, for its preview.
pub const EXPIRED_EXPORTS: &str = "FROM export_jobs
     WHERE (status = 'completed' AND expires_at <= NOW())
        OR created_at < NOW() - make_interval(days => 30)";

/// The clean-up's step: marks completed jobs past their expiry expired and deletes their
/// files, and deletes job rows older than [`JOB_ROW_DAYS`]. Returns the jobs touched.
pub async fn expire(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let touched: i64 = sqlx::query_scalar(
        "WITH gone AS (
             UPDATE export_jobs SET status = 'expired'
             WHERE status = 'completed' AND expires_at <= NOW()
               AND created_at >= NOW() - make_interval(days => 30)
             RETURNING id),
         files AS (DELETE FROM export_files WHERE job_id IN (SELECT id FROM gone)),
         old AS (
             DELETE FROM export_jobs WHERE created_at < NOW() - make_interval(days => 30)
             RETURNING id)
         SELECT (SELECT COUNT(*) FROM gone) + (SELECT COUNT(*) FROM old)",
    )
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(touched).unwrap_or(0))
}
