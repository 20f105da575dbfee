//! `/api/goniometer-readings`: camera goniometer readings saved in a patient's chart on a
//! clinician's device (issue 16). Clinicians in the patient's care write them; the patient, the
//! care team and administrators read them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use physalign_api::assessments::{
    CreateGoniometerReadingRequest, GoniometerReadingDocument, GoniometerReadingList,
    GoniometerReadingQuery, GoniometerReadingRecord,
};
use physalign_api::auth::Role;
use physalign_api::pagination::Pagination;
use physalign_api::{ErrorBody, ErrorCode};
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, ClientInfo};
use crate::state::AppState;
use crate::validate::page_window;

/// `/api/goniometer-readings`.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/goniometer-readings", post(create).get(list))
}

/// Most sides a reading has (left and right).
const MAX_SIDES: usize = 2;

#[derive(sqlx::FromRow)]
struct ReadingRow {
    id: Uuid,
    patient_id: Uuid,
    session_id: Option<Uuid>,
    reading: serde_json::Value,
    taken_by: Uuid,
    taken_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
}

impl ReadingRow {
    fn into_record(self) -> Result<GoniometerReadingRecord, ApiError> {
        let reading: GoniometerReadingDocument =
            serde_json::from_value(self.reading).map_err(|e| {
                ApiError::internal(format!("stored goniometer reading {}: {e}", self.id))
            })?;
        Ok(GoniometerReadingRecord {
            id: self.id,
            patient_id: self.patient_id,
            session_id: self.session_id,
            reading,
            taken_by: self.taken_by,
            taken_at: self.taken_at,
            created_at: self.created_at,
        })
    }
}

fn check_reading(reading: &GoniometerReadingDocument) -> Result<(), ApiError> {
    if reading.sides.is_empty() || reading.sides.len() > MAX_SIDES {
        return Err(ApiError::field("reading.sides", "one or two sides"));
    }
    if reading.sides.len() == MAX_SIDES && reading.sides[0].side == reading.sides[1].side {
        return Err(ApiError::field("reading.sides", "each side at most once"));
    }
    for (i, side) in reading.sides.iter().enumerate() {
        let angles = [
            ("angle_deg", side.angle_deg),
            ("image_angle_deg", side.image_angle_deg),
            ("world_angle_deg", side.world_angle_deg),
        ];
        for (name, angle) in angles {
            if angle.is_some_and(|a| !(0.0..=360.0).contains(&a)) {
                return Err(ApiError::field(
                    format!("reading.sides[{i}].{name}"),
                    "an angle from 0 to 360 degrees",
                ));
            }
        }
        if !(0.0..=1.0).contains(&side.confidence) {
            return Err(ApiError::field(
                format!("reading.sides[{i}].confidence"),
                "from 0 to 1",
            ));
        }
        if !side.held_s.is_finite() || side.held_s < 0.0 {
            return Err(ApiError::field(
                format!("reading.sides[{i}].held_s"),
                "a non-negative number of seconds",
            ));
        }
    }
    Ok(())
}

/// Saves a goniometer reading in the chart of a patient in the caller's care. The id comes
/// from the device: a replay of the same create answers `409 GONIOMETER_READING_EXISTS`.
#[utoipa::path(post, path = "/api/goniometer-readings", tag = "assessments",
    security(("bearer" = [])), request_body = CreateGoniometerReadingRequest,
    responses((status = 201, body = GoniometerReadingRecord), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<CreateGoniometerReadingRequest>,
) -> ApiResult<(StatusCode, Json<GoniometerReadingRecord>)> {
    user.require(&[Role::Physiotherapist, Role::Admin])?;
    check_reading(&req.reading)?;
    if !access::can_see_patient(&state.pool, &user, req.patient_id).await? {
        return Err(ApiError::not_found(ErrorCode::PatientNotFound, "patient"));
    }
    if let Some(session_id) = req.session_id {
        let owner: Option<Uuid> =
            sqlx::query_scalar("SELECT patient_id FROM exercise_sessions WHERE id = $1")
                .bind(session_id)
                .fetch_optional(&state.pool)
                .await?;
        if owner.is_some_and(|owner| owner != req.patient_id) {
            return Err(ApiError::field(
                "session_id",
                "the session belongs to another patient",
            ));
        }
    }
    let document = serde_json::to_value(&req.reading)
        .map_err(|e| ApiError::internal(format!("goniometer reading as JSON: {e}")))?;
    let row: Option<ReadingRow> = sqlx::query_as(
        "INSERT INTO goniometer_readings (id, patient_id, session_id, joint, reading, taken_by,
             taken_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO NOTHING
         RETURNING id, patient_id, session_id, reading, taken_by, taken_at, created_at",
    )
    .bind(req.id)
    .bind(req.patient_id)
    .bind(req.session_id)
    .bind(req.reading.joint.as_str())
    .bind(document)
    .bind(user.user_id)
    .bind(req.taken_at)
    .fetch_optional(&state.pool)
    .await?;
    let row = row.ok_or_else(|| {
        ApiError::conflict(
            ErrorCode::GoniometerReadingExists,
            "a goniometer reading with this id already exists",
        )
    })?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::GoniometerReading,
        Some(row.id),
        Action::Create,
        &client,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(row.into_record()?)))
}

/// Goniometer readings the caller may see (a patient their own, a clinician their patients',
/// an administrator all), newest first.
#[utoipa::path(get, path = "/api/goniometer-readings", tag = "assessments",
    security(("bearer" = [])), params(GoniometerReadingQuery),
    responses((status = 200, body = GoniometerReadingList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<GoniometerReadingQuery>,
) -> ApiResult<Json<GoniometerReadingList>> {
    let (page, per_page, offset) = page_window(query.page, query.per_page)?;
    let visible = access::patient_filter_sql(&user, "g", 1);
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM goniometer_readings g
         WHERE {visible} AND ($2::uuid IS NULL OR g.patient_id = $2)"
    ))
    .bind(access::filter_param(&user))
    .bind(query.patient_id)
    .fetch_one(&state.pool)
    .await?;
    let rows: Vec<ReadingRow> = sqlx::query_as(&format!(
        "SELECT g.id, g.patient_id, g.session_id, g.reading, g.taken_by, g.taken_at, g.created_at
         FROM goniometer_readings g
         WHERE {visible} AND ($2::uuid IS NULL OR g.patient_id = $2)
         ORDER BY g.taken_at DESC, g.id LIMIT $3 OFFSET $4"
    ))
    .bind(access::filter_param(&user))
    .bind(query.patient_id)
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::GoniometerReading,
        query.patient_id,
        Action::Read,
        &client,
    )
    .await?;
    let data = rows
        .into_iter()
        .map(ReadingRow::into_record)
        .collect::<Result<_, _>>()?;
    Ok(Json(GoniometerReadingList {
        data,
        pagination: Pagination::new(page, per_page, u64::try_from(total).unwrap_or(0)),
    }))
}
