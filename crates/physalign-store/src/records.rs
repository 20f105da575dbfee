//! The records callers write to and read from the store.

use crate::outbox::{OutboxEntityKind, OutboxOperation};
use chrono::{DateTime, Utc};
use physalign_domain::{BodySide, FormIssue, Landmark, SessionStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A session as it starts: the analysis engine creates it before the first frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSession {
    /// Client-generated id, kept by the server after sync.
    pub id: Uuid,
    /// The patient, when known on this device.
    pub patient_id: Option<Uuid>,
    /// The exercise catalogue id, e.g. `squat`.
    pub exercise_id: String,
    /// Where the frames come from, e.g. a video path or `camera:0`.
    pub source: String,
    /// When recording started.
    pub started_at: DateTime<Utc>,
}

/// One analysed video frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameRecord {
    /// Frame index in the video, unique within the session.
    pub frame_number: i64,
    /// Presentation time from the start of the stream.
    pub timestamp_ms: i64,
    /// Image landmarks (33, or none when nobody is in view).
    pub landmarks: Vec<Landmark>,
    /// World landmarks in metres (33, or none).
    pub world_landmarks: Vec<Landmark>,
    /// Joint angles in degrees by name, e.g. `knee_left`.
    pub angles: BTreeMap<String, f32>,
    /// Pose quality 0..1.
    pub quality_score: f32,
    /// Form problems seen in this frame.
    pub form_issues: Vec<FormIssue>,
}

/// One counted repetition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RepetitionRecord {
    /// 0-based position in the session, unique within it.
    pub index: u32,
    /// Start time from the start of the stream.
    pub start_ms: i64,
    /// End time from the start of the stream.
    pub end_ms: i64,
    /// Smallest tracked joint angle in degrees.
    pub min_angle: f32,
    /// Largest tracked joint angle in degrees.
    pub max_angle: f32,
    /// Duration of the lowering (eccentric) phase.
    pub eccentric_ms: i64,
    /// Duration of the lifting (concentric) phase.
    pub concentric_ms: i64,
    /// Left/right symmetry 0..1 for bilateral exercises.
    pub symmetry: Option<f32>,
    /// Whether the repetition did not reach the target range.
    pub partial: bool,
    /// Form problems during this repetition.
    pub form_issues: Vec<FormIssue>,
    /// The engine's confidence in this repetition's measurement, 0..1 (none from older
    /// recordings).
    #[serde(default)]
    pub confidence: Option<f32>,
    /// The side that did it, for exercises done with one side or counted per side.
    #[serde(default)]
    pub side: Option<BodySide>,
}

/// A form issue at a moment of the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormIssueEvent {
    /// When it was seen, from the start of the stream.
    pub timestamp_ms: i64,
    /// What was seen.
    pub issue: FormIssue,
}

/// What the analysis engine knows when a session ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionCompletion {
    /// When recording ended.
    pub ended_at: DateTime<Utc>,
    /// Length of the analysed recording.
    pub duration_seconds: f64,
    /// Counted repetitions (indices unique).
    pub repetitions: Vec<RepetitionRecord>,
    /// Form issues in time order.
    pub form_issues: Vec<FormIssueEvent>,
    /// Seed 003's `summary_statistics` object.
    pub summary_statistics: serde_json::Value,
    /// Seed 003's `pose_data` object (frame count, sampling rate, angle ranges).
    pub pose_data: serde_json::Value,
    /// The patient-facing report.
    pub report: serde_json::Value,
}

/// A stored exercise session, without its per-frame data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionRow {
    /// Client-generated id.
    pub id: Uuid,
    /// The patient, when known.
    pub patient_id: Option<Uuid>,
    /// The exercise catalogue id.
    pub exercise_id: String,
    /// Where the frames came from.
    pub source: String,
    /// Lifecycle status.
    pub status: SessionStatus,
    /// When recording started.
    pub started_at: DateTime<Utc>,
    /// When recording ended, once completed.
    pub ended_at: Option<DateTime<Utc>>,
    /// Length of the recording, once completed.
    pub duration_seconds: Option<f64>,
    /// Summary statistics, once completed.
    pub summary_statistics: Option<serde_json::Value>,
    /// Pose data summary, once completed.
    pub pose_data: Option<serde_json::Value>,
    /// Report, once completed.
    pub report: Option<serde_json::Value>,
    /// Number of stored pose frames.
    pub frame_count: i64,
    /// When the row was created on this device.
    pub created_at: DateTime<Utc>,
    /// When the row last changed on this device.
    pub updated_at: DateTime<Utc>,
    /// Incremented on every local change, for conflict checks on sync.
    pub version: i64,
}

/// A session with its repetitions and form issues.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionDetail {
    /// The session row.
    pub session: SessionRow,
    /// Repetitions by index.
    pub repetitions: Vec<RepetitionRecord>,
    /// Form issues in the order they were recorded.
    pub form_issues: Vec<FormIssueEvent>,
}

/// One timed piece of a transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRecord {
    /// Start from the start of the audio.
    pub start_ms: i64,
    /// End from the start of the audio.
    pub end_ms: i64,
    /// Recognised text.
    pub text: String,
    /// Recogniser confidence 0..1, when it reports one.
    pub confidence: Option<f32>,
    /// Speaker or channel label, when known.
    pub speaker: Option<String>,
}

/// A transcription of one recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptRecord {
    /// Client-generated id.
    pub id: Uuid,
    /// The exercise session it belongs to, if any.
    pub session_id: Option<Uuid>,
    /// Full text.
    pub text: String,
    /// The model that produced it, e.g. `ggml-base.en`.
    pub model: String,
    /// Length of the transcribed audio.
    pub audio_seconds: f64,
    /// Language code, e.g. `en`.
    pub language: String,
    /// Timed segments in order.
    pub segments: Vec<SegmentRecord>,
}

physalign_domain::wire_enum! {
    /// Whether an outbox entry still has to be delivered (the `outbox.status` column).
    pub enum OutboxStatus {
        /// Waiting for (re)delivery.
        Pending = "pending",
        /// Given up on; needs a person.
        Failed = "failed",
        /// Delivered.
        Done = "done",
    }
}

/// A change waiting to be uploaded to the central server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Enqueue order.
    pub id: i64,
    /// Kind of entity uploaded.
    pub entity_type: OutboxEntityKind,
    /// The entity's UUID.
    pub entity_id: Uuid,
    /// What happened to it.
    pub operation: OutboxOperation,
    /// Snapshot of what to upload.
    pub payload: serde_json::Value,
    /// Sent with every delivery attempt so the server applies the change once.
    pub idempotency_key: Uuid,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// Not to be retried before this.
    pub next_attempt_at: DateTime<Utc>,
    /// Delivery status.
    pub status: OutboxStatus,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The identity (server user id) signed in when the entry was created; `None` when nobody
    /// was. Only the signed-in identity's entries are delivered.
    #[serde(default)]
    pub owner_user_id: Option<Uuid>,
}
