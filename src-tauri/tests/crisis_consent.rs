//! The crisis resources and the consent settings through the desktop commands on Tauri's mock
//! runtime, over a real SQLite file: the summary of a session whose notes carry a crisis flag
//! carries the engine's resources, the Today screen's recent flag goes once acknowledged, and
//! the consent toggles are what sync reads; the patient keeps or deletes a session's transcript,
//! and one past the 90-day retention is gone when the session is shown.

use chrono::Utc;
use physalign_desktop::settings::AppPaths;
use physalign_desktop::{prepare_state, with_commands};
use physalign_store::{NewSession, Store, TranscriptRecord};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Instant;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;
use uuid::Uuid;

struct TestApp {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    db: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let paths = AppPaths {
        db: dir.path().join("data/physalign.sqlite"),
        settings: dir.path().join("config/desktop.json"),
        credentials: dir.path().join("credentials"),
        lock_secrets: dir.path().join("config/lock.json"),
    };
    let db = paths.db.clone();
    let state = prepare_state(paths, Instant::now()).unwrap();
    let app = with_commands(mock_builder(), state)
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    TestApp {
        _app: app,
        window,
        db,
        _dir: dir,
    }
}

impl TestApp {
    /// Calls `cmd` the way the window does.
    fn invoke(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().unwrap())
    }

    fn ok(&self, cmd: &str, body: Value) -> Value {
        self.invoke(cmd, body)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e:?}"))
    }

    /// The error message of a command that must fail.
    fn err(&self, cmd: &str, body: Value) -> String {
        let refused = self.invoke(cmd, body).expect_err(cmd);
        refused["message"].as_str().unwrap_or_default().to_string()
    }
}

/// A session recorded now whose transcript's notes are `notes`.
fn session_with_notes(db: &Path, notes: Value) -> Uuid {
    session_with_notes_at(db, notes, Utc::now())
}

/// A session recorded at `started_at` whose transcript's notes are `notes`.
fn session_with_notes_at(db: &Path, notes: Value, started_at: chrono::DateTime<Utc>) -> Uuid {
    let store = Store::open(db).unwrap();
    let id = store
        .create_session(&NewSession {
            id: Uuid::new_v4(),
            patient_id: None,
            exercise_id: "squat".into(),
            source: "test".into(),
            started_at,
        })
        .unwrap();
    let transcript = store
        .save_transcript(&TranscriptRecord {
            id: Uuid::new_v4(),
            session_id: Some(id),
            text: "some days I just want to end it all".into(),
            model: "text".into(),
            audio_seconds: 0.0,
            language: "en".into(),
            segments: Vec::new(),
        })
        .unwrap();
    store.save_clinical_notes(transcript, &notes).unwrap();
    id
}

#[test]
fn a_flagged_session_brings_the_crisis_panel_until_acknowledged() {
    let t = app();
    let calm = session_with_notes(&t.db, json!({ "crisis_alert": null }));
    let summary = t.ok("session_view", json!({ "sessionId": calm }));
    assert!(summary["crisis"].is_null(), "{}", summary["crisis"]);
    assert!(t.ok("recent_crisis", json!({})).is_null());

    let flagged = session_with_notes(
        &t.db,
        json!({ "crisis_alert": { "keywords_matched": ["end it all"] } }),
    );
    let summary = t.ok("session_view", json!({ "sessionId": flagged }));
    let crisis = &summary["crisis"];
    assert_eq!(crisis["session_id"], flagged.to_string());
    assert_eq!(crisis["steps"][0]["kind"], "emergency");
    assert!(crisis["steps"][0]["text"]
        .as_str()
        .unwrap()
        .contains("local emergency number"));
    // Not delivered: the care team will be told, the app does not say it has been.
    assert_eq!(crisis["care_team"], "when_online");

    let today = t.ok("recent_crisis", json!({}));
    assert_eq!(today["session_id"], flagged.to_string());
    t.ok("acknowledge_crisis", json!({ "sessionId": flagged }));
    assert!(t.ok("recent_crisis", json!({})).is_null(), "acknowledged");
    // The summary keeps showing them.
    let summary = t.ok("session_view", json!({ "sessionId": flagged }));
    assert!(!summary["crisis"].is_null());
}

#[test]
fn consent_toggles_are_kept_where_sync_reads_them() {
    let t = app();
    let consent = t.ok("consent_settings", json!({}));
    assert_eq!(consent["share_notes"], true);
    assert_eq!(consent["share_transcript"], true);
    assert_eq!(
        consent["never_leaves"],
        "Video and audio never leave this device."
    );

    let saved = t.ok(
        "save_consent_settings",
        json!({ "consent": { "share_notes": false, "share_transcript": true, "never_leaves": "" } }),
    );
    assert_eq!(saved["share_notes"], false);
    assert_eq!(saved["share_transcript"], true);
    let stored = Store::open(&t.db).unwrap().consent_settings().unwrap();
    assert!(!stored.share_notes && stored.share_transcript);
    assert_eq!(t.ok("consent_settings", json!({}))["share_notes"], false);

    // With notes kept on the device, a crisis flag is honestly not said to reach anyone.
    let flagged = session_with_notes(
        &t.db,
        json!({ "crisis_alert": { "keywords_matched": ["suicidal"] } }),
    );
    let summary = t.ok("session_view", json!({ "sessionId": flagged }));
    assert_eq!(summary["crisis"]["care_team"], "not_shared");
}

#[test]
fn the_patient_keeps_or_deletes_a_transcript_and_an_old_one_is_gone_when_shown() {
    let t = app();
    let kept = session_with_notes(&t.db, json!({ "crisis_alert": null }));
    let summary = t.ok("session_view", json!({ "sessionId": kept }));
    assert_eq!(summary["transcript_retention"]["saved"], false);
    assert!(summary["transcript_retention"]["purge_at"].is_string());
    let r = t.ok(
        "keep_transcript",
        json!({ "sessionId": kept, "retentionDays": null }),
    );
    assert_eq!(
        (r["saved"].clone(), r["purge_at"].clone()),
        (json!(true), Value::Null)
    );

    let deleted = session_with_notes(&t.db, json!({ "crisis_alert": null }));
    let r = t.ok("delete_transcript", json!({ "sessionId": deleted }));
    assert_eq!(r["removed"], "deleted");
    let summary = t.ok("session_view", json!({ "sessionId": deleted }));
    assert!(summary["transcript"].is_null(), "{}", summary["transcript"]);
    assert_eq!(summary["transcript_retention"]["removed"], "deleted");
    assert!(t
        .err("delete_transcript", json!({ "sessionId": deleted }))
        .contains("was deleted"));
    // Both are queued for the server.
    let store = Store::open(&t.db).unwrap();
    for (id, operation) in [(kept, "save_transcript"), (deleted, "delete_transcript")] {
        let queued: Vec<String> = store
            .outbox_entries(id)
            .unwrap()
            .into_iter()
            .map(|e| e.operation.as_str().to_string())
            .collect();
        assert!(queued.iter().any(|o| o == operation), "{queued:?}");
    }

    // A session 91 days old: its transcript is purged before the summary shows it.
    drop(store);
    let old = session_with_notes_at(
        &t.db,
        json!({ "crisis_alert": null }),
        Utc::now() - chrono::Duration::days(91),
    );
    let summary = t.ok("session_view", json!({ "sessionId": old }));
    assert!(summary["transcript"].is_null(), "{}", summary["transcript"]);
    assert_eq!(summary["transcript_retention"]["removed"], "purged");
}
