//! SQL of `/api/sessions`: exercise sessions and their pose frames in PostgreSQL.

use chrono::{DateTime, Utc};
use physalign_api::auth::Role;
use physalign_api::pagination::Pagination;
use physalign_api::sessions::{
    CreateSessionRequest, PoseDataSummary, Session, SessionList, SessionListQuery, SessionStatus,
    SummaryStatistics, UpdateSessionRequest,
};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::access;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::validate::page_window;

const SESSION_SELECT: &str = "SELECT s.id, s.patient_id,
        TRIM(COALESCE(u.first_name, p.registered_first_name, '') || ' '
             || COALESCE(u.last_name, p.registered_last_name, '')) AS patient_name,
        et.name AS exercise_type, s.scheduled_datetime, s.start_time, s.end_time,
        s.duration_seconds, s.estimated_duration, s.status, s.instructions, s.equipment_used,
        s.environment_notes, s.video_storage_key, s.summary_statistics, s.pose_summary, s.version,
        s.created_at, s.updated_at, s.physiotherapist_id, s.program_item_id,
        to_jsonb(cp) AS clinic_progress
     FROM exercise_sessions s
     LEFT JOIN session_clinic_progress cp ON cp.session_id = s.id
     JOIN patients p ON p.id = s.patient_id
     LEFT JOIN users u ON u.id = p.user_id
     JOIN exercise_types et ON et.id = s.exercise_type_id";

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: Uuid,
    patient_id: Uuid,
    patient_name: String,
    exercise_type: String,
    scheduled_datetime: Option<DateTime<Utc>>,
    start_time: Option<DateTime<Utc>>,
    end_time: Option<DateTime<Utc>>,
    duration_seconds: Option<i32>,
    estimated_duration: Option<i32>,
    status: String,
    instructions: Option<String>,
    equipment_used: Vec<String>,
    environment_notes: Option<String>,
    video_storage_key: Option<String>,
    summary_statistics: Option<serde_json::Value>,
    pose_summary: Option<serde_json::Value>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    physiotherapist_id: Option<Uuid>,
    program_item_id: Option<Uuid>,
    clinic_progress: Option<serde_json::Value>,
}

impl SessionRow {
    fn into_session(self) -> ApiResult<Session> {
        Ok(Session {
            id: self.id,
            patient_id: self.patient_id,
            patient_name: self.patient_name,
            exercise_type: self.exercise_type,
            physiotherapist_id: self.physiotherapist_id,
            program_item_id: self.program_item_id,
            scheduled_datetime: self.scheduled_datetime,
            start_time: self.start_time,
            end_time: self.end_time,
            duration_seconds: self.duration_seconds,
            estimated_duration: self.estimated_duration,
            status: self
                .status
                .parse::<SessionStatus>()
                .map_err(ApiError::internal)?,
            instructions: self.instructions,
            equipment_used: self.equipment_used,
            environment_notes: self.environment_notes,
            video_url: self.video_storage_key,
            summary_statistics: self
                .summary_statistics
                .and_then(|v| serde_json::from_value::<SummaryStatistics>(v).ok()),
            progress: crate::repo::clinic::progress_from_json(self.clinic_progress),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// One session and the pose data summary stored at upload (no access check).
pub async fn find_with_summary(
    pool: &PgPool,
    id: Uuid,
) -> ApiResult<Option<(Session, Option<PoseDataSummary>)>> {
    let row: Option<SessionRow> = sqlx::query_as(&format!("{SESSION_SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    let Some(mut row) = row else {
        return Ok(None);
    };
    let summary = row
        .pose_summary
        .take()
        .and_then(|v| serde_json::from_value::<PoseDataSummary>(v).ok());
    Ok(Some((row.into_session()?, summary)))
}

fn push_filters(qb: &mut QueryBuilder<'_, Postgres>, user: &AuthUser, q: &SessionListQuery) {
    match user.role {
        Role::Admin => {}
        Role::Patient => {
            qb.push(" AND s.patient_id = ")
                .push_bind(access::filter_param(user));
        }
        Role::Physiotherapist => {
            qb.push(
                " AND s.patient_id IN (SELECT patient_id FROM patient_physio_assignments
                  WHERE status = 'active' AND physiotherapist_id = ",
            )
            .push_bind(access::filter_param(user))
            .push(")");
        }
    }
    if let Some(status) = q.status {
        qb.push(" AND s.status = ").push_bind(status.as_str());
    }
    if let Some(pid) = q.patient_id {
        qb.push(" AND s.patient_id = ").push_bind(pid);
    }
    if let Some(name) = &q.exercise_type {
        qb.push(" AND et.name = ")
            .push_bind(name.trim().to_lowercase());
    }
    if let Some(from) = q.from {
        qb.push(" AND s.created_at >= ").push_bind(from);
    }
    if let Some(to) = q.to {
        qb.push(" AND s.created_at < ").push_bind(to);
    }
}

/// The page of sessions `user` may see that match `q`, newest first.
pub async fn list_visible(
    pool: &PgPool,
    user: &AuthUser,
    q: &SessionListQuery,
) -> ApiResult<SessionList> {
    let (page, per_page, offset) = page_window(q.page, q.per_page)?;
    let mut count = QueryBuilder::<Postgres>::new(
        "SELECT COUNT(*) FROM exercise_sessions s JOIN exercise_types et ON et.id = s.exercise_type_id WHERE TRUE",
    );
    push_filters(&mut count, user, q);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;

    let mut select = QueryBuilder::<Postgres>::new(SESSION_SELECT);
    select.push(" WHERE TRUE");
    push_filters(&mut select, user, q);
    select
        .push(" ORDER BY s.created_at DESC, s.id LIMIT ")
        .push_bind(i64::from(per_page))
        .push(" OFFSET ")
        .push_bind(offset);
    let rows: Vec<SessionRow> = select.build_query_as().fetch_all(pool).await?;
    Ok(SessionList {
        data: rows
            .into_iter()
            .map(SessionRow::into_session)
            .collect::<ApiResult<_>>()?,
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    })
}

/// Id of the exercise type called `name`, created on first use.
pub async fn exercise_type_id(executor: impl sqlx::PgExecutor<'_>, name: &str) -> ApiResult<Uuid> {
    Ok(sqlx::query_scalar(
        "INSERT INTO exercise_types (name) VALUES ($1)
         ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id",
    )
    .bind(name.trim().to_lowercase())
    .fetch_one(executor)
    .await?)
}

/// Whether a patient with this id exists.
pub async fn patient_exists(pool: &PgPool, patient_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM patients WHERE id = $1)")
        .bind(patient_id)
        .fetch_one(pool)
        .await
}

/// Inserts a new session (the request's client-generated id, or a new one) with its exercise
/// type; `None` when a session with that id exists.
pub async fn insert(
    pool: &PgPool,
    req: &CreateSessionRequest,
    patient_id: Uuid,
    physio_id: Option<Uuid>,
) -> ApiResult<Option<Uuid>> {
    let mut tx = pool.begin().await?;
    let type_id = exercise_type_id(&mut *tx, &req.exercise_type).await?;
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO exercise_sessions (id, patient_id, physiotherapist_id, exercise_type_id,
            scheduled_datetime, estimated_duration, instructions, start_time, end_time,
            duration_seconds, equipment_used, environment_notes, program_item_id)
         VALUES (COALESCE($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11, '{}'), $12, $13)
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(req.id)
    .bind(patient_id)
    .bind(physio_id)
    .bind(type_id)
    .bind(req.scheduled_datetime)
    .bind(req.estimated_duration)
    .bind(req.instructions.as_deref())
    .bind(req.start_time)
    .bind(req.end_time)
    .bind(req.duration_seconds)
    .bind(req.equipment_used.as_deref())
    .bind(req.environment_notes.as_deref())
    .bind(req.program_item_id)
    .fetch_optional(&mut *tx)
    .await?;
    if id.is_some() {
        tx.commit().await?;
    }
    Ok(id)
}

/// Locks a session row for the rest of the transaction; its current version, `None` when the
/// session does not exist.
pub async fn lock_version(conn: &mut PgConnection, id: Uuid) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM exercise_sessions WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Applies the fields `req` carries to a session locked by [`lock_version`] and bumps its
/// version.
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    req: &UpdateSessionRequest,
) -> ApiResult<()> {
    let type_id = match &req.exercise_type {
        Some(name) => Some(exercise_type_id(&mut *conn, name).await?),
        None => None,
    };
    sqlx::query(
        "UPDATE exercise_sessions SET
            exercise_type_id = COALESCE($2, exercise_type_id),
            scheduled_datetime = COALESCE($3, scheduled_datetime),
            start_time = COALESCE($4, start_time),
            end_time = COALESCE($5, end_time),
            duration_seconds = COALESCE($6, duration_seconds),
            estimated_duration = COALESCE($7, estimated_duration),
            status = COALESCE($8, status),
            instructions = COALESCE($9, instructions),
            equipment_used = COALESCE($10, equipment_used),
            environment_notes = COALESCE($11, environment_notes),
            program_item_id = COALESCE($12, program_item_id),
            version = version + 1
         WHERE id = $1",
    )
    .bind(id)
    .bind(type_id)
    .bind(req.scheduled_datetime)
    .bind(req.start_time)
    .bind(req.end_time)
    .bind(req.duration_seconds)
    .bind(req.estimated_duration)
    .bind(req.status.map(SessionStatus::as_str))
    .bind(req.instructions.as_deref())
    .bind(req.equipment_used.as_deref())
    .bind(req.environment_notes.as_deref())
    .bind(req.program_item_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Checks that a program item may be linked to a session of `patient_id`: it exists, belongs
/// to that patient and is active. A foreign item answers 404 like a missing one (no leak).
pub async fn check_program_item(pool: &PgPool, item_id: Uuid, patient_id: Uuid) -> ApiResult<()> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM program_items WHERE id = $1 AND patient_id = $2")
            .bind(item_id)
            .bind(patient_id)
            .fetch_optional(pool)
            .await?;
    match status.as_deref() {
        None => Err(ApiError::not_found(
            physalign_api::ErrorCode::ProgramItemNotFound,
            "program item",
        )),
        // An ended item still takes recordings made before it ended and synced late.
        Some(_) => Ok(()),
    }
}

/// Deletes a session (its frames and reviews go with it).
pub async fn delete(conn: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM exercise_sessions WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
