//! Physiotherapist operations: assigned patients, review queue, analytics.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::pagination::Pagination;

/// `POST /api/physio/patients`: an administrator assigns a patient to a physiotherapist.
/// Clinicians cannot link patients themselves (they register them and the patient claims the
/// invitation); there is no way to name a patient by e-mail.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkPatientRequest {
    /// `patients.id`.
    pub patient_id: Uuid,
    /// `physiotherapists.id`.
    pub physiotherapist_id: Uuid,
}

/// A patient assigned to the physiotherapist.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssignedPatient {
    /// `patients.id`.
    pub patient_id: Uuid,
    /// The patient's user id; none while the invitation is not claimed yet.
    pub user_id: Option<Uuid>,
    /// Login e-mail (the registered e-mail until the invitation is claimed).
    pub email: String,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// `physiotherapists.id` of the assignment.
    pub physiotherapist_id: Uuid,
    /// When the patient was assigned.
    pub assigned_at: DateTime<Utc>,
    /// Sessions recorded so far.
    pub session_count: i64,
    /// Latest session creation time.
    pub last_session_at: Option<DateTime<Utc>>,
}

/// A page of assigned patients.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssignedPatientList {
    /// Patients on this page.
    pub data: Vec<AssignedPatient>,
    /// Position of this page.
    pub pagination: Pagination,
}

/// `?patient_id=` filter of `GET /api/physio/analytics`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsQuery {
    /// Only this patient.
    pub patient_id: Option<Uuid>,
    /// 1-based page number (default 1).
    #[serde(default)]
    pub page: Option<u32>,
    /// Patients per page (default 20, at most 100).
    #[serde(default)]
    pub per_page: Option<u32>,
}

/// Progress of one patient.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PatientAnalytics {
    /// `patients.id`.
    pub patient_id: Uuid,
    /// Full name.
    pub patient_name: String,
    /// All sessions.
    pub total_sessions: i64,
    /// Sessions waiting for review.
    pub pending_review: i64,
    /// Reviewed or completed sessions.
    pub reviewed_sessions: i64,
    /// Mean frame quality over all sessions.
    pub average_quality: Option<f64>,
    /// Latest session creation time.
    pub last_session_at: Option<DateTime<Utc>>,
    /// Review grades, counted (`GOOD` -> 3).
    pub assessments: BTreeMap<String, i64>,
    /// Per exercise: sessions and mean quality.
    pub exercises: Vec<ExerciseProgress>,
}

/// One exercise's numbers for a patient.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExerciseProgress {
    /// Exercise name.
    pub exercise_type: String,
    /// Sessions of this exercise.
    pub sessions: i64,
    /// Mean frame quality.
    pub average_quality: Option<f64>,
}

/// `GET /api/physio/analytics`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PhysioAnalytics {
    /// One page of visible patients, by name.
    pub patients: Vec<PatientAnalytics>,
    /// Where the page sits.
    pub pagination: Pagination,
}
