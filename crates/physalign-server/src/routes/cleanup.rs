//! `/api/admin/cleanup`: seed 004's clean-up endpoints (issue 19) over the scheduled clean-up
//! (`crate::retention`): an administrator sees what is due and its settings, and runs one step
//! or the whole pass, as a dry run or for real. Administrators only: the seed also lets
//! therapists in, but deleting what the server keeps is not a clinical task. A run takes the
//! clean-up's lock, so it never overlaps a scheduled pass on any replica (409 meanwhile).

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use physalign_api::admin::{
    CleanupConfig, CleanupCounts, CleanupOperation, CleanupQuery, CleanupReport, CleanupRun,
    CleanupStatus,
};
use physalign_api::auth::Role;
use physalign_api::{ErrorBody, ErrorCode};
use physalign_domain::retention::TRANSCRIPT_RETENTION_DAYS;

use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, ClientInfo};
use crate::retention::{self, RetentionPolicy, Swept};
use crate::state::AppState;

/// `/api/admin/cleanup/*`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/cleanup/orphaned-files", post(orphaned_files))
        .route("/api/admin/cleanup/failed-sessions", post(failed_sessions))
        .route("/api/admin/cleanup/all", post(all))
        .route("/api/admin/cleanup/status", get(status))
        .route("/api/admin/cleanup/config", get(config))
}

fn counts(swept: Swept) -> CleanupCounts {
    CleanupCounts {
        orphaned_file_sessions: swept.orphan_sessions,
        failed_uploads: swept.uploads,
        transcripts_purged: swept.transcripts_purged,
        idempotency_keys: swept.idempotency_keys,
        ended_sign_in_sessions: swept.sessions,
        refresh_tokens: swept.refresh_tokens,
        rate_limit_counters: swept.rate_limit_counters,
        login_lockouts: swept.login_lockouts,
        access_log_rows: swept.access_log_rows,
        expired_exports: swept.exports_expired,
    }
}

/// Keeps only what `operation` covers of a whole preview.
fn only(operation: CleanupOperation, swept: Swept) -> Swept {
    match operation {
        CleanupOperation::All => swept,
        CleanupOperation::OrphanedFiles => Swept {
            orphan_sessions: swept.orphan_sessions,
            ..Swept::default()
        },
        CleanupOperation::FailedUploads => Swept {
            uploads: swept.uploads,
            ..Swept::default()
        },
    }
}

async fn run(
    state: &AppState,
    user: &AuthUser,
    client: &ClientInfo,
    operation: CleanupOperation,
    dry_run: bool,
) -> ApiResult<Json<CleanupReport>> {
    user.require(&[Role::Admin])?;
    let pool = &state.pool;
    let storage = state.storage.as_ref();
    let policy = RetentionPolicy::from(&state.config.security);
    let swept = if dry_run {
        only(operation, retention::preview(pool, storage, &policy).await?)
    } else {
        let done = match operation {
            CleanupOperation::All => {
                retention::locked(pool, || {
                    retention::sweep(pool, &state.staging, storage, &policy)
                })
                .await?
            }
            CleanupOperation::OrphanedFiles => {
                retention::locked(pool, || retention::remove_orphans(pool, storage, &policy))
                    .await?
            }
            CleanupOperation::FailedUploads => {
                retention::locked(pool, || {
                    retention::remove_abandoned_uploads(pool, &state.staging)
                })
                .await?
            }
        };
        done.ok_or_else(|| {
            ApiError::conflict(
                ErrorCode::Conflict,
                "a clean-up pass is running on a server; try again when it has finished",
            )
        })?
    };
    audit::record(
        pool,
        Some(user),
        AuditResource::Cleanup,
        None,
        if dry_run {
            Action::Read
        } else {
            Action::Delete
        },
        client,
    )
    .await?;
    Ok(Json(CleanupReport {
        operation,
        dry_run,
        counts: counts(swept),
    }))
}

/// Removes the stored files of sessions that no longer exist (unchanged for the grace period).
#[utoipa::path(post, path = "/api/admin/cleanup/orphaned-files", tag = "admin",
    security(("bearer" = [])), params(CleanupQuery),
    responses((status = 200, body = CleanupReport), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn orphaned_files(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<CleanupQuery>,
) -> ApiResult<Json<CleanupReport>> {
    let dry_run = query.dry_run.unwrap_or(false);
    run(
        &state,
        &user,
        &client,
        CleanupOperation::OrphanedFiles,
        dry_run,
    )
    .await
}

/// Expires uploads abandoned past their expiry and removes their staged bytes.
#[utoipa::path(post, path = "/api/admin/cleanup/failed-sessions", tag = "admin",
    security(("bearer" = [])), params(CleanupQuery),
    responses((status = 200, body = CleanupReport), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn failed_sessions(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<CleanupQuery>,
) -> ApiResult<Json<CleanupReport>> {
    let dry_run = query.dry_run.unwrap_or(false);
    run(
        &state,
        &user,
        &client,
        CleanupOperation::FailedUploads,
        dry_run,
    )
    .await
}

/// The whole clean-up pass, as the schedule runs it.
#[utoipa::path(post, path = "/api/admin/cleanup/all", tag = "admin",
    security(("bearer" = [])), params(CleanupQuery),
    responses((status = 200, body = CleanupReport), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn all(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(query): ApiQuery<CleanupQuery>,
) -> ApiResult<Json<CleanupReport>> {
    let dry_run = query.dry_run.unwrap_or(false);
    run(&state, &user, &client, CleanupOperation::All, dry_run).await
}

/// What a pass would remove now (nothing is removed) and the last scheduled pass.
#[utoipa::path(get, path = "/api/admin/cleanup/status", tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, body = CleanupStatus), (status = 403, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
) -> ApiResult<Json<CleanupStatus>> {
    user.require(&[Role::Admin])?;
    let policy = RetentionPolicy::from(&state.config.security);
    let pending = retention::preview(&state.pool, state.storage.as_ref(), &policy).await?;
    let last_run: Option<(DateTime<Utc>, Option<DateTime<Utc>>, i64)> = sqlx::query_as(
        "SELECT last_started_at, last_finished_at, runs FROM scheduled_job_runs WHERE job = $1",
    )
    .bind(retention::JOB_NAME)
    .fetch_optional(&state.pool)
    .await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::Cleanup,
        None,
        Action::Read,
        &client,
    )
    .await?;
    Ok(Json(CleanupStatus {
        pending: counts(pending),
        last_run: last_run.map(|(started_at, finished_at, runs)| CleanupRun {
            started_at,
            finished_at,
            runs,
        }),
    }))
}

/// The clean-up's settings.
#[utoipa::path(get, path = "/api/admin/cleanup/config", tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, body = CleanupConfig), (status = 403, body = ErrorBody)))]
pub async fn config(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<CleanupConfig>> {
    user.require(&[Role::Admin])?;
    let security = &state.config.security;
    Ok(Json(CleanupConfig {
        interval_secs: security.retention_interval_secs,
        orphan_file_grace_secs: security.orphan_file_grace_secs,
        upload_ttl_secs: state.config.resumable_upload_ttl_secs,
        transcript_retention_days: u32::try_from(TRANSCRIPT_RETENTION_DAYS).unwrap_or(u32::MAX),
        idempotency_key_ttl_secs: security.idempotency_key_ttl_secs,
        access_log_retention_days: security.access_log_retention_days.max(365),
    }))
}
