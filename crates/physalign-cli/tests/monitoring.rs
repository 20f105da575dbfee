//! `physalign monitoring` on a clinician's database built through the store's public API: four
//! roster patients with home sessions (pulled, as sync leaves them) on chosen days, a session
//! recorded here in clinic, appointments completed, missed and cancelled (as the server sends
//! them), and reviews written through `physalign review --minutes N`. The figures printed, for
//! the practice and for one patient, must be these days, minutes and contacts, at the
//! thresholds' boundaries (1, 2, 15, 16 days; 9, 10, 19, 20 minutes).

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use physalign_store::{
    Appointment, AppointmentKind, AppointmentStatus, CarePatient, NewSession, PulledSession,
    RecordOrigin, SessionCompletion, SessionStatus, Store,
};
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Output};
use uuid::Uuid;

fn physalign(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physalign"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run physalign")
}

fn stdout_of(db: &Path, args: &[&str]) -> String {
    let out = physalign(db, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json_of(db: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&stdout_of(db, args)).expect("JSON on stdout")
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// 10:00 UTC, `days` days before today.
fn days_ago(days: i64) -> DateTime<Utc> {
    Utc.from_utc_datetime(
        &(today() - Duration::days(days))
            .and_hms_opt(10, 0, 0)
            .unwrap(),
    )
}

fn patient(first: &str, last: &str) -> CarePatient {
    CarePatient {
        patient_id: Uuid::new_v4(),
        first_name: first.into(),
        last_name: last.into(),
        email: None,
    }
}

/// A home session of `patient`, pulled from the server; ended unless `recording`.
fn home_session(store: &Store, patient: Uuid, started: DateTime<Utc>, recording: bool) -> Uuid {
    let id = Uuid::new_v4();
    store
        .upsert_pulled_session(&PulledSession {
            id,
            patient_id: Some(patient),
            exercise_id: "squat".into(),
            status: if recording {
                SessionStatus::Recording
            } else {
                SessionStatus::ReviewPending
            },
            started_at: started,
            ended_at: (!recording).then(|| started + Duration::seconds(90)),
            duration_seconds: Some(90.0),
            program_item_id: None,
            summary_statistics: None,
            version: 1,
            updated_at: started,
        })
        .unwrap();
    id
}

/// A session of `patient` recorded on this device, in clinic.
fn clinic_session(store: &Store, patient: Uuid, started: DateTime<Utc>) {
    let id = store
        .create_session(&NewSession {
            id: Uuid::new_v4(),
            patient_id: Some(patient),
            exercise_id: "squat".into(),
            source: "camera:0".into(),
            started_at: started,
        })
        .unwrap();
    store
        .complete_session(
            id,
            &SessionCompletion {
                ended_at: started + Duration::seconds(60),
                duration_seconds: 60.0,
                repetitions: vec![],
                form_issues: vec![],
                summary_statistics: json!({}),
                pose_data: json!({}),
                report: json!({}),
            },
        )
        .unwrap();
}

fn appointment(patient: Uuid, start: DateTime<Utc>, status: AppointmentStatus) -> Appointment {
    Appointment {
        id: Uuid::new_v4(),
        patient_id: patient,
        therapist_id: None,
        client_name: None,
        local_start: start.naive_utc(),
        time_zone: "UTC".into(),
        start_at: start,
        duration_minutes: 30,
        kind: AppointmentKind::FollowUp,
        notes: None,
        status,
        series_id: None,
        provisional: false,
        preparation: None,
        no_show: None,
        cancel_reason: None,
        session_id: None,
        version: 1,
        origin: RecordOrigin::Pulled,
        updated_at: start,
    }
}

fn review(db: &Path, session: Uuid, minutes: u32) {
    let out = json_of(
        db,
        &[
            "review",
            &session.to_string(),
            "--assessment",
            "GOOD",
            "--notes",
            "steady",
            "--minutes",
            &minutes.to_string(),
            "--json",
        ],
    );
    assert_eq!(out["minutes_spent"], minutes);
}

fn row<'a>(practice: &'a Value, who: &CarePatient) -> &'a Value {
    practice["patients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["patient_id"] == who.patient_id.to_string())
        .unwrap_or_else(|| panic!("{} listed", who.last_name))
}

fn figures(p: &Value) -> (u64, &str, u64, &str, u64, Vec<&str>) {
    (
        p["days_with_data"].as_u64().unwrap(),
        p["data_days"].as_str().unwrap(),
        p["review_minutes"].as_u64().unwrap(),
        p["review_time"].as_str().unwrap(),
        p["interactive_contacts"].as_u64().unwrap(),
        p["readiness"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect(),
    )
}

#[test]
fn monitoring_lists_days_minutes_and_contacts_per_roster_patient() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clinic.sqlite");
    let (ada, grace, alan, edsger) = (
        patient("Ada", "Lovelace"),
        patient("Grace", "Hopper"),
        patient("Alan", "Turing"),
        patient("Edsger", "Dijkstra"),
    );
    let (ada_session, grace_session, alan_session, edsger_session);
    {
        let store = Store::open(&db).unwrap();
        let roster: Vec<_> = [&ada, &grace, &alan, &edsger]
            .iter()
            .map(|p| ((*p).clone(), json!({"patient_id": p.patient_id})))
            .collect();
        store.replace_care_patients(&roster).unwrap();

        // Ada: 16 days (today and the 15 before; two sessions on one of them), plus what does
        // not count: a day before the period, a session still recording, one in clinic.
        let ada_days: Vec<Uuid> = (0..16)
            .map(|d| home_session(&store, ada.patient_id, days_ago(d), false))
            .collect();
        home_session(
            &store,
            ada.patient_id,
            days_ago(3) + Duration::hours(8),
            false,
        );
        home_session(&store, ada.patient_id, days_ago(30), false);
        home_session(&store, ada.patient_id, days_ago(20), true);
        clinic_session(&store, ada.patient_id, days_ago(21));
        ada_session = ada_days[0];

        // Grace: 15 days; Alan: 2 (the first and the last day of the period); Edsger: 1.
        grace_session = (0..15)
            .map(|d| home_session(&store, grace.patient_id, days_ago(d), false))
            .last()
            .unwrap();
        alan_session = home_session(&store, alan.patient_id, days_ago(29), false);
        home_session(&store, alan.patient_id, days_ago(0), false);
        edsger_session = home_session(&store, edsger.patient_id, days_ago(5), false);

        // Contacts: completed appointments count; no-show, cancelled and scheduled do not, nor
        // one completed before the period.
        let pulled = [
            appointment(ada.patient_id, days_ago(5), AppointmentStatus::Completed),
            appointment(grace.patient_id, days_ago(4), AppointmentStatus::NoShow),
            appointment(grace.patient_id, days_ago(6), AppointmentStatus::Cancelled),
            appointment(alan.patient_id, days_ago(2), AppointmentStatus::Completed),
            appointment(alan.patient_id, days_ago(12), AppointmentStatus::Completed),
            appointment(alan.patient_id, days_ago(31), AppointmentStatus::Completed),
            appointment(edsger.patient_id, days_ago(1), AppointmentStatus::Scheduled),
        ];
        store
            .replace_pulled_appointments(days_ago(60), days_ago(-2), &pulled)
            .unwrap();
    }

    // Review time, written today: Ada 12 + 8 = 20, Grace 9, Alan 10, Edsger 19 (no contact).
    review(&db, ada_session, 12);
    review(&db, ada_session, 8);
    review(&db, grace_session, 9);
    review(&db, alan_session, 10);
    review(&db, edsger_session, 19);
    // A review without minutes adds no time.
    stdout_of(
        &db,
        &[
            "review",
            &grace_session.to_string(),
            "--assessment",
            "FAIR",
            "--notes",
            "no time given",
        ],
    );
    let refused = physalign(
        &db,
        &[
            "review",
            &grace_session.to_string(),
            "--assessment",
            "GOOD",
            "--notes",
            "x",
            "--minutes",
            "0",
        ],
    );
    assert!(!refused.status.success(), "0 minutes is refused");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("minutes spent"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let practice = json_of(&db, &["monitoring", "--json"]);
    let to = today();
    assert_eq!(practice["period"]["to"], to.to_string());
    assert_eq!(
        practice["period"]["from"],
        (to - Duration::days(29)).to_string()
    );
    let names: Vec<&str> = practice["patients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["last_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Dijkstra", "Hopper", "Lovelace", "Turing"],
        "by name"
    );

    let a = row(&practice, &ada);
    assert_eq!(
        figures(a),
        (
            16,
            "16_or_more",
            20,
            "20_or_more",
            1,
            vec!["device_data_16", "management_20", "interactive_contact"]
        )
    );
    assert_eq!(a["days_short"], Value::Null);
    assert_eq!(a["timed_reviews"], 2);
    assert_eq!(a["last_data_day"], to.to_string());
    assert_eq!(
        a["last_contact_at"]
            .as_str()
            .map(|t| t.parse::<DateTime<Utc>>().unwrap()),
        Some(days_ago(5))
    );

    let g = row(&practice, &grace);
    assert_eq!(
        figures(g),
        (15, "2_to_15", 9, "under_10", 0, vec!["device_data_2_to_15"])
    );
    assert_eq!(
        (g["days_short"].as_u64(), g["minutes_short"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(g["last_contact_at"], Value::Null);

    let t = row(&practice, &alan);
    assert_eq!(
        figures(t),
        (
            2,
            "2_to_15",
            10,
            "10_to_19",
            2,
            vec![
                "device_data_2_to_15",
                "management_10",
                "interactive_contact"
            ]
        )
    );
    assert_eq!(t["minutes_short"], 10);
    assert_eq!(
        t["last_contact_at"]
            .as_str()
            .map(|t| t.parse::<DateTime<Utc>>().unwrap()),
        Some(days_ago(2))
    );

    let e = row(&practice, &edsger);
    assert_eq!(figures(e), (1, "under_2", 19, "10_to_19", 0, vec![]));
    assert_eq!(e["days_short"], 1);

    assert_eq!(
        practice["totals"],
        json!({"patients": 4, "device_data_16": 1, "device_data_2_to_15": 2,
               "management_20": 1, "management_10": 1, "interactive_contact": 2})
    );

    // One patient: the same figures.
    let one = json_of(
        &db,
        &[
            "monitoring",
            "--patient",
            &ada.patient_id.to_string(),
            "--json",
        ],
    );
    assert_eq!(&one, a);

    // An earlier period: 30 days ending ten days ago holds Ada's days 10 to 15 and the day 30
    // days ago, but neither today's review time nor the appointment five days ago.
    let earlier = (to - Duration::days(10)).to_string();
    let before = json_of(
        &db,
        &[
            "monitoring",
            "--patient",
            &ada.patient_id.to_string(),
            "--to",
            &earlier,
            "--json",
        ],
    );
    assert_eq!(
        figures(&before),
        (7, "2_to_15", 0, "under_10", 0, vec!["device_data_2_to_15"])
    );

    // The text form says the same.
    let text = stdout_of(&db, &["monitoring"]);
    assert!(
        text.contains("4 patients; device data 16+ 1, 2-15 2"),
        "{text}"
    );
    assert!(text.contains("Lovelace, Ada"), "{text}");
    assert!(text.contains("16 days (16+)"), "{text}");
    assert!(text.contains("20 min in 2 reviews (20+)"), "{text}");
    assert!(text.contains("15 days (2-15, 1 more for 16)"), "{text}");

    // Someone not on the roster is refused by name.
    let stranger = physalign(
        &db,
        &["monitoring", "--patient", &Uuid::new_v4().to_string()],
    );
    assert!(!stranger.status.success());
    assert!(String::from_utf8_lossy(&stranger.stderr).contains("not on this device's roster"));
}
