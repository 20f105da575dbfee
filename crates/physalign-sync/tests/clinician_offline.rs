//! A clinician acts offline on alerts and program items through the `physalign` command line,
//! with the real server process on a real PostgreSQL stopped meanwhile: the changes show on the
//! device at once, are queued, and reach the server when it is back; the patient's device pulls
//! them. An alert someone already acknowledged on the server is simply done; an item someone
//! else changed meanwhile becomes a kept conflict, never an overwrite. No models needed.

mod support;

use chrono::Utc;
use serde_json::{json, Value};
use support::cli::{as_array, CliDevice};
use support::fixtures;
use support::server::ServerProcess;

/// One device, driven through the command line.
type Device = CliDevice;

impl CliDevice {
    fn program(&self) -> Vec<Value> {
        as_array(self.json(&["program"]))
    }

    fn alerts(&self) -> Vec<Value> {
        as_array(self.json(&["alerts"]))
    }
}

fn item<'a>(rows: &'a [Value], id: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["program_item_id"] == id)
        .unwrap_or_else(|| panic!("program item {id} not listed: {rows:?}"))
}

fn id_of(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {value}"))
        .to_string()
}

async fn send(
    method: reqwest::Method,
    base: &str,
    token: &str,
    path: &str,
    body: Option<Value>,
    if_match: Option<i64>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    if let Some(version) = if_match {
        request = request.header("If-Match", format!("\"{version}\""));
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A completed home session of the patient with a pain remark of 8/10: the server raises an
/// alert for the care team.
async fn painful_session(base: &str, patient_token: &str) {
    let id = uuid::Uuid::new_v4();
    let now = Utc::now();
    let (status, body) = send(
        reqwest::Method::POST,
        base,
        patient_token,
        "/api/sessions",
        Some(json!({
            "id": id, "exercise_type": "squat",
            "start_time": now - chrono::Duration::minutes(5), "end_time": now,
            "duration_seconds": 300,
        })),
        None,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(
        reqwest::Method::PUT,
        base,
        patient_token,
        &format!("/api/sessions/{id}/notes"),
        Some(json!({"pain": [{"body_part": "knee", "score": 8.0}]})),
        None,
    )
    .await;
    assert!(status == 200 || status == 201, "notes: {status} {body}");
}

/// A program item prescribed through the API (as the clinician's other device would).
async fn prescribe(base: &str, token: &str, patient_id: &str, exercise: &str) -> String {
    let (status, body) = send(
        reqwest::Method::POST,
        base,
        token,
        "/api/programs",
        Some(json!({
            "patient_id": patient_id, "exercise_id": exercise, "sets": 2, "reps": 10,
            "sessions_per_week": 3, "start_date": Utc::now().date_naive(),
        })),
        None,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    id_of(&body, "id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clinician_acts_offline_on_alerts_and_program_items_and_sync_delivers_it_without_overwriting(
) {
    let url = support::pg::cluster().create_database("clinician_offline");
    let mut server = ServerProcess::start(&url, support::free_port(), 100_000);
    let base = server.url();
    let (clare, pat) = fixtures::care_team(&server).await;
    let (status, profile) = fixtures::get_json(&base, &pat, "/api/patients/profile").await;
    assert_eq!(status, 200, "{profile}");
    let patient_id = id_of(&profile, "id");

    // Two sessions with pain 8/10: two alerts. Three items prescribed from another device.
    painful_session(&base, &pat).await;
    painful_session(&base, &pat).await;
    let to_end = prescribe(&base, &clare, &patient_id, "squat").await;
    let to_edit = prescribe(&base, &clare, &patient_id, "lunge").await;
    let contested = prescribe(&base, &clare, &patient_id, "bridge").await;

    // The clinician's device pulls them.
    let device = Device::new();
    device.json(&[
        "login",
        "--server",
        &base,
        "--email",
        "clare@clinic.example",
    ]);
    assert!(device.sync_once(30), "first sync");
    let alerts = device.alerts();
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    let first_alert = id_of(&alerts[0], "alert_id");
    let second_alert = id_of(&alerts[1], "alert_id");
    assert_eq!(device.program().len(), 3);

    // Meanwhile, on another device: the second alert is acknowledged, and the contested item
    // changed (version 1 -> 2).
    let (status, body) = send(
        reqwest::Method::POST,
        &base,
        &clare,
        &format!("/api/physio/alerts/{second_alert}/acknowledge"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(
        reqwest::Method::PUT,
        &base,
        &clare,
        &format!("/api/programs/{contested}"),
        Some(json!({
            "exercise_id": "bridge", "sets": 5, "reps": 10, "sessions_per_week": 3,
            "start_date": Utc::now().date_naive(),
        })),
        Some(1),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // The server goes away; the clinician works on.
    server.kill();
    let acked = device.json(&["alerts", "ack", &first_alert]);
    assert_eq!(acked["queued"], true, "{acked}");
    assert!(acked["acknowledged_at"].is_string(), "{acked}");
    let acked = device.json(&["alerts", "ack", &second_alert]);
    assert_eq!(acked["queued"], true, "{acked}");
    assert!(device.alerts().is_empty(), "acknowledged alerts still open");

    let ended = device.json(&["program", "end", &to_end]);
    assert_eq!(ended["status"], "ended", "{ended}");
    let edited = device.json(&[
        "program",
        "edit",
        &to_edit,
        "--sets",
        "4",
        "--reps",
        "12",
        "--instructions",
        "Slowly on the way down.",
    ]);
    assert_eq!(
        (edited["sets"].clone(), edited["reps"].clone()),
        (json!(4), json!(12))
    );
    device.json(&["program", "edit", &contested, "--reps", "20"]);
    // Prescribed here and changed before its create was ever delivered.
    let fresh = device.json(&[
        "prescribe",
        "--patient",
        &patient_id,
        "--exercise",
        "plank",
        "--sets",
        "1",
        "--hold-s",
        "30",
    ]);
    let fresh = id_of(&fresh, "program_item_id");
    device.json(&[
        "program",
        "edit",
        &fresh,
        "--hold-s",
        "45",
        "--per-week",
        "5",
    ]);
    let brief = device.json(&[
        "prescribe",
        "--patient",
        &patient_id,
        "--exercise",
        "squat",
        "--sets",
        "2",
        "--reps",
        "8",
    ]);
    let brief = id_of(&brief, "program_item_id");
    device.json(&["program", "edit", &brief, "--sets", "3"]);
    device.json(&["program", "end", &brief]);

    let local = device.program();
    assert_eq!(local.len(), 5, "{local:?}");
    for row in &local {
        for key in [
            "program_item_id",
            "exercise_id",
            "sets",
            "reps",
            "target_angle",
            "per_week",
            "done_this_week",
            "days_with_data_30d",
            "status",
        ] {
            assert!(row.get(key).is_some(), "{key} missing from {row}");
        }
    }
    assert_eq!(item(&local, &to_end)["status"], "ended");
    assert_eq!(item(&local, &to_edit)["sets"], 4);
    assert_eq!(item(&local, &contested)["reps"], 20);
    assert_eq!(item(&local, &fresh)["per_week"], 5);
    assert_eq!(item(&local, &brief)["status"], "ended");

    // Syncing while the server is down delivers nothing and loses nothing.
    assert!(!device.sync_once(1), "sync succeeded with the server down");
    let status = device.json(&["sync", "--status"]);
    assert_eq!(status["pending"], 10, "{status}");
    assert!(device.alerts().is_empty());

    // The server is back: everything goes but the contested edit, which is a conflict.
    server.restart();
    assert!(
        !device.sync_once(30),
        "sync reported complete despite the conflict"
    );
    let status = device.json(&["sync", "--status"]);
    assert_eq!(status["pending"], 0, "{status}");
    assert_eq!(status["failed"], 1, "{status}");
    let conflicts = status["conflicts"].as_array().expect("conflicts");
    assert_eq!(conflicts.len(), 1, "{status}");
    assert_eq!(conflicts[0]["entity_type"], "program_item");
    assert_eq!(conflicts[0]["entity_id"], contested.as_str());
    assert_eq!(conflicts[0]["local_version"], 1);
    assert_eq!(conflicts[0]["server_version"], 2);
    assert!(
        status["failed_entries"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("conflict"),
        "{status}"
    );

    // The server has it all.
    let (status, list) = fixtures::get_json(&base, &clare, "/api/physio/alerts").await;
    assert_eq!(status, 200, "{list}");
    let server_alerts = list["data"].as_array().expect("alerts");
    assert_eq!(server_alerts.len(), 2, "{list}");
    for alert in server_alerts {
        assert_eq!(alert["status"], "acknowledged", "{alert}");
    }
    let server_item = |id: String| {
        let base = base.clone();
        let clare = clare.clone();
        async move {
            let (status, body) =
                fixtures::get_json(&base, &clare, &format!("/api/programs/{id}")).await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    assert_eq!(server_item(to_end.clone()).await["status"], "ended");
    let b = server_item(to_edit.clone()).await;
    assert_eq!(
        (b["sets"].clone(), b["reps"].clone()),
        (json!(4), json!(12)),
        "{b}"
    );
    assert_eq!(b["instructions"], "Slowly on the way down.");
    let c = server_item(contested.clone()).await;
    assert_eq!(
        (c["sets"].clone(), c["reps"].clone(), c["version"].clone()),
        (json!(5), json!(10), json!(2)),
        "the contested item was overwritten: {c}"
    );
    let f = server_item(fresh.clone()).await;
    assert_eq!(
        (f["hold_seconds"].clone(), f["sessions_per_week"].clone()),
        (json!(45), json!(5)),
        "{f}"
    );
    let e = server_item(brief.clone()).await;
    assert_eq!(
        (e["sets"].clone(), e["status"].clone()),
        (json!(3), json!("ended")),
        "{e}"
    );

    // The clinician's device keeps its change to the contested item visible; the rest follows
    // the server.
    let local = device.program();
    assert_eq!(item(&local, &contested)["reps"], 20);
    assert_eq!(item(&local, &to_edit)["sets"], 4);
    assert_eq!(item(&local, &to_end)["status"], "ended");
    assert!(device.alerts().is_empty());

    // The patient's device sees the program as the server has it.
    let patient = Device::new();
    patient.json(&["login", "--server", &base, "--email", "pat@home.example"]);
    assert!(patient.sync_once(30), "patient sync");
    let theirs = patient.program();
    assert_eq!(theirs.len(), 5, "{theirs:?}");
    assert_eq!(item(&theirs, &to_end)["status"], "ended");
    assert_eq!(item(&theirs, &to_edit)["sets"], 4);
    assert_eq!(item(&theirs, &to_edit)["reps"], 12);
    assert_eq!(item(&theirs, &contested)["sets"], 5);
    assert_eq!(item(&theirs, &contested)["reps"], 10);
    assert_eq!(item(&theirs, &fresh)["per_week"], 5);
    assert_eq!(item(&theirs, &brief)["status"], "ended");
    assert_eq!(item(&theirs, &brief)["status"], "ended");
}
