//! Delivering one outbox entry: the requests it takes, in order, each acknowledged step saved
//! so a restart resumes after the last one the server confirmed.

use crate::client::{ApiResponse, Request};
use crate::mapping;
use crate::resumable;
pub use crate::step::Context;
use crate::step::{classify, local, StepError};
use physalign_api::auth::Role;
use physalign_api::notes::{CreateNoteAmendmentRequest, CreateSignedNoteRequest};
use physalign_api::programs::UpdateProgramItemRequest;
use physalign_api::sessions::{SaveTranscriptRequest, TranscriptRemoval};
use physalign_api::upload::UploadKind;
use physalign_api::ErrorCode;
use physalign_store::{
    AlertAcknowledgement, OutboxEntityKind, OutboxEntry, OutboxOperation, OutboxStatus,
    ProgramItemChange, RemoteTranscriptRetention, SessionDetail, SessionRow,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

/// Frames per piece of a pose data upload (well under the server's body limit with 33
/// landmarks and the angles per frame).
const POSE_PIECE_FRAMES: usize = 1000;

/// The result of trying to deliver one entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The server has everything the entry carries.
    Delivered,
    /// Try again later (network, 5xx, 429); `after` is the server's `Retry-After`.
    Retry {
        /// What went wrong.
        reason: String,
        /// Server-requested delay.
        after: Option<Duration>,
    },
    /// The server refused it for good (4xx); kept as failed with this reason.
    Failed(String),
    /// The credentials were refused; the entry stays queued.
    LoginRequired(String),
}

/// A per-step idempotency key: the entry's key for its first request, suffixed for the others,
/// so each request of the entry is applied once however often it is retried.
fn step_key(entry: &OutboxEntry, step: u32) -> String {
    if step == 0 {
        entry.idempotency_key.to_string()
    } else {
        format!("{}-{step}", entry.idempotency_key)
    }
}

/// Delivers `entry`, resuming after its last acknowledged step.
pub async fn deliver(ctx: &Context, entry: &OutboxEntry) -> Outcome {
    match deliver_steps(ctx, entry).await {
        Ok(()) => Outcome::Delivered,
        Err(StepError::Retry(reason, after)) => Outcome::Retry { reason, after },
        Err(StepError::Failed(reason)) => Outcome::Failed(reason),
        Err(StepError::LoginRequired(reason)) => Outcome::LoginRequired(reason),
    }
}

async fn deliver_steps(ctx: &Context, entry: &OutboxEntry) -> Result<(), StepError> {
    let steps: &[Step] = match (entry.entity_type, entry.operation) {
        (OutboxEntityKind::ExerciseSession, OutboxOperation::Create) => &[Step::CreateSession],
        (OutboxEntityKind::ExerciseSession, OutboxOperation::Complete) => &[
            Step::CompleteSession,
            Step::PoseData,
            Step::Progress,
            Step::Snapshots,
            Step::RawFrames,
        ],
        (OutboxEntityKind::ExerciseSession, OutboxOperation::Transcript) => &[Step::Transcript],
        (OutboxEntityKind::ExerciseSession, OutboxOperation::Notes) => &[Step::Notes],
        (OutboxEntityKind::ExerciseSession, OutboxOperation::DeleteTranscript) => {
            &[Step::DeleteTranscript]
        }
        (OutboxEntityKind::ExerciseSession, OutboxOperation::SaveTranscript) => {
            &[Step::SaveTranscript]
        }
        (OutboxEntityKind::Review, OutboxOperation::Create) => &[Step::Review],
        (OutboxEntityKind::ProgramItem, OutboxOperation::Create) => &[Step::ProgramItem],
        (OutboxEntityKind::ProgramItem, OutboxOperation::Update) => &[Step::ProgramItemUpdate],
        (OutboxEntityKind::ProgramItem, OutboxOperation::End) => &[Step::ProgramItemEnd],
        (OutboxEntityKind::GoniometerReading, OutboxOperation::Create) => {
            &[Step::GoniometerReading]
        }
        (OutboxEntityKind::SoapNote, OutboxOperation::Create) => &[Step::SignedNote],
        (OutboxEntityKind::SoapNoteAmendment, OutboxOperation::Create) => &[Step::NoteAmendment],
        (OutboxEntityKind::ClinicalAlert, OutboxOperation::Acknowledge) => {
            &[Step::AcknowledgeAlert]
        }
        (OutboxEntityKind::Appointment, _) => &[Step::Appointment],
        (OutboxEntityKind::OutcomeResponse, OutboxOperation::Create) => &[Step::OutcomeResponse],
        (OutboxEntityKind::OutcomePlan, OutboxOperation::Update) => &[Step::OutcomePlan],
        (kind, operation) => {
            return Err(StepError::Failed(format!(
                "outbox entry {}/{} has no delivery",
                kind.as_str(),
                operation.as_str()
            )))
        }
    };
    let (done, mut detail) = ctx
        .db(|s| s.sync_progress(entry.id))
        .map_err(local)?
        .unwrap_or((0, json!({})));
    for (index, step) in steps.iter().enumerate().skip(done as usize) {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        let mut key = step_key(entry, index);
        if matches!(step, Step::PoseData) {
            // A different stride is a different body: under the old key the server would
            // refuse it as a key mismatch, under a new one it simply replaces the frames.
            key.push_str(&format!("-s{}", ctx.config.frame_stride));
        }
        let note = run_step(ctx, entry, *step, &key).await?;
        if let (Some(map), Some(note)) = (detail.as_object_mut(), note) {
            map.insert(step.name().to_string(), note);
        }
        ctx.db(|s| s.set_sync_progress(entry.id, index + 1, &detail))
            .map_err(local)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
enum Step {
    CreateSession,
    CompleteSession,
    PoseData,
    Progress,
    Snapshots,
    RawFrames,
    Review,
    Transcript,
    Notes,
    DeleteTranscript,
    SaveTranscript,
    ProgramItem,
    ProgramItemUpdate,
    ProgramItemEnd,
    AcknowledgeAlert,
    Appointment,
    GoniometerReading,
    SignedNote,
    NoteAmendment,
    OutcomeResponse,
    OutcomePlan,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::CreateSession => "create",
            Step::CompleteSession => "complete",
            Step::PoseData => "pose_data",
            Step::Progress => "progress",
            Step::Snapshots => "snapshots",
            Step::RawFrames => "raw_frames",
            Step::Review => "review",
            Step::Transcript => "transcript",
            Step::Notes => "notes",
            Step::DeleteTranscript => "delete_transcript",
            Step::SaveTranscript => "save_transcript",
            Step::ProgramItem => "program_item",
            Step::ProgramItemUpdate => "program_item_update",
            Step::ProgramItemEnd => "program_item_end",
            Step::AcknowledgeAlert => "acknowledge_alert",
            Step::Appointment => "appointment",
            Step::GoniometerReading => "goniometer_reading",
            Step::SignedNote => "signed_note",
            Step::NoteAmendment => "note_amendment",
            Step::OutcomeResponse => "outcome_response",
            Step::OutcomePlan => "outcome_plan",
        }
    }
}

/// Runs one step; returns a note kept in the entry's progress detail.
async fn run_step(
    ctx: &Context,
    entry: &OutboxEntry,
    step: Step,
    key: &str,
) -> Result<Option<Value>, StepError> {
    match step {
        Step::CreateSession => create_session(ctx, entry, key).await,
        Step::CompleteSession => complete_session(ctx, entry, key).await,
        Step::PoseData => pose_data(ctx, entry, key).await,
        Step::Progress | Step::Snapshots => progress(ctx, entry, step, key).await,
        Step::RawFrames => raw_frames(ctx, entry).await,
        Step::Review => review(ctx, entry, key).await,
        Step::Transcript | Step::Notes => speech(ctx, entry, step, key).await,
        Step::DeleteTranscript => delete_transcript(ctx, entry, key).await,
        Step::SaveTranscript => save_transcript(ctx, entry, key).await,
        Step::ProgramItem => program_item(ctx, entry, key).await,
        Step::ProgramItemUpdate => program_item_update(ctx, entry, key).await,
        Step::ProgramItemEnd => program_item_end(ctx, entry, key).await,
        Step::AcknowledgeAlert => acknowledge_alert(ctx, entry, key).await,
        Step::Appointment => crate::appointments::deliver(ctx, entry, key).await,
        Step::GoniometerReading => goniometer_reading(ctx, entry, key).await,
        Step::SignedNote => signed_note(ctx, entry, key).await,
        Step::NoteAmendment => note_amendment(ctx, entry, key).await,
        Step::OutcomeResponse => crate::outcomes::deliver_response(ctx, entry, key).await,
        Step::OutcomePlan => crate::outcomes::deliver_plan(ctx, entry, key).await,
    }
}

async fn create_session(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let row: SessionRow = serde_json::from_value(entry.payload.clone())
        .map_err(|e| StepError::Failed(format!("outbox payload is not a session: {e}")))?;
    let mut request = mapping::create_session_request(&row, ctx.role != Some(Role::Patient));
    // The link to a program item travels beside the row (the row type is the desktop's).
    request.program_item_id = entry
        .payload
        .get("program_item_id")
        .and_then(Value::as_str)
        .and_then(|t| uuid::Uuid::parse_str(t).ok());
    let mut body = serde_json::to_value(request).map_err(local)?;
    // Unlinked sessions omit the key, so a server without program items still accepts them.
    if let Some(map) = body.as_object_mut() {
        if map.get("program_item_id").is_some_and(Value::is_null) {
            map.remove("program_item_id");
        }
    }
    let Some(response) = post_new(
        ctx,
        "create session",
        "/api/sessions",
        &body,
        key,
        ErrorCode::SessionExists,
    )
    .await?
    else {
        return Ok(Some(json!("already on server")));
    };
    let version = response.etag_version().unwrap_or(1);
    ctx.db(|s| s.set_remote_version(OutboxEntityKind::ExerciseSession, row.id, version))
        .map_err(local)?;
    Ok(None)
}

fn session_detail(entry: &OutboxEntry) -> Result<SessionDetail, StepError> {
    serde_json::from_value(entry.payload.clone())
        .map_err(|e| StepError::Failed(format!("outbox payload is not a session detail: {e}")))
}

/// The completion's edit of the session record, guarded by the version last seen: when the
/// server's copy changed meanwhile, both are kept and the conflict is surfaced.
async fn complete_session(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let detail = session_detail(entry)?;
    let id = detail.session.id;
    let known = ctx
        .db(|s| s.remote_version(OutboxEntityKind::ExerciseSession, id))
        .map_err(local)?;
    let body = serde_json::to_value(mapping::completion_update(&detail.session)).map_err(local)?;
    let path = format!("/api/sessions/{id}");
    let response = versioned_put(
        ctx,
        entry,
        key,
        VersionedRecord {
            kind: OutboxEntityKind::ExerciseSession,
            id,
            path: &path,
            body: &body,
            if_match: known,
            local_version: Some(detail.session.version),
            server_version_at: "/session/version",
            what: "session",
        },
    )
    .await?;
    let response = classify("update session", response)?;
    if let Some(version) = response.etag_version() {
        ctx.db(|s| s.set_remote_version(OutboxEntityKind::ExerciseSession, id, version))
            .map_err(local)?;
    }
    Ok(None)
}

/// A change to a record the server versions, sent with `If-Match`.
struct VersionedRecord<'a> {
    kind: OutboxEntityKind,
    id: uuid::Uuid,
    path: &'a str,
    body: &'a Value,
    /// The version the change was made on (`None`: not known, sent unguarded).
    if_match: Option<i64>,
    /// The local version recorded with a conflict.
    local_version: Option<i64>,
    /// Where the server's answer to a GET of `path` holds its version (a JSON pointer).
    server_version_at: &'static str,
    /// The record's name in the conflict message.
    what: &'static str,
}

/// `PUT`s a change guarded by `If-Match`. When someone else changed the record meanwhile (412),
/// nothing is overwritten: the server's copy and the local change are kept as a conflict and
/// the entry fails naming it. Any other answer is returned to the caller.
async fn versioned_put(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
    record: VersionedRecord<'_>,
) -> Result<ApiResponse, StepError> {
    let response = ctx
        .api
        .send(
            Method::PUT,
            &Request {
                path: record.path,
                json: Some(record.body),
                idempotency_key: Some(key),
                if_match: record.if_match,
                ..Request::default()
            },
        )
        .await?;
    if response.status != StatusCode::PRECONDITION_FAILED {
        return Ok(response);
    }
    let server = fetch_record(ctx, record.path).await;
    let server_version = server
        .as_ref()
        .and_then(|v| v.pointer(record.server_version_at))
        .and_then(Value::as_i64);
    let conflict = ctx
        .db(|s| {
            s.record_conflict(
                record.kind,
                record.id,
                Some(entry.id),
                record.local_version,
                server_version,
                &entry.payload,
                server.as_ref(),
            )
        })
        .map_err(local)?;
    let shown = |v: Option<i64>| v.map_or("?".into(), |v| v.to_string());
    Err(StepError::Failed(format!(
        "conflict #{conflict}: the server's {} is at version {} but this device changed version \
         {}; both versions are kept locally, the local change is not sent",
        record.what,
        shown(server_version),
        shown(record.if_match),
    )))
}

/// GETs a record as JSON, `None` when it cannot be read.
async fn fetch_record(ctx: &Context, path: &str) -> Option<Value> {
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
        .ok()?;
    if !response.status.is_success() {
        return None;
    }
    response.json().ok()
}

/// Summary statistics and the downsampled frame set. The server replaces a session's frames on
/// every upload, so they go in one request (retried whole under the same key).
async fn pose_data(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let detail = session_detail(entry)?;
    let id = detail.session.id;
    let frames = ctx.db(|s| s.frames(id)).map_err(local)?;
    if frames.is_empty() {
        // The API needs at least one frame to accept a summary.
        return Ok(Some(json!("no frames recorded; summary not uploadable")));
    }
    let all = mapping::downsample(&frames, ctx.config.frame_stride);
    let sent = all.len();
    // In pieces, so a session of any length stays under the server's body limit; each piece
    // replaces only itself on the server, so resending one after a failure is harmless. The
    // repetition table, form issues and summary go with the last piece.
    let pieces: Vec<_> = all.chunks(POSE_PIECE_FRAMES).collect();
    let parts = u32::try_from(pieces.len()).unwrap_or(u32::MAX);
    let path = format!("/api/sessions/{id}/data");
    for (index, piece) in pieces.iter().enumerate() {
        let part = u32::try_from(index).unwrap_or(u32::MAX);
        let last = part + 1 == parts;
        let upload = physalign_api::sessions::PoseDataUpload {
            frames: piece.to_vec(),
            summary_statistics: last.then(|| mapping::summary_statistics(&detail)),
            // One piece goes whole (no `part`), as servers without pieces accept it.
            part: (parts > 1).then_some(part),
            parts: (parts > 1).then_some(parts),
            repetitions: last.then(|| mapping::repetition_rows(&detail)),
            form_issues: last.then(|| mapping::timed_form_issues(&detail)),
        };
        let body = serde_json::to_value(&upload).map_err(local)?;
        let piece_key = format!("{key}-p{part}of{parts}");
        let response = ctx
            .api
            .send(
                Method::POST,
                &Request {
                    path: &path,
                    json: Some(&body),
                    idempotency_key: Some(&piece_key),
                    ..Request::default()
                },
            )
            .await?;
        classify("upload pose data", response)?;
    }
    // The upload bumped the server's version by one; a concurrent edit makes this stale, which
    // the next If-Match turns into a surfaced conflict rather than a lost edit.
    let known = ctx
        .db(|s| s.remote_version(OutboxEntityKind::ExerciseSession, id))
        .map_err(local)?;
    if let Some(version) = known {
        ctx.db(|s| s.set_remote_version(OutboxEntityKind::ExerciseSession, id, version + 1))
            .map_err(local)?;
    }
    Ok(Some(
        json!({ "frames_sent": sent, "frames_local": frames.len() }),
    ))
}

/// Seed 000 progress metrics and snapshots; the server lets only clinicians write them.
async fn progress(
    ctx: &Context,
    entry: &OutboxEntry,
    step: Step,
    key: &str,
) -> Result<Option<Value>, StepError> {
    if ctx.role == Some(Role::Patient) || ctx.role.is_none() {
        return Ok(Some(json!(
            "skipped: only clinicians may write progress metrics"
        )));
    }
    let detail = session_detail(entry)?;
    let (path, body) = match step {
        Step::Progress => (
            "/api/session/progress",
            serde_json::to_value(mapping::progress_request(&detail)).map_err(local)?,
        ),
        _ => {
            let request = mapping::snapshots_request(&detail);
            if request.snapshots.is_empty() {
                return Ok(Some(json!("no repetitions")));
            }
            (
                "/api/session/snapshots",
                serde_json::to_value(request).map_err(local)?,
            )
        }
    };
    let response = ctx
        .api
        .send(
            Method::POST,
            &Request {
                path,
                json: Some(&body),
                idempotency_key: Some(key),
                ..Request::default()
            },
        )
        .await?;
    classify(step.name(), response)?;
    Ok(None)
}

/// The full-rate frames as a JSON-lines file, when configured: in chunks through a resumable
/// upload that continues from the server's acknowledged offset after any interruption.
async fn raw_frames(ctx: &Context, entry: &OutboxEntry) -> Result<Option<Value>, StepError> {
    if !ctx.config.upload_raw_frames {
        return Ok(None);
    }
    let detail = session_detail(entry)?;
    let id = detail.session.id;
    let file = ctx.db(|s| mapping::raw_frames_file(s, id)).map_err(local)?;
    resumable::upload_file(
        ctx,
        entry,
        resumable::RAW_FRAMES,
        id,
        UploadKind::PoseData,
        &file,
    )
    .await
    .map(Some)
}

async fn review(ctx: &Context, entry: &OutboxEntry, key: &str) -> Result<Option<Value>, StepError> {
    let created = post_new(
        ctx,
        "create review",
        "/api/physio/reviews",
        &entry.payload,
        key,
        ErrorCode::ReviewExists,
    )
    .await?;
    Ok(created.is_none().then(|| json!("already on server")))
}

/// Uploads a goniometer reading saved in a patient's chart. The payload is checked against the
/// API's reading type first: a reading this build cannot describe fails here, with its reason,
/// instead of being refused by the server on every retry.
async fn goniometer_reading(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let request = mapping::goniometer_reading_request(&entry.payload).map_err(|e| {
        StepError::Failed(format!("outbox payload is not a goniometer reading: {e}"))
    })?;
    let body = serde_json::to_value(request).map_err(local)?;
    let created = post_new(
        ctx,
        "save goniometer reading",
        "/api/goniometer-readings",
        &body,
        key,
        ErrorCode::GoniometerReadingExists,
    )
    .await?;
    Ok(created.is_none().then(|| json!("already on server")))
}

/// Uploads a note signed on this device. Like a goniometer reading, the payload is checked
/// against the API's type first, so a note this build cannot describe fails alone with its
/// reason.
async fn signed_note(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let request: CreateSignedNoteRequest = serde_json::from_value(entry.payload.clone())
        .map_err(|e| StepError::Failed(format!("outbox payload is not a signed note: {e}")))?;
    let body = serde_json::to_value(request).map_err(local)?;
    let created = post_new(
        ctx,
        "send signed note",
        "/api/notes",
        &body,
        key,
        ErrorCode::NoteExists,
    )
    .await?;
    Ok(created.is_none().then(|| json!("already on server")))
}

/// Uploads an amendment written on this device to a signed note (queued after the note, so
/// the note is on the server first).
async fn note_amendment(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let note_id = entry
        .payload
        .get("note_id")
        .and_then(Value::as_str)
        .and_then(|t| uuid::Uuid::parse_str(t).ok())
        .ok_or_else(|| StepError::Failed("outbox payload names no note".into()))?;
    // The note goes first: an amendment waits while its note's own upload waits here (the two
    // back off separately, so the amendment's turn may come first).
    let note_upload = ctx
        .db(|s| s.outbox_entries(note_id))
        .map_err(local)?
        .into_iter()
        .find(|e| e.entity_type == OutboxEntityKind::SoapNote);
    match note_upload.map(|e| (e.status, e.last_error)) {
        Some((OutboxStatus::Pending, _)) => {
            return Err(StepError::Retry(
                format!("waits for note {note_id} to be sent first"),
                None,
            ))
        }
        Some((OutboxStatus::Failed, reason)) => {
            return Err(StepError::Failed(format!(
                "note {note_id} could not be sent: {}",
                reason.unwrap_or_default()
            )))
        }
        Some((OutboxStatus::Done, _)) | None => {}
    }
    let mut body = entry.payload.clone();
    if let Some(map) = body.as_object_mut() {
        map.remove("note_id");
    }
    let request: CreateNoteAmendmentRequest = serde_json::from_value(body)
        .map_err(|e| StepError::Failed(format!("outbox payload is not a note amendment: {e}")))?;
    let body = serde_json::to_value(request).map_err(local)?;
    let created = post_new(
        ctx,
        "send note amendment",
        &format!("/api/notes/{note_id}/amendments"),
        &body,
        key,
        ErrorCode::NoteAmendmentExists,
    )
    .await?;
    Ok(created.is_none().then(|| json!("already on server")))
}

/// POSTs a record with a client-generated id. `Ok(None)` when the server answers `exists_code`
/// (409): an earlier create of this device whose idempotency record the server no longer has.
pub(crate) async fn post_new(
    ctx: &Context,
    what: &str,
    path: &str,
    body: &Value,
    key: &str,
    exists_code: ErrorCode,
) -> Result<Option<ApiResponse>, StepError> {
    let response = ctx
        .api
        .send(
            Method::POST,
            &Request {
                path,
                json: Some(body),
                idempotency_key: Some(key),
                ..Request::default()
            },
        )
        .await?;
    if response.status == StatusCode::CONFLICT && response.error_code() == Some(exists_code) {
        return Ok(None);
    }
    classify(what, response).map(Some)
}

/// The session's transcript or clinical notes as stored now, subject to the patient's consent:
/// what the patient does not share is not sent (the entry is done, with a note saying so).
async fn speech(
    ctx: &Context,
    entry: &OutboxEntry,
    step: Step,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let id = entry.entity_id;
    let consent = ctx.db(|s| s.consent_settings()).map_err(local)?;
    let (shared, what) = match step {
        Step::Transcript => (consent.share_transcript, "transcript"),
        _ => (consent.share_notes, "notes"),
    };
    if !shared {
        return Ok(Some(json!(format!(
            "withheld: the patient does not share the {what}"
        ))));
    }
    let body = ctx
        .db(|s| match step {
            Step::Transcript => mapping::transcript_request(s, id),
            _ => mapping::notes_request(s, id, consent.share_transcript),
        })
        .map_err(local)?;
    let Some(body) = body else {
        return Ok(Some(json!(format!("no {what} stored"))));
    };
    let path = format!("/api/sessions/{id}/{what}");
    let response = ctx
        .api
        .send(
            Method::PUT,
            &Request {
                path: &path,
                json: Some(&body),
                idempotency_key: Some(key),
                ..Request::default()
            },
        )
        .await?;
    if let Some(note) = removed_on_server(ctx, id, &response)? {
        return Ok(Some(note));
    }
    classify(what, response)?;
    Ok(None)
}

/// A 410 for a session's transcript: the server purged or deleted it, so this device removes
/// its copy too; the note says so.
fn removed_on_server(
    ctx: &Context,
    session_id: uuid::Uuid,
    response: &ApiResponse,
) -> Result<Option<Value>, StepError> {
    if response.status != StatusCode::GONE {
        return Ok(None);
    }
    let reason = match response.error_code() {
        Some(ErrorCode::TranscriptPurged) => TranscriptRemoval::Purged,
        Some(ErrorCode::TranscriptDeleted) => TranscriptRemoval::Deleted,
        _ => return Ok(None),
    };
    let at = response
        .json::<Value>()
        .ok()
        .and_then(|b| b.pointer("/error/details/removed_at").cloned())
        .and_then(|t| serde_json::from_value(t).ok())
        .unwrap_or_else(chrono::Utc::now);
    ctx.db(|s| {
        s.apply_remote_transcript_retention(
            session_id,
            RemoteTranscriptRetention::Removed { reason, at },
        )
    })
    .map_err(local)?;
    Ok(Some(json!(format!(
        "the transcript was {reason} on the server: removed here too"
    ))))
}

/// A transcript deleted on this device at the patient's request (`DELETE …/transcript`).
async fn delete_transcript(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let path = format!("/api/sessions/{}/transcript", entry.entity_id);
    let response = ctx
        .api
        .send(Method::DELETE, &Request::keyed(&path, key))
        .await?;
    match (response.status, response.error_code()) {
        (StatusCode::CONFLICT, Some(ErrorCode::TranscriptAlreadyDeleted)) => {
            Ok(Some(json!("already gone on the server")))
        }
        // Never sent (withheld by consent, or deleted before its upload).
        (StatusCode::NOT_FOUND, Some(ErrorCode::TranscriptNotFound)) => {
            Ok(Some(json!("the server never had it")))
        }
        _ => classify("delete transcript", response).map(|_| None),
    }
}

/// A transcript saved on this device beyond the automatic purge (`POST …/transcript/save`).
async fn save_transcript(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let request: SaveTranscriptRequest = serde_json::from_value(entry.payload.clone())
        .map_err(|e| StepError::Failed(format!("outbox payload is not a save: {e}")))?;
    let body = serde_json::to_value(request).map_err(local)?;
    let path = format!("/api/sessions/{}/transcript/save", entry.entity_id);
    let response = ctx
        .api
        .send(
            Method::POST,
            &Request {
                path: &path,
                json: Some(&body),
                idempotency_key: Some(key),
                ..Request::default()
            },
        )
        .await?;
    if let Some(note) = removed_on_server(ctx, entry.entity_id, &response)? {
        return Ok(Some(note));
    }
    if response.status == StatusCode::NOT_FOUND
        && response.error_code() == Some(ErrorCode::TranscriptNotFound)
    {
        return Ok(Some(json!(
            "the server has no transcript of this session (not shared): saved here only"
        )));
    }
    classify("save transcript", response)?;
    Ok(None)
}

/// A program item prescribed on this device (`POST /api/programs`).
async fn program_item(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let item: physalign_store::ProgramItem = serde_json::from_value(entry.payload.clone())
        .map_err(|e| StepError::Failed(format!("outbox payload is not a program item: {e}")))?;
    let body = serde_json::to_value(mapping::program_item_request(&item)).map_err(local)?;
    let created = post_new(
        ctx,
        "create program item",
        "/api/programs",
        &body,
        key,
        ErrorCode::ProgramItemExists,
    )
    .await?;
    let Some(response) = created else {
        return Ok(Some(json!("already on server")));
    };
    // Changes queued on the item before its create was delivered follow the version the
    // server gave it.
    if let Some(version) = response.etag_version() {
        ctx.db(|s| s.program_item_delivered(entry.id, item.id, item.version, version))
            .map_err(local)?;
    }
    Ok(None)
}

fn program_item_change(entry: &OutboxEntry) -> Result<ProgramItemChange, StepError> {
    serde_json::from_value(entry.payload.clone())
        .map_err(|e| StepError::Failed(format!("outbox payload is not a program item change: {e}")))
}

/// The version the server answered with: its `ETag`, else the body's `version`.
fn answered_version(response: &ApiResponse) -> Option<i64> {
    response.etag_version().or_else(|| {
        response
            .json::<Value>()
            .ok()
            .and_then(|v| v.get("version").and_then(Value::as_i64))
    })
}

/// `PUT /api/programs/{id}` for a program item changed on this device: every editable field
/// as the item holds it now, with the create's defaults for what it lacks.
fn program_item_update_request(item: &physalign_store::ProgramItem) -> UpdateProgramItemRequest {
    let create = mapping::program_item_request(item);
    UpdateProgramItemRequest {
        exercise_id: create.exercise_id,
        sets: create.sets,
        reps: create.reps,
        hold_seconds: create.hold_seconds,
        target_angle_deg: create.target_angle_deg,
        tolerance_deg: create.tolerance_deg,
        side: create.side,
        sessions_per_week: create.sessions_per_week,
        start_date: create.start_date,
        end_date: create.end_date,
        instructions: create.instructions,
    }
}

/// A program item's new dose (`PUT /api/programs/{id}` with `If-Match` of the version the
/// change was made on). When someone else changed the item meanwhile (412), nothing is
/// overwritten: both versions are kept as a conflict, the entry fails with the conflict named,
/// and the local change stays visible (a pull does not replace it).
async fn program_item_update(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let change = program_item_change(entry)?;
    let id = entry.entity_id;
    let body = serde_json::to_value(program_item_update_request(&change.item)).map_err(local)?;
    let path = format!("/api/programs/{id}");
    let response = versioned_put(
        ctx,
        entry,
        key,
        VersionedRecord {
            kind: OutboxEntityKind::ProgramItem,
            id,
            path: &path,
            body: &body,
            if_match: Some(change.base_version),
            local_version: Some(change.base_version),
            server_version_at: "/version",
            what: "program item",
        },
    )
    .await?;
    let response = classify("update program item", response)?;
    if let Some(version) = answered_version(&response) {
        ctx.db(|s| s.program_item_delivered(entry.id, id, change.base_version, version))
            .map_err(local)?;
    }
    Ok(None)
}

/// A program item's end (`POST /api/programs/{id}/end`). Ending takes nothing away that
/// someone else wrote, so it is sent without `If-Match`; ending an ended item is a success.
async fn program_item_end(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let change = program_item_change(entry)?;
    let id = entry.entity_id;
    let path = format!("/api/programs/{id}/end");
    let response = ctx
        .api
        .send(Method::POST, &Request::keyed(&path, key))
        .await?;
    let response = classify("end program item", response)?;
    if let Some(version) = answered_version(&response) {
        ctx.db(|s| s.program_item_delivered(entry.id, id, change.base_version, version))
            .map_err(local)?;
    }
    Ok(None)
}

/// An alert acknowledged on this device (`POST /api/physio/alerts/{id}/acknowledge`). The
/// server answers an acknowledged alert unchanged (200); an alert it no longer shows this
/// clinician (404: gone, or the patient left their care) or reports as already acknowledged
/// (409) has nothing left to acknowledge: the entry is done, with a note, never failing.
async fn acknowledge_alert(
    ctx: &Context,
    entry: &OutboxEntry,
    key: &str,
) -> Result<Option<Value>, StepError> {
    let ack: AlertAcknowledgement = serde_json::from_value(entry.payload.clone())
        .map_err(|e| StepError::Failed(format!("outbox payload is not an acknowledgement: {e}")))?;
    let path = format!("/api/physio/alerts/{}/acknowledge", ack.alert_id);
    let response = ctx
        .api
        .send(Method::POST, &Request::keyed(&path, key))
        .await?;
    if response.status == StatusCode::NOT_FOUND
        && response.error_code() == Some(ErrorCode::AlertNotFound)
    {
        return Ok(Some(json!(
            "the server no longer shows this alert to this clinician: nothing to acknowledge"
        )));
    }
    if response.status == StatusCode::CONFLICT {
        return Ok(Some(json!("already acknowledged on the server")));
    }
    classify("acknowledge alert", response)?;
    Ok(None)
}
