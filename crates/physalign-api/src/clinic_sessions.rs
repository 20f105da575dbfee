//! In-clinic sessions (issue 18, seed 001): starting a session from an appointment or a
//! template, progress recorded during it, and a therapist's session statistics. Field names
//! are seed 001's (camelCase).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::sessions::Session;

/// `PUT /api/sessions/{sessionId}/progress` (seed 001 §1): replaces the progress written so
/// far (the device sends the whole state each time).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgressUpdate {
    /// Running notes (at most 20000 characters).
    #[serde(default)]
    pub progress_notes: Option<String>,
    /// Goals talked about.
    #[serde(default)]
    pub goals_discussed: Option<String>,
    /// The client's mood now, 0..=10; the latest one is the session's end mood.
    #[serde(default)]
    pub client_mood_current: Option<f64>,
    /// Techniques used.
    #[serde(default)]
    pub techniques_used: Vec<String>,
    /// Interventions applied.
    #[serde(default)]
    pub interventions_applied: Vec<String>,
    /// Homework given (seed 001's `GET /api/sessions` enhancement).
    #[serde(default)]
    pub homework_assigned: Option<String>,
}

/// The clinic side of a session: how it was started and the progress recorded during it.
/// Present on sessions in `GET /api/sessions` once started in clinic or given progress.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClinicProgress {
    /// The appointment it was started from.
    pub appointment_id: Option<Uuid>,
    /// The template it was started from.
    pub template_id: Option<Uuid>,
    /// Mood at the start, 0..=10.
    pub mood_start: Option<f64>,
    /// Latest mood recorded, 0..=10.
    pub mood_end: Option<f64>,
    /// Goals set at the start.
    pub session_goals: Vec<String>,
    /// What the client brought up at the start.
    pub client_concerns: Option<String>,
    /// Running notes.
    pub progress_notes: Option<String>,
    /// Goals talked about.
    pub goals_discussed: Option<String>,
    /// Techniques used.
    pub techniques_used: Vec<String>,
    /// Interventions applied.
    pub interventions_applied: Vec<String>,
    /// Homework given.
    pub homework_assigned: Option<String>,
}

/// `POST /api/sessions/start`: a clinic session from an appointment or a template.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartSessionRequest {
    /// Client-generated session id (offline devices); the same id again answers the session
    /// already started.
    #[serde(default, alias = "session_id")]
    pub session_id: Option<Uuid>,
    /// The appointment being held (its client must match `clientId` when both are given).
    #[serde(default)]
    pub appointment_id: Option<Uuid>,
    /// `patients.id`; may be left out when `appointmentId` is given.
    #[serde(default)]
    pub client_id: Option<Uuid>,
    /// Mood at the start, 0..=10.
    #[serde(default)]
    pub initial_mood: Option<f64>,
    /// Goals for the session; absent = the template's default goals.
    #[serde(default)]
    pub session_goals: Option<Vec<String>>,
    /// What the client brings up.
    #[serde(default)]
    pub client_concerns: Option<String>,
    /// A session template of the caller.
    #[serde(default)]
    pub template_id: Option<Uuid>,
}

/// The answer to `POST /api/sessions/start` and `PUT /api/sessions/{id}/progress`: the session
/// (its `progress` filled) with its id as `session_id`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClinicSession {
    /// The session id.
    pub session_id: Uuid,
    /// The session.
    pub session: Session,
}

/// `?startDate&endDate` of the statistics (calendar dates, inclusive).
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatsQuery {
    /// First day (inclusive); default 30 days before `endDate`.
    pub start_date: Option<NaiveDate>,
    /// Last day (inclusive); default today (UTC).
    pub end_date: Option<NaiveDate>,
}

/// `GET /api/therapists/{therapistId}/session-stats` (seed 001 §6), over the appointments
/// whose clinic calendar date lies in the period. Definitions in API.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionStats {
    /// `physiotherapists.id`.
    pub therapist_id: Uuid,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// Appointments in the period, any status.
    pub total_sessions: u32,
    /// Completed.
    pub completed_sessions: u32,
    /// Cancelled.
    pub cancelled_sessions: u32,
    /// No-shows.
    pub no_shows: u32,
    /// Mean minutes of the completed ones (the session's recorded duration when one was started
    /// from the appointment and has it, else the booked duration); null without any.
    pub average_session_duration: Option<f64>,
    /// Clients with a completed appointment in both halves of the period ÷ clients with one in
    /// the first half (0..1); null when the first half has none.
    pub client_retention_rate: Option<f64>,
}
