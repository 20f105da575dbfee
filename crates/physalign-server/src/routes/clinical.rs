//! A session's clinical notes and the alerts they raise (issue 15).

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use physalign_api::alerts::{
    Alert, AlertKind, AlertList, AlertListQuery, AlertStatus, HIGH_PAIN_THRESHOLD,
};
use physalign_api::auth::Role;
use physalign_api::pagination::Pagination;
use physalign_api::sessions::{PutNotesRequest, SessionNotes};
use physalign_api::{ErrorBody, ErrorCode};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientInfo};
use crate::state::AppState;
use crate::validate::page_window;

/// Notes and alert routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/sessions/{session_id}/notes",
            get(get_notes).put(put_notes),
        )
        .route("/api/physio/alerts", get(list_alerts))
        .route(
            "/api/physio/alerts/{alert_id}/acknowledge",
            post(acknowledge),
        )
}

/// The session's patient if `user` may write its transcript and notes: the patient, or the
/// clinician who recorded the session on their device. Others who can see it get 403, the rest
/// 404.
pub(crate) async fn writable_session(
    pool: &PgPool,
    user: &AuthUser,
    session_id: Uuid,
) -> ApiResult<Uuid> {
    let patient_id = access::visible_session(pool, user, session_id).await?;
    let recorder: Option<Uuid> =
        sqlx::query_scalar("SELECT physiotherapist_id FROM exercise_sessions WHERE id = $1")
            .bind(session_id)
            .fetch_one(pool)
            .await?;
    let allowed = match user.role {
        Role::Patient => true,
        Role::Physiotherapist => recorder.is_some() && recorder == user.profile_id,
        Role::Admin => false,
    };
    if !allowed {
        return Err(ApiError::forbidden(
            "only the patient or the clinician who recorded the session writes its transcript and notes",
        ));
    }
    Ok(patient_id)
}

#[derive(sqlx::FromRow)]
struct NotesRow {
    notes: serde_json::Value,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A session's clinical notes (no access check).
pub async fn load_notes(pool: &PgPool, session_id: Uuid) -> ApiResult<Option<SessionNotes>> {
    let row: Option<NotesRow> = sqlx::query_as(
        "SELECT notes, version, created_at, updated_at FROM session_notes WHERE session_id = $1",
    )
    .bind(session_id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        let n: PutNotesRequest = serde_json::from_value(r.notes).map_err(ApiError::internal)?;
        Ok(SessionNotes {
            session_id,
            notes_id: n.id,
            transcript_id: n.transcript_id,
            pain: n.pain,
            mood: n.mood,
            mood_score: n.mood_score,
            action_items: n.action_items,
            risk_flags: n.risk_flags,
            crisis: n.crisis,
            crisis_keywords: n.crisis_keywords,
            key_topics: n.key_topics,
            exercises: n.exercises,
            extractor: n.extractor,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    })
    .transpose()
}

/// The highest pain score of the notes with its body part.
fn max_pain(req: &PutNotesRequest) -> Option<(f32, Option<String>)> {
    req.pain
        .iter()
        .filter(|p| !p.denied)
        .filter_map(|p| p.score.map(|s| (s, p.body_part.clone())))
        .max_by(|a, b| a.0.total_cmp(&b.0))
}

/// Stores or replaces the session's clinical notes and raises the alerts they call for.
#[utoipa::path(put, path = "/api/sessions/{session_id}/notes", tag = "sessions", security(("bearer" = [])),
    request_body = PutNotesRequest,
    params(("session_id" = Uuid, Path, description = "session id")),
    responses((status = 200, body = SessionNotes), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_notes(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(session_id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<PutNotesRequest>,
) -> ApiResult<Json<SessionNotes>> {
    for (i, p) in req.pain.iter().enumerate() {
        if p.score.is_some_and(|s| !(0.0..=10.0).contains(&s)) {
            return Err(ApiError::field(
                format!("pain[{i}].score"),
                "must be between 0 and 10",
            ));
        }
    }
    if req.pain.len() > 200 || req.action_items.len() > 200 || req.risk_flags.len() > 200 {
        return Err(ApiError::field("pain", "at most 200 entries per list"));
    }
    if req.mood_score.is_some_and(|m| !(1..=5).contains(&m)) {
        return Err(ApiError::field("mood_score", "must be between 1 and 5"));
    }
    let patient_id = writable_session(&state.pool, &user, session_id).await?;
    let document = serde_json::to_value(&req).map_err(ApiError::internal)?;
    let pain = max_pain(&req);
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "INSERT INTO session_notes (session_id, notes, crisis, max_pain, written_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (session_id) DO UPDATE SET notes = EXCLUDED.notes,
            crisis = EXCLUDED.crisis, max_pain = EXCLUDED.max_pain,
            written_by = EXCLUDED.written_by, version = session_notes.version + 1,
            updated_at = NOW()
         WHERE session_notes.notes IS DISTINCT FROM EXCLUDED.notes",
    )
    .bind(session_id)
    .bind(&document)
    .bind(req.crisis)
    .bind(pain.as_ref().map(|p| p.0))
    .bind(user.user_id)
    .execute(&mut *tx)
    .await?;
    // One alert of each kind per session (UNIQUE): a re-sent document raises nothing new, and
    // an acknowledged alert stays acknowledged.
    if req.crisis {
        let summary = if req.crisis_keywords.is_empty() {
            "crisis language in the session".to_string()
        } else {
            format!("crisis language: {}", req.crisis_keywords.join(", "))
        };
        raise(
            &mut tx,
            patient_id,
            session_id,
            AlertKind::Crisis,
            None,
            None,
            &summary,
        )
        .await?;
    }
    if let Some((score, part)) = pain.filter(|p| p.0 >= HIGH_PAIN_THRESHOLD) {
        let summary = match &part {
            Some(part) => format!("pain {score}/10 ({part})"),
            None => format!("pain {score}/10"),
        };
        raise(
            &mut tx,
            patient_id,
            session_id,
            AlertKind::HighPain,
            Some(score),
            part.as_deref(),
            &summary,
        )
        .await?;
    }
    tx.commit().await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SessionNotes,
        Some(session_id),
        Action::Update,
        &client,
    )
    .await?;
    load_notes(&state.pool, session_id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::internal("notes vanished"))
}

async fn raise(
    tx: &mut sqlx::PgConnection,
    patient_id: Uuid,
    session_id: Uuid,
    kind: AlertKind,
    score: Option<f32>,
    part: Option<&str>,
    summary: &str,
) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO clinical_alerts (patient_id, session_id, kind, pain_score, body_part, summary)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (session_id, kind) DO UPDATE SET pain_score = GREATEST(
            clinical_alerts.pain_score, EXCLUDED.pain_score)",
    )
    .bind(patient_id)
    .bind(session_id)
    .bind(kind.as_str())
    .bind(score)
    .bind(part)
    .bind(summary)
    .execute(tx)
    .await?;
    Ok(())
}

/// The session's clinical notes (the patient and their clinicians).
#[utoipa::path(get, path = "/api/sessions/{session_id}/notes", tag = "sessions", security(("bearer" = [])),
    params(("session_id" = Uuid, Path, description = "session id")),
    responses((status = 200, body = SessionNotes), (status = 404, body = ErrorBody)))]
pub async fn get_notes(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(session_id): ApiPath<Uuid>,
) -> ApiResult<Json<SessionNotes>> {
    access::visible_session(&state.pool, &user, session_id).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SessionNotes,
        Some(session_id),
        Action::Read,
        &client,
    )
    .await?;
    load_notes(&state.pool, session_id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(ErrorCode::NotesNotFound, "notes"))
}

const ALERT_SELECT: &str = "SELECT a.id, a.patient_id,
        TRIM(COALESCE(u.first_name, '') || ' ' || COALESCE(u.last_name, '')) AS patient_name,
        a.session_id, a.kind, a.status, a.pain_score, a.body_part, a.summary, a.created_at,
        a.acknowledged_at, a.acknowledged_by
     FROM clinical_alerts a
     JOIN patients p ON p.id = a.patient_id
     LEFT JOIN users u ON u.id = p.user_id";

#[derive(sqlx::FromRow)]
struct AlertRow {
    id: Uuid,
    patient_id: Uuid,
    patient_name: String,
    session_id: Uuid,
    kind: String,
    status: String,
    pain_score: Option<f32>,
    body_part: Option<String>,
    summary: String,
    created_at: DateTime<Utc>,
    acknowledged_at: Option<DateTime<Utc>>,
    acknowledged_by: Option<Uuid>,
}

impl AlertRow {
    fn into_alert(self) -> ApiResult<Alert> {
        Ok(Alert {
            id: self.id,
            patient_id: self.patient_id,
            patient_name: self.patient_name,
            session_id: self.session_id,
            kind: self.kind.parse().map_err(ApiError::internal)?,
            status: self.status.parse().map_err(ApiError::internal)?,
            pain_score: self.pain_score,
            body_part: self.body_part,
            summary: self.summary,
            created_at: self.created_at,
            acknowledged_at: self.acknowledged_at,
            acknowledged_by: self.acknowledged_by,
        })
    }
}

/// The caller's clinician id; alerts are for clinicians (admins see all).
fn alert_reader(user: &AuthUser) -> ApiResult<()> {
    match user.role {
        Role::Physiotherapist | Role::Admin => Ok(()),
        Role::Patient => Err(ApiError::forbidden("alerts are for clinicians")),
    }
}

fn push_alert_filters(qb: &mut QueryBuilder<'_, Postgres>, user: &AuthUser, q: &AlertListQuery) {
    if user.role == Role::Physiotherapist {
        qb.push(
            " AND a.patient_id IN (SELECT patient_id FROM patient_physio_assignments
              WHERE status = 'active' AND physiotherapist_id = ",
        )
        .push_bind(access::filter_param(user))
        .push(")");
    }
    if let Some(status) = q.status {
        qb.push(" AND a.status = ").push_bind(status.as_str());
    }
    if let Some(pid) = q.patient_id {
        qb.push(" AND a.patient_id = ").push_bind(pid);
    }
}

/// The caller's patients' alerts, crisis first, then newest first.
#[utoipa::path(get, path = "/api/physio/alerts", tag = "physio", security(("bearer" = [])),
    params(AlertListQuery),
    responses((status = 200, body = AlertList), (status = 403, body = ErrorBody)))]
pub async fn list_alerts(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(q): ApiQuery<AlertListQuery>,
) -> ApiResult<Json<AlertList>> {
    alert_reader(&user)?;
    let (page, per_page, offset) = page_window(q.page, q.per_page)?;
    let mut count =
        QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM clinical_alerts a WHERE TRUE");
    push_alert_filters(&mut count, &user, &q);
    let total: i64 = count.build_query_scalar().fetch_one(&state.pool).await?;
    let mut select = QueryBuilder::<Postgres>::new(ALERT_SELECT);
    select.push(" WHERE TRUE");
    push_alert_filters(&mut select, &user, &q);
    select
        .push(" ORDER BY (a.kind = 'crisis') DESC, a.created_at DESC, a.id LIMIT ")
        .push_bind(i64::from(per_page))
        .push(" OFFSET ")
        .push_bind(offset);
    let rows: Vec<AlertRow> = select.build_query_as().fetch_all(&state.pool).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ClinicalAlert,
        q.patient_id,
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(AlertList {
        data: rows
            .into_iter()
            .map(AlertRow::into_alert)
            .collect::<ApiResult<_>>()?,
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    }))
}

/// Acknowledges an alert of one of the caller's patients (repeating it changes nothing).
#[utoipa::path(post, path = "/api/physio/alerts/{alert_id}/acknowledge", tag = "physio", security(("bearer" = [])),
    params(("alert_id" = Uuid, Path, description = "alert id")),
    responses((status = 200, body = Alert), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(alert_id): ApiPath<Uuid>,
) -> ApiResult<Json<Alert>> {
    if user.role != Role::Physiotherapist {
        return Err(ApiError::forbidden("only clinicians acknowledge alerts"));
    }
    let patient: Option<Uuid> =
        sqlx::query_scalar("SELECT patient_id FROM clinical_alerts WHERE id = $1")
            .bind(alert_id)
            .fetch_optional(&state.pool)
            .await?;
    match patient {
        Some(pid) if access::can_see_patient(&state.pool, &user, pid).await? => {}
        _ => return Err(ApiError::not_found(ErrorCode::AlertNotFound, "alert")),
    }
    sqlx::query(
        "UPDATE clinical_alerts SET status = $2, acknowledged_at = NOW(), acknowledged_by = $3
         WHERE id = $1 AND status = 'open'",
    )
    .bind(alert_id)
    .bind(AlertStatus::Acknowledged.as_str())
    .bind(user.profile_id)
    .execute(&state.pool)
    .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ClinicalAlert,
        Some(alert_id),
        Action::Update,
        &client,
    )
    .await?;
    let row: AlertRow = sqlx::query_as(&format!("{ALERT_SELECT} WHERE a.id = $1"))
        .bind(alert_id)
        .fetch_one(&state.pool)
        .await?;
    Ok(Json(row.into_alert()?))
}
