//! Seed 004's export jobs (issue 19): a clinician's request for a session note or a progress
//! report is a row in `export_jobs` ([`jobs`]); a worker on every replica ([`worker`]) claims
//! queued jobs one at a time, fills the report from PostgreSQL ([`fill`]) and writes the PDF
//! with the engine the device uses (`physalign_pdf`), keeping it in `export_files` for
//! [`physalign_api::export::EXPORT_TTL_DAYS`] days. A job whose replica died mid-way is taken
//! over once its claim is stale; nothing is lost with a replica.

pub mod fill;
pub mod jobs;
pub mod worker;

/// Why a report could not be written. Database failures are retried; the others fail the job
/// with their message.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The database failed (retried on a later claim).
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The patient no longer exists (erased after the request).
    #[error("the patient's record no longer exists")]
    PatientGone,
    /// The session no longer exists (deleted after the request).
    #[error("the session no longer exists")]
    SessionGone,
    /// The practice's time zone setting is unusable.
    #[error("the practice's time zone cannot be read: {0}")]
    Settings(String),
    /// A stored questionnaire score cannot be charted (outside its instrument's range).
    #[error("the outcome measures cannot be charted: {0}")]
    Outcomes(#[from] physalign_outcomes::TrendError),
    /// The PDF engine refused the report.
    #[error("the PDF could not be written: {0}")]
    Pdf(#[from] physalign_pdf::PdfError),
    /// The writing task panicked or was cancelled.
    #[error("writing the PDF stopped: {0}")]
    Task(String),
}
