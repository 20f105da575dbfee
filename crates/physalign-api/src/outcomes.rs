//! Patient-reported outcome measures (issue 19): the questionnaires a patient fills in on the
//! app (or a clinician in clinic) and the plan that says which are asked and when.
//!
//! A questionnaire is scored on the device that took it and again by the server, both with
//! `physalign-outcomes`' published rules: the server keeps its own score, never the client's.
//! The plan is one per patient (the current episode of care): its instruments, the intake day and
//! the discharge day once known; the schedule (intake, every 30 days, discharge) follows from it
//! and the completed questionnaires on every device alike.

use chrono::{DateTime, NaiveDate, Utc};
use physalign_outcomes::Instrument;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Role;
use crate::pagination::Pagination;

/// The PSFS activity limits (at most 5 names of 1 to 120 characters), the same on the devices.
pub use physalign_outcomes::{MAX_ACTIVITIES, MAX_ACTIVITY_CHARS};

/// `POST /api/outcome-responses`: a completed questionnaire. The person who entered it is the
/// caller (a patient for themselves, a clinician for a patient in their care), never a body
/// field; the score is the server's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOutcomeResponseRequest {
    /// Client-generated id (offline devices); an existing id answers
    /// `409 OUTCOME_RESPONSE_EXISTS`.
    pub id: Uuid,
    /// The patient it is about (`patients.id`).
    pub patient_id: Uuid,
    /// The instrument (`nprs`, `psfs`, `koos_jr`, `hoos_jr`, `odi`, `ndi`, `quickdash`).
    #[schema(value_type = String)]
    pub instrument: Instrument,
    /// The answers in form order; `null` is an unanswered item.
    pub answers: Vec<Option<u8>>,
    /// PSFS only: the activities the patient named, in the order of their ratings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activities: Vec<String>,
    /// When it was completed on the device.
    pub completed_at: DateTime<Utc>,
}

/// A completed questionnaire as the server keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OutcomeResponseRecord {
    /// Response id.
    pub id: Uuid,
    /// The patient it is about.
    pub patient_id: Uuid,
    /// The instrument.
    #[schema(value_type = String)]
    pub instrument: Instrument,
    /// The answers in form order; `null` is an unanswered item.
    pub answers: Vec<Option<u8>>,
    /// PSFS only: the activities the patient named.
    #[serde(default)]
    pub activities: Vec<String>,
    /// The score by the instrument's published rules (0 to `max`).
    pub score: f64,
    /// The instrument's highest score.
    pub max: f64,
    /// When it was completed on the device.
    pub completed_at: DateTime<Utc>,
    /// The user id of whoever entered it.
    pub entered_by: Uuid,
    /// Whether the patient or a clinician entered it.
    pub entered_by_role: Role,
    /// When the server received it.
    pub created_at: DateTime<Utc>,
}

/// A page of questionnaires.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OutcomeResponseList {
    /// Questionnaires on this page, newest first.
    pub data: Vec<OutcomeResponseRecord>,
    /// Position of this page.
    pub pagination: Pagination,
}

/// Filters of `GET /api/outcome-responses`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutcomeResponseQuery {
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Questionnaires per page (default 20, at most 100).
    pub per_page: Option<u32>,
    /// Only this patient's; patients see only their own anyway.
    pub patient_id: Option<Uuid>,
    /// Only this instrument's.
    #[param(value_type = Option<String>)]
    pub instrument: Option<Instrument>,
}

/// `PUT /api/patients/{patient_id}/outcome-plan`: which questionnaires the patient is asked to
/// fill in during the current episode of care (clinicians in the patient's care only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutOutcomePlanRequest {
    /// The instruments, each at most once.
    #[schema(value_type = Vec<String>)]
    pub instruments: Vec<Instrument>,
    /// The intake day (the episode's start).
    pub started_on: NaiveDate,
    /// The discharge day, planned or actual; not before `started_on`.
    pub discharge_on: Option<NaiveDate>,
    /// When the clinician changed it on the device; a plan changed later on another device
    /// stays (the answer is the plan the server keeps).
    pub updated_at: DateTime<Utc>,
}

/// A patient's outcome plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OutcomePlanRecord {
    /// The patient.
    pub patient_id: Uuid,
    /// The instruments asked.
    #[schema(value_type = Vec<String>)]
    pub instruments: Vec<Instrument>,
    /// The intake day.
    pub started_on: NaiveDate,
    /// The discharge day, when known.
    pub discharge_on: Option<NaiveDate>,
    /// When it was last changed on a device.
    pub updated_at: DateTime<Utc>,
    /// The user id of the clinician who last changed it.
    pub updated_by: Uuid,
}

/// A page of outcome plans (`GET /api/outcome-plans`: the plans of the patients the caller sees).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OutcomePlanList {
    /// Plans on this page, by patient.
    pub data: Vec<OutcomePlanRecord>,
    /// Position of this page.
    pub pagination: Pagination,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_questionnaire_travels_with_snake_case_instrument_and_null_for_a_skipped_item() {
        let request: CreateOutcomeResponseRequest = serde_json::from_value(serde_json::json!({
            "id": "6f1c1f0e-8f4b-4c56-9a53-2c1f7d6b9a01",
            "patient_id": "0b4f2d7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            "instrument": "koos_jr",
            "answers": [1, 2, null, 0, 2, 1, 1],
            "completed_at": "2026-12-08T09:30:00Z"
        }))
        .expect("request");
        assert_eq!(request.instrument, Instrument::KoosJr);
        assert_eq!(request.answers[2], None);
        assert!(request.activities.is_empty());
        let unknown = serde_json::json!({
            "id": "6f1c1f0e-8f4b-4c56-9a53-2c1f7d6b9a01",
            "patient_id": "0b4f2d7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            "instrument": "koos_jr", "answers": [], "completed_at": "2026-12-08T09:30:00Z",
            "score": 100.0
        });
        assert!(serde_json::from_value::<CreateOutcomeResponseRequest>(unknown).is_err());
        let bad_instrument = serde_json::json!({
            "id": "6f1c1f0e-8f4b-4c56-9a53-2c1f7d6b9a01",
            "patient_id": "0b4f2d7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            "instrument": "sf36", "answers": [], "completed_at": "2026-12-08T09:30:00Z"
        });
        assert!(serde_json::from_value::<CreateOutcomeResponseRequest>(bad_instrument).is_err());
    }
}
