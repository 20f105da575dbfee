//! The crisis resources read from a real SQLite store: a session whose notes carry a crisis
//! flag, what the care team is told depending on consent, and the start screen's recent flag.

use chrono::{Duration, Utc};
use physalign_report::crisis::{recent_crisis, session_crisis, CareTeamNotice, RECENT_DAYS};
use physalign_store::{ConsentSettings, NewSession, Store, TranscriptRecord};
use serde_json::json;
use uuid::Uuid;

fn session_with_notes(store: &Store, days_ago: i64, notes: serde_json::Value) -> Uuid {
    let id = store
        .create_session(&NewSession {
            id: Uuid::new_v4(),
            patient_id: None,
            exercise_id: "squat".into(),
            source: "test".into(),
            started_at: Utc::now() - Duration::days(days_ago),
        })
        .expect("a session");
    let transcript = store
        .save_transcript(&TranscriptRecord {
            id: Uuid::new_v4(),
            session_id: Some(id),
            text: "said during the session".into(),
            model: "text".into(),
            audio_seconds: 0.0,
            language: "en".into(),
            segments: Vec::new(),
        })
        .expect("a transcript");
    store
        .save_clinical_notes(transcript, &notes)
        .expect("the notes");
    id
}

fn crisis_notes() -> serde_json::Value {
    json!({"crisis_alert": {"keywords_matched": ["end it all"], "quotes": ["I want to end it all"]}})
}

#[test]
fn a_flagged_session_shows_resources_and_says_honestly_who_knows() {
    let dir = tempfile::tempdir().expect("a directory");
    let store = Store::open(&dir.path().join("p.sqlite")).expect("the store");
    let calm = session_with_notes(&store, 0, json!({"crisis_alert": null}));
    assert_eq!(session_crisis(&store, calm).expect("read"), None);

    let flagged = session_with_notes(&store, 1, crisis_notes());
    let shown = session_crisis(&store, flagged)
        .expect("read")
        .expect("resources");
    assert_eq!(shown.session_id, Some(flagged));
    // Nothing delivered yet: the care team will be told, not "has been".
    assert_eq!(shown.care_team, CareTeamNotice::WhenOnline);

    store
        .set_consent_settings(ConsentSettings {
            share_notes: false,
            share_transcript: true,
        })
        .expect("consent");
    let shown = session_crisis(&store, flagged)
        .expect("read")
        .expect("resources");
    assert_eq!(shown.care_team, CareTeamNotice::NotShared);
    assert!(shown
        .steps
        .last()
        .expect("steps")
        .text
        .contains("has not been told"));
}

#[test]
fn the_start_screen_shows_a_recent_flag_until_acknowledged() {
    let dir = tempfile::tempdir().expect("a directory");
    let store = Store::open(&dir.path().join("p.sqlite")).expect("the store");
    let now = Utc::now();
    session_with_notes(&store, RECENT_DAYS + 2, crisis_notes());
    assert_eq!(
        recent_crisis(&store, now, &[]).expect("read"),
        None,
        "too old"
    );

    let recent = session_with_notes(&store, 2, crisis_notes());
    session_with_notes(&store, 0, json!({"crisis_alert": null}));
    let shown = recent_crisis(&store, now, &[])
        .expect("read")
        .expect("shown");
    assert_eq!(shown.session_id, Some(recent));
    assert_eq!(recent_crisis(&store, now, &[recent]).expect("read"), None);
}
