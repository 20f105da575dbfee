//! Exercise sessions: round trips, listing, and the atomicity of completion with its outbox entry.

mod common;

use common::{new_session, raw, t0, temp_store};
use physalign_domain::{FormIssue, Severity};
use physalign_store::{
    FormIssueEvent, OutboxEntityKind, OutboxOperation, RepetitionRecord, SessionCompletion,
    SessionStatus, Store, StoreError,
};
use serde_json::json;

fn issue(kind: &str, severity: Severity) -> FormIssue {
    FormIssue {
        kind: kind.to_string(),
        joint: "knee_left".to_string(),
        message: "Left knee angle below target range".to_string(),
        severity,
    }
}

fn completion() -> SessionCompletion {
    SessionCompletion {
        ended_at: t0() + chrono::Duration::milliseconds(61_250),
        duration_seconds: 61.25,
        repetitions: (0..10)
            .map(|i| RepetitionRecord {
                index: i,
                start_ms: i as i64 * 3000,
                end_ms: i as i64 * 3000 + 2900,
                min_angle: 85.2 + i as f32 * 0.1,
                max_angle: 171.3,
                eccentric_ms: 1400,
                concentric_ms: 1100,
                symmetry: if i % 2 == 0 { Some(0.93) } else { None },
                partial: i == 9,
                form_issues: if i == 3 {
                    vec![issue("KNEE_VALGUS", Severity::High)]
                } else {
                    vec![]
                },
                confidence: (i % 3 != 0).then_some(0.25 * (i % 4) as f32),
                side: match i % 3 {
                    0 => None,
                    1 => Some(physalign_domain::BodySide::Left),
                    _ => Some(physalign_domain::BodySide::Right),
                },
            })
            .collect(),
        form_issues: vec![
            FormIssueEvent {
                timestamp_ms: 9_500,
                issue: issue("KNEE_VALGUS", Severity::High),
            },
            FormIssueEvent {
                timestamp_ms: 27_100,
                issue: issue("ANGLE_WARNING", Severity::Low),
            },
        ],
        summary_statistics: json!({"total_frames": 1838, "average_quality": 0.89,
            "peak_angles": {"knee_left_max": 125.4, "knee_right_max": 123.1}}),
        pose_data: json!({"frame_count": 1838, "sampling_rate": 30,
            "angle_ranges": {"knee_left": {"min": 85.2, "max": 125.4, "avg": 105.3}}}),
        report: json!({"reps": 10, "partial_reps": 1, "headline": "Good depth, watch the left knee"}),
    }
}

#[test]
fn create_complete_and_read_back() {
    let (_dir, _path, store) = temp_store();
    let new = new_session("squat", t0());
    assert_eq!(store.create_session(&new).unwrap(), new.id);

    let created = store.get_session(new.id).unwrap().unwrap();
    assert_eq!(created.session.status, SessionStatus::Recording);
    assert_eq!(created.session.patient_id, new.patient_id);
    assert_eq!(created.session.exercise_id, "squat");
    assert_eq!(created.session.source, new.source);
    assert_eq!(created.session.started_at, new.started_at);
    assert_eq!(created.session.ended_at, None);
    assert_eq!(created.session.version, 1);
    assert!(created.repetitions.is_empty());

    let done = completion();
    store.complete_session(new.id, &done).unwrap();
    let detail = store.get_session(new.id).unwrap().unwrap();
    assert_eq!(detail.session.status, SessionStatus::Completed);
    assert_eq!(detail.session.ended_at, Some(done.ended_at));
    assert_eq!(detail.session.duration_seconds, Some(61.25));
    assert_eq!(
        detail.session.summary_statistics,
        Some(done.summary_statistics.clone())
    );
    assert_eq!(detail.session.pose_data, Some(done.pose_data.clone()));
    assert_eq!(detail.session.report, Some(done.report.clone()));
    assert_eq!(detail.session.version, 2);
    assert!(detail.session.updated_at >= created.session.updated_at);
    assert_eq!(detail.repetitions, done.repetitions);
    assert_eq!(detail.form_issues, done.form_issues);

    // Create and complete are both queued for upload, in order, the latter with the summary.
    let entries = store.outbox_entries(new.id).unwrap();
    let ops: Vec<_> = entries.iter().map(|e| e.operation).collect();
    assert_eq!(ops, [OutboxOperation::Create, OutboxOperation::Complete]);
    assert!(entries
        .iter()
        .all(|e| e.entity_type == OutboxEntityKind::ExerciseSession));
    assert_eq!(entries[1].payload["session"]["version"], 2);
    assert_eq!(
        entries[1].payload["repetitions"].as_array().unwrap().len(),
        10
    );
    assert_eq!(
        entries[1].payload["session"]["summary_statistics"],
        done.summary_statistics
    );
    assert_ne!(entries[0].idempotency_key, entries[1].idempotency_key);
}

#[test]
fn sessions_without_patient_and_without_reps_round_trip() {
    let (_dir, _path, store) = temp_store();
    let mut new = new_session("shoulder_abduction", t0());
    new.patient_id = None;
    store.create_session(&new).unwrap();
    let empty = SessionCompletion {
        repetitions: vec![],
        form_issues: vec![],
        summary_statistics: json!({}),
        pose_data: json!(null),
        report: json!([]),
        ..completion()
    };
    store.complete_session(new.id, &empty).unwrap();
    let detail = store.get_session(new.id).unwrap().unwrap();
    assert_eq!(detail.session.patient_id, None);
    assert_eq!(detail.session.pose_data, Some(json!(null)));
    assert_eq!(detail.session.report, Some(json!([])));
    assert!(detail.repetitions.is_empty() && detail.form_issues.is_empty());
}

#[test]
fn list_sessions_newest_first_with_paging() {
    let (_dir, _path, store) = temp_store();
    let ids: Vec<_> = (0..5)
        .map(|i| {
            let s = new_session("squat", t0() + chrono::Duration::minutes(i));
            store.create_session(&s).unwrap()
        })
        .collect();
    let all = store.list_sessions(10, 0).unwrap();
    let listed: Vec<_> = all.iter().map(|s| s.id).collect();
    let expected: Vec<_> = ids.iter().rev().copied().collect();
    assert_eq!(listed, expected);
    let page: Vec<_> = store
        .list_sessions(2, 1)
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(page, expected[1..3]);
    assert!(store.list_sessions(10, 5).unwrap().is_empty());
    assert!(store.get_session(uuid::Uuid::new_v4()).unwrap().is_none());
}

#[test]
fn completing_twice_or_unknown_is_an_error() {
    let (_dir, _path, store) = temp_store();
    let new = new_session("squat", t0());
    store.create_session(&new).unwrap();
    store.complete_session(new.id, &completion()).unwrap();
    assert!(matches!(
        store.complete_session(new.id, &completion()),
        Err(StoreError::SessionAlreadyCompleted(id)) if id == new.id
    ));
    let unknown = uuid::Uuid::new_v4();
    assert!(matches!(
        store.complete_session(unknown, &completion()),
        Err(StoreError::SessionNotFound(id)) if id == unknown
    ));
    assert!(matches!(
        store.create_session(&new),
        Err(StoreError::Sqlite(_))
    ));
    assert_eq!(store.outbox_entries(new.id).unwrap().len(), 2);
}

fn assert_untouched_after_failed_completion(store: &Store, id: uuid::Uuid) {
    let detail = store.get_session(id).unwrap().unwrap();
    assert_eq!(detail.session.status, SessionStatus::Recording);
    assert_eq!(detail.session.version, 1);
    assert_eq!(detail.session.ended_at, None);
    assert_eq!(detail.session.summary_statistics, None);
    assert!(detail.repetitions.is_empty(), "repetitions were kept");
    assert!(detail.form_issues.is_empty(), "form issues were kept");
    let ops: Vec<_> = store
        .outbox_entries(id)
        .unwrap()
        .into_iter()
        .map(|e| e.operation)
        .collect();
    assert_eq!(ops, [OutboxOperation::Create]);
}

#[test]
fn a_failing_repetition_insert_rolls_back_the_whole_completion() {
    let (_dir, _path, store) = temp_store();
    let new = new_session("squat", t0());
    store.create_session(&new).unwrap();
    let mut bad = completion();
    // The unique (session, index) constraint fails on the last repetition, after the session
    // update, earlier repetitions and nothing else have been written.
    bad.repetitions[9].index = 2;
    assert!(matches!(
        store.complete_session(new.id, &bad),
        Err(StoreError::Sqlite(_))
    ));
    assert_untouched_after_failed_completion(&store, new.id);
    // The store is usable afterwards and the good completion goes through.
    store.complete_session(new.id, &completion()).unwrap();
    assert_eq!(
        store
            .get_session(new.id)
            .unwrap()
            .unwrap()
            .repetitions
            .len(),
        10
    );
}

#[test]
fn a_failing_outbox_insert_rolls_back_the_business_rows() {
    let (_dir, path, store) = temp_store();
    let new = new_session("squat", t0());
    store.create_session(&new).unwrap();
    raw(&path)
        .execute_batch(
            "CREATE TRIGGER outbox_refuses BEFORE INSERT ON outbox
             BEGIN SELECT RAISE(ABORT, 'outbox unavailable'); END;",
        )
        .unwrap();
    let err = store.complete_session(new.id, &completion()).unwrap_err();
    assert!(err.to_string().contains("outbox unavailable"), "{err}");
    assert_untouched_after_failed_completion(&store, new.id);

    // Same for creation: no session row without its outbox entry.
    let other = new_session("squat", t0());
    assert!(store.create_session(&other).is_err());
    assert!(store.get_session(other.id).unwrap().is_none());
}
