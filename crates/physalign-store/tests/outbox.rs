//! The outbox's write side: delivery order per entity, back-off, permanent failure, done.

mod common;

use chrono::Duration;
use common::{new_session, t0, temp_store};
use physalign_store::{OutboxOperation, OutboxStatus, SessionCompletion, StoreError};
use serde_json::json;

fn completion() -> SessionCompletion {
    SessionCompletion {
        ended_at: t0() + Duration::seconds(60),
        duration_seconds: 60.0,
        repetitions: vec![],
        form_issues: vec![],
        summary_statistics: json!({"total_frames": 1800}),
        pose_data: json!({}),
        report: json!({}),
    }
}

#[test]
fn entries_of_one_entity_are_delivered_in_order() {
    let (_dir, _path, store) = temp_store();
    let a = new_session("squat", t0());
    let b = new_session("lunge", t0());
    store.create_session(&a).unwrap();
    store.create_session(&b).unwrap();
    store.complete_session(a.id, &completion()).unwrap();

    let now = chrono::Utc::now();
    let ready = store.pending_outbox_at(now, 10).unwrap();
    let keys: Vec<_> = ready.iter().map(|e| (e.entity_id, e.operation)).collect();
    // A's completion waits for A's creation.
    assert_eq!(
        keys,
        [
            (a.id, OutboxOperation::Create),
            (b.id, OutboxOperation::Create)
        ]
    );
    assert!(ready
        .iter()
        .all(|e| e.status == OutboxStatus::Pending && e.attempts == 0));
    assert_eq!(store.pending_outbox(1).unwrap().len(), 1);

    // A transient failure backs A off; B is unaffected and A's completion still waits.
    let retry_at = now + Duration::minutes(1);
    store
        .mark_outbox_failed(ready[0].id, "connection refused", false, retry_at)
        .unwrap();
    let keys: Vec<_> = store
        .pending_outbox_at(now, 10)
        .unwrap()
        .iter()
        .map(|e| (e.entity_id, e.operation))
        .collect();
    assert_eq!(keys, [(b.id, OutboxOperation::Create)]);
    let retried = store.outbox_entry(ready[0].id).unwrap().unwrap();
    assert_eq!(retried.attempts, 1);
    assert_eq!(retried.last_error.as_deref(), Some("connection refused"));
    assert_eq!(retried.next_attempt_at, retry_at);
    assert_eq!(retried.status, OutboxStatus::Pending);

    // After the back-off A's creation is ready again; once done, its completion follows.
    let later = retry_at + Duration::seconds(1);
    let ready_later = store.pending_outbox_at(later, 10).unwrap();
    assert_eq!(ready_later[0].id, ready[0].id);
    store.mark_outbox_done(ready[0].id).unwrap();
    store.mark_outbox_done(ready[1].id).unwrap();
    let last = store.pending_outbox_at(later, 10).unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(
        (last[0].entity_id, last[0].operation),
        (a.id, OutboxOperation::Complete)
    );
    assert_eq!(
        last[0].payload["session"]["summary_statistics"]["total_frames"],
        1800
    );

    // A late failure report does not undo a delivery.
    store
        .mark_outbox_failed(ready[0].id, "timeout", true, later)
        .unwrap();
    assert_eq!(
        store.outbox_entry(ready[0].id).unwrap().unwrap().status,
        OutboxStatus::Done
    );

    let counts = store.outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.failed, counts.done), (1, 0, 2));
}

#[test]
fn a_permanent_failure_stops_the_entity_but_not_others() {
    let (_dir, _path, store) = temp_store();
    let a = new_session("squat", t0());
    let b = new_session("lunge", t0());
    store.create_session(&a).unwrap();
    store.complete_session(a.id, &completion()).unwrap();
    store.create_session(&b).unwrap();
    let first = store.pending_outbox(10).unwrap();
    assert_eq!(first.len(), 2);
    store
        .mark_outbox_failed(first[0].id, "422 exercise unknown", true, t0())
        .unwrap();
    let failed = store.outbox_entry(first[0].id).unwrap().unwrap();
    assert_eq!(failed.status, OutboxStatus::Failed);
    assert_eq!(failed.attempts, 1);
    let ready = store.pending_outbox(10).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!(ready[0].entity_id, b.id);
    assert_eq!(store.outbox_counts().unwrap().failed, 1);
}

#[test]
fn unknown_entries_are_errors() {
    let (_dir, _path, store) = temp_store();
    assert!(matches!(
        store.mark_outbox_done(42),
        Err(StoreError::OutboxEntryNotFound(42))
    ));
    assert!(matches!(
        store.mark_outbox_failed(43, "x", false, t0()),
        Err(StoreError::OutboxEntryNotFound(43))
    ));
    assert!(store.outbox_entry(44).unwrap().is_none());
    assert!(store.pending_outbox(10).unwrap().is_empty());
}
