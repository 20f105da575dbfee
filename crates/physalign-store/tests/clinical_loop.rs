//! The clinical loop on a real database file: shared devices (one identity's queue is never
//! delivered as another's; server-derived data goes on an identity change), program items with
//! auto-linking and adherence, reviews shown with sessions, transcripts and notes queued after
//! the session, the roster, alerts and consent.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{new_session, t0, temp_store};
use physalign_store::sync_state::{RemoteRecord, RemoteRecordKind, SyncIdentity};
use physalign_store::{
    CarePatient, ClinicalAlert, ConsentSettings, NewSession, OutboxEntityKind, OutboxOperation,
    ProgramItem, ProgramItemStatus, PulledSession, RecordOrigin, RepetitionRecord,
    SessionCompletion, SessionReview, SessionStatus, Store, TranscriptRecord,
};
use serde_json::json;
use uuid::Uuid;

fn identity(user: Uuid, role: &str) -> SyncIdentity {
    SyncIdentity {
        server_url: "http://127.0.0.1:9".into(),
        email: format!("{user}@example.org"),
        user_id: Some(user),
        role: Some(role.into()),
        logged_in_at: Utc::now(),
        login_required_reason: None,
    }
}

fn completion(started: DateTime<Utc>, reps: usize) -> SessionCompletion {
    SessionCompletion {
        ended_at: started + Duration::seconds(60),
        duration_seconds: 60.0,
        repetitions: (0..reps)
            .map(|i| RepetitionRecord {
                index: i as u32,
                start_ms: i as i64 * 2000,
                end_ms: i as i64 * 2000 + 1500,
                min_angle: 60.0,
                max_angle: 150.0 + i as f32 * 2.0,
                eccentric_ms: 700,
                concentric_ms: 800,
                symmetry: None,
                partial: false,
                form_issues: vec![],
                confidence: Some(0.9),
                side: None,
            })
            .collect(),
        form_issues: vec![],
        summary_statistics: json!({}),
        pose_data: json!({}),
        report: json!({}),
    }
}

fn record(store: &Store, exercise: &str, started: DateTime<Utc>) -> Uuid {
    let mut session = new_session(exercise, started);
    session.patient_id = None;
    store.create_session(&session).unwrap();
    store
        .complete_session(session.id, &completion(started, 3))
        .unwrap();
    session.id
}

fn item(patient: Uuid, exercise: &str) -> ProgramItem {
    ProgramItem {
        id: Uuid::new_v4(),
        patient_id: patient,
        exercise_id: exercise.into(),
        sets: Some(3),
        reps: Some(10),
        hold_seconds: None,
        target_angle: Some(90.0),
        tolerance: Some(10.0),
        side: None,
        per_week: Some(3),
        start_date: None,
        end_date: None,
        instructions: Some("slowly".into()),
        status: ProgramItemStatus::Active,
        version: 1,
        created_at: t0(),
        updated_at: t0(),
    }
}

#[test]
fn on_a_shared_device_nothing_of_one_identity_is_sent_as_the_other() {
    let (_dir, path, store) = temp_store();
    let alice = Uuid::new_v4();
    let bob = Uuid::new_v4();

    // Recorded before anyone signed in: adopted by the first identity.
    let early = record(&store, "squat", t0());
    store
        .set_sync_identity(&identity(alice, "patient"))
        .unwrap();
    let a1 = record(&store, "squat", t0() + Duration::hours(1));
    let pending = store
        .pending_outbox_at(Utc::now() + Duration::days(1), 100)
        .unwrap();
    assert!(pending.iter().all(|e| e.owner_user_id == Some(alice)));
    assert!(pending.iter().any(|e| e.entity_id == early));
    assert!(pending.iter().any(|e| e.entity_id == a1));

    // Alice got something from the server.
    store
        .upsert_remote_record(&RemoteRecord {
            kind: RemoteRecordKind::PatientProfile,
            id: alice.to_string(),
            version: Some(1),
            updated_at: None,
            record: json!({"id": alice}),
        })
        .unwrap();
    store
        .set_sync_meta("pull_cursor_sessions", "2026-01-01T00:00:00Z")
        .unwrap();
    store
        .upsert_pulled_program_item(&item(alice, "lunge"))
        .unwrap();

    // Bob signs in on the same database.
    let switch = store.set_sync_identity(&identity(bob, "patient")).unwrap();
    assert!(switch.changed);
    assert_eq!(switch.adopted_entries, 0);
    assert!(store
        .pending_outbox_at(Utc::now() + Duration::days(1), 100)
        .unwrap()
        .is_empty());
    assert_eq!(store.next_ready_outbox_at().unwrap(), None);
    let counts = store.outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.other_identities), (0, 4));
    assert!(store
        .remote_records(RemoteRecordKind::PatientProfile)
        .unwrap()
        .is_empty());
    assert_eq!(store.sync_meta("pull_cursor_sessions").unwrap(), None);
    assert!(store.program_items(None).unwrap().is_empty());

    let b1 = record(&store, "squat", t0() + Duration::hours(2));
    let pending = store
        .pending_outbox_at(Utc::now() + Duration::days(1), 100)
        .unwrap();
    assert!(!pending.is_empty());
    assert!(pending
        .iter()
        .all(|e| e.owner_user_id == Some(bob) && e.entity_id == b1));
    for entry in store.outbox_entries(b1).unwrap() {
        store.mark_outbox_done(entry.id).unwrap();
    }

    // Bob signs out; a recording made then belongs to the last user (Bob) on his sign-in...
    store.clear_sync_identity().unwrap();
    let anonymous = record(&store, "squat", t0() + Duration::hours(3));
    // ...but Alice signing in does not take it, nor anything of Bob's.
    let switch = store
        .set_sync_identity(&identity(alice, "patient"))
        .unwrap();
    assert!(switch.changed);
    assert_eq!(switch.adopted_entries, 0);
    let pending = store
        .pending_outbox_at(Utc::now() + Duration::days(1), 100)
        .unwrap();
    assert!(pending.iter().all(|e| e.owner_user_id == Some(alice)));
    assert!(pending
        .iter()
        .all(|e| e.entity_id != anonymous && e.entity_id != b1));
    assert!(pending.iter().any(|e| e.entity_id == a1));

    // The waiting entries can be exported or deleted explicitly.
    let others = store.other_identities_outbox().unwrap();
    assert!(others.iter().all(|e| e.entity_id == anonymous));
    assert_eq!(store.export_outbox_of(None).unwrap().len(), others.len());
    assert_eq!(store.delete_outbox_of(None).unwrap(), others.len());
    assert_eq!(store.outbox_counts().unwrap().other_identities, 0);
    // The session itself stays on the device.
    assert!(store.get_session(anonymous).unwrap().is_some());
    drop(store);

    // A reopened database keeps the rule.
    let store = Store::open(&path).unwrap();
    assert!(store
        .pending_outbox_at(Utc::now() + Duration::days(1), 100)
        .unwrap()
        .iter()
        .all(|e| e.owner_user_id == Some(alice)));
}

#[test]
fn the_same_identity_signing_in_again_keeps_its_data_and_adopts_its_anonymous_entries() {
    let (_dir, _path, store) = temp_store();
    let alice = Uuid::new_v4();
    store
        .set_sync_identity(&identity(alice, "patient"))
        .unwrap();
    store
        .upsert_pulled_program_item(&item(alice, "squat"))
        .unwrap();
    store.clear_sync_identity().unwrap();
    // Sign-out clears what the server sent.
    assert!(store.program_items(None).unwrap().is_empty());
    let offline = record(&store, "squat", t0());
    let switch = store
        .set_sync_identity(&identity(alice, "patient"))
        .unwrap();
    assert!(!switch.changed);
    assert!(switch.adopted_entries >= 2);
    assert!(store
        .pending_outbox_at(Utc::now() + Duration::days(1), 10)
        .unwrap()
        .iter()
        .any(|e| e.entity_id == offline));
}

#[test]
fn a_recording_links_to_the_only_active_item_of_its_exercise_and_adherence_counts_it() {
    let (_dir, _path, store) = temp_store();
    let patient_user = Uuid::new_v4();
    store
        .set_sync_identity(&identity(patient_user, "patient"))
        .unwrap();
    let patient = Uuid::new_v4();
    let squat = item(patient, "squat");
    store.upsert_pulled_program_item(&squat).unwrap();
    let lunge_a = item(patient, "lunge");
    let lunge_b = item(patient, "lunge");
    store.upsert_pulled_program_item(&lunge_a).unwrap();
    store.upsert_pulled_program_item(&lunge_b).unwrap();

    // Wednesday 2026-02-04; the week starts Monday 2026-02-02.
    let now = Utc.with_ymd_and_hms(2026, 2, 4, 18, 0, 0).unwrap();
    let this_week = [now - Duration::hours(2), now - Duration::days(2)];
    let earlier = [
        now - Duration::days(3),
        now - Duration::days(3) + Duration::hours(1),
    ];
    let old = now - Duration::days(31);
    let mut linked = Vec::new();
    for started in this_week.iter().chain(&earlier).chain([&old]) {
        let id = record(&store, "squat", *started);
        assert_eq!(store.session_program_item(id).unwrap(), Some(squat.id));
        linked.push(id);
    }
    // Two active lunge items: no guess.
    let lunge = record(&store, "lunge", now - Duration::hours(1));
    assert_eq!(store.session_program_item(lunge).unwrap(), None);
    // Named explicitly.
    let mut named = new_session("lunge", now - Duration::hours(1));
    named.patient_id = None;
    let (_, link) = store
        .create_session_for_item(&named, Some(lunge_b.id))
        .unwrap();
    assert_eq!(link, Some(lunge_b.id));
    // The create upload carries the link.
    let create = &store.outbox_entries(named.id).unwrap()[0];
    assert_eq!(create.payload["program_item_id"], json!(lunge_b.id));

    let adherence = store.adherence(squat.id, now).unwrap();
    assert_eq!(adherence.done_this_week, 2);
    // Today, two days ago, three days ago (two sessions); 31 days ago is outside.
    assert_eq!(adherence.days_with_data_30d, 3);

    // An ended item is not linked to.
    let mut ended = squat.clone();
    ended.status = ProgramItemStatus::Ended;
    store.upsert_pulled_program_item(&ended).unwrap();
    let after = record(&store, "squat", now);
    assert_eq!(store.session_program_item(after).unwrap(), None);
}

#[test]
fn a_clinicians_recording_without_a_patient_is_never_linked() {
    let (_dir, _path, store) = temp_store();
    store
        .set_sync_identity(&identity(Uuid::new_v4(), "physiotherapist"))
        .unwrap();
    let patient = Uuid::new_v4();
    let squat = item(patient, "squat");
    store.create_program_item(&squat).unwrap();
    let entries = store.outbox_entries(squat.id).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].entity_type, OutboxEntityKind::ProgramItem);
    assert_eq!(
        store.program_items(Some(patient)).unwrap(),
        vec![squat.clone()]
    );

    let unlinked = record(&store, "squat", Utc::now());
    assert_eq!(store.session_program_item(unlinked).unwrap(), None);
    let mut for_patient = new_session("squat", Utc::now());
    for_patient.patient_id = Some(patient);
    let (_, link) = store.create_session_for_item(&for_patient, None).unwrap();
    assert_eq!(link, Some(squat.id));
}

#[test]
fn transcript_and_notes_are_queued_after_the_session_completes() {
    let (_dir, _path, store) = temp_store();
    store
        .set_sync_identity(&identity(Uuid::new_v4(), "patient"))
        .unwrap();
    let session: NewSession = new_session("squat", t0());
    store.create_session(&session).unwrap();
    let transcript = TranscriptRecord {
        id: Uuid::new_v4(),
        session_id: Some(session.id),
        text: "knee pain three out of ten".into(),
        model: "test".into(),
        audio_seconds: 3.0,
        language: "en".into(),
        segments: vec![],
    };
    store.save_transcript(&transcript).unwrap();
    // Still recording: nothing queued for the speech yet.
    let ops = |store: &Store| -> Vec<OutboxOperation> {
        store
            .outbox_entries(session.id)
            .unwrap()
            .iter()
            .map(|e| e.operation)
            .collect()
    };
    assert_eq!(ops(&store), vec![OutboxOperation::Create]);
    store
        .save_clinical_notes(
            transcript.id,
            &json!({"pain_reports": [{"body_part": "knee", "score": 3.0}]}),
        )
        .unwrap();
    store
        .complete_session(session.id, &completion(t0(), 2))
        .unwrap();
    assert_eq!(
        ops(&store),
        vec![
            OutboxOperation::Create,
            OutboxOperation::Complete,
            OutboxOperation::Transcript,
            OutboxOperation::Notes
        ]
    );
    // A later change while those wait adds nothing: delivery sends what is stored then.
    store.save_transcript(&transcript).unwrap();
    assert_eq!(ops(&store).len(), 4);
    // After delivery, a change queues again.
    for entry in store.outbox_entries(session.id).unwrap() {
        store.mark_outbox_done(entry.id).unwrap();
    }
    store.save_transcript(&transcript).unwrap();
    assert_eq!(ops(&store).len(), 6);
    assert!(ops(&store)[4..].contains(&OutboxOperation::Transcript));

    let overview = store.session_overview(session.id).unwrap().unwrap();
    assert!(overview.has_transcript);
    assert_eq!(overview.pain, Some(3.0));
    assert_eq!(overview.reps, 2);
    assert_eq!(overview.mean_rom, Some(91.0));

    assert_eq!(
        store.consent_settings().unwrap(),
        ConsentSettings::default()
    );
    let withheld = ConsentSettings {
        share_notes: false,
        share_transcript: true,
    };
    store.set_consent_settings(withheld).unwrap();
    assert_eq!(store.consent_settings().unwrap(), withheld);
}

#[test]
fn pulled_sessions_reviews_roster_and_alerts_are_shown_and_cleared_on_identity_change() {
    let (_dir, _path, store) = temp_store();
    let clinician = Uuid::new_v4();
    store
        .set_sync_identity(&identity(clinician, "physiotherapist"))
        .unwrap();
    let patient = Uuid::new_v4();
    let pulled = PulledSession {
        id: Uuid::new_v4(),
        patient_id: Some(patient),
        exercise_id: "squat".into(),
        status: SessionStatus::Completed,
        started_at: t0(),
        ended_at: Some(t0() + Duration::seconds(60)),
        duration_seconds: Some(60.0),
        program_item_id: None,
        summary_statistics: Some(json!({"rep_count": 2})),
        version: 3,
        updated_at: t0(),
    };
    assert!(store.upsert_pulled_session(&pulled).unwrap());
    store
        .replace_pulled_analysis(pulled.id, &completion(t0(), 2).repetitions, &[])
        .unwrap();
    store
        .store_pulled_frames(
            pulled.id,
            &[common::realistic_frame(0), common::realistic_frame(1)],
        )
        .unwrap();
    store
        .store_pulled_transcript(
            pulled.id,
            Some("it hurts"),
            Some(&json!({"pain_reports": [{"score": 6}]})),
        )
        .unwrap();
    // The clinician reviews it offline.
    let review = Uuid::new_v4();
    store
        .create_offline_review(
            review,
            pulled.id,
            &json!({"id": review, "session_id": pulled.id, "overall_assessment": "GOOD",
                    "notes": "well done"}),
        )
        .unwrap();
    let overview = store.session_overview(pulled.id).unwrap().unwrap();
    assert_eq!(overview.origin, RecordOrigin::Pulled);
    assert_eq!((overview.reps, overview.frames), (2, 2));
    assert_eq!(overview.pain, Some(6.0));
    let shown = overview.review.expect("review shown with the session");
    assert_eq!(
        (shown.assessment.as_str(), shown.notes.as_deref()),
        ("GOOD", Some("well done"))
    );
    assert_eq!(store.session_overviews(Some(patient)).unwrap().len(), 1);

    // A pulled review of the same session that is newer is the latest.
    let newer = SessionReview {
        id: Uuid::new_v4(),
        session_id: pulled.id,
        physiotherapist_id: Some(Uuid::new_v4()),
        assessment: "FAIR".into(),
        notes: None,
        next_steps: None,
        reviewed_at: Utc::now() + Duration::minutes(1),
        origin: RecordOrigin::Pulled,
    };
    store.upsert_pulled_review(&newer, &json!({})).unwrap();
    assert_eq!(store.session_reviews(pulled.id).unwrap()[0], newer);

    store
        .replace_care_patients(&[(
            CarePatient {
                patient_id: patient,
                first_name: "Pat".into(),
                last_name: "Doe".into(),
                email: Some("pat@example.org".into()),
            },
            json!({}),
        )])
        .unwrap();
    store
        .replace_alerts(&[(
            ClinicalAlert {
                id: Uuid::new_v4(),
                patient_id: Some(patient),
                session_id: Some(pulled.id),
                kind: "crisis".into(),
                message: "crisis words in a session".into(),
                created_at: t0(),
                acknowledged_at: None,
            },
            json!({}),
        )])
        .unwrap();
    let roster = store.care_patients().unwrap();
    assert_eq!(roster.len(), 1);
    assert_eq!(roster[0].last_session_at, Some(t0()));
    assert_eq!(roster[0].alerts_open, 1);
    assert_eq!(store.open_alerts().unwrap().len(), 1);

    // A session recorded here is never replaced by its server copy.
    let local = record(&store, "squat", t0());
    let mut copy = pulled.clone();
    copy.id = local;
    assert!(!store.upsert_pulled_session(&copy).unwrap());
    assert!(store.store_pulled_frames(local, &[]).is_err());

    // Another identity: everything pulled goes, what was recorded here stays.
    store
        .set_sync_identity(&identity(Uuid::new_v4(), "physiotherapist"))
        .unwrap();
    assert!(store.get_session(pulled.id).unwrap().is_none());
    assert!(store.get_session(local).unwrap().is_some());
    assert!(store.care_patients().unwrap().is_empty());
    assert!(store.open_alerts().unwrap().is_empty());
    assert!(store
        .session_reviews(pulled.id)
        .unwrap()
        .iter()
        .all(|r| r.origin == RecordOrigin::Local));
}
