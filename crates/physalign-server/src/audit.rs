//! The access log: who read or changed which patient data, from where.

use sqlx::PgPool;
use uuid::Uuid;

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
    sqlx::query(
        "INSERT INTO access_logs (user_id, resource_type, resource_id, action, ip_address, user_agent)
         VALUES ($1, $2, $3, $4, $5::inet, $6)",
    )
    .bind(user.map(|u| u.user_id))
    .bind(resource_type.as_str())
    .bind(resource_id)
    .bind(action.as_str())
    .bind(client.ip.map(|ip| ip.to_string()))
    .bind(client.user_agent.as_deref())
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Action, AuditResource};

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
        }
        assert_eq!(AuditResource::ExerciseSession.as_str(), "exercise_session");
        assert_eq!(AuditResource::PoseData.as_str(), "pose_data");
        assert_eq!(AuditResource::Upload.as_str(), "upload");
    }
}
