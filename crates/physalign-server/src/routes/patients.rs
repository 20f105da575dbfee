//! `/api/patients`: the signed-in patient's profile and sessions.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Json;
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use physalign_api::auth::Role;
use physalign_api::patients::{
    CareTeam, PatientProfile, RegisterPatientRequest, RegisteredPatient, UpdatePatientProfile,
};
use physalign_api::sessions::{SessionList, SessionListQuery};
use physalign_api::{ErrorBody, ErrorCode, PageQuery};
use uuid::Uuid;

use crate::accounts;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::etag::{etag, if_match_version, precondition_failed};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientInfo};
use crate::repo;
use crate::state::AppState;
use crate::validate::{check_optional_text, check_text, normalise_email};

/// `/api/patients/*`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/patients/profile",
            get(get_profile).put(update_profile),
        )
        .route("/api/patients/sessions", get(list_own_sessions))
        .route("/api/patients", post(register))
        .route("/api/patients/care-team", get(care_team))
        .route(
            "/api/patients/care-team/{physiotherapist_id}",
            delete(end_care),
        )
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    id: Uuid,
    user_id: Uuid,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    date_of_birth: Option<NaiveDate>,
    medical_conditions: Vec<String>,
    medications: Vec<String>,
    emergency_contact: Option<serde_json::Value>,
    consent_given: bool,
    consent_date: Option<DateTime<Utc>>,
    version: i32,
    updated_at: DateTime<Utc>,
}

impl From<ProfileRow> for PatientProfile {
    fn from(r: ProfileRow) -> Self {
        PatientProfile {
            id: r.id,
            user_id: r.user_id,
            email: r.email,
            first_name: r.first_name,
            last_name: r.last_name,
            phone: r.phone,
            date_of_birth: r.date_of_birth,
            medical_conditions: r.medical_conditions,
            medications: r.medications,
            emergency_contact: r.emergency_contact,
            consent_given: r.consent_given,
            consent_date: r.consent_date,
            version: r.version,
            updated_at: r.updated_at,
        }
    }
}

fn own_patient_id(user: &AuthUser) -> ApiResult<Uuid> {
    user.require(&[Role::Patient])?;
    user.profile_id
        .ok_or_else(|| ApiError::not_found(ErrorCode::PatientNotFound, "patient profile"))
}

async fn load_profile(state: &AppState, patient_id: Uuid) -> ApiResult<PatientProfile> {
    let row: Option<ProfileRow> = sqlx::query_as(
        "SELECT p.id, p.user_id, u.email, u.first_name, u.last_name, u.phone, p.date_of_birth,
                p.medical_conditions, p.medications, p.emergency_contact, p.consent_given,
                p.consent_date, p.version, GREATEST(p.updated_at, u.updated_at) AS updated_at
         FROM patients p JOIN users u ON u.id = p.user_id WHERE p.id = $1",
    )
    .bind(patient_id)
    .fetch_optional(&state.pool)
    .await?;
    row.map(Into::into)
        .ok_or_else(|| ApiError::not_found(ErrorCode::PatientNotFound, "patient profile"))
}

fn with_etag(profile: PatientProfile) -> Response {
    let tag = etag(profile.version);
    let mut response = Json(profile).into_response();
    if let Ok(value) = HeaderValue::from_str(&tag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// The signed-in patient's profile, with its version as `ETag`.
#[utoipa::path(get, path = "/api/patients/profile", tag = "patients", security(("bearer" = [])),
    responses((status = 200, body = PatientProfile), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get_profile(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
) -> ApiResult<Response> {
    let patient_id = own_patient_id(&user)?;
    let profile = load_profile(&state, patient_id).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::PatientProfile,
        Some(patient_id),
        Action::Read,
        &client,
    )
    .await?;
    Ok(with_etag(profile))
}

fn validate_update(req: &UpdatePatientProfile) -> ApiResult<()> {
    if let Some(v) = &req.first_name {
        check_text("first_name", v, 100)?;
    }
    if let Some(v) = &req.last_name {
        check_text("last_name", v, 100)?;
    }
    check_optional_text("phone", req.phone.as_deref(), 20)?;
    if let Some(dob) = req.date_of_birth {
        if dob > Utc::now().date_naive() {
            return Err(ApiError::field(
                "date_of_birth",
                "must not be in the future",
            ));
        }
    }
    for (field, list) in [
        ("medical_conditions", &req.medical_conditions),
        ("medications", &req.medications),
    ] {
        if let Some(list) = list {
            if list.len() > 100 {
                return Err(ApiError::field(field, "at most 100 entries"));
            }
            for (i, item) in list.iter().enumerate() {
                check_text(&format!("{field}[{i}]"), item, 200)?;
            }
        }
    }
    if let Some(contact) = &req.emergency_contact {
        if !contact.is_object() {
            return Err(ApiError::field(
                "emergency_contact",
                "must be a JSON object",
            ));
        }
    }
    Ok(())
}

/// Changes the signed-in patient's profile. With `If-Match`, refuses (412) if it changed since.
#[utoipa::path(put, path = "/api/patients/profile", tag = "patients", security(("bearer" = [])),
    request_body = UpdatePatientProfile,
    params(("If-Match" = Option<String>, Header, description = "ETag from GET")),
    responses((status = 200, body = PatientProfile), (status = 400, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub async fn update_profile(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    headers: HeaderMap,
    ApiJson(req): ApiJson<UpdatePatientProfile>,
) -> ApiResult<Response> {
    let patient_id = own_patient_id(&user)?;
    validate_update(&req)?;
    let expected = if_match_version(&headers)?;
    let mut tx = state.pool.begin().await?;
    let current: i32 = sqlx::query_scalar("SELECT version FROM patients WHERE id = $1 FOR UPDATE")
        .bind(patient_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::not_found(ErrorCode::PatientNotFound, "patient profile"))?;
    if expected.is_some_and(|v| v != current) {
        return Err(precondition_failed(current));
    }
    sqlx::query(
        "UPDATE users SET first_name = COALESCE($2, first_name), last_name = COALESCE($3, last_name),
                          phone = COALESCE($4, phone)
         WHERE id = $1",
    )
    .bind(user.user_id)
    .bind(req.first_name.as_deref().map(str::trim))
    .bind(req.last_name.as_deref().map(str::trim))
    .bind(req.phone.as_deref())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE patients SET
            date_of_birth = COALESCE($2, date_of_birth),
            medical_conditions = COALESCE($3, medical_conditions),
            medications = COALESCE($4, medications),
            emergency_contact = COALESCE($5, emergency_contact),
            consent_date = CASE WHEN $6 IS TRUE AND NOT consent_given THEN NOW()
                                WHEN $6 IS FALSE THEN NULL ELSE consent_date END,
            consent_given = COALESCE($6, consent_given),
            version = version + 1
         WHERE id = $1",
    )
    .bind(patient_id)
    .bind(req.date_of_birth)
    .bind(req.medical_conditions.as_deref())
    .bind(req.medications.as_deref())
    .bind(req.emergency_contact.as_ref())
    .bind(req.consent_given)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::PatientProfile,
        Some(patient_id),
        Action::Update,
        &client,
    )
    .await?;
    Ok(with_etag(load_profile(&state, patient_id).await?))
}

/// The signed-in patient's sessions (same filters and pagination as `GET /api/sessions`).
#[utoipa::path(get, path = "/api/patients/sessions", tag = "patients", security(("bearer" = [])),
    params(SessionListQuery),
    responses((status = 200, body = SessionList), (status = 403, body = ErrorBody)))]
pub async fn list_own_sessions(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(mut query): ApiQuery<SessionListQuery>,
) -> ApiResult<Json<SessionList>> {
    let patient_id = own_patient_id(&user)?;
    query.patient_id = Some(patient_id);
    let list = repo::sessions::list_visible(&state.pool, &user, &query).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::SessionList,
        Some(patient_id),
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(list))
}

fn validate_registration(req: &RegisterPatientRequest) -> ApiResult<String> {
    check_text("first_name", &req.first_name, 100)?;
    check_text("last_name", &req.last_name, 100)?;
    let email = normalise_email(&req.email)?;
    let as_update = UpdatePatientProfile {
        phone: req.phone.clone(),
        date_of_birth: req.date_of_birth,
        medical_conditions: req.medical_conditions.clone(),
        medications: req.medications.clone(),
        emergency_contact: req.emergency_contact.clone(),
        ..Default::default()
    };
    validate_update(&as_update)?;
    Ok(email)
}

/// A clinician registers a patient and receives a single-use invitation code (14 days) for
/// the patient to claim with `POST /api/auth/claim`. The answer has the same shape whether or
/// not the e-mail belongs to an account: it is stored, never looked up.
#[utoipa::path(post, path = "/api/patients", tag = "patients", security(("bearer" = [])),
    request_body = RegisterPatientRequest,
    responses((status = 201, body = RegisteredPatient), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<RegisterPatientRequest>,
) -> ApiResult<(StatusCode, Json<RegisteredPatient>)> {
    user.require(&[Role::Physiotherapist, Role::Admin])?;
    let email = validate_registration(&req)?;
    let physio_id = match user.role {
        Role::Admin => {
            let id = req
                .physiotherapist_id
                .ok_or_else(|| ApiError::field("physiotherapist_id", "is required for admins"))?;
            if !repo::physio::physiotherapist_exists(&state.pool, id).await? {
                return Err(ApiError::not_found(
                    ErrorCode::PhysiotherapistNotFound,
                    "physiotherapist",
                ));
            }
            id
        }
        _ => {
            let own = user
                .profile_id
                .ok_or_else(|| ApiError::forbidden("no physiotherapist profile"))?;
            // Who registers is the caller, never a body value.
            if req.physiotherapist_id.is_some_and(|id| id != own) {
                return Err(ApiError::field(
                    "physiotherapist_id",
                    "must be your own id or absent",
                ));
            }
            own
        }
    };
    let registered = accounts::register_patient(&state.pool, physio_id, &req, &email).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::PatientAssignment,
        Some(registered.patient_id),
        Action::Create,
        &client,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(registered)))
}

/// Who can see the signed-in patient's data: the clinicians with an active relationship.
#[utoipa::path(get, path = "/api/patients/care-team", tag = "patients", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = CareTeam), (status = 403, body = ErrorBody)))]
pub async fn care_team(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<CareTeam>> {
    let patient_id = own_patient_id(&user)?;
    let (page, per_page, offset) = crate::validate::page_window(q.page, q.per_page)?;
    let (data, total) = accounts::care_team(&state.pool, patient_id, (per_page, offset)).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::PatientAssignment,
        Some(patient_id),
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(CareTeam {
        data,
        pagination: crate::validate::page_of(page, per_page, total),
    }))
}

/// The signed-in patient ends a care relationship: from now on that clinician sees nothing of
/// them (404 when there is no active relationship with this id).
#[utoipa::path(delete, path = "/api/patients/care-team/{physiotherapist_id}", tag = "patients",
    security(("bearer" = [])),
    params(("physiotherapist_id" = Uuid, Path, description = "`physiotherapists.id` from the care team")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn end_care(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(physiotherapist_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let patient_id = own_patient_id(&user)?;
    if !accounts::end_care(&state.pool, patient_id, physiotherapist_id).await? {
        return Err(ApiError::not_found(
            ErrorCode::PhysiotherapistNotFound,
            "care relationship",
        ));
    }
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::PatientAssignment,
        Some(patient_id),
        Action::Delete,
        &client,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
