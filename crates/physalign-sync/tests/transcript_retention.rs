//! Seed 002's transcript retention across devices and server (issue 19): a transcript the
//! patient deletes on their device is deleted on the server (410 from then on) and disappears
//! from the clinician's device; one the server purges 90 days after its session disappears
//! from the patient's device and the clinician's; one the clinician saves stays on the patient's
//! device past 90 days. The real `physalign` command line and server process on a real
//! PostgreSQL, the server's clean-up running every second.

mod support;

use physalign_store::{SegmentRecord, Store, TranscriptRecord, TranscriptRemoval};
use serde_json::{json, Value};
use support::cli::CliDevice;
use support::fixtures;
use support::server::ServerProcess;
use uuid::Uuid;

fn add_transcript(device: &CliDevice, session: Uuid, text: &str) {
    Store::open(&device.db())
        .expect("open")
        .save_transcript(&TranscriptRecord {
            id: Uuid::new_v4(),
            session_id: Some(session),
            text: text.into(),
            model: "ggml-tiny.en".into(),
            audio_seconds: 3.0,
            language: "en".into(),
            segments: vec![SegmentRecord {
                start_ms: 0,
                end_ms: 3000,
                text: text.into(),
                confidence: None,
                speaker: None,
            }],
        })
        .expect("save transcript");
}

/// The transcript text a device holds for a session (`None`: none, or removed).
fn text_on(device: &CliDevice, session: Uuid) -> Option<String> {
    Store::open(&device.db())
        .expect("open")
        .session_transcript_and_notes(session)
        .expect("read")
        .0
}

fn removal_on(device: &CliDevice, session: Uuid) -> Option<TranscriptRemoval> {
    Store::open(&device.db())
        .expect("open")
        .transcript_retention(session)
        .expect("read")
        .and_then(|r| r.removed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletions_purges_and_saves_reach_every_device_of_the_care_team() {
    // The only test of this binary: the server processes it starts purge every second.
    std::env::set_var("PHYSALIGN_RETENTION_INTERVAL", "1");
    let db = "transcript_retention";
    let url = support::pg::cluster().create_database(db);
    let server = ServerProcess::start(&url, support::free_port(), 100_000);
    let base = server.url();
    let (clare, pat) = fixtures::care_team(&server).await;

    // The patient records three sessions with spoken remarks and syncs; the clinic pulls them.
    let home = CliDevice::new();
    home.login(&base, "pat@home.example");
    let sessions = fixtures::record_sessions(&home.db(), 3, 30);
    let (deleted, purged, saved) = (sessions[0], sessions[1], sessions[2]);
    for (session, text) in [
        (deleted, "Knee pain four out of ten."),
        (purged, "Hip is better today."),
        (saved, "Shoulder stiff in the morning."),
    ] {
        add_transcript(&home, session, text);
    }
    assert!(home.sync_once(30), "patient's first sync");
    let clinic = CliDevice::new();
    clinic.login(&base, "clare@clinic.example");
    assert!(clinic.sync_once(30), "clinic's first sync");
    for session in &sessions {
        assert!(text_on(&clinic, *session).is_some(), "pulled {session}");
    }

    // The patient deletes one on their device; the deletion reaches the server...
    let shown = home.json(&["transcript", "delete", &deleted.to_string()]);
    assert_eq!(shown["removed"], "deleted", "{shown}");
    assert_eq!(text_on(&home, deleted), None);
    assert!(home.sync_once(30), "sync the deletion");
    let (status, body) =
        fixtures::get_json(&base, &pat, &format!("/api/sessions/{deleted}/transcript")).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (410, json!("TRANSCRIPT_DELETED"))
    );
    // ... and the clinic's device.
    assert!(clinic.sync_once(30), "clinic pulls the deletion");
    assert_eq!(text_on(&clinic, deleted), None);
    assert_eq!(
        removal_on(&clinic, deleted),
        Some(TranscriptRemoval::Deleted)
    );

    // The clinician saves one for a year (on the server); then two sessions turn 100 days old
    // on the server, which purges the unsaved one.
    let r: Value = reqwest::Client::new()
        .post(format!("{base}/api/sessions/{saved}/transcript/save"))
        .bearer_auth(&clare)
        .json(&json!({"retention_days": 365}))
        .send()
        .await
        .expect("save")
        .json()
        .await
        .expect("json");
    assert_eq!(r["saved"], true, "{r}");
    support::pg::cluster().query(
        db,
        &format!(
            "UPDATE exercise_sessions SET start_time = start_time - INTERVAL '100 days',
                 end_time = end_time - INTERVAL '100 days' WHERE id IN ('{purged}', '{saved}')"
        ),
    );
    let path = format!("/api/sessions/{purged}/transcript");
    let mut status = 0;
    for _ in 0..100 {
        status = fixtures::get_json(&base, &pat, &path).await.0;
        if status == 410 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, 410, "the server's clean-up purged the transcript");
    let (status, _) =
        fixtures::get_json(&base, &pat, &format!("/api/sessions/{saved}/transcript")).await;
    assert_eq!(status, 200, "saved for a year");

    // Both devices learn it with their next pull; the saved one stays on the patient's device
    // although its session there is younger: the save came from the server.
    for device in [&home, &clinic] {
        assert!(device.sync_once(30), "pull the purge");
        assert_eq!(text_on(device, purged), None);
        assert_eq!(removal_on(device, purged), Some(TranscriptRemoval::Purged));
        assert!(text_on(device, saved).is_some());
    }
    let shown = home.json(&["transcript", "show", &saved.to_string()]);
    assert_eq!(shown["saved"], true, "{shown}");
    assert!(shown["purge_at"].is_string(), "{shown}");
    // A second deletion of the same transcript is refused on the device, before any request.
    let out = home.output(&["transcript", "delete", &deleted.to_string()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("deleted"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
