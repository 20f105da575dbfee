//! A client's clinical record beyond sessions (issue 18, seed 001): medical history (with every
//! change kept), therapy goals, emergency contact and the session summary. A "client" is a
//! patient (`clientId` = `patients.id`). Field names are seed 001's (camelCase).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

pub use crate::appointments::EmergencyContact;
use crate::pagination::Pagination;

/// `GET`/`PUT /api/clients/{clientId}/medical-history` (seed 001 §2). `PUT` replaces it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MedicalHistoryFields {
    /// Medications taken now.
    #[serde(default)]
    pub current_medications: Vec<String>,
    /// Known allergies.
    #[serde(default)]
    pub allergies: Vec<String>,
    /// Whether the client had therapy before.
    #[serde(default)]
    pub previous_therapy: bool,
    /// What that therapy was.
    #[serde(default)]
    pub previous_therapy_details: Option<String>,
    /// Diagnosed conditions.
    #[serde(default)]
    pub medical_conditions: Vec<String>,
    /// Hospital stays.
    #[serde(default)]
    pub hospitalizations: Vec<String>,
}

/// A client's medical history as stored. `version` is also the `ETag`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MedicalHistory {
    /// `patients.id`.
    pub client_id: Uuid,
    /// The history.
    #[serde(flatten)]
    pub fields: MedicalHistoryFields,
    /// Increases on every change (0 before the first).
    pub version: i32,
    /// Last change.
    pub updated_at: Option<DateTime<Utc>>,
    /// User id of who made the last change.
    pub updated_by: Option<Uuid>,
}

/// One recorded change of a medical history: who, when, before and after.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MedicalHistoryChange {
    /// Change id.
    pub id: Uuid,
    /// User id of who made it.
    pub changed_by: Option<Uuid>,
    /// Their name.
    pub changed_by_name: String,
    /// When.
    pub changed_at: DateTime<Utc>,
    /// The history before (null for the first).
    pub before: Option<MedicalHistoryFields>,
    /// The history after.
    pub after: MedicalHistoryFields,
    /// The version this change produced.
    pub version: i32,
}

/// A page of medical history changes, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MedicalHistoryChangeList {
    /// Changes on this page.
    pub data: Vec<MedicalHistoryChange>,
    /// Position of this page.
    pub pagination: Pagination,
}

physalign_domain::wire_enum! {
    /// Where a therapy goal is.
    #[derive(ToSchema)]
    pub enum GoalStatus {
        /// Being worked on.
        Active = "active",
        /// Reached.
        Completed = "completed",
        /// On hold.
        Paused = "paused",
    }
}

physalign_domain::wire_enum! {
    /// Which way a measurable target is reached.
    #[derive(ToSchema)]
    pub enum TargetComparison {
        /// The measured value must reach at least the target (e.g. knee flexion ≥ 120°).
        AtLeast = "at_least",
        /// The measured value must come down to at most the target.
        AtMost = "at_most",
    }
}

/// A measurable target a goal may be tied to: a peak joint angle of the client's sessions (a
/// key of `summary_statistics.peak_angles`, e.g. `knee_left_max`).
///
/// Progress is then computed from the client's sessions, not set by hand: the latest session
/// with the measure gives `current`; `baseline` is the value given, else the earliest session's
/// value; progress = (current − baseline) ÷ (target − baseline) × 100, rounded, clamped to
/// 0..=100, and 100 once the target is met. No session with the measure: progress 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeasurableTarget {
    /// Peak-angle key, e.g. `knee_left_max`.
    pub measure: String,
    /// Which way.
    #[schema(value_type = String)]
    pub comparison: TargetComparison,
    /// Target value in degrees.
    pub target_value: f64,
    /// Starting value; absent = the earliest session's.
    #[serde(default)]
    pub baseline_value: Option<f64>,
}

/// `POST /api/clients/{clientId}/therapy-goals`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateGoalRequest {
    /// Client-generated id (offline devices); an existing id answers `409 GOAL_EXISTS`.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// The goal in words (at most 1000 characters).
    pub goal: String,
    /// Default `active`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub status: Option<GoalStatus>,
    /// 0..=100, default 0; ignored when `target` is given.
    #[serde(default)]
    pub progress: Option<u8>,
    /// When it should be reached.
    #[serde(default)]
    pub target_date: Option<NaiveDate>,
    /// A measurable target, whose progress is computed from the sessions.
    #[serde(default)]
    pub target: Option<MeasurableTarget>,
}

/// `PUT /api/clients/{clientId}/therapy-goals/{goalId}`: only the fields present change
/// (`target: null` unties the goal from its measure). Honours `If-Match`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateGoalRequest {
    /// New wording.
    #[serde(default)]
    pub goal: Option<String>,
    /// New status.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub status: Option<GoalStatus>,
    /// New progress 0..=100 (refused on a goal with a measurable target).
    #[serde(default)]
    pub progress: Option<u8>,
    /// New target date.
    #[serde(default)]
    pub target_date: Option<NaiveDate>,
    /// New measurable target; `null` removes it.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<MeasurableTarget>)]
    pub target: Option<Option<MeasurableTarget>>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// A therapy goal (seed 001 §3).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TherapyGoal {
    /// Goal id.
    pub id: Uuid,
    /// `patients.id`.
    pub client_id: Uuid,
    /// The goal in words.
    pub goal: String,
    /// Status.
    #[schema(value_type = String)]
    pub status: GoalStatus,
    /// 0..=100 (computed when `target` is set).
    pub progress: u8,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When it should be reached.
    pub target_date: Option<NaiveDate>,
    /// The measurable target, if any.
    pub target: Option<MeasurableTarget>,
    /// The latest measured value, when `target` is set and a session has it.
    pub current_value: Option<f64>,
    /// `physiotherapists.id` of who set it.
    pub therapist_id: Option<Uuid>,
    /// Increases on every change.
    pub version: i32,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// `GET /api/clients/{clientId}/therapy-goals`: seed 001's `goals`, with the standard
/// pagination block.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TherapyGoalList {
    /// Active first, then by creation (newest first).
    pub goals: Vec<TherapyGoal>,
    /// Position of this page.
    pub pagination: Pagination,
}

/// Filters of the goal list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GoalListQuery {
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page (default 20, at most 100); `perPage` is accepted too.
    #[serde(rename = "per_page", alias = "perPage")]
    pub per_page: Option<u32>,
    /// Only goals in this status.
    #[param(value_type = Option<String>)]
    pub status: Option<GoalStatus>,
}

/// `GET /api/clients/{clientId}/emergency-contact`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmergencyContactRecord {
    /// `patients.id`.
    pub client_id: Uuid,
    /// The contact, if recorded.
    pub emergency_contact: Option<EmergencyContact>,
}

/// `GET /api/clients/{clientId}/session-summary` (seed 001 §7). How each number is computed
/// is in API.md ("Clinic workflows").
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionSummary {
    /// `patients.id`.
    pub client_id: Uuid,
    /// Sessions that took place (started or ended).
    pub total_sessions: u32,
    /// UTC date of the latest of them.
    pub last_session_date: Option<NaiveDate>,
    /// Mean of (end mood − start mood) over in-clinic sessions with both; null without any.
    pub average_mood_improvement: Option<f64>,
    /// The most frequent topics of the clinical notes (at most 5, most frequent first).
    pub common_themes: Vec<String>,
    /// One sentence built from the numbers below.
    pub progress_summary: String,
    /// Change of the primary peak angle, latest minus earliest session, in degrees.
    pub range_of_motion_change: Option<f64>,
    /// Share of the last 28 days' prescribed sessions done (0..1), over active program items.
    pub adherence: Option<f64>,
    /// Mean pain (0..10) of the later half of noted sessions minus the earlier half.
    pub pain_trend: Option<f64>,
}
