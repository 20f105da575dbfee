//! End to end against the real `physalign-server` on a real PostgreSQL: sessions recorded while
//! the server is down reach it once and unchanged; 4xx, 401 and 412 are handled as specified;
//! reviews and profile data come back down.

mod support;

use physalign_store::sync_state::RemoteRecordKind;
use physalign_store::Store;
use physalign_sync::{CredentialStore, SyncConfig, SyncWorker};
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;
use support::fixtures::{self, PASSWORD};
use support::server::ServerProcess;
use uuid::Uuid;

/// A server with its own database, a patient account and a device database logged in to it.
pub struct Device {
    pub server: ServerProcess,
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub email: String,
    pub token: String,
}

impl Device {
    pub fn credentials(&self) -> CredentialStore {
        CredentialStore::file_only(self.dir.path().join("credentials"))
    }

    pub fn worker(&self) -> SyncWorker {
        SyncWorker::open(&self.db, self.credentials(), test_config()).expect("open worker")
    }
}

pub fn test_config() -> SyncConfig {
    SyncConfig {
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(400),
        request_timeout: Duration::from_secs(10),
        ..SyncConfig::default()
    }
}

pub async fn device(name: &str) -> Device {
    let url = support::pg::cluster().create_database(name);
    let server = ServerProcess::start(&url, support::free_port(), 100_000);
    let email = format!("{name}@example.org");
    let token = fixtures::signup_patient(&server.url(), &email).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("device.sqlite");
    let device = Device {
        server,
        dir,
        db,
        email,
        token,
    };
    let report = physalign_sync::login(
        &device.db,
        device.credentials(),
        &device.server.url(),
        &device.email,
        PASSWORD,
    )
    .await
    .expect("login");
    assert_eq!(report.role, "patient");
    device
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_recorded_while_the_server_is_down_arrive_once_when_it_is_back() {
    let mut device = device("offline_first").await;
    device.server.kill();
    let ids = fixtures::record_sessions(&device.db, 6, 90);
    let worker = device.worker();
    let report = worker
        .run_once(Duration::from_millis(300))
        .await
        .expect("run");
    assert_eq!(report.delivered, 0);
    assert!(report.retried > 0, "{report:?}");
    assert_eq!(
        report.pending_left, 12,
        "6 creates + 6 completions stay queued"
    );
    assert!(!report.complete());

    device.server.restart();
    let report = worker.run_once(Duration::from_secs(30)).await.expect("run");
    assert!(report.complete(), "{report:?}");
    assert_eq!(report.delivered, 12);
    let checked =
        fixtures::assert_server_matches_local(&device.server.url(), &device.token, &device.db, 5)
            .await;
    assert_eq!(checked, ids.len());

    // A second pass sends nothing and changes nothing.
    let again = worker.run_once(Duration::from_secs(5)).await.expect("run");
    assert_eq!(again.delivered, 0);
    assert!(again.complete());
    let status = physalign_sync::blocking::status(&device.db).expect("status");
    assert_eq!((status.pending, status.failed, status.done), (0, 0, 12));
    assert!(status.last_success_at.is_some());
    assert_eq!(status.pulled_sessions, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_entry_fails_with_its_reason_and_does_not_block_the_others() {
    let device = device("permanent_4xx").await;
    fixtures::record_sessions(&device.db, 2, 30);
    let store = Store::open(&device.db).expect("store");
    // The server allows at most 100 characters of exercise type: a permanent 400.
    let bad = Uuid::new_v4();
    store
        .create_session(&physalign_store::NewSession {
            id: bad,
            patient_id: None,
            exercise_id: "x".repeat(150),
            source: "test".into(),
            started_at: chrono::Utc::now(),
        })
        .expect("create");
    drop(store);
    let worker = device.worker();
    let report = worker.run_once(Duration::from_secs(10)).await.expect("run");
    assert_eq!(report.failed_total, 1, "{report:?}");
    assert_eq!(report.delivered, 4, "the two good sessions went through");
    assert!(!report.complete());
    let status = physalign_sync::blocking::status(&device.db).expect("status");
    assert_eq!(status.failed_entries.len(), 1);
    let failed = &status.failed_entries[0];
    assert_eq!(failed.entity_id, bad);
    let reason = failed.reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("400") && reason.contains("VALIDATION_ERROR"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_made_on_the_server_meanwhile_is_a_kept_conflict_not_a_lost_edit() {
    let device = device("conflict_412").await;
    let store = Store::open(&device.db).expect("store");
    let id = Uuid::new_v4();
    let started_at = chrono::Utc::now();
    store
        .create_session(&physalign_store::NewSession {
            id,
            patient_id: None,
            exercise_id: "squat".into(),
            source: "test".into(),
            started_at,
        })
        .expect("create");
    let worker = device.worker();
    assert!(worker
        .run_once(Duration::from_secs(10))
        .await
        .expect("run")
        .complete());

    // Someone edits the session on the server (version 1 -> 2).
    let response = reqwest::Client::new()
        .put(format!("{}/api/sessions/{id}", device.server.url()))
        .bearer_auth(&device.token)
        .json(&json!({"environment_notes": "edited in clinic"}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), 200);

    // The device completes its copy, which was based on version 1.
    let mut writer = store.frame_writer(id).expect("writer");
    writer
        .push(physalign_store::FrameRecord {
            frame_number: 0,
            timestamp_ms: 0,
            landmarks: Vec::new(),
            world_landmarks: Vec::new(),
            angles: Default::default(),
            quality_score: 0.9,
            form_issues: Vec::new(),
        })
        .expect("frame");
    writer.finish().expect("finish");
    store
        .complete_session(
            id,
            &physalign_store::SessionCompletion {
                ended_at: started_at + chrono::Duration::seconds(40),
                duration_seconds: 40.0,
                repetitions: Vec::new(),
                form_issues: Vec::new(),
                summary_statistics: json!({"total_frames": 1, "average_quality": 0.9}),
                pose_data: json!({}),
                report: json!({}),
            },
        )
        .expect("complete");
    let report = worker.run_once(Duration::from_secs(10)).await.expect("run");
    assert_eq!(report.failed_total, 1, "{report:?}");
    let status = physalign_sync::blocking::status(&device.db).expect("status");
    assert_eq!(status.conflicts.len(), 1, "{status:?}");
    let conflict = &status.conflicts[0];
    assert_eq!(conflict.entity_id, id);
    assert_eq!(conflict.server_version, Some(2));
    assert!(conflict.server_copy_saved);
    let kept = store.open_conflicts().expect("conflicts");
    assert_eq!(
        kept[0].local_record["session"]["duration_seconds"],
        json!(40.0)
    );
    assert_eq!(
        kept[0].server_record.as_ref().expect("server copy")["session"]["environment_notes"],
        json!("edited in clinic")
    );
    assert!(status.failed_entries[0]
        .reason
        .as_deref()
        .unwrap_or_default()
        .contains("conflict"));
    // Neither side was overwritten: the server still has the clinic's edit and no end time.
    let (_, remote) = fixtures::get_json(
        &device.server.url(),
        &device.token,
        &format!("/api/sessions/{id}"),
    )
    .await;
    assert_eq!(
        remote["session"]["environment_notes"],
        json!("edited in clinic")
    );
    assert_eq!(remote["session"]["end_time"], json!(null));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_refresh_token_asks_for_login_and_keeps_the_queue() {
    let device = device("login_required").await;
    let account = physalign_sync::client::account_name(&device.server.url(), &device.email);
    let mut tokens = device
        .credentials()
        .load(&account)
        .expect("load")
        .expect("tokens");
    // Revoke the refresh token's family on the server and forget the access token.
    let response = reqwest::Client::new()
        .post(format!("{}/api/auth/logout", device.server.url()))
        .json(&json!({"refresh_token": tokens.refresh_token}))
        .send()
        .await
        .expect("logout");
    assert!(response.status().is_success());
    tokens.access_token = None;
    device.credentials().save(&account, &tokens).expect("save");

    fixtures::record_sessions(&device.db, 2, 30);
    let worker = device.worker();
    let report = worker.run_once(Duration::from_secs(5)).await.expect("run");
    assert!(report.login_required.is_some(), "{report:?}");
    assert_eq!(report.pending_left, 4, "queue kept");
    let status = physalign_sync::blocking::status(&device.db).expect("status");
    assert!(status.login_required.is_some());
    let entries = Store::open(&device.db)
        .expect("store")
        .pending_outbox(10)
        .expect("pending");
    assert!(
        entries.iter().all(|e| e.attempts == 0),
        "a refused login is not the entry's failure"
    );
    drop(worker);

    physalign_sync::login(
        &device.db,
        device.credentials(),
        &device.server.url(),
        &device.email,
        PASSWORD,
    )
    .await
    .expect("login again");
    let report = device
        .worker()
        .run_once(Duration::from_secs(10))
        .await
        .expect("run");
    assert!(report.complete(), "{report:?}");
    fixtures::assert_server_matches_local(&device.server.url(), &device.token, &device.db, 5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_written_offline_go_up_and_reviews_come_down() {
    let device = device("reviews").await;
    fixtures::record_sessions(&device.db, 2, 30);
    assert!(device
        .worker()
        .run_once(Duration::from_secs(10))
        .await
        .expect("run")
        .complete());
    let session_ids: Vec<Uuid> = Store::open(&device.db)
        .expect("store")
        .list_sessions(10, 0)
        .expect("list")
        .iter()
        .map(|s| s.id)
        .collect();

    // The physiotherapist's own device: linked to the patient, reviews one session offline.
    let physio_email = "reviews-physio@example.org";
    device.server.create_clinician(physio_email);
    let physio_token = fixtures::login(&device.server.url(), physio_email).await;
    fixtures::invite_and_claim(&device.server.url(), &physio_token, &device.email).await;
    let physio_dir = tempfile::tempdir().expect("dir");
    let physio_db = physio_dir.path().join("physio.sqlite");
    let physio_creds = CredentialStore::file_only(physio_dir.path().join("creds"));
    physalign_sync::login(
        &physio_db,
        physio_creds.clone(),
        &device.server.url(),
        physio_email,
        PASSWORD,
    )
    .await
    .expect("physio login");
    let review_id = Uuid::new_v4();
    let physio_store = Store::open(&physio_db).expect("store");
    physio_store
        .create_offline_review_with_minutes(
            review_id,
            session_ids[0],
            &json!({"id": review_id, "session_id": session_ids[0], "overall_assessment": "GOOD",
                    "notes": "depth improved", "form_feedback": [{"issue": "knee valgus", "severity": "MEDIUM"}]}),
            Some(14),
        )
        .expect("offline review");
    let worker = SyncWorker::open(&physio_db, physio_creds, test_config()).expect("worker");
    let report = worker
        .run_once(Duration::from_secs(10))
        .await
        .expect("physio sync");
    assert!(report.complete(), "{report:?}");
    assert_eq!(report.delivered, 1);
    assert_eq!(
        report.pull.expect("pulled").people,
        1,
        "the physio's patient list"
    );

    // The patient's next sync brings the review (and the status change) down.
    let report = device
        .worker()
        .run_once(Duration::from_secs(10))
        .await
        .expect("run");
    let pulled = report.pull.expect("pulled");
    assert_eq!(pulled.reviews, 1, "{pulled:?}");
    let reviews = Store::open(&device.db)
        .expect("store")
        .remote_records(RemoteRecordKind::Review)
        .expect("reviews");
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].id, review_id.to_string());
    assert_eq!(reviews[0].record["notes"], json!("depth improved"));
    // The clinician's time went up with the review and came down with it.
    assert_eq!(reviews[0].record["minutes_spent"], json!(14));
    assert_eq!(
        Store::open(&device.db)
            .expect("store")
            .review_minutes_spent(review_id)
            .expect("minutes"),
        Some(14)
    );
    let profiles = Store::open(&device.db)
        .expect("store")
        .remote_records(RemoteRecordKind::PatientProfile)
        .expect("profile");
    assert_eq!(profiles.len(), 1);
}

/// Issue 13's defect: a session transcribed with the microphone left `transcript` and
/// `clinical_note` entries that the server had no endpoint for, so the badge read "Sync: N
/// failed" for ever. Now they are delivered like the rest. Stored here the way the recording engine stores speech (an empty
/// transcript, one append per recognised segment, the final transcript, then the notes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transcribed_session_syncs_with_nothing_failed() {
    let device = device("transcribed_session").await;
    let session = fixtures::record_sessions(&device.db, 1, 30)[0];
    let store = Store::open(&device.db).expect("store");
    let transcript = Uuid::new_v4();
    let mut record = physalign_store::TranscriptRecord {
        id: transcript,
        session_id: Some(session),
        text: String::new(),
        model: "ggml-tiny.en".into(),
        audio_seconds: 0.0,
        language: "en".into(),
        segments: vec![],
    };
    store.save_transcript(&record).expect("begin transcript");
    let segment = physalign_store::SegmentRecord {
        start_ms: 0,
        end_ms: 1_500,
        text: "My knee pain is a 3 out of 10.".into(),
        confidence: Some(0.8),
        speaker: None,
    };
    store.append_segment(transcript, &segment).expect("append");
    record.text = segment.text.clone();
    record.audio_seconds = 1.5;
    record.segments = vec![segment];
    store.save_transcript(&record).expect("final transcript");
    store
        .save_clinical_notes(transcript, &json!({"pain_reports": [{"score": 3.0}]}))
        .expect("notes");
    drop(store);

    let report = device
        .worker()
        .run_once(Duration::from_secs(30))
        .await
        .expect("run");
    assert!(report.complete(), "{report:?}");
    let status = physalign_sync::blocking::status(&device.db).expect("status");
    // The session, its pose data, and (shared by default) the transcript and notes.
    assert_eq!(
        (status.pending, status.failed, status.done),
        (0, 0, 4),
        "{:?}",
        status.failed_entries
    );
    let base = device.server.url();
    let path = format!("/api/sessions/{session}/transcript");
    let (code, body) = fixtures::get_json(&base, &device.token, &path).await;
    assert_eq!(code, 200, "{body}");
    assert!(
        body.to_string().contains("knee pain is a 3 out of 10"),
        "{body}"
    );
    let path = format!("/api/sessions/{session}/notes");
    let (code, body) = fixtures::get_json(&base, &device.token, &path).await;
    assert_eq!(code, 200, "{body}");
    // The transcript and notes stay on the device too.
    let store = Store::open(&device.db).expect("store");
    assert_eq!(
        store.get_transcript(transcript).expect("read"),
        Some(record)
    );
    assert!(store.clinical_notes(transcript).expect("read").is_some());
}
