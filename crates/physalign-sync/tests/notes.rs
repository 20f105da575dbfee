//! Notes signed in clinic (issue 19) reach the server, also when signed while it was down, with
//! their amendments; the clinician's other devices pull them signed and unchanged; another
//! clinician's device and drafts never see them. The real `physalign` command line and server
//! process on a real PostgreSQL.

mod support;

use chrono::Utc;
use physalign_store::Store;
use serde_json::{json, Value};
use support::cli::CliDevice;
use support::fixtures;
use support::server::ServerProcess;
use uuid::Uuid;

/// Drafts a note about `session` on `device` and signs it; returns its id.
fn sign_note(device: &CliDevice, session: Uuid, pain: &str) -> Uuid {
    let store = Store::open(&device.db()).expect("open");
    let document = json!({"drafter": "soap-rules-v1", "subjective": [{"text": pain}]});
    let id = store
        .create_soap_note(session, None, &document, "Clare Nician", Utc::now())
        .expect("draft");
    let summary = json!({
        "key_topics": ["knee pain"], "topic_summary": null, "strategies": [],
        "action_items": ["Squats daily"], "session_mood": "neutral", "mood_trajectory": null,
        "therapist_notes": "", "patient_summary": null, "risk_flags": []
    });
    store
        .sign_soap_note(id, "Clare Nician", &summary, Utc::now())
        .expect("sign");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_notes_and_amendments_reach_the_server_and_the_clinicians_other_devices_only() {
    let url = support::pg::cluster().create_database("notes_sync");
    let mut server = ServerProcess::start(&url, support::free_port(), 100_000);
    let base = server.url();
    let (clare, pat) = fixtures::care_team(&server).await;
    server.create_clinician("bob@clinic.example");
    let created: Value = reqwest::Client::new()
        .post(format!("{base}/api/sessions"))
        .bearer_auth(&pat)
        .json(&json!({"exercise_type": "squat",
            "start_time": (Utc::now() - chrono::Duration::hours(2)).to_rfc3339(),
            "end_time": (Utc::now() - chrono::Duration::hours(1)).to_rfc3339()}))
        .send()
        .await
        .expect("create session")
        .json()
        .await
        .expect("json");
    let session: Uuid = created["session_id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");

    // The clinic computer pulls the patient's session; one note is signed online, one while
    // the server is down, then amended; a draft stays a draft.
    let clinic = CliDevice::new();
    clinic.login(&base, "clare@clinic.example");
    assert!(clinic.sync_once(30), "first sync");
    let online = sign_note(&clinic, session, "Knee pain 3/10.");
    assert!(clinic.sync_once(30), "sync with one note");
    server.kill();
    let offline = sign_note(&clinic, session, "Knee pain 2/10.");
    let amendment = Store::open(&clinic.db())
        .expect("open")
        .amend_soap_note(offline, "Clare Nician", "It was the left knee.", Utc::now())
        .expect("amend");
    let draft = Store::open(&clinic.db())
        .expect("open")
        .create_soap_note(
            session,
            None,
            &json!({"subjective": []}),
            "Clare Nician",
            Utc::now(),
        )
        .expect("draft");
    assert!(
        !clinic.sync_once(30),
        "no success claimed while the server is down"
    );
    assert_eq!(clinic.json(&["sync", "--status"])["pending"], 2);
    server.restart();
    assert!(clinic.sync_once(30), "sync after the server is back");
    let status = clinic.json(&["sync", "--status"]);
    assert_eq!(
        (status["pending"].clone(), status["failed"].clone()),
        (json!(0), json!(0))
    );

    // The server keeps both as signed, the amendment with the offline one, the draft nowhere.
    let (status, list) = fixtures::get_json(&base, &clare, "/api/notes").await;
    assert_eq!(status, 200, "{list}");
    let on_server = list["data"].as_array().expect("data").clone();
    let ids: Vec<&str> = on_server
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{list}");
    assert!(
        !ids.contains(&draft.to_string().as_str()),
        "a draft reached the server"
    );
    let clinic_store = Store::open(&clinic.db()).expect("open");
    for id in [online, offline] {
        let local = clinic_store.soap_note(id).expect("read").expect("note");
        let row = on_server
            .iter()
            .find(|n| n["id"] == id.to_string())
            .unwrap_or_else(|| panic!("{id} not on the server: {list}"));
        assert_eq!(row["document"], local.document);
        assert_eq!(row["summary"], local.summary.clone().expect("summary"));
        assert_eq!(row["signed_by"], "Clare Nician");
    }
    let amended = on_server
        .iter()
        .find(|n| n["id"] == offline.to_string())
        .unwrap();
    assert_eq!(amended["amendments"][0]["id"], amendment.id.to_string());

    // Clare's other computer pulls both, signed and unchanged, amendment included; a later
    // amendment from the clinic reaches it on its next sync. Bob's computer pulls nothing.
    let other_room = CliDevice::new();
    other_room.login(&base, "clare@clinic.example");
    assert!(other_room.sync_once(30), "other device's sync");
    let pulled = |id: Uuid| {
        Store::open(&other_room.db())
            .expect("open")
            .soap_note(id)
            .expect("read")
    };
    for id in [online, offline] {
        let copy = pulled(id).expect("pulled");
        let original = clinic_store.soap_note(id).expect("read").expect("note");
        assert_eq!(copy.document, original.document);
        assert_eq!(copy.signed, original.signed);
        assert_eq!(copy.summary, original.summary);
        assert_eq!(copy.amendments, original.amendments);
    }
    assert!(pulled(draft).is_none());
    clinic_store
        .amend_soap_note(
            online,
            "Clare Nician",
            "Reviewed with the patient.",
            Utc::now(),
        )
        .expect("amend");
    assert!(clinic.sync_once(30), "the clinic sends the amendment");
    assert!(other_room.sync_once(30), "the other room pulls it");
    assert_eq!(pulled(online).expect("pulled").amendments.len(), 1);

    let outsider = CliDevice::new();
    outsider.login(&base, "bob@clinic.example");
    assert!(outsider.sync_once(30), "bob's sync");
    let outsider_store = Store::open(&outsider.db()).expect("open");
    assert!(outsider_store.soap_note(online).expect("read").is_none());
    assert!(outsider_store.soap_note(offline).expect("read").is_none());
}
