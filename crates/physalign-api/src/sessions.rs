//! Exercise sessions and their pose data (seed 003).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
/// Where a session is in its life; defined once in `physalign-domain` for every crate.
pub use physalign_domain::SessionStatus;
use physalign_domain::{FormIssue, Landmark, Severity};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::pagination::Pagination;

/// `POST /api/sessions`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSessionRequest {
    /// Client-generated id (offline devices); `session_id` is accepted as well.
    #[serde(default, alias = "session_id")]
    pub id: Option<Uuid>,
    /// `patients.id`; patients may omit it (their own), physiotherapists must give it.
    #[serde(default)]
    pub patient_id: Option<Uuid>,
    /// Exercise name, e.g. `squat`.
    pub exercise_type: String,
    /// When the session is planned.
    #[serde(default)]
    pub scheduled_datetime: Option<DateTime<Utc>>,
    /// Planned duration in seconds.
    #[serde(default)]
    pub estimated_duration: Option<i32>,
    /// Instructions for the patient.
    #[serde(default)]
    pub instructions: Option<String>,
    /// When recording started (devices creating a finished session).
    #[serde(default)]
    pub start_time: Option<DateTime<Utc>>,
    /// When recording ended.
    #[serde(default)]
    pub end_time: Option<DateTime<Utc>>,
    /// Recorded duration in seconds.
    #[serde(default)]
    pub duration_seconds: Option<i32>,
    /// Equipment used.
    #[serde(default)]
    pub equipment_used: Option<Vec<String>>,
    /// Notes on the environment.
    #[serde(default)]
    pub environment_notes: Option<String>,
}

/// Where to send a session's recordings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UploadUrls {
    /// Signed `PUT` URL for the video, valid until `expires_at`.
    pub video: String,
    /// Where to `POST` the pose data.
    pub metadata: String,
}

/// `201` answer to `POST /api/sessions`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateSessionResponse {
    /// The new session's id.
    pub session_id: Uuid,
    /// Its status (`pending`).
    pub status: SessionStatus,
    /// Upload targets.
    pub upload_urls: UploadUrls,
    /// When the signed video URL stops working.
    pub expires_at: DateTime<Utc>,
}

/// A session's metadata. `version` is also sent as the `ETag` of `GET /api/sessions/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Session {
    /// Session id.
    pub id: Uuid,
    /// `patients.id`.
    pub patient_id: Uuid,
    /// Patient's full name.
    pub patient_name: String,
    /// Exercise name.
    pub exercise_type: String,
    /// Planned time.
    pub scheduled_datetime: Option<DateTime<Utc>>,
    /// Recording start.
    pub start_time: Option<DateTime<Utc>>,
    /// Recording end.
    pub end_time: Option<DateTime<Utc>>,
    /// Recorded duration in seconds.
    pub duration_seconds: Option<i32>,
    /// Planned duration in seconds.
    pub estimated_duration: Option<i32>,
    /// Status.
    pub status: SessionStatus,
    /// Instructions for the patient.
    pub instructions: Option<String>,
    /// Equipment used.
    pub equipment_used: Vec<String>,
    /// Notes on the environment.
    pub environment_notes: Option<String>,
    /// Storage key of the uploaded video, if any.
    pub video_url: Option<String>,
    /// The summary the device sent with the pose data.
    pub summary_statistics: Option<SummaryStatistics>,
    /// Increases on every change.
    pub version: i32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// `GET /api/sessions/{id}`: the session, its pose data summary and its latest review.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionDetail {
    /// Metadata.
    pub session: Session,
    /// Present once pose data was uploaded.
    pub pose_data: Option<PoseDataSummary>,
    /// The latest review, if any.
    pub review: Option<Review>,
}

/// A page of sessions.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionList {
    /// The sessions on this page, newest first.
    pub data: Vec<Session>,
    /// Position of this page.
    pub pagination: Pagination,
}

/// Filters of `GET /api/sessions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SessionListQuery {
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page (default 20, at most 100).
    pub per_page: Option<u32>,
    /// Only sessions in this status.
    #[param(value_type = Option<String>)]
    pub status: Option<SessionStatus>,
    /// Only sessions of this patient (`patients.id`).
    pub patient_id: Option<Uuid>,
    /// Only this exercise.
    pub exercise_type: Option<String>,
    /// Only sessions created at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only sessions created before this time.
    pub to: Option<DateTime<Utc>>,
}

/// `PUT /api/sessions/{id}`: only the fields present are changed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSessionRequest {
    /// Exercise name.
    pub exercise_type: Option<String>,
    /// Planned time.
    pub scheduled_datetime: Option<DateTime<Utc>>,
    /// Recording start.
    pub start_time: Option<DateTime<Utc>>,
    /// Recording end.
    pub end_time: Option<DateTime<Utc>>,
    /// Recorded duration in seconds.
    pub duration_seconds: Option<i32>,
    /// Planned duration in seconds.
    pub estimated_duration: Option<i32>,
    /// New status.
    pub status: Option<SessionStatus>,
    /// Instructions for the patient.
    pub instructions: Option<String>,
    /// Equipment used.
    pub equipment_used: Option<Vec<String>>,
    /// Notes on the environment.
    pub environment_notes: Option<String>,
}

/// One analysed frame as the device uploads it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadFrame {
    /// Capture time in milliseconds (Unix epoch or since recording start).
    pub timestamp: i64,
    /// Position in the recording; defaults to the index in `frames`.
    #[serde(default)]
    pub frame_number: Option<i32>,
    /// The 33 BlazePose landmarks (fewer if some were not detected).
    #[schema(value_type = Vec<Object>)]
    pub landmarks: Vec<Landmark>,
    /// Joint angles in degrees, e.g. `knee_left`.
    #[serde(default)]
    pub angles: BTreeMap<String, f64>,
    /// Pose quality 0..1.
    #[serde(default)]
    pub quality_score: Option<f64>,
    /// Form problems seen in this frame.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub form_issues: Vec<FormIssue>,
}

/// The device's summary of a session.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SummaryStatistics {
    /// Frames analysed on the device.
    #[serde(default)]
    pub total_frames: Option<u32>,
    /// Mean pose quality 0..1.
    #[serde(default)]
    pub average_quality: Option<f64>,
    /// Peak angles, e.g. `knee_left_max`.
    #[serde(default)]
    pub peak_angles: BTreeMap<String, f64>,
    /// Repetitions counted.
    #[serde(default)]
    pub rep_count: Option<u32>,
}

/// `POST /api/sessions/{id}/data`. Replaces any frames uploaded before, so a retry is harmless.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoseDataUpload {
    /// The frames, in capture order.
    pub frames: Vec<UploadFrame>,
    /// The device's summary.
    #[serde(default)]
    pub summary_statistics: Option<SummaryStatistics>,
}

/// `201` answer to a pose data upload.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PoseDataUploadResponse {
    /// Session id.
    pub session_id: Uuid,
    /// Frames now stored for the session.
    pub frames_stored: u32,
    /// The session's new status (`review_pending`).
    pub status: SessionStatus,
}

/// Min, max and mean of one joint angle over a session.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AngleRange {
    /// Smallest angle in degrees.
    pub min: f64,
    /// Largest angle in degrees.
    pub max: f64,
    /// Mean angle in degrees.
    pub avg: f64,
}

/// What the server computed from the stored frames.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PoseDataSummary {
    /// Frames stored.
    pub frame_count: u32,
    /// Frames per second, from the timestamps (none with fewer than two frames).
    pub sampling_rate: Option<f64>,
    /// Mean quality score of the frames that have one.
    pub average_quality: Option<f64>,
    /// Per-angle ranges.
    pub angle_ranges: BTreeMap<String, AngleRange>,
}

/// Overall grade of a reviewed session.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Assessment {
    Excellent,
    Good,
    Fair,
    Poor,
}

impl Assessment {
    /// The name stored in `session_reviews.overall_assessment`.
    pub fn as_str(self) -> &'static str {
        match self {
            Assessment::Excellent => "EXCELLENT",
            Assessment::Good => "GOOD",
            Assessment::Fair => "FAIR",
            Assessment::Poor => "POOR",
        }
    }

    /// Parses a stored assessment.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Assessment::Excellent,
            Assessment::Good,
            Assessment::Fair,
            Assessment::Poor,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// One remark of a review, tied to a moment of the recording.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormFeedback {
    /// Frame timestamp in milliseconds.
    #[serde(default)]
    pub timestamp: Option<i64>,
    /// What was observed.
    pub issue: String,
    /// What to do about it.
    #[serde(default)]
    pub recommendation: Option<String>,
    /// How much it matters.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub severity: Option<Severity>,
}

/// The plan after a review.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NextSteps {
    /// Exercises to do next.
    #[serde(default)]
    pub recommended_exercises: Vec<String>,
    /// How often.
    #[serde(default)]
    pub frequency: Option<String>,
    /// Next check.
    #[serde(default)]
    pub follow_up_date: Option<DateTime<Utc>>,
}

/// `POST /api/physio/reviews`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReviewRequest {
    /// Client-generated review id (optional).
    #[serde(default)]
    pub id: Option<Uuid>,
    /// The session reviewed.
    pub session_id: Uuid,
    /// Free-text notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Overall grade.
    pub overall_assessment: Assessment,
    /// Timed remarks.
    #[serde(default)]
    pub form_feedback: Vec<FormFeedback>,
    /// The plan.
    #[serde(default)]
    pub next_steps: Option<NextSteps>,
}

/// A stored review.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Review {
    /// Review id.
    pub id: Uuid,
    /// The session reviewed.
    pub session_id: Uuid,
    /// `physiotherapists.id` of the reviewer.
    pub physiotherapist_id: Uuid,
    /// Reviewer's full name.
    pub physiotherapist_name: String,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Overall grade.
    pub overall_assessment: Assessment,
    /// Timed remarks.
    pub form_feedback: Vec<FormFeedback>,
    /// The plan.
    pub next_steps: Option<NextSteps>,
    /// When the review was written.
    pub reviewed_at: DateTime<Utc>,
}
