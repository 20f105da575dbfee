//! The access log: who read or changed which patient data, from where.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use sqlx::PgPool;
use uuid::Uuid;

use crate::state::AppState;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::ClientInfo;

physalign_domain::wire_enum! {
    /// What was done (the `access_logs.action` column).
    pub enum Action {
        /// Read one record or a list.
        Read = "read",
        /// Created.
        Create = "create",
        /// Changed.
        Update = "update",
        /// Deleted.
        Delete = "delete",
        /// Exported (a copy left the server).
        Export = "export",
        /// Signed in (`resource_id`: the session).
        Login = "login",
        /// A sign-in refused (wrong password, locked, disabled); `user_id` is the account
        /// named when it exists.
        LoginFailed = "login_failed",
        /// Signed out (`resource_id`: the session).
        Logout = "logout",
        /// A used refresh token presented again: the session was revoked.
        RefreshReuse = "refresh_reuse",
        /// The user changed their password; their other sessions ended.
        PasswordChange = "password_change",
        /// An administrator deactivated the account (`resource_id`).
        Deactivate = "deactivate",
        /// An administrator reactivated the account (`resource_id`).
        Activate = "activate",
        /// The request was refused (401, 403 or 404 in `status_code`).
        Denied = "denied",
    }
}

physalign_domain::wire_enum! {
    /// What was accessed (the `access_logs.resource_type` column, read by auditors: the texts
    /// never change).
    pub enum AuditResource {
        /// A user account (registration).
        User = "user",
        /// A patient's profile.
        PatientProfile = "patient_profile",
        /// A physiotherapist's list of patients.
        PatientList = "patient_list",
        /// A patient assigned to a physiotherapist.
        PatientAssignment = "patient_assignment",
        /// A patient's analytics across sessions.
        PatientAnalytics = "patient_analytics",
        /// One exercise session.
        ExerciseSession = "exercise_session",
        /// A list of sessions.
        SessionList = "session_list",
        /// A physiotherapist's review of a session.
        SessionReview = "session_review",
        /// A session's pose frames.
        PoseData = "pose_data",
        /// A session's progress metrics.
        SessionProgress = "session_progress",
        /// A session's analytics.
        SessionAnalytics = "session_analytics",
        /// Two sessions compared.
        SessionComparison = "session_comparison",
        /// A patient's progress snapshots.
        ProgressSnapshots = "progress_snapshots",
        /// A patient's skill scores.
        SkillScores = "skill_scores",
        /// A session's evaluation feedback.
        Evaluation = "evaluation",
        /// A resumable upload.
        Upload = "upload",
        /// A signed upload URL.
        UploadUrl = "upload_url",
        /// A program item (issue 15).
        ProgramItem = "program_item",
        /// A camera goniometer reading in a patient's chart (issue 16).
        GoniometerReading = "goniometer_reading",
        /// A completed outcome questionnaire, or a list of them (issue 19).
        OutcomeResponse = "outcome_response",
        /// A patient's outcome plan, or a list of plans (issue 19).
        OutcomePlan = "outcome_plan",
        /// A clinical note signed on a clinician's device, or its amendment (issue 19).
        SignedNote = "signed_note",
        /// A session's transcript.
        SessionTranscript = "session_transcript",
        /// A session's clinical notes.
        SessionNotes = "session_notes",
        /// A clinician alert.
        ClinicalAlert = "clinical_alert",
        /// An appointment or a list of them (issue 18).
        Appointment = "appointment",
        /// A notification record for a client.
        ClientNotification = "client_notification",
        /// A client's medical history or its change log.
        MedicalHistory = "medical_history",
        /// A client's therapy goals.
        TherapyGoal = "therapy_goal",
        /// A client's emergency contact.
        EmergencyContact = "emergency_contact",
        /// A sign-in session (issue 17).
        AuthSession = "auth_session",
        /// The server's clean-up, run or previewed by an administrator (issue 19).
        Cleanup = "cleanup",
        /// An export job or its file (issue 19): requested, listed, downloaded, deleted.
        Export = "export",
        /// A refused API request (`request_path` says which).
        ApiRequest = "api_request",
        /// The access log itself, read by an administrator.
        AccessLog = "access_log",
    }
}

/// Records one access in `access_logs`. Failing to log fails the request: patient data is
/// never served without its audit record.
pub async fn record(
    pool: &PgPool,
    user: Option<&AuthUser>,
    resource_type: AuditResource,
    resource_id: Option<Uuid>,
    action: Action,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    write(
        pool,
        &Entry {
            user_id: user.map(|u| u.user_id),
            resource_type,
            resource_id,
            action,
            // A patient's own list or record without an id is still theirs.
            patient_id: user
                .filter(|u| u.role == physalign_api::auth::Role::Patient)
                .and_then(|u| u.profile_id),
            status_code: None,
            request_path: None,
        },
        client,
    )
    .await?;
    Ok(())
}

/// One row of the access log.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Who acted (none when anonymous).
    pub user_id: Option<Uuid>,
    /// What kind of thing.
    pub resource_type: AuditResource,
    /// Which one.
    pub resource_id: Option<Uuid>,
    /// What was done.
    pub action: Action,
    /// Whose data, when the resource does not say (a patient id found from `resource_id`
    /// comes first).
    pub patient_id: Option<Uuid>,
    /// The answer's status, for refusals.
    pub status_code: Option<u16>,
    /// The request path, for refusals (cut to 300 characters).
    pub request_path: Option<&'a str>,
}

/// The patient a resource id belongs to: the id is a patient, a session, a record of a patient
/// or of a session, a patient's user account, or a resource logged with its patient before
/// (a deleted session). Ids are random UUIDs, so at most one of these matches.
const PATIENT_OF_RESOURCE: &str = "CASE WHEN $3::uuid IS NULL THEN NULL ELSE COALESCE(
    (SELECT id FROM patients WHERE id = $3),
    (SELECT patient_id FROM exercise_sessions WHERE id = $3),
    (SELECT patient_id FROM program_items WHERE id = $3),
    (SELECT patient_id FROM appointments WHERE id = $3),
    (SELECT patient_id FROM appointments WHERE series_id = $3 LIMIT 1),
    (SELECT patient_id FROM clinical_alerts WHERE id = $3),
    (SELECT patient_id FROM therapy_goals WHERE id = $3),
    (SELECT patient_id FROM goniometer_readings WHERE id = $3),
    (SELECT patient_id FROM outcome_responses WHERE id = $3),
    (SELECT patient_id FROM signed_notes WHERE id = $3),
    (SELECT s.patient_id FROM session_reviews r JOIN exercise_sessions s ON s.id = r.session_id WHERE r.id = $3),
    (SELECT s.patient_id FROM evaluations e JOIN exercise_sessions s ON s.id = e.session_id WHERE e.id = $3),
    (SELECT s.patient_id FROM session_comparisons c JOIN exercise_sessions s ON s.id = c.current_session_id WHERE c.id = $3),
    (SELECT s.patient_id FROM resumable_uploads u JOIN exercise_sessions s ON s.id = u.session_id WHERE u.id = $3),
    (SELECT id FROM patients WHERE user_id = $3),
    (SELECT patient_id FROM access_logs WHERE resource_id = $3 AND patient_id IS NOT NULL
     ORDER BY timestamp DESC LIMIT 1)) END";

/// Writes one row of the access log (see [`record`] for the usual case).
pub async fn write(
    pool: &PgPool,
    entry: &Entry<'_>,
    client: &ClientInfo,
) -> Result<(), sqlx::Error> {
    let path = entry
        .request_path
        .map(|p| p.chars().take(300).collect::<String>());
    sqlx::query(&format!(
        "INSERT INTO access_logs (user_id, resource_type, resource_id, action, ip_address, user_agent,
                                  patient_id, status_code, request_path)
         VALUES ($1, $2, $3, $4, $5::inet, $6, COALESCE({PATIENT_OF_RESOURCE}, $7), $8, $9)"
    ))
    .bind(entry.user_id)
    .bind(entry.resource_type.as_str())
    .bind(entry.resource_id)
    .bind(entry.action.as_str())
    .bind(client.ip.map(|ip| ip.to_string()))
    .bind(client.user_agent.as_deref())
    .bind(entry.patient_id)
    .bind(entry.status_code.and_then(|c| i16::try_from(c).ok()))
    .bind(path)
    .execute(pool)
    .await?;
    Ok(())
}

/// Middleware: every API request answered 401, 403 or 404 is logged as `denied` with the
/// caller (when signed in), address, status, path, and the first id in the path or query with
/// its patient, so an auditor sees who tried to reach whose data. `/api/auth/*` logs its own
/// events (failed sign-ins, refresh reuse). A failure to log is reported, not answered: the
/// request was refused anyway.
pub async fn record_denials(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with("/api/auth/") {
        return next.run(request).await;
    }
    let resource_id = first_uuid(&path).or_else(|| request.uri().query().and_then(first_uuid));
    let user_id = request.extensions().get::<AuthUser>().map(|u| u.user_id);
    let client = ClientInfo {
        ip: crate::extract::client_ip(request.extensions()),
        user_agent: request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(500).collect()),
    };
    let response = next.run(request).await;
    let status = response.status();
    if matches!(
        status,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ) {
        let entry = Entry {
            user_id,
            resource_type: AuditResource::ApiRequest,
            resource_id,
            action: Action::Denied,
            patient_id: None,
            status_code: Some(status.as_u16()),
            request_path: Some(&path),
        };
        if let Err(e) = write(&state.pool, &entry, &client).await {
            tracing::error!(error = %e, %path, "could not record a denied request in the access log");
        }
    }
    response
}

/// The first UUID among the `/`, `&` and `=` separated parts of `text`.
fn first_uuid(text: &str) -> Option<Uuid> {
    text.split(['/', '&', '='])
        .find_map(|part| Uuid::parse_str(part).ok())
}

#[cfg(test)]
mod tests {
    use super::{first_uuid, Action, AuditResource};

    #[test]
    fn every_resource_and_action_round_trips_through_its_column_text() {
        for &resource in AuditResource::ALL {
            assert_eq!(resource.as_str().parse::<AuditResource>(), Ok(resource));
            assert_eq!(
                serde_json::to_value(resource).expect("serialise"),
                serde_json::Value::from(resource.as_str())
            );
            // access_logs.resource_type is VARCHAR(50).
            assert!(resource.as_str().len() <= 50);
        }
        for &action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(action));
            // access_logs.action is VARCHAR(20).
            assert!(action.as_str().len() <= 20);
        }
        let id = "6f1c2a4e-0b7d-4c1e-9a53-0f4e2b7c9d10";
        assert_eq!(
            first_uuid(&format!("/api/sessions/{id}/data")).map(|u| u.to_string()),
            Some(id.to_string())
        );
        assert_eq!(
            first_uuid(&format!("status=open&patient_id={id}")).map(|u| u.to_string()),
            Some(id.to_string())
        );
        assert_eq!(first_uuid("/api/sessions"), None);
        assert_eq!(AuditResource::ExerciseSession.as_str(), "exercise_session");
        assert_eq!(AuditResource::PoseData.as_str(), "pose_data");
        assert_eq!(AuditResource::Upload.as_str(), "upload");
    }
}
