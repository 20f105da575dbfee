//! Downloads: sessions visible to the account with their reviews, transcripts and notes (and,
//! for a clinician, their frames, so the chart can be drawn offline), program items, the
//! patient profile or the clinician's roster, the clinician's alerts, and the goniometer
//! readings in the charts the account sees.
//!
//! Sessions are sessions: a scheduled one without a start never becomes a "prescription"
//! (program items are the prescriptions), and a session recorded on this device is never
//! replaced by its server copy.
//!
//! The API has no "changed since" filter, so the session list is read whole (100 per page) and
//! the cursor — the newest `updated_at` already pulled — decides which sessions' details (with
//! their review) are fetched again.

use crate::backoff::retry_delay;
use crate::client::{ApiResponse, Request, RequestError};
use crate::step::Context;
use physalign_api::alerts::AlertList;
use physalign_api::assessments::GoniometerReadingList;
use physalign_api::auth::Role;
use physalign_api::notes::SignedNoteList;
use physalign_api::programs::ProgramItemList;
use physalign_api::sessions::{PoseDataPage, Session, SessionDetail, SessionList, SessionStatus};
use physalign_store::sync_state::{RemoteRecord, RemoteRecordKind};
use physalign_store::{
    CarePatient, ClinicalAlert, FormIssueEvent, FrameRecord, PulledSession,
    RemoteTranscriptRetention, RepetitionRecord, SessionReview,
};
use reqwest::Method;
use serde::{Deserialize, Serialize};

/// `sync_meta` key of the session cursor.
pub const SESSION_CURSOR: &str = "pull_cursor_sessions";
const PER_PAGE: u32 = 100;

/// What one pull brought.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullReport {
    /// Sessions listed.
    pub sessions: usize,
    /// Sessions that changed since the last pull.
    pub changed_sessions: usize,
    /// Reviews stored.
    pub reviews: usize,
    /// Profile or patient-list records stored.
    pub people: usize,
    /// Program items stored.
    pub program_items: usize,
    /// Alerts stored (clinicians).
    pub alerts: usize,
    /// Pose frames stored for pulled sessions (clinicians).
    pub frames: usize,
    /// Appointments stored (the therapist's calendar, or the patient's upcoming ones).
    #[serde(default)]
    pub appointments: usize,
    /// Therapy goals stored (a patient's own).
    #[serde(default)]
    pub goals: usize,
    /// Goniometer readings new on this device.
    #[serde(default)]
    pub goniometer_readings: usize,
    /// Signed notes new or newly amended on this device (clinicians).
    #[serde(default)]
    pub signed_notes: usize,
    /// Sessions whose transcript the server reports purged, deleted or saved.
    #[serde(default)]
    pub transcript_changes: usize,
    /// Outcome questionnaires new on this device, and outcome plans that changed.
    #[serde(default)]
    pub outcomes: usize,
}

/// Why a pull stopped.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// Transport failure or a request the server refused.
    #[error("{0}")]
    Request(#[from] RequestError),
    /// An unexpected status.
    #[error("{0}")]
    Status(String),
    /// A server error or rate limit (5xx, 429): worth trying again later.
    #[error("{0}")]
    Transient(String),
    /// The local store failed.
    #[error("local store: {0}")]
    Store(#[from] physalign_store::StoreError),
}

/// Tries of one GET before the pull gives up. A pull makes dozens of requests, so retrying the
/// whole pull after any one transient failure would rarely finish on a flaky network; a GET
/// is safe to repeat on its own.
const GET_ATTEMPTS: i64 = 5;

pub(crate) async fn get(ctx: &Context, path: &str) -> Result<ApiResponse, PullError> {
    let mut attempt = 0;
    loop {
        let sent = std::time::Instant::now();
        let (error, wait_at_least) = match get_once(ctx, path).await {
            Ok(response) => return Ok(response),
            Err((error @ PullError::Transient(_), retry_after)) => (error, retry_after),
            // A dropped or reset connection is worth another try at once; a server that let
            // the request time out is not, or an unresponsive server would stall the pull.
            Err((error @ PullError::Request(RequestError::Network(_)), _))
                if sent.elapsed() < ctx.config.request_timeout / 2 =>
            {
                (error, None)
            }
            Err((error, _)) => return Err(error),
        };
        attempt += 1;
        if attempt >= GET_ATTEMPTS {
            return Err(error);
        }
        let asked = wait_at_least.unwrap_or_default();
        if asked > ctx.config.backoff_max {
            // A long Retry-After is the worker's to honour, not a stalled pull's.
            return Err(error);
        }
        let wait = retry_delay(attempt - 1, ctx.config.backoff_base, ctx.config.backoff_max);
        tokio::time::sleep(wait.max(asked)).await;
    }
}

/// One GET; a failure comes with the server's `Retry-After`, if it gave one.
async fn get_once(
    ctx: &Context,
    path: &str,
) -> Result<ApiResponse, (PullError, Option<std::time::Duration>)> {
    let response = ctx
        .api
        .send(
            Method::GET,
            &Request {
                path,
                ..Request::default()
            },
        )
        .await
        .map_err(|e| (PullError::from(e), None))?;
    if !response.status.is_success() {
        let message = format!(
            "GET {path}: {} {}",
            response.status.as_u16(),
            response.error_summary()
        );
        let transient = response.status.is_server_error()
            || response.status == reqwest::StatusCode::TOO_MANY_REQUESTS;
        let error = if transient {
            PullError::Transient(message)
        } else {
            PullError::Status(message)
        };
        return Err((error, response.retry_after()));
    }
    Ok(response)
}

pub(crate) fn parse<T: serde::de::DeserializeOwned>(
    path: &str,
    r: &ApiResponse,
) -> Result<T, PullError> {
    r.json()
        .map_err(|e| PullError::Status(format!("GET {path}: unreadable answer: {e}")))
}

/// Pulls everything new since the stored cursor.
pub async fn pull(ctx: &Context) -> Result<PullReport, PullError> {
    let mut report = PullReport::default();
    let cursor = ctx.db(|s| s.sync_meta(SESSION_CURSOR))?;
    let cursor = cursor
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc));
    let mut newest = cursor;
    let mut page = 1u32;
    loop {
        let path = format!("/api/sessions?page={page}&per_page={PER_PAGE}");
        let list: SessionList = parse(&path, &get(ctx, &path).await?)?;
        for session in &list.data {
            report.sessions += 1;
            let changed = cursor.is_none_or(|c| session.updated_at > c);
            if !changed {
                continue;
            }
            report.changed_sessions += 1;
            newest = newest.max(Some(session.updated_at));
            let record = RemoteRecord {
                kind: RemoteRecordKind::Session,
                id: session.id.to_string(),
                version: Some(i64::from(session.version)),
                updated_at: Some(session.updated_at),
                record: serde_json::to_value(session)
                    .map_err(|e| PullError::Status(e.to_string()))?,
            };
            ctx.db(|s| s.upsert_remote_record(&record))?;
            pull_session(ctx, session, &mut report).await?;
        }
        if u64::from(page) >= list.pagination.total_pages || list.data.is_empty() {
            break;
        }
        page += 1;
    }
    report.people += pull_people(ctx).await?;
    report.program_items += optional(pull_program_items(ctx).await)?;
    if ctx.role == Some(Role::Physiotherapist) {
        report.alerts += optional(pull_alerts(ctx).await)?;
    }
    if matches!(ctx.role, Some(Role::Physiotherapist | Role::Patient)) {
        let (appointments, goals) = crate::appointments::pull(ctx)
            .await
            .or_else(|e| optional(Err(e)).map(|_| (0, 0)))?;
        report.appointments += appointments;
        report.goals += goals;
    }
    report.goniometer_readings += optional(pull_goniometer_readings(ctx).await)?;
    if ctx.role == Some(Role::Physiotherapist) {
        report.signed_notes += optional(pull_signed_notes(ctx).await)?;
    }
    report.outcomes += optional(crate::outcomes::pull(ctx).await)?;
    if let Some(newest) = newest {
        ctx.db(|s| s.set_sync_meta(SESSION_CURSOR, &newest.to_rfc3339()))?;
    }
    Ok(report)
}

async fn pull_people(ctx: &Context) -> Result<usize, PullError> {
    match ctx.role {
        Some(Role::Patient) => {
            let path = "/api/patients/profile";
            let response = get(ctx, path).await?;
            let record: serde_json::Value = parse(path, &response)?;
            let id = record
                .get("id")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("self")
                .to_string();
            ctx.db(|s| {
                s.upsert_remote_record(&RemoteRecord {
                    kind: RemoteRecordKind::PatientProfile,
                    id,
                    version: response.etag_version(),
                    updated_at: None,
                    record,
                })
            })?;
            Ok(1)
        }
        Some(Role::Physiotherapist) => {
            let mut stored = 0;
            let mut roster = Vec::new();
            let mut page = 1u32;
            loop {
                let path = format!("/api/physio/patients?page={page}&per_page={PER_PAGE}");
                let list: serde_json::Value = parse(&path, &get(ctx, &path).await?)?;
                let rows = list
                    .get("data")
                    .and_then(serde_json::Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for row in &rows {
                    let id = row
                        .get("patient_id")
                        .or_else(|| row.get("id"))
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    ctx.db(|s| {
                        s.upsert_remote_record(&RemoteRecord {
                            kind: RemoteRecordKind::Patient,
                            id,
                            version: None,
                            updated_at: None,
                            record: row.clone(),
                        })
                    })?;
                    if let Some(patient) = care_patient(row) {
                        roster.push((patient, row.clone()));
                    }
                    stored += 1;
                }
                let pages = list
                    .pointer("/pagination/total_pages")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(1);
                if rows.is_empty() || u64::from(page) >= pages {
                    break;
                }
                page += 1;
            }
            // The whole list replaces the roster: a patient who ended the relationship goes.
            ctx.db(|s| s.replace_care_patients(&roster))?;
            Ok(stored)
        }
        _ => Ok(0),
    }
}

/// A pull of an area the server does not offer (404: an older server) brings nothing rather
/// than failing the whole pull.
fn optional(result: Result<usize, PullError>) -> Result<usize, PullError> {
    match result {
        Err(PullError::Status(message)) if message.contains(": 404 ") => {
            tracing::debug!(%message, "server does not offer this area");
            Ok(0)
        }
        other => other,
    }
}

fn json_err(e: serde_json::Error) -> PullError {
    PullError::Status(e.to_string())
}

/// One changed session: stored as pulled (unless recorded here), its latest review, its
/// transcript and notes, and for a clinician its frames, repetitions and form issues.
async fn pull_session(
    ctx: &Context,
    session: &Session,
    report: &mut PullReport,
) -> Result<(), PullError> {
    let Some(started_at) = session.start_time else {
        // Scheduled but never recorded: nothing to show.
        return Ok(());
    };
    let pulled = PulledSession {
        id: session.id,
        patient_id: Some(session.patient_id),
        exercise_id: session.exercise_type.clone(),
        status: session
            .status
            .as_str()
            .parse()
            .unwrap_or(physalign_store::SessionStatus::Completed),
        started_at,
        ended_at: session.end_time,
        duration_seconds: session.duration_seconds.map(f64::from),
        program_item_id: session.program_item_id,
        summary_statistics: session
            .summary_statistics
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(json_err)?,
        version: i64::from(session.version),
        updated_at: session.updated_at,
    };
    let is_pulled = ctx.db(|s| s.upsert_pulled_session(&pulled))?;
    if matches!(
        session.status,
        SessionStatus::Pending | SessionStatus::Recording
    ) {
        return Ok(());
    }
    let detail_path = format!("/api/sessions/{}", session.id);
    let detail: SessionDetail = parse(&detail_path, &get(ctx, &detail_path).await?)?;
    if let Some(review) = &detail.review {
        let record = serde_json::to_value(review).map_err(json_err)?;
        ctx.db(|s| {
            s.upsert_remote_record(&RemoteRecord {
                kind: RemoteRecordKind::Review,
                id: review.id.to_string(),
                version: None,
                updated_at: Some(review.reviewed_at),
                record: record.clone(),
            })?;
            s.upsert_pulled_review(
                &SessionReview {
                    id: review.id,
                    session_id: review.session_id,
                    physiotherapist_id: Some(review.physiotherapist_id),
                    assessment: review.overall_assessment.as_str().to_string(),
                    notes: review.notes.clone(),
                    next_steps: review
                        .next_steps
                        .as_ref()
                        .and_then(|n| serde_json::to_value(n).ok()),
                    reviewed_at: review.reviewed_at,
                    origin: physalign_store::RecordOrigin::Pulled,
                },
                &record,
            )
        })?;
        report.reviews += 1;
    }
    if is_pulled {
        let notes = detail.notes.as_ref().map(local_notes).transpose()?;
        let text = detail.transcript.as_ref().map(|t| t.text.as_str());
        ctx.db(|s| s.store_pulled_transcript(session.id, text, notes.as_ref()))?;
    }
    // What the server removed or saved of the transcript holds here too, for sessions recorded
    // here as for pulled ones.
    let retention = match (&detail.transcript_removed, &detail.transcript) {
        (Some(removed), _) => Some(RemoteTranscriptRetention::Removed {
            reason: removed.reason,
            at: removed.removed_at,
        }),
        (None, Some(t)) if t.saved => Some(RemoteTranscriptRetention::Saved { until: t.purge_at }),
        _ => None,
    };
    if let Some(retention) = retention {
        ctx.db(|s| s.apply_remote_transcript_retention(session.id, retention))?;
        report.transcript_changes += 1;
    }
    if !is_pulled {
        return Ok(());
    }
    if ctx.role == Some(Role::Physiotherapist) {
        report.frames += optional(pull_frames(ctx, session.id).await)?;
    }
    Ok(())
}

/// The server's notes in the speech crate's document shape the device stores.
fn local_notes(n: &physalign_api::sessions::SessionNotes) -> Result<serde_json::Value, PullError> {
    Ok(serde_json::json!({
        "pain_reports": n.pain.iter().map(|p| serde_json::json!({
            "body_part": p.body_part, "laterality": p.laterality, "score": p.score,
            "approximate": p.approximate, "denied": p.denied, "quote": p.quote,
        })).collect::<Vec<_>>(),
        "session_mood": n.mood,
        "mood_score": n.mood_score,
        "action_items": n.action_items,
        "risk_flags": serde_json::to_value(&n.risk_flags).map_err(json_err)?,
        "crisis_alert": if n.crisis {
            serde_json::json!({"keywords_matched": n.crisis_keywords})
        } else {
            serde_json::Value::Null
        },
        "key_topics": n.key_topics,
        "exercises": serde_json::to_value(&n.exercises).map_err(json_err)?,
        "extractor": n.extractor,
    }))
}

/// Every page of a pulled session's frames, with its repetitions and form issues.
async fn pull_frames(ctx: &Context, id: uuid::Uuid) -> Result<usize, PullError> {
    let mut stored = 0;
    let mut page = 1u32;
    loop {
        let path = format!("/api/sessions/{id}/data?page={page}&per_page=2000");
        let data: PoseDataPage = parse(&path, &get(ctx, &path).await?)?;
        let frames: Vec<FrameRecord> = data
            .frames
            .iter()
            .enumerate()
            .map(|(i, f)| FrameRecord {
                frame_number: f
                    .frame_number
                    .map_or_else(|| i64::from(page - 1) * 2000 + i as i64, i64::from),
                timestamp_ms: f.timestamp,
                landmarks: f.landmarks.clone(),
                world_landmarks: Vec::new(),
                angles: f
                    .angles
                    .iter()
                    .map(|(k, v)| (k.clone(), *v as f32))
                    .collect(),
                quality_score: f.quality_score.unwrap_or(0.0).clamp(0.0, 1.0) as f32,
                form_issues: f.form_issues.clone(),
            })
            .collect();
        if page == 1 {
            let reps: Vec<RepetitionRecord> = data
                .repetitions
                .iter()
                .map(|r| RepetitionRecord {
                    index: r.index,
                    start_ms: r.start_ms,
                    end_ms: r.end_ms,
                    min_angle: r.min_angle as f32,
                    max_angle: r.max_angle as f32,
                    eccentric_ms: r.eccentric_ms,
                    concentric_ms: r.concentric_ms,
                    symmetry: r.symmetry.map(|v| v as f32),
                    partial: r.partial,
                    form_issues: r.form_issues.clone(),
                    confidence: r.confidence.map(|c| c as f32),
                    side: r.side,
                })
                .collect();
            let issues: Vec<FormIssueEvent> = data
                .form_issues
                .iter()
                .map(|f| FormIssueEvent {
                    timestamp_ms: f.timestamp_ms,
                    issue: f.issue.clone(),
                })
                .collect();
            ctx.db(|s| s.replace_pulled_analysis(id, &reps, &issues))?;
        }
        stored += frames.len();
        ctx.db(|s| s.store_pulled_frames(id, &frames))?;
        if data.frames.is_empty() || u64::from(page) >= data.pagination.total_pages {
            break;
        }
        page += 1;
    }
    Ok(stored)
}

/// Every program item the account sees (the patient's own, or the clinician's patients').
async fn pull_program_items(ctx: &Context) -> Result<usize, PullError> {
    let mut stored = 0;
    let mut page = 1u32;
    loop {
        let path = format!("/api/programs?page={page}&per_page={PER_PAGE}");
        let list: ProgramItemList = parse(&path, &get(ctx, &path).await?)?;
        for item in &list.data {
            let local = crate::mapping::stored_program_item(item);
            ctx.db(|s| s.upsert_pulled_program_item(&local))?;
            stored += 1;
        }
        if list.data.is_empty() || u64::from(page) >= list.pagination.total_pages {
            break;
        }
        page += 1;
    }
    Ok(stored)
}

/// Goniometer readings in the charts the account sees; readings never change, so only new
/// ones are stored (and counted).
async fn pull_goniometer_readings(ctx: &Context) -> Result<usize, PullError> {
    let mut stored = 0;
    let mut page = 1u32;
    loop {
        let path = format!("/api/goniometer-readings?page={page}&per_page={PER_PAGE}");
        let list: GoniometerReadingList = parse(&path, &get(ctx, &path).await?)?;
        for reading in &list.data {
            let local = crate::mapping::stored_goniometer_reading(reading).map_err(json_err)?;
            if ctx.db(|s| s.upsert_pulled_goniometer_reading(&local))? {
                stored += 1;
            }
        }
        if list.data.is_empty() || u64::from(page) >= list.pagination.total_pages {
            break;
        }
        page += 1;
    }
    Ok(stored)
}

/// The cursor of signed notes: a time before the last pull began (`pull_cursor…`: cleared with
/// the pulled notes when another person signs in).
const NOTE_CURSOR: &str = "pull_cursor_signed_notes";

/// Signed notes of the clinician's patients changed since the last pull (new, or amended); a
/// note never changes otherwise, so what is here is only added to.
async fn pull_signed_notes(ctx: &Context) -> Result<usize, PullError> {
    let since = ctx.db(|s| s.sync_meta(NOTE_CURSOR))?;
    let started = chrono::Utc::now();
    let mut stored = 0;
    let mut page = 1u32;
    loop {
        let mut path = format!("/api/notes?page={page}&per_page={PER_PAGE}");
        if let Some(since) = &since {
            path.push_str(&format!("&changed_since={since}"));
        }
        let list: SignedNoteList = parse(&path, &get(ctx, &path).await?)?;
        for note in &list.data {
            let local = crate::mapping::stored_signed_note(note).map_err(json_err)?;
            if ctx.db(|s| s.upsert_pulled_soap_note(&local))? {
                stored += 1;
            }
        }
        if list.data.is_empty() || u64::from(page) >= list.pagination.total_pages {
            break;
        }
        page += 1;
    }
    // From when this pull began (less a margin for the server's clock): a note changed while
    // it ran is fetched again next time rather than missed.
    // In UTC with a `Z`, the cursor needs no escaping in the query.
    let next =
        (started - chrono::Duration::minutes(5)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    ctx.db(|s| s.set_sync_meta(NOTE_CURSOR, &next))?;
    Ok(stored)
}

/// The clinician's alerts (all statuses), replacing the stored list.
async fn pull_alerts(ctx: &Context) -> Result<usize, PullError> {
    let mut alerts = Vec::new();
    let mut page = 1u32;
    loop {
        let path = format!("/api/physio/alerts?page={page}&per_page={PER_PAGE}");
        let list: AlertList = parse(&path, &get(ctx, &path).await?)?;
        for alert in &list.data {
            alerts.push((
                ClinicalAlert {
                    id: alert.id,
                    patient_id: Some(alert.patient_id),
                    session_id: Some(alert.session_id),
                    kind: alert.kind.as_str().to_string(),
                    message: alert.summary.clone(),
                    created_at: alert.created_at,
                    acknowledged_at: alert.acknowledged_at,
                },
                serde_json::to_value(alert).map_err(json_err)?,
            ));
        }
        if list.data.is_empty() || u64::from(page) >= list.pagination.total_pages {
            break;
        }
        page += 1;
    }
    let n = alerts.len();
    ctx.db(|s| s.replace_alerts(&alerts))?;
    Ok(n)
}

/// A roster row of `/api/physio/patients` as the store keeps it.
fn care_patient(row: &serde_json::Value) -> Option<CarePatient> {
    let text = |k: &str| row.get(k).and_then(serde_json::Value::as_str);
    Some(CarePatient {
        patient_id: text("patient_id")
            .or_else(|| text("id"))
            .and_then(|t| uuid::Uuid::parse_str(t).ok())?,
        first_name: text("first_name").unwrap_or_default().to_string(),
        last_name: text("last_name").unwrap_or_default().to_string(),
        email: text("email").map(str::to_owned),
    })
}
