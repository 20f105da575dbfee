//! Seed 000: per-session progress metrics, snapshots, milestones, skill scores, analytics,
//! comparisons and evaluation feedback. Field names are camelCase as in seed 000.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::pagination::Pagination;

/// Progress metrics of one session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgressMetrics {
    /// Messages exchanged (spoken cues for exercise sessions).
    #[serde(default)]
    pub total_messages: Option<u32>,
    /// Messages by the therapist.
    #[serde(default)]
    pub therapist_messages: Option<u32>,
    /// Messages by the client.
    #[serde(default)]
    pub client_messages: Option<u32>,
    /// Session duration in seconds.
    #[serde(default)]
    pub session_duration: Option<f64>,
    /// Active time in seconds.
    #[serde(default)]
    pub active_time: Option<f64>,
    /// Skill name -> score 0..100.
    #[serde(default)]
    pub skill_scores: BTreeMap<String, f64>,
    /// Mean response time in seconds.
    #[serde(default)]
    pub response_time: Option<f64>,
    /// Flow score 0..100.
    #[serde(default)]
    pub conversation_flow: Option<f64>,
    /// Milestones reached, by identifier.
    #[serde(default)]
    pub milestones_reached: Vec<String>,
    /// When the last milestone was reached.
    #[serde(default)]
    pub last_milestone_time: Option<DateTime<Utc>>,
}

/// `POST /api/session/progress`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoreProgressRequest {
    /// Exercise session id.
    pub session_id: Uuid,
    /// The metrics; replaces earlier ones.
    pub progress_metrics: ProgressMetrics,
    /// Therapist user id: always the caller; a different id is refused (400).
    #[serde(default)]
    pub therapist_id: Option<Uuid>,
    /// Free-text evaluation feedback, appended to the session's feedback.
    #[serde(default)]
    pub evaluation_feedback: Option<String>,
}

/// `{"success":true,"sessionId":..}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredForSession {
    /// Always true.
    pub success: bool,
    /// Session id.
    pub session_id: Uuid,
}

/// `?sessionId=&includeFeedback=`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgressQuery {
    /// Session id (required).
    pub session_id: Option<Uuid>,
    /// Include evaluation feedback.
    #[serde(default)]
    pub include_feedback: Option<bool>,
    /// 1-based page number (default 1).
    #[serde(default)]
    pub page: Option<u32>,
    /// Items per page (default 20, at most 100).
    #[serde(default, rename = "per_page", alias = "perPage")]
    pub per_page: Option<u32>,
}

/// One piece of evaluation feedback.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackEntry {
    /// Who wrote it.
    pub therapist_id: Option<Uuid>,
    /// The feedback.
    pub feedback: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// `GET /api/session/progress`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgressResponse {
    /// Session id.
    pub session_id: Uuid,
    /// Latest metrics.
    pub progress_metrics: ProgressMetrics,
    /// Present with `includeFeedback=true`: one page (`page`, `per_page`), oldest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<Vec<FeedbackEntry>>,
    /// Where the feedback page sits, with `includeFeedback=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_pagination: Option<Pagination>,
}

/// A progress value at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// When.
    pub timestamp: DateTime<Utc>,
    /// Progress 0..100.
    pub value: f64,
}

/// `POST /api/session/snapshots`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoreSnapshotsRequest {
    /// Session id.
    pub session_id: Uuid,
    /// Snapshots to add.
    pub snapshots: Vec<Snapshot>,
}

/// `?sessionId=` on endpoints where it is required.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionIdQuery {
    /// Session id (required).
    pub session_id: Option<Uuid>,
    /// Time range filter: `7d`, `30d`, `90d` or `1y` (analytics only; accepted elsewhere).
    #[serde(default)]
    pub time_range: Option<String>,
    /// 1-based page number (default 1).
    #[serde(default)]
    pub page: Option<u32>,
    /// Items per page (default 20, at most 100).
    #[serde(default, rename = "per_page", alias = "perPage")]
    pub per_page: Option<u32>,
}

/// A milestone reached in a session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Milestone {
    /// Identifier.
    pub milestone_name: String,
    /// Progress value at the milestone.
    pub milestone_value: Option<f64>,
    /// When.
    pub achieved_at: DateTime<Utc>,
    /// Extra data.
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
}

/// `GET /api/session/snapshots`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotsResponse {
    /// Session id.
    pub session_id: Uuid,
    /// One page of snapshots in time order.
    pub snapshots: Vec<Snapshot>,
    /// Where the snapshots page sits.
    pub pagination: Pagination,
    /// The same page of milestones in time order.
    pub milestones: Vec<Milestone>,
    /// Where the milestones page sits.
    pub milestones_pagination: Pagination,
}

/// `POST /api/session/skills`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoreSkillsRequest {
    /// Session id.
    pub session_id: Uuid,
    /// Therapist user id: always the caller; a different id is refused (400).
    #[serde(default)]
    pub therapist_id: Option<Uuid>,
    /// Skill name -> score 0..100.
    pub skill_scores: BTreeMap<String, f64>,
}

/// `{"success":true,"sessionId","therapistId"}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredSkills {
    /// Always true.
    pub success: bool,
    /// Session id.
    pub session_id: Uuid,
    /// Therapist user id.
    pub therapist_id: Option<Uuid>,
}

/// `?sessionId=&therapistId=` (at least one).
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SkillsQuery {
    /// Session id.
    pub session_id: Option<Uuid>,
    /// Therapist user id.
    pub therapist_id: Option<Uuid>,
    /// 1-based page number (default 1).
    #[serde(default)]
    pub page: Option<u32>,
    /// Items per page (default 20, at most 100).
    #[serde(default, rename = "per_page", alias = "perPage")]
    pub per_page: Option<u32>,
}

/// A skill's development.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SkillEntry {
    /// Skill name.
    pub skill_name: String,
    /// Category (`therapeutic`).
    pub skill_category: String,
    /// Latest score.
    pub current_score: f64,
    /// Sessions in which it was scored.
    pub practice_sessions: i64,
    /// Latest scoring time.
    pub last_practiced: DateTime<Utc>,
    /// First scoring time.
    pub created_at: DateTime<Utc>,
}

/// `GET /api/session/skills`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SkillsResponse {
    /// The session filter, if given.
    pub session_id: Option<Uuid>,
    /// The therapist filter, if given.
    pub therapist_id: Option<Uuid>,
    /// One page of skills by name.
    pub skills: Vec<SkillEntry>,
    /// Where the page sits.
    pub pagination: Pagination,
}

/// Seed 000's chart data. The inner records are stored as given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnalyticsData {
    /// Per-session metrics rows.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub session_metrics: Vec<serde_json::Value>,
    /// Per-skill progress rows.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub skill_progress: Vec<serde_json::Value>,
    /// Summary tiles.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub summary_stats: Vec<serde_json::Value>,
    /// Progress over time.
    #[serde(default)]
    pub progress_snapshots: Vec<Snapshot>,
}

/// `POST /api/session/analytics`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoreAnalyticsRequest {
    /// Session id.
    pub session_id: Uuid,
    /// The data; replaces earlier data.
    pub analytics_data: AnalyticsData,
}

/// `GET /api/session/analytics`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsResponse {
    /// Session id.
    pub session_id: Uuid,
    /// The stored data (snapshots filtered by `timeRange`).
    pub analytics_data: AnalyticsData,
}

/// Improvements between two sessions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ComparisonMetrics {
    /// Change in progress.
    #[serde(default)]
    pub progress_improvement: Option<f64>,
    /// Change in skill scores.
    #[serde(default)]
    pub skill_score_improvement: Option<f64>,
    /// Change in response time.
    #[serde(default)]
    pub response_time_improvement: Option<f64>,
}

/// `POST /api/session/comparison`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoreComparisonRequest {
    /// Therapist user id: always the caller; a different id is refused (400).
    #[serde(default)]
    pub therapist_id: Option<Uuid>,
    /// The newer session.
    pub current_session_id: Uuid,
    /// The session compared against.
    #[serde(default)]
    pub previous_session_id: Option<Uuid>,
    /// Overall improvement score.
    #[serde(default)]
    pub improvement_score: Option<f64>,
    /// Detailed improvements.
    #[serde(default)]
    pub metrics: ComparisonMetrics,
}

/// `201` answer to `POST /api/session/comparison`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredComparison {
    /// Always true.
    pub success: bool,
    /// New comparison id.
    pub comparison_id: Uuid,
    /// Therapist user id.
    pub therapist_id: Uuid,
    /// The newer session.
    pub current_session_id: Uuid,
}

/// `?therapistId=&sessionId=&timeRange=` (therapistId or sessionId required).
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ComparisonQuery {
    /// Therapist user id.
    pub therapist_id: Option<Uuid>,
    /// Session id (current or previous).
    pub session_id: Option<Uuid>,
    /// `7d`, `30d`, `90d` or `1y`.
    pub time_range: Option<String>,
    /// 1-based page number (default 1).
    #[serde(default)]
    pub page: Option<u32>,
    /// Items per page (default 20, at most 100).
    #[serde(default, rename = "per_page", alias = "perPage")]
    pub per_page: Option<u32>,
}

/// A stored comparison.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    /// Comparison id.
    pub id: Uuid,
    /// Therapist user id.
    pub therapist_id: Option<Uuid>,
    /// The newer session.
    pub current_session_id: Uuid,
    /// The older session.
    pub previous_session_id: Option<Uuid>,
    /// Overall improvement score.
    pub improvement_score: Option<f64>,
    /// Detailed improvements.
    pub metrics: ComparisonMetrics,
    /// When stored.
    pub analyzed_at: DateTime<Utc>,
    /// Start of the newer session.
    pub current_session_started_at: Option<DateTime<Utc>>,
    /// Start of the older session.
    pub previous_session_started_at: Option<DateTime<Utc>>,
    /// `improving`, `declining` or `stable` (sign of the summed improvements).
    pub trend: String,
}

/// `GET /api/session/comparison`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComparisonsResponse {
    /// The therapist filter, if given.
    pub therapist_id: Option<Uuid>,
    /// The session filter, if given.
    pub session_id: Option<Uuid>,
    /// One page, newest first.
    pub comparisons: Vec<Comparison>,
    /// Where the page sits.
    pub pagination: Pagination,
}

/// `POST /api/evaluation`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoreEvaluationRequest {
    /// Session id.
    pub session_id: Uuid,
    /// The feedback.
    pub feedback: String,
    /// Evaluator user id: always the caller; a different id is refused (400).
    #[serde(default)]
    pub evaluator_id: Option<Uuid>,
    /// Rating 1..5.
    #[serde(default)]
    pub rating: Option<i32>,
    /// Comments.
    #[serde(default)]
    pub comments: Option<String>,
}

/// `201` answer to `POST /api/evaluation`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredEvaluation {
    /// Always true.
    pub success: bool,
    /// New evaluation id.
    pub evaluation_id: Uuid,
}

/// A stored evaluation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    /// Evaluation id.
    pub id: Uuid,
    /// The feedback.
    pub feedback: String,
    /// Evaluator user id.
    pub evaluator_id: Option<Uuid>,
    /// Rating 1..5.
    pub rating: Option<i32>,
    /// Comments.
    pub comments: Option<String>,
    /// When stored.
    pub created_at: DateTime<Utc>,
}

/// `GET /api/evaluation`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EvaluationsResponse {
    /// Session id.
    pub session_id: Uuid,
    /// One page, oldest first.
    pub evaluations: Vec<Evaluation>,
    /// Where the page sits.
    pub pagination: Pagination,
}
