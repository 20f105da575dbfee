//! Chunked, resumable upload of one file of an outbox entry (`/api/uploads`, see the server's
//! API.md).
//!
//! The upload's id and the last offset the server acknowledged are saved in the local store
//! after every step, and the server's own offset is authoritative: a client restarted after a
//! crash (or a retry after a lost answer) asks the server where the upload stands and sends only
//! what is missing, never starting again from byte 0 unless the server dropped the upload
//! (expired, checksum mismatch).

use crate::client::{ApiResponse, Request};
use crate::step::{classify, local, Context, StepError};
use chrono::Utc;
use physalign_api::upload::{
    CreateUploadRequest, ResumableUpload, UploadKind, UploadState, UPLOAD_OFFSET_HEADER,
};
use physalign_api::ErrorCode;
use physalign_store::sync_state::UploadProgress;
use physalign_store::OutboxEntry;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Name of the raw-frame file in an entry's upload progress.
pub(crate) const RAW_FRAMES: &str = "raw_frames";

/// How many offset corrections one attempt accepts before backing off: more means another
/// writer is sending chunks of the same upload, which waiting sorts out.
const MAX_OFFSET_CORRECTIONS: u32 = 3;

/// What the server said about an upload that makes it unusable: start a new one.
fn upload_gone(response: &ApiResponse) -> bool {
    response.status == StatusCode::NOT_FOUND
        || response.status == StatusCode::GONE
        || response.error_code() == Some(ErrorCode::UploadFailed)
}

/// The acknowledged offset a 409 carries (header, or the error details).
fn conflict_offset(response: &ApiResponse) -> Option<u64> {
    response
        .headers
        .get(UPLOAD_OFFSET_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or_else(|| {
            let body: Value = response.json().ok()?;
            body.pointer("/error/details/offset")?.as_u64()
        })
}

fn answer(what: &str, response: &ApiResponse) -> Result<ResumableUpload, StepError> {
    response
        .json()
        .map_err(|e| StepError::Retry(format!("{what} answer unreadable: {e}"), None))
}

/// A new local record for an upload not yet created on the server, saved before the create is
/// sent so that its idempotency key survives a crash.
fn fresh(
    ctx: &Context,
    entry: &OutboxEntry,
    name: &str,
    size: u64,
    sha256: &str,
) -> Result<UploadProgress, StepError> {
    let progress = UploadProgress {
        outbox_id: entry.id,
        name: name.to_string(),
        create_key: Uuid::new_v4().to_string(),
        upload_id: None,
        size_bytes: size,
        sha256: sha256.to_string(),
        acked_offset: 0,
        chunks_sent: 0,
        completed_at: None,
    };
    save(ctx, &progress)?;
    Ok(progress)
}

fn save(ctx: &Context, progress: &UploadProgress) -> Result<(), StepError> {
    ctx.db(|s| s.save_upload_progress(progress)).map_err(local)
}

/// Forgets an upload the server no longer accepts and backs off; the next attempt starts a new
/// one.
fn restart(
    ctx: &Context,
    entry: &OutboxEntry,
    progress: &UploadProgress,
    reason: String,
) -> StepError {
    if let Err(e) = fresh(
        ctx,
        entry,
        &progress.name,
        progress.size_bytes,
        &progress.sha256,
    ) {
        return e;
    }
    StepError::Retry(reason, None)
}

/// Uploads `file` as `kind` of `session_id` in chunks, continuing a started upload of the same
/// bytes. Returns a note for the entry's progress detail.
pub(crate) async fn upload_file(
    ctx: &Context,
    entry: &OutboxEntry,
    name: &str,
    session_id: Uuid,
    kind: UploadKind,
    file: &[u8],
) -> Result<Value, StepError> {
    let size = file.len() as u64;
    let sha256 = hex::encode(Sha256::digest(file));
    let saved = ctx
        .db(|s| s.upload_progress(entry.id, name))
        .map_err(local)?;
    // A saved upload of other bytes (the file changed) cannot be continued.
    let mut progress = match saved {
        Some(p) if p.size_bytes == size && p.sha256 == sha256 => p,
        _ => fresh(ctx, entry, name, size, &sha256)?,
    };
    if progress.completed_at.is_some() {
        return Ok(note(&progress, progress.size_bytes));
    }
    let mut upload = match progress.upload_id {
        Some(id) => match status(ctx, id).await? {
            Some(upload) if matches!(upload.status, UploadState::Open | UploadState::Completed) => {
                upload
            }
            _ => {
                progress = fresh(ctx, entry, name, size, &sha256)?;
                create(ctx, &mut progress, session_id, kind).await?
            }
        },
        None => create(ctx, &mut progress, session_id, kind).await?,
    };
    let resumed_from = upload.offset;
    progress.acked_offset = upload.offset;
    save(ctx, &progress)?;
    if resumed_from > 0 && upload.status == UploadState::Open {
        tracing::info!(
            upload = %upload.upload_id,
            offset = resumed_from,
            size,
            "resuming upload from the server's acknowledged offset"
        );
    }
    let chunk_size =
        (ctx.config.upload_chunk_size.max(1) as u64).min(upload.max_chunk_bytes.max(1));
    let path = format!("/api/uploads/{}", upload.upload_id);
    let mut corrections = 0;
    while upload.status == UploadState::Open && upload.offset < size {
        let start = upload.offset;
        let end = start.saturating_add(chunk_size).min(size);
        let chunk = file
            .get(start as usize..end as usize)
            .ok_or_else(|| local(format!("chunk {start}..{end} outside the file")))?;
        let headers = [(UPLOAD_OFFSET_HEADER, start.to_string())];
        progress.chunks_sent += 1;
        let sent = ctx
            .api
            .send(
                Method::PATCH,
                &Request {
                    path: &path,
                    bytes: Some(chunk.to_vec()),
                    headers: &headers,
                    ..Request::default()
                },
            )
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(e) => {
                // The server's offset decides where the next attempt continues.
                save(ctx, &progress)?;
                return Err(e.into());
            }
        };
        if response.status == StatusCode::CONFLICT
            && matches!(
                response.error_code(),
                Some(ErrorCode::UploadOffsetMismatch | ErrorCode::UploadCompleted)
            )
        {
            // The server holds more (or less) than we thought: continue where it says.
            corrections += 1;
            let Some(offset) = conflict_offset(&response) else {
                return Err(StepError::Retry(
                    format!("upload chunk: {}", response.error_summary()),
                    None,
                ));
            };
            upload.offset = offset;
            if response.error_code() == Some(ErrorCode::UploadCompleted) {
                upload.status = UploadState::Completed;
            }
            progress.acked_offset = offset;
            save(ctx, &progress)?;
            if corrections > MAX_OFFSET_CORRECTIONS {
                return Err(StepError::Retry(
                    "upload offset keeps moving; another sender?".into(),
                    None,
                ));
            }
            continue;
        }
        if upload_gone(&response) {
            save(ctx, &progress)?;
            return Err(restart(
                ctx,
                entry,
                &progress,
                format!(
                    "upload chunk: {}; starting a new upload",
                    response.error_summary()
                ),
            ));
        }
        let acknowledged = match classify("upload chunk", response) {
            Ok(response) => answer("upload chunk", &response)?,
            Err(e) => {
                save(ctx, &progress)?;
                return Err(e);
            }
        };
        upload = acknowledged;
        progress.acked_offset = upload.offset;
        save(ctx, &progress)?;
    }
    if upload.status != UploadState::Completed {
        upload = complete(ctx, entry, &mut progress, upload.upload_id).await?;
    }
    if upload.sha256 != sha256 || upload.storage_key.is_none() {
        return Err(restart(
            ctx,
            entry,
            &progress,
            format!(
                "server completed upload {} with SHA-256 {} but the file has {sha256}",
                upload.upload_id, upload.sha256
            ),
        ));
    }
    progress.acked_offset = upload.offset;
    progress.completed_at = Some(Utc::now());
    save(ctx, &progress)?;
    Ok(note(&progress, resumed_from))
}

fn note(progress: &UploadProgress, resumed_from: u64) -> Value {
    json!({
        "upload_id": progress.upload_id,
        "bytes": progress.size_bytes,
        "sha256": progress.sha256,
        "chunks_sent": progress.chunks_sent,
        "resumed_from": resumed_from,
    })
}

/// The server's view of upload `id`; `None` when it is gone (unknown to this account).
async fn status(ctx: &Context, id: Uuid) -> Result<Option<ResumableUpload>, StepError> {
    let path = format!("/api/uploads/{id}");
    let response = ctx
        .api
        .send(
            Method::GET,
            &Request {
                path: &path,
                ..Request::default()
            },
        )
        .await?;
    if upload_gone(&response) {
        return Ok(None);
    }
    let response = classify("upload status", response)?;
    answer("upload status", &response).map(Some)
}

/// Creates the server's upload under the saved idempotency key and saves its id.
async fn create(
    ctx: &Context,
    progress: &mut UploadProgress,
    session_id: Uuid,
    kind: UploadKind,
) -> Result<ResumableUpload, StepError> {
    let body = serde_json::to_value(CreateUploadRequest {
        session_id,
        kind,
        size_bytes: progress.size_bytes,
        sha256: progress.sha256.clone(),
    })
    .map_err(local)?;
    let response = ctx
        .api
        .send(
            Method::POST,
            &Request {
                path: "/api/uploads",
                json: Some(&body),
                idempotency_key: Some(&progress.create_key),
                ..Request::default()
            },
        )
        .await?;
    let replayed = response.headers.contains_key("idempotent-replayed");
    let response = classify("create upload", response)?;
    let mut upload = answer("create upload", &response)?;
    progress.upload_id = Some(upload.upload_id);
    save(ctx, progress)?;
    if replayed {
        // A replay shows the upload as it was when first created; chunks may have arrived since.
        upload = status(ctx, upload.upload_id)
            .await?
            .ok_or_else(|| StepError::Retry("created upload vanished; retrying".into(), None))?;
    }
    tracing::debug!(upload = %upload.upload_id, size = progress.size_bytes, "upload created");
    Ok(upload)
}

/// Asks the server to verify the checksum and store the file.
async fn complete(
    ctx: &Context,
    entry: &OutboxEntry,
    progress: &mut UploadProgress,
    id: Uuid,
) -> Result<ResumableUpload, StepError> {
    let path = format!("/api/uploads/{id}/complete");
    let response = ctx
        .api
        .send(
            Method::POST,
            &Request {
                path: &path,
                ..Request::default()
            },
        )
        .await?;
    let code = response.error_code();
    if response.status == StatusCode::UNPROCESSABLE_ENTITY
        && code == Some(ErrorCode::UploadChecksumMismatch)
        || upload_gone(&response)
    {
        return Err(restart(
            ctx,
            entry,
            progress,
            format!(
                "complete upload: {}; starting a new upload",
                response.error_summary()
            ),
        ));
    }
    if response.status == StatusCode::CONFLICT && code == Some(ErrorCode::UploadIncomplete) {
        if let Some(offset) = conflict_offset(&response) {
            progress.acked_offset = offset;
            save(ctx, progress)?;
        }
        return Err(StepError::Retry(
            format!("complete upload: {}", response.error_summary()),
            None,
        ));
    }
    let response = classify("complete upload", response)?;
    answer("complete upload", &response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn response(status: u16, headers: HeaderMap, body: Value) -> ApiResponse {
        ApiResponse {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: serde_json::to_vec(&body).unwrap(),
        }
    }

    #[test]
    fn conflict_offset_comes_from_the_header_or_the_details() {
        let mut headers = HeaderMap::new();
        headers.insert(UPLOAD_OFFSET_HEADER, HeaderValue::from_static("4096"));
        assert_eq!(
            conflict_offset(&response(409, headers, json!({}))),
            Some(4096)
        );
        let body = json!({"error": {"code": "UPLOAD_OFFSET_MISMATCH", "message": "m",
                                    "details": {"offset": 17, "size_bytes": 99}}});
        assert_eq!(
            conflict_offset(&response(409, HeaderMap::new(), body)),
            Some(17)
        );
        assert_eq!(
            conflict_offset(&response(409, HeaderMap::new(), json!({}))),
            None
        );
    }

    #[test]
    fn expired_failed_and_unknown_uploads_are_gone() {
        assert!(upload_gone(&response(404, HeaderMap::new(), json!({}))));
        assert!(upload_gone(&response(410, HeaderMap::new(), json!({}))));
        let failed = json!({"error": {"code": "UPLOAD_FAILED", "message": "m"}});
        assert!(upload_gone(&response(409, HeaderMap::new(), failed)));
        let mismatch = json!({"error": {"code": "UPLOAD_OFFSET_MISMATCH", "message": "m"}});
        assert!(!upload_gone(&response(409, HeaderMap::new(), mismatch)));
    }
}
