//! Outcome questionnaires through the desktop commands on Tauri's mock runtime, over a real
//! SQLite file: a clinician sets a roster patient's plan and enters their ODI (scored, kept,
//! queued for sync, the intake completed; refused while the idle lock is on), and a patient's
//! device fills in its own NPRS once it knows its patient, with a clear error before.

use chrono::Utc;
use physalign_store::sync_state::{RemoteRecord, RemoteRecordKind};
use physalign_store::{CarePatient, OutboxEntityKind, Store};
use physalign_workspace::lock::LockSecrets;
use serde_json::json;
use uuid::Uuid;

mod common;
use common::app;

#[test]
fn the_form_lists_every_item_with_its_answers() {
    let app = app();
    let odi = app.ok("outcome_form", json!({"instrument": "odi"}));
    assert_eq!(odi["instrument"], "odi");
    assert_eq!(odi["items"].as_array().unwrap().len(), 10);
    assert_eq!(odi["items"][0]["options"].as_array().unwrap().len(), 6);
    assert_eq!(odi["items"][0]["options"][0]["value"], 0);
    assert_eq!(odi["names_activities"], false);
    let psfs = app.ok("outcome_form", json!({"instrument": "psfs"}));
    assert_eq!(psfs["names_activities"], true);
    assert_eq!(psfs["items"].as_array().unwrap().len(), 5);
    let unknown = app.err("outcome_form", json!({"instrument": "sf36"}));
    assert!(unknown.contains("sf36"), "{unknown}");
}

#[test]
fn a_clinician_sets_the_plan_and_enters_an_odi_which_completes_the_intake() {
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
    let id = patient.patient_id;
    let today = Utc::now().date_naive();

    // Before anything: no plan, nothing due, and a clinician's device has no "own" patient.
    let empty = app.ok("outcome_overview", json!({"patientId": id}));
    assert!(empty["plan"].is_null());
    assert_eq!(empty["instruments"], json!([]));
    assert_eq!(empty["due"], json!([]));
    assert!(app
        .err("outcome_overview", json!({}))
        .contains("open a patient's chart"));
    assert!(app
        .err("outcome_overview", json!({"patientId": Uuid::new_v4()}))
        .contains("not on this device's roster"));

    let refused = app.err(
        "set_outcome_plan",
        json!({"patientId": id, "change": {"instruments": ["odi", "odi"],
            "started_on": today, "discharge_on": null}}),
    );
    assert!(refused.contains("listed twice"), "{refused}");
    let planned = app.ok(
        "set_outcome_plan",
        json!({"patientId": id, "change": {"instruments": ["odi", "nprs"],
            "started_on": today, "discharge_on": null}}),
    );
    assert_eq!(planned["plan"]["instruments"], json!(["odi", "nprs"]));
    let due: Vec<(&str, &str)> = planned["due"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["instrument"].as_str().unwrap(),
                d["occasion"]["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(due, [("odi", "intake"), ("nprs", "intake")]);

    // Too many sections left blank: the published rule refuses it and nothing is kept.
    let refused = app.err(
        "record_questionnaire",
        json!({"patientId": id, "answers": {"instrument": "odi",
            "answers": [2, 2, 2, 2, 2, 2, 2, null, null, null]}}),
    );
    assert!(refused.contains("only 7 of 10 items answered"), "{refused}");
    // One section skipped: 18 of 45 points.
    let saved = app.ok(
        "record_questionnaire",
        json!({"patientId": id, "answers": {"instrument": "odi",
            "answers": [2, 2, 2, 2, 2, 2, 2, 2, 2, null]}}),
    );
    assert_eq!(saved["instrument"], "odi");
    assert_eq!(saved["name"], "ODI");
    assert_eq!(saved["patient_id"], json!(id));
    assert!(
        (saved["score"].as_f64().unwrap() - 40.0).abs() < 1e-9,
        "{saved}"
    );
    assert_eq!(saved["max"], 100.0);
    assert_eq!(saved["respondent"], "clinician");

    let overview = app.ok("outcome_overview", json!({"patientId": id}));
    assert_eq!(overview["today"], json!(today));
    let odi = &overview["instruments"][0];
    assert_eq!(odi["instrument"], "odi");
    assert_eq!(odi["planned"], true);
    assert_eq!(odi["points"].as_array().unwrap().len(), 1);
    assert_eq!(odi["points"][0]["id"], saved["id"]);
    assert_eq!(odi["points"][0]["respondent"], "clinician");
    assert_eq!(odi["trend"]["points"], 1);
    assert_eq!(
        odi["trend"]["first"]["value"],
        odi["trend"]["latest"]["value"]
    );
    assert_eq!(odi["trend"]["change"]["class"], "unchanged");
    assert_eq!(odi["latest_band"], "moderate");
    assert_eq!(odi["schedule"]["occasions"][0]["kind"], "intake");
    assert_eq!(odi["schedule"]["occasions"][0]["status"], "completed");
    assert_eq!(
        odi["schedule"]["occasions"][0]["completed_on"],
        json!(today)
    );
    let nprs = &overview["instruments"][1];
    assert_eq!(nprs["instrument"], "nprs");
    assert_eq!(nprs["points"], json!([]));
    assert!(nprs["trend"].is_null());
    // Only the NPRS intake is still due.
    assert_eq!(overview["due"].as_array().unwrap().len(), 1);
    assert_eq!(overview["due"][0]["instrument"], "nprs");

    // Both wait in the outbox as the clinician's own.
    let kinds: Vec<OutboxEntityKind> = store
        .export_outbox_of(Some(user))
        .unwrap()
        .iter()
        .map(|e| e.entity_type)
        .collect();
    assert!(kinds.contains(&OutboxEntityKind::OutcomePlan), "{kinds:?}");
    assert!(
        kinds.contains(&OutboxEntityKind::OutcomeResponse),
        "{kinds:?}"
    );

    // The idle lock holds the questionnaires too.
    LockSecrets::new(&app.lock).set_pin(user, "4826").unwrap();
    app.ok("lock_now", json!({}));
    for (cmd, body) in [
        ("outcome_overview", json!({"patientId": id})),
        (
            "record_questionnaire",
            json!({"patientId": id, "answers": {"instrument": "nprs", "answers": [5]}}),
        ),
        (
            "set_outcome_plan",
            json!({"patientId": id, "change": {"instruments": ["nprs"],
                "started_on": today, "discharge_on": null}}),
        ),
    ] {
        let e = app.err(cmd, body);
        assert!(e.contains("locked"), "{cmd}: {e}");
    }
    app.ok(
        "unlock",
        json!({"unlock": {"kind": "pin", "secret": "4826"}}),
    );
    app.ok(
        "record_questionnaire",
        json!({"patientId": id, "answers": {"instrument": "nprs", "answers": [5]}}),
    );
}

#[test]
fn a_patients_device_fills_in_its_own_nprs_once_it_knows_its_patient() {
    let app = app();
    app.sign_in_as("patient");
    let nprs = json!({"answers": {"instrument": "nprs", "answers": [6]}});

    // Before the first sync the device does not know whose it is.
    let e = app.err("outcome_overview", json!({}));
    assert!(e.contains("sign in and sync once"), "{e}");
    let e = app.err("record_questionnaire", nprs.clone());
    assert!(e.contains("sign in and sync once"), "{e}");
    // The clinician's views stay refused.
    let e = app.err("outcome_overview", json!({"patientId": Uuid::new_v4()}));
    assert!(e.contains("for physiotherapists"), "{e}");

    let own = Uuid::new_v4();
    Store::open(&app.db)
        .unwrap()
        .upsert_remote_record(&RemoteRecord {
            kind: RemoteRecordKind::PatientProfile,
            id: own.to_string(),
            version: Some(1),
            updated_at: None,
            record: json!({"id": own, "first_name": "Ada", "last_name": "Lovelace"}),
        })
        .unwrap();

    let saved = app.ok("record_questionnaire", nprs);
    assert_eq!(saved["patient_id"], json!(own));
    assert_eq!(saved["score"], 6.0);
    assert_eq!(saved["max"], 10.0);
    assert_eq!(saved["respondent"], "patient");
    let e = app.err(
        "record_questionnaire",
        json!({"patientId": Uuid::new_v4(), "answers": {"instrument": "nprs", "answers": [6]}}),
    );
    assert!(e.contains("their own questionnaires only"), "{e}");
    let e = app.err(
        "record_questionnaire",
        json!({"answers": {"instrument": "nprs", "answers": [11]}}),
    );
    assert!(e.contains("allowed answers are 0 to 10"), "{e}");

    let overview = app.ok("outcome_overview", json!({}));
    assert_eq!(overview["patient_id"], json!(own));
    assert!(overview["plan"].is_null());
    assert_eq!(overview["due"], json!([]));
    assert_eq!(overview["instruments"][0]["instrument"], "nprs");
    assert_eq!(overview["instruments"][0]["planned"], false);
    assert_eq!(
        overview["instruments"][0]["points"][0]["respondent"],
        "patient"
    );
    assert_eq!(overview["instruments"][0]["points"][0]["score"], 6.0);
}
