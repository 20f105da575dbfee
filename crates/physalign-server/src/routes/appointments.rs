//! `/api/appointments` (issue 18, seed 001): the clinic calendar. Clinicians book, move and
//! cancel their own appointments for patients in their care, set up recurring series, write
//! preparation notes and apply the no-show policy; patients read their own; admins everything.
//! Also the practice's settings (default time zone, fee currency) and the client notification
//! records the no-show policy queues.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::NaiveDateTime;
use physalign_api::appointments::{
    Appointment, AppointmentList, AppointmentListQuery, AppointmentStatus,
    CancelAppointmentRequest, ClientNotificationList, CreateAppointmentRequest, NoShowRequest,
    NotificationListQuery, PracticeSettings, Preparation, RecurringRequest, RecurringSeries,
    UpdateAppointmentRequest,
};
use physalign_api::auth::Role;
use physalign_api::pagination::Pagination;
use physalign_api::{ErrorBody, ErrorCode};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::clinic_time;
use crate::error::{ApiError, ApiResult};
use crate::etag::{if_match_version, json_with_etag, precondition_failed};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientInfo};
use crate::repo::appointments as repo;
use crate::state::AppState;
use crate::validate::{check_optional_text, check_text, page_window};

/// `/api/appointments`, `/api/practice/settings`, `/api/notifications`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/appointments", post(create).get(list))
        .route(
            "/api/appointments/{appointment_id}",
            get(get_one).put(update).delete(cancel_delete),
        )
        .route("/api/appointments/{appointment_id}/cancel", post(cancel))
        .route(
            "/api/appointments/{appointment_id}/recurring",
            post(recurring),
        )
        .route(
            "/api/appointments/{appointment_id}/no-show-policy",
            post(no_show_policy),
        )
        .route(
            "/api/appointments/{appointment_id}/preparation",
            put(preparation),
        )
        .route(
            "/api/practice/settings",
            get(get_settings).put(put_settings),
        )
        .route("/api/notifications", get(list_notifications))
}

fn not_found() -> ApiError {
    ApiError::not_found(ErrorCode::AppointmentNotFound, "appointment")
}

/// The appointment if `user` may see it; 404 otherwise.
async fn visible(pool: &PgPool, user: &AuthUser, id: Uuid) -> ApiResult<Appointment> {
    match repo::load(pool, id).await? {
        Some(a) if repo::may_see(pool, user, a.client_id, a.therapist_id).await? => Ok(a),
        _ => Err(not_found()),
    }
}

/// Locks an appointment the caller may change: its own clinician or an admin (a patient who
/// can see it gets 403, anyone else 404).
async fn lock_for_change(
    conn: &mut sqlx::PgConnection,
    pool: &PgPool,
    user: &AuthUser,
    id: Uuid,
) -> ApiResult<repo::Locked> {
    match repo::lock(conn, id).await? {
        Some(locked)
            if repo::may_see(pool, user, locked.patient_id, locked.physiotherapist_id).await? =>
        {
            user.require(&[Role::Physiotherapist, Role::Admin])?;
            Ok(locked)
        }
        _ => Err(not_found()),
    }
}

fn check_duration(minutes: u32) -> ApiResult<()> {
    if (5..=480).contains(&minutes) {
        Ok(())
    } else {
        Err(ApiError::field(
            "durationMinutes",
            "must be between 5 and 480",
        ))
    }
}

fn to_i32(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

fn is_closed(status: &str) -> bool {
    status == AppointmentStatus::Cancelled.as_str() || status == AppointmentStatus::NoShow.as_str()
}

fn closed(status: &str) -> ApiError {
    ApiError::conflict(
        ErrorCode::AppointmentNotScheduled,
        format!("the appointment is {status}"),
    )
}

async fn answer(
    state: &AppState,
    user: &AuthUser,
    client: &ClientInfo,
    id: Uuid,
    action: Action,
    status: StatusCode,
) -> ApiResult<Response> {
    audit::record(
        &state.pool,
        Some(user),
        AuditResource::Appointment,
        Some(id),
        action,
        client,
    )
    .await?;
    let appointment = visible(&state.pool, user, id).await?;
    let version = appointment.version;
    Ok(json_with_etag(status, appointment, version))
}

/// Books an appointment.
#[utoipa::path(post, path = "/api/appointments", tag = "appointments", security(("bearer" = [])),
    request_body = CreateAppointmentRequest,
    responses((status = 201, body = Appointment), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<CreateAppointmentRequest>,
) -> ApiResult<Response> {
    user.require(&[Role::Physiotherapist, Role::Admin])?;
    let therapist_id = match user.role {
        Role::Physiotherapist => {
            let me = user
                .profile_id
                .ok_or_else(|| ApiError::forbidden("no physiotherapist profile"))?;
            if req.therapist_id.is_some_and(|t| t != me) {
                return Err(ApiError::field(
                    "therapistId",
                    "a clinician books only their own appointments",
                ));
            }
            me
        }
        _ => req
            .therapist_id
            .ok_or_else(|| ApiError::field("therapistId", "required for administrators"))?,
    };
    check_duration(req.duration_minutes)?;
    check_optional_text("notes", req.notes.as_deref(), 4000)?;
    let zone_name = match req.time_zone {
        Some(name) => name,
        None => repo::practice_settings(&state.pool).await?.time_zone,
    };
    let zone = clinic_time::parse_zone("timeZone", &zone_name)?;
    let (local, instant) = clinic_time::parse_start("startTime", &req.start_time, zone)?;
    let in_care: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM patient_physio_assignments
         WHERE patient_id = $1 AND physiotherapist_id = $2 AND status = 'active')",
    )
    .bind(req.client_id)
    .bind(therapist_id)
    .fetch_one(&state.pool)
    .await?;
    if !in_care {
        return Err(ApiError::not_found(ErrorCode::PatientNotFound, "client"));
    }
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO appointments (id, patient_id, physiotherapist_id, start_time, local_start,
            time_zone, duration_minutes, kind, notes, created_by)
         VALUES (COALESCE($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(req.id)
    .bind(req.client_id)
    .bind(therapist_id)
    .bind(instant)
    .bind(local)
    .bind(zone.name())
    .bind(to_i32(req.duration_minutes))
    .bind(req.kind.as_str())
    .bind(req.notes.as_deref())
    .bind(user.user_id)
    .fetch_optional(&state.pool)
    .await?;
    let id = id.ok_or_else(|| {
        ApiError::conflict(
            ErrorCode::AppointmentExists,
            "an appointment with this id already exists",
        )
    })?;
    answer(
        &state,
        &user,
        &client,
        id,
        Action::Create,
        StatusCode::CREATED,
    )
    .await
}

/// Appointments the caller may see, by start time.
#[utoipa::path(get, path = "/api/appointments", tag = "appointments", security(("bearer" = [])),
    params(AppointmentListQuery),
    responses((status = 200, body = AppointmentList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<AppointmentListQuery>,
) -> ApiResult<Json<AppointmentList>> {
    let (page, per_page, offset) = page_window(query.page, query.per_page)?;
    let filters = |qb: &mut QueryBuilder<'_, Postgres>| {
        repo::push_visibility(qb, &user);
        if let Some(from) = query.from {
            qb.push(" AND a.start_time >= ").push_bind(from);
        }
        if let Some(to) = query.to {
            qb.push(" AND a.start_time < ").push_bind(to);
        }
        if let Some(cid) = query.client_id {
            qb.push(" AND a.patient_id = ").push_bind(cid);
        }
        if let Some(tid) = query.therapist_id {
            qb.push(" AND a.physiotherapist_id = ").push_bind(tid);
        }
        if let Some(status) = query.status {
            qb.push(" AND a.status = ").push_bind(status.as_str());
        }
    };
    let mut counter =
        QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM appointments a WHERE TRUE");
    filters(&mut counter);
    let total: i64 = counter.build_query_scalar().fetch_one(&state.pool).await?;
    let mut qb = QueryBuilder::<Postgres>::new(repo::APPOINTMENT_SELECT);
    qb.push(" WHERE TRUE");
    filters(&mut qb);
    let data = repo::fetch_page(&state.pool, qb, per_page, offset).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::Appointment,
        query.client_id,
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(AppointmentList {
        data,
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    }))
}

/// One appointment; `ETag` is its version.
#[utoipa::path(get, path = "/api/appointments/{appointment_id}", tag = "appointments", security(("bearer" = [])),
    params(("appointment_id" = Uuid, Path, description = "appointment id")),
    responses((status = 200, body = Appointment), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    visible(&state.pool, &user, id).await?;
    answer(&state, &user, &client, id, Action::Read, StatusCode::OK).await
}

/// Moves or edits one appointment (only this one, also within a series); `If-Match` → 412.
#[utoipa::path(put, path = "/api/appointments/{appointment_id}", tag = "appointments", security(("bearer" = [])),
    request_body = UpdateAppointmentRequest,
    params(("appointment_id" = Uuid, Path, description = "appointment id"),
           ("If-Match" = Option<String>, Header, description = "ETag from GET")),
    responses((status = 200, body = Appointment), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateAppointmentRequest>,
) -> ApiResult<Response> {
    let expected = if_match_version(&headers)?;
    if let Some(minutes) = req.duration_minutes {
        check_duration(minutes)?;
    }
    check_optional_text("notes", req.notes.as_deref(), 4000)?;
    if req.status.is_some_and(|s| {
        !matches!(
            s,
            AppointmentStatus::Scheduled | AppointmentStatus::Completed
        )
    }) {
        return Err(ApiError::field(
            "status",
            "must be scheduled or completed (cancel and no-show have their own endpoints)",
        ));
    }
    let mut tx = state.pool.begin().await?;
    let locked = lock_for_change(&mut tx, &state.pool, &user, id).await?;
    if expected.is_some_and(|v| v != locked.version) {
        return Err(precondition_failed(locked.version));
    }
    if is_closed(&locked.status) {
        return Err(closed(&locked.status));
    }
    let zone_name = req.time_zone.clone().unwrap_or(locked.time_zone.clone());
    let zone = clinic_time::parse_zone("timeZone", &zone_name)?;
    // A new zone without a new start keeps the wall-clock time.
    let local: NaiveDateTime = match &req.start_time {
        Some(text) => clinic_time::parse_start("startTime", text, zone)?.0,
        None => locked.local_start,
    };
    let instant = clinic_time::resolve(local, zone);
    sqlx::query(
        "UPDATE appointments SET start_time = $2, local_start = $3, time_zone = $4,
            duration_minutes = $5, kind = $6, notes = $7, status = $8,
            version = version + 1, updated_at = NOW()
         WHERE id = $1",
    )
    .bind(id)
    .bind(instant)
    .bind(local)
    .bind(zone.name())
    .bind(req.duration_minutes.map_or(locked.duration_minutes, to_i32))
    .bind(
        req.kind
            .map_or(locked.kind.clone(), |k| k.as_str().to_string()),
    )
    .bind(req.notes.or(locked.notes))
    .bind(req.status.map_or(locked.status, |s| s.as_str().to_string()))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    answer(&state, &user, &client, id, Action::Update, StatusCode::OK).await
}

async fn cancel_with(
    state: AppState,
    user: AuthUser,
    client: ClientInfo,
    headers: HeaderMap,
    id: Uuid,
    reason: Option<String>,
) -> ApiResult<Response> {
    let expected = if_match_version(&headers)?;
    check_optional_text("reason", reason.as_deref(), 1000)?;
    let mut tx = state.pool.begin().await?;
    let locked = lock_for_change(&mut tx, &state.pool, &user, id).await?;
    if expected.is_some_and(|v| v != locked.version) {
        return Err(precondition_failed(locked.version));
    }
    match locked.status.parse::<AppointmentStatus>() {
        Ok(AppointmentStatus::Scheduled) => {
            sqlx::query(
                "UPDATE appointments SET status = 'cancelled', cancelled_at = NOW(),
                    cancel_reason = $2, version = version + 1, updated_at = NOW()
                 WHERE id = $1",
            )
            .bind(id)
            .bind(reason.as_deref())
            .execute(&mut *tx)
            .await?;
        }
        // Cancelling a cancelled appointment answers it unchanged.
        Ok(AppointmentStatus::Cancelled) => {}
        _ => return Err(closed(&locked.status)),
    }
    tx.commit().await?;
    answer(&state, &user, &client, id, Action::Update, StatusCode::OK).await
}

/// Cancels an appointment (kept, status `cancelled`); cancelling twice answers it unchanged.
#[utoipa::path(post, path = "/api/appointments/{appointment_id}/cancel", tag = "appointments", security(("bearer" = [])),
    request_body = CancelAppointmentRequest,
    params(("appointment_id" = Uuid, Path, description = "appointment id"),
           ("If-Match" = Option<String>, Header, description = "ETag from GET")),
    responses((status = 200, body = Appointment), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 412, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CancelAppointmentRequest>,
) -> ApiResult<Response> {
    cancel_with(state, user, client, headers, id, req.reason).await
}

/// `DELETE` cancels too (appointments are never deleted).
#[utoipa::path(delete, path = "/api/appointments/{appointment_id}", tag = "appointments", security(("bearer" = [])),
    params(("appointment_id" = Uuid, Path, description = "appointment id"),
           ("If-Match" = Option<String>, Header, description = "ETag from GET")),
    responses((status = 200, body = Appointment), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_delete(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    cancel_with(state, user, client, headers, id, None).await
}

/// Sets up a recurring series from this appointment (seed 001 §4): occurrences at the same
/// clinic wall-clock time until `endDate`, minus `exceptions`. Posting the same pattern again
/// creates nothing new; occurrences already there (moved or not) are left alone; scheduled
/// occurrences on a date now listed in `exceptions` are cancelled.
#[utoipa::path(post, path = "/api/appointments/{appointment_id}/recurring", tag = "appointments", security(("bearer" = [])),
    request_body = RecurringRequest,
    params(("appointment_id" = Uuid, Path, description = "appointment id")),
    responses((status = 200, body = RecurringSeries), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn recurring(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<RecurringRequest>,
) -> ApiResult<Json<RecurringSeries>> {
    let mut tx = state.pool.begin().await?;
    let locked = lock_for_change(&mut tx, &state.pool, &user, id).await?;
    if is_closed(&locked.status) {
        return Err(closed(&locked.status));
    }
    let zone = clinic_time::parse_zone("timeZone", &locked.time_zone)
        .map_err(|_| ApiError::internal("stored time zone unknown"))?;
    let series_id = locked.series_id.unwrap_or(id);
    let origin_date: Option<chrono::NaiveDate> =
        sqlx::query_scalar("SELECT series_date FROM appointments WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let first_date = origin_date.unwrap_or(locked.local_start.date());
    if req.end_date < first_date {
        return Err(ApiError::field(
            "endDate",
            "must not be before the appointment's date",
        ));
    }
    let mut exceptions = req.exceptions.clone();
    exceptions.sort_unstable();
    exceptions.dedup();
    let dates = clinic_time::occurrence_dates(first_date, req.pattern, req.end_date, &exceptions)?;
    sqlx::query(
        "INSERT INTO appointment_series (id, pattern, end_date, exceptions) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET pattern = EXCLUDED.pattern, end_date = EXCLUDED.end_date,
            exceptions = EXCLUDED.exceptions, updated_at = NOW()",
    )
    .bind(series_id)
    .bind(req.pattern.as_str())
    .bind(req.end_date)
    .bind(&exceptions)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE appointments SET series_id = $2, series_date = $3, version = version + 1,
            updated_at = NOW()
         WHERE id = $1 AND series_id IS NULL",
    )
    .bind(id)
    .bind(series_id)
    .bind(first_date)
    .execute(&mut *tx)
    .await?;
    let time = locked.local_start.time();
    let mut created = 0u32;
    for date in dates {
        let local = date.and_time(time);
        let inserted = sqlx::query(
            "INSERT INTO appointments (patient_id, physiotherapist_id, start_time, local_start,
                time_zone, duration_minutes, kind, notes, series_id, series_date, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (series_id, series_date) WHERE series_id IS NOT NULL DO NOTHING",
        )
        .bind(locked.patient_id)
        .bind(locked.physiotherapist_id)
        .bind(clinic_time::resolve(local, zone))
        .bind(local)
        .bind(&locked.time_zone)
        .bind(locked.duration_minutes)
        .bind(&locked.kind)
        .bind(locked.notes.as_deref())
        .bind(series_id)
        .bind(date)
        .bind(user.user_id)
        .execute(&mut *tx)
        .await?;
        created += u32::try_from(inserted.rows_affected()).unwrap_or(0);
    }
    sqlx::query(
        "UPDATE appointments SET status = 'cancelled', cancelled_at = NOW(),
            cancel_reason = 'excepted from the series', version = version + 1, updated_at = NOW()
         WHERE series_id = $1 AND series_date = ANY($2) AND status = 'scheduled' AND id <> $3",
    )
    .bind(series_id)
    .bind(&exceptions)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::Appointment,
        Some(series_id),
        Action::Create,
        &client,
    )
    .await?;
    Ok(Json(RecurringSeries {
        series_id,
        pattern: req.pattern,
        end_date: req.end_date,
        exceptions,
        created,
        occurrences: repo::series(&state.pool, series_id).await?,
    }))
}

/// Applies the practice's no-show policy (seed 001 §5): marks the no-show with its reason,
/// charges a fee in the practice's currency when `applyFee` (a positive `feeAmount`, or the
/// practice's standard fee), and queues a notification record for the client when
/// `notifyClient`. Applying it to a no-show again answers the appointment unchanged.
#[utoipa::path(post, path = "/api/appointments/{appointment_id}/no-show-policy", tag = "appointments", security(("bearer" = [])),
    request_body = NoShowRequest,
    params(("appointment_id" = Uuid, Path, description = "appointment id")),
    responses((status = 200, body = Appointment), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn no_show_policy(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<NoShowRequest>,
) -> ApiResult<Response> {
    check_optional_text("reason", req.reason.as_deref(), 1000)?;
    let settings = repo::practice_settings(&state.pool).await?;
    let fee = if req.apply_fee {
        let amount = req.fee_amount.or(settings.no_show_fee).ok_or_else(|| {
            ApiError::field(
                "feeAmount",
                "a fee needs an amount (the practice has no standard fee)",
            )
        })?;
        if !amount.is_finite() || amount <= 0.0 || amount > 100_000.0 {
            return Err(ApiError::field(
                "feeAmount",
                "must be a positive amount of at most 100000",
            ));
        }
        Some((amount * 100.0).round() / 100.0)
    } else {
        if req.fee_amount.is_some() {
            return Err(ApiError::field("feeAmount", "is only taken with applyFee"));
        }
        None
    };
    let mut tx = state.pool.begin().await?;
    let locked = lock_for_change(&mut tx, &state.pool, &user, id).await?;
    match locked.status.parse::<AppointmentStatus>() {
        Ok(AppointmentStatus::Scheduled) => {}
        Ok(AppointmentStatus::NoShow) => {
            tx.commit().await?;
            return answer(&state, &user, &client, id, Action::Read, StatusCode::OK).await;
        }
        _ => return Err(closed(&locked.status)),
    }
    sqlx::query(
        "UPDATE appointments SET status = 'no-show', no_show_reason = $2, no_show_fee_amount = $3,
            no_show_fee_currency = $4, no_show_client_notified = $5, no_show_at = NOW(),
            version = version + 1, updated_at = NOW()
         WHERE id = $1",
    )
    .bind(id)
    .bind(req.reason.as_deref())
    .bind(fee)
    .bind(fee.map(|_| settings.currency.clone()))
    .bind(req.notify_client)
    .execute(&mut *tx)
    .await?;
    if req.notify_client {
        let when = locked.local_start.format("%A %-d %B %Y at %H:%M");
        let mut message = format!(
            "You missed your appointment on {when} ({}).",
            locked.time_zone
        );
        if let Some(amount) = fee {
            message.push_str(&format!(
                " A no-show fee of {amount:.2} {} applies.",
                settings.currency
            ));
        }
        sqlx::query(
            "INSERT INTO client_notifications (patient_id, kind, appointment_id, message)
             VALUES ($1, 'no_show', $2, $3) ON CONFLICT (appointment_id, kind) DO NOTHING",
        )
        .bind(locked.patient_id)
        .bind(id)
        .bind(message)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    answer(&state, &user, &client, id, Action::Update, StatusCode::OK).await
}

/// Replaces an appointment's preparation notes (seed 001 §10).
#[utoipa::path(put, path = "/api/appointments/{appointment_id}/preparation", tag = "appointments", security(("bearer" = [])),
    request_body = Preparation,
    params(("appointment_id" = Uuid, Path, description = "appointment id"),
           ("If-Match" = Option<String>, Header, description = "ETag from GET")),
    responses((status = 200, body = Appointment), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 412, body = ErrorBody)))]
pub async fn preparation(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<Preparation>,
) -> ApiResult<Response> {
    let expected = if_match_version(&headers)?;
    check_optional_text("preparationNotes", req.preparation_notes.as_deref(), 8000)?;
    if req.focus_areas.len() > 50 {
        return Err(ApiError::field("focusAreas", "at most 50 areas"));
    }
    for (i, area) in req.focus_areas.iter().enumerate() {
        check_text(&format!("focusAreas[{i}]"), area, 200)?;
    }
    let mut tx = state.pool.begin().await?;
    let locked = lock_for_change(&mut tx, &state.pool, &user, id).await?;
    if expected.is_some_and(|v| v != locked.version) {
        return Err(precondition_failed(locked.version));
    }
    sqlx::query(
        "UPDATE appointments SET preparation = $2, version = version + 1, updated_at = NOW()
         WHERE id = $1",
    )
    .bind(id)
    .bind(serde_json::to_value(&req).map_err(ApiError::internal)?)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    answer(&state, &user, &client, id, Action::Update, StatusCode::OK).await
}

/// The practice's settings (any signed-in user).
#[utoipa::path(get, path = "/api/practice/settings", tag = "appointments", security(("bearer" = [])),
    responses((status = 200, body = PracticeSettings)))]
pub async fn get_settings(
    State(state): State<AppState>,
    _user: AuthUser,
) -> ApiResult<Json<PracticeSettings>> {
    Ok(Json(repo::practice_settings(&state.pool).await?))
}

/// Replaces the practice's settings (admins).
#[utoipa::path(put, path = "/api/practice/settings", tag = "appointments", security(("bearer" = [])),
    request_body = PracticeSettings,
    responses((status = 200, body = PracticeSettings), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<PracticeSettings>,
) -> ApiResult<Json<PracticeSettings>> {
    user.require(&[Role::Admin])?;
    let zone = clinic_time::parse_zone("timeZone", &req.time_zone)?;
    if !(req.currency.len() == 3 && req.currency.chars().all(|c| c.is_ascii_uppercase())) {
        return Err(ApiError::field(
            "currency",
            "must be an ISO 4217 code, e.g. EUR",
        ));
    }
    if req
        .no_show_fee
        .is_some_and(|f| !f.is_finite() || f <= 0.0 || f > 100_000.0)
    {
        return Err(ApiError::field(
            "noShowFee",
            "must be a positive amount of at most 100000",
        ));
    }
    let settings = PracticeSettings {
        time_zone: zone.name().to_string(),
        ..req
    };
    repo::store_practice_settings(&state.pool, &settings).await?;
    Ok(Json(repo::practice_settings(&state.pool).await?))
}

/// Notification records of the clients the caller may see (a patient their own), newest first.
#[utoipa::path(get, path = "/api/notifications", tag = "appointments", security(("bearer" = [])),
    params(NotificationListQuery),
    responses((status = 200, body = ClientNotificationList), (status = 400, body = ErrorBody)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<NotificationListQuery>,
) -> ApiResult<Json<ClientNotificationList>> {
    let (page, per_page, offset) = page_window(query.page, query.per_page)?;
    let (data, total) =
        repo::notifications(&state.pool, &user, query.client_id, per_page, offset).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::ClientNotification,
        query.client_id,
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(ClientNotificationList {
        data,
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    }))
}
