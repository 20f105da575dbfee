//! `/api/programs`: program items a clinician prescribes (issue 15). The only prescription path:
//! a patient's own session never becomes one.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use physalign_api::auth::Role;
use physalign_api::pagination::Pagination;
use physalign_api::programs::{
    Adherence, CreateProgramItemRequest, ProgramItem, ProgramItemList, ProgramListQuery,
    ProgramSide, ProgramStatus, UpdateProgramItemRequest,
};
use physalign_api::{ErrorBody, ErrorCode};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::etag::{if_match_version, json_with_etag, precondition_failed};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientInfo};
use crate::state::AppState;
use crate::validate::{check_optional_text, check_text, page_window};

/// `/api/programs` and its sub-resources.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/programs", post(create).get(list))
        .route(
            "/api/programs/{program_item_id}",
            get(get_one).put(update).delete(end),
        )
        .route("/api/programs/{program_item_id}/end", post(end))
}

const ITEM_SELECT: &str = "SELECT i.id, i.patient_id, i.physiotherapist_id,
        TRIM(COALESCE(u.first_name, '') || ' ' || COALESCE(u.last_name, '')) AS physiotherapist_name,
        i.exercise_id, i.sets, i.reps, i.hold_seconds, i.target_angle_deg, i.tolerance_deg,
        i.side, i.sessions_per_week, i.start_date, i.end_date, i.instructions, i.status,
        i.ended_at, i.version, i.created_at, i.updated_at,
        (SELECT COUNT(*) FROM exercise_sessions s WHERE s.program_item_id = i.id
            AND s.end_time IS NOT NULL
            AND COALESCE(s.start_time, s.end_time) >= $1
            AND COALESCE(s.start_time, s.end_time) < $1 + INTERVAL '7 days') AS done_this_week,
        (SELECT COUNT(DISTINCT (COALESCE(s.start_time, s.end_time) AT TIME ZONE 'UTC')::date)
            FROM exercise_sessions s WHERE s.program_item_id = i.id
            AND s.end_time IS NOT NULL
            AND COALESCE(s.start_time, s.end_time) >= $2
            AND COALESCE(s.start_time, s.end_time) < $3) AS days_with_data_30d
     FROM program_items i
     JOIN physiotherapists ph ON ph.id = i.physiotherapist_id
     LEFT JOIN users u ON u.id = ph.user_id";

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: Uuid,
    patient_id: Uuid,
    physiotherapist_id: Uuid,
    physiotherapist_name: String,
    exercise_id: String,
    sets: i32,
    reps: Option<i32>,
    hold_seconds: Option<i32>,
    target_angle_deg: Option<f64>,
    tolerance_deg: Option<f64>,
    side: Option<String>,
    sessions_per_week: i32,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    instructions: Option<String>,
    status: String,
    ended_at: Option<DateTime<Utc>>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    done_this_week: i64,
    days_with_data_30d: i64,
}

/// The windows adherence counts in, at `now` (see `physalign_api::programs::Adherence`).
struct Windows {
    now: DateTime<Utc>,
    week_start: NaiveDate,
    /// Monday 00:00 UTC of the current ISO week.
    week_from: DateTime<Utc>,
    /// 00:00 UTC of the day 29 days before today.
    days_from: DateTime<Utc>,
    /// 00:00 UTC of tomorrow.
    days_to: DateTime<Utc>,
}

impl Windows {
    fn at(now: DateTime<Utc>) -> Self {
        let today = now.date_naive();
        let week_start = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
        let midnight = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
        Self {
            now,
            week_start,
            week_from: midnight(week_start),
            days_from: midnight(today - Duration::days(29)),
            days_to: midnight(today + Duration::days(1)),
        }
    }
}

fn count(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

impl ItemRow {
    fn into_item(self, w: &Windows) -> ApiResult<ProgramItem> {
        let side = self
            .side
            .map(|s| s.parse::<ProgramSide>())
            .transpose()
            .map_err(ApiError::internal)?;
        Ok(ProgramItem {
            id: self.id,
            patient_id: self.patient_id,
            physiotherapist_id: self.physiotherapist_id,
            physiotherapist_name: self.physiotherapist_name,
            exercise_id: self.exercise_id,
            sets: count(self.sets),
            reps: self.reps.map(count),
            hold_seconds: self.hold_seconds.map(count),
            target_angle_deg: self.target_angle_deg,
            tolerance_deg: self.tolerance_deg,
            side,
            sessions_per_week: count(self.sessions_per_week),
            start_date: self.start_date,
            end_date: self.end_date,
            instructions: self.instructions,
            status: self
                .status
                .parse::<ProgramStatus>()
                .map_err(ApiError::internal)?,
            ended_at: self.ended_at,
            adherence: Adherence {
                done_this_week: u32::try_from(self.done_this_week).unwrap_or(0),
                target_per_week: count(self.sessions_per_week),
                days_with_data_30d: u32::try_from(self.days_with_data_30d).unwrap_or(0),
                week_start: w.week_start,
            },
            as_of: w.now,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// One program item with its adherence now (no access check).
pub async fn load(pool: &PgPool, id: Uuid) -> ApiResult<Option<ProgramItem>> {
    let w = Windows::at(Utc::now());
    let row: Option<ItemRow> = sqlx::query_as(&format!("{ITEM_SELECT} WHERE i.id = $4"))
        .bind(w.week_from)
        .bind(w.days_from)
        .bind(w.days_to)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(|r| r.into_item(&w)).transpose()
}

/// The item if `user` may see it (the patient, their clinicians, admins); 404 otherwise.
async fn visible(pool: &PgPool, user: &AuthUser, id: Uuid) -> ApiResult<ProgramItem> {
    match load(pool, id).await? {
        Some(item) if access::can_see_patient(pool, user, item.patient_id).await? => Ok(item),
        _ => Err(ApiError::not_found(
            ErrorCode::ProgramItemNotFound,
            "program item",
        )),
    }
}

/// The caller's `physiotherapists.id`; only clinicians prescribe (admins neither: a
/// prescription needs a clinician to answer for it).
fn prescriber(user: &AuthUser) -> ApiResult<Uuid> {
    if user.role != Role::Physiotherapist {
        return Err(ApiError::forbidden(
            "only clinicians prescribe program items",
        ));
    }
    user.profile_id
        .ok_or_else(|| ApiError::forbidden("no physiotherapist profile"))
}

/// Field checks shared by create and replace.
#[allow(clippy::too_many_arguments)]
fn check_dose(
    exercise_id: &str,
    sets: u32,
    reps: Option<u32>,
    hold_seconds: Option<u32>,
    target: Option<f64>,
    tolerance: Option<f64>,
    per_week: u32,
    start: NaiveDate,
    end: Option<NaiveDate>,
    instructions: Option<&str>,
) -> ApiResult<()> {
    check_text("exercise_id", exercise_id, 100)?;
    let in_range = |field: &str, v: Option<u32>, lo: u32, hi: u32| match v {
        Some(v) if !(lo..=hi).contains(&v) => Err(ApiError::field(
            field,
            format!("must be between {lo} and {hi}"),
        )),
        _ => Ok(()),
    };
    in_range("sets", Some(sets), 1, 50)?;
    in_range("reps", reps, 1, 500)?;
    in_range("hold_seconds", hold_seconds, 1, 3600)?;
    in_range("sessions_per_week", Some(per_week), 1, 21)?;
    if target.is_some_and(|t| !(0.0..=360.0).contains(&t)) {
        return Err(ApiError::field(
            "target_angle_deg",
            "must be between 0 and 360",
        ));
    }
    if tolerance.is_some_and(|t| !(0.0..=180.0).contains(&t)) {
        return Err(ApiError::field(
            "tolerance_deg",
            "must be between 0 and 180",
        ));
    }
    if end.is_some_and(|e| e < start) {
        return Err(ApiError::field("end_date", "must not be before start_date"));
    }
    check_optional_text("instructions", instructions, 4000)
}

fn to_i32(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// Prescribes a program item for a patient in the caller's care.
#[utoipa::path(post, path = "/api/programs", tag = "programs", security(("bearer" = [])),
    request_body = CreateProgramItemRequest,
    responses((status = 201, body = ProgramItem), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<CreateProgramItemRequest>,
) -> ApiResult<Response> {
    let physio_id = prescriber(&user)?;
    check_dose(
        &req.exercise_id,
        req.sets,
        req.reps,
        req.hold_seconds,
        req.target_angle_deg,
        req.tolerance_deg,
        req.sessions_per_week,
        req.start_date,
        req.end_date,
        req.instructions.as_deref(),
    )?;
    if !access::can_see_patient(&state.pool, &user, req.patient_id).await? {
        return Err(ApiError::not_found(ErrorCode::PatientNotFound, "patient"));
    }
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO program_items (id, patient_id, physiotherapist_id, exercise_id, sets, reps,
            hold_seconds, target_angle_deg, tolerance_deg, side, sessions_per_week, start_date,
            end_date, instructions)
         VALUES (COALESCE($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
            $13, $14)
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(req.id)
    .bind(req.patient_id)
    .bind(physio_id)
    .bind(req.exercise_id.trim().to_lowercase())
    .bind(to_i32(req.sets))
    .bind(req.reps.map(to_i32))
    .bind(req.hold_seconds.map(to_i32))
    .bind(req.target_angle_deg)
    .bind(req.tolerance_deg)
    .bind(req.side.map(ProgramSide::as_str))
    .bind(to_i32(req.sessions_per_week))
    .bind(req.start_date)
    .bind(req.end_date)
    .bind(req.instructions.as_deref())
    .fetch_optional(&state.pool)
    .await?;
    let id = id.ok_or_else(|| {
        ApiError::conflict(
            ErrorCode::ProgramItemExists,
            "a program item with this id already exists",
        )
    })?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ProgramItem,
        Some(id),
        Action::Create,
        &client,
    )
    .await?;
    let item = visible(&state.pool, &user, id).await?;
    let version = item.version;
    Ok(json_with_etag(StatusCode::CREATED, item, version))
}

/// Program items the caller may see: a patient their own, a clinician their patients'.
#[utoipa::path(get, path = "/api/programs", tag = "programs", security(("bearer" = [])),
    params(ProgramListQuery),
    responses((status = 200, body = ProgramItemList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<ProgramListQuery>,
) -> ApiResult<axum::Json<ProgramItemList>> {
    let (page, per_page, offset) = page_window(query.page, query.per_page)?;
    let w = Windows::at(Utc::now());
    let filters = |qb: &mut QueryBuilder<'_, Postgres>| {
        match user.role {
            Role::Admin => {}
            Role::Patient => {
                qb.push(" AND i.patient_id = ")
                    .push_bind(access::filter_param(&user));
            }
            Role::Physiotherapist => {
                qb.push(
                    " AND i.patient_id IN (SELECT patient_id FROM patient_physio_assignments
                      WHERE status = 'active' AND physiotherapist_id = ",
                )
                .push_bind(access::filter_param(&user))
                .push(")");
            }
        }
        if let Some(pid) = query.patient_id {
            qb.push(" AND i.patient_id = ").push_bind(pid);
        }
        if let Some(status) = query.status {
            qb.push(" AND i.status = ").push_bind(status.as_str());
        }
    };
    let mut counter =
        QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM program_items i WHERE TRUE");
    filters(&mut counter);
    let total: i64 = counter.build_query_scalar().fetch_one(&state.pool).await?;
    // ITEM_SELECT's windows ($1-$3) become a CTE here, because the filters' binds are numbered
    // by the builder after them.
    let mut qb = QueryBuilder::<Postgres>::new("WITH win AS (SELECT ");
    qb.push_bind(w.week_from)
        .push("::timestamptz AS wf, ")
        .push_bind(w.days_from)
        .push("::timestamptz AS df, ")
        .push_bind(w.days_to)
        .push("::timestamptz AS dt) ");
    qb.push(
        ITEM_SELECT
            .replace("$1", "(SELECT wf FROM win)")
            .replace("$2", "(SELECT df FROM win)")
            .replace("$3", "(SELECT dt FROM win)"),
    );
    qb.push(" WHERE TRUE");
    filters(&mut qb);
    qb.push(
        " ORDER BY (i.status = 'active') DESC, i.start_date DESC, i.created_at DESC, i.id LIMIT ",
    )
    .push_bind(i64::from(per_page))
    .push(" OFFSET ")
    .push_bind(offset);
    let rows: Vec<ItemRow> = qb.build_query_as().fetch_all(&state.pool).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ProgramItem,
        query.patient_id,
        Action::Read,
        &client,
    )
    .await?;
    Ok(axum::Json(ProgramItemList {
        data: rows
            .into_iter()
            .map(|r| r.into_item(&w))
            .collect::<ApiResult<_>>()?,
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    }))
}

/// One program item with its adherence; `ETag` is its version.
#[utoipa::path(get, path = "/api/programs/{program_item_id}", tag = "programs", security(("bearer" = [])),
    params(("program_item_id" = Uuid, Path, description = "program item id")),
    responses((status = 200, body = ProgramItem), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    let item = visible(&state.pool, &user, id).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ProgramItem,
        Some(id),
        Action::Read,
        &client,
    )
    .await?;
    let version = item.version;
    Ok(json_with_etag(StatusCode::OK, item, version))
}

/// Locks an item the clinician may change; its version.
async fn lock_for_clinician(
    conn: &mut sqlx::PgConnection,
    pool: &PgPool,
    user: &AuthUser,
    id: Uuid,
) -> ApiResult<(i32, String)> {
    prescriber(user)?;
    let row: Option<(Uuid, i32, String)> = sqlx::query_as(
        "SELECT patient_id, version, status FROM program_items WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some((pid, version, status)) if access::can_see_patient(pool, user, pid).await? => {
            Ok((version, status))
        }
        _ => Err(ApiError::not_found(
            ErrorCode::ProgramItemNotFound,
            "program item",
        )),
    }
}

/// Replaces an item's editable fields (clinicians of the patient; `If-Match` → 412).
#[utoipa::path(put, path = "/api/programs/{program_item_id}", tag = "programs", security(("bearer" = [])),
    request_body = UpdateProgramItemRequest,
    params(("program_item_id" = Uuid, Path, description = "program item id"),
           ("If-Match" = Option<String>, Header, description = "ETag from GET")),
    responses((status = 200, body = ProgramItem), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 412, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateProgramItemRequest>,
) -> ApiResult<Response> {
    let expected = if_match_version(&headers)?;
    check_dose(
        &req.exercise_id,
        req.sets,
        req.reps,
        req.hold_seconds,
        req.target_angle_deg,
        req.tolerance_deg,
        req.sessions_per_week,
        req.start_date,
        req.end_date,
        req.instructions.as_deref(),
    )?;
    let mut tx = state.pool.begin().await?;
    let (version, status) = lock_for_clinician(&mut tx, &state.pool, &user, id).await?;
    if expected.is_some_and(|v| v != version) {
        return Err(precondition_failed(version));
    }
    if status == ProgramStatus::Ended.as_str() {
        return Err(ApiError::conflict(
            ErrorCode::ProgramItemEnded,
            "the program item has ended",
        ));
    }
    sqlx::query(
        "UPDATE program_items SET exercise_id = $2, sets = $3, reps = $4, hold_seconds = $5,
            target_angle_deg = $6, tolerance_deg = $7, side = $8, sessions_per_week = $9,
            start_date = $10, end_date = $11, instructions = $12, version = version + 1,
            updated_at = NOW()
         WHERE id = $1",
    )
    .bind(id)
    .bind(req.exercise_id.trim().to_lowercase())
    .bind(to_i32(req.sets))
    .bind(req.reps.map(to_i32))
    .bind(req.hold_seconds.map(to_i32))
    .bind(req.target_angle_deg)
    .bind(req.tolerance_deg)
    .bind(req.side.map(ProgramSide::as_str))
    .bind(to_i32(req.sessions_per_week))
    .bind(req.start_date)
    .bind(req.end_date)
    .bind(req.instructions.as_deref())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ProgramItem,
        Some(id),
        Action::Update,
        &client,
    )
    .await?;
    let item = visible(&state.pool, &user, id).await?;
    let version = item.version;
    Ok(json_with_etag(StatusCode::OK, item, version))
}

/// Ends an item (`POST .../end` or `DELETE`); ending an ended item answers it unchanged.
#[utoipa::path(post, path = "/api/programs/{program_item_id}/end", tag = "programs", security(("bearer" = [])),
    params(("program_item_id" = Uuid, Path, description = "program item id"),
           ("If-Match" = Option<String>, Header, description = "ETag from GET")),
    responses((status = 200, body = ProgramItem), (status = 404, body = ErrorBody),
              (status = 412, body = ErrorBody)))]
pub async fn end(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    let expected = if_match_version(&headers)?;
    let mut tx = state.pool.begin().await?;
    let (version, status) = lock_for_clinician(&mut tx, &state.pool, &user, id).await?;
    if expected.is_some_and(|v| v != version) {
        return Err(precondition_failed(version));
    }
    if status != ProgramStatus::Ended.as_str() {
        sqlx::query(
            "UPDATE program_items SET status = 'ended', ended_at = NOW(),
                version = version + 1, updated_at = NOW() WHERE id = $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ProgramItem,
        Some(id),
        Action::Update,
        &client,
    )
    .await?;
    let item = visible(&state.pool, &user, id).await?;
    let version = item.version;
    Ok(json_with_etag(StatusCode::OK, item, version))
}
