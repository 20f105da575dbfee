//! Goniometer readings saved in a patient's chart on a clinic computer (issue 16) reach the
//! server — also when saved while it was down — and every other device of the care team, and
//! nobody else's: the real `physalign` command line and server process on a real PostgreSQL.

mod support;

use chrono::Utc;
use physalign_store::{GoniometerRecord, OutboxStatus, Store};
use serde_json::{json, Value};
use support::cli::CliDevice;
use support::fixtures;
use support::server::ServerProcess;
use uuid::Uuid;

/// A reading as measurement mode saves it (the engine's document: both sides, confidence,
/// warnings).
fn reading(patient_id: Uuid, left_deg: f64) -> GoniometerRecord {
    GoniometerRecord {
        id: Uuid::new_v4(),
        patient_id,
        session_id: None,
        joint: "knee".into(),
        reading: json!({
            "joint": "knee", "plane": "sagittal", "view": "oblique",
            "sides": [
                {"side": "left", "angle_deg": left_deg, "source": "image",
                 "image_angle_deg": left_deg, "world_angle_deg": 158.5, "spread_deg": 2.0,
                 "tilt_deg": 12.0, "confidence": 0.875, "hold_start_ms": 1500, "held_s": 1.5,
                 "warnings": []},
                {"side": "right", "angle_deg": null, "source": null, "image_angle_deg": null,
                 "world_angle_deg": null, "spread_deg": null, "tilt_deg": null,
                 "confidence": 0.25, "hold_start_ms": null, "held_s": 0.0,
                 "warnings": ["side_not_seen"]}
            ]
        }),
        taken_by: None,
        taken_at: Utc::now(),
    }
}

fn local_readings(device: &CliDevice, patient_id: Uuid) -> Vec<GoniometerRecord> {
    Store::open(&device.db())
        .expect("open device store")
        .goniometer_readings(patient_id)
        .expect("readings")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_saved_in_clinic_reach_the_server_and_the_care_teams_other_devices_only() {
    let url = support::pg::cluster().create_database("goniometer_sync");
    let mut server = ServerProcess::start(&url, support::free_port(), 100_000);
    let base = server.url();
    let (clare, pat) = fixtures::care_team(&server).await;
    server.create_clinician("bob@clinic.example");
    let (status, profile) = fixtures::get_json(&base, &pat, "/api/patients/profile").await;
    assert_eq!(status, 200, "{profile}");
    let patient_id: Uuid = profile["id"].as_str().expect("id").parse().expect("uuid");

    // The clinic computer: one reading saved online, one while the server is down.
    let clinic = CliDevice::new();
    clinic.login(&base, "clare@clinic.example");
    assert!(clinic.sync_once(30), "first sync");
    let online = reading(patient_id, 162.0);
    Store::open(&clinic.db())
        .expect("open")
        .save_goniometer_reading(&online)
        .expect("save");
    assert!(clinic.sync_once(30), "sync with one reading");
    server.kill();
    let offline = reading(patient_id, 148.5);
    Store::open(&clinic.db())
        .expect("open")
        .save_goniometer_reading(&offline)
        .expect("save offline");
    assert!(
        !clinic.sync_once(30),
        "a sync with the server down does not claim success"
    );
    let pending = clinic.json(&["sync", "--status"]);
    assert_eq!(pending["pending"], 1, "{pending}");
    server.restart();
    assert!(clinic.sync_once(30), "sync after the server is back");
    let status = clinic.json(&["sync", "--status"]);
    assert_eq!(
        (status["pending"].clone(), status["failed"].clone()),
        (json!(0), json!(0))
    );

    // The server holds both, as the device saved them, taken by the signed-in clinician.
    let (status, list) = fixtures::get_json(&base, &clare, "/api/goniometer-readings").await;
    assert_eq!(status, 200, "{list}");
    let on_server: Vec<Value> = list["data"].as_array().expect("data").clone();
    assert_eq!(on_server.len(), 2, "{list}");
    let (_, me) = fixtures::get_json(&base, &clare, "/api/auth/me").await;
    for saved in [&online, &offline] {
        let row = on_server
            .iter()
            .find(|r| r["id"] == saved.id.to_string())
            .unwrap_or_else(|| panic!("{} not on the server: {list}", saved.id));
        assert_eq!(row["reading"], saved.reading);
        assert_eq!(row["patient_id"], patient_id.to_string());
        assert_eq!(row["taken_by"], me["id"]);
    }
    let (_, own) = fixtures::get_json(&base, &pat, "/api/goniometer-readings").await;
    assert_eq!(
        own["data"].as_array().map(Vec::len),
        Some(2),
        "the patient reads their chart"
    );

    // Clare's other computer pulls both into the chart; Bob's pulls nothing.
    let other_room = CliDevice::new();
    other_room.login(&base, "clare@clinic.example");
    assert!(other_room.sync_once(30), "other device's sync");
    let pulled = local_readings(&other_room, patient_id);
    assert_eq!(pulled.len(), 2);
    for saved in [&online, &offline] {
        let copy = pulled.iter().find(|r| r.id == saved.id).expect("pulled");
        assert_eq!(copy.reading, saved.reading);
        assert_eq!(copy.joint, "knee");
        assert_eq!(
            copy.taken_by.map(|u| u.to_string()),
            me["id"].as_str().map(String::from)
        );
    }
    assert!(Store::open(&other_room.db())
        .expect("open")
        .outbox_entries(online.id)
        .expect("outbox")
        .is_empty());
    let outsider = CliDevice::new();
    outsider.login(&base, "bob@clinic.example");
    assert!(outsider.sync_once(30), "bob's sync");
    assert!(local_readings(&outsider, patient_id).is_empty());

    // A reading this build cannot describe fails on its own with its reason; the rest goes on.
    let mut unreadable = reading(patient_id, 120.0);
    unreadable.reading["joint"] = json!("wrist");
    let later = reading(patient_id, 130.0);
    {
        let store = Store::open(&clinic.db()).expect("open");
        store.save_goniometer_reading(&unreadable).expect("save");
        store.save_goniometer_reading(&later).expect("save");
    }
    clinic.sync_once(30);
    let store = Store::open(&clinic.db()).expect("open");
    let failed = store.outbox_entries(unreadable.id).expect("outbox");
    assert_eq!(failed[0].status, OutboxStatus::Failed, "{failed:?}");
    let reason = failed[0].last_error.clone().unwrap_or_default();
    assert!(reason.contains("not a goniometer reading"), "{reason}");
    assert_eq!(
        store.outbox_entries(later.id).expect("outbox")[0].status,
        OutboxStatus::Done
    );
}
