//! A review pulled onto the patient's device is read back from a real SQLite file as the session
//! summary shows it: the latest one, its grade in words, its notes and plan.

use chrono::{Duration, Utc};
use physalign_report::review::latest_review;
use physalign_store::{NewSession, RecordOrigin, SessionReview, Store};
use serde_json::json;
use uuid::Uuid;

#[test]
fn the_latest_pulled_review_is_shown_with_its_grade_notes_and_plan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("patient.sqlite")).expect("store");
    let session = store
        .create_session(&NewSession {
            id: Uuid::new_v4(),
            patient_id: None,
            exercise_id: "squat".into(),
            source: "test".into(),
            started_at: Utc::now() - Duration::days(2),
        })
        .expect("session");
    assert_eq!(latest_review(&store, session).expect("read"), None);

    let review = |assessment: &str, days_ago: i64, notes: &str| SessionReview {
        id: Uuid::new_v4(),
        session_id: session,
        physiotherapist_id: Some(Uuid::new_v4()),
        assessment: assessment.into(),
        notes: Some(notes.into()),
        next_steps: Some(json!({
            "recommended_exercises": [],
            "frequency": "Three sessions a week.",
            "follow_up_date": null
        })),
        reviewed_at: Utc::now() - Duration::days(days_ago),
        origin: RecordOrigin::Pulled,
    };
    let older = review("GOOD", 1, "Fine.");
    let newer = review("NEEDS_IMPROVEMENT", 0, "Keep the knees over the toes.");
    for r in [&older, &newer] {
        store
            .upsert_pulled_review(r, &json!({ "id": r.id }))
            .expect("pull review");
    }
    let shown = latest_review(&store, session)
        .expect("read")
        .expect("a review");
    assert_eq!(shown.assessment, "NEEDS_IMPROVEMENT");
    assert_eq!(shown.grade, "Needs improvement");
    assert_eq!(
        shown.notes.as_deref(),
        Some("Keep the knees over the toes.")
    );
    assert_eq!(shown.next_steps.as_deref(), Some("Three sessions a week."));
    assert!(!shown.written_here);
}
