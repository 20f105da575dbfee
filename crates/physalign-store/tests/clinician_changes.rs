//! A clinician's offline changes on a real database file: acknowledging an alert, editing and
//! ending program items (pulled, or prescribed here and not yet delivered). Each shows at once,
//! is queued in the same transaction, and survives a pull until the server has taken it.

mod common;

use chrono::{Duration, NaiveDate, Utc};
use common::{t0, temp_store};
use physalign_store::sync_state::SyncIdentity;
use physalign_store::{
    AlertAcknowledgement, ClinicalAlert, OutboxEntityKind, OutboxOperation, ProgramItem,
    ProgramItemChange, ProgramItemEdit, ProgramItemStatus, Store, StoreError,
};
use serde_json::json;
use uuid::Uuid;

fn sign_in_clinician(store: &Store) {
    store
        .set_sync_identity(&SyncIdentity {
            server_url: "http://127.0.0.1:9".into(),
            email: "clare@example.org".into(),
            user_id: Some(Uuid::new_v4()),
            role: Some("physiotherapist".into()),
            logged_in_at: Utc::now(),
            login_required_reason: None,
        })
        .unwrap();
}

fn item(patient: Uuid, version: i64) -> ProgramItem {
    ProgramItem {
        id: Uuid::new_v4(),
        patient_id: patient,
        exercise_id: "squat".into(),
        sets: Some(3),
        reps: Some(10),
        hold_seconds: None,
        target_angle: Some(90.0),
        tolerance: Some(10.0),
        side: None,
        per_week: Some(3),
        start_date: Some(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()),
        end_date: None,
        instructions: Some("slowly".into()),
        status: ProgramItemStatus::Active,
        version,
        created_at: t0(),
        updated_at: t0(),
    }
}

fn alert(acknowledged: bool) -> (ClinicalAlert, serde_json::Value) {
    (
        ClinicalAlert {
            id: Uuid::new_v4(),
            patient_id: Some(Uuid::new_v4()),
            session_id: Some(Uuid::new_v4()),
            kind: "high_pain".into(),
            message: "pain 8/10 (knee)".into(),
            created_at: t0(),
            acknowledged_at: acknowledged.then(t0),
        },
        json!({}),
    )
}

fn change(store: &Store, entry_id: i64) -> ProgramItemChange {
    let entry = store.outbox_entry(entry_id).unwrap().unwrap();
    serde_json::from_value(entry.payload).unwrap()
}

#[test]
fn an_alert_acknowledged_offline_leaves_the_open_list_and_stays_acknowledged_across_a_pull() {
    let (_dir, _path, store) = temp_store();
    sign_in_clinician(&store);
    let open = alert(false);
    let other = alert(false);
    let done = alert(true);
    store
        .replace_alerts(&[open.clone(), other.clone(), done.clone()])
        .unwrap();
    assert_eq!(store.open_alerts().unwrap().len(), 2);

    assert!(store.acknowledge_alert(open.0.id).unwrap());
    let still_open: Vec<Uuid> = store.open_alerts().unwrap().iter().map(|a| a.id).collect();
    assert_eq!(still_open, vec![other.0.id]);
    // Once only; an alert the server already acknowledged queues nothing.
    assert!(!store.acknowledge_alert(open.0.id).unwrap());
    assert!(!store.acknowledge_alert(done.0.id).unwrap());
    assert!(matches!(
        store.acknowledge_alert(Uuid::new_v4()),
        Err(StoreError::AlertNotFound(_))
    ));

    let entries = store.outbox_entries(open.0.id).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].entity_type, OutboxEntityKind::ClinicalAlert);
    assert_eq!(entries[0].operation, OutboxOperation::Acknowledge);
    let ack: AlertAcknowledgement = serde_json::from_value(entries[0].payload.clone()).unwrap();
    assert_eq!(ack.alert_id, open.0.id);
    assert_eq!(
        store.alert(open.0.id).unwrap().unwrap().acknowledged_at,
        Some(ack.acknowledged_at)
    );

    // A pull before the acknowledgement is delivered does not reopen it ...
    store
        .replace_alerts(&[open.clone(), other.clone(), done.clone()])
        .unwrap();
    assert_eq!(store.open_alerts().unwrap().len(), 1);
    // ... and once delivered, the server's word is taken.
    store.mark_outbox_done(entries[0].id).unwrap();
    store
        .replace_alerts(&[open.clone(), other.clone(), done])
        .unwrap();
    assert_eq!(store.open_alerts().unwrap().len(), 2);
}

#[test]
fn a_program_item_edited_or_ended_offline_changes_at_once_and_is_queued_on_its_version() {
    let (_dir, _path, store) = temp_store();
    sign_in_clinician(&store);
    let patient = Uuid::new_v4();
    let pulled = item(patient, 4);
    assert!(store.upsert_pulled_program_item(&pulled).unwrap());

    let edited = store
        .edit_program_item(
            pulled.id,
            &ProgramItemEdit {
                sets: Some(4),
                instructions: Some("pause at the bottom".into()),
                ..ProgramItemEdit::default()
            },
        )
        .unwrap();
    assert_eq!((edited.sets, edited.reps), (Some(4), Some(10)));
    let stored = store.program_item(pulled.id).unwrap().unwrap();
    assert_eq!(stored.sets, Some(4));
    assert_eq!(stored.instructions.as_deref(), Some("pause at the bottom"));
    assert_eq!(
        stored.version, 4,
        "the server version is not ours to change"
    );

    // Limits the server enforces are enforced here; nothing is changed or queued then.
    for bad in [
        ProgramItemEdit {
            sets: Some(0),
            ..ProgramItemEdit::default()
        },
        ProgramItemEdit {
            target_angle: Some(400.0),
            ..ProgramItemEdit::default()
        },
        ProgramItemEdit {
            end_date: NaiveDate::from_ymd_opt(2025, 1, 1),
            ..ProgramItemEdit::default()
        },
        ProgramItemEdit::default(),
    ] {
        assert!(matches!(
            store.edit_program_item(pulled.id, &bad),
            Err(StoreError::Invalid { .. })
        ));
    }

    // A pull does not undo the change while it waits.
    let mut server_copy = pulled.clone();
    server_copy.reps = Some(99);
    assert!(!store.upsert_pulled_program_item(&server_copy).unwrap());
    assert_eq!(
        store.program_item(pulled.id).unwrap().unwrap().sets,
        Some(4)
    );

    let (ended, queued) = store.end_program_item(pulled.id).unwrap();
    assert!(queued);
    assert_eq!(ended.status, ProgramItemStatus::Ended);
    assert_eq!(
        store.program_item(pulled.id).unwrap().unwrap().status,
        ProgramItemStatus::Ended
    );
    let (_, again) = store.end_program_item(pulled.id).unwrap();
    assert!(!again, "ending an ended item queues nothing");
    assert!(matches!(
        store.edit_program_item(
            pulled.id,
            &ProgramItemEdit {
                reps: Some(5),
                ..ProgramItemEdit::default()
            }
        ),
        Err(StoreError::ProgramItemEnded(_))
    ));

    let entries = store.outbox_entries(pulled.id).unwrap();
    let ops: Vec<_> = entries.iter().map(|e| e.operation).collect();
    assert_eq!(ops, vec![OutboxOperation::Update, OutboxOperation::End]);
    assert_eq!(change(&store, entries[0].id).base_version, 4);
    assert_eq!(change(&store, entries[0].id).item.sets, Some(4));
    // The end waits for the update.
    let ready: Vec<i64> = store
        .pending_outbox(10)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ready, vec![entries[0].id]);

    // The update is delivered (server now at 5): the end follows on version 5, no conflict.
    store
        .program_item_delivered(entries[0].id, pulled.id, 4, 5)
        .unwrap();
    store.mark_outbox_done(entries[0].id).unwrap();
    assert_eq!(change(&store, entries[1].id).base_version, 5);
    assert_eq!(store.program_item(pulled.id).unwrap().unwrap().version, 5);
    store
        .program_item_delivered(entries[1].id, pulled.id, 5, 6)
        .unwrap();
    store.mark_outbox_done(entries[1].id).unwrap();

    // Everything taken: the server's copy wins again.
    server_copy.version = 6;
    server_copy.status = ProgramItemStatus::Ended;
    assert!(store.upsert_pulled_program_item(&server_copy).unwrap());
    assert_eq!(
        store.program_item(pulled.id).unwrap().unwrap().reps,
        Some(99)
    );
}

#[test]
fn an_item_prescribed_here_can_be_edited_and_ended_before_its_create_is_delivered() {
    let (_dir, _path, store) = temp_store();
    sign_in_clinician(&store);
    let fresh = item(Uuid::new_v4(), 1);
    store.create_program_item(&fresh).unwrap();
    store
        .edit_program_item(
            fresh.id,
            &ProgramItemEdit {
                reps: Some(12),
                per_week: Some(5),
                end_date: Some(Utc::now().date_naive() + Duration::days(30)),
                ..ProgramItemEdit::default()
            },
        )
        .unwrap();
    store.end_program_item(fresh.id).unwrap();
    let entries = store.outbox_entries(fresh.id).unwrap();
    let ops: Vec<_> = entries.iter().map(|e| e.operation).collect();
    assert_eq!(
        ops,
        vec![
            OutboxOperation::Create,
            OutboxOperation::Update,
            OutboxOperation::End
        ]
    );
    // Only the create is ready; the changes wait for it, made on the version it will get.
    let ready: Vec<i64> = store
        .pending_outbox(10)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ready, vec![entries[0].id]);
    assert_eq!(change(&store, entries[1].id).base_version, 1);
    assert_eq!(change(&store, entries[1].id).item.reps, Some(12));
    // The server numbered it differently: the queued changes follow.
    store
        .program_item_delivered(entries[0].id, fresh.id, 1, 3)
        .unwrap();
    store.mark_outbox_done(entries[0].id).unwrap();
    assert_eq!(change(&store, entries[1].id).base_version, 3);
    assert_eq!(change(&store, entries[2].id).base_version, 3);
    let ready: Vec<i64> = store
        .pending_outbox(10)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ready, vec![entries[1].id]);
}

#[test]
fn a_conflicted_change_stays_visible_and_is_not_replaced_by_a_pull() {
    let (_dir, _path, store) = temp_store();
    sign_in_clinician(&store);
    let pulled = item(Uuid::new_v4(), 1);
    store.upsert_pulled_program_item(&pulled).unwrap();
    store
        .edit_program_item(
            pulled.id,
            &ProgramItemEdit {
                reps: Some(20),
                ..ProgramItemEdit::default()
            },
        )
        .unwrap();
    let entry = store.outbox_entries(pulled.id).unwrap()[0].clone();
    // The server had changed meanwhile: both versions kept, the entry failed.
    let mut theirs = pulled.clone();
    theirs.sets = Some(5);
    theirs.version = 2;
    store
        .record_conflict(
            OutboxEntityKind::ProgramItem,
            pulled.id,
            Some(entry.id),
            Some(1),
            Some(2),
            &entry.payload,
            Some(&serde_json::to_value(&theirs).unwrap()),
        )
        .unwrap();
    store
        .mark_outbox_failed(entry.id, "conflict #1", true, Utc::now())
        .unwrap();
    assert!(store.program_item_conflicted(pulled.id).unwrap());
    assert!(!store.upsert_pulled_program_item(&theirs).unwrap());
    let local = store.program_item(pulled.id).unwrap().unwrap();
    assert_eq!((local.sets, local.reps), (Some(3), Some(20)));
}
