//! Downloads: sessions visible to the account (the physiotherapist's prescriptions among them),
//! their reviews, and the patient profile or the physiotherapist's patient list.
//!
//! The API has no "changed since" filter, so the session list is read whole (100 per page) and
//! the cursor — the newest `updated_at` already pulled — decides which sessions' details (with
//! their review) are fetched again.

use crate::client::{ApiResponse, Request, RequestError};
use crate::step::Context;
use physalign_api::auth::Role;
use physalign_api::sessions::{SessionDetail, SessionList, SessionStatus};
use physalign_store::sync_state::{RemoteRecord, RemoteRecordKind};
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

async fn get(ctx: &Context, path: &str) -> Result<ApiResponse, PullError> {
    let response = ctx
        .api
        .send(
            Method::GET,
            &Request {
                path,
                ..Request::default()
            },
        )
        .await?;
    if !response.status.is_success() {
        let message = format!(
            "GET {path}: {} {}",
            response.status.as_u16(),
            response.error_summary()
        );
        let transient = response.status.is_server_error()
            || response.status == reqwest::StatusCode::TOO_MANY_REQUESTS;
        return Err(if transient {
            PullError::Transient(message)
        } else {
            PullError::Status(message)
        });
    }
    Ok(response)
}

fn parse<T: serde::de::DeserializeOwned>(path: &str, r: &ApiResponse) -> Result<T, PullError> {
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
            if matches!(
                session.status,
                SessionStatus::Reviewed | SessionStatus::Completed
            ) {
                let detail_path = format!("/api/sessions/{}", session.id);
                let detail: SessionDetail = parse(&detail_path, &get(ctx, &detail_path).await?)?;
                if let Some(review) = detail.review {
                    let record = RemoteRecord {
                        kind: RemoteRecordKind::Review,
                        id: review.id.to_string(),
                        version: None,
                        updated_at: Some(review.reviewed_at),
                        record: serde_json::to_value(&review)
                            .map_err(|e| PullError::Status(e.to_string()))?,
                    };
                    ctx.db(|s| s.upsert_remote_record(&record))?;
                    report.reviews += 1;
                }
            }
        }
        if u64::from(page) >= list.pagination.total_pages || list.data.is_empty() {
            break;
        }
        page += 1;
    }
    report.people += pull_people(ctx).await?;
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
            Ok(stored)
        }
        _ => Ok(0),
    }
}
