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

/// The grade in words; an unknown grade (from a newer server) is shown as written.
pub fn grade_words(assessment: &str) -> String {
    match assessment {
        "EXCELLENT" => "Excellent".into(),
        "GOOD" => "Good".into(),
        "FAIR" => "Fair".into(),
        "NEEDS_IMPROVEMENT" => "Needs improvement".into(),
        "POOR" => "Poor".into(),
        other => other.replace('_', " ").to_lowercase(),
    }
}

/// The plan of a review (the API's `next_steps`: frequency, recommended exercises, follow-up
/// date) in one line; `None` when it says nothing.
pub fn plan_line(next_steps: &serde_json::Value) -> Option<String> {
    let text = |key: &str| {
        next_steps
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let exercises: Vec<&str> = next_steps
        .get("recommended_exercises")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|e| e.as_str()).collect())
        .unwrap_or_default();
    let parts: Vec<String> = [
        text("frequency"),
        (!exercises.is_empty()).then(|| format!("Exercises: {}", exercises.join(", "))),
        text("follow_up_date").map(|d| format!("Follow-up: {d}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_read_as_words_and_plans_as_one_line() {
        assert_eq!(grade_words("NEEDS_IMPROVEMENT"), "Needs improvement");
        assert_eq!(grade_words("VERY_GOOD"), "very good");
        let plan = serde_json::json!({
            "frequency": "Three sessions a week.",
            "recommended_exercises": ["squat", "lunge"],
            "follow_up_date": "2026-12-20"
        });
        assert_eq!(
            plan_line(&plan).as_deref(),
            Some("Three sessions a week. · Exercises: squat, lunge · Follow-up: 2026-12-20")
        );
        assert_eq!(plan_line(&serde_json::json!({"frequency": " "})), None);
    }
}
