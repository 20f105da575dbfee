//! Program items: what a clinician prescribes for a patient (issue 15), replacing free-text
//! prescriptions carried by pending sessions.
//!
//! A program item names one catalogue exercise with its dose (sets × repetitions or a hold),
//! an optional target angle, the side, how many sessions a week and the dates it runs. The
//! prescribing clinician is always the caller, never a body field. Items are versioned
//! (`ETag`/`If-Match`) like sessions, and end rather than disappear.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::pagination::Pagination;

physalign_domain::wire_enum! {
    /// Which side of the body a program item works.
    #[derive(ToSchema)]
    pub enum ProgramSide {
        /// The left side only.
        Left = "left",
        /// The right side only.
        Right = "right",
        /// Both sides together (e.g. a squat).
        Both = "both",
        /// Each side in turn, the dose counted per side.
        Each = "each",
    }
}

physalign_domain::wire_enum! {
    /// Whether a program item is still to be done.
    #[derive(ToSchema)]
    pub enum ProgramStatus {
        /// Prescribed and running (its dates may still lie ahead).
        Active = "active",
        /// Ended by a clinician; kept for history, no longer editable.
        Ended = "ended",
    }
}

/// `POST /api/programs` (clinicians): prescribe one exercise for a patient in their care.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProgramItemRequest {
    /// Client-generated id (offline devices); an existing id answers `409 PROGRAM_ITEM_EXISTS`.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// `patients.id` of the patient the item is for; the caller must have them in care.
    pub patient_id: Uuid,
    /// Exercise catalogue id, e.g. `squat` (lower case, as `physalign exercises` lists them).
    pub exercise_id: String,
    /// Sets per session, 1..=50.
    pub sets: u32,
    /// Repetitions per set, 1..=500 (counted exercises).
    #[serde(default)]
    pub reps: Option<u32>,
    /// Hold time per repetition in seconds, 1..=3600 (held exercises).
    #[serde(default)]
    pub hold_seconds: Option<u32>,
    /// Target joint angle in degrees, 0..=360.
    #[serde(default)]
    pub target_angle_deg: Option<f64>,
    /// Accepted deviation from the target angle in degrees, 0..=180.
    #[serde(default)]
    pub tolerance_deg: Option<f64>,
    /// Side worked; absent when the exercise has no side.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub side: Option<ProgramSide>,
    /// Sessions a week the patient should do, 1..=21.
    pub sessions_per_week: u32,
    /// First day (calendar date, no time zone).
    pub start_date: NaiveDate,
    /// Last day, inclusive; absent = open-ended. Not before `start_date`.
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
    /// Free-text instructions for the patient (at most 4000 characters).
    #[serde(default)]
    pub instructions: Option<String>,
}

/// `PUT /api/programs/{id}` (clinicians of the patient): replaces every editable field, so an
/// absent optional field is cleared. The patient and the status do not change here (ending is
/// `POST /api/programs/{id}/end`). Honours `If-Match: "version"`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProgramItemRequest {
    /// Exercise catalogue id.
    pub exercise_id: String,
    /// Sets per session, 1..=50.
    pub sets: u32,
    /// Repetitions per set, 1..=500.
    #[serde(default)]
    pub reps: Option<u32>,
    /// Hold time per repetition in seconds, 1..=3600.
    #[serde(default)]
    pub hold_seconds: Option<u32>,
    /// Target joint angle in degrees, 0..=360.
    #[serde(default)]
    pub target_angle_deg: Option<f64>,
    /// Accepted deviation from the target angle in degrees, 0..=180.
    #[serde(default)]
    pub tolerance_deg: Option<f64>,
    /// Side worked.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub side: Option<ProgramSide>,
    /// Sessions a week, 1..=21.
    pub sessions_per_week: u32,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day, inclusive; absent = open-ended.
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
    /// Instructions for the patient.
    #[serde(default)]
    pub instructions: Option<String>,
}

/// How well a program item is being followed, computed from the sessions linked to it
/// (`program_item_id`). The device computes the same numbers from its own store; both follow
/// these rules exactly:
///
/// * A linked session **counts** once it has ended (`end_time` set). Its day is the UTC
///   calendar date of its `start_time` (its `end_time` when `start_time` is absent).
/// * `done_this_week`: counting sessions whose `start_time` lies in the current ISO 8601 week
///   in UTC, i.e. from Monday 00:00:00 UTC (inclusive) to the next Monday 00:00:00 UTC
///   (exclusive). Sessions, not days: two sessions on one day count two.
/// * `days_with_data_30d`: distinct UTC dates of counting sessions among the 30 days ending
///   today (today and the 29 days before it, UTC).
/// * "Now" is the server's clock at the time of the answer (`as_of`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Adherence {
    /// Counting sessions in the current ISO week (UTC, Monday start).
    pub done_this_week: u32,
    /// The item's `sessions_per_week`.
    pub target_per_week: u32,
    /// Distinct UTC days with a counting session in the last 30 days (today included).
    pub days_with_data_30d: u32,
    /// Monday (UTC date) of the week `done_this_week` counts.
    pub week_start: NaiveDate,
}

/// A stored program item. `version` is also the `ETag` of `GET /api/programs/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProgramItem {
    /// Program item id.
    pub id: Uuid,
    /// `patients.id`.
    pub patient_id: Uuid,
    /// `physiotherapists.id` of the clinician who prescribed it (the creating caller).
    pub physiotherapist_id: Uuid,
    /// The prescribing clinician's full name.
    pub physiotherapist_name: String,
    /// Exercise catalogue id.
    pub exercise_id: String,
    /// Sets per session.
    pub sets: u32,
    /// Repetitions per set.
    pub reps: Option<u32>,
    /// Hold time per repetition in seconds.
    pub hold_seconds: Option<u32>,
    /// Target joint angle in degrees.
    pub target_angle_deg: Option<f64>,
    /// Accepted deviation from the target in degrees.
    pub tolerance_deg: Option<f64>,
    /// Side worked.
    #[schema(value_type = Option<String>)]
    pub side: Option<ProgramSide>,
    /// Sessions a week.
    pub sessions_per_week: u32,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day, inclusive.
    pub end_date: Option<NaiveDate>,
    /// Instructions for the patient.
    pub instructions: Option<String>,
    /// `active` or `ended`.
    #[schema(value_type = String)]
    pub status: ProgramStatus,
    /// When it was ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Adherence computed from the linked sessions at `as_of`.
    pub adherence: Adherence,
    /// Server time the adherence was computed at.
    pub as_of: DateTime<Utc>,
    /// Increases on every change.
    pub version: i32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A page of program items.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProgramItemList {
    /// Items on this page: active first, then by start date (newest first).
    pub data: Vec<ProgramItem>,
    /// Position of this page.
    pub pagination: Pagination,
}

/// Filters of `GET /api/programs`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProgramListQuery {
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page (default 20, at most 100).
    pub per_page: Option<u32>,
    /// Only this patient's items (`patients.id`); patients see only their own anyway.
    pub patient_id: Option<Uuid>,
    /// Only items in this status.
    #[param(value_type = Option<String>)]
    pub status: Option<ProgramStatus>,
}
