//! The sync bookkeeping in the real SQLite store (no server needed).

use chrono::{Duration, Utc};
use physalign_store::sync_state::{RemoteRecord, RemoteRecordKind, SyncIdentity};
use physalign_store::{NewSession, OutboxEntityKind, Store};
use serde_json::json;
use uuid::Uuid;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.sqlite")).unwrap();
    // Store::open alone creates the sync tables; opening again changes nothing.
    drop(store);
    let store = Store::open(&dir.path().join("s.sqlite")).unwrap();
    (dir, store)
}

fn session(store: &Store) -> Uuid {
    let id = Uuid::new_v4();
    store
        .create_session(&NewSession {
            id,
            patient_id: None,
            exercise_id: "squat".into(),
            source: "t".into(),
            started_at: Utc::now(),
        })
        .unwrap();
    id
}

#[test]
fn identity_meta_progress_and_versions_round_trip() {
    let (_dir, store) = store();
    assert_eq!(store.sync_identity().unwrap(), None);
    let identity = SyncIdentity {
        server_url: "http://127.0.0.1:1".into(),
        email: "a@b.c".into(),
        user_id: Some(Uuid::new_v4()),
        role: Some("patient".into()),
        logged_in_at: Utc::now(),
        login_required_reason: None,
    };
    store.set_sync_identity(&identity).unwrap();
    store.set_login_required(Some("refresh refused")).unwrap();
    let read = store.sync_identity().unwrap().unwrap();
    assert_eq!(
        read.login_required_reason.as_deref(),
        Some("refresh refused")
    );
    assert_eq!(read.email, identity.email);

    store.set_sync_meta("k", "v1").unwrap();
    store.set_sync_meta("k", "v2").unwrap();
    assert_eq!(store.sync_meta("k").unwrap().as_deref(), Some("v2"));

    let id = session(&store);
    let entry = store.outbox_entries(id).unwrap()[0].id;
    assert_eq!(store.sync_progress(entry).unwrap(), None);
    store
        .set_sync_progress(entry, 2, &json!({"pose_data": {"frames_sent": 3}}))
        .unwrap();
    assert_eq!(store.sync_progress(entry).unwrap().unwrap().0, 2);

    store
        .set_remote_version(OutboxEntityKind::ExerciseSession, id, 3)
        .unwrap();
    assert_eq!(
        store
            .remote_version(OutboxEntityKind::ExerciseSession, id)
            .unwrap(),
        Some(3)
    );
    assert_eq!(
        store
            .remote_version(OutboxEntityKind::ExerciseSession, Uuid::new_v4())
            .unwrap(),
        None
    );

    let record = RemoteRecord {
        kind: RemoteRecordKind::Review,
        id: "r1".into(),
        version: None,
        updated_at: Some(Utc::now()),
        record: json!({"notes": "x"}),
    };
    store.upsert_remote_record(&record).unwrap();
    store.upsert_remote_record(&record).unwrap();
    assert_eq!(
        store
            .remote_records(RemoteRecordKind::Review)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn offline_review_is_enqueued_with_its_row_and_failures_block_only_their_record() {
    let (_dir, store) = store();
    let review = Uuid::new_v4();
    let body = json!({"session_id": Uuid::new_v4(), "overall_assessment": "GOOD"});
    store
        .create_offline_review(review, Uuid::new_v4(), &body)
        .unwrap();
    let entries = store.outbox_entries(review).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].entity_type, OutboxEntityKind::Review);
    assert_eq!(entries[0].payload, body);

    // A failed create blocks that session's later entries, not others.
    let a = session(&store);
    let b = session(&store);
    let a_create = store.outbox_entries(a).unwrap()[0].id;
    store
        .mark_outbox_failed(a_create, "400 VALIDATION_ERROR", true, Utc::now())
        .unwrap();
    let failed = store.failed_outbox(10).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].reason.as_deref(), Some("400 VALIDATION_ERROR"));
    let later = Utc::now() + Duration::seconds(60);
    let b_create = store.outbox_entries(b).unwrap()[0].id;
    store
        .mark_outbox_failed(b_create, "503", false, later)
        .unwrap();
    // Only the review is ready now; b waits for its back-off.
    let next = store.next_ready_outbox_at().unwrap().unwrap();
    assert!(next <= Utc::now());
    store.mark_outbox_done(entries[0].id).unwrap();
    let next = store.next_ready_outbox_at().unwrap().unwrap();
    assert!(
        (next - later).num_milliseconds().abs() < 5,
        "b's back-off is the next wake-up"
    );
    assert_eq!(store.retry_failed_outbox().unwrap(), 1);
    assert!(store.failed_outbox(10).unwrap().is_empty());
}

#[test]
fn conflicts_keep_both_versions() {
    let (_dir, store) = store();
    let id = Uuid::new_v4();
    let local = json!({"session": {"version": 2, "duration_seconds": 40.0}});
    let server = json!({"session": {"version": 5, "environment_notes": "clinic"}});
    store
        .record_conflict(
            OutboxEntityKind::ExerciseSession,
            id,
            Some(7),
            Some(2),
            Some(5),
            &local,
            Some(&server),
        )
        .unwrap();
    let conflicts = store.open_conflicts().unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].local_record, local);
    assert_eq!(conflicts[0].server_record.as_ref(), Some(&server));
    assert_eq!(conflicts[0].server_version, Some(5));
}
