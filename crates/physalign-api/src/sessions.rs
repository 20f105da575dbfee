//! Exercise sessions and their pose data (seed 003).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use physalign_domain::{FormIssue, Landmark, Severity};
/// Where a session is in its life, and why its transcript is gone; defined once in
/// `physalign-domain` for every crate.
pub use physalign_domain::{SessionStatus, TranscriptRemoval};
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
    /// `patients.id`; patients may omit it (their own), physiotherapists must give it (a session
    /// recorded on a clinician's device for a patient in their care).
    #[serde(default)]
    pub patient_id: Option<Uuid>,
    /// Exercise name, e.g. `squat`.
    pub exercise_type: String,
    /// The program item this recording was done for; it must belong to the session's patient.
    #[serde(default)]
    pub program_item_id: Option<Uuid>,
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
    /// `physiotherapists.id` of the clinician who recorded the session on their device (absent
    /// for a patient's own recording).
    #[serde(default)]
    pub physiotherapist_id: Option<Uuid>,
    /// The program item the session was recorded for.
    #[serde(default)]
    pub program_item_id: Option<Uuid>,
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
    /// The clinic side (issue 18): how the session was started in clinic and the progress
    /// recorded during it (mood start/end, techniques, goals discussed, homework); absent for
    /// sessions that have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<crate::clinic_sessions::ClinicProgress>,
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
    /// The transcript of what was said during the session; null when none was shared.
    #[serde(default)]
    pub transcript: Option<SessionTranscript>,
    /// Clinical notes extracted from the transcript; null when none were shared.
    #[serde(default)]
    pub notes: Option<SessionNotes>,
    /// Set when the transcript was purged or deleted (then `transcript` is null).
    #[serde(default)]
    pub transcript_removed: Option<TranscriptRemoved>,
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
    /// Links the session to a program item of its patient (sessions recorded before the item
    /// was pulled, or linked afterwards). Absent = unchanged.
    #[serde(default)]
    pub program_item_id: Option<Uuid>,
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
    /// The joint angle the repetitions were counted on, e.g. `knee_left` (a key of the frames'
    /// `angles`). The server measures range of motion on it; absent = the angle with the
    /// widest range over the frames.
    #[serde(default)]
    pub primary_angle: Option<String>,
    /// How far the measurement can be trusted (the analysis engine's reliability flag).
    #[serde(default)]
    pub reliability: Option<MeasurementReliability>,
}

physalign_domain::wire_enum! {
    /// Overall trust in a session's measurement (mirror of the analysis engine's
    /// `ReliabilityLevel`).
    #[derive(ToSchema)]
    pub enum ReliabilityLevel {
        /// Measured most of the time, from a suitable view, steadily.
        Good = "good",
        /// Usable, with the reasons given.
        Limited = "limited",
        /// Not to be trusted: the numbers are for information only.
        Unreliable = "unreliable",
    }
}

physalign_domain::wire_enum! {
    /// Why a measurement is less than good (mirror of the analysis engine's
    /// `ReliabilityReason`).
    #[derive(ToSchema)]
    pub enum ReliabilityReason {
        /// The camera view does not suit the exercise's signal.
        ViewNotSuited = "view_not_suited",
        /// The joints the signal needs were out of view or hidden much of the time.
        JointsOutOfView = "joints_out_of_view",
        /// The tracked joints were seen with low confidence.
        LowVisibility = "low_visibility",
        /// The landmarks jumped around (fast motion, blur, several people).
        Jitter = "jitter",
        /// A reason this build does not know (a newer device); kept so the upload is accepted.
        #[serde(other)]
        Other = "other",
    }
}

physalign_domain::wire_enum! {
    /// The camera view the analysis engine detected (mirror of its `DetectedView`).
    #[derive(ToSchema)]
    pub enum DetectedView {
        /// Not enough of the body seen.
        Unknown = "unknown",
        /// The body faces the camera.
        Front = "front",
        /// The camera is behind the person.
        Back = "back",
        /// Side-on.
        Side = "side",
        /// Between front (or back) and side.
        Oblique = "oblique",
    }
}

/// The reliability flag of a session's measurement, as the device's analysis engine set it
/// (a serde mirror of `physalign_analysis::reliability::Reliability`; the API does not depend
/// on the engine).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasurementReliability {
    /// Overall level.
    #[schema(value_type = String)]
    pub level: ReliabilityLevel,
    /// Why, when not good.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub reasons: Vec<ReliabilityReason>,
    /// The view the camera had most of the time.
    #[serde(default = "unknown_view")]
    #[schema(value_type = String)]
    pub view: DetectedView,
    /// Share (0..1) of the frames with a person in which the signal was measured.
    #[serde(default)]
    pub measured_share: f64,
    /// Mean frame confidence over the measured frames, 0..1.
    #[serde(default)]
    pub confidence: f64,
}

fn unknown_view() -> DetectedView {
    DetectedView::Unknown
}

/// The side a repetition was done with, for exercises counted per side (the store's vocabulary).
pub use physalign_domain::BodySide as RepetitionSide;

/// One counted repetition as the device's store holds it (mirror of
/// `physalign_store::RepetitionRecord`, plus the engine's confidence and side).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepetitionRow {
    /// 0-based position in the session, unique within it.
    pub index: u32,
    /// Start, milliseconds from the start of the recording.
    pub start_ms: i64,
    /// End, milliseconds from the start of the recording.
    pub end_ms: i64,
    /// Smallest angle of the primary joint in degrees.
    pub min_angle: f64,
    /// Largest angle of the primary joint in degrees.
    pub max_angle: f64,
    /// Duration of the lowering (eccentric) phase in milliseconds.
    #[serde(default)]
    pub eccentric_ms: i64,
    /// Duration of the lifting (concentric) phase in milliseconds.
    #[serde(default)]
    pub concentric_ms: i64,
    /// Left/right symmetry 0..1 for bilateral exercises.
    #[serde(default)]
    pub symmetry: Option<f64>,
    /// The repetition did not reach the target range.
    #[serde(default)]
    pub partial: bool,
    /// Form problems during this repetition.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub form_issues: Vec<FormIssue>,
    /// The engine's confidence in this repetition's measurement, 0..1.
    #[serde(default)]
    pub confidence: Option<f64>,
    /// The side, for exercises counted per side.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub side: Option<RepetitionSide>,
}

/// A form issue at a moment of the session (mirror of `physalign_store::FormIssueEvent`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimedFormIssue {
    /// When it was seen, milliseconds from the start of the recording.
    pub timestamp_ms: i64,
    /// What was seen.
    #[schema(value_type = Object)]
    pub issue: FormIssue,
}

/// `POST /api/sessions/{id}/data`.
///
/// **Whole** (no `part`): replaces every frame uploaded before, so a retry is harmless.
///
/// **In pieces** (`part` and `parts` both given, `0 <= part < parts <= 10000`): each piece
/// carries the frames of one consecutive stretch of the recording, in order; piece `N`
/// replaces only the frames earlier stored for piece `N` (a re-sent piece is not stored twice)
/// and frames of pieces numbered `parts` or more are dropped (an upload restarted with fewer
/// pieces). Frames are read back ordered by piece, then by position within it. The session
/// becomes `review_pending` once pieces `0..parts` have all arrived. `repetitions`,
/// `form_issues` and `summary_statistics` may come with any piece (send them with the last);
/// a piece that carries one replaces what was stored, one that omits it leaves it as it was.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoseDataUpload {
    /// The frames, in capture order.
    pub frames: Vec<UploadFrame>,
    /// The device's summary.
    #[serde(default)]
    pub summary_statistics: Option<SummaryStatistics>,
    /// 0-based number of this piece; absent = the whole upload at once.
    #[serde(default)]
    pub part: Option<u32>,
    /// How many pieces the upload has; required with `part`.
    #[serde(default)]
    pub parts: Option<u32>,
    /// The per-repetition table; absent = unchanged.
    #[serde(default)]
    pub repetitions: Option<Vec<RepetitionRow>>,
    /// Form issues with their times; absent = unchanged.
    #[serde(default)]
    pub form_issues: Option<Vec<TimedFormIssue>>,
}

/// `201` answer to a pose data upload.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PoseDataUploadResponse {
    /// Session id.
    pub session_id: Uuid,
    /// Frames now stored for the session (all pieces).
    pub frames_stored: u32,
    /// The session's status (`review_pending` once the upload is complete).
    pub status: SessionStatus,
    /// Pieces received so far (1 for a whole upload).
    #[serde(default)]
    pub parts_received: u32,
    /// Pieces expected (1 for a whole upload).
    #[serde(default)]
    pub parts: u32,
    /// Whether every piece has arrived.
    #[serde(default)]
    pub complete: bool,
}

/// Pagination of `GET /api/sessions/{id}/data`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PoseDataQuery {
    /// 1-based page of frames (default 1).
    pub page: Option<u32>,
    /// Frames per page (default 500, at most 2000).
    pub per_page: Option<u32>,
}

/// `GET /api/sessions/{id}/data`: one page of the frames as uploaded (in recording order) and,
/// on every page, the per-repetition table and the timed form issues, so a clinician's device
/// can draw the angle chart and replay the skeleton.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PoseDataPage {
    /// Session id.
    pub session_id: Uuid,
    /// Frames on this page, as uploaded.
    pub frames: Vec<UploadFrame>,
    /// The per-repetition table (empty when none was uploaded).
    pub repetitions: Vec<RepetitionRow>,
    /// Form issues with their times (empty when none were uploaded).
    pub form_issues: Vec<TimedFormIssue>,
    /// The device's summary, as uploaded.
    pub summary_statistics: Option<SummaryStatistics>,
    /// Pieces received / expected and whether the upload is complete.
    pub parts_received: u32,
    /// Pieces expected.
    pub parts: u32,
    /// Whether every piece has arrived.
    pub complete: bool,
    /// Position of this page among the frames.
    pub pagination: Pagination,
}

/// One stretch of speech of a transcript (mirror of `physalign_store::SegmentRecord`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranscriptSegment {
    /// Start, milliseconds from the start of the recording.
    pub start_ms: i64,
    /// End, milliseconds from the start of the recording.
    pub end_ms: i64,
    /// What was said.
    pub text: String,
    /// Recogniser confidence 0..1.
    #[serde(default)]
    pub confidence: Option<f64>,
    /// Who spoke, when known.
    #[serde(default)]
    pub speaker: Option<String>,
}

/// `PUT /api/sessions/{id}/transcript`: stores or replaces the session's transcript
/// (idempotent: the same body twice leaves one transcript, `version` unchanged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutTranscriptRequest {
    /// The device's transcript id, kept for reference.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// Language code, e.g. `en`.
    pub language: String,
    /// The whole text (at most 200 000 characters).
    pub text: String,
    /// Timed segments in order (at most 10 000).
    #[serde(default)]
    pub segments: Vec<TranscriptSegment>,
    /// The speech model, e.g. `whisper-base.en`.
    pub model: String,
    /// Length of the transcribed audio in seconds.
    #[serde(default)]
    pub audio_seconds: Option<f64>,
}

/// A session's stored transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SessionTranscript {
    /// The session.
    pub session_id: Uuid,
    /// The device's transcript id.
    pub transcript_id: Option<Uuid>,
    /// Language code.
    pub language: String,
    /// The whole text.
    pub text: String,
    /// Timed segments.
    pub segments: Vec<TranscriptSegment>,
    /// The speech model.
    pub model: String,
    /// Length of the audio in seconds.
    pub audio_seconds: Option<f64>,
    /// Increases when the content changes.
    pub version: i32,
    /// First stored.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Saved beyond the automatic purge (`POST …/transcript/save`).
    #[serde(default)]
    pub saved: bool,
    /// When the retention rule purges it; null when saved indefinitely.
    #[serde(default)]
    pub purge_at: Option<DateTime<Utc>>,
}

/// Why and when a session's transcript was removed (it stays removed: a later upload of the
/// same transcript is refused with 410).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TranscriptRemoved {
    /// Purged by the retention rule, or deleted on request.
    pub reason: TranscriptRemoval,
    /// When.
    pub removed_at: DateTime<Utc>,
}

/// Body of `POST /api/sessions/{session_id}/transcript/save` (seed 002).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveTranscriptRequest {
    /// Keep it this many days after the session (90 to 3650); absent: indefinitely.
    #[serde(default)]
    pub retention_days: Option<u32>,
}

/// Answer of `POST /api/sessions/{session_id}/transcript/save` (seed 002).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SavedTranscript {
    /// The session.
    pub session_id: Uuid,
    /// Always true.
    pub saved: bool,
    /// When it will be purged after all; null when kept indefinitely.
    pub expires_at: Option<DateTime<Utc>>,
}

physalign_domain::wire_enum! {
    /// Which side of the body a pain report concerns.
    #[derive(ToSchema)]
    pub enum Laterality {
        /// Left side.
        Left = "left",
        /// Right side.
        Right = "right",
        /// Both sides.
        Both = "both",
    }
}

physalign_domain::wire_enum! {
    /// Overall tone of what was said (seed 004's labels; mirror of the speech crate's `Mood`).
    #[derive(ToSchema)]
    pub enum Mood {
        /// Strongly negative.
        VeryLow = "very_low",
        /// Negative.
        Low = "low",
        /// Neither.
        Neutral = "neutral",
        /// Positive.
        Positive = "positive",
        /// Strongly positive.
        VeryPositive = "very_positive",
    }
}

/// One statement about pain (mirror of the speech crate's `PainReport`, plus its time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PainScore {
    /// Body part, e.g. `knee`, `lower back`; absent when not said.
    #[serde(default)]
    pub body_part: Option<String>,
    /// Side, when said.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub laterality: Option<Laterality>,
    /// Score 0..=10; absent when pain was mentioned without a number.
    #[serde(default)]
    pub score: Option<f32>,
    /// When it was said, milliseconds from the start of the recording.
    #[serde(default)]
    pub at_ms: Option<i64>,
    /// The patient hedged or gave a range.
    #[serde(default)]
    pub approximate: bool,
    /// Pain was denied ("no pain today").
    #[serde(default)]
    pub denied: bool,
    /// The sentence it came from (shared only if the patient's consent allows transcripts).
    #[serde(default)]
    pub quote: Option<String>,
}

/// A safety concern for the clinician (mirror of the speech crate's `RiskFlag`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskFlag {
    /// What kind, e.g. `fall`, `severe_pain`, `neurological`, `self_harm`.
    pub kind: String,
    /// The sentence it came from.
    #[serde(default)]
    pub quote: Option<String>,
}

/// An exercise mentioned in the session, with its dose where said (mirror of the speech
/// crate's `ExerciseMention`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExerciseMention {
    /// Canonical exercise name, e.g. `squat`.
    pub exercise: String,
    /// Number of sets.
    #[serde(default)]
    pub sets: Option<u32>,
    /// Repetitions per set.
    #[serde(default)]
    pub reps: Option<u32>,
    /// Hold time in seconds.
    #[serde(default)]
    pub hold_seconds: Option<u32>,
    /// How often, e.g. `twice a day`.
    #[serde(default)]
    pub frequency: Option<String>,
    /// The sentence it came from.
    #[serde(default)]
    pub quote: Option<String>,
}

/// `PUT /api/sessions/{id}/notes`: stores or replaces the session's clinical notes
/// (idempotent). A `crisis` flag raises a `crisis` alert and a pain score of 7 or more a
/// `high_pain` alert for the patient's clinicians (one open alert of each kind per session).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutNotesRequest {
    /// The device's notes id, kept for reference.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// The device's transcript id the notes were extracted from.
    #[serde(default)]
    pub transcript_id: Option<Uuid>,
    /// Pain statements in order (at most 200).
    #[serde(default)]
    pub pain: Vec<PainScore>,
    /// Overall tone.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub mood: Option<Mood>,
    /// 1 (very low) to 5 (very positive).
    #[serde(default)]
    pub mood_score: Option<u8>,
    /// Homework and tasks, as said (at most 200).
    #[serde(default)]
    pub action_items: Vec<String>,
    /// Safety concerns (at most 200).
    #[serde(default)]
    pub risk_flags: Vec<RiskFlag>,
    /// Self-harm or suicide language was heard.
    #[serde(default)]
    pub crisis: bool,
    /// The crisis phrases that matched.
    #[serde(default)]
    pub crisis_keywords: Vec<String>,
    /// Main subjects, most discussed first.
    #[serde(default)]
    pub key_topics: Vec<String>,
    /// Exercises mentioned.
    #[serde(default)]
    pub exercises: Vec<ExerciseMention>,
    /// Which extractor produced the notes, e.g. `rules-v1`.
    #[serde(default)]
    pub extractor: Option<String>,
}

/// A session's stored clinical notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SessionNotes {
    /// The session.
    pub session_id: Uuid,
    /// The device's notes id.
    pub notes_id: Option<Uuid>,
    /// The device's transcript id.
    pub transcript_id: Option<Uuid>,
    /// Pain statements.
    pub pain: Vec<PainScore>,
    /// Overall tone.
    #[schema(value_type = Option<String>)]
    pub mood: Option<Mood>,
    /// 1 to 5.
    pub mood_score: Option<u8>,
    /// Homework and tasks.
    pub action_items: Vec<String>,
    /// Safety concerns.
    pub risk_flags: Vec<RiskFlag>,
    /// Self-harm or suicide language was heard.
    pub crisis: bool,
    /// The crisis phrases that matched.
    pub crisis_keywords: Vec<String>,
    /// Main subjects.
    pub key_topics: Vec<String>,
    /// Exercises mentioned.
    pub exercises: Vec<ExerciseMention>,
    /// The extractor.
    pub extractor: Option<String>,
    /// Increases when the content changes.
    pub version: i32,
    /// First stored.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
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

/// Overall grade of a reviewed session. Seed 003 lists four grades; issue 15's command line adds
/// NEEDS_IMPROVEMENT, kept as the clinician wrote it rather than folded into POOR.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Assessment {
    Excellent,
    Good,
    Fair,
    NeedsImprovement,
    Poor,
}

impl Assessment {
    /// The name stored in `session_reviews.overall_assessment`.
    pub fn as_str(self) -> &'static str {
        match self {
            Assessment::Excellent => "EXCELLENT",
            Assessment::Good => "GOOD",
            Assessment::Fair => "FAIR",
            Assessment::NeedsImprovement => "NEEDS_IMPROVEMENT",
            Assessment::Poor => "POOR",
        }
    }

    /// Parses a stored assessment.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Assessment::Excellent,
            Assessment::Good,
            Assessment::Fair,
            Assessment::NeedsImprovement,
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
    /// Minutes the clinician spent on the review (1 to [`REVIEW_MINUTES_MAX`]): clinician time
    /// for remote-monitoring readiness (issue 19). Left out when not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes_spent: Option<u32>,
}

/// Most minutes one review may record (a working day).
pub const REVIEW_MINUTES_MAX: u32 = 480;

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
    /// Minutes the clinician spent on it, when recorded.
    #[serde(default)]
    pub minutes_spent: Option<u32>,
    /// When the review was written.
    pub reviewed_at: DateTime<Utc>,
}
