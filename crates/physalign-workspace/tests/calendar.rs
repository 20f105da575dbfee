//! The clinic calendar on a real SQLite file: a day and a week of appointments cut in the
//! clinic's zone, with the roster's names, the previous session one click away, what still
//! waits for sync, and a conflict listed; a patient's agenda with their goals.

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use physalign_store::{
    AppointmentKind, CarePatient, GoalStatus, NewAppointment, NewSession, OutboxEntityKind, Store,
    TherapyGoal,
};
use physalign_workspace::calendar::{self, CalendarSpan};
use serde_json::json;
use uuid::Uuid;

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").unwrap()
}

fn book(store: &Store, patient: Uuid, start: &str) -> Uuid {
    store
        .book_appointment(&NewAppointment {
            id: Uuid::new_v4(),
            patient_id: patient,
            local_start: local(start),
            time_zone: "Europe/Berlin".into(),
            duration_minutes: 30,
            kind: AppointmentKind::FollowUp,
            notes: None,
        })
        .unwrap()
        .id
}

#[test]
fn a_day_and_a_week_show_names_previous_sessions_pending_changes_and_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("clinic.sqlite")).unwrap();
    let grace = Uuid::new_v4();
    store
        .add_care_patient(
            &CarePatient {
                patient_id: grace,
                first_name: "Grace".into(),
                last_name: "Hopper".into(),
                email: None,
            },
            &json!({}),
        )
        .unwrap();
    let session = Uuid::new_v4();
    store
        .create_session(&NewSession {
            id: session,
            patient_id: Some(grace),
            exercise_id: "squat".into(),
            source: "camera:0".into(),
            started_at: Utc.with_ymd_and_hms(2026, 3, 27, 8, 0, 0).unwrap(),
        })
        .unwrap();
    // Monday 30 March 2026 (Berlin summer time): 00:30 there is still Sunday 22:30 UTC.
    let early = book(&store, grace, "2026-03-30T00:30");
    let nine = book(&store, grace, "2026-03-30T09:00");
    let thursday = book(&store, grace, "2026-04-02T10:00");
    book(&store, grace, "2026-04-06T10:00"); // next week

    let day = calendar::calendar(
        &store,
        CalendarSpan::Day,
        NaiveDate::from_ymd_opt(2026, 3, 30).unwrap(),
        "Europe/Berlin",
    )
    .unwrap();
    assert_eq!(day.days.len(), 1);
    let ids: Vec<Uuid> = day.days[0]
        .entries
        .iter()
        .map(|e| e.appointment.id)
        .collect();
    assert_eq!(ids, [early, nine], "cut at the clinic's midnight, by start");
    let entry = &day.days[0].entries[1];
    assert_eq!(entry.patient_name, "Grace Hopper");
    assert_eq!(entry.previous_session.as_ref().map(|s| s.id), Some(session));
    assert!(entry.pending_sync && !entry.conflicted);

    // A conflict sync found on Thursday's is flagged and listed.
    let entry = store.outbox_entries(thursday).unwrap().remove(0);
    store
        .mark_outbox_failed(entry.id, "conflict", true, Utc::now())
        .unwrap();
    store
        .record_conflict(
            OutboxEntityKind::Appointment,
            thursday,
            Some(entry.id),
            Some(0),
            None,
            &entry.payload,
            None,
        )
        .unwrap();
    let week = calendar::calendar(
        &store,
        CalendarSpan::Week,
        NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
        "Europe/Berlin",
    )
    .unwrap();
    assert_eq!(week.days.len(), 7);
    assert_eq!(
        week.days[0].date,
        NaiveDate::from_ymd_opt(2026, 3, 30).unwrap()
    );
    let counts: Vec<usize> = week.days.iter().map(|d| d.entries.len()).collect();
    assert_eq!(counts, [2, 0, 0, 1, 0, 0, 0]);
    assert!(week.days[3].entries[0].conflicted);
    assert_eq!(week.conflicts.len(), 1);
    assert_eq!(week.conflicts[0].appointment_id, thursday);
    assert!(
        calendar::calendar(&store, CalendarSpan::Day, week.days[0].date, "Mars/Olympus").is_err()
    );
    assert_eq!(
        calendar::clinic_zone(&store, None).unwrap(),
        "Europe/Berlin"
    );
}

#[test]
fn a_patients_agenda_lists_upcoming_appointments_and_goals() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("home.sqlite")).unwrap();
    let me = Uuid::new_v4();
    let now = Utc::now();
    let soon = (now + Duration::days(3))
        .naive_utc()
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let past = (now - Duration::days(3))
        .naive_utc()
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let upcoming = book(&store, me, &soon);
    book(&store, me, &past);
    let goal = TherapyGoal {
        id: Uuid::new_v4(),
        patient_id: me,
        goal: "climb stairs without pain".into(),
        status: GoalStatus::Active,
        progress: 30,
        target_date: None,
    };
    store
        .replace_therapy_goals(me, &[(goal.clone(), json!({}))])
        .unwrap();
    let agenda = calendar::patient_agenda(&store, now).unwrap();
    let ids: Vec<Uuid> = agenda.appointments.iter().map(|a| a.id).collect();
    assert_eq!(ids, [upcoming]);
    assert_eq!(agenda.goals, [goal]);
}
