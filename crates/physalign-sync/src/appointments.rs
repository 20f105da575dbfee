//! The clinic calendar on the wire (issue 18): appointment changes queued offline delivered
//! with their `Idempotency-Key` (and `If-Match` where the server honours it), appointments
//! pulled for the therapist (a window around today) or the patient (their upcoming ones, and
//! their goals), and the server's answers turned into the store's records.
//!
//! A change the server refuses because the appointment changed meanwhile (412 on a stale
//! version, or 409 because it is no longer scheduled, e.g. cancelled on another device) is
//! never forced through: both versions are kept as a conflict and the entry fails naming it,
//! until the user keeps theirs or takes the server's (`Store::resolve_appointment_conflict`).

use crate::client::{ApiResponse, Request};
use crate::pull::{get, parse, PullError};
use crate::step::{classify, local, Context, StepError};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use physalign_api::appointments as api;
use physalign_api::auth::Role;
use physalign_api::clients::TherapyGoalList;
use physalign_api::ErrorCode;
use physalign_store::sync_state::RemoteRecordKind;
use physalign_store::{
    Appointment, AppointmentAction, AppointmentChange, AppointmentKind, AppointmentStatus,
    GoalStatus, NoShowRecord, OutboxEntityKind, OutboxEntry, Preparation, RecordOrigin,
    RecurrencePattern, TherapyGoal,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// How far back a therapist's calendar is pulled (last week's sessions stay one click away).
const PAST_DAYS: i64 = 14;
/// How far ahead a calendar is pulled.
const AHEAD_DAYS: i64 = 90;
const PER_PAGE: u32 = 100;

fn kind(k: api::SessionType) -> AppointmentKind {
    match k {
        api::SessionType::InitialAssessment => AppointmentKind::InitialAssessment,
        api::SessionType::FollowUp => AppointmentKind::FollowUp,
        api::SessionType::Treatment => AppointmentKind::Treatment,
        api::SessionType::Reassessment => AppointmentKind::Reassessment,
        api::SessionType::Telehealth => AppointmentKind::Telehealth,
    }
}

fn session_type(k: AppointmentKind) -> api::SessionType {
    match k {
        AppointmentKind::InitialAssessment => api::SessionType::InitialAssessment,
        AppointmentKind::FollowUp => api::SessionType::FollowUp,
        AppointmentKind::Treatment => api::SessionType::Treatment,
        AppointmentKind::Reassessment => api::SessionType::Reassessment,
        AppointmentKind::Telehealth => api::SessionType::Telehealth,
    }
}

fn status(s: api::AppointmentStatus) -> AppointmentStatus {
    match s {
        api::AppointmentStatus::Scheduled => AppointmentStatus::Scheduled,
        api::AppointmentStatus::Completed => AppointmentStatus::Completed,
        api::AppointmentStatus::Cancelled => AppointmentStatus::Cancelled,
        api::AppointmentStatus::NoShow => AppointmentStatus::NoShow,
    }
}

fn pattern(p: RecurrencePattern) -> api::RecurrenceFrequency {
    match p {
        RecurrencePattern::Weekly => api::RecurrenceFrequency::Weekly,
        RecurrencePattern::Biweekly => api::RecurrenceFrequency::Biweekly,
        RecurrencePattern::Monthly => api::RecurrenceFrequency::Monthly,
    }
}

/// The server's appointment as the store keeps it. `startTime` carries the offset its zone has
/// on that day, so its wall-clock part is the clinic's time.
pub fn stored_appointment(a: &api::Appointment) -> Result<Appointment, String> {
    let start = DateTime::parse_from_rfc3339(&a.start_time)
        .map_err(|e| format!("appointment {}: startTime {}: {e}", a.id, a.start_time))?;
    Ok(Appointment {
        id: a.id,
        patient_id: a.client_id,
        therapist_id: Some(a.therapist_id),
        client_name: Some(a.client.name.clone()).filter(|n| !n.trim().is_empty()),
        local_start: start.naive_local(),
        time_zone: a.time_zone.clone(),
        start_at: start.with_timezone(&Utc),
        duration_minutes: a.duration_minutes,
        kind: kind(a.kind),
        notes: a.notes.clone(),
        status: status(a.status),
        series_id: a.series_id,
        provisional: false,
        preparation: a.preparation.as_ref().map(|p| Preparation {
            notes: p.preparation_notes.clone(),
            review_previous_session: p.review_previous_session,
            focus_areas: p.focus_areas.clone(),
        }),
        no_show: a.no_show.as_ref().map(|n| NoShowRecord {
            reason: n.reason.clone(),
            fee_amount: n.fee_amount,
            fee_currency: n.fee_currency.clone(),
            client_notified: n.client_notified,
            recorded_at: n.recorded_at,
        }),
        cancel_reason: a.cancel_reason.clone(),
        session_id: a.session_id,
        version: i64::from(a.version),
        origin: RecordOrigin::Pulled,
        updated_at: a.updated_at,
    })
}

/// The clinic's wall-clock time as the server reads it (no offset: read in `timeZone`).
fn wall_clock(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// `POST /api/appointments` for an appointment booked here (with its id).
pub fn create_request(a: &Appointment) -> api::CreateAppointmentRequest {
    api::CreateAppointmentRequest {
        id: Some(a.id),
        client_id: a.patient_id,
        start_time: wall_clock(a.local_start),
        time_zone: Some(a.time_zone.clone()),
        duration_minutes: a.duration_minutes,
        kind: session_type(a.kind),
        notes: a.notes.clone(),
        therapist_id: None,
    }
}

/// `PUT /api/appointments/{id}`: when, how long, what, as this device holds it.
pub fn update_request(a: &Appointment) -> api::UpdateAppointmentRequest {
    api::UpdateAppointmentRequest {
        start_time: Some(wall_clock(a.local_start)),
        time_zone: Some(a.time_zone.clone()),
        duration_minutes: Some(a.duration_minutes),
        kind: Some(session_type(a.kind)),
        notes: a.notes.clone(),
        status: None,
    }
}

fn change_of(entry: &OutboxEntry) -> Result<AppointmentChange, StepError> {
    serde_json::from_value(entry.payload.clone())
        .map_err(|e| StepError::Failed(format!("outbox payload is not an appointment change: {e}")))
}

/// The version the server answered with: its `ETag`, else the body's `version` (a replayed
/// answer carries no headers).
fn answered_version(response: &ApiResponse) -> Option<i64> {
    response.etag_version().or_else(|| {
        response
            .json::<Value>()
            .ok()
            .and_then(|v| v.get("version").and_then(Value::as_i64))
    })
}

/// Delivers one queued appointment change.
pub(crate) async fn deliver(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let change = change_of(entry)?;
    let a = &change.appointment;
    let id = entry.entity_id;
    let path = format!("/api/appointments/{id}");
    let (method, path, body, if_match) = match &change.action {
        AppointmentAction::Create => {
            let body = body(&create_request(a))?;
            let response = send(ctx, Method::POST, "/api/appointments", &body, key, None).await?;
            if response.status == StatusCode::CONFLICT
                && response.error_code() == Some(ErrorCode::AppointmentExists)
            {
                return Ok(Some(json!("already on server")));
            }
            let response = classify("book appointment", response)?;
            delivered(ctx, entry, &change, &response)?;
            return Ok(None);
        }
        AppointmentAction::Update => (
            Method::PUT,
            path,
            body(&update_request(a))?,
            Some(change.base_version),
        ),
        // Cancelling and a no-show take nothing away that someone else wrote: sent without
        // `If-Match`; an appointment no longer scheduled answers 409, kept as a conflict.
        AppointmentAction::Cancel { reason } => (
            Method::POST,
            format!("{path}/cancel"),
            body(&api::CancelAppointmentRequest {
                reason: reason.clone(),
            })?,
            None,
        ),
        AppointmentAction::NoShow(mark) => (
            Method::POST,
            format!("{path}/no-show-policy"),
            body(&api::NoShowRequest {
                reason: mark.reason.clone(),
                apply_fee: mark.apply_fee,
                fee_amount: mark.fee_amount,
                notify_client: mark.notify_client,
            })?,
            None,
        ),
        AppointmentAction::Prepare(p) => (
            Method::PUT,
            format!("{path}/preparation"),
            body(&api::Preparation {
                preparation_notes: p.notes.clone(),
                review_previous_session: p.review_previous_session,
                focus_areas: p.focus_areas.clone(),
            })?,
            Some(change.base_version),
        ),
        AppointmentAction::Recur(rule) => (
            Method::POST,
            format!("{path}/recurring"),
            body(&api::RecurringRequest {
                pattern: pattern(rule.pattern),
                end_date: rule.end_date,
                exceptions: rule.exceptions.clone(),
            })?,
            None,
        ),
    };
    let response = send(ctx, method, &path, &body, key, if_match).await?;
    let refused_as_stale = response.status == StatusCode::PRECONDITION_FAILED
        || (response.status == StatusCode::CONFLICT
            && response.error_code() == Some(ErrorCode::AppointmentNotScheduled));
    if refused_as_stale {
        return Err(conflict(ctx, entry, &change, &response).await);
    }
    let response = classify("appointment change", response)?;
    if let AppointmentAction::Recur(_) = change.action {
        let series: api::RecurringSeries = response
            .json()
            .map_err(|e| StepError::Failed(format!("recurring series answer: {e}")))?;
        let occurrences = series
            .occurrences
            .iter()
            .filter(|o| o.id != id)
            .map(stored_appointment)
            .collect::<Result<Vec<_>, _>>()
            .map_err(StepError::Failed)?;
        ctx.db(|s| s.series_delivered(series.series_id, &occurrences))
            .map_err(local)?;
        if let Some(first) = series.occurrences.iter().find(|o| o.id == id) {
            let version = i64::from(first.version);
            ctx.db(|s| s.appointment_delivered(entry.id, id, change.base_version, version))
                .map_err(local)?;
        }
        return Ok(Some(json!({ "occurrences_created": series.created })));
    }
    delivered(ctx, entry, &change, &response)?;
    Ok(None)
}

fn body<T: serde::Serialize>(request: &T) -> Result<Value, StepError> {
    serde_json::to_value(request).map_err(local)
}

async fn send(
    ctx: &Context,
    method: Method,
    path: &str,
    body: &Value,
    key: &str,
    if_match: Option<i64>,
) -> Result<ApiResponse, StepError> {
    Ok(ctx
        .api
        .send(
            method,
            &Request {
                path,
                json: Some(body),
                idempotency_key: Some(key),
                // Version 0: booked here and never answered; nothing to match.
                if_match: if_match.filter(|v| *v > 0),
                ..Request::default()
            },
        )
        .await?)
}

fn delivered(
    ctx: &Context,
    entry: &OutboxEntry,
    change: &AppointmentChange,
    response: &ApiResponse,
) -> Result<(), StepError> {
    if let Some(version) = answered_version(response) {
        ctx.db(|s| {
            s.appointment_delivered(entry.id, entry.entity_id, change.base_version, version)
        })
        .map_err(local)?;
    }
    Ok(())
}

/// Keeps both versions of a refused change and fails the entry naming the conflict.
async fn conflict(
    ctx: &Context,
    entry: &OutboxEntry,
    change: &AppointmentChange,
    refusal: &ApiResponse,
) -> StepError {
    let path = format!("/api/appointments/{}", entry.entity_id);
    let theirs = match ctx
        .api
        .send(
            Method::GET,
            &Request {
                path: &path,
                ..Request::default()
            },
        )
        .await
    {
        Ok(r) if r.status.is_success() => r
            .json::<api::Appointment>()
            .ok()
            .and_then(|a| stored_appointment(&a).ok()),
        _ => None,
    };
    let server_version = theirs.as_ref().map(|a| a.version);
    let theirs_json = theirs.as_ref().and_then(|a| serde_json::to_value(a).ok());
    let recorded = ctx.db(|s| {
        s.record_conflict(
            OutboxEntityKind::Appointment,
            entry.entity_id,
            Some(entry.id),
            Some(change.base_version),
            server_version,
            &entry.payload,
            theirs_json.as_ref(),
        )
    });
    match recorded {
        Ok(id) => StepError::Failed(format!(
            "conflict #{id}: the appointment changed on the server ({}; now version {}) since \
             this device's change on version {}; both versions are kept, nothing was overwritten",
            refusal.error_summary(),
            server_version.map_or("?".into(), |v| v.to_string()),
            change.base_version,
        )),
        Err(e) => local(e),
    }
}

/// Pulls the calendar: a therapist's appointments from two weeks back to three months ahead,
/// a patient's upcoming ones and their goals. Returns the appointments and goals stored.
pub(crate) async fn pull(ctx: &Context) -> Result<(usize, usize), PullError> {
    let now = Utc::now();
    let from = match ctx.role {
        Some(Role::Patient) => now - Duration::days(1),
        _ => now - Duration::days(PAST_DAYS),
    };
    let to = now + Duration::days(AHEAD_DAYS);
    let mut pulled = Vec::new();
    let mut page = 1u32;
    loop {
        let path = format!(
            "/api/appointments?from={}&to={}&page={page}&per_page={PER_PAGE}",
            urlencode(&from.to_rfc3339()),
            urlencode(&to.to_rfc3339())
        );
        let list: api::AppointmentList = parse(&path, &get(ctx, &path).await?)?;
        for a in &list.data {
            pulled.push(stored_appointment(a).map_err(PullError::Status)?);
        }
        if list.data.is_empty() || u64::from(page) >= list.pagination.total_pages {
            break;
        }
        page += 1;
    }
    let appointments = ctx.db(|s| s.replace_pulled_appointments(from, to, &pulled))?;
    let mut goals = 0;
    if ctx.role == Some(Role::Patient) {
        let profile = ctx.db(|s| s.remote_records(RemoteRecordKind::PatientProfile))?;
        let patient = profile
            .first()
            .and_then(|r| r.record.get("id"))
            .and_then(Value::as_str)
            .and_then(|t| uuid::Uuid::parse_str(t).ok());
        if let Some(patient) = patient {
            let path = format!("/api/clients/{patient}/therapy-goals?per_page={PER_PAGE}");
            let list: TherapyGoalList = parse(&path, &get(ctx, &path).await?)?;
            let rows = list
                .goals
                .iter()
                .map(|g| {
                    let goal = TherapyGoal {
                        id: g.id,
                        patient_id: g.client_id,
                        goal: g.goal.clone(),
                        status: match g.status {
                            physalign_api::clients::GoalStatus::Active => GoalStatus::Active,
                            physalign_api::clients::GoalStatus::Completed => GoalStatus::Completed,
                            physalign_api::clients::GoalStatus::Paused => GoalStatus::Paused,
                        },
                        progress: g.progress.min(100),
                        target_date: g.target_date,
                    };
                    (goal, serde_json::to_value(g).unwrap_or(Value::Null))
                })
                .collect::<Vec<_>>();
            goals = rows.len();
            ctx.db(|s| s.replace_therapy_goals(patient, &rows))?;
        }
    }
    Ok((appointments, goals))
}

/// Percent-encodes a query value (RFC 3339 times carry `+` and `:`).
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
