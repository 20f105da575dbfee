//! SQL of session reviews: a physiotherapist's assessment of one session.

use chrono::{DateTime, Utc};
use physalign_api::sessions::{Assessment, CreateReviewRequest, FormFeedback, NextSteps, Review};
use sqlx::PgPool;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: Uuid,
    session_id: Uuid,
    physiotherapist_id: Uuid,
    physiotherapist_name: String,
    notes: Option<String>,
    overall_assessment: String,
    form_feedback: serde_json::Value,
    recommendations: Option<serde_json::Value>,
    minutes_spent: Option<i32>,
    reviewed_at: DateTime<Utc>,
}

impl ReviewRow {
    fn into_review(self) -> ApiResult<Review> {
        Ok(Review {
            id: self.id,
            session_id: self.session_id,
            physiotherapist_id: self.physiotherapist_id,
            physiotherapist_name: self.physiotherapist_name,
            notes: self.notes,
            overall_assessment: Assessment::parse(&self.overall_assessment)
                .ok_or_else(|| ApiError::internal("unknown assessment"))?,
            form_feedback: serde_json::from_value::<Vec<FormFeedback>>(self.form_feedback)
                .unwrap_or_default(),
            next_steps: self
                .recommendations
                .and_then(|v| serde_json::from_value::<NextSteps>(v).ok()),
            minutes_spent: self.minutes_spent.and_then(|m| u32::try_from(m).ok()),
            reviewed_at: self.reviewed_at,
        })
    }
}

const REVIEW_SELECT: &str = "SELECT r.id, r.session_id, r.physiotherapist_id,
        TRIM(COALESCE(u.first_name, '') || ' ' || COALESCE(u.last_name, '')) AS physiotherapist_name,
        r.notes, r.overall_assessment, r.form_feedback, r.recommendations, r.minutes_spent,
        r.reviewed_at
     FROM session_reviews r
     JOIN physiotherapists ph ON ph.id = r.physiotherapist_id
     JOIN users u ON u.id = ph.user_id";

/// The newest review of a session.
pub async fn latest(pool: &PgPool, session_id: Uuid) -> ApiResult<Option<Review>> {
    let row: Option<ReviewRow> = sqlx::query_as(&format!(
        "{REVIEW_SELECT} WHERE r.session_id = $1 ORDER BY r.reviewed_at DESC, r.created_at DESC LIMIT 1"
    ))
    .bind(session_id)
    .fetch_optional(pool)
    .await?;
    row.map(ReviewRow::into_review).transpose()
}

/// One review by id.
pub async fn find(pool: &PgPool, id: Uuid) -> ApiResult<Review> {
    let row: ReviewRow = sqlx::query_as(&format!("{REVIEW_SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_one(pool)
        .await?;
    row.into_review()
}

/// Stores a review (the request's client-generated id, or a new one) and marks its session
/// `reviewed`, in one transaction; `None` when a review with that id exists.
pub async fn insert(
    pool: &PgPool,
    req: &CreateReviewRequest,
    physio_id: Uuid,
) -> ApiResult<Option<Uuid>> {
    let mut tx = pool.begin().await?;
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO session_reviews (id, session_id, physiotherapist_id, notes, overall_assessment,
             form_feedback, recommendations, next_session_scheduled, minutes_spent)
         VALUES (COALESCE($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(req.id)
    .bind(req.session_id)
    .bind(physio_id)
    .bind(req.notes.as_deref())
    .bind(req.overall_assessment.as_str())
    .bind(serde_json::to_value(&req.form_feedback).map_err(ApiError::internal)?)
    .bind(req.next_steps.as_ref().map(serde_json::to_value).transpose().map_err(ApiError::internal)?)
    .bind(req.next_steps.as_ref().and_then(|n| n.follow_up_date))
    .bind(req.minutes_spent.and_then(|m| i32::try_from(m).ok()))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        return Ok(None);
    };
    sqlx::query(
        // The reviewer is not the session's recorder: `physiotherapist_id` stays as it was.
        "UPDATE exercise_sessions SET status = 'reviewed', version = version + 1 WHERE id = $1",
    )
    .bind(req.session_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}
