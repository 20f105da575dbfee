//! `/api/therapists/{therapistId}/session-templates` (issue 18, seed 001 §9): a therapist's
//! presets for common session types. A clinician reaches only their own templates; admins
//! every therapist's.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use physalign_api::auth::Role;
use physalign_api::pagination::Pagination;
use physalign_api::templates::{
    SessionTemplate, SessionTemplateList, SessionTemplateRequest, SessionType, TemplateListQuery,
    TemplateProgramItem,
};
use physalign_api::{ErrorBody, ErrorCode};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::etag::json_with_etag;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::validate::{check_optional_text, check_text, page_window};

/// The template routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/therapists/{therapist_id}/session-templates",
            get(list).post(create),
        )
        .route(
            "/api/therapists/{therapist_id}/session-templates/{template_id}",
            put(replace).delete(delete).get(get_one),
        )
}

/// 404 unless the therapist exists and the caller is them or an admin; 403 for patients.
pub async fn own_or_admin(pool: &PgPool, user: &AuthUser, therapist_id: Uuid) -> ApiResult<()> {
    user.require(&[Role::Physiotherapist, Role::Admin])?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM physiotherapists WHERE id = $1)")
            .bind(therapist_id)
            .fetch_one(pool)
            .await?;
    let allowed = user.role == Role::Admin || user.profile_id == Some(therapist_id);
    if exists && allowed {
        Ok(())
    } else {
        Err(ApiError::not_found(
            ErrorCode::PhysiotherapistNotFound,
            "therapist",
        ))
    }
}

const TEMPLATE_SELECT: &str = "SELECT id, physiotherapist_id, name, kind, default_goals,
        common_techniques, duration_minutes, program_items, version, created_at, updated_at
     FROM session_templates";

#[derive(sqlx::FromRow)]
struct TemplateRow {
    id: Uuid,
    physiotherapist_id: Uuid,
    name: String,
    kind: String,
    default_goals: Vec<String>,
    common_techniques: Vec<String>,
    duration_minutes: i32,
    program_items: serde_json::Value,
    version: i32,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl TemplateRow {
    fn into_template(self) -> ApiResult<SessionTemplate> {
        Ok(SessionTemplate {
            id: self.id,
            therapist_id: self.physiotherapist_id,
            name: self.name,
            kind: self
                .kind
                .parse::<SessionType>()
                .map_err(ApiError::internal)?,
            default_goals: self.default_goals,
            common_techniques: self.common_techniques,
            duration: u32::try_from(self.duration_minutes).unwrap_or(0),
            program_items: serde_json::from_value::<Vec<TemplateProgramItem>>(self.program_items)
                .map_err(ApiError::internal)?,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// One template of a therapist (no access check).
pub async fn load(
    pool: &PgPool,
    therapist_id: Uuid,
    id: Uuid,
) -> ApiResult<Option<SessionTemplate>> {
    let row: Option<TemplateRow> = sqlx::query_as(&format!(
        "{TEMPLATE_SELECT} WHERE id = $1 AND physiotherapist_id = $2"
    ))
    .bind(id)
    .bind(therapist_id)
    .fetch_optional(pool)
    .await?;
    row.map(TemplateRow::into_template).transpose()
}

fn template_not_found() -> ApiError {
    ApiError::not_found(ErrorCode::TemplateNotFound, "session template")
}

fn check(req: &SessionTemplateRequest) -> ApiResult<()> {
    check_text("name", &req.name, 200)?;
    if !(5..=480).contains(&req.duration) {
        return Err(ApiError::field(
            "duration",
            "must be between 5 and 480 minutes",
        ));
    }
    for (field, list) in [
        ("defaultGoals", &req.default_goals),
        ("commonTechniques", &req.common_techniques),
    ] {
        if list.len() > 50 {
            return Err(ApiError::field(field, "at most 50 entries"));
        }
        for (i, v) in list.iter().enumerate() {
            check_text(&format!("{field}[{i}]"), v, 500)?;
        }
    }
    if req.program_items.len() > 30 {
        return Err(ApiError::field("programItems", "at most 30 items"));
    }
    for (i, item) in req.program_items.iter().enumerate() {
        let f = |name: &str| format!("programItems[{i}].{name}");
        check_text(&f("exerciseId"), &item.exercise_id, 100)?;
        if !(1..=50).contains(&item.sets) {
            return Err(ApiError::field(f("sets"), "must be between 1 and 50"));
        }
        if item.reps.is_some_and(|r| !(1..=500).contains(&r)) {
            return Err(ApiError::field(f("reps"), "must be between 1 and 500"));
        }
        if item.hold_seconds.is_some_and(|h| !(1..=3600).contains(&h)) {
            return Err(ApiError::field(
                f("holdSeconds"),
                "must be between 1 and 3600",
            ));
        }
        if item
            .target_angle_deg
            .is_some_and(|t| !(0.0..=360.0).contains(&t))
        {
            return Err(ApiError::field(
                f("targetAngleDeg"),
                "must be between 0 and 360",
            ));
        }
        if !(1..=21).contains(&item.sessions_per_week) {
            return Err(ApiError::field(
                f("sessionsPerWeek"),
                "must be between 1 and 21",
            ));
        }
        check_optional_text(&f("instructions"), item.instructions.as_deref(), 4000)?;
    }
    Ok(())
}

fn items_json(req: &SessionTemplateRequest) -> ApiResult<serde_json::Value> {
    let items: Vec<TemplateProgramItem> = req
        .program_items
        .iter()
        .map(|i| TemplateProgramItem {
            exercise_id: i.exercise_id.trim().to_lowercase(),
            ..i.clone()
        })
        .collect();
    serde_json::to_value(items).map_err(ApiError::internal)
}

fn duration_i32(req: &SessionTemplateRequest) -> i32 {
    i32::try_from(req.duration).unwrap_or(i32::MAX)
}

/// A therapist's templates, by name.
#[utoipa::path(get, path = "/api/therapists/{therapist_id}/session-templates", tag = "templates", security(("bearer" = [])),
    params(("therapist_id" = Uuid, Path, description = "physiotherapists.id"), TemplateListQuery),
    responses((status = 200, body = SessionTemplateList), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(therapist_id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<TemplateListQuery>,
) -> ApiResult<Json<SessionTemplateList>> {
    let (page, per_page, offset) = page_window(query.page, query.per_page)?;
    own_or_admin(&state.pool, &user, therapist_id).await?;
    let kind = query.kind.map(SessionType::as_str);
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM session_templates
         WHERE physiotherapist_id = $1 AND ($2::text IS NULL OR kind = $2)",
    )
    .bind(therapist_id)
    .bind(kind)
    .fetch_one(&state.pool)
    .await?;
    let rows: Vec<TemplateRow> = sqlx::query_as(&format!(
        "{TEMPLATE_SELECT} WHERE physiotherapist_id = $1 AND ($2::text IS NULL OR kind = $2)
         ORDER BY lower(name), id LIMIT $3 OFFSET $4"
    ))
    .bind(therapist_id)
    .bind(kind)
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(SessionTemplateList {
        templates: rows
            .into_iter()
            .map(TemplateRow::into_template)
            .collect::<ApiResult<_>>()?,
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    }))
}

/// One template; `ETag` is its version.
#[utoipa::path(get, path = "/api/therapists/{therapist_id}/session-templates/{template_id}", tag = "templates", security(("bearer" = [])),
    params(("therapist_id" = Uuid, Path, description = "physiotherapists.id"),
           ("template_id" = Uuid, Path, description = "template id")),
    responses((status = 200, body = SessionTemplate), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((therapist_id, id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    own_or_admin(&state.pool, &user, therapist_id).await?;
    let t = load(&state.pool, therapist_id, id)
        .await?
        .ok_or_else(template_not_found)?;
    let version = t.version;
    Ok(json_with_etag(StatusCode::OK, t, version))
}

/// Creates a template for the therapist.
#[utoipa::path(post, path = "/api/therapists/{therapist_id}/session-templates", tag = "templates", security(("bearer" = [])),
    request_body = SessionTemplateRequest,
    params(("therapist_id" = Uuid, Path, description = "physiotherapists.id")),
    responses((status = 201, body = SessionTemplate), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(therapist_id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<SessionTemplateRequest>,
) -> ApiResult<Response> {
    own_or_admin(&state.pool, &user, therapist_id).await?;
    check(&req)?;
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO session_templates (id, physiotherapist_id, name, kind, default_goals,
            common_techniques, duration_minutes, program_items)
         VALUES (COALESCE($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(req.id)
    .bind(therapist_id)
    .bind(req.name.trim())
    .bind(req.kind.as_str())
    .bind(&req.default_goals)
    .bind(&req.common_techniques)
    .bind(duration_i32(&req))
    .bind(items_json(&req)?)
    .fetch_optional(&state.pool)
    .await?;
    let id = id.ok_or_else(|| {
        ApiError::conflict(
            ErrorCode::TemplateExists,
            "a template with this id already exists",
        )
    })?;
    let t = load(&state.pool, therapist_id, id)
        .await?
        .ok_or_else(template_not_found)?;
    let version = t.version;
    Ok(json_with_etag(StatusCode::CREATED, t, version))
}

/// Replaces a template's fields.
#[utoipa::path(put, path = "/api/therapists/{therapist_id}/session-templates/{template_id}", tag = "templates", security(("bearer" = [])),
    request_body = SessionTemplateRequest,
    params(("therapist_id" = Uuid, Path, description = "physiotherapists.id"),
           ("template_id" = Uuid, Path, description = "template id")),
    responses((status = 200, body = SessionTemplate), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn replace(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((therapist_id, id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(req): ApiJson<SessionTemplateRequest>,
) -> ApiResult<Response> {
    own_or_admin(&state.pool, &user, therapist_id).await?;
    check(&req)?;
    let done = sqlx::query(
        "UPDATE session_templates SET name = $3, kind = $4, default_goals = $5,
            common_techniques = $6, duration_minutes = $7, program_items = $8,
            version = version + 1, updated_at = NOW()
         WHERE id = $1 AND physiotherapist_id = $2",
    )
    .bind(id)
    .bind(therapist_id)
    .bind(req.name.trim())
    .bind(req.kind.as_str())
    .bind(&req.default_goals)
    .bind(&req.common_techniques)
    .bind(duration_i32(&req))
    .bind(items_json(&req)?)
    .execute(&state.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(template_not_found());
    }
    let t = load(&state.pool, therapist_id, id)
        .await?
        .ok_or_else(template_not_found)?;
    let version = t.version;
    Ok(json_with_etag(StatusCode::OK, t, version))
}

/// Deletes a template (sessions started from it keep their copy of its goals); 204.
#[utoipa::path(delete, path = "/api/therapists/{therapist_id}/session-templates/{template_id}", tag = "templates", security(("bearer" = [])),
    params(("therapist_id" = Uuid, Path, description = "physiotherapists.id"),
           ("template_id" = Uuid, Path, description = "template id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((therapist_id, id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    own_or_admin(&state.pool, &user, therapist_id).await?;
    let done =
        sqlx::query("DELETE FROM session_templates WHERE id = $1 AND physiotherapist_id = $2")
            .bind(id)
            .bind(therapist_id)
            .execute(&state.pool)
            .await?;
    if done.rows_affected() == 0 {
        return Err(template_not_found());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
