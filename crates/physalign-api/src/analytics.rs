//! Seed 004's analytics (`/api/v1/analytics/*`, issue 19): a practice overview, a patient's
//! progress, session trends and common topics. Field names are seed 004's (snake_case). Mood and
//! topics come from the clinicians' signed notes, attendance and completion from appointments,
//! movement from the recorded sessions. Definitions in API.md.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::notes::{MoodTrajectory, SessionMood};

/// Most weeks a progress or topics query may look back (five years).
pub const MAX_WEEKS: u32 = 260;
/// Most topics one answer lists.
pub const MAX_TOPICS: u32 = 100;

physalign_domain::wire_enum! {
    /// How far back session trends look, ending today.
    #[derive(ToSchema)]
    pub enum TrendPeriod {
        /// The last 7 days.
        Week = "7d",
        /// The last 30 days.
        Month = "30d",
        /// The last 90 days.
        Quarter = "90d",
        /// The last 365 days.
        Year = "1y",
    }
}

impl TrendPeriod {
    /// Days in the period, today included.
    pub const fn days(self) -> u32 {
        match self {
            TrendPeriod::Week => 7,
            TrendPeriod::Month => 30,
            TrendPeriod::Quarter => 90,
            TrendPeriod::Year => 365,
        }
    }
}

physalign_domain::wire_enum! {
    /// The length of one data point of session trends.
    #[derive(ToSchema)]
    pub enum Granularity {
        /// A calendar day.
        Day = "day",
        /// Monday to Sunday.
        Week = "week",
        /// A calendar month.
        Month = "month",
    }
}

physalign_domain::wire_enum! {
    /// Whether a topic comes up more often in the later half of the period than in the earlier.
    #[derive(ToSchema)]
    pub enum TopicTrend {
        /// More often lately.
        Increasing = "increasing",
        /// About as often.
        Stable = "stable",
        /// Less often lately.
        Decreasing = "decreasing",
    }
}

/// Whose figures: an administrator may name a therapist (`physiotherapists.id`) or, without one,
/// see the whole practice; a physiotherapist always sees their own and may not name another.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OverviewQuery {
    /// Administrators: one therapist's figures.
    pub therapist_id: Option<Uuid>,
}

/// `GET /api/v1/analytics/overview`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AnalyticsOverview {
    /// Patients in the therapist's active care (the practice: every patient).
    pub total_patients: u32,
    /// Of those, the ones with a recorded session or a completed appointment in the last 30 days.
    pub active_patients: u32,
    /// Completed appointments dated this week (Monday to Sunday, the practice's calendar).
    pub sessions_this_week: u32,
    /// Completed appointments dated this calendar month.
    pub sessions_this_month: u32,
    /// Scheduled appointments still to start.
    pub upcoming_sessions: u32,
    /// Completed ÷ (completed + cancelled + no-show) over the appointments dated in the last 30
    /// days (0-1, 2 decimals); null without any.
    pub completion_rate: Option<f64>,
    /// Sessions the patients recorded themselves (at home) this week.
    pub home_sessions_this_week: u32,
    /// The practice's date the figures are for.
    pub as_of: NaiveDate,
}

/// `?weeks` of a patient's progress.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProgressQuery {
    /// Weeks to look back (default 12, 1 to 260).
    pub weeks: Option<u32>,
}

/// One signed session note in a patient's progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RecentSession {
    /// The session.
    pub session_id: Uuid,
    /// The session's date (the practice's calendar).
    pub date: NaiveDate,
    /// The session's mood, as signed.
    #[schema(value_type = Option<String>)]
    pub mood: Option<SessionMood>,
    /// Key topics, as signed.
    pub key_topics: Vec<String>,
    /// The note's topic summary, else the clinician's own notes.
    pub progress_notes: Option<String>,
}

/// Where the patient's mood is heading, from the signed notes' session moods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MoodTrend {
    /// The latest session's mood.
    #[schema(value_type = String)]
    pub current: SessionMood,
    /// Direction over the period.
    #[schema(value_type = String)]
    pub trajectory: MoodTrajectory,
    /// Mean mood score (1-5) of the later half of the sessions against the earlier half, in
    /// percent; null with a single session.
    pub change_percent: Option<i32>,
}

/// How often a topic came up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TopicCount {
    /// The topic, lower-cased.
    pub topic: String,
    /// Sessions whose note lists it.
    pub frequency: u32,
}

/// The range of motion of the patient's recorded sessions over the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RangeOfMotionTrend {
    /// The angle measured (the latest session's primary angle).
    pub angle: String,
    /// Sessions measuring it.
    pub sessions: u32,
    /// Its range in the earliest of them, in degrees.
    pub first_degrees: f64,
    /// Its range in the latest, in degrees.
    pub latest_degrees: f64,
    /// Latest minus first.
    pub change_degrees: f64,
}

/// A week of a patient's progress as the weekly snapshot recorded it after the week ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WeeklySnapshot {
    /// The Monday.
    pub week_start: NaiveDate,
    /// Sessions that took place.
    pub sessions_count: u32,
    /// Mean mood score of the week's signed notes (1 very low .. 5 very positive).
    pub avg_mood_score: Option<f64>,
    /// Direction of the mood within the week.
    #[schema(value_type = Option<String>)]
    pub mood_trajectory: Option<MoodTrajectory>,
    /// The week's most frequent topics.
    pub common_topics: Vec<TopicCount>,
    /// Completed ÷ (completed + no-show) appointments of the week.
    pub attendance_rate: Option<f64>,
}

/// `GET /api/v1/analytics/patients/{patient_id}/progress`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PatientProgress {
    /// `patients.id`.
    pub patient_id: Uuid,
    /// Full name.
    pub patient_name: String,
    /// Weeks looked back.
    pub weeks: u32,
    /// Sessions that took place in the period.
    pub total_sessions: u32,
    /// The period's signed session notes, newest first, at most 10.
    pub recent_sessions: Vec<RecentSession>,
    /// Null without a signed mood.
    pub mood_trend: Option<MoodTrend>,
    /// The period's topics, most frequent first, at most 10.
    pub common_topics: Vec<TopicCount>,
    /// Completed ÷ (completed + no-show) appointments dated in the period (2 decimals).
    pub attendance_rate: Option<f64>,
    /// Null without a measured session.
    pub range_of_motion: Option<RangeOfMotionTrend>,
    /// Weekly snapshots recorded in the period, oldest first.
    pub weekly_snapshots: Vec<WeeklySnapshot>,
}

/// `?period&granularity` of session trends.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TrendsQuery {
    /// Default `30d`.
    #[param(value_type = Option<String>)]
    pub period: Option<TrendPeriod>,
    /// Default `day`.
    #[param(value_type = Option<String>)]
    pub granularity: Option<Granularity>,
    /// Administrators: one therapist's figures.
    pub therapist_id: Option<Uuid>,
}

/// One day, week or month of session trends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrendPoint {
    /// Its first day inside the period.
    pub date: NaiveDate,
    /// Completed appointments.
    pub sessions_completed: u32,
    /// Cancelled appointments.
    pub sessions_cancelled: u32,
    /// No-shows.
    pub no_shows: u32,
    /// Mean minutes of the completed ones (1 decimal).
    pub avg_session_duration_min: Option<f64>,
    /// Completed ÷ (completed + cancelled + no-show) (2 decimals).
    pub completion_rate: Option<f64>,
}

/// The whole period of session trends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrendSummary {
    /// Completed appointments.
    pub total_sessions: u32,
    /// Completed per day of the period (2 decimals).
    pub avg_per_day: f64,
    /// The day with the most completed (the earliest of equals); null without any.
    pub peak_day: Option<NaiveDate>,
    /// As in a data point, over the period.
    pub completion_rate: Option<f64>,
}

/// `GET /api/v1/analytics/session-trends`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SessionTrends {
    /// The period.
    #[schema(value_type = String)]
    pub period: TrendPeriod,
    /// The data points' length.
    #[schema(value_type = String)]
    pub granularity: Granularity,
    /// Every day, week or month of the period, oldest first (empty ones included).
    pub data_points: Vec<TrendPoint>,
    /// The whole period.
    pub summary: TrendSummary,
}

/// `?limit&weeks` of common topics.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TopicsQuery {
    /// Most topics (default 20, 1 to 100).
    pub limit: Option<u32>,
    /// Weeks to look back (default 12, 1 to 260).
    pub weeks: Option<u32>,
    /// Administrators: one therapist's patients.
    pub therapist_id: Option<Uuid>,
}

/// A topic across patients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TopicStat {
    /// The topic, lower-cased.
    pub topic: String,
    /// Sessions whose note lists it.
    pub frequency: u32,
    /// Patients with such a session.
    pub patients_affected: u32,
    /// The later half of the period against the earlier half.
    #[schema(value_type = String)]
    pub trend: TopicTrend,
}

/// `GET /api/v1/analytics/common-topics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CommonTopics {
    /// Weeks looked back.
    pub time_period_weeks: u32,
    /// Most frequent first (topics of equal frequency alphabetically).
    pub topics: Vec<TopicStat>,
}
