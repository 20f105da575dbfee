//! SQL of `/api/physio`: patient assignments and the numbers behind the analytics.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use physalign_api::auth::Role;
use physalign_api::physio::{AssignedPatient, ExerciseProgress, PatientAnalytics};
use sqlx::PgPool;
use uuid::Uuid;

use crate::access;
use crate::auth::AuthUser;

#[derive(sqlx::FromRow)]
struct AssignedRow {
    patient_id: Uuid,
    user_id: Option<Uuid>,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    physiotherapist_id: Uuid,
    assigned_at: DateTime<Utc>,
    session_count: i64,
    last_session_at: Option<DateTime<Utc>>,
}

impl From<AssignedRow> for AssignedPatient {
    fn from(r: AssignedRow) -> Self {
        AssignedPatient {
            patient_id: r.patient_id,
            user_id: r.user_id,
            email: r.email,
            first_name: r.first_name,
            last_name: r.last_name,
            physiotherapist_id: r.physiotherapist_id,
            assigned_at: r.assigned_at,
            session_count: r.session_count,
            last_session_at: r.last_session_at,
        }
    }
}

// LEFT JOIN: a registered patient has no account until the invitation is claimed.
const ASSIGNED_SELECT: &str = "SELECT a.patient_id, u.id AS user_id,
        COALESCE(u.email, p.registered_email, '') AS email,
        COALESCE(u.first_name, p.registered_first_name) AS first_name,
        COALESCE(u.last_name, p.registered_last_name) AS last_name,
        a.physiotherapist_id, a.assigned_at,
        (SELECT COUNT(*) FROM exercise_sessions s WHERE s.patient_id = a.patient_id) AS session_count,
        (SELECT MAX(s.created_at) FROM exercise_sessions s WHERE s.patient_id = a.patient_id) AS last_session_at
     FROM patient_physio_assignments a
     JOIN patients p ON p.id = a.patient_id
     LEFT JOIN users u ON u.id = p.user_id
     WHERE a.status = 'active'";

/// Active assignments the caller may list: a physiotherapist's own, every one for admins;
/// the total and one page (`per_page` rows from `offset`) in name order.
pub async fn assigned_page(
    pool: &PgPool,
    user: &AuthUser,
    per_page: u32,
    offset: i64,
) -> Result<(i64, Vec<AssignedPatient>), sqlx::Error> {
    let (filter, param) = match user.role {
        Role::Admin => ("($1::uuid IS NULL OR TRUE)", None),
        _ => (
            "a.physiotherapist_id = $1",
            Some(access::filter_param(user)),
        ),
    };
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM patient_physio_assignments a WHERE a.status = 'active' AND {filter}"
    ))
    .bind(param)
    .fetch_one(pool)
    .await?;
    let rows: Vec<AssignedRow> = sqlx::query_as(&format!(
        "{ASSIGNED_SELECT} AND {filter} ORDER BY last_name, first_name, a.patient_id LIMIT $2 OFFSET $3"
    ))
    .bind(param)
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok((total, rows.into_iter().map(Into::into).collect()))
}

/// Whether a physiotherapist with this id exists.
pub async fn physiotherapist_exists(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM physiotherapists WHERE id = $1)")
        .bind(id)
        .fetch_one(pool)
        .await
}

/// The id of the patient with this id, if there is one.
pub async fn patient_by_id(pool: &PgPool, id: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM patients WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Assigns a patient to a physiotherapist (reactivating an ended assignment) and returns the
/// assignment as listed.
pub async fn assign(
    pool: &PgPool,
    patient_id: Uuid,
    physio_id: Uuid,
) -> Result<AssignedPatient, sqlx::Error> {
    sqlx::query(
        "INSERT INTO patient_physio_assignments (patient_id, physiotherapist_id) VALUES ($1, $2)
         ON CONFLICT (patient_id, physiotherapist_id) DO UPDATE SET status = 'active', ended_at = NULL,
             assigned_at = CASE WHEN patient_physio_assignments.status = 'active'
                                THEN patient_physio_assignments.assigned_at ELSE NOW() END",
    )
    .bind(patient_id)
    .bind(physio_id)
    .execute(pool)
    .await?;
    let row: AssignedRow = sqlx::query_as(&format!(
        "{ASSIGNED_SELECT} AND a.patient_id = $1 AND a.physiotherapist_id = $2"
    ))
    .bind(patient_id)
    .bind(physio_id)
    .fetch_one(pool)
    .await?;
    Ok(row.into())
}

#[derive(sqlx::FromRow)]
struct PatientTotals {
    total: i64,
    patient_id: Uuid,
    patient_name: String,
    total_sessions: i64,
    pending_review: i64,
    reviewed_sessions: i64,
    last_session_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct ExerciseRow {
    patient_id: Uuid,
    exercise_type: String,
    sessions: i64,
    average_quality: Option<f64>,
}

#[derive(sqlx::FromRow)]
struct AssessmentRow {
    patient_id: Uuid,
    overall_assessment: String,
    count: i64,
}

/// Per patient the caller may see (optionally only `patient_id`): session counts, exercises,
/// mean pose quality and review assessments, in patient-name order.
pub async fn patient_analytics(
    pool: &PgPool,
    user: &AuthUser,
    patient_id: Option<Uuid>,
    (per_page, offset): (u32, i64),
) -> Result<(Vec<PatientAnalytics>, i64), sqlx::Error> {
    let visible = access::patient_filter_sql(user, "p", 1).replace("p.patient_id", "p.id");
    let totals: Vec<PatientTotals> = sqlx::query_as(&format!(
        "SELECT COUNT(*) OVER () AS total, p.id AS patient_id,
                TRIM(COALESCE(u.first_name, p.registered_first_name, '') || ' '
                     || COALESCE(u.last_name, p.registered_last_name, '')) AS patient_name,
                COUNT(s.id) AS total_sessions,
                COUNT(s.id) FILTER (WHERE s.status = 'review_pending') AS pending_review,
                COUNT(s.id) FILTER (WHERE s.status IN ('reviewed', 'completed')) AS reviewed_sessions,
                MAX(s.created_at) AS last_session_at
         FROM patients p LEFT JOIN users u ON u.id = p.user_id
         LEFT JOIN exercise_sessions s ON s.patient_id = p.id
         WHERE ({visible}) AND ($2::uuid IS NULL OR p.id = $2)
         GROUP BY p.id, u.first_name, u.last_name, p.registered_first_name, p.registered_last_name
         ORDER BY patient_name, p.id LIMIT $3 OFFSET $4"
    ))
    .bind(access::filter_param(user))
    .bind(patient_id)
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total = crate::validate::total_of(&totals, |t| t.total);
    let ids: Vec<Uuid> = totals.iter().map(|t| t.patient_id).collect();
    let exercises: Vec<ExerciseRow> = sqlx::query_as(
        "SELECT s.patient_id, et.name AS exercise_type, COUNT(DISTINCT s.id) AS sessions,
                AVG(f.quality_score)::float8 AS average_quality
         FROM exercise_sessions s JOIN exercise_types et ON et.id = s.exercise_type_id
         LEFT JOIN pose_frames f ON f.session_id = s.id
         WHERE s.patient_id = ANY($1)
         GROUP BY s.patient_id, et.name ORDER BY et.name",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let quality: Vec<(Uuid, Option<f64>)> = sqlx::query_as(
        "SELECT s.patient_id, AVG(f.quality_score)::float8
         FROM exercise_sessions s JOIN pose_frames f ON f.session_id = s.id
         WHERE s.patient_id = ANY($1) GROUP BY s.patient_id",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let assessments: Vec<AssessmentRow> = sqlx::query_as(
        "SELECT s.patient_id, r.overall_assessment, COUNT(*) AS count
         FROM session_reviews r JOIN exercise_sessions s ON s.id = r.session_id
         WHERE s.patient_id = ANY($1) GROUP BY s.patient_id, r.overall_assessment",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;

    let quality: HashMap<Uuid, Option<f64>> = quality.into_iter().collect();
    let mut by_patient_exercises: HashMap<Uuid, Vec<ExerciseProgress>> = HashMap::new();
    for e in exercises {
        by_patient_exercises
            .entry(e.patient_id)
            .or_default()
            .push(ExerciseProgress {
                exercise_type: e.exercise_type,
                sessions: e.sessions,
                average_quality: e.average_quality,
            });
    }
    let mut by_patient_assessments: HashMap<Uuid, BTreeMap<String, i64>> = HashMap::new();
    for a in assessments {
        by_patient_assessments
            .entry(a.patient_id)
            .or_default()
            .insert(a.overall_assessment, a.count);
    }
    let patients = totals
        .into_iter()
        .map(|t| PatientAnalytics {
            average_quality: quality.get(&t.patient_id).copied().flatten(),
            exercises: by_patient_exercises
                .remove(&t.patient_id)
                .unwrap_or_default(),
            assessments: by_patient_assessments
                .remove(&t.patient_id)
                .unwrap_or_default(),
            patient_id: t.patient_id,
            patient_name: t.patient_name,
            total_sessions: t.total_sessions,
            pending_review: t.pending_review,
            reviewed_sessions: t.reviewed_sessions,
            last_session_at: t.last_session_at,
        })
        .collect();
    Ok((patients, total))
}
