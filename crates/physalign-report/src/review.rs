//! The clinician's latest review of a session as the patient's device shows it with the session:
//! the grade in words, the notes and the plan (issue 15: "reviews reach the patient: pulled,
//! stored, shown with the session they review").

use chrono::{DateTime, Utc};
use physalign_store::{RecordOrigin, Store, StoreError};
use serde::Serialize;
use uuid::Uuid;

/// A review, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewView {
    /// The grade as the API names it (`GOOD`, `NEEDS_IMPROVEMENT`, …).
    pub assessment: String,
    /// The grade in words for the patient ("Needs improvement").
    pub grade: String,
    /// The clinician's notes.
    pub notes: Option<String>,
    /// The plan in one line (frequency, exercises, follow-up date), when the review gives one.
    pub next_steps: Option<String>,
    /// When it was written.
    pub reviewed_at: DateTime<Utc>,
    /// Written on this device and not yet confirmed by the server.
    pub written_here: bool,
}

pub use physalign_domain::review_words::{grade_words, plan_line};

/// The latest review of the session, if any.
pub fn latest_review(store: &Store, session_id: Uuid) -> Result<Option<ReviewView>, StoreError> {
    Ok(store
        .session_reviews(session_id)?
        .into_iter()
        .next()
        .map(|r| ReviewView {
            grade: grade_words(&r.assessment),
            assessment: r.assessment,
            notes: r.notes.filter(|n| !n.trim().is_empty()),
            next_steps: r.next_steps.as_ref().and_then(plan_line),
            reviewed_at: r.reviewed_at,
            written_here: r.origin != RecordOrigin::Pulled,
        }))
}
