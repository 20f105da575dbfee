//! SQL of `/api/appointments`: appointments with the client details seed 001 lists, series
//! occurrences, no-shows and the notifications they queue.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use physalign_api::appointments::{
    Appointment, AppointmentClient, AppointmentStatus, ClientNotification, EmergencyContact,
    NoShowRecord, NotificationKind, NotificationStatus, PracticeSettings, Preparation, SessionType,
};
use physalign_api::auth::Role;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::access;
use crate::auth::AuthUser;
use crate::clinic_time;
use crate::error::{ApiError, ApiResult};

/// The columns of an appointment with its client's details.
pub const APPOINTMENT_SELECT: &str = "SELECT a.id, a.patient_id, a.physiotherapist_id,
        a.start_time, a.time_zone, a.duration_minutes, a.kind, a.notes, a.status, a.series_id,
        a.preparation, a.no_show_reason, a.no_show_fee_amount::float8 AS no_show_fee_amount,
        a.no_show_fee_currency, a.no_show_client_notified, a.no_show_at, a.cancelled_at,
        a.cancel_reason, a.session_id, a.version, a.created_at, a.updated_at,
        TRIM(COALESCE(u.first_name, p.registered_first_name, '') || ' '
             || COALESCE(u.last_name, p.registered_last_name, '')) AS client_name,
        COALESCE(u.email, p.registered_email) AS client_email,
        COALESCE(u.phone, p.registered_phone) AS client_phone,
        p.emergency_contact,
        (st.last_session AT TIME ZONE a.time_zone)::date AS last_session_date,
        st.total_sessions
     FROM appointments a
     JOIN patients p ON p.id = a.patient_id
     LEFT JOIN users u ON u.id = p.user_id
     LEFT JOIN LATERAL (
        SELECT MAX(COALESCE(s.start_time, s.end_time)) AS last_session, COUNT(*) AS total_sessions
        FROM exercise_sessions s
        WHERE s.patient_id = a.patient_id AND COALESCE(s.start_time, s.end_time) IS NOT NULL
     ) st ON TRUE";

#[derive(sqlx::FromRow)]
struct AppointmentRow {
    id: Uuid,
    patient_id: Uuid,
    physiotherapist_id: Uuid,
    start_time: DateTime<Utc>,
    time_zone: String,
    duration_minutes: i32,
    kind: String,
    notes: Option<String>,
    status: String,
    series_id: Option<Uuid>,
    preparation: Option<serde_json::Value>,
    no_show_reason: Option<String>,
    no_show_fee_amount: Option<f64>,
    no_show_fee_currency: Option<String>,
    no_show_client_notified: bool,
    no_show_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
    cancel_reason: Option<String>,
    session_id: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    client_name: String,
    client_email: Option<String>,
    client_phone: Option<String>,
    emergency_contact: Option<serde_json::Value>,
    last_session_date: Option<NaiveDate>,
    total_sessions: Option<i64>,
}

/// A stored emergency contact; free-form contacts from before seed 001's shape read as none.
pub fn emergency_contact(value: Option<serde_json::Value>) -> Option<EmergencyContact> {
    value.and_then(|v| serde_json::from_value(v).ok())
}

impl AppointmentRow {
    fn into_appointment(self) -> ApiResult<Appointment> {
        let zone = clinic_time::parse_zone("timeZone", &self.time_zone).map_err(|_| {
            ApiError::internal(format!("stored time zone {} unknown", self.time_zone))
        })?;
        let end = self.start_time + chrono::Duration::minutes(i64::from(self.duration_minutes));
        let status = self
            .status
            .parse::<AppointmentStatus>()
            .map_err(ApiError::internal)?;
        let no_show = self.no_show_at.map(|recorded_at| NoShowRecord {
            reason: self.no_show_reason.clone(),
            fee_amount: self.no_show_fee_amount,
            fee_currency: self.no_show_fee_currency.clone(),
            client_notified: self.no_show_client_notified,
            recorded_at,
        });
        Ok(Appointment {
            id: self.id,
            client_id: self.patient_id,
            therapist_id: self.physiotherapist_id,
            start_time: clinic_time::format_in(self.start_time, zone),
            end_time: clinic_time::format_in(end, zone),
            time_zone: self.time_zone,
            duration_minutes: u32::try_from(self.duration_minutes).unwrap_or(0),
            kind: self
                .kind
                .parse::<SessionType>()
                .map_err(ApiError::internal)?,
            notes: self.notes,
            status,
            series_id: self.series_id,
            preparation: self
                .preparation
                .map(serde_json::from_value::<Preparation>)
                .transpose()
                .map_err(ApiError::internal)?,
            no_show,
            cancelled_at: self.cancelled_at,
            cancel_reason: self.cancel_reason,
            session_id: self.session_id,
            client: AppointmentClient {
                id: self.patient_id,
                name: self.client_name,
                email: self.client_email,
                phone: self.client_phone,
                profile_photo_url: None,
                last_session_date: self.last_session_date,
                total_sessions: self
                    .total_sessions
                    .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
                emergency_contact: emergency_contact(self.emergency_contact),
            },
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// One appointment (no access check).
pub async fn load(pool: &PgPool, id: Uuid) -> ApiResult<Option<Appointment>> {
    let row: Option<AppointmentRow> =
        sqlx::query_as(&format!("{APPOINTMENT_SELECT} WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?;
    row.map(AppointmentRow::into_appointment).transpose()
}

/// Whether `user` may see an appointment of `patient_id` with `physio_id`: the patient, the
/// appointment's own clinician while the patient is in their care, admins.
pub async fn may_see(
    pool: &PgPool,
    user: &AuthUser,
    patient_id: Uuid,
    physio_id: Uuid,
) -> ApiResult<bool> {
    Ok(match user.role {
        Role::Admin => true,
        Role::Patient => user.profile_id == Some(patient_id),
        Role::Physiotherapist => {
            user.profile_id == Some(physio_id)
                && access::can_see_patient(pool, user, patient_id).await?
        }
    })
}

/// Adds the visibility condition of `user` on alias `a` to a query.
pub fn push_visibility(qb: &mut QueryBuilder<'_, Postgres>, user: &AuthUser) {
    match user.role {
        Role::Admin => {}
        Role::Patient => {
            qb.push(" AND a.patient_id = ")
                .push_bind(access::filter_param(user));
        }
        Role::Physiotherapist => {
            qb.push(" AND a.physiotherapist_id = ")
                .push_bind(access::filter_param(user))
                .push(
                    " AND a.patient_id IN (SELECT patient_id FROM patient_physio_assignments
                      WHERE status = 'active' AND physiotherapist_id = ",
                )
                .push_bind(access::filter_param(user))
                .push(")");
        }
    }
}

/// A page of the appointments a query builder selects (its `WHERE` already started).
pub async fn fetch_page(
    pool: &PgPool,
    mut qb: QueryBuilder<'_, Postgres>,
    per_page: u32,
    offset: i64,
) -> ApiResult<Vec<Appointment>> {
    qb.push(" ORDER BY a.start_time, a.id LIMIT ")
        .push_bind(i64::from(per_page))
        .push(" OFFSET ")
        .push_bind(offset);
    let rows: Vec<AppointmentRow> = qb.build_query_as().fetch_all(pool).await?;
    rows.into_iter()
        .map(AppointmentRow::into_appointment)
        .collect()
}

/// Every appointment of a series, in time order.
pub async fn series(pool: &PgPool, series_id: Uuid) -> ApiResult<Vec<Appointment>> {
    let rows: Vec<AppointmentRow> = sqlx::query_as(&format!(
        "{APPOINTMENT_SELECT} WHERE a.series_id = $1 ORDER BY a.start_time, a.id"
    ))
    .bind(series_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(AppointmentRow::into_appointment)
        .collect()
}

/// The fields of an appointment a change locks and checks.
#[derive(Debug, sqlx::FromRow)]
pub struct Locked {
    /// `patients.id`.
    pub patient_id: Uuid,
    /// `physiotherapists.id`.
    pub physiotherapist_id: Uuid,
    /// Wall-clock start.
    pub local_start: NaiveDateTime,
    /// IANA zone.
    pub time_zone: String,
    /// Length.
    pub duration_minutes: i32,
    /// Kind.
    pub kind: String,
    /// Notes.
    pub notes: Option<String>,
    /// Status text.
    pub status: String,
    /// Series.
    pub series_id: Option<Uuid>,
    /// Version.
    pub version: i32,
}

/// Locks an appointment for a change.
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> ApiResult<Option<Locked>> {
    Ok(sqlx::query_as(
        "SELECT patient_id, physiotherapist_id, local_start, time_zone, duration_minutes, kind,
            notes, status, series_id, version
         FROM appointments WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// The practice's settings.
pub async fn practice_settings(pool: &PgPool) -> ApiResult<PracticeSettings> {
    let (time_zone, currency, no_show_fee): (String, String, Option<f64>) = sqlx::query_as(
        "SELECT time_zone, currency, no_show_fee::float8 FROM practice_settings WHERE id",
    )
    .fetch_one(pool)
    .await?;
    Ok(PracticeSettings {
        time_zone,
        currency,
        no_show_fee,
    })
}

/// Replaces the practice's settings.
pub async fn store_practice_settings(pool: &PgPool, settings: &PracticeSettings) -> ApiResult<()> {
    sqlx::query(
        "UPDATE practice_settings SET time_zone = $1, currency = $2, no_show_fee = $3,
            updated_at = NOW() WHERE id",
    )
    .bind(&settings.time_zone)
    .bind(&settings.currency)
    .bind(settings.no_show_fee)
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: Uuid,
    patient_id: Uuid,
    kind: String,
    appointment_id: Option<Uuid>,
    message: String,
    status: String,
    created_at: DateTime<Utc>,
}

impl NotificationRow {
    fn into_notification(self) -> ApiResult<ClientNotification> {
        Ok(ClientNotification {
            id: self.id,
            client_id: self.patient_id,
            kind: self
                .kind
                .parse::<NotificationKind>()
                .map_err(ApiError::internal)?,
            appointment_id: self.appointment_id,
            message: self.message,
            status: self
                .status
                .parse::<NotificationStatus>()
                .map_err(ApiError::internal)?,
            created_at: self.created_at,
        })
    }
}

/// A page of notifications (and the total) for clients `user` may see.
pub async fn notifications(
    pool: &PgPool,
    user: &AuthUser,
    client_id: Option<Uuid>,
    per_page: u32,
    offset: i64,
) -> ApiResult<(Vec<ClientNotification>, i64)> {
    let filters = |qb: &mut QueryBuilder<'_, Postgres>| {
        match user.role {
            Role::Admin => {}
            Role::Patient => {
                qb.push(" AND n.patient_id = ")
                    .push_bind(access::filter_param(user));
            }
            Role::Physiotherapist => {
                qb.push(
                    " AND n.patient_id IN (SELECT patient_id FROM patient_physio_assignments
                      WHERE status = 'active' AND physiotherapist_id = ",
                )
                .push_bind(access::filter_param(user))
                .push(")");
            }
        }
        if let Some(pid) = client_id {
            qb.push(" AND n.patient_id = ").push_bind(pid);
        }
    };
    let mut counter =
        QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM client_notifications n WHERE TRUE");
    filters(&mut counter);
    let total: i64 = counter.build_query_scalar().fetch_one(pool).await?;
    let mut qb = QueryBuilder::<Postgres>::new(
        "SELECT n.id, n.patient_id, n.kind, n.appointment_id, n.message, n.status, n.created_at
         FROM client_notifications n WHERE TRUE",
    );
    filters(&mut qb);
    qb.push(" ORDER BY n.created_at DESC, n.id LIMIT ")
        .push_bind(i64::from(per_page))
        .push(" OFFSET ")
        .push_bind(offset);
    let rows: Vec<NotificationRow> = qb.build_query_as().fetch_all(pool).await?;
    let list = rows
        .into_iter()
        .map(NotificationRow::into_notification)
        .collect::<ApiResult<_>>()?;
    Ok((list, total))
}
