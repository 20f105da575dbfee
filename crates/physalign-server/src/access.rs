//! Who may see what: patients their own data, physiotherapists their assigned patients' data,
//! admins everything. Records the caller may not see are reported as not found, so that their
//! existence does not leak.

use physalign_api::auth::Role;
use physalign_api::ErrorCode;
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;

/// Whether `user` may see the patient with `patients.id = patient_id`.
pub async fn can_see_patient(
    pool: &PgPool,
    user: &AuthUser,
    patient_id: Uuid,
) -> Result<bool, ApiError> {
    match user.role {
        Role::Admin => Ok(true),
        Role::Patient => Ok(user.profile_id == Some(patient_id)),
        Role::Physiotherapist => {
            let Some(physio_id) = user.profile_id else {
                return Ok(false);
            };
            let assigned: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM patient_physio_assignments
                 WHERE patient_id = $1 AND physiotherapist_id = $2 AND status = 'active')",
            )
            .bind(patient_id)
            .bind(physio_id)
            .fetch_one(pool)
            .await?;
            Ok(assigned)
        }
    }
}

/// The patient a session belongs to, if `user` may see the session; otherwise 404.
pub async fn visible_session(
    pool: &PgPool,
    user: &AuthUser,
    session_id: Uuid,
) -> Result<Uuid, ApiError> {
    let patient_id: Option<Uuid> =
        sqlx::query_scalar("SELECT patient_id FROM exercise_sessions WHERE id = $1")
            .bind(session_id)
            .fetch_optional(pool)
            .await?;
    match patient_id {
        Some(pid) if can_see_patient(pool, user, pid).await? => Ok(pid),
        _ => Err(ApiError::not_found(ErrorCode::SessionNotFound, "session")),
    }
}

/// Whether `user` recorded the session, and so may write its measured data (frames, the
/// device's summary, the recorded times, files): the session's patient, or the clinician who
/// recorded it on their device in clinic (`exercise_sessions.physiotherapist_id`, set only when
/// a clinician creates or starts the session). Nobody else, administrators included (issue 17).
pub async fn is_recorder(
    pool: &PgPool,
    user: &AuthUser,
    session_id: Uuid,
) -> Result<bool, ApiError> {
    match user.role {
        // A patient who can see a session is its patient.
        Role::Patient => Ok(true),
        Role::Admin => Ok(false),
        Role::Physiotherapist => {
            let recorder: Option<Uuid> = sqlx::query_scalar(
                "SELECT physiotherapist_id FROM exercise_sessions WHERE id = $1",
            )
            .bind(session_id)
            .fetch_optional(pool)
            .await?
            .flatten();
            Ok(recorder.is_some() && recorder == user.profile_id)
        }
    }
}

/// Like [`visible_session`], for writing a session's measured data: only its recorder
/// ([`is_recorder`]); anyone else who can see the session gets 403.
pub async fn recorded_session(
    pool: &PgPool,
    user: &AuthUser,
    session_id: Uuid,
) -> Result<Uuid, ApiError> {
    let patient_id = visible_session(pool, user, session_id).await?;
    if !is_recorder(pool, user, session_id).await? {
        return Err(ApiError::forbidden(
            "a session's measured data is written only by its patient's devices or by the \
             clinician who recorded it",
        ));
    }
    Ok(patient_id)
}

/// Like [`visible_session`], but only physiotherapists (assigned) and admins pass: the
/// clinician-side writes of seed 000. Patients get 403 on sessions they can see.
pub async fn clinician_session(
    pool: &PgPool,
    user: &AuthUser,
    session_id: Uuid,
) -> Result<Uuid, ApiError> {
    let patient_id = visible_session(pool, user, session_id).await?;
    user.require(&[Role::Physiotherapist, Role::Admin])?;
    Ok(patient_id)
}

/// SQL condition restricting `<alias>.patient_id` to patients `user` may see, with the
/// profile id bound as parameter `$n`. Admins see all.
pub fn patient_filter_sql(user: &AuthUser, alias: &str, n: usize) -> String {
    match user.role {
        Role::Admin => "TRUE".to_string(),
        Role::Patient => format!("{alias}.patient_id = ${n}"),
        Role::Physiotherapist => format!(
            "{alias}.patient_id IN (SELECT patient_id FROM patient_physio_assignments
             WHERE physiotherapist_id = ${n} AND status = 'active')"
        ),
    }
}

/// The value for the parameter of [`patient_filter_sql`] (a never-matching id when the
/// caller has no profile).
pub fn filter_param(user: &AuthUser) -> Uuid {
    user.profile_id.unwrap_or(Uuid::nil())
}
