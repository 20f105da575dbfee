//! `physalign outcome score` through the binary, on hand-worked examples: the command-line
//! contract `{"measure","score","max","interpretation"}` and the measures' missing-item rules.

use std::process::{Command, Output};

fn outcome(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physalign"))
        .args(["outcome", "score"])
        .args(args)
        .output()
        .expect("run physalign")
}

fn scored(measure: &str, answers: &str) -> serde_json::Value {
    let out = outcome(&[measure, "--answers", answers, "--json"]);
    assert!(
        out.status.success(),
        "{measure} {answers}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON answer")
}

fn refused(measure: &str, answers: &str) -> String {
    let out = outcome(&[measure, "--answers", answers, "--json"]);
    assert!(!out.status.success(), "{measure} {answers} was scored");
    assert!(out.stdout.is_empty());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_json_answer_has_the_contracted_fields_only() {
    let odi = scored("ODI", "1,2,3,2,1,0,4,2,1,3");
    let keys: Vec<&str> = odi
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "{odi}");
    for key in ["measure", "score", "max", "interpretation"] {
        assert!(keys.contains(&key), "{odi}");
    }
    assert_eq!(odi["measure"], "ODI");
    // 19 of 50 points: 38 %, the moderate band (21-40 %).
    assert_eq!(odi["score"], 38.0);
    assert_eq!(odi["max"], 100.0);
    assert!(
        odi["interpretation"]
            .as_str()
            .unwrap()
            .contains("moderate disability"),
        "{odi}"
    );
}

#[test]
fn hand_worked_scores() {
    // ODI with section 3 unanswered: 16 of 45 points.
    assert_eq!(scored("odi", "1,2,,2,1,0,4,2,1,3")["score"], 35.556);
    // KOOS JR: every item "mild" (raw 7) is 68.284 on the interval table.
    let koos = scored("KOOS_JR", "1,1,1,1,1,1,1");
    assert_eq!(koos["measure"], "KOOS_JR");
    assert_eq!(koos["score"], 68.284);
    // HOOS JR: no difficulty anywhere is perfect hip health.
    assert_eq!(scored("HOOS_JR", "0,0,0,0,0,0")["score"], 100.0);
    // QuickDASH: all "moderate difficulty" (3) is (3 - 1) x 25; one blank item still scores.
    assert_eq!(scored("QUICKDASH", "3,3,3,3,3,3,3,3,3,3,3")["score"], 50.0);
    assert_eq!(scored("QUICKDASH", "3,3,3,3,,3,3,3,3,3,3")["score"], 50.0);
    // NDI: 10 of 50 points is 20 %, mild (5-14 of 50).
    let ndi = scored("NDI", "1,1,1,1,1,1,1,1,1,1");
    assert_eq!(ndi["score"], 20.0);
    assert!(ndi["interpretation"].as_str().unwrap().contains("mild"));
    // PSFS: the mean of the rated activities; NPRS: the rating itself.
    assert_eq!(scored("PSFS", "4,6,8")["score"], 6.0);
    assert_eq!(scored("NPRS", "7")["score"], 7.0);
}

#[test]
fn too_many_missing_items_and_bad_answers_are_clear_errors() {
    let odi = refused("ODI", "1,2,,,,0,4,2,1,3");
    assert!(odi.contains("at most 2 of the 10 sections"), "{odi}");
    let quickdash = refused("QUICKDASH", "3,3,,3,,3,3,3,3,3,3");
    assert!(quickdash.contains("at least 10 of the 11"), "{quickdash}");
    let koos = refused("KOOS_JR", "1,1,1,1,1,1,");
    assert!(koos.contains("every item"), "{koos}");
    let range = refused("KOOS_JR", "1,1,1,9,1,1,1");
    assert!(range.contains('9'), "{range}");
    let word = refused("NPRS", "seven");
    assert!(word.contains("not a whole number"), "{word}");
    let unknown = refused("WOMAC", "1");
    assert!(unknown.contains("unknown measure"), "{unknown}");
}

/// `physalign` on a database, with its output.
fn on_db(db: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physalign"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run physalign")
}

fn ok_json(db: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = on_db(db, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON answer")
}

fn signed_in(store: &physalign_store::Store, role: &str) -> uuid::Uuid {
    let user = uuid::Uuid::new_v4();
    store
        .set_sync_identity(&physalign_store::sync_state::SyncIdentity {
            server_url: "https://clinic.example".into(),
            email: format!("{role}@clinic.example"),
            user_id: Some(user),
            role: Some(role.into()),
            logged_in_at: chrono::Utc::now(),
            login_required_reason: None,
        })
        .unwrap();
    user
}

#[test]
fn a_clinician_plans_and_enters_questionnaires_and_the_chart_shows_schedule_and_trend() {
    use physalign_store::{CarePatient, Store};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clinic.sqlite");
    let patient = uuid::Uuid::new_v4();
    let someone_else = uuid::Uuid::new_v4().to_string();
    {
        let store = Store::open(&db).unwrap();
        signed_in(&store, "physiotherapist");
        store
            .replace_care_patients(&[(
                CarePatient {
                    patient_id: patient,
                    first_name: "Ada".into(),
                    last_name: "Lovelace".into(),
                    email: None,
                },
                serde_json::json!({"patient_id": patient}),
            )])
            .unwrap();
    }
    let id = patient.to_string();
    let today = chrono::Utc::now().date_naive();
    let start = (today - chrono::Duration::days(2)).to_string();

    let planned = on_db(
        &db,
        &[
            "outcome",
            "plan",
            "--patient",
            &id,
            "--measures",
            "ODI,NPRS",
            "--start",
            &start,
        ],
    );
    assert!(
        planned.status.success(),
        "{}",
        String::from_utf8_lossy(&planned.stderr)
    );
    assert!(String::from_utf8_lossy(&planned.stdout).contains("ODI, NPRS"));

    // An intake ODI entered in clinic: 38 % (19 of 50), kept with this device's score.
    let kept = ok_json(
        &db,
        &[
            "outcome",
            "record",
            "ODI",
            "--answers",
            "1,2,3,2,1,0,4,2,1,3",
            "--patient",
            &id,
            "--json",
        ],
    );
    assert_eq!(kept["score"], 38.0);
    assert_eq!(kept["patient_id"], id.as_str());
    // Someone not on the roster, and answers the rules refuse, are refused and keep nothing.
    assert!(!on_db(
        &db,
        &[
            "outcome",
            "record",
            "NPRS",
            "--answers",
            "5",
            "--patient",
            &someone_else
        ]
    )
    .status
    .success());
    let sparse = on_db(
        &db,
        &[
            "outcome",
            "record",
            "ODI",
            "--answers",
            "1,,,,1,1,1,1,1,1",
            "--patient",
            &id,
        ],
    );
    assert!(String::from_utf8_lossy(&sparse.stderr).contains("at most 2"));

    let chart = ok_json(&db, &["outcome", "chart", "--patient", &id, "--json"]);
    let instruments = chart["instruments"].as_array().unwrap();
    assert_eq!(instruments.len(), 2, "{chart}");
    let odi = &instruments[0];
    assert_eq!(odi["instrument"], "odi");
    assert_eq!(odi["points"].as_array().unwrap().len(), 1);
    assert_eq!(odi["points"][0]["respondent"], "clinician");
    assert_eq!(odi["trend"]["latest"]["value"], 38.0);
    assert_eq!(odi["schedule"]["occasions"][0]["kind"], "intake");
    assert_eq!(odi["schedule"]["occasions"][0]["status"], "completed");
    // The NPRS intake (two days ago) is still to do: due, not yet overdue.
    let due = chart["due"].as_array().unwrap();
    assert_eq!(due.len(), 1, "{chart}");
    assert_eq!(due[0]["instrument"], "nprs");
    assert_eq!(due[0]["occasion"]["kind"], "intake");
    assert_eq!(due[0]["occasion"]["status"], "due");
    let words = on_db(&db, &["outcome", "chart", "--patient", &id]);
    let words = String::from_utf8_lossy(&words.stdout);
    assert!(words.contains("Due: NPRS (intake, due"), "{words}");
    assert!(words.contains("ODI (planned): 38 on"), "{words}");

    // A plan that ends before it starts is refused.
    let backwards = on_db(
        &db,
        &[
            "outcome",
            "plan",
            "--patient",
            &id,
            "--measures",
            "ODI",
            "--start",
            &start,
            "--discharge",
            "2020-01-01",
        ],
    );
    assert!(!backwards.status.success());
}

#[test]
fn a_patient_fills_in_their_own_questionnaire_once_the_device_knows_them() {
    use physalign_store::sync_state::{RemoteRecord, RemoteRecordKind};
    use physalign_store::Store;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("home.sqlite");
    {
        let store = Store::open(&db).unwrap();
        signed_in(&store, "patient");
    }
    let before = on_db(&db, &["outcome", "record", "NPRS", "--answers", "6"]);
    assert!(!before.status.success());
    assert!(String::from_utf8_lossy(&before.stderr).contains("sync once"));

    let me = uuid::Uuid::new_v4();
    {
        let store = Store::open(&db).unwrap();
        store
            .upsert_remote_record(&RemoteRecord {
                kind: RemoteRecordKind::PatientProfile,
                id: me.to_string(),
                version: Some(1),
                updated_at: None,
                record: serde_json::json!({"id": me, "first_name": "Grace"}),
            })
            .unwrap();
    }
    let kept = ok_json(
        &db,
        &[
            "outcome",
            "record",
            "PSFS",
            "--answers",
            "3,5,4",
            "--activities",
            "stairs|kneeling|running",
            "--json",
        ],
    );
    assert_eq!(kept["score"], 4.0);
    assert_eq!(kept["patient_id"], me.to_string());
    // Another patient's questionnaire cannot be filled in on this device.
    let other = uuid::Uuid::new_v4().to_string();
    assert!(!on_db(
        &db,
        &[
            "outcome",
            "record",
            "NPRS",
            "--answers",
            "6",
            "--patient",
            &other
        ]
    )
    .status
    .success());

    let chart = ok_json(&db, &["outcome", "chart", "--json"]);
    assert_eq!(chart["patient_id"], me.to_string());
    assert_eq!(
        chart["instruments"][0]["points"][0]["activities"][2],
        "running"
    );
    assert_eq!(
        chart["instruments"][0]["points"][0]["respondent"],
        "patient"
    );
    assert!(chart["plan"].is_null());
    // The questionnaire waits in the outbox for the next sync.
    let store = Store::open(&db).unwrap();
    let id = uuid::Uuid::parse_str(kept["id"].as_str().unwrap()).unwrap();
    assert_eq!(store.outbox_entries(id).unwrap().len(), 1);
}
