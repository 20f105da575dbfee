//! `physalign export fhir|csv` through the built binary, on a real encrypted store: a clinician's
//! device with two patients (one session recorded from the committed squat sample by the real
//! pose model, others written through the store's API as sync and the recorder write them), and
//! a patient's own device.
//!
//! The Bundle is validated by an independent implementation of FHIR R4: the R4 (4.0.1) models of
//! PyPI fhir.resources, in the venv `tests/fhir/provision.sh` keeps (pinned), driven by
//! `tests/fhir/validate_bundle.py`. The CSV is parsed back and its numbers compared with the
//! stored measurements. Neither export may hold anything of the other patient.
//! Needs the provisioned pose models (tests/setup.sh) and python3.

use chrono::{Duration, TimeZone, Utc};
use physalign_domain::BodySide;
use physalign_store::sync_state::{RemoteRecord, RemoteRecordKind, SyncIdentity};
use physalign_store::{
    CarePatient, DatabaseKey, GoniometerRecord, NewSession, ProgramItem, ProgramItemStatus,
    PulledSession, RecordOrigin, RepetitionRecord, SessionCompletion, SessionReview, SessionStatus,
    Store,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use uuid::Uuid;

const PASSPHRASE: &str = "physalign-export-test";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn open(db: &Path) -> Store {
    Store::open_with_key(db, DatabaseKey::from_passphrase(PASSPHRASE).unwrap()).unwrap()
}

fn physalign(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physalign"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("PHYSALIGN_DB_PASSPHRASE", PASSPHRASE)
        .env("PHYSALIGN_NO_KEYRING", "1")
        .output()
        .expect("run physalign")
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = physalign(db, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The validator's python: the pinned venv, provisioned (idempotently) on first use.
fn validator_python() -> String {
    let out = Command::new("bash")
        .arg(repo().join("tests/fhir/provision.sh"))
        .output()
        .expect("run tests/fhir/provision.sh");
    assert!(
        out.status.success(),
        "provisioning the FHIR validator failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs the independent validator on `bundle`; `Ok(summary)` or `Err(errors)`.
fn validate(bundle: &Path) -> Result<Value, String> {
    let out = Command::new(validator_python())
        .arg(repo().join("tests/fhir/validate_bundle.py"))
        .arg(bundle)
        .output()
        .expect("run the validator");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("validator summary"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

fn has_code(concept: &Value, system: &str, code: &str) -> bool {
    concept["coding"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["system"] == system && c["code"] == code))
}

fn reps(roms: &[(f32, f32)], side: Option<BodySide>) -> Vec<RepetitionRecord> {
    roms.iter()
        .enumerate()
        .map(|(i, (min, max))| RepetitionRecord {
            index: i as u32,
            start_ms: i as i64 * 2000,
            end_ms: i as i64 * 2000 + 1500,
            min_angle: *min,
            max_angle: *max,
            eccentric_ms: 700,
            concentric_ms: 800,
            symmetry: None,
            partial: i == roms.len() - 1,
            form_issues: vec![],
            confidence: Some(0.9),
            side,
        })
        .collect()
}

/// A session pulled from the server, with repetitions, notes saying pain and a review.
fn pulled_session(
    store: &Store,
    patient: Uuid,
    roms: &[(f32, f32)],
    pain: f64,
    reviewer: Uuid,
) -> Uuid {
    let id = Uuid::new_v4();
    let started = Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap();
    store
        .upsert_pulled_session(&PulledSession {
            id,
            patient_id: Some(patient),
            exercise_id: "squat".into(),
            status: SessionStatus::Reviewed,
            started_at: started,
            ended_at: Some(started + Duration::seconds(60)),
            duration_seconds: Some(60.0),
            program_item_id: None,
            summary_statistics: None,
            version: 1,
            updated_at: started,
        })
        .unwrap();
    store
        .replace_pulled_analysis(id, &reps(roms, Some(BodySide::Left)), &[])
        .unwrap();
    let notes = json!({"pain_reports": [
        {"body_part": "knee", "laterality": "left", "score": pain, "approximate": false,
         "denied": false, "quote": "my left knee is a three"},
        {"body_part": "back", "score": 8.0, "approximate": false, "denied": true,
         "quote": "no back pain"}
    ]});
    store
        .store_pulled_transcript(id, Some("my left knee is a three"), Some(&notes))
        .unwrap();
    let review = SessionReview {
        id: Uuid::new_v4(),
        session_id: id,
        physiotherapist_id: Some(reviewer),
        assessment: "GOOD".into(),
        notes: Some("depth improving".into()),
        next_steps: Some(json!({"advice": "keep the knees over the toes"})),
        reviewed_at: started + Duration::hours(5),
        origin: RecordOrigin::Pulled,
    };
    store
        .upsert_pulled_review(&review, &json!({"id": review.id}))
        .unwrap();
    id
}

/// A wall sit recorded on this device: a timed hold, as the recorder completes it.
fn hold_session(store: &Store, patient: Option<Uuid>) -> Uuid {
    let started = Utc.with_ymd_and_hms(2026, 11, 22, 18, 0, 0).unwrap();
    let id = store
        .create_session(&NewSession {
            id: Uuid::new_v4(),
            patient_id: patient,
            exercise_id: "wall_sit".into(),
            source: "camera:0".into(),
            started_at: started,
        })
        .unwrap();
    store
        .complete_session(
            id,
            &SessionCompletion {
                ended_at: started + Duration::seconds(45),
                duration_seconds: 45.0,
                repetitions: vec![],
                form_issues: vec![],
                summary_statistics: json!({}),
                pose_data: json!({}),
                report: json!({"holds": [{
                    "start_ms": 2000, "end_ms": 34000, "time_in_range_s": 31.5,
                    "longest_stretch_s": 20.25, "target_s": 30.0, "achieved": true,
                    "breaks": [{"start_ms": 22000, "end_ms": 23000}]
                }]}),
            },
        )
        .unwrap();
    id
}

fn program_item(store: &Store, patient: Uuid, exercise: &str) -> Uuid {
    let at = Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap();
    let item = ProgramItem {
        id: Uuid::new_v4(),
        patient_id: patient,
        exercise_id: exercise.into(),
        sets: Some(3),
        reps: Some(10),
        hold_seconds: None,
        target_angle: Some(90.0),
        tolerance: Some(10.0),
        side: None,
        per_week: Some(3),
        start_date: Some(at.date_naive()),
        end_date: None,
        instructions: Some("Slowly, to a chair".into()),
        status: ProgramItemStatus::Active,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    store.upsert_pulled_program_item(&item).unwrap();
    item.id
}

/// A goniometer reading of a held knee saved in the chart (measurement mode): the left side read.
fn goniometer_reading(store: &Store, patient: Uuid, taken_by: Uuid, angle: f32) -> Uuid {
    let id = Uuid::new_v4();
    store
        .save_goniometer_reading(&GoniometerRecord {
            id,
            patient_id: patient,
            session_id: None,
            joint: "knee".into(),
            reading: json!({"joint": "knee", "sides": [
                {"side": "left", "angle_deg": angle, "confidence": 0.8, "held_s": 3.0,
                 "warnings": []},
                {"side": "right", "angle_deg": null, "confidence": 0.1, "held_s": 0.0,
                 "warnings": []}
            ]}),
            taken_by: Some(taken_by),
            taken_at: Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0).unwrap(),
        })
        .unwrap();
    id
}

/// Every stored repetition of `sessions`: (session, index) → (min, max).
fn stored_reps(store: &Store, sessions: &[Uuid]) -> BTreeMap<(String, u32), (f32, f32)> {
    let mut out = BTreeMap::new();
    for id in sessions {
        for rep in store.get_session(*id).unwrap().unwrap().repetitions {
            out.insert((id.to_string(), rep.index), (rep.min_angle, rep.max_angle));
        }
    }
    out
}

struct Clinic {
    _dir: tempfile::TempDir,
    db: PathBuf,
    out: PathBuf,
    ada: Uuid,
    alan: Uuid,
    clinician: Uuid,
    reviewer: Uuid,
    ada_sessions: Vec<Uuid>,
    alan_session: Uuid,
    alan_item: Uuid,
    ada_item: Uuid,
    alan_reading: Uuid,
}

/// A clinician's device: Ada with a session recorded from the squat sample by the real pose
/// model, a pulled session with pain and a review, a wall sit and a program item; Alan with his
/// own session, review and item.
fn clinic() -> Clinic {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clinic.sqlite");
    let out = dir.path().join("out");
    let (ada, alan) = (Uuid::new_v4(), Uuid::new_v4());
    let (clinician, reviewer) = (Uuid::new_v4(), Uuid::new_v4());
    {
        let store = open(&db);
        store
            .set_sync_identity(&SyncIdentity {
                server_url: "http://127.0.0.1:9".into(),
                email: "pt@clinic.example".into(),
                user_id: Some(clinician),
                role: Some("physiotherapist".into()),
                logged_in_at: Utc::now(),
                login_required_reason: None,
            })
            .unwrap();
        let roster = [
            (ada, "Ada", "Lovelace", "ada@example.org"),
            (alan, "Alan", "Turing", "alan@example.org"),
        ]
        .map(|(id, first, last, email)| {
            (
                CarePatient {
                    patient_id: id,
                    first_name: first.into(),
                    last_name: last.into(),
                    email: Some(email.into()),
                },
                json!({"patient_id": id}),
            )
        });
        store.replace_care_patients(&roster).unwrap();
    }
    // A real recording: the committed sample through the pose model, stored for Ada.
    let sample = repo().join("tests/samples/nowva_squats.mp4");
    ok(
        &db,
        &[
            "analyze",
            sample.to_str().unwrap(),
            "--exercise",
            "squat",
            "--target-reps",
            "5",
            "--patient",
            &ada.to_string(),
        ],
    );
    let store = open(&db);
    let recorded = store
        .session_overviews(Some(ada))
        .unwrap()
        .first()
        .expect("the analysed session is Ada's")
        .session_id;
    let pulled = pulled_session(
        &store,
        ada,
        &[(61.5, 152.25), (58.0, 150.5), (70.1, 120.3)],
        3.0,
        reviewer,
    );
    let hold = hold_session(&store, Some(ada));
    let ada_item = program_item(&store, ada, "squat");
    let alan_session = pulled_session(&store, alan, &[(44.4, 133.3), (45.5, 134.4)], 6.0, reviewer);
    let alan_item = program_item(&store, alan, "glute_bridge");
    goniometer_reading(&store, ada, clinician, 95.5);
    let alan_reading = goniometer_reading(&store, alan, clinician, 77.25);
    Clinic {
        _dir: dir,
        db,
        out,
        ada,
        alan,
        clinician,
        reviewer,
        ada_sessions: vec![recorded, pulled, hold],
        alan_session,
        alan_item,
        ada_item,
        alan_reading,
    }
}

#[test]
fn a_patients_fhir_bundle_is_valid_r4_and_holds_only_their_record() {
    let c = clinic();
    let file = c.out.join("ada.json");
    let printed = ok(
        &c.db,
        &[
            "export",
            "fhir",
            "--patient",
            &c.ada.to_string(),
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(printed.trim(), file.display().to_string());

    let summary = validate(&file).unwrap_or_else(|errors| panic!("invalid Bundle: {errors}"));
    assert_eq!(summary["fhir_version"], "4.0.1");
    for kind in [
        "Patient",
        "Practitioner",
        "Observation",
        "CarePlan",
        "ServiceRequest",
        "DocumentReference",
    ] {
        assert!(
            summary["resources"][kind].as_u64() > Some(0),
            "{kind}: {summary}"
        );
    }

    let text = std::fs::read_to_string(&file).unwrap();
    let bundle: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");

    // Only Ada: nothing of Alan's, by id or by name.
    for absent in [
        c.alan.to_string(),
        c.alan_session.to_string(),
        c.alan_item.to_string(),
        c.alan_reading.to_string(),
        "Turing".into(),
        "alan@example.org".into(),
    ] {
        assert!(!text.contains(&absent), "{absent} leaked into Ada's Bundle");
    }
    let patients = resources(&bundle, "Patient");
    assert_eq!(patients.len(), 1);
    assert_eq!(patients[0]["id"], c.ada.to_string());
    assert_eq!(patients[0]["name"][0]["family"], "Lovelace");
    let practitioners: Vec<&str> = resources(&bundle, "Practitioner")
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(practitioners.contains(&c.clinician.to_string().as_str()));
    assert!(practitioners.contains(&c.reviewer.to_string().as_str()));

    // Every stored repetition is one range-of-motion Observation with its numbers.
    let store = open(&c.db);
    let stored = stored_reps(&store, &c.ada_sessions);
    assert!(
        stored.len() >= 5 + 3,
        "the sample's five squats and three pulled"
    );
    let observations = resources(&bundle, "Observation");
    let rom: Vec<&&Value> = observations
        .iter()
        .filter(|o| has_code(&o["code"], "http://snomed.info/sct", "364564000"))
        .filter(|o| o["code"]["text"] != "Knee angle in a held position")
        .collect();
    assert_eq!(rom.len(), stored.len());
    let sessions_of: BTreeMap<String, Vec<String>> = observations
        .iter()
        .filter(|o| o["identifier"].is_array())
        .map(|o| {
            let session = o["identifier"][0]["value"].as_str().unwrap();
            let members = o["hasMember"]
                .as_array()
                .map(|m| {
                    m.iter()
                        .map(|r| r["reference"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            (session.trim_start_matches("urn:uuid:").to_string(), members)
        })
        .collect();
    let full_url: BTreeMap<String, String> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["resource"]["id"].as_str().unwrap().to_string(),
                e["fullUrl"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut matched = 0;
    for ((session, index), (min, max)) in &stored {
        let members = &sessions_of[session];
        let observation = rom
            .iter()
            .filter(|o| members.contains(&full_url[o["id"].as_str().unwrap()]))
            .nth(*index as usize)
            .unwrap_or_else(|| panic!("repetition {index} of {session}"));
        let value = observation["valueQuantity"]["value"].as_f64().unwrap();
        assert!(
            (value - f64::from(max - min)).abs() < 1e-3,
            "{session}#{index}: {value} against {}",
            max - min
        );
        assert_eq!(observation["valueQuantity"]["code"], "deg");
        let components = observation["component"].as_array().unwrap();
        let limit = |code: &str| {
            components
                .iter()
                .find(|c| c["code"]["coding"][0]["code"] == code)
                .and_then(|c| c["valueQuantity"]["value"].as_f64())
                .unwrap()
        };
        assert_eq!(limit("minimum-angle") as f32, *min);
        assert_eq!(limit("maximum-angle") as f32, *max);
        // The squat works the knee: SNOMED CT knee joint structure, measured by the camera.
        assert!(
            has_code(
                &observation["bodySite"],
                "http://snomed.info/sct",
                "49076000"
            ),
            "{observation}"
        );
        assert!(has_code(
            &observation["method"],
            "http://snomed.info/sct",
            "258104002"
        ));
        matched += 1;
    }
    assert_eq!(matched, stored.len());
    // The pulled session was done with the left leg: the laterality qualifier says so.
    let left = rom
        .iter()
        .filter(|o| o["bodySite"]["text"] == "Left knee joint")
        .count();
    assert_eq!(left, 3);

    // The knee measured in clinic: one side read, by the signed-in clinician.
    let held: Vec<&Value> = observations
        .iter()
        .copied()
        .filter(|o| o["code"]["text"] == "Knee angle in a held position")
        .collect();
    assert_eq!(held.len(), 1, "the side without an angle is left out");
    assert_eq!(held[0]["valueQuantity"]["value"], 95.5);
    assert_eq!(held[0]["bodySite"]["text"], "Left knee joint");
    assert_eq!(
        held[0]["performer"][0]["reference"],
        format!("urn:uuid:{}", c.clinician)
    );

    // Pain said in the session: LOINC 72514-3, the denied back pain left out.
    let pain: Vec<&&Value> = observations
        .iter()
        .filter(|o| has_code(&o["code"], "http://loinc.org", "72514-3"))
        .collect();
    assert_eq!(pain.len(), 1, "one rating; the denied one is not pain");
    assert_eq!(pain[0]["valueQuantity"]["value"], 3.0);
    assert!(has_code(
        &pain[0]["bodySite"],
        "http://snomed.info/sct",
        "49076000"
    ));

    // The wall sit's hold time.
    let holds: Vec<&&Value> = observations
        .iter()
        .filter(|o| has_code(&o["code"], "http://loinc.org", "55411-3"))
        .collect();
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0]["valueQuantity"]["value"], 31.5);
    assert_eq!(holds[0]["valueQuantity"]["code"], "s");

    // The session's count: the sample's five squats.
    let recorded = &sessions_of[&c.ada_sessions[0].to_string()];
    assert_eq!(
        recorded.len(),
        stored_reps(&store, &c.ada_sessions[..1]).len()
    );

    // The program and the review.
    let requests = resources(&bundle, "ServiceRequest");
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0]["identifier"][0]["value"],
        format!("urn:uuid:{}", c.ada_item)
    );
    assert_eq!(requests[0]["code"]["text"], "Squat");
    let plans = resources(&bundle, "CarePlan");
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0]["status"], "active");
    let documents = resources(&bundle, "DocumentReference");
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0]["docStatus"], "final");
    assert_eq!(
        documents[0]["author"][0]["reference"],
        format!("urn:uuid:{}", c.reviewer)
    );

    // The validator is not a rubber stamp: a Bundle broken in two ways is refused.
    let mut broken = bundle.clone();
    let entries = broken["entry"].as_array_mut().unwrap();
    let observation = entries
        .iter_mut()
        .find(|e| e["resource"]["resourceType"] == "Observation")
        .unwrap();
    observation["resource"]
        .as_object_mut()
        .unwrap()
        .remove("status");
    let broken_file = c.out.join("broken.json");
    std::fs::write(&broken_file, serde_json::to_vec(&broken).unwrap()).unwrap();
    let errors = validate(&broken_file).expect_err("an Observation without status");
    assert!(errors.contains("status"), "{errors}");
    let mut broken = bundle.clone();
    broken["entry"][0]["resource"]["shoeSize"] = json!(44);
    std::fs::write(&broken_file, serde_json::to_vec(&broken).unwrap()).unwrap();
    assert!(
        validate(&broken_file).is_err(),
        "an element R4 does not have"
    );
}

#[test]
fn csv_holds_the_stored_numbers_of_that_patient_only() {
    let c = clinic();
    let dir = c.out.join("ada-csv");
    let printed = ok(
        &c.db,
        &[
            "export",
            "csv",
            "--patient",
            &c.ada.to_string(),
            "--out",
            dir.to_str().unwrap(),
        ],
    );
    assert!(printed.contains("sessions.csv") && printed.contains("measurements.csv"));

    let store = open(&c.db);
    let mut sessions = csv::Reader::from_path(dir.join("sessions.csv")).unwrap();
    let header = sessions.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = sessions.records().map(Result::unwrap).collect();
    let ids: Vec<&str> = rows.iter().map(|r| &r[col("session_id")]).collect();
    let mut expected: Vec<String> = c.ada_sessions.iter().map(Uuid::to_string).collect();
    expected.sort();
    let mut got: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    got.sort();
    assert_eq!(got, expected, "Ada's sessions, and only hers");
    for row in &rows {
        let id: Uuid = row[col("session_id")].parse().unwrap();
        let detail = store.get_session(id).unwrap().unwrap();
        let full = detail.repetitions.iter().filter(|r| !r.partial).count();
        assert_eq!(row[col("full_reps")].parse::<usize>().unwrap(), full);
        assert_eq!(row[col("patient_id")], c.ada.to_string());
    }

    let mut measurements = csv::Reader::from_path(dir.join("measurements.csv")).unwrap();
    let header = measurements.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = measurements.records().map(Result::unwrap).collect();
    let stored = stored_reps(&store, &c.ada_sessions);
    let rom_rows: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| &r[col("measure")] == "range_of_motion")
        .collect();
    assert_eq!(rom_rows.len(), stored.len());
    for row in rom_rows {
        let key = (
            row[col("session_id")].to_string(),
            row[col("index")].parse::<u32>().unwrap(),
        );
        let (min, max) = stored[&key];
        assert_eq!(row[col("min_angle_deg")].parse::<f32>().unwrap(), min);
        assert_eq!(row[col("max_angle_deg")].parse::<f32>().unwrap(), max);
        let rom = row[col("value")].parse::<f64>().unwrap();
        assert!(
            (rom - f64::from(max - min)).abs() < 1e-3,
            "{rom} against {}",
            max - min
        );
        assert_eq!(&row[col("joint")], "knee");
    }
    let hold: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| &r[col("measure")] == "hold")
        .collect();
    assert_eq!(hold.len(), 1);
    assert_eq!(hold[0][col("value")].parse::<f64>().unwrap(), 31.5);
    let held: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| &r[col("measure")] == "goniometer")
        .collect();
    assert_eq!(held.len(), 1, "Ada's reading, not Alan's");
    assert_eq!(held[0][col("value")].parse::<f32>().unwrap(), 95.5);
    let pain: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| &r[col("measure")] == "pain")
        .collect();
    assert_eq!(pain.len(), 1);
    assert_eq!(pain[0][col("value")].parse::<f64>().unwrap(), 3.0);
    assert!(rows
        .iter()
        .all(|r| r[col("session_id")] != c.alan_session.to_string()));
    for file in ["sessions.csv", "measurements.csv"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(!text.contains(&c.alan.to_string()), "{file} names Alan");
    }

    // A clinician's device must be told whose record; an unknown patient is refused.
    let out = physalign(&c.db, &["export", "csv", "--out", dir.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--patient"));
    let stranger = Uuid::new_v4().to_string();
    let out = physalign(
        &c.db,
        &["export", "fhir", "--patient", &stranger, "--out", "x.json"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not on this device"));
}

#[test]
fn a_patients_own_device_exports_without_naming_the_patient() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("home.sqlite");
    let (patient, user) = (Uuid::new_v4(), Uuid::new_v4());
    let (hold, squat) = {
        let store = open(&db);
        store
            .set_sync_identity(&SyncIdentity {
                server_url: "http://127.0.0.1:9".into(),
                email: "grace@example.org".into(),
                user_id: Some(user),
                role: Some("patient".into()),
                logged_in_at: Utc::now(),
                login_required_reason: None,
            })
            .unwrap();
        store
            .upsert_remote_record(&RemoteRecord {
                kind: RemoteRecordKind::PatientProfile,
                id: patient.to_string(),
                version: Some(1),
                updated_at: None,
                record: json!({
                    "id": patient, "user_id": user, "email": "grace@example.org",
                    "first_name": "Grace", "last_name": "Hopper", "phone": null,
                    "date_of_birth": "1956-12-09", "medical_conditions": [], "medications": [],
                    "emergency_contact": null, "consent_given": true, "consent_date": null,
                    "version": 1, "updated_at": "2026-11-01T08:00:00Z"
                }),
            })
            .unwrap();
        program_item(&store, patient, "wall_sit");
        // Sessions recorded at home carry no patient id.
        let hold = hold_session(&store, None);
        let started = Utc.with_ymd_and_hms(2026, 11, 23, 7, 0, 0).unwrap();
        let squat = store
            .create_session(&NewSession {
                id: Uuid::new_v4(),
                patient_id: None,
                exercise_id: "squat".into(),
                source: "camera:0".into(),
                started_at: started,
            })
            .unwrap();
        store
            .complete_session(
                squat,
                &SessionCompletion {
                    ended_at: started + Duration::seconds(30),
                    duration_seconds: 30.0,
                    repetitions: reps(&[(55.5, 150.0), (57.25, 149.0)], None),
                    form_issues: vec![],
                    summary_statistics: json!({}),
                    pose_data: json!({}),
                    report: json!({}),
                },
            )
            .unwrap();
        (hold, squat)
    };
    let file = dir.path().join("me.json");
    ok(&db, &["export", "fhir", "--out", file.to_str().unwrap()]);
    let summary = validate(&file).unwrap_or_else(|errors| panic!("invalid Bundle: {errors}"));
    assert_eq!(summary["resources"]["Patient"], 1);
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let patients = resources(&bundle, "Patient");
    assert_eq!(patients[0]["id"], patient.to_string());
    assert_eq!(patients[0]["birthDate"], "1956-12-09");
    let sessions: Vec<&str> = resources(&bundle, "Observation")
        .iter()
        .filter_map(|o| o["identifier"][0]["value"].as_str())
        .collect();
    assert!(sessions.contains(&format!("urn:uuid:{squat}").as_str()));
    let holds = resources(&bundle, "Observation")
        .iter()
        .filter(|o| has_code(&o["code"], "http://loinc.org", "55411-3"))
        .count();
    assert_eq!(holds, 1, "the wall sit {hold}");
    assert_eq!(resources(&bundle, "ServiceRequest").len(), 1);

    // Naming oneself works too; naming someone else is refused.
    let csv_dir = dir.path().join("csv");
    ok(
        &db,
        &[
            "export",
            "csv",
            "--patient",
            &patient.to_string(),
            "--out",
            csv_dir.to_str().unwrap(),
        ],
    );
    let mut reader = csv::Reader::from_path(csv_dir.join("sessions.csv")).unwrap();
    assert_eq!(reader.records().count(), 2);
    let out = physalign(
        &db,
        &[
            "export",
            "csv",
            "--patient",
            &Uuid::new_v4().to_string(),
            "--out",
            csv_dir.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
}

#[test]
fn outcome_measures_are_questionnaire_responses_with_their_scores() {
    // Questionnaires kept on a clinician's device (one of them another patient's), exported by
    // the command; the scores are physalign-outcomes' published rules.
    use physalign_outcomes::{Instrument, Responses};
    use physalign_store::{NewOutcomeResponse, Respondent};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clinic.sqlite");
    let (patient, other) = (Uuid::new_v4(), Uuid::new_v4());
    let authored = Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap();
    let store = open(&db);
    store
        .set_sync_identity(&SyncIdentity {
            server_url: "http://127.0.0.1:9".into(),
            email: "pt@clinic.example".into(),
            user_id: Some(Uuid::new_v4()),
            role: Some("physiotherapist".into()),
            logged_in_at: Utc::now(),
            login_required_reason: None,
        })
        .unwrap();
    let roster = [(patient, "Ada"), (other, "Alan")].map(|(id, first)| {
        (
            CarePatient {
                patient_id: id,
                first_name: first.into(),
                last_name: "Example".into(),
                email: None,
            },
            json!({"patient_id": id}),
        )
    });
    store.replace_care_patients(&roster).unwrap();
    let outcome = |patient_id, instrument, answers: Vec<Option<u8>>| {
        let taken = NewOutcomeResponse {
            id: Uuid::new_v4(),
            patient_id,
            instrument,
            answers: answers.clone(),
            activities: vec![],
            completed_at: authored,
            respondent: Respondent::Clinician,
            entered_by: None,
        };
        store.save_outcome_response(&taken).unwrap();
        Responses {
            instrument,
            answers,
        }
    };
    let koos = outcome(
        patient,
        Instrument::KoosJr,
        [1, 2, 1, 0, 2, 1, 1].map(Some).to_vec(),
    );
    // ODI with section 3 unanswered (scored over the nine answered).
    let odi = outcome(
        patient,
        Instrument::Odi,
        vec![
            Some(1),
            Some(2),
            None,
            Some(2),
            Some(1),
            Some(0),
            Some(4),
            Some(2),
            Some(1),
            Some(3),
        ],
    );
    outcome(other, Instrument::Nprs, vec![Some(8)]);
    drop(store);
    let file = dir.path().join("outcomes.json");
    ok(
        &db,
        &[
            "export",
            "fhir",
            "--patient",
            &patient.to_string(),
            "--out",
            file.to_str().unwrap(),
        ],
    );
    let summary = validate(&file).unwrap_or_else(|errors| panic!("invalid Bundle: {errors}"));
    assert_eq!(summary["resources"]["QuestionnaireResponse"], 2);
    assert_eq!(summary["resources"]["Observation"], 2);

    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let responses = resources(&bundle, "QuestionnaireResponse");
    let odi_response = responses
        .iter()
        .find(|r| r["questionnaire"] == "urn:physalign:questionnaire:odi")
        .unwrap();
    let items = odi_response["item"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    assert!(
        items[2].get("answer").is_none(),
        "the blank item stays blank"
    );
    assert_eq!(items[6]["answer"][0]["valueInteger"], 4);
    for (outcome, label) in [(&koos, "KOOS JR score"), (&odi, "ODI score")] {
        let expected = outcome.score().unwrap().value;
        let observation = resources(&bundle, "Observation")
            .into_iter()
            .find(|o| o["code"]["text"] == label)
            .unwrap();
        let value = observation["valueQuantity"]["value"].as_f64().unwrap();
        assert!(
            (value - expected).abs() < 5e-4,
            "{label}: {value} against {expected}"
        );
        let from = observation["derivedFrom"][0]["reference"].as_str().unwrap();
        assert!(bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["fullUrl"] == from
                && e["resource"]["resourceType"] == "QuestionnaireResponse"));
    }
}
