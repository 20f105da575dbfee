//! SQL of a client's clinical record (issue 18): medical history and its changes, therapy goals
//! with their computed progress, the clinic side of sessions.

use chrono::{DateTime, NaiveDate, Utc};
use physalign_api::clients::{
    GoalStatus, MeasurableTarget, MedicalHistory, MedicalHistoryFields, TargetComparison,
    TherapyGoal,
};
use physalign_api::clinic_sessions::ClinicProgress;
use sqlx::PgPool;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

#[derive(sqlx::FromRow)]
struct HistoryRow {
    current_medications: Vec<String>,
    allergies: Vec<String>,
    previous_therapy: bool,
    previous_therapy_details: Option<String>,
    medical_conditions: Vec<String>,
    hospitalizations: Vec<String>,
    version: i32,
    updated_by: Option<Uuid>,
    updated_at: Option<DateTime<Utc>>,
}

/// A client's medical history; before its first change, the conditions and medications of the
/// patient record with version 0. `None` if the patient does not exist.
pub async fn medical_history(
    conn: impl sqlx::PgExecutor<'_>,
    patient_id: Uuid,
) -> ApiResult<Option<MedicalHistory>> {
    let row: Option<HistoryRow> = sqlx::query_as(
        "SELECT COALESCE(h.current_medications, p.medications) AS current_medications,
            COALESCE(h.allergies, '{}') AS allergies,
            COALESCE(h.previous_therapy, FALSE) AS previous_therapy,
            h.previous_therapy_details,
            COALESCE(h.medical_conditions, p.medical_conditions) AS medical_conditions,
            COALESCE(h.hospitalizations, '{}') AS hospitalizations,
            COALESCE(h.version, 0) AS version, h.updated_by, h.updated_at
         FROM patients p LEFT JOIN medical_histories h ON h.patient_id = p.id
         WHERE p.id = $1",
    )
    .bind(patient_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| MedicalHistory {
        client_id: patient_id,
        fields: MedicalHistoryFields {
            current_medications: r.current_medications,
            allergies: r.allergies,
            previous_therapy: r.previous_therapy,
            previous_therapy_details: r.previous_therapy_details,
            medical_conditions: r.medical_conditions,
            hospitalizations: r.hospitalizations,
        },
        version: r.version,
        updated_at: r.updated_at,
        updated_by: r.updated_by,
    }))
}

/// The goal columns.
pub const GOAL_SELECT: &str = "SELECT g.id, g.patient_id, g.physiotherapist_id, g.goal, g.status,
        g.progress, g.target_date, g.target, g.version, g.created_at, g.updated_at
     FROM therapy_goals g";

/// A goal row.
#[derive(sqlx::FromRow)]
pub struct GoalRow {
    id: Uuid,
    patient_id: Uuid,
    physiotherapist_id: Option<Uuid>,
    goal: String,
    status: String,
    progress: i16,
    target_date: Option<NaiveDate>,
    target: Option<serde_json::Value>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The values of a peak-angle measure over a client's sessions, oldest first.
async fn measure_values(pool: &PgPool, patient_id: Uuid, measure: &str) -> ApiResult<Vec<f64>> {
    Ok(sqlx::query_scalar(
        "SELECT (s.summary_statistics->'peak_angles'->>$2)::float8
         FROM exercise_sessions s
         WHERE s.patient_id = $1 AND s.summary_statistics->'peak_angles' ? $2
           AND jsonb_typeof(s.summary_statistics->'peak_angles'->$2) = 'number'
         ORDER BY COALESCE(s.start_time, s.end_time, s.created_at), s.id",
    )
    .bind(patient_id)
    .bind(measure)
    .fetch_all(pool)
    .await?)
}

/// Progress toward a measurable target given the measured values (oldest first): see
/// `physalign_api::clients::MeasurableTarget`. Returns (progress, current value).
pub fn target_progress(target: &MeasurableTarget, values: &[f64]) -> (u8, Option<f64>) {
    let (Some(&first), Some(&current)) = (values.first(), values.last()) else {
        return (0, None);
    };
    let baseline = target.baseline_value.unwrap_or(first);
    let met = match target.comparison {
        TargetComparison::AtLeast => current >= target.target_value,
        TargetComparison::AtMost => current <= target.target_value,
    };
    if met {
        return (100, Some(current));
    }
    let span = target.target_value - baseline;
    if span.abs() < f64::EPSILON {
        return (0, Some(current));
    }
    let share = ((current - baseline) / span * 100.0)
        .round()
        .clamp(0.0, 100.0);
    // Clamped to 0..=100 above, so the cast cannot truncate.
    (share as u8, Some(current))
}

impl GoalRow {
    /// The goal, with its progress computed from the sessions when it has a target.
    pub async fn into_goal(self, pool: &PgPool) -> ApiResult<TherapyGoal> {
        let target = self
            .target
            .map(serde_json::from_value::<MeasurableTarget>)
            .transpose()
            .map_err(ApiError::internal)?;
        let (progress, current_value) = match &target {
            Some(t) => {
                target_progress(t, &measure_values(pool, self.patient_id, &t.measure).await?)
            }
            None => (u8::try_from(self.progress).unwrap_or(0), None),
        };
        Ok(TherapyGoal {
            id: self.id,
            client_id: self.patient_id,
            goal: self.goal,
            status: self
                .status
                .parse::<GoalStatus>()
                .map_err(ApiError::internal)?,
            progress,
            created_at: self.created_at,
            target_date: self.target_date,
            target,
            current_value,
            therapist_id: self.physiotherapist_id,
            version: self.version,
            updated_at: self.updated_at,
        })
    }
}

/// One goal of a client.
pub async fn goal(pool: &PgPool, patient_id: Uuid, id: Uuid) -> ApiResult<Option<TherapyGoal>> {
    let row: Option<GoalRow> = sqlx::query_as(&format!(
        "{GOAL_SELECT} WHERE g.id = $1 AND g.patient_id = $2"
    ))
    .bind(id)
    .bind(patient_id)
    .fetch_optional(pool)
    .await?;
    match row {
        Some(r) => Ok(Some(r.into_goal(pool).await?)),
        None => Ok(None),
    }
}

/// The snake_case row of `session_clinic_progress` as `to_jsonb` gives it.
#[derive(serde::Deserialize)]
struct ProgressJson {
    appointment_id: Option<Uuid>,
    template_id: Option<Uuid>,
    mood_start: Option<f64>,
    mood_end: Option<f64>,
    #[serde(default)]
    session_goals: Vec<String>,
    client_concerns: Option<String>,
    progress_notes: Option<String>,
    goals_discussed: Option<String>,
    #[serde(default)]
    techniques_used: Vec<String>,
    #[serde(default)]
    interventions_applied: Vec<String>,
    homework_assigned: Option<String>,
}

/// A session's clinic progress from `to_jsonb(session_clinic_progress row)` (null: none).
pub fn progress_from_json(value: Option<serde_json::Value>) -> Option<ClinicProgress> {
    let p: ProgressJson = serde_json::from_value(value?).ok()?;
    Some(ClinicProgress {
        appointment_id: p.appointment_id,
        template_id: p.template_id,
        mood_start: p.mood_start,
        mood_end: p.mood_end,
        session_goals: p.session_goals,
        client_concerns: p.client_concerns,
        progress_notes: p.progress_notes,
        goals_discussed: p.goals_discussed,
        techniques_used: p.techniques_used,
        interventions_applied: p.interventions_applied,
        homework_assigned: p.homework_assigned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knee(baseline: Option<f64>) -> MeasurableTarget {
        MeasurableTarget {
            measure: "knee_left_max".into(),
            comparison: TargetComparison::AtLeast,
            target_value: 120.0,
            baseline_value: baseline,
        }
    }

    #[test]
    fn progress_runs_from_baseline_to_target() {
        assert_eq!(target_progress(&knee(None), &[]), (0, None));
        // From 90 (first session) to 120: 105 is half way.
        assert_eq!(
            target_progress(&knee(None), &[90.0, 100.0, 105.0]),
            (50, Some(105.0))
        );
        assert_eq!(
            target_progress(&knee(Some(60.0)), &[90.0]),
            (50, Some(90.0))
        );
        assert_eq!(
            target_progress(&knee(None), &[90.0, 121.0]),
            (100, Some(121.0))
        );
        // Worse than the baseline is 0, not negative.
        assert_eq!(target_progress(&knee(None), &[90.0, 80.0]), (0, Some(80.0)));
        let pain = MeasurableTarget {
            comparison: TargetComparison::AtMost,
            target_value: 10.0,
            ..knee(Some(40.0))
        };
        assert_eq!(target_progress(&pain, &[40.0, 25.0]), (50, Some(25.0)));
    }
}
