//! The clinic calendar through the desktop commands on Tauri's mock runtime, over a real SQLite
//! file with the network unplugged: a clinician books, moves, cancels, repeats, prepares and
//! marks a no-show, the day and the week show each change waiting for sync, a conflict sync found
//! is listed and settled, a patient off the roster is refused, and the idle lock closes it all;
//! a patient's device lists its upcoming appointments and goals.

use chrono::{Duration, NaiveDate, Utc};
use physalign_store::{
    Appointment, AppointmentKind, AppointmentStatus, CarePatient, GoalStatus, OutboxEntityKind,
    OutboxStatus, RecordOrigin, Store, TherapyGoal,
};
use physalign_workspace::lock::LockSecrets;
use serde_json::{json, Value};
use uuid::Uuid;

mod common;
use common::{app, TestApp};

impl TestApp {
    /// A booking of Ada's (or anyone's) at a wall-clock time in Berlin.
    fn book(&self, patient: Uuid, at: &str) -> Value {
        self.ok(
            "book_appointment",
            json!({"booking": {"patient_id": patient, "local_start": at,
                "time_zone": "Europe/Berlin", "duration_minutes": 45, "kind": "follow_up",
                "notes": "  "}}),
        )
    }

    fn day(&self, date: &str) -> Value {
        self.ok(
            "workspace_calendar",
            json!({"span": "day", "date": date, "zone": "Europe/Berlin"}),
        )
    }
}

fn id_of(v: &Value) -> Uuid {
    v["id"].as_str().unwrap().parse().unwrap()
}

fn entries(day: &Value) -> &Vec<Value> {
    day["entries"].as_array().unwrap()
}

#[test]
fn a_clinician_runs_the_clinic_day_offline_until_the_lock_closes() {
    let app = app();
    let user = app.sign_in_as("physiotherapist");
    let store = Store::open(&app.db).unwrap();
    let ada = CarePatient {
        patient_id: Uuid::new_v4(),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: None,
    };
    store
        .replace_care_patients(&[(ada.clone(), json!({"patient_id": ada.patient_id}))])
        .unwrap();
    let ada_id = ada.patient_id;

    // Monday 4 March 2030 in Berlin: two appointments, blank notes kept as none.
    let nine = app.book(ada_id, "2030-03-04T09:00");
    assert_eq!(nine["status"], "scheduled");
    assert_eq!(nine["client_name"], "Ada Lovelace");
    assert_eq!(nine["local_start"], "2030-03-04T09:00:00");
    assert_eq!(
        nine["start_at"], "2030-03-04T08:00:00Z",
        "Berlin is UTC+1 in March"
    );
    assert!(nine["notes"].is_null());
    let half_ten = app.book(ada_id, "2030-03-04T10:30:00");
    let (nine_id, half_ten_id) = (id_of(&nine), id_of(&half_ten));

    // Refusals come back as the engine's words and store nothing.
    let stranger = Uuid::new_v4();
    let e = app.err(
        "book_appointment",
        json!({"booking": {"patient_id": stranger, "local_start": "2030-03-04T11:00",
            "time_zone": "Europe/Berlin", "duration_minutes": 45, "kind": "treatment",
            "notes": null}}),
    );
    assert!(e.contains("not on this device's roster"), "{e}");
    let e = app.err(
        "book_appointment",
        json!({"booking": {"patient_id": ada_id, "local_start": "Monday at ten",
            "time_zone": "Europe/Berlin", "duration_minutes": 45, "kind": "treatment",
            "notes": null}}),
    );
    assert!(e.contains("like 2026-03-20T10:00"), "{e}");
    let e = app.err(
        "book_appointment",
        json!({"booking": {"patient_id": ada_id, "local_start": "2030-03-04T11:00",
            "time_zone": "Mars/Olympus", "duration_minutes": 45, "kind": "treatment",
            "notes": null}}),
    );
    assert!(e.contains("not an IANA time zone"), "{e}");
    let e = app.err(
        "book_appointment",
        json!({"booking": {"patient_id": ada_id, "local_start": "2030-03-04T11:00",
            "time_zone": "Europe/Berlin", "duration_minutes": 600, "kind": "treatment",
            "notes": null}}),
    );
    assert!(e.contains("not between 5 and 480"), "{e}");

    // The day shows both, by start, with the name and waiting for sync.
    let view = app.day("2030-03-04");
    assert_eq!(view["span"], "day");
    assert_eq!(view["time_zone"], "Europe/Berlin");
    assert_eq!(view["days"].as_array().unwrap().len(), 1);
    let day = &view["days"][0];
    assert_eq!(day["date"], "2030-03-04");
    let shown: Vec<Uuid> = entries(day)
        .iter()
        .map(|e| id_of(&e["appointment"]))
        .collect();
    assert_eq!(shown, [nine_id, half_ten_id]);
    for entry in entries(day) {
        assert_eq!(entry["patient_name"], "Ada Lovelace");
        assert_eq!(entry["pending_sync"], true);
        assert_eq!(entry["conflicted"], false);
    }
    assert_eq!(view["conflicts"], json!([]));
    // Without a zone or date: the zone of the appointments around now (none within a year, so
    // UTC), and today there.
    let default = app.ok("workspace_calendar", json!({"span": "day"}));
    assert_eq!(default["time_zone"], "UTC");
    assert_eq!(default["days"][0]["date"], json!(Utc::now().date_naive()));
    assert_eq!(default["days"][0]["date"], default["today"]);

    // Move 10:30 to Wednesday 14:00 and 30 minutes.
    let moved = app.ok(
        "move_appointment",
        json!({"appointmentId": half_ten_id, "to": {"local_start": "2030-03-06T14:00",
            "time_zone": null, "duration_minutes": 30}}),
    );
    assert_eq!(moved["local_start"], "2030-03-06T14:00:00");
    assert_eq!(moved["duration_minutes"], 30);
    let week = app.ok(
        "workspace_calendar",
        json!({"span": "week", "date": "2030-03-07", "zone": "Europe/Berlin"}),
    );
    let days = week["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days[0]["date"], "2030-03-04", "Monday to Sunday");
    let counts: Vec<usize> = days.iter().map(|d| entries(d).len()).collect();
    assert_eq!(counts, [1, 0, 1, 0, 0, 0, 0]);

    // Cancel Wednesday's with its reason; the cancelled one stays, marked.
    let cancelled = app.ok(
        "cancel_appointment",
        json!({"appointmentId": half_ten_id, "reason": " patient is ill "}),
    );
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancel_reason"], "patient is ill");
    let e = app.err(
        "move_appointment",
        json!({"appointmentId": half_ten_id, "to": {"local_start": "2030-03-07T14:00",
            "time_zone": null, "duration_minutes": null}}),
    );
    assert!(e.contains("it is cancelled"), "{e}");

    // Monday's patient did not come: reason, fee, notification.
    let missed = app.ok(
        "mark_no_show",
        json!({"appointmentId": nine_id, "mark": {"reason": "no answer", "apply_fee": true,
            "fee_amount": 25.0, "notify_client": true}}),
    );
    assert_eq!(missed["status"], "no-show");
    assert_eq!(missed["no_show"]["reason"], "no answer");
    assert_eq!(missed["no_show"]["fee_amount"], 25.0);
    assert_eq!(missed["no_show"]["client_notified"], true);

    // Tuesday 08:00 every week for three more weeks, prepared.
    let tuesday = app.book(ada_id, "2030-03-05T08:00");
    let tuesday_id = id_of(&tuesday);
    let series = app.ok(
        "recur_appointment",
        json!({"appointmentId": tuesday_id, "rule": {"pattern": "weekly",
            "end_date": "2030-03-26", "exceptions": []}}),
    );
    let starts: Vec<&str> = series
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["local_start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2030-03-05T08:00:00",
            "2030-03-12T08:00:00",
            "2030-03-19T08:00:00",
            "2030-03-26T08:00:00"
        ]
    );
    assert_eq!(series[1]["provisional"], true);
    let prepared = app.ok(
        "prepare_appointment",
        json!({"appointmentId": tuesday_id, "preparation": {"notes": "Check the knee",
            "review_previous_session": true, "focus_areas": ["knee", " "]}}),
    );
    assert_eq!(prepared["preparation"]["notes"], "Check the knee");
    assert_eq!(prepared["preparation"]["focus_areas"], json!(["knee"]));

    let week = app.ok(
        "workspace_calendar",
        json!({"span": "week", "date": "2030-03-04", "zone": "Europe/Berlin"}),
    );
    let days = week["days"].as_array().unwrap();
    let statuses: Vec<Vec<&str>> = days
        .iter()
        .map(|d| {
            entries(d)
                .iter()
                .map(|e| e["appointment"]["status"].as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        statuses,
        [
            vec!["no-show"],
            vec!["scheduled"],
            vec!["cancelled"],
            vec![],
            vec![],
            vec![],
            vec![]
        ]
    );
    assert!(days
        .iter()
        .flat_map(entries)
        .all(|e| e["pending_sync"] == true));
    let next_week = app.day("2030-03-12");
    assert_eq!(entries(&next_week["days"][0]).len(), 1, "the series shows");

    // Everything waits in the outbox, nothing was sent (no network).
    for id in [nine_id, half_ten_id, tuesday_id] {
        let queued = store.outbox_entries(id).unwrap();
        assert!(!queued.is_empty());
        assert!(queued
            .iter()
            .all(|e| e.entity_type == OutboxEntityKind::Appointment
                && e.status == OutboxStatus::Pending));
    }
    assert!(store
        .export_outbox_of(Some(user))
        .unwrap()
        .iter()
        .any(|e| e.entity_id == tuesday_id));

    // Sync found Tuesday's booking changed on the server: listed, then settled by taking theirs.
    let entry = store.outbox_entries(tuesday_id).unwrap().remove(0);
    store
        .mark_outbox_failed(entry.id, "conflict", true, Utc::now())
        .unwrap();
    let mut theirs: Appointment = serde_json::from_value(tuesday.clone()).unwrap();
    theirs.local_start = NaiveDate::from_ymd_opt(2030, 3, 5)
        .unwrap()
        .and_hms_opt(11, 0, 0)
        .unwrap();
    theirs.start_at += Duration::hours(3);
    theirs.version = 3;
    theirs.origin = RecordOrigin::Pulled;
    store
        .record_conflict(
            OutboxEntityKind::Appointment,
            tuesday_id,
            Some(entry.id),
            Some(0),
            Some(3),
            &entry.payload,
            Some(&serde_json::to_value(&theirs).unwrap()),
        )
        .unwrap();
    let view = app.day("2030-03-05");
    assert_eq!(view["days"][0]["entries"][0]["conflicted"], true);
    assert_eq!(view["days"][0]["entries"][0]["pending_sync"], false);
    let conflicts = view["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0]["change"], "book");
    assert_eq!(conflicts[0]["appointment_id"], json!(tuesday_id));
    assert_eq!(conflicts[0]["mine"]["local_start"], "2030-03-05T08:00:00");
    assert_eq!(conflicts[0]["theirs"]["local_start"], "2030-03-05T11:00:00");
    let conflict_id = conflicts[0]["id"].as_i64().unwrap();
    let resolved = app.ok(
        "resolve_appointment_conflict",
        json!({"conflictId": conflict_id, "resolution": "take_theirs"}),
    );
    assert_eq!(resolved["local_start"], "2030-03-05T11:00:00");
    assert_eq!(resolved["version"], 3);
    let view = app.day("2030-03-05");
    assert_eq!(view["conflicts"], json!([]));
    assert_eq!(view["days"][0]["entries"][0]["conflicted"], false);
    let e = app.err(
        "resolve_appointment_conflict",
        json!({"conflictId": conflict_id, "resolution": "keep_mine"}),
    );
    assert!(!e.is_empty());

    // Once the clinic books around now, its zone is the calendar's without asking.
    let soon = (Utc::now() + Duration::days(2)).format("%Y-%m-%dT10:00");
    app.book(ada_id, &soon.to_string());
    let default = app.ok("workspace_calendar", json!({"span": "week"}));
    assert_eq!(default["time_zone"], "Europe/Berlin");
    assert_eq!(default["days"].as_array().unwrap().len(), 7);

    // The idle lock closes the calendar like every other workspace command.
    LockSecrets::new(&app.lock).set_pin(user, "4826").unwrap();
    app.ok("lock_now", json!({}));
    for (cmd, body) in [
        (
            "workspace_calendar",
            json!({"span": "day", "date": "2030-03-04"}),
        ),
        (
            "book_appointment",
            json!({"booking": {"patient_id": ada_id, "local_start": "2030-03-08T09:00",
                "time_zone": "Europe/Berlin", "duration_minutes": 45, "kind": "treatment",
                "notes": null}}),
        ),
        (
            "move_appointment",
            json!({"appointmentId": tuesday_id, "to": {"local_start": "2030-03-08T09:00",
                "time_zone": null, "duration_minutes": null}}),
        ),
        (
            "cancel_appointment",
            json!({"appointmentId": tuesday_id, "reason": null}),
        ),
        (
            "mark_no_show",
            json!({"appointmentId": tuesday_id, "mark": {"reason": null,
                "apply_fee": false, "fee_amount": null, "notify_client": false}}),
        ),
        (
            "prepare_appointment",
            json!({"appointmentId": tuesday_id, "preparation": {"notes": "x",
                "review_previous_session": false, "focus_areas": []}}),
        ),
    ] {
        let e = app.err(cmd, body);
        assert!(e.contains("locked"), "{cmd}: {e}");
    }
    assert_eq!(
        store.appointment(tuesday_id).unwrap().unwrap().status,
        AppointmentStatus::Scheduled,
        "nothing changed while locked"
    );
    app.ok(
        "unlock",
        json!({"unlock": {"kind": "pin", "secret": "4826"}}),
    );
    app.day("2030-03-04");

    // A clinician's device has no "own" agenda.
    let e = app.err("patient_agenda", json!({}));
    assert!(e.contains("clinician's"), "{e}");
}

#[test]
fn a_patients_device_lists_its_upcoming_appointments_and_goals_and_no_calendar() {
    let app = app();
    app.sign_in_as("patient");
    let me = Uuid::new_v4();
    let store = Store::open(&app.db).unwrap();

    let empty = app.ok("patient_agenda", json!({}));
    assert_eq!(empty, json!({"appointments": [], "goals": []}));

    // What the last sync pulled: one appointment next week, one last week, two goals.
    let now = Utc::now();
    let pulled = |id: Uuid, days: i64| Appointment {
        id,
        patient_id: me,
        therapist_id: Some(Uuid::new_v4()),
        client_name: Some("Ada Lovelace".into()),
        local_start: (now + Duration::days(days)).naive_utc(),
        time_zone: "UTC".into(),
        start_at: now + Duration::days(days),
        duration_minutes: 45,
        kind: AppointmentKind::Reassessment,
        notes: None,
        status: AppointmentStatus::Scheduled,
        series_id: None,
        provisional: false,
        preparation: None,
        no_show: None,
        cancel_reason: None,
        session_id: None,
        version: 2,
        origin: RecordOrigin::Pulled,
        updated_at: now,
    };
    let (next, last) = (Uuid::new_v4(), Uuid::new_v4());
    store
        .replace_pulled_appointments(
            now - Duration::days(30),
            now + Duration::days(90),
            &[pulled(next, 7), pulled(last, -7)],
        )
        .unwrap();
    let goal = |text: &str, status, progress| TherapyGoal {
        id: Uuid::new_v4(),
        patient_id: me,
        goal: text.into(),
        status,
        progress,
        target_date: NaiveDate::from_ymd_opt(2030, 6, 1),
    };
    store
        .replace_therapy_goals(
            me,
            &[
                (goal("Run 5 km", GoalStatus::Completed, 100), json!({})),
                (goal("Climb stairs", GoalStatus::Active, 40), json!({})),
            ],
        )
        .unwrap();

    let agenda = app.ok("patient_agenda", json!({}));
    let ids: Vec<Uuid> = agenda["appointments"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(ids, [next], "upcoming only");
    assert_eq!(agenda["appointments"][0]["kind"], "reassessment");
    let goals: Vec<(&str, &str, u64)> = agenda["goals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["goal"].as_str().unwrap(),
                g["status"].as_str().unwrap(),
                g["progress"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        goals,
        [
            ("Climb stairs", "active", 40),
            ("Run 5 km", "completed", 100)
        ],
        "active first"
    );

    // The clinician's calendar and its changes are refused on a patient's device.
    let e = app.err("workspace_calendar", json!({"span": "week"}));
    assert!(e.contains("for physiotherapists"), "{e}");
    let e = app.err(
        "book_appointment",
        json!({"booking": {"patient_id": me, "local_start": "2030-03-04T09:00",
            "time_zone": "UTC", "duration_minutes": 45, "kind": "treatment", "notes": null}}),
    );
    assert!(e.contains("for physiotherapists"), "{e}");
    let e = app.err(
        "cancel_appointment",
        json!({"appointmentId": next, "reason": null}),
    );
    assert!(e.contains("for physiotherapists"), "{e}");
}
