//! Appointments (issue 18, seed 001): a clinic's calendar, with recurring series, preparation
//! notes and the no-show policy.
//!
//! Field names are seed 001's (camelCase). A "client" is a patient (`clientId` =
//! `patients.id`), a "therapist" a physiotherapist (`therapistId` = `physiotherapists.id`).
//! Times are the clinic's wall-clock times: `startTime` is sent in ISO 8601 with or without an
//! offset and is read in `timeZone` (an IANA name); every answer carries `startTime` with the
//! offset it has in `timeZone` on that day.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::pagination::Pagination;

physalign_domain::wire_enum! {
    /// Where an appointment is in its life.
    #[derive(ToSchema)]
    pub enum AppointmentStatus {
        /// Booked, still to happen.
        Scheduled = "scheduled",
        /// Took place.
        Completed = "completed",
        /// Called off (kept, never deleted).
        Cancelled = "cancelled",
        /// The client did not come (see `POST /api/appointments/{id}/no-show-policy`).
        NoShow = "no-show",
    }
}

physalign_domain::wire_enum! {
    /// The kind of clinic session booked (also a session template's `type`).
    #[derive(ToSchema)]
    pub enum SessionType {
        /// First assessment of a new client.
        InitialAssessment = "initial_assessment",
        /// A regular follow-up.
        FollowUp = "follow_up",
        /// A treatment session.
        Treatment = "treatment",
        /// A reassessment of progress.
        Reassessment = "reassessment",
        /// A remote session.
        Telehealth = "telehealth",
    }
}

physalign_domain::wire_enum! {
    /// How often a recurring series repeats.
    #[derive(ToSchema)]
    pub enum RecurrenceFrequency {
        /// Every 7 days.
        Weekly = "weekly",
        /// Every 14 days.
        Biweekly = "biweekly",
        /// The same day of every month (the last day in shorter months).
        Monthly = "monthly",
    }
}

/// `POST /api/appointments` (clinicians for their own patients; admins naming `therapistId`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateAppointmentRequest {
    /// Client-generated id (offline devices); an existing id answers `409 APPOINTMENT_EXISTS`.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// `patients.id`.
    pub client_id: Uuid,
    /// Wall-clock start in ISO 8601, e.g. `2026-03-20T10:00:00` or `2026-03-20T10:00:00+01:00`.
    pub start_time: String,
    /// IANA time zone, e.g. `Europe/Berlin`; absent = the practice's.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Length in minutes, 5..=480.
    pub duration_minutes: u32,
    /// Kind of session.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: SessionType,
    /// Free-text notes (at most 4000 characters).
    #[serde(default)]
    pub notes: Option<String>,
    /// `physiotherapists.id`: required from admins; a clinician may only name themselves.
    #[serde(default)]
    pub therapist_id: Option<Uuid>,
}

/// `PUT /api/appointments/{id}`: only the fields present change (a move is a new `startTime`,
/// optionally with `timeZone`). Honours `If-Match: "version"`. Changing one occurrence of a
/// series changes only that occurrence.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateAppointmentRequest {
    /// New wall-clock start (ISO 8601, offset optional).
    #[serde(default)]
    pub start_time: Option<String>,
    /// New IANA time zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// New length in minutes.
    #[serde(default)]
    pub duration_minutes: Option<u32>,
    /// New kind.
    #[serde(default, rename = "type")]
    #[schema(value_type = Option<String>)]
    pub kind: Option<SessionType>,
    /// New notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// `scheduled` or `completed` (cancel with `POST .../cancel`, no-show with
    /// `POST .../no-show-policy`).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub status: Option<AppointmentStatus>,
}

/// `POST /api/appointments/{id}/cancel`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CancelAppointmentRequest {
    /// Why (at most 1000 characters).
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /api/appointments/{id}/recurring` (seed 001 §4).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecurringRequest {
    /// How often.
    #[schema(value_type = String)]
    pub pattern: RecurrenceFrequency,
    /// Last day an occurrence may fall on (inclusive, clinic calendar date).
    pub end_date: NaiveDate,
    /// Clinic calendar dates to skip.
    #[serde(default)]
    pub exceptions: Vec<NaiveDate>,
}

/// The answer to `POST /api/appointments/{id}/recurring`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecurringSeries {
    /// The series id: the id of the appointment the series was set up from.
    pub series_id: Uuid,
    /// How often.
    #[schema(value_type = String)]
    pub pattern: RecurrenceFrequency,
    /// Last day.
    pub end_date: NaiveDate,
    /// Skipped dates.
    pub exceptions: Vec<NaiveDate>,
    /// How many occurrences this request added (0 when the same pattern is posted again).
    pub created: u32,
    /// Every appointment of the series, first one included, in time order.
    pub occurrences: Vec<Appointment>,
}

/// `POST /api/appointments/{id}/no-show-policy` (seed 001 §5).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NoShowRequest {
    /// Why the client did not come (at most 1000 characters).
    #[serde(default)]
    pub reason: Option<String>,
    /// Charge the practice's no-show fee.
    #[serde(default)]
    pub apply_fee: bool,
    /// The fee, positive, in the practice's currency; required when `applyFee`.
    #[serde(default)]
    pub fee_amount: Option<f64>,
    /// Queue a notification for the client.
    #[serde(default)]
    pub notify_client: bool,
}

/// The no-show recorded on an appointment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoShowRecord {
    /// Why.
    pub reason: Option<String>,
    /// The fee charged, if any.
    pub fee_amount: Option<f64>,
    /// ISO 4217 currency of the fee (the practice's), when a fee was charged.
    pub fee_currency: Option<String>,
    /// Whether a notification was queued for the client.
    pub client_notified: bool,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// `PUT /api/appointments/{id}/preparation` (seed 001 §10); also the `preparation` of an
/// appointment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Preparation {
    /// Notes for the session (at most 8000 characters).
    #[serde(default)]
    pub preparation_notes: Option<String>,
    /// Look at the previous session first.
    #[serde(default)]
    pub review_previous_session: bool,
    /// What to focus on.
    #[serde(default)]
    pub focus_areas: Vec<String>,
}

/// A client's emergency contact (seed 001 §8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmergencyContact {
    /// Full name.
    pub name: String,
    /// Relationship to the client, e.g. `spouse`.
    #[serde(default)]
    pub relationship: Option<String>,
    /// Phone number: 7 to 15 digits, an optional leading `+`, spaces, dashes, dots and
    /// parentheses allowed.
    pub phone: String,
    /// Another phone number, same rules.
    #[serde(default)]
    pub alternate_phone: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
}

/// The client details seed 001 lists for `GET /api/appointments`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppointmentClient {
    /// `patients.id`.
    pub id: Uuid,
    /// Full name.
    pub name: String,
    /// E-mail (the account's, or the registered one before the invitation is claimed).
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Profile photo URL (no photos are stored yet: always null).
    pub profile_photo_url: Option<String>,
    /// Date of the client's latest session that took place.
    pub last_session_date: Option<NaiveDate>,
    /// Sessions of the client that took place (started or ended).
    pub total_sessions: u32,
    /// Emergency contact, if recorded.
    pub emergency_contact: Option<EmergencyContact>,
}

/// A stored appointment. `version` is also the `ETag` of `GET /api/appointments/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    /// Appointment id.
    pub id: Uuid,
    /// `patients.id`.
    pub client_id: Uuid,
    /// `physiotherapists.id`.
    pub therapist_id: Uuid,
    /// Start with the offset of `timeZone` on that day, e.g. `2026-03-20T10:00:00+01:00`.
    pub start_time: String,
    /// End (start + duration), same form.
    pub end_time: String,
    /// IANA time zone the wall-clock time is kept in.
    pub time_zone: String,
    /// Length in minutes.
    pub duration_minutes: u32,
    /// Kind of session.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: SessionType,
    /// Notes.
    pub notes: Option<String>,
    /// Status.
    #[schema(value_type = String)]
    pub status: AppointmentStatus,
    /// The series this appointment belongs to (the id of the appointment it was set up
    /// from), if recurring.
    pub series_id: Option<Uuid>,
    /// Preparation notes, once written.
    pub preparation: Option<Preparation>,
    /// The no-show, when status is `no-show`.
    pub no_show: Option<NoShowRecord>,
    /// When it was cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// The exercise session started from this appointment, if any.
    pub session_id: Option<Uuid>,
    /// The client, with seed 001's details.
    pub client: AppointmentClient,
    /// Increases on every change.
    pub version: i32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A page of appointments.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AppointmentList {
    /// Appointments on this page, by start time.
    pub data: Vec<Appointment>,
    /// Position of this page.
    pub pagination: Pagination,
}

/// Filters of `GET /api/appointments`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppointmentListQuery {
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page (default 20, at most 100); `perPage` is accepted too.
    #[serde(rename = "per_page", alias = "perPage")]
    pub per_page: Option<u32>,
    /// Only appointments starting at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only appointments starting before this instant (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Only this client's.
    pub client_id: Option<Uuid>,
    /// Only this therapist's.
    pub therapist_id: Option<Uuid>,
    /// Only in this status.
    #[param(value_type = Option<String>)]
    pub status: Option<AppointmentStatus>,
}

/// The practice's settings: the default time zone of appointments and the currency of fees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PracticeSettings {
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// ISO 4217 code, three upper-case letters, e.g. `EUR`.
    pub currency: String,
    /// The practice's standard no-show fee, if it has one (used when `applyFee` gives no
    /// `feeAmount`).
    #[serde(default)]
    pub no_show_fee: Option<f64>,
}

physalign_domain::wire_enum! {
    /// What a client notification is about.
    #[derive(ToSchema)]
    pub enum NotificationKind {
        /// A missed appointment (and its fee).
        NoShow = "no_show",
    }
}

physalign_domain::wire_enum! {
    /// Where a client notification is (delivery is out of scope: it stays queued until a
    /// device shows it).
    #[derive(ToSchema)]
    pub enum NotificationStatus {
        /// Stored, not yet delivered.
        Queued = "queued",
    }
}

/// A notification record for a client.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientNotification {
    /// Notification id.
    pub id: Uuid,
    /// `patients.id`.
    pub client_id: Uuid,
    /// What it is about.
    #[schema(value_type = String)]
    pub kind: NotificationKind,
    /// The appointment concerned.
    pub appointment_id: Option<Uuid>,
    /// The text shown to the client.
    pub message: String,
    /// Where it is.
    #[schema(value_type = String)]
    pub status: NotificationStatus,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

/// A page of notifications.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClientNotificationList {
    /// Newest first.
    pub data: Vec<ClientNotification>,
    /// Position of this page.
    pub pagination: Pagination,
}

/// Filters of `GET /api/notifications`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotificationListQuery {
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page (default 20, at most 100); `perPage` is accepted too.
    #[serde(rename = "per_page", alias = "perPage")]
    pub per_page: Option<u32>,
    /// Only this client's.
    pub client_id: Option<Uuid>,
}
