//! The clinic calendar on a real database file (issue 18): appointments booked, moved,
//! cancelled, recurred and marked no-show offline show at once and are queued with the server
//! version they were made on; a pull does not overwrite them; a conflict keeps both versions
//! until the user keeps theirs (sent again on the server's version) or takes the server's.

mod common;

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use common::temp_store;
use physalign_store::sync_state::SyncIdentity;
use physalign_store::{
    Appointment, AppointmentAction, AppointmentChange, AppointmentKind, AppointmentMove,
    AppointmentStatus, ConflictResolution, GoalStatus, NewAppointment, NoShowMark,
    OutboxEntityKind, OutboxOperation, OutboxStatus, RecordOrigin, RecurrencePattern,
    RecurrenceRule, Store, StoreError, TherapyGoal,
};
use serde_json::json;
use uuid::Uuid;

fn sign_in(store: &Store) {
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

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").unwrap()
}

fn booking(patient: Uuid, start: &str) -> NewAppointment {
    NewAppointment {
        id: Uuid::new_v4(),
        patient_id: patient,
        local_start: local(start),
        time_zone: "Europe/Berlin".into(),
        duration_minutes: 45,
        kind: AppointmentKind::FollowUp,
        notes: Some("knee".into()),
    }
}

fn changes(store: &Store, id: Uuid) -> Vec<(OutboxOperation, OutboxStatus, AppointmentChange)> {
    store
        .outbox_entries(id)
        .unwrap()
        .into_iter()
        .map(|e| {
            assert_eq!(e.entity_type, OutboxEntityKind::Appointment);
            (
                e.operation,
                e.status,
                serde_json::from_value(e.payload).unwrap(),
            )
        })
        .collect()
}

fn pulled(id: Uuid, patient: Uuid, start: &str, version: i64) -> Appointment {
    let local_start = local(start);
    Appointment {
        id,
        patient_id: patient,
        therapist_id: Some(Uuid::new_v4()),
        client_name: Some("Pat Server".into()),
        local_start,
        time_zone: "Europe/Berlin".into(),
        start_at: physalign_store::appointments::clinic_instant(
            local_start,
            "Europe/Berlin".parse().unwrap(),
        ),
        duration_minutes: 30,
        kind: AppointmentKind::Treatment,
        notes: None,
        status: AppointmentStatus::Scheduled,
        series_id: None,
        provisional: false,
        preparation: None,
        no_show: None,
        cancel_reason: None,
        session_id: None,
        version,
        origin: RecordOrigin::Pulled,
        updated_at: Utc::now(),
    }
}

#[test]
fn booking_moving_cancelling_and_no_show_are_queued_with_their_base_version() {
    let (_dir, _path, store) = temp_store();
    sign_in(&store);
    let patient = Uuid::new_v4();
    // Berlin is on summer time (UTC+2) on 2026-03-30: 09:00 there is 07:00 UTC.
    let booked = store
        .book_appointment(&booking(patient, "2026-03-30T09:00"))
        .unwrap();
    assert_eq!(
        booked.start_at,
        Utc.with_ymd_and_hms(2026, 3, 30, 7, 0, 0).unwrap()
    );
    assert_eq!(booked.status, AppointmentStatus::Scheduled);
    assert_eq!(booked.version, 0);

    let moved = store
        .move_appointment(
            booked.id,
            &AppointmentMove {
                local_start: local("2026-03-31T14:30"),
                time_zone: None,
                duration_minutes: Some(60),
            },
        )
        .unwrap();
    assert_eq!(
        moved.start_at,
        Utc.with_ymd_and_hms(2026, 3, 31, 12, 30, 0).unwrap()
    );
    assert_eq!(moved.duration_minutes, 60);

    let cancelled = store
        .cancel_appointment(booked.id, Some("patient called"))
        .unwrap();
    assert_eq!(cancelled.status, AppointmentStatus::Cancelled);
    // Cancelling twice queues nothing more; a cancelled appointment is not moved or missed.
    store.cancel_appointment(booked.id, None).unwrap();
    assert!(matches!(
        store.mark_no_show(booked.id, &NoShowMark::default()),
        Err(StoreError::Invalid { .. })
    ));

    let queued = changes(&store, booked.id);
    let ops: Vec<_> = queued.iter().map(|(op, _, _)| *op).collect();
    assert_eq!(
        ops,
        [
            OutboxOperation::Create,
            OutboxOperation::Update,
            OutboxOperation::Cancel
        ]
    );
    assert!(queued.iter().all(|(_, _, c)| c.base_version == 0));
    assert_eq!(
        queued[2].2.action,
        AppointmentAction::Cancel {
            reason: Some("patient called".into())
        }
    );

    // The server took the create at version 1: the queued move and cancel follow it.
    let create_entry = store.outbox_entries(booked.id).unwrap()[0].id;
    store.mark_outbox_done(create_entry).unwrap();
    store
        .appointment_delivered(create_entry, booked.id, 0, 1)
        .unwrap();
    let queued = changes(&store, booked.id);
    assert_eq!(queued[1].2.base_version, 1);
    assert_eq!(queued[2].2.base_version, 1);
    assert_eq!(store.appointment(booked.id).unwrap().unwrap().version, 1);

    // A fee needs a positive amount; a no-show is only for a scheduled appointment.
    let other = store
        .book_appointment(&booking(patient, "2026-04-01T10:00"))
        .unwrap();
    assert!(store
        .mark_no_show(
            other.id,
            &NoShowMark {
                apply_fee: true,
                fee_amount: Some(-5.0),
                ..NoShowMark::default()
            }
        )
        .is_err());
    let missed = store
        .mark_no_show(
            other.id,
            &NoShowMark {
                reason: Some("did not come".into()),
                apply_fee: true,
                fee_amount: Some(40.0),
                notify_client: true,
            },
        )
        .unwrap();
    assert_eq!(missed.status, AppointmentStatus::NoShow);
    assert_eq!(missed.no_show.unwrap().fee_amount, Some(40.0));
}

#[test]
fn a_series_set_up_offline_shows_provisional_occurrences_until_the_server_answers() {
    let (_dir, _path, store) = temp_store();
    sign_in(&store);
    let patient = Uuid::new_v4();
    // Monday 16 March 2026, 09:00 Berlin (winter time); summer time starts on 29 March.
    let first = store
        .book_appointment(&booking(patient, "2026-03-16T09:00"))
        .unwrap();
    let series = store
        .recur_appointment(
            first.id,
            &RecurrenceRule {
                pattern: RecurrencePattern::Weekly,
                end_date: NaiveDate::from_ymd_opt(2026, 4, 6).unwrap(),
                exceptions: vec![NaiveDate::from_ymd_opt(2026, 3, 30).unwrap()],
            },
        )
        .unwrap();
    let starts: Vec<String> = series
        .iter()
        .map(|a| a.start_at.format("%m-%d %H:%M").to_string())
        .collect();
    // The wall-clock time stays 09:00: 08:00 UTC in winter, 07:00 UTC in summer.
    assert_eq!(starts, ["03-16 08:00", "03-23 08:00", "04-06 07:00"]);
    assert!(series[1..].iter().all(|a| a.provisional));
    assert!(series.iter().all(|a| a.series_id == Some(first.id)));
    // A provisional occurrence cannot be changed before the server created it.
    assert!(store.cancel_appointment(series[1].id, None).is_err());

    let from = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
    assert_eq!(store.appointments_between(from, to, None).unwrap().len(), 3);
    // The server's occurrences (its own ids) replace the provisional ones.
    let mut second = pulled(Uuid::new_v4(), patient, "2026-03-23T09:00", 1);
    second.series_id = Some(first.id);
    let mut third = pulled(Uuid::new_v4(), patient, "2026-04-06T09:00", 1);
    third.series_id = Some(first.id);
    store
        .series_delivered(first.id, &[second.clone(), third.clone()])
        .unwrap();
    let ids: Vec<Uuid> = store
        .appointments_between(from, to, None)
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, [first.id, second.id, third.id]);
}

#[test]
fn a_pull_keeps_local_changes_and_a_conflict_is_resolved_either_way() {
    let (_dir, _path, store) = temp_store();
    sign_in(&store);
    let patient = Uuid::new_v4();
    let a = pulled(Uuid::new_v4(), patient, "2026-03-30T09:00", 3);
    let b = pulled(Uuid::new_v4(), patient, "2026-03-30T11:00", 2);
    let gone = pulled(Uuid::new_v4(), patient, "2026-03-31T11:00", 1);
    let from = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
    store
        .replace_pulled_appointments(from, to, &[a.clone(), b.clone(), gone.clone()])
        .unwrap();
    assert_eq!(store.appointments_between(from, to, None).unwrap().len(), 3);

    // Moved here on version 3 and on b's version 2.
    let move_to = |t: &str| AppointmentMove {
        local_start: local(t),
        time_zone: None,
        duration_minutes: None,
    };
    store
        .move_appointment(a.id, &move_to("2026-03-30T15:00"))
        .unwrap();
    store
        .move_appointment(b.id, &move_to("2026-03-30T16:00"))
        .unwrap();
    // The server moved both elsewhere meanwhile (version 4 and 3), and dropped `gone`.
    let mut a_server = a.clone();
    a_server.local_start = local("2026-03-30T10:00");
    a_server.version = 4;
    let mut b_server = b.clone();
    b_server.local_start = local("2026-03-30T12:00");
    b_server.version = 3;
    store
        .replace_pulled_appointments(from, to, &[a_server.clone(), b_server.clone()])
        .unwrap();
    let shown = store.appointments_between(from, to, None).unwrap();
    assert_eq!(shown.len(), 2, "the appointment the server dropped is gone");
    let a_shown = store.appointment(a.id).unwrap().unwrap();
    assert_eq!(a_shown.local_start, local("2026-03-30T15:00"));
    assert_eq!(
        a_shown.version, 3,
        "still based on the version it was made on"
    );

    // Delivery met 412 for both: the conflicts keep both versions.
    for (id, server) in [(a.id, &a_server), (b.id, &b_server)] {
        let entry = store.outbox_entries(id).unwrap().remove(0);
        store
            .mark_outbox_failed(entry.id, "conflict", true, Utc::now())
            .unwrap();
        store
            .record_conflict(
                OutboxEntityKind::Appointment,
                id,
                Some(entry.id),
                Some(server.version - 1),
                Some(server.version),
                &entry.payload,
                Some(&serde_json::to_value(server).unwrap()),
            )
            .unwrap();
    }
    let conflicts = store.appointment_conflicts().unwrap();
    assert_eq!(conflicts.len(), 2);
    assert_eq!(
        conflicts[0].mine.appointment.local_start,
        local("2026-03-30T15:00")
    );
    assert_eq!(
        conflicts[0].theirs.as_ref().unwrap().local_start,
        local("2026-03-30T10:00")
    );
    // A pull while the conflict is open does not replace the local change either.
    store
        .replace_pulled_appointments(from, to, &[a_server.clone(), b_server.clone()])
        .unwrap();
    assert_eq!(
        store.appointment(a.id).unwrap().unwrap().local_start,
        local("2026-03-30T15:00")
    );

    // Keep mine on a: the move is pending again, on version 4, under a new key.
    let old_key = store.outbox_entries(a.id).unwrap()[0].idempotency_key;
    let kept = store
        .resolve_appointment_conflict(conflicts[0].id, ConflictResolution::KeepMine)
        .unwrap();
    assert_eq!(kept.local_start, local("2026-03-30T15:00"));
    assert_eq!(kept.version, 4);
    let entry = store.outbox_entries(a.id).unwrap().remove(0);
    assert_eq!(entry.status, OutboxStatus::Pending);
    assert_ne!(entry.idempotency_key, old_key);
    assert_eq!(entry.payload["base_version"], json!(4));

    // Take theirs on b: the local move is dropped and the server's copy shown.
    let taken = store
        .resolve_appointment_conflict(conflicts[1].id, ConflictResolution::TakeTheirs)
        .unwrap();
    assert_eq!(taken.local_start, local("2026-03-30T12:00"));
    assert_eq!(taken.version, 3);
    assert!(store.outbox_entries(b.id).unwrap().is_empty());
    assert!(store.appointment_conflicts().unwrap().is_empty());
    assert!(matches!(
        store.resolve_appointment_conflict(conflicts[1].id, ConflictResolution::KeepMine),
        Err(StoreError::ConflictNotFound(_))
    ));
}

#[test]
fn goals_are_replaced_per_patient_and_listed_active_first() {
    let (_dir, _path, store) = temp_store();
    let patient = Uuid::new_v4();
    let goal = |text: &str, status: GoalStatus, progress: u8| TherapyGoal {
        id: Uuid::new_v4(),
        patient_id: patient,
        goal: text.into(),
        status,
        progress,
        target_date: NaiveDate::from_ymd_opt(2026, 6, 1),
    };
    let done = goal("walk to the shop", GoalStatus::Completed, 100);
    let active = goal("knee flexion 120", GoalStatus::Active, 40);
    store
        .replace_therapy_goals(
            patient,
            &[(done.clone(), json!({})), (active.clone(), json!({}))],
        )
        .unwrap();
    assert_eq!(
        store.therapy_goals(Some(patient)).unwrap(),
        [active.clone(), done]
    );
    store
        .replace_therapy_goals(patient, &[(active.clone(), json!({}))])
        .unwrap();
    assert_eq!(store.therapy_goals(None).unwrap(), [active]);
}
