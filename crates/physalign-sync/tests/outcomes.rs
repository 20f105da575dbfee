//! Outcome questionnaires and plans (issue 19) between a clinic computer and a patient's laptop:
//! the clinician's plan and intake questionnaire reach the patient's app, which shows what is
//! due; the patient's questionnaire, filled in while the server was down, reaches the server and
//! the clinician's chart; an older plan edit never overwrites a newer one; a clinician outside
//! the care team receives nothing. The real `physalign` command line and server process on a
//! real PostgreSQL.

mod support;

use chrono::{Duration, Utc};
use physalign_store::{Instrument, OutcomePlan, Store};
use serde_json::{json, Value};
use support::cli::CliDevice;
use support::fixtures;
use support::server::ServerProcess;
use uuid::Uuid;

fn chart(device: &CliDevice, patient: Option<&str>) -> Value {
    match patient {
        Some(patient) => device.json(&["outcome", "chart", "--patient", patient]),
        None => device.json(&["outcome", "chart"]),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questionnaires_and_plans_travel_between_the_care_team_only() {
    let url = support::pg::cluster().create_database("outcome_sync");
    let mut server = ServerProcess::start(&url, support::free_port(), 100_000);
    let base = server.url();
    let (clare, pat) = fixtures::care_team(&server).await;
    server.create_clinician("bob@clinic.example");
    let (status, profile) = fixtures::get_json(&base, &pat, "/api/patients/profile").await;
    assert_eq!(status, 200, "{profile}");
    let patient_id = profile["id"].as_str().expect("id").to_string();
    let start = (Utc::now().date_naive() - Duration::days(2)).to_string();

    // The clinic computer: the plan (KOOS JR and NPRS from two days ago) and the intake KOOS JR
    // the patient answered in clinic.
    let clinic = CliDevice::new();
    clinic.login(&base, "clare@clinic.example");
    assert!(clinic.sync_once(30), "first sync");
    clinic.run(&[
        "outcome",
        "plan",
        "--patient",
        &patient_id,
        "--measures",
        "KOOS_JR,NPRS",
        "--start",
        &start,
    ]);
    let koos = clinic.json(&[
        "outcome",
        "record",
        "KOOS_JR",
        "--answers",
        "1,2,1,0,2,1,1",
        "--patient",
        &patient_id,
    ]);
    assert!(clinic.sync_once(30), "sync with the plan and the intake");

    // The patient's laptop: the plan and the clinician's questionnaire arrive; the NPRS intake
    // is due. Filled in with the server down, it waits, then goes up.
    let laptop = CliDevice::new();
    laptop.login(&base, "pat@home.example");
    assert!(laptop.sync_once(30), "patient's first sync");
    let at_home = chart(&laptop, None);
    assert_eq!(at_home["patient_id"], patient_id.as_str(), "{at_home}");
    assert_eq!(at_home["plan"]["instruments"], json!(["koos_jr", "nprs"]));
    assert_eq!(at_home["instruments"][0]["points"][0]["id"], koos["id"]);
    assert_eq!(
        at_home["instruments"][0]["points"][0]["respondent"],
        "clinician"
    );
    assert_eq!(
        at_home["instruments"][0]["schedule"]["occasions"][0]["status"],
        "completed"
    );
    let due = at_home["due"].as_array().expect("due");
    assert_eq!(due.len(), 1, "{at_home}");
    assert_eq!(due[0]["instrument"], "nprs");
    server.kill();
    let nprs = laptop.json(&["outcome", "record", "NPRS", "--answers", "6"]);
    assert!(
        !laptop.sync_once(30),
        "no success claimed while the server is down"
    );
    assert_eq!(laptop.json(&["sync", "--status"])["pending"], 1);
    server.restart();
    assert!(laptop.sync_once(30), "sync once the server is back");
    assert!(chart(&laptop, None)["due"]
        .as_array()
        .expect("due")
        .is_empty());

    // The server scored both itself and says who entered each.
    let (status, list) = fixtures::get_json(&base, &clare, "/api/outcome-responses").await;
    assert_eq!(status, 200, "{list}");
    let rows = list["data"].as_array().expect("data");
    assert_eq!(rows.len(), 2, "{list}");
    let row = |id: &Value| rows.iter().find(|r| r["id"] == *id).expect("on the server");
    assert_eq!(row(&nprs["id"])["score"], 6.0);
    assert_eq!(row(&nprs["id"])["entered_by_role"], "patient");
    assert_eq!(row(&koos["id"])["score"], koos["score"]);
    assert_eq!(row(&koos["id"])["entered_by_role"], "physiotherapist");

    // The clinician's chart has the patient's answer; nothing is due any more.
    assert!(clinic.sync_once(30), "clinic pulls");
    let in_clinic = chart(&clinic, Some(&patient_id));
    assert_eq!(in_clinic["instruments"][1]["points"][0]["id"], nprs["id"]);
    assert_eq!(
        in_clinic["instruments"][1]["points"][0]["respondent"],
        "patient"
    );
    assert!(
        in_clinic["due"].as_array().expect("due").is_empty(),
        "{in_clinic}"
    );

    // Clare's other computer sets a discharge day; an older edit made on the first computer
    // before it heard of that is not applied anywhere, and the first computer takes the newer.
    let other_room = CliDevice::new();
    other_room.login(&base, "clare@clinic.example");
    assert!(other_room.sync_once(30), "other room's first sync");
    let discharge = (Utc::now().date_naive() + Duration::days(40)).to_string();
    other_room.run(&[
        "outcome",
        "plan",
        "--patient",
        &patient_id,
        "--measures",
        "KOOS_JR,NPRS",
        "--start",
        &start,
        "--discharge",
        &discharge,
    ]);
    assert!(
        other_room.sync_once(30),
        "other room sends the discharge day"
    );
    let newer = Store::open(&other_room.db())
        .expect("open")
        .outcome_plan(patient_id.parse().expect("uuid"))
        .expect("plan")
        .expect("kept");
    Store::open(&clinic.db())
        .expect("open")
        .save_outcome_plan(&OutcomePlan {
            instruments: vec![Instrument::Nprs],
            discharge_on: None,
            updated_at: newer.updated_at - Duration::seconds(1),
            ..newer.clone()
        })
        .expect("an edit the first computer still thinks is the latest");
    assert!(clinic.sync_once(30), "the older edit goes up");
    let (_, plan) = fixtures::get_json(
        &base,
        &pat,
        &format!("/api/patients/{patient_id}/outcome-plan"),
    )
    .await;
    assert_eq!(plan["discharge_on"], discharge.as_str(), "{plan}");
    assert_eq!(plan["instruments"], json!(["koos_jr", "nprs"]));
    let kept_here = chart(&clinic, Some(&patient_id));
    assert_eq!(kept_here["plan"]["discharge_on"], discharge.as_str());

    // Bob is not in the care team: nothing of it reaches his computer.
    let outsider = CliDevice::new();
    outsider.login(&base, "bob@clinic.example");
    assert!(outsider.sync_once(30), "bob's sync");
    let store = Store::open(&outsider.db()).expect("open");
    let pat_id: Uuid = patient_id.parse().expect("uuid");
    assert!(store
        .outcome_responses(pat_id)
        .expect("responses")
        .is_empty());
    assert!(store.outcome_plan(pat_id).expect("plan").is_none());
}
