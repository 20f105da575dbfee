//! Alerts for clinicians: raised by the server when a session's clinical notes carry a crisis
//! flag or a pain score of 7 or more (issue 15).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::pagination::Pagination;

/// Pain scores at or above this (0-10 scale) raise a `high_pain` alert.
pub const HIGH_PAIN_THRESHOLD: f32 = 7.0;

physalign_domain::wire_enum! {
    /// Why an alert was raised.
    #[derive(ToSchema)]
    pub enum AlertKind {
        /// The notes carry a crisis flag (self-harm or suicide language).
        Crisis = "crisis",
        /// A pain score of 7 or more out of 10.
        HighPain = "high_pain",
    }
}

physalign_domain::wire_enum! {
    /// Whether a clinician has seen to an alert.
    #[derive(ToSchema)]
    pub enum AlertStatus {
        /// Not acknowledged yet.
        Open = "open",
        /// A clinician acknowledged it.
        Acknowledged = "acknowledged",
    }
}

/// One alert.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Alert {
    /// Alert id.
    pub id: Uuid,
    /// `patients.id`.
    pub patient_id: Uuid,
    /// The patient's full name.
    pub patient_name: String,
    /// The session whose notes raised it.
    pub session_id: Uuid,
    /// `crisis` or `high_pain`.
    #[schema(value_type = String)]
    pub kind: AlertKind,
    /// `open` or `acknowledged`.
    #[schema(value_type = String)]
    pub status: AlertStatus,
    /// The highest pain score (0-10) of the notes, for `high_pain`.
    pub pain_score: Option<f32>,
    /// The body part of that pain score, when said.
    pub body_part: Option<String>,
    /// What raised it in words (the crisis keywords, or "pain 8/10 (knee)").
    pub summary: String,
    /// When it was raised.
    pub created_at: DateTime<Utc>,
    /// When it was acknowledged.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// `physiotherapists.id` of the clinician who acknowledged it.
    pub acknowledged_by: Option<Uuid>,
}

/// A page of alerts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AlertList {
    /// Alerts on this page: crisis before high pain, then newest first.
    pub data: Vec<Alert>,
    /// Position of this page.
    pub pagination: Pagination,
}

/// Filters of `GET /api/physio/alerts`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlertListQuery {
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page (default 20, at most 100).
    pub per_page: Option<u32>,
    /// Only alerts in this status (e.g. `open`); all when absent.
    #[param(value_type = Option<String>)]
    pub status: Option<AlertStatus>,
    /// Only this patient's alerts.
    pub patient_id: Option<Uuid>,
}
