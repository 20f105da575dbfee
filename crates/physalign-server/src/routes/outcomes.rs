//! Patient-reported outcome measures (issue 19): `/api/outcome-responses`, the questionnaires a
//! patient fills in on the app (or a clinician in clinic for a patient in their care), and the
//! outcome plan of each patient (`/api/patients/{patient_id}/outcome-plan`,
//! `/api/outcome-plans`), which says which questionnaires are asked during the episode of care.
//! The server scores every questionnaire itself with `physalign-outcomes`; a client's score is
//! never taken. Administrators read but never enter clinical data.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use physalign_api::auth::Role;
use physalign_api::outcomes::{
    CreateOutcomeResponseRequest, OutcomePlanList, OutcomePlanRecord, OutcomeResponseList,
    OutcomeResponseQuery, OutcomeResponseRecord, PutOutcomePlanRequest, MAX_ACTIVITIES,
    MAX_ACTIVITY_CHARS,
};
use physalign_api::pagination::{PageQuery, Pagination};
use physalign_api::{ErrorBody, ErrorCode};
use physalign_outcomes::{Instrument, ScheduleError, ScoringError};
use sqlx::types::Json as SqlJson;
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientInfo};
use crate::state::AppState;
use crate::validate::page_window;

/// `/api/outcome-responses`, `/api/patients/{patient_id}/outcome-plan` and `/api/outcome-plans`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/outcome-responses", post(create).get(list))
        .route(
            "/api/patients/{patient_id}/outcome-plan",
            get(get_plan).put(put_plan),
        )
        .route("/api/outcome-plans", get(list_plans))
}

/// How far ahead of the server's clock a device's time may be.
fn clock_skew() -> Duration {
    Duration::minutes(5)
}

fn check_not_ahead(field: &str, at: DateTime<Utc>) -> Result<(), ApiError> {
    if at > Utc::now() + clock_skew() {
        return Err(ApiError::field(field, "lies in the future"));
    }
    Ok(())
}

const RESPONSE_COLUMNS: &str = "r.id, r.patient_id, r.instrument, r.answers, r.activities,
    r.score, r.max_score, r.completed_at, r.entered_by, r.entered_by_role, r.created_at";

#[derive(sqlx::FromRow)]
struct ResponseRow {
    id: Uuid,
    patient_id: Uuid,
    instrument: String,
    answers: SqlJson<Vec<Option<u8>>>,
    activities: SqlJson<Vec<String>>,
    score: f64,
    max_score: f64,
    completed_at: DateTime<Utc>,
    entered_by: Uuid,
    entered_by_role: String,
    created_at: DateTime<Utc>,
}

impl ResponseRow {
    fn into_record(self) -> Result<OutcomeResponseRecord, ApiError> {
        let instrument: Instrument = self
            .instrument
            .parse()
            .map_err(|e| ApiError::internal(format!("stored outcome response {}: {e}", self.id)))?;
        let entered_by_role = Role::parse(&self.entered_by_role).ok_or_else(|| {
            ApiError::internal(format!(
                "stored outcome response {}: role {:?}",
                self.id, self.entered_by_role
            ))
        })?;
        Ok(OutcomeResponseRecord {
            id: self.id,
            patient_id: self.patient_id,
            instrument,
            answers: self.answers.0,
            activities: self.activities.0,
            score: self.score,
            max: self.max_score,
            completed_at: self.completed_at,
            entered_by: self.entered_by,
            entered_by_role,
            created_at: self.created_at,
        })
    }
}

/// 400 naming the published rule that refused the answers (an out-of-range answer names its
/// item's index in `answers`).
fn scoring_refusal(error: &ScoringError) -> ApiError {
    let field = match error {
        ScoringError::AnswerOutOfRange { item, .. } => {
            format!("answers[{}]", item.saturating_sub(1))
        }
        _ => "answers".to_string(),
    };
    ApiError::field(field, error.to_string())
}

/// The activities as stored (trimmed), after PSFS's checks: only a PSFS names activities, at
/// most [`MAX_ACTIVITIES`], each 1 to [`MAX_ACTIVITY_CHARS`] characters, one per rating slot.
fn checked_activities(req: &CreateOutcomeResponseRequest) -> Result<Vec<String>, ApiError> {
    if req.activities.is_empty() {
        return Ok(Vec::new());
    }
    if req.instrument != Instrument::Psfs {
        return Err(ApiError::field(
            "activities",
            "only a PSFS names activities",
        ));
    }
    if req.activities.len() > MAX_ACTIVITIES {
        return Err(ApiError::field(
            "activities",
            format!("at most {MAX_ACTIVITIES} activities"),
        ));
    }
    if req.activities.len() != req.answers.len() {
        return Err(ApiError::field(
            "activities",
            format!(
                "one activity per rating: {} activities for {} answers",
                req.activities.len(),
                req.answers.len()
            ),
        ));
    }
    req.activities
        .iter()
        .enumerate()
        .map(|(i, activity)| {
            let name = activity.trim();
            let chars = name.chars().count();
            if chars == 0 || chars > MAX_ACTIVITY_CHARS {
                return Err(ApiError::field(
                    format!("activities[{i}]"),
                    format!("1 to {MAX_ACTIVITY_CHARS} characters"),
                ));
            }
            Ok(name.to_string())
        })
        .collect()
}

/// Saves a completed questionnaire: a patient's own, or one a clinician entered for a patient
/// in their care. The server scores it; the id comes from the device, and a replay of the same
/// create answers `409 OUTCOME_RESPONSE_EXISTS` (the device takes that as delivered).
#[utoipa::path(post, path = "/api/outcome-responses", tag = "outcomes",
    security(("bearer" = [])), request_body = CreateOutcomeResponseRequest,
    responses((status = 201, body = OutcomeResponseRecord), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<CreateOutcomeResponseRequest>,
) -> ApiResult<(StatusCode, Json<OutcomeResponseRecord>)> {
    // Administrators answer for no patient's care, so they enter no questionnaire.
    user.require(&[Role::Patient, Role::Physiotherapist])?;
    let score =
        physalign_outcomes::score(req.instrument, &req.answers).map_err(|e| scoring_refusal(&e))?;
    let activities = checked_activities(&req)?;
    check_not_ahead("completed_at", req.completed_at)?;
    if !access::can_see_patient(&state.pool, &user, req.patient_id).await? {
        return Err(ApiError::not_found(ErrorCode::PatientNotFound, "patient"));
    }
    let row: Option<ResponseRow> = sqlx::query_as(&format!(
        "INSERT INTO outcome_responses AS r (id, patient_id, instrument, answers, activities,
             score, max_score, completed_at, entered_by, entered_by_role)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO NOTHING
         RETURNING {RESPONSE_COLUMNS}"
    ))
    .bind(req.id)
    .bind(req.patient_id)
    .bind(req.instrument.as_str())
    .bind(SqlJson(&req.answers))
    .bind(SqlJson(&activities))
    .bind(score.value)
    .bind(score.max)
    .bind(req.completed_at)
    .bind(user.user_id)
    .bind(user.role.as_str())
    .fetch_optional(&state.pool)
    .await?;
    let row = row.ok_or_else(|| {
        ApiError::conflict(
            ErrorCode::OutcomeResponseExists,
            "an outcome questionnaire with this id already exists",
        )
    })?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::OutcomeResponse,
        Some(row.id),
        Action::Create,
        &client,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(row.into_record()?)))
}

/// Questionnaires the caller may see (a patient their own, a clinician their patients', an
/// administrator all), newest first.
#[utoipa::path(get, path = "/api/outcome-responses", tag = "outcomes",
    security(("bearer" = [])), params(OutcomeResponseQuery),
    responses((status = 200, body = OutcomeResponseList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<OutcomeResponseQuery>,
) -> ApiResult<Json<OutcomeResponseList>> {
    let (page, per_page, offset) = page_window(query.page, query.per_page)?;
    let visible = access::patient_filter_sql(&user, "r", 1);
    let filters = format!(
        "{visible} AND ($2::uuid IS NULL OR r.patient_id = $2)
         AND ($3::text IS NULL OR r.instrument = $3)"
    );
    let instrument = query.instrument.map(Instrument::as_str);
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM outcome_responses r WHERE {filters}"
    ))
    .bind(access::filter_param(&user))
    .bind(query.patient_id)
    .bind(instrument)
    .fetch_one(&state.pool)
    .await?;
    let rows: Vec<ResponseRow> = sqlx::query_as(&format!(
        "SELECT {RESPONSE_COLUMNS} FROM outcome_responses r WHERE {filters}
         ORDER BY r.completed_at DESC, r.id LIMIT $4 OFFSET $5"
    ))
    .bind(access::filter_param(&user))
    .bind(query.patient_id)
    .bind(instrument)
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::OutcomeResponse,
        query.patient_id,
        Action::Read,
        &client,
    )
    .await?;
    let data = rows
        .into_iter()
        .map(ResponseRow::into_record)
        .collect::<Result<_, _>>()?;
    Ok(Json(OutcomeResponseList {
        data,
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    }))
}

const PLAN_COLUMNS: &str =
    "p.patient_id, p.instruments, p.started_on, p.discharge_on, p.updated_at, p.updated_by";

#[derive(sqlx::FromRow)]
struct PlanRow {
    patient_id: Uuid,
    instruments: Vec<String>,
    started_on: NaiveDate,
    discharge_on: Option<NaiveDate>,
    updated_at: DateTime<Utc>,
    updated_by: Uuid,
}

impl PlanRow {
    fn into_record(self) -> Result<OutcomePlanRecord, ApiError> {
        let instruments = self
            .instruments
            .iter()
            .map(|name| name.parse::<Instrument>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                ApiError::internal(format!("stored outcome plan of {}: {e}", self.patient_id))
            })?;
        Ok(OutcomePlanRecord {
            patient_id: self.patient_id,
            instruments,
            started_on: self.started_on,
            discharge_on: self.discharge_on,
            updated_at: self.updated_at,
            updated_by: self.updated_by,
        })
    }
}

fn check_plan(req: &PutOutcomePlanRequest) -> Result<(), ApiError> {
    // An empty list is a plan that asks no questionnaire (the clinician turned them off).
    for (i, instrument) in req.instruments.iter().enumerate() {
        if req.instruments[..i].contains(instrument) {
            return Err(ApiError::field(
                format!("instruments[{i}]"),
                format!("{instrument} is listed more than once"),
            ));
        }
    }
    if let Some(discharge) = req.discharge_on.filter(|d| *d < req.started_on) {
        let refusal = ScheduleError::DischargeBeforeStart {
            start: req.started_on,
            discharge,
        };
        return Err(ApiError::field("discharge_on", refusal.to_string()));
    }
    // A device clock far ahead would otherwise keep its plan over every later edit.
    check_not_ahead("updated_at", req.updated_at)
}

async fn stored_plan(
    pool: &sqlx::PgPool,
    patient_id: Uuid,
) -> Result<Option<PlanRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {PLAN_COLUMNS} FROM outcome_plans p WHERE p.patient_id = $1"
    ))
    .bind(patient_id)
    .fetch_optional(pool)
    .await
}

fn plan_not_found() -> ApiError {
    ApiError::not_found(ErrorCode::NotFound, "outcome plan")
}

/// Sets a patient's outcome plan (clinicians in the patient's care). The device's `updated_at`
/// decides between edits: a plan the server holds with a later `updated_at` stays, and the
/// answer is always the plan the server keeps (so an old offline edit never overwrites a newer
/// one).
#[utoipa::path(put, path = "/api/patients/{patient_id}/outcome-plan", tag = "outcomes",
    security(("bearer" = [])), request_body = PutOutcomePlanRequest,
    params(("patient_id" = Uuid, Path, description = "patients.id")),
    responses((status = 200, body = OutcomePlanRecord), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_plan(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(patient_id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<PutOutcomePlanRequest>,
) -> ApiResult<Json<OutcomePlanRecord>> {
    if !access::can_see_patient(&state.pool, &user, patient_id).await? {
        return Err(ApiError::not_found(ErrorCode::PatientNotFound, "patient"));
    }
    user.require(&[Role::Physiotherapist])?;
    check_plan(&req)?;
    let instruments: Vec<&str> = req.instruments.iter().map(|i| i.as_str()).collect();
    // Ties keep the stored plan: the same edit sent twice changes nothing.
    let written: Option<PlanRow> = sqlx::query_as(&format!(
        "INSERT INTO outcome_plans AS p (patient_id, instruments, started_on, discharge_on,
             updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (patient_id) DO UPDATE SET instruments = EXCLUDED.instruments,
             started_on = EXCLUDED.started_on, discharge_on = EXCLUDED.discharge_on,
             updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
         WHERE p.updated_at < EXCLUDED.updated_at
         RETURNING {PLAN_COLUMNS}"
    ))
    .bind(patient_id)
    .bind(&instruments)
    .bind(req.started_on)
    .bind(req.discharge_on)
    .bind(req.updated_at)
    .bind(user.user_id)
    .fetch_optional(&state.pool)
    .await?;
    let (row, action) = match written {
        Some(row) => (row, Action::Update),
        // A newer plan is kept: the caller is answered with it, and only read it.
        None => (
            stored_plan(&state.pool, patient_id)
                .await?
                .ok_or_else(plan_not_found)?,
            Action::Read,
        ),
    };
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::OutcomePlan,
        Some(patient_id),
        action,
        &client,
    )
    .await?;
    Ok(Json(row.into_record()?))
}

/// A patient's outcome plan: the patient themself, their clinicians and administrators read
/// it; a patient without one is `404 NOT_FOUND`.
#[utoipa::path(get, path = "/api/patients/{patient_id}/outcome-plan", tag = "outcomes",
    security(("bearer" = [])), params(("patient_id" = Uuid, Path, description = "patients.id")),
    responses((status = 200, body = OutcomePlanRecord), (status = 404, body = ErrorBody)))]
pub async fn get_plan(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(patient_id): ApiPath<Uuid>,
) -> ApiResult<Json<OutcomePlanRecord>> {
    if !access::can_see_patient(&state.pool, &user, patient_id).await? {
        return Err(ApiError::not_found(ErrorCode::PatientNotFound, "patient"));
    }
    let row = stored_plan(&state.pool, patient_id)
        .await?
        .ok_or_else(plan_not_found)?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::OutcomePlan,
        Some(patient_id),
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(row.into_record()?))
}

/// The outcome plans of every patient the caller sees (a patient their own, a clinician their
/// patients', an administrator all), by patient id: the devices' sync pulls them.
#[utoipa::path(get, path = "/api/outcome-plans", tag = "outcomes",
    security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = OutcomePlanList), (status = 400, body = ErrorBody)))]
pub async fn list_plans(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<OutcomePlanList>> {
    let (page, per_page, offset) = page_window(query.page, query.per_page)?;
    let visible = access::patient_filter_sql(&user, "p", 1);
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM outcome_plans p WHERE {visible}"
    ))
    .bind(access::filter_param(&user))
    .fetch_one(&state.pool)
    .await?;
    let rows: Vec<PlanRow> = sqlx::query_as(&format!(
        "SELECT {PLAN_COLUMNS} FROM outcome_plans p WHERE {visible}
         ORDER BY p.patient_id LIMIT $2 OFFSET $3"
    ))
    .bind(access::filter_param(&user))
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::OutcomePlan,
        None,
        Action::Read,
        &client,
    )
    .await?;
    let data = rows
        .into_iter()
        .map(PlanRow::into_record)
        .collect::<Result<_, _>>()?;
    Ok(Json(OutcomePlanList {
        data,
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn psfs(answers: Vec<Option<u8>>, activities: &[&str]) -> CreateOutcomeResponseRequest {
        CreateOutcomeResponseRequest {
            id: Uuid::nil(),
            patient_id: Uuid::nil(),
            instrument: Instrument::Psfs,
            answers,
            activities: activities.iter().map(|a| (*a).to_string()).collect(),
            completed_at: Utc::now(),
        }
    }

    #[test]
    fn psfs_activities_are_trimmed_counted_and_only_psfs_has_them() {
        let ok = psfs(
            vec![Some(3), Some(5), Some(7)],
            &[" stairs ", "kneel", "run"],
        );
        assert_eq!(
            checked_activities(&ok).ok(),
            Some(vec!["stairs".to_string(), "kneel".into(), "run".into()])
        );
        let blank = psfs(vec![Some(3), Some(5), Some(7)], &["stairs", "  ", "run"]);
        assert!(checked_activities(&blank).is_err_and(|e| e.message.starts_with("activities[1]")));
        let short = psfs(vec![Some(3), Some(5), Some(7)], &["stairs", "run"]);
        assert!(checked_activities(&short).is_err());
        let long = "x".repeat(MAX_ACTIVITY_CHARS + 1);
        let too_long = psfs(vec![Some(3), Some(5), Some(7)], &["stairs", &long, "run"]);
        assert!(checked_activities(&too_long).is_err());
        let mut nprs = psfs(vec![Some(3)], &["stairs"]);
        nprs.instrument = Instrument::Nprs;
        assert!(checked_activities(&nprs).is_err());
    }

    #[test]
    fn an_out_of_range_answer_names_its_index() {
        let refusal = physalign_outcomes::score(Instrument::Nprs, &[Some(11)])
            .map_err(|e| scoring_refusal(&e))
            .err();
        assert!(refusal.is_some_and(|e| e.message.starts_with("answers[0]: NPRS item 1")));
    }

    #[test]
    fn a_plan_names_each_instrument_once_and_ends_after_it_starts() {
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
        let mut plan = PutOutcomePlanRequest {
            instruments: vec![Instrument::Odi, Instrument::Nprs],
            started_on: day("2026-03-01").unwrap_or_default(),
            discharge_on: day("2026-05-01"),
            updated_at: Utc::now(),
        };
        assert!(check_plan(&plan).is_ok());
        plan.instruments = Vec::new();
        assert!(check_plan(&plan).is_ok(), "no questionnaire asked");
        plan.instruments = vec![Instrument::Odi, Instrument::Nprs, Instrument::Odi];
        assert!(check_plan(&plan).is_err_and(|e| e.message.starts_with("instruments[2]")));
        plan.instruments = vec![Instrument::Odi];
        plan.discharge_on = day("2026-02-01");
        assert!(check_plan(&plan).is_err_and(|e| e.message.starts_with("discharge_on")));
        plan.discharge_on = None;
        plan.updated_at = Utc::now() + Duration::hours(1);
        assert!(check_plan(&plan).is_err_and(|e| e.message.starts_with("updated_at")));
    }
}
