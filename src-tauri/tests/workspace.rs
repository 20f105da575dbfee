//! The therapist's workspace through the desktop commands on Tauri's mock runtime, over a real
//! SQLite file: refused by the engine to a device with nobody or a patient signed in; for a
//! clinician the start of the day, chart, replay, comparison, review and prescription, each
//! queued for sync under the clinician's own account; and refused again while the idle lock is
//! on, until the PIN or password opens it.

use chrono::{Duration, Utc};
use physalign_domain::{Landmark, LandmarkType};
use physalign_store::{
    CarePatient, ClinicalAlert, FrameRecord, OutboxEntityKind, PulledSession, RepetitionRecord,
    SessionStatus, Store,
};
use physalign_workspace::lock::LockSecrets;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use uuid::Uuid;

mod common;
use common::app;

/// A pulled home session of `patient` with stored frames (the knee bending to `low` and back)
/// and two repetitions of the given ranges.
fn pulled_session(store: &Store, patient: Uuid, days_ago: i64, low: f32, roms: [f32; 2]) -> Uuid {
    let id = Uuid::new_v4();
    let started = Utc::now() - Duration::days(days_ago);
    store
        .upsert_pulled_session(&PulledSession {
            id,
            patient_id: Some(patient),
            exercise_id: "squat".into(),
            status: SessionStatus::ReviewPending,
            started_at: started,
            ended_at: Some(started + Duration::seconds(4)),
            duration_seconds: Some(4.0),
            program_item_id: None,
            summary_statistics: None,
            version: 1,
            updated_at: started,
        })
        .unwrap();
    let frames: Vec<FrameRecord> = (0..120)
        .map(|n| {
            let phase = (n as f32 / 60.0 * std::f32::consts::PI).cos();
            let knee = low + (170.0 - low) * (phase + 1.0) / 2.0;
            FrameRecord {
                frame_number: n,
                timestamp_ms: n * 33,
                landmarks: vec![],
                world_landmarks: vec![],
                angles: BTreeMap::from([
                    ("knee_left".to_string(), knee),
                    ("knee_right".to_string(), knee),
                ]),
                quality_score: 0.9,
                form_issues: vec![],
            }
        })
        .collect();
    store.store_pulled_frames(id, &frames).unwrap();
    let reps: Vec<RepetitionRecord> = roms
        .iter()
        .enumerate()
        .map(|(i, rom)| RepetitionRecord {
            index: i as u32,
            start_ms: i as i64 * 2000,
            end_ms: i as i64 * 2000 + 1900,
            min_angle: 170.0 - rom,
            max_angle: 170.0,
            eccentric_ms: 900,
            concentric_ms: 900,
            symmetry: None,
            partial: false,
            form_issues: vec![],
            confidence: Some(0.9),
            side: None,
        })
        .collect();
    store.replace_pulled_analysis(id, &reps, &[]).unwrap();
    store
        .store_pulled_transcript(
            id,
            Some("Going down now. My knee hurts, six out of ten."),
            Some(&json!({"pain_reports": [{"score": 6.0, "quote": "My knee hurts, six out of ten.", "denied": false}]})),
        )
        .unwrap();
    id
}

#[test]
fn the_workspace_is_refused_to_nobody_and_to_a_patient_by_the_engine() {
    let app = app();
    let access = app.ok("workspace_access", json!({}));
    assert!(access["clinician"].is_null());
    assert!(app
        .err("workspace_today", json!({}))
        .contains("sign in as a physiotherapist"));

    app.sign_in_as("patient");
    let access = app.ok("workspace_access", json!({}));
    assert!(access["clinician"].is_null());
    assert!(access["refused"].as_str().unwrap().contains("patient"));
    for (cmd, body) in [
        ("workspace_today", json!({})),
        ("workspace_roster", json!({})),
        ("workspace_chart", json!({"patientId": Uuid::new_v4()})),
        ("workspace_monitoring", json!({})),
        ("workspace_replay", json!({"sessionId": Uuid::new_v4()})),
        ("acknowledge_alert", json!({"alertId": Uuid::new_v4()})),
        ("end_item", json!({"itemId": Uuid::new_v4()})),
        ("lock_status", json!({})),
    ] {
        let e = app.err(cmd, body);
        assert!(
            e.contains("for physiotherapists") && e.contains("patient"),
            "{cmd}: {e}"
        );
    }
}

#[test]
fn a_clinician_reviews_compares_and_prescribes_offline_until_the_lock_closes() {
    let app = app();
    let user = app.sign_in_as("physiotherapist");
    let store = Store::open(&app.db).unwrap();
    let patient = CarePatient {
        patient_id: Uuid::new_v4(),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: Some("ada@example.org".into()),
    };
    store
        .replace_care_patients(&[(patient.clone(), json!({"patient_id": patient.patient_id}))])
        .unwrap();
    let older = pulled_session(&store, patient.patient_id, 3, 100.0, [60.0, 64.0]);
    let newer = pulled_session(&store, patient.patient_id, 1, 80.0, [85.0, 91.0]);
    let alert = ClinicalAlert {
        id: Uuid::new_v4(),
        patient_id: Some(patient.patient_id),
        session_id: Some(newer),
        kind: "crisis".into(),
        message: "crisis language in the session".into(),
        created_at: Utc::now() - Duration::hours(2),
        acknowledged_at: None,
    };
    store
        .replace_alerts(&[(alert.clone(), json!({"id": alert.id}))])
        .unwrap();

    let day = app.ok("workspace_today", json!({}));
    assert_eq!(day["alerts"][0]["kind"], "crisis");
    assert_eq!(day["alerts"][0]["session_id"], json!(newer));
    let queue: Vec<&Value> = day["review_queue"].as_array().unwrap().iter().collect();
    assert_eq!(queue.len(), 2);
    assert_eq!(queue[0]["session_id"], json!(older), "oldest first");
    assert_eq!(day["patients"][0]["first_name"], "Ada");

    let roster = app.ok("workspace_roster", json!({"search": "love"}));
    assert_eq!(roster.as_array().unwrap().len(), 1);
    assert!(app
        .ok("workspace_roster", json!({"search": "grace"}))
        .as_array()
        .unwrap()
        .is_empty());

    let replay = app.ok("workspace_replay", json!({"sessionId": newer}));
    assert_eq!(replay["frames"].as_array().unwrap().len(), 120);
    assert_eq!(replay["angle"], "knee");
    let fps = replay["fps"].as_f64().unwrap();
    assert!((fps - 30.3).abs() < 0.5, "the recording's own rate: {fps}");
    assert!(replay["frames"][60]["angle"].as_f64().unwrap() < 90.0);
    let pain_lines: Vec<&Value> = replay["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| !l["pain"].is_null())
        .collect();
    assert_eq!(pain_lines.len(), 1);
    assert_eq!(pain_lines[0]["text"], "My knee hurts, six out of ten.");

    // Given in either order, the earlier comes first.
    let cmp = app.ok(
        "workspace_compare",
        json!({"first": newer, "second": older}),
    );
    assert_eq!(cmp["earlier"]["session_id"], json!(older));
    assert_eq!(cmp["change"]["rom_deg"].as_f64().unwrap().round(), 26.0);
    assert!(cmp["summary"]
        .as_str()
        .unwrap()
        .starts_with("range of motion up 26°"));
    assert_eq!(
        cmp["earlier"]["curve"]["t_s"].as_array().unwrap().len(),
        120
    );

    assert_eq!(
        app.ok("acknowledge_alert", json!({"alertId": alert.id})),
        json!(true)
    );
    let review = app.ok(
        "write_review",
        json!({"draft": {"session_id": newer, "assessment": "NEEDS_IMPROVEMENT",
            "notes": "Deeper than last time; mind the knee.", "next_steps": "Three times a week",
            "form_feedback": [{"timestamp_ms": 1200, "issue": "Knees cave in", "recommendation": null}],
            "minutes_spent": 7}}),
    );
    assert_eq!(review["assessment"], "NEEDS_IMPROVEMENT");
    // The time spent counts towards the practice's remote-monitoring figures (two home days).
    let monitoring = app.ok("workspace_monitoring", json!({}));
    assert_eq!(monitoring["totals"]["patients"], 1);
    let ada = &monitoring["patients"][0];
    assert_eq!(ada["days_with_data"], 2);
    assert_eq!(ada["data_days"], "2_to_15");
    assert_eq!(ada["review_minutes"], 7);
    assert_eq!(ada["readiness"], json!(["device_data_2_to_15"]));
    let refused = app.err(
        "write_review",
        json!({"draft": {"session_id": older, "assessment": "GOOD", "notes": null,
            "next_steps": null, "form_feedback": [], "minutes_spent": 0}}),
    );
    assert!(refused.contains("minutes spent"), "{refused}");
    let item = app.ok(
        "prescribe_item",
        json!({"draft": {"patient_id": patient.patient_id, "exercise_id": "squat", "sets": 3,
            "reps": 8, "hold_seconds": null, "target_angle": 90.0, "tolerance": 10.0,
            "side": "both", "per_week": 3, "start_date": null, "end_date": null,
            "instructions": "Hold the rail"}}),
    );
    let refused = app.err(
        "prescribe_item",
        json!({"draft": {"patient_id": patient.patient_id, "exercise_id": "squat", "sets": 3,
            "reps": null, "hold_seconds": null, "target_angle": null, "tolerance": null,
            "side": null, "per_week": 3, "start_date": null, "end_date": null,
            "instructions": null}}),
    );
    assert!(refused.contains("repetitions"), "{refused}");
    let item_id = item["id"].as_str().unwrap().to_string();
    let edited = app.ok(
        "edit_item",
        json!({"itemId": item_id, "edit": {"sets": null, "reps": 12, "hold_seconds": null,
            "target_angle": null, "per_week": null, "end_date": null, "instructions": null}}),
    );
    assert_eq!(edited["reps"], 12);
    let chart = app.ok("workspace_chart", json!({"patientId": patient.patient_id}));
    assert_eq!(chart["chart"]["program"][0]["item"]["reps"], 12);
    assert_eq!(chart["monitoring"], monitoring["patients"][0]);
    let series = &chart["progress"][0];
    assert_eq!(series["joint"], "knee");
    assert_eq!(series["target"]["low"], 80.0);
    assert_eq!(series["points"].as_array().unwrap().len(), 2);

    // Every change waits in the outbox as the clinician's own.
    let queued = store.export_outbox_of(Some(user)).unwrap();
    let kinds: Vec<OutboxEntityKind> = queued.iter().map(|e| e.entity_type).collect();
    assert!(kinds.contains(&OutboxEntityKind::ClinicalAlert));
    assert!(kinds.contains(&OutboxEntityKind::Review));
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == OutboxEntityKind::ProgramItem)
            .count(),
        2,
        "the create and the edit"
    );

    // The lock: the views are refused until the PIN or the password opens it.
    let secrets = LockSecrets::new(&app.lock);
    secrets.set_pin(user, "4826").unwrap();
    secrets.remember_password(user, "Therapist-Pass-1").unwrap();
    let status = app.ok("lock_now", json!({}));
    assert_eq!(status["locked"], true);
    assert!(app.err("workspace_today", json!({})).contains("locked"));
    assert!(app
        .err("workspace_replay", json!({"sessionId": newer}))
        .contains("locked"));
    assert!(app
        .err(
            "unlock",
            json!({"unlock": {"kind": "pin", "secret": "1111"}})
        )
        .contains("wrong PIN"));
    app.ok(
        "unlock",
        json!({"unlock": {"kind": "pin", "secret": "4826"}}),
    );
    app.ok("workspace_today", json!({}));
    app.ok("lock_now", json!({}));
    app.ok(
        "unlock",
        json!({"unlock": {"kind": "password", "secret": "Therapist-Pass-1"}}),
    );
    let left = app.ok("lock_status", json!({}))["seconds_left"]
        .as_u64()
        .unwrap();
    assert!(
        (295..=300).contains(&left),
        "the idle time starts again: {left}"
    );
}

/// A person filmed side-on holding both knees at `knee_deg` (thigh level, shank turned by the
/// angle), the body flat across a 16:9 picture so that the 3-D landmarks agree with it.
/// Positions are in picture heights; the picture's x is normalised to its width.
fn side_on_hold(knee_deg: f32, t_ms: i64) -> (Vec<Landmark>, Vec<Landmark>) {
    let bend = (180.0 - knee_deg).to_radians();
    let (kx, ky) = (1.15_f32, 0.6_f32);
    let ankle = (kx + 0.3 * bend.cos(), ky + 0.3 * bend.sin());
    // A few millimetres of sway, as a person holding still shows.
    let sway = (t_ms as f32 / 300.0).sin() * 0.002;
    let at = |kind: LandmarkType| -> (f32, f32) {
        match kind {
            LandmarkType::LeftShoulder | LandmarkType::RightShoulder => (0.85, 0.25),
            LandmarkType::LeftHip | LandmarkType::RightHip => (0.85, 0.6),
            LandmarkType::LeftKnee | LandmarkType::RightKnee => (kx, ky),
            LandmarkType::LeftAnkle | LandmarkType::RightAnkle => ankle,
            LandmarkType::LeftHeel | LandmarkType::RightHeel => (ankle.0 - 0.03, ankle.1 + 0.02),
            LandmarkType::LeftFootIndex | LandmarkType::RightFootIndex => {
                (ankle.0 + 0.08, ankle.1 + 0.02)
            }
            _ => (0.85, 0.15),
        }
    };
    let landmark = |kind, x, y| Landmark {
        kind,
        x,
        y,
        z: 0.0,
        visibility: 0.98,
        presence: 1.0,
    };
    let image = LandmarkType::ALL
        .iter()
        .map(|&kind| {
            let (x, y) = at(kind);
            landmark(kind, (x + sway) * 9.0 / 16.0, y)
        })
        .collect();
    let world = LandmarkType::ALL
        .iter()
        .map(|&kind| {
            let (x, y) = at(kind);
            landmark(kind, x - 0.85, y - 0.6)
        })
        .collect();
    (image, world)
}

#[test]
fn measurement_mode_reads_a_held_knee_and_saves_it_in_the_patients_chart() {
    let app = app();
    let user = app.sign_in_as("physiotherapist");
    let store = Store::open(&app.db).unwrap();
    let patient = Uuid::new_v4();
    let session = pulled_session(&store, patient, 0, 100.0, [60.0, 64.0]);
    // Replace the session's frames with two seconds of a knee held at 95 degrees.
    let hold = Uuid::new_v4();
    store
        .upsert_pulled_session(&PulledSession {
            id: hold,
            patient_id: Some(patient),
            exercise_id: "squat".into(),
            status: SessionStatus::ReviewPending,
            started_at: Utc::now(),
            ended_at: Some(Utc::now()),
            duration_seconds: Some(2.0),
            program_item_id: None,
            summary_statistics: None,
            version: 1,
            updated_at: Utc::now(),
        })
        .unwrap();
    let frames: Vec<FrameRecord> = (0..60)
        .map(|n| {
            let (landmarks, world_landmarks) = side_on_hold(95.0, n * 33);
            FrameRecord {
                frame_number: n,
                timestamp_ms: n * 33,
                landmarks,
                world_landmarks,
                angles: BTreeMap::new(),
                quality_score: 0.9,
                form_issues: vec![],
            }
        })
        .collect();
    store.store_pulled_frames(hold, &frames).unwrap();

    let reading = app.ok(
        "workspace_measure",
        json!({"sessionId": hold, "joint": "knee"}),
    );
    assert_eq!(reading["reading"]["view"], "side", "{reading:#}");
    for (side, verdict) in reading["reading"]["sides"]
        .as_array()
        .unwrap()
        .iter()
        .zip(reading["verdicts"].as_array().unwrap())
    {
        let angle = side["angle_deg"].as_f64().unwrap();
        assert!((angle - 95.0).abs() < 2.0, "{reading:#}");
        assert_eq!(verdict["reliable"], true, "{reading:#}");
    }
    // Nothing is kept until the clinician saves it.
    let none = app.ok("workspace_measurements", json!({"patientId": patient}));
    assert_eq!(none, json!([]));
    let saved = app.ok(
        "save_measurement",
        json!({"sessionId": hold, "joint": "knee"}),
    );
    let chart = app.ok("workspace_measurements", json!({"patientId": patient}));
    assert_eq!(chart.as_array().unwrap().len(), 1);
    assert_eq!(chart[0]["id"], saved["id"]);
    assert_eq!(chart[0]["session_id"], json!(hold));
    assert_eq!(
        chart[0]["measurement"], reading,
        "the chart keeps what was shown"
    );
    let record = &store.goniometer_readings(patient).unwrap()[0];
    assert_eq!(record.taken_by, Some(user));

    // A session in which the joint is never seen is not saved as a reading.
    let err = app.err(
        "save_measurement",
        json!({"sessionId": session, "joint": "knee"}),
    );
    assert!(err.contains("not seen on either side"), "{err}");
    // The lock closes measurement mode like every other workspace command.
    app.ok("lock_now", json!({}));
    let err = app.err(
        "workspace_measure",
        json!({"sessionId": hold, "joint": "knee"}),
    );
    assert!(err.contains("locked"), "{err}");
}

#[test]
fn a_session_recorded_in_clinic_is_the_chosen_patients_and_only_a_roster_patient_can_be_chosen() {
    let clip = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/samples/nowva_squats.mp4");
    let app = app();
    let request = |patient: Uuid| {
        json!({ "request": {
            "source": { "kind": "video_file", "path": clip, "real_time": false },
            "exercise_id": "squat",
            "patient_id": patient
        } })
    };
    let stranger = Uuid::new_v4();
    // A patient's device records only its own sessions.
    app.sign_in_as("patient");
    let err = app.err("start_recording", request(stranger));
    assert!(err.contains("workspace is for physiotherapists"), "{err}");

    app.sign_in_as("physiotherapist");
    let store = Store::open(&app.db).unwrap();
    let patient = CarePatient {
        patient_id: Uuid::new_v4(),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: None,
    };
    store
        .replace_care_patients(&[(patient.clone(), json!({"patient_id": patient.patient_id}))])
        .unwrap();
    let err = app.err("start_recording", request(stranger));
    assert!(err.contains("not on this device's roster"), "{err}");

    let id: Uuid =
        serde_json::from_value(app.ok("start_recording", request(patient.patient_id))).unwrap();
    app.ok("stop_recording", json!({}));
    let session = store
        .session_overview(id)
        .unwrap()
        .expect("the session is stored");
    assert_eq!(
        session.patient_id,
        Some(patient.patient_id),
        "the session is the patient's"
    );

    // The lock closes recording for a patient like every other workspace command.
    app.ok("lock_now", json!({}));
    let err = app.err("start_recording", request(patient.patient_id));
    assert!(err.contains("locked"), "{err}");
}
