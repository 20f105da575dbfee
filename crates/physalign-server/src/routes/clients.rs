//! `/api/clients/{clientId}/...` (issue 18, seed 001): a client's medical history (clinicians
//! and admins; every change kept with who and when), therapy goals (the client reads, their
//! clinicians write), emergency contact (the client and their clinicians read and write) and
//! session summary (clinicians and admins).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, put};
use axum::{Json, Router};
use physalign_api::auth::Role;
use physalign_api::clients::{
    CreateGoalRequest, EmergencyContact, EmergencyContactRecord, GoalListQuery, GoalStatus,
    MeasurableTarget, MedicalHistory, MedicalHistoryChange, MedicalHistoryChangeList,
    MedicalHistoryFields, SessionSummary, TherapyGoal, TherapyGoalList, UpdateGoalRequest,
};
use physalign_api::pagination::Pagination;
use physalign_api::{ErrorBody, ErrorCode, PageQuery};
use sqlx::PgPool;
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::clinic_metrics;
use crate::error::{ApiError, ApiResult};
use crate::etag::{if_match_version, json_with_etag, precondition_failed};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientInfo};
use crate::repo::appointments::emergency_contact;
use crate::repo::clinic;
use crate::state::AppState;
use crate::validate::{check_optional_text, check_text, normalise_email, page_window};

/// The client sub-resources.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/clients/{client_id}/medical-history",
            get(get_medical_history).put(put_medical_history),
        )
        .route(
            "/api/clients/{client_id}/medical-history/changes",
            get(medical_history_changes),
        )
        .route(
            "/api/clients/{client_id}/therapy-goals",
            get(list_goals).post(create_goal),
        )
        .route(
            "/api/clients/{client_id}/therapy-goals/{goal_id}",
            put(update_goal).get(get_goal),
        )
        .route(
            "/api/clients/{client_id}/emergency-contact",
            get(get_emergency_contact).put(put_emergency_contact),
        )
        .route(
            "/api/clients/{client_id}/session-summary",
            get(session_summary),
        )
}

/// 404 unless `user` may see the client (the client, their clinicians, admins).
async fn visible_client(pool: &PgPool, user: &AuthUser, client_id: Uuid) -> ApiResult<()> {
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM patients WHERE id = $1)")
        .bind(client_id)
        .fetch_one(pool)
        .await?;
    if exists && access::can_see_patient(pool, user, client_id).await? {
        Ok(())
    } else {
        Err(ApiError::not_found(ErrorCode::PatientNotFound, "client"))
    }
}

/// Like [`visible_client`], then 403 unless a clinician or an admin.
async fn clinician_of(pool: &PgPool, user: &AuthUser, client_id: Uuid) -> ApiResult<()> {
    visible_client(pool, user, client_id).await?;
    user.require(&[Role::Physiotherapist, Role::Admin])
}

async fn log(
    state: &AppState,
    user: &AuthUser,
    client: &ClientInfo,
    resource: AuditResource,
    id: Uuid,
    action: Action,
) -> ApiResult<()> {
    audit::record(&state.pool, Some(user), resource, Some(id), action, client).await
}

fn check_list(field: &str, items: &[String], max_items: usize, max_len: usize) -> ApiResult<()> {
    if items.len() > max_items {
        return Err(ApiError::field(
            field,
            format!("at most {max_items} entries"),
        ));
    }
    for (i, item) in items.iter().enumerate() {
        check_text(&format!("{field}[{i}]"), item, max_len)?;
    }
    Ok(())
}

/// A client's medical history (seed 001 §2); `ETag` is its version (0 before any change).
#[utoipa::path(get, path = "/api/clients/{client_id}/medical-history", tag = "clients", security(("bearer" = [])),
    params(("client_id" = Uuid, Path, description = "patients.id")),
    responses((status = 200, body = MedicalHistory), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn get_medical_history(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(client_id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    clinician_of(&state.pool, &user, client_id).await?;
    let history = clinic::medical_history(&state.pool, client_id)
        .await?
        .ok_or_else(|| ApiError::not_found(ErrorCode::PatientNotFound, "client"))?;
    log(
        &state,
        &user,
        &client,
        AuditResource::MedicalHistory,
        client_id,
        Action::Read,
    )
    .await?;
    let version = history.version;
    Ok(json_with_etag(StatusCode::OK, history, version))
}

/// Replaces a client's medical history (clinicians of the client, admins); the change is kept
/// with who made it and when. `If-Match` → 412.
#[utoipa::path(put, path = "/api/clients/{client_id}/medical-history", tag = "clients", security(("bearer" = [])),
    request_body = MedicalHistoryFields,
    params(("client_id" = Uuid, Path, description = "patients.id"),
           ("If-Match" = Option<String>, Header, description = "ETag from GET")),
    responses((status = 200, body = MedicalHistory), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 412, body = ErrorBody)))]
pub async fn put_medical_history(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    headers: HeaderMap,
    ApiPath(client_id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<MedicalHistoryFields>,
) -> ApiResult<Response> {
    let expected = if_match_version(&headers)?;
    clinician_of(&state.pool, &user, client_id).await?;
    check_list("currentMedications", &req.current_medications, 100, 500)?;
    check_list("allergies", &req.allergies, 100, 500)?;
    check_list("medicalConditions", &req.medical_conditions, 100, 500)?;
    check_list("hospitalizations", &req.hospitalizations, 100, 500)?;
    check_optional_text(
        "previousTherapyDetails",
        req.previous_therapy_details.as_deref(),
        8000,
    )?;
    let mut tx = state.pool.begin().await?;
    // The patient row serialises the first change of a history with concurrent ones.
    sqlx::query("SELECT id FROM patients WHERE id = $1 FOR UPDATE")
        .bind(client_id)
        .execute(&mut *tx)
        .await?;
    let current = clinic::medical_history(&mut *tx, client_id)
        .await?
        .ok_or_else(|| ApiError::not_found(ErrorCode::PatientNotFound, "client"))?;
    if expected.is_some_and(|v| v != current.version) {
        return Err(precondition_failed(current.version));
    }
    let version = current.version + 1;
    sqlx::query(
        "INSERT INTO medical_histories (patient_id, current_medications, allergies,
            previous_therapy, previous_therapy_details, medical_conditions, hospitalizations,
            version, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NOW())
         ON CONFLICT (patient_id) DO UPDATE SET current_medications = EXCLUDED.current_medications,
            allergies = EXCLUDED.allergies, previous_therapy = EXCLUDED.previous_therapy,
            previous_therapy_details = EXCLUDED.previous_therapy_details,
            medical_conditions = EXCLUDED.medical_conditions,
            hospitalizations = EXCLUDED.hospitalizations, version = EXCLUDED.version,
            updated_by = EXCLUDED.updated_by, updated_at = NOW()",
    )
    .bind(client_id)
    .bind(&req.current_medications)
    .bind(&req.allergies)
    .bind(req.previous_therapy)
    .bind(req.previous_therapy_details.as_deref())
    .bind(&req.medical_conditions)
    .bind(&req.hospitalizations)
    .bind(version)
    .bind(user.user_id)
    .execute(&mut *tx)
    .await?;
    // The patient record's lists follow the history, so profile and history agree.
    sqlx::query(
        "UPDATE patients SET medications = $2, medical_conditions = $3, updated_at = NOW()
         WHERE id = $1",
    )
    .bind(client_id)
    .bind(&req.current_medications)
    .bind(&req.medical_conditions)
    .execute(&mut *tx)
    .await?;
    let before = (current.version > 0)
        .then(|| serde_json::to_value(&current.fields))
        .transpose()
        .map_err(ApiError::internal)?;
    sqlx::query(
        "INSERT INTO medical_history_changes (patient_id, changed_by, before, after, version)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(client_id)
    .bind(user.user_id)
    .bind(before)
    .bind(serde_json::to_value(&req).map_err(ApiError::internal)?)
    .bind(version)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    log(
        &state,
        &user,
        &client,
        AuditResource::MedicalHistory,
        client_id,
        Action::Update,
    )
    .await?;
    let history = clinic::medical_history(&state.pool, client_id)
        .await?
        .ok_or_else(|| ApiError::not_found(ErrorCode::PatientNotFound, "client"))?;
    Ok(json_with_etag(StatusCode::OK, history, version))
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    id: Uuid,
    changed_by: Option<Uuid>,
    changed_by_name: String,
    changed_at: chrono::DateTime<chrono::Utc>,
    before: Option<serde_json::Value>,
    after: serde_json::Value,
    version: i32,
}

/// Every change of a client's medical history, newest first: who, when, before and after.
#[utoipa::path(get, path = "/api/clients/{client_id}/medical-history/changes", tag = "clients", security(("bearer" = [])),
    params(("client_id" = Uuid, Path, description = "patients.id"), PageQuery),
    responses((status = 200, body = MedicalHistoryChangeList), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn medical_history_changes(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(client_id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<MedicalHistoryChangeList>> {
    let (page, per_page, offset) = page_window(query.page, query.per_page)?;
    clinician_of(&state.pool, &user, client_id).await?;
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM medical_history_changes WHERE patient_id = $1")
            .bind(client_id)
            .fetch_one(&state.pool)
            .await?;
    let rows: Vec<ChangeRow> = sqlx::query_as(
        "SELECT c.id, c.changed_by,
            TRIM(COALESCE(u.first_name, '') || ' ' || COALESCE(u.last_name, '')) AS changed_by_name,
            c.changed_at, c.before, c.after, c.version
         FROM medical_history_changes c LEFT JOIN users u ON u.id = c.changed_by
         WHERE c.patient_id = $1 ORDER BY c.version DESC LIMIT $2 OFFSET $3",
    )
    .bind(client_id)
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    let data = rows
        .into_iter()
        .map(|r| {
            Ok(MedicalHistoryChange {
                id: r.id,
                changed_by: r.changed_by,
                changed_by_name: r.changed_by_name,
                changed_at: r.changed_at,
                before: r
                    .before
                    .map(serde_json::from_value)
                    .transpose()
                    .map_err(ApiError::internal)?,
                after: serde_json::from_value(r.after).map_err(ApiError::internal)?,
                version: r.version,
            })
        })
        .collect::<ApiResult<_>>()?;
    log(
        &state,
        &user,
        &client,
        AuditResource::MedicalHistory,
        client_id,
        Action::Read,
    )
    .await?;
    Ok(Json(MedicalHistoryChangeList {
        data,
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    }))
}

fn check_target(target: Option<&MeasurableTarget>) -> ApiResult<()> {
    let Some(t) = target else { return Ok(()) };
    check_text("target.measure", &t.measure, 100)?;
    for (field, v) in [
        ("target.targetValue", Some(t.target_value)),
        ("target.baselineValue", t.baseline_value),
    ] {
        if v.is_some_and(|v| !v.is_finite() || !(-360.0..=360.0).contains(&v)) {
            return Err(ApiError::field(field, "must be between -360 and 360"));
        }
    }
    Ok(())
}

fn check_progress(progress: Option<u8>) -> ApiResult<()> {
    if progress.is_some_and(|p| p > 100) {
        return Err(ApiError::field("progress", "must be between 0 and 100"));
    }
    Ok(())
}

/// A client's therapy goals (seed 001 §3): active first, then newest first.
#[utoipa::path(get, path = "/api/clients/{client_id}/therapy-goals", tag = "clients", security(("bearer" = [])),
    params(("client_id" = Uuid, Path, description = "patients.id"), GoalListQuery),
    responses((status = 200, body = TherapyGoalList), (status = 404, body = ErrorBody)))]
pub async fn list_goals(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(client_id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<GoalListQuery>,
) -> ApiResult<Json<TherapyGoalList>> {
    let (page, per_page, offset) = page_window(query.page, query.per_page)?;
    visible_client(&state.pool, &user, client_id).await?;
    let status = query.status.map(GoalStatus::as_str);
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM therapy_goals WHERE patient_id = $1 AND ($2::text IS NULL OR status = $2)",
    )
    .bind(client_id)
    .bind(status)
    .fetch_one(&state.pool)
    .await?;
    let rows: Vec<clinic::GoalRow> = sqlx::query_as(&format!(
        "{} WHERE g.patient_id = $1 AND ($2::text IS NULL OR g.status = $2)
         ORDER BY (g.status = 'active') DESC, g.created_at DESC, g.id LIMIT $3 OFFSET $4",
        clinic::GOAL_SELECT
    ))
    .bind(client_id)
    .bind(status)
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    let mut goals = Vec::with_capacity(rows.len());
    for row in rows {
        goals.push(row.into_goal(&state.pool).await?);
    }
    log(
        &state,
        &user,
        &client,
        AuditResource::TherapyGoal,
        client_id,
        Action::Read,
    )
    .await?;
    Ok(Json(TherapyGoalList {
        goals,
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    }))
}

/// One therapy goal; `ETag` is its version.
#[utoipa::path(get, path = "/api/clients/{client_id}/therapy-goals/{goal_id}", tag = "clients", security(("bearer" = [])),
    params(("client_id" = Uuid, Path, description = "patients.id"), ("goal_id" = Uuid, Path, description = "goal id")),
    responses((status = 200, body = TherapyGoal), (status = 404, body = ErrorBody)))]
pub async fn get_goal(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath((client_id, goal_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    visible_client(&state.pool, &user, client_id).await?;
    let goal = clinic::goal(&state.pool, client_id, goal_id)
        .await?
        .ok_or_else(|| ApiError::not_found(ErrorCode::GoalNotFound, "therapy goal"))?;
    log(
        &state,
        &user,
        &client,
        AuditResource::TherapyGoal,
        goal_id,
        Action::Read,
    )
    .await?;
    let version = goal.version;
    Ok(json_with_etag(StatusCode::OK, goal, version))
}

/// Sets a therapy goal for a client (their clinicians, admins).
#[utoipa::path(post, path = "/api/clients/{client_id}/therapy-goals", tag = "clients", security(("bearer" = [])),
    request_body = CreateGoalRequest,
    params(("client_id" = Uuid, Path, description = "patients.id")),
    responses((status = 201, body = TherapyGoal), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn create_goal(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(client_id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CreateGoalRequest>,
) -> ApiResult<Response> {
    clinician_of(&state.pool, &user, client_id).await?;
    check_text("goal", &req.goal, 1000)?;
    check_progress(req.progress)?;
    check_target(req.target.as_ref())?;
    let therapist = (user.role == Role::Physiotherapist)
        .then_some(user.profile_id)
        .flatten();
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO therapy_goals (id, patient_id, physiotherapist_id, goal, status, progress,
            target_date, target)
         VALUES (COALESCE($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(req.id)
    .bind(client_id)
    .bind(therapist)
    .bind(req.goal.trim())
    .bind(req.status.unwrap_or(GoalStatus::Active).as_str())
    .bind(i16::from(req.progress.unwrap_or(0)))
    .bind(req.target_date)
    .bind(
        req.target
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(ApiError::internal)?,
    )
    .fetch_optional(&state.pool)
    .await?;
    let id = id.ok_or_else(|| {
        ApiError::conflict(
            ErrorCode::GoalExists,
            "a therapy goal with this id already exists",
        )
    })?;
    log(
        &state,
        &user,
        &client,
        AuditResource::TherapyGoal,
        id,
        Action::Create,
    )
    .await?;
    let goal = clinic::goal(&state.pool, client_id, id)
        .await?
        .ok_or_else(|| ApiError::internal("goal vanished"))?;
    let version = goal.version;
    Ok(json_with_etag(StatusCode::CREATED, goal, version))
}

/// Changes a therapy goal (only the fields present); `If-Match` → 412.
#[utoipa::path(put, path = "/api/clients/{client_id}/therapy-goals/{goal_id}", tag = "clients", security(("bearer" = [])),
    request_body = UpdateGoalRequest,
    params(("client_id" = Uuid, Path, description = "patients.id"), ("goal_id" = Uuid, Path, description = "goal id"),
           ("If-Match" = Option<String>, Header, description = "ETag from GET")),
    responses((status = 200, body = TherapyGoal), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 412, body = ErrorBody)))]
pub async fn update_goal(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    headers: HeaderMap,
    ApiPath((client_id, goal_id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(req): ApiJson<UpdateGoalRequest>,
) -> ApiResult<Response> {
    let expected = if_match_version(&headers)?;
    clinician_of(&state.pool, &user, client_id).await?;
    if let Some(goal) = &req.goal {
        check_text("goal", goal, 1000)?;
    }
    check_progress(req.progress)?;
    check_target(req.target.as_ref().and_then(Option::as_ref))?;
    let mut tx = state.pool.begin().await?;
    let row: Option<(i32, Option<serde_json::Value>)> = sqlx::query_as(
        "SELECT version, target FROM therapy_goals WHERE id = $1 AND patient_id = $2 FOR UPDATE",
    )
    .bind(goal_id)
    .bind(client_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (version, stored_target) =
        row.ok_or_else(|| ApiError::not_found(ErrorCode::GoalNotFound, "therapy goal"))?;
    if expected.is_some_and(|v| v != version) {
        return Err(precondition_failed(version));
    }
    let target = match &req.target {
        Some(t) => t
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(ApiError::internal)?,
        None => stored_target,
    };
    if req.progress.is_some() && target.is_some() {
        return Err(ApiError::field(
            "progress",
            "is computed from the sessions for a goal with a measurable target",
        ));
    }
    sqlx::query(
        "UPDATE therapy_goals SET goal = COALESCE($3, goal), status = COALESCE($4, status),
            progress = COALESCE($5, progress), target_date = COALESCE($6, target_date),
            target = $7, version = version + 1, updated_at = NOW()
         WHERE id = $1 AND patient_id = $2",
    )
    .bind(goal_id)
    .bind(client_id)
    .bind(req.goal.as_deref().map(str::trim))
    .bind(req.status.map(GoalStatus::as_str))
    .bind(req.progress.map(i16::from))
    .bind(req.target_date)
    .bind(target)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    log(
        &state,
        &user,
        &client,
        AuditResource::TherapyGoal,
        goal_id,
        Action::Update,
    )
    .await?;
    let goal = clinic::goal(&state.pool, client_id, goal_id)
        .await?
        .ok_or_else(|| ApiError::internal("goal vanished"))?;
    let version = goal.version;
    Ok(json_with_etag(StatusCode::OK, goal, version))
}

/// A client's emergency contact (the client, their clinicians, admins).
#[utoipa::path(get, path = "/api/clients/{client_id}/emergency-contact", tag = "clients", security(("bearer" = [])),
    params(("client_id" = Uuid, Path, description = "patients.id")),
    responses((status = 200, body = EmergencyContactRecord), (status = 404, body = ErrorBody)))]
pub async fn get_emergency_contact(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(client_id): ApiPath<Uuid>,
) -> ApiResult<Json<EmergencyContactRecord>> {
    visible_client(&state.pool, &user, client_id).await?;
    let stored: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT emergency_contact FROM patients WHERE id = $1")
            .bind(client_id)
            .fetch_one(&state.pool)
            .await?;
    log(
        &state,
        &user,
        &client,
        AuditResource::EmergencyContact,
        client_id,
        Action::Read,
    )
    .await?;
    Ok(Json(EmergencyContactRecord {
        client_id,
        emergency_contact: emergency_contact(stored),
    }))
}

/// 400 on `field` unless `phone` is 7 to 15 digits with an optional leading `+` and spaces,
/// dashes, dots or parentheses between; returns it trimmed.
fn check_phone(field: &str, phone: &str) -> ApiResult<String> {
    let phone = phone.trim();
    let body = phone.strip_prefix('+').unwrap_or(phone);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    let allowed = body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'));
    if allowed && (7..=15).contains(&digits) {
        Ok(phone.to_string())
    } else {
        Err(ApiError::field(
            field,
            "must be a phone number of 7 to 15 digits (a leading +, spaces, dashes, dots and parentheses allowed)",
        ))
    }
}

/// Replaces a client's emergency contact (seed 001 §8): the client themselves, their
/// clinicians, admins. Phone numbers and the e-mail are validated.
#[utoipa::path(put, path = "/api/clients/{client_id}/emergency-contact", tag = "clients", security(("bearer" = [])),
    request_body = EmergencyContact,
    params(("client_id" = Uuid, Path, description = "patients.id")),
    responses((status = 200, body = EmergencyContactRecord), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn put_emergency_contact(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(client_id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<EmergencyContact>,
) -> ApiResult<Json<EmergencyContactRecord>> {
    visible_client(&state.pool, &user, client_id).await?;
    check_text("name", &req.name, 200)?;
    check_optional_text("relationship", req.relationship.as_deref(), 100)?;
    let contact = EmergencyContact {
        name: req.name.trim().to_string(),
        relationship: req
            .relationship
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty()),
        phone: check_phone("phone", &req.phone)?,
        alternate_phone: req
            .alternate_phone
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(|p| check_phone("alternatePhone", p))
            .transpose()?,
        email: req
            .email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(normalise_email)
            .transpose()?,
    };
    sqlx::query(
        "UPDATE patients SET emergency_contact = $2, version = version + 1, updated_at = NOW()
         WHERE id = $1",
    )
    .bind(client_id)
    .bind(serde_json::to_value(&contact).map_err(ApiError::internal)?)
    .execute(&state.pool)
    .await?;
    log(
        &state,
        &user,
        &client,
        AuditResource::EmergencyContact,
        client_id,
        Action::Update,
    )
    .await?;
    Ok(Json(EmergencyContactRecord {
        client_id,
        emergency_contact: Some(contact),
    }))
}

/// A client's session summary (seed 001 §7), computed from their sessions, clinic progress,
/// clinical notes and program items (clinicians of the client, admins).
#[utoipa::path(get, path = "/api/clients/{client_id}/session-summary", tag = "clients", security(("bearer" = [])),
    params(("client_id" = Uuid, Path, description = "patients.id")),
    responses((status = 200, body = SessionSummary), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn session_summary(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(client_id): ApiPath<Uuid>,
) -> ApiResult<Json<SessionSummary>> {
    clinician_of(&state.pool, &user, client_id).await?;
    let summary = clinic_metrics::session_summary(&state.pool, client_id).await?;
    log(
        &state,
        &user,
        &client,
        AuditResource::PatientAnalytics,
        client_id,
        Action::Read,
    )
    .await?;
    Ok(Json(summary))
}
