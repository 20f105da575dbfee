//! The export worker: every replica runs one, woken when a job is created on it and every
//! [`POLL`] otherwise (a job created on another replica, a stale claim to take over). One job
//! at a time per replica: a report takes a fraction of a second of one core.

use std::time::Duration;

use chrono::Duration as Days;
use sqlx::PgPool;

use super::jobs::{self, ExportSubject, JobRow, MAX_ATTEMPTS};
use super::{fill, ExportError};
use crate::clinic_time;

/// How often a worker looks for jobs without being woken.
pub const POLL: Duration = Duration::from_secs(5);

/// What [`run_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worked {
    /// No job was waiting.
    Idle,
    /// The job was written.
    Completed,
    /// The job failed for good.
    Failed,
    /// The job was put back (a database failure) or deleted meanwhile.
    Released,
}

/// The PDF of `job` and its file name.
async fn write(pool: &PgPool, job: &JobRow) -> Result<(String, Vec<u8>), ExportError> {
    let short = |id: uuid::Uuid| id.simple().to_string()[..8].to_string();
    match job.subject() {
        Some(ExportSubject::SessionNote { session_id }) => {
            let note = fill::session_note(pool, job.requested_by, session_id).await?;
            let name = format!(
                "session-note-{}-{}.pdf",
                note.started_at.format("%Y-%m-%d"),
                short(session_id)
            );
            let bytes = tokio::task::spawn_blocking(move || physalign_pdf::session_note_pdf(&note))
                .await
                .map_err(|e| ExportError::Task(e.to_string()))??;
            Ok((name, bytes))
        }
        Some(ExportSubject::ProgressReport { from, to }) => {
            let zone: String =
                sqlx::query_scalar("SELECT time_zone FROM practice_settings WHERE id")
                    .fetch_one(pool)
                    .await?;
            let zone = clinic_time::parse_zone("time_zone", &zone)
                .map_err(|e| ExportError::Settings(e.message))?;
            let report =
                fill::progress_report(pool, job.requested_by, job.patient_id, zone, from, to)
                    .await?;
            let name = format!(
                "progress-report-{}-{from}-to-{to}.pdf",
                short(job.patient_id)
            );
            let bytes =
                tokio::task::spawn_blocking(move || physalign_pdf::progress_report_pdf(&report))
                    .await
                    .map_err(|e| ExportError::Task(e.to_string()))??;
            Ok((name, bytes))
        }
        None => Err(ExportError::Task("the job's row cannot be read".into())),
    }
}

/// Claims the oldest waiting job and writes it.
pub async fn run_once(pool: &PgPool) -> Result<Worked, sqlx::Error> {
    let Some(job) = jobs::claim(pool).await? else {
        return Ok(Worked::Idle);
    };
    if job.attempts > MAX_ATTEMPTS {
        jobs::fail(
            pool,
            job.id,
            &format!("gave up after {MAX_ATTEMPTS} attempts (the server writing it stopped)"),
        )
        .await?;
        return Ok(Worked::Failed);
    }
    let started = std::time::Instant::now();
    match write(pool, &job).await {
        Ok((name, bytes)) => {
            let size = bytes.len();
            if jobs::complete(pool, job.id, &name, &bytes).await? {
                tracing::info!(job = %job.id, size, ms = started.elapsed().as_millis() as u64, "export written");
                Ok(Worked::Completed)
            } else {
                Ok(Worked::Released)
            }
        }
        Err(ExportError::Database(e)) => {
            tracing::warn!(job = %job.id, error = %e, "export: database failure, job put back");
            jobs::release(pool, job.id).await?;
            Ok(Worked::Released)
        }
        Err(e) => {
            tracing::warn!(job = %job.id, error = %e, "export failed");
            jobs::fail(pool, job.id, &e.to_string()).await?;
            Ok(Worked::Failed)
        }
    }
}

/// Works through the queue until the task is dropped, woken by `wake` or every [`POLL`].
pub async fn run(pool: PgPool, wake: std::sync::Arc<tokio::sync::Notify>) {
    loop {
        loop {
            match run_once(&pool).await {
                Ok(Worked::Idle) => break,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "export worker: database unavailable");
                    break;
                }
            }
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// The default period of a progress report ending `to`: the 30 days ending that day.
pub fn default_from(to: chrono::NaiveDate) -> chrono::NaiveDate {
    to - Days::days(29)
}
