//! Pose data of a session in pieces and read back (issue 15): `POST /api/sessions/{id}/data`
//! stores a piece (or the whole), `GET` answers the frames page by page with the repetition
//! table and the timed form issues.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use physalign_api::pagination::Pagination;
use physalign_api::sessions::{
    PoseDataPage, PoseDataQuery, PoseDataUpload, RepetitionRow, SummaryStatistics, TimedFormIssue,
    UploadFrame,
};
use physalign_api::ErrorBody;
use physalign_domain::{FormIssue, Landmark};
use sqlx::PgPool;
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Action, AuditResource};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, ApiQuery, ClientInfo};
use crate::routes::sessions::summarise_frames;
use crate::state::AppState;

/// Most pieces one upload may have.
pub const MAX_PARTS: u32 = 10_000;

/// What storing a piece left.
pub struct Stored {
    /// The session's status afterwards.
    pub status: String,
    /// Frames stored over all pieces.
    pub frames_stored: u32,
    /// Distinct pieces received.
    pub parts_received: u32,
    /// Pieces expected.
    pub parts: u32,
}

/// Checks `part`/`parts`: both or neither, `part < parts <= MAX_PARTS`.
pub fn check_parts(req: &PoseDataUpload) -> ApiResult<(u32, u32, bool)> {
    match (req.part, req.parts) {
        (None, None) => Ok((0, 1, true)),
        (Some(part), Some(parts)) if (1..=MAX_PARTS).contains(&parts) && part < parts => {
            Ok((part, parts, false))
        }
        (Some(_), None) => Err(ApiError::field("parts", "is required with part")),
        (None, Some(_)) => Err(ApiError::field("part", "is required with parts")),
        _ => Err(ApiError::field(
            "part",
            format!("must be below parts, and parts between 1 and {MAX_PARTS}"),
        )),
    }
}

/// Stores one piece (a whole upload is piece 0 of 1 and replaces every earlier frame).
pub async fn store(pool: &PgPool, session_id: Uuid, req: &PoseDataUpload) -> ApiResult<Stored> {
    let (part, parts, whole) = check_parts(req)?;
    let n = req.frames.len();
    let mut numbers = Vec::with_capacity(n);
    let mut seqs = Vec::with_capacity(n);
    let mut timestamps = Vec::with_capacity(n);
    let mut landmarks = Vec::with_capacity(n);
    let mut angles = Vec::with_capacity(n);
    let mut qualities: Vec<Option<f64>> = Vec::with_capacity(n);
    let mut issues = Vec::with_capacity(n);
    for (i, frame) in req.frames.iter().enumerate() {
        let i = i32::try_from(i).unwrap_or(i32::MAX);
        numbers.push(frame.frame_number.unwrap_or(i));
        seqs.push(i);
        timestamps.push(frame.timestamp);
        landmarks.push(serde_json::to_string(&frame.landmarks).map_err(ApiError::internal)?);
        angles.push(serde_json::to_string(&frame.angles).map_err(ApiError::internal)?);
        qualities.push(frame.quality_score);
        issues.push(serde_json::to_string(&frame.form_issues).map_err(ApiError::internal)?);
    }
    let summary = req
        .summary_statistics
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(ApiError::internal)?;
    let reps = req
        .repetitions
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(ApiError::internal)?;
    let form_issues = req
        .form_issues
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(ApiError::internal)?;
    let part_i = i32::try_from(part).unwrap_or(i32::MAX);
    let parts_i = i32::try_from(parts).unwrap_or(i32::MAX);

    let mut tx = pool.begin().await?;
    // Serialises pieces of one session: each sees the others' frames when it counts.
    sqlx::query("SELECT 1 FROM exercise_sessions WHERE id = $1 FOR UPDATE")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    // A whole upload replaces everything; a piece replaces itself and drops pieces beyond
    // `parts` (an upload restarted with fewer pieces). What is replaced is kept (issue 17).
    sqlx::query(
        "WITH replaced AS (
             DELETE FROM pose_frames WHERE session_id = $1 AND ($2 OR part = $3 OR part >= $4)
             RETURNING id, session_id, part, seq, frame_number, timestamp_ms, landmarks,
                       calculated_angles, quality_score, form_issues, processing_metadata,
                       created_at)
         INSERT INTO pose_frames_replaced (id, session_id, part, seq, frame_number, timestamp_ms,
             landmarks, calculated_angles, quality_score, form_issues, processing_metadata,
             created_at)
         SELECT * FROM replaced",
    )
    .bind(session_id)
    .bind(whole)
    .bind(part_i)
    .bind(parts_i)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO pose_frames (session_id, part, seq, frame_number, timestamp_ms, landmarks,
            calculated_angles, quality_score, form_issues)
         SELECT $1, $2, f.s, f.n, f.t, f.l::jsonb, f.a::jsonb, f.q::numeric(3,2), f.i::jsonb
         FROM UNNEST($3::int4[], $4::int4[], $5::int8[], $6::text[], $7::text[], $8::float8[],
             $9::text[]) AS f(s, n, t, l, a, q, i)",
    )
    .bind(session_id)
    .bind(part_i)
    .bind(&seqs)
    .bind(&numbers)
    .bind(&timestamps)
    .bind(&landmarks)
    .bind(&angles)
    .bind(&qualities)
    .bind(&issues)
    .execute(&mut *tx)
    .await?;
    let received: Vec<i32> = sqlx::query_scalar(
        "UPDATE exercise_sessions SET
            pose_parts = $2,
            pose_parts_received = CASE WHEN $3 THEN ARRAY[0]
                ELSE ARRAY(SELECT DISTINCT x FROM UNNEST(array_append(pose_parts_received, $4)) x
                           WHERE x < $2 ORDER BY x) END,
            summary_statistics = COALESCE($5, summary_statistics),
            repetitions = COALESCE($6, repetitions),
            timed_form_issues = COALESCE($7, timed_form_issues)
         WHERE id = $1 RETURNING pose_parts_received",
    )
    .bind(session_id)
    .bind(parts_i)
    .bind(whole)
    .bind(part_i)
    .bind(summary)
    .bind(reps)
    .bind(form_issues)
    .fetch_one(&mut *tx)
    .await?;
    let parts_received = u32::try_from(received.len()).unwrap_or(0);
    let complete = parts_received == parts;
    // The server's summary over every stored frame, so pieces add up to the whole.
    let all = frames(&mut tx, session_id, i64::MAX, 0).await?;
    let pose_summary = serde_json::to_value(summarise_frames(&all)).map_err(ApiError::internal)?;
    let status: String = sqlx::query_scalar(
        "UPDATE exercise_sessions SET pose_summary = $2,
            status = CASE WHEN $3 AND status IN ('pending', 'recording', 'processing')
                THEN 'review_pending' ELSE status END,
            version = version + 1
         WHERE id = $1 RETURNING status",
    )
    .bind(session_id)
    .bind(pose_summary)
    .bind(complete)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Stored {
        status,
        frames_stored: u32::try_from(all.len()).unwrap_or(u32::MAX),
        parts_received,
        parts,
    })
}

#[derive(sqlx::FromRow)]
struct FrameRow {
    frame_number: Option<i32>,
    timestamp_ms: i64,
    landmarks: serde_json::Value,
    calculated_angles: Option<serde_json::Value>,
    quality_score: Option<f64>,
    form_issues: Option<serde_json::Value>,
}

async fn frames(
    conn: &mut sqlx::PgConnection,
    session_id: Uuid,
    limit: i64,
    offset: i64,
) -> ApiResult<Vec<UploadFrame>> {
    let rows: Vec<FrameRow> = sqlx::query_as(
        "SELECT frame_number, timestamp_ms, landmarks, calculated_angles,
            quality_score::float8 AS quality_score, form_issues
         FROM pose_frames WHERE session_id = $1 ORDER BY part, seq, timestamp_ms
         LIMIT $2 OFFSET $3",
    )
    .bind(session_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(UploadFrame {
                timestamp: r.timestamp_ms,
                frame_number: r.frame_number,
                landmarks: serde_json::from_value::<Vec<Landmark>>(r.landmarks)
                    .map_err(ApiError::internal)?,
                angles: r
                    .calculated_angles
                    .map(serde_json::from_value::<BTreeMap<String, f64>>)
                    .transpose()
                    .map_err(ApiError::internal)?
                    .unwrap_or_default(),
                quality_score: r.quality_score,
                form_issues: r
                    .form_issues
                    .map(serde_json::from_value::<Vec<FormIssue>>)
                    .transpose()
                    .map_err(ApiError::internal)?
                    .unwrap_or_default(),
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct ExtrasRow {
    pose_parts: Option<i32>,
    pose_parts_received: Vec<i32>,
    repetitions: Option<serde_json::Value>,
    timed_form_issues: Option<serde_json::Value>,
    summary_statistics: Option<serde_json::Value>,
    frame_count: i64,
}

/// The frames as uploaded, page by page, with the repetition table and timed form issues.
#[utoipa::path(get, path = "/api/sessions/{session_id}/data", tag = "sessions", security(("bearer" = [])),
    params(("session_id" = Uuid, Path, description = "session id"), PoseDataQuery),
    responses((status = 200, body = PoseDataPage), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiPath(session_id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PoseDataQuery>,
) -> ApiResult<Json<PoseDataPage>> {
    access::visible_session(&state.pool, &user, session_id).await?;
    let page = q.page.unwrap_or(1);
    let per_page = q.per_page.unwrap_or(500);
    if page == 0 {
        return Err(ApiError::field("page", "starts at 1"));
    }
    if !(1..=2000).contains(&per_page) {
        return Err(ApiError::field("per_page", "must be between 1 and 2000"));
    }
    let extras: ExtrasRow = sqlx::query_as(
        "SELECT pose_parts, pose_parts_received, repetitions, timed_form_issues,
            summary_statistics,
            (SELECT COUNT(*) FROM pose_frames f WHERE f.session_id = s.id) AS frame_count
         FROM exercise_sessions s WHERE id = $1",
    )
    .bind(session_id)
    .fetch_one(&state.pool)
    .await?;
    let mut conn = state.pool.acquire().await?;
    let offset = i64::from(page - 1) * i64::from(per_page);
    let frames = frames(&mut conn, session_id, i64::from(per_page), offset).await?;
    audit::record(
        &state.pool,
        Some(&user),
        AuditResource::PoseData,
        Some(session_id),
        Action::Read,
        &client,
    )
    .await?;
    // Sessions uploaded before pieces existed have frames but no piece bookkeeping: whole.
    let legacy = extras.pose_parts.is_none() && extras.frame_count > 0;
    let parts = extras
        .pose_parts
        .map(|p| u32::try_from(p).unwrap_or(0))
        .unwrap_or(u32::from(legacy));
    let parts_received = if legacy {
        1
    } else {
        u32::try_from(extras.pose_parts_received.len()).unwrap_or(0)
    };
    Ok(Json(PoseDataPage {
        session_id,
        frames,
        repetitions: extras
            .repetitions
            .map(serde_json::from_value::<Vec<RepetitionRow>>)
            .transpose()
            .map_err(ApiError::internal)?
            .unwrap_or_default(),
        form_issues: extras
            .timed_form_issues
            .map(serde_json::from_value::<Vec<TimedFormIssue>>)
            .transpose()
            .map_err(ApiError::internal)?
            .unwrap_or_default(),
        summary_statistics: extras
            .summary_statistics
            .and_then(|v| serde_json::from_value::<SummaryStatistics>(v).ok()),
        parts_received,
        parts,
        complete: parts > 0 && parts_received == parts,
        pagination: Pagination::new(
            page,
            per_page,
            u64::try_from(extras.frame_count).unwrap_or(0),
        ),
    }))
}
