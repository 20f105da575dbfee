//! Seed 004's export jobs (`/api/v1/export/*`, issue 19): a clinician asks for a session note or
//! a patient's progress report; the server writes the PDF in the background with the same
//! engine the device uses (`physalign-pdf`), keeps it for [`EXPORT_TTL_DAYS`] days and audits
//! every download. At most [`EXPORTS_PER_HOUR`] requests per user per rolling hour.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::pagination::Pagination;

/// Days a finished export can be downloaded; then its file is deleted.
pub const EXPORT_TTL_DAYS: i64 = 7;
/// Exports one user may ask for in a rolling hour (deleted ones count).
pub const EXPORTS_PER_HOUR: i64 = 20;
/// Longest period a progress report may cover, in days (five years).
pub const MAX_REPORT_DAYS: i64 = 5 * 366;

physalign_domain::wire_enum! {
    /// The file format. Seed 004 also names DOCX; PhysAlign writes PDF only (the same document
    /// the device prints), so `docx` is refused with a clear message.
    #[derive(Default, ToSchema)]
    pub enum ExportFormat {
        /// A PDF document.
        #[default]
        Pdf = "pdf",
    }
}

physalign_domain::wire_enum! {
    /// What an export contains.
    #[derive(ToSchema)]
    pub enum ExportKind {
        /// One session's note.
        SessionNotes = "session_notes",
        /// A patient's progress report over a period.
        ProgressReport = "progress_report",
    }
}

physalign_domain::wire_enum! {
    /// Where an export job is.
    #[derive(ToSchema)]
    pub enum ExportStatus {
        /// Waiting for a server to write it.
        Queued = "queued",
        /// Being written.
        Processing = "processing",
        /// Written: downloadable until `expires_at`.
        Completed = "completed",
        /// Writing failed for good; `error` says why.
        Failed = "failed",
        /// Past its 7 days: the file is deleted.
        Expired = "expired",
    }
}

/// `POST /api/v1/export/session-notes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionNotesExportRequest {
    /// The session whose note is exported.
    pub session_id: Uuid,
    /// Default `pdf`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub format: ExportFormat,
}

/// `POST /api/v1/export/progress-report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressReportExportRequest {
    /// The patient.
    pub patient_id: Uuid,
    /// First day of the period (default: 29 days before `to`).
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Last day of the period, inclusive (default: today in the practice's time zone).
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// Default `pdf`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub format: ExportFormat,
}

/// An export job as its requester sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExportJob {
    /// The job.
    pub job_id: Uuid,
    /// What it exports.
    #[schema(value_type = String)]
    pub kind: ExportKind,
    /// Where it is.
    #[schema(value_type = String)]
    pub status: ExportStatus,
    /// The file format.
    #[schema(value_type = String)]
    pub format: ExportFormat,
    /// The patient it is about.
    pub patient_id: Uuid,
    /// The session (session notes only).
    pub session_id: Option<Uuid>,
    /// The period (progress reports only).
    pub from: Option<NaiveDate>,
    /// The period's last day (progress reports only).
    pub to: Option<NaiveDate>,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// When the file was written.
    pub completed_at: Option<DateTime<Utc>>,
    /// When the file is deleted (completed jobs).
    pub expires_at: Option<DateTime<Utc>>,
    /// The file's size in bytes (completed jobs).
    pub size_bytes: Option<i64>,
    /// The name the download is saved under.
    pub file_name: Option<String>,
    /// Why it failed (failed jobs).
    pub error: Option<String>,
    /// `GET` this path for the file (completed jobs).
    pub download_url: Option<String>,
}

/// `GET /api/v1/export/jobs`: the caller's jobs, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExportJobList {
    /// This page's jobs.
    pub jobs: Vec<ExportJob>,
    /// Where the page sits.
    pub pagination: Pagination,
}

/// `?status=&page=&per_page=` on `GET /api/v1/export/jobs`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportJobQuery {
    /// Only jobs in this status.
    #[param(value_type = Option<String>)]
    pub status: Option<ExportStatus>,
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page (default 20, at most 100).
    pub per_page: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_defaults_to_pdf_and_docx_is_refused() {
        let request: SessionNotesExportRequest =
            serde_json::from_value(serde_json::json!({"session_id": Uuid::nil()}))
                .expect("request");
        assert_eq!(request.format, ExportFormat::Pdf);
        let docx = serde_json::from_value::<SessionNotesExportRequest>(
            serde_json::json!({"session_id": Uuid::nil(), "format": "docx"}),
        );
        assert!(docx.is_err());
    }
}
