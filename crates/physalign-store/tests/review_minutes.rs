//! Review time and session days on a real database file (migration 1400): the minutes a
//! clinician spent on a review written here are kept with it, sent with it, kept when the
//! server's copy of the review is pulled (and taken from it for another device's review), and
//! read back per period; out-of-range minutes are
//! refused before anything is stored. The days sessions ended on are read per patient with
//! their origin.

mod common;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use common::temp_store;
use physalign_store::{
    OutboxEntityKind, PulledSession, RecordOrigin, SessionDay, SessionReview, SessionStatus, Store,
    StoreError,
};
use serde_json::json;
use uuid::Uuid;

fn pulled(store: &Store, patient: Uuid, started: chrono::DateTime<Utc>, ended: bool) -> Uuid {
    let id = Uuid::new_v4();
    store
        .upsert_pulled_session(&PulledSession {
            id,
            patient_id: Some(patient),
            exercise_id: "squat".into(),
            status: SessionStatus::ReviewPending,
            started_at: started,
            ended_at: ended.then(|| started + Duration::seconds(60)),
            duration_seconds: Some(60.0),
            program_item_id: None,
            summary_statistics: None,
            version: 1,
            updated_at: started,
        })
        .unwrap();
    id
}

fn request(review: Uuid, session: Uuid) -> serde_json::Value {
    json!({"id": review, "session_id": session, "overall_assessment": "GOOD", "notes": "steady"})
}

#[test]
fn minutes_stay_with_the_review_and_go_up_with_it() {
    let (_dir, _path, store) = temp_store();
    let patient = Uuid::new_v4();
    let session = pulled(&store, patient, Utc::now() - Duration::days(1), true);
    let review = Uuid::new_v4();
    let body = request(review, session);
    store
        .create_offline_review_with_minutes(review, session, &body, Some(12))
        .unwrap();
    assert_eq!(store.review_minutes_spent(review).unwrap(), Some(12));

    // The upload is the request with the minutes.
    let entries = store.outbox_entries(review).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].entity_type, OutboxEntityKind::Review);
    let mut sent = body.clone();
    sent["minutes_spent"] = json!(12);
    assert_eq!(entries[0].payload, sent);

    // The server's copy of the same review, pulled back: the minutes stay.
    let copy = SessionReview {
        id: review,
        session_id: session,
        physiotherapist_id: Some(Uuid::new_v4()),
        assessment: "GOOD".into(),
        notes: Some("steady".into()),
        next_steps: None,
        reviewed_at: Utc::now(),
        origin: RecordOrigin::Pulled,
    };
    store
        .upsert_pulled_review(&copy, &json!({"id": review}))
        .unwrap();
    assert_eq!(store.review_minutes_spent(review).unwrap(), Some(12));

    let today = Utc::now().date_naive();
    let timed = store
        .timed_reviews(Some(patient), today, today, chrono_tz::Tz::UTC)
        .unwrap();
    assert_eq!(timed.len(), 1);
    assert_eq!(
        (timed[0].review_id, timed[0].patient_id, timed[0].minutes),
        (review, patient, 12)
    );
    assert!(store
        .timed_reviews(Some(Uuid::new_v4()), today, today, chrono_tz::Tz::UTC)
        .unwrap()
        .is_empty());
    let yesterday = today - Duration::days(1);
    assert!(store
        .timed_reviews(None, yesterday, yesterday, chrono_tz::Tz::UTC)
        .unwrap()
        .is_empty());

    // A review without minutes is not timed, and goes up as it was written.
    let untimed = Uuid::new_v4();
    store
        .create_offline_review(untimed, session, &request(untimed, session))
        .unwrap();
    assert_eq!(store.review_minutes_spent(untimed).unwrap(), None);
    assert_eq!(
        store.outbox_entries(untimed).unwrap()[0].payload,
        request(untimed, session)
    );
    assert_eq!(
        store
            .timed_reviews(None, today, today, chrono_tz::Tz::UTC)
            .unwrap()
            .len(),
        1
    );

    // Another device's review comes down with its minutes; out-of-range ones are ignored.
    for (minutes, kept) in [(json!(25), Some(25)), (json!(0), None), (json!("x"), None)] {
        let theirs = SessionReview {
            id: Uuid::new_v4(),
            ..copy.clone()
        };
        store
            .upsert_pulled_review(&theirs, &json!({"id": theirs.id, "minutes_spent": minutes}))
            .unwrap();
        assert_eq!(store.review_minutes_spent(theirs.id).unwrap(), kept);
    }
}

#[test]
fn out_of_range_minutes_are_refused_and_nothing_is_stored() {
    let (_dir, _path, store) = temp_store();
    let session = pulled(&store, Uuid::new_v4(), Utc::now(), true);
    for minutes in [0, 481] {
        let review = Uuid::new_v4();
        let err = store
            .create_offline_review_with_minutes(
                review,
                session,
                &request(review, session),
                Some(minutes),
            )
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Invalid {
                    what: "minutes spent",
                    ..
                }
            ),
            "{err}"
        );
        assert!(store.session_reviews(session).unwrap().is_empty());
        assert!(store.outbox_entries(review).unwrap().is_empty());
    }
}

#[test]
fn session_days_are_distinct_start_days_in_the_clinics_zone_of_ended_sessions_with_their_origin() {
    let (_dir, _path, store) = temp_store();
    let (ada, grace) = (Uuid::new_v4(), Uuid::new_v4());
    let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 3, d, h, 30, 0).unwrap();
    pulled(&store, ada, at(1, 8), true);
    pulled(&store, ada, at(1, 23), true);
    pulled(&store, ada, at(2, 0), true);
    // Still recording: not a day with data.
    pulled(&store, ada, at(3, 9), false);
    pulled(&store, grace, at(2, 9), true);
    // Recorded here, in clinic, for Ada.
    let mut local = common::new_session("squat", at(4, 10));
    local.patient_id = Some(ada);
    let local_id = store.create_session(&local).unwrap();
    store
        .complete_session(
            local_id,
            &physalign_store::SessionCompletion {
                ended_at: at(4, 11),
                duration_seconds: 60.0,
                repetitions: vec![],
                form_issues: vec![],
                summary_statistics: json!({}),
                pose_data: json!({}),
                report: json!({}),
            },
        )
        .unwrap();
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    let of = |patient, d, origin| SessionDay {
        patient_id: patient,
        day: day(d),
        origin,
    };
    assert_eq!(
        store
            .session_days(Some(ada), day(1), day(30), chrono_tz::Tz::UTC)
            .unwrap(),
        vec![
            of(ada, 1, RecordOrigin::Pulled),
            of(ada, 2, RecordOrigin::Pulled),
            of(ada, 4, RecordOrigin::Local),
        ]
    );
    // The period's ends are whole days.
    assert_eq!(
        store
            .session_days(None, day(2), day(2), chrono_tz::Tz::UTC)
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store
            .session_days(None, day(5), day(30), chrono_tz::Tz::UTC)
            .unwrap(),
        vec![]
    );
    // A clinic in Los Angeles (UTC-8): the session at 00:30 UTC on the 2nd was in the evening of
    // the 1st there, the same day as the other two; the clinic's at 10:30 UTC on the 4th too.
    assert_eq!(
        store
            .session_days(Some(ada), day(1), day(30), chrono_tz::America::Los_Angeles)
            .unwrap(),
        vec![
            of(ada, 1, RecordOrigin::Pulled),
            of(ada, 4, RecordOrigin::Local)
        ]
    );
}
