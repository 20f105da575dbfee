//! The desktop commands on Tauri's mock runtime, over the real engine: a real SQLite file, the
//! real pose model on a real clip, and events through Tauri's event system.

use physalign_desktop::settings::AppPaths;
use physalign_desktop::{prepare_state, with_commands};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::{Listener, WebviewWindow};

struct TestApp {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    events: Arc<Mutex<Vec<Value>>>,
    checks: Arc<Mutex<Vec<Value>>>,
    dir: tempfile::TempDir,
}

fn app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let paths = AppPaths {
        db: dir.path().join("data/physalign.sqlite"),
        settings: dir.path().join("config/desktop.json"),
        credentials: dir.path().join("credentials"),
        lock_secrets: dir.path().join("config/lock.json"),
    };
    let state = prepare_state(paths, Instant::now()).unwrap();
    let app = with_commands(mock_builder(), state)
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    app.listen("recorder", move |event| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(event.payload()).unwrap());
    });
    let checks = Arc::new(Mutex::new(Vec::new()));
    let sink = checks.clone();
    app.listen("device-check", move |event| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(event.payload()).unwrap());
    });
    TestApp {
        _app: app,
        window,
        events,
        checks,
        dir,
    }
}

impl TestApp {
    fn invoke(&self, cmd: &str, body: Value) -> Result<Value, String> {
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
        .map_err(|e| e["message"].as_str().map_or(e.to_string(), str::to_string))
    }

    fn ok(&self, cmd: &str, body: Value) -> Value {
        self.invoke(cmd, body)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }
}

fn squat_clip() -> Option<PathBuf> {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/testdata/videos/nowva_squats.mp4"
    ))
    .to_path_buf();
    let models = physalign_models::pose_landmarker(physalign_vision::PoseVariant::Full).is_ok();
    if !path.is_file() || !models {
        eprintln!("skipped: ../shared/testdata or the pose models are not present");
        return None;
    }
    Some(path)
}

#[test]
fn first_run_settings_are_validated_and_kept() {
    let t = app();
    let info = t.ok("app_info", json!({}));
    assert_eq!(info["first_run"], true);
    let mut settings = info["settings"].clone();
    settings["role"] = json!("patient");
    settings["program"] = json!([{ "exercise_id": "no_such_exercise" }]);
    let err = t
        .invoke("save_settings", json!({ "settings": settings }))
        .unwrap_err();
    assert!(err.contains("no_such_exercise"), "{err}");
    assert_eq!(
        t.ok("app_info", json!({}))["first_run"],
        true,
        "nothing saved"
    );

    settings["program"] = json!([{ "exercise_id": "squat", "target_reps": 8 }]);
    t.ok("save_settings", json!({ "settings": settings }));
    assert_eq!(t.ok("app_info", json!({}))["first_run"], false);
    let on_disk: Value =
        serde_json::from_slice(&std::fs::read(t.dir.path().join("config/desktop.json")).unwrap())
            .unwrap();
    assert_eq!(on_disk["role"], "patient");
    let program = t.ok("todays_program", json!({}));
    assert_eq!(program[0]["exercise_id"], "squat");
    assert_eq!(program[0]["target_reps"], 8);
    assert_eq!(program[0]["done_today"], 0);

    // The speech vocabulary: the engine refuses what cannot work, and keeps the rest tidied.
    settings["vocabulary"] = json!({"terms": [], "replacements": [
        {"heard": "knee", "written": "knee"}, {"heard": "Knee", "written": "KNEE"}]});
    let err = t
        .invoke("save_settings", json!({ "settings": settings }))
        .unwrap_err();
    assert!(err.contains("Speech vocabulary: replacement 2"), "{err}");
    settings["vocabulary"] = json!({"terms": [" TheraBand ", ""], "replacements": [
        {"heard": " thera   band ", "written": " TheraBand "}]});
    let saved = t.ok("save_settings", json!({ "settings": settings }));
    let expected = json!({"terms": ["TheraBand"],
        "replacements": [{"heard": "thera band", "written": "TheraBand"}]});
    assert_eq!(saved["vocabulary"], expected);
    let on_disk: Value =
        serde_json::from_slice(&std::fs::read(t.dir.path().join("config/desktop.json")).unwrap())
            .unwrap();
    assert_eq!(on_disk["vocabulary"], expected);
}

#[test]
fn catalogue_devices_and_offline_sync_state() {
    let t = app();
    let exercises = t.ok("list_exercises", json!({}));
    assert!(exercises
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["id"] == "squat"));
    let devices = t.ok("list_devices", json!({}));
    assert!(devices["cameras"].is_array());
    let sync = t.ok("sync_status", json!({}));
    assert!(sync["server_url"].is_null());
    assert_eq!(sync["pending"], 0);
}

#[test]
fn controlling_a_recording_that_does_not_exist_is_a_clear_error() {
    let t = app();
    assert_eq!(
        t.invoke("pause_recording", json!({})).unwrap_err(),
        "no recording is running"
    );
    assert_eq!(t.ok("stop_recording", json!({})), Value::Null);
}

#[test]
fn a_corrupt_video_is_refused_with_its_name_and_stores_nothing() {
    let t = app();
    let bad = t.dir.path().join("broken.mp4");
    std::fs::write(&bad, b"not a video at all").unwrap();
    let err = t
        .invoke(
            "start_recording",
            json!({ "request": { "source": { "kind": "video_file", "path": bad }, "exercise_id": "squat" } }),
        )
        .unwrap_err();
    assert!(err.contains("broken.mp4"), "{err}");
    assert_eq!(t.ok("session_history", json!({})), json!([]));
}

#[test]
fn a_session_recorded_from_a_clip_is_counted_stored_and_reviewable() {
    let Some(clip) = squat_clip() else { return };
    let t = app();
    let id = t.ok(
        "start_recording",
        json!({ "request": {
            "source": { "kind": "video_file", "path": clip, "real_time": false },
            "exercise_id": "squat",
            "target_reps": 5
        } }),
    );
    let id = id.as_str().unwrap().to_string();
    assert_eq!(
        t.invoke(
            "start_recording",
            json!({ "request": { "source": { "kind": "video_file", "path": clip }, "exercise_id": "squat" } }),
        )
        .unwrap_err(),
        "a recording is already running"
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    while !t
        .events
        .lock()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "finished")
    {
        assert!(Instant::now() < deadline, "the recording did not finish");
        std::thread::sleep(Duration::from_millis(100));
    }
    let outcome = t.ok("stop_recording", json!({}));
    assert_eq!(outcome["session_id"], id.as_str());
    assert_eq!(outcome["reps"], 5);

    let events = t.events.lock().unwrap().clone();
    assert_eq!(events[0]["type"], "started");
    assert_eq!(events[0]["target_reps"], 5);
    let frames: Vec<&Value> = events.iter().filter(|e| e["type"] == "frame").collect();
    assert!(frames.iter().any(|f| f["preview"]["data_url"]
        .as_str()
        .is_some_and(|u| u.starts_with("data:image/jpeg;base64,"))));
    assert_eq!(frames.last().unwrap()["analysis"]["reps"], 5);

    let history = t.ok("session_history", json!({}));
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["reps"], 5);
    assert_eq!(history[0]["sync"], "pending");
    let view = t.ok("session_view", json!({ "sessionId": id }));
    assert_eq!(view["report"]["reps"], 5);
    let angles = t.ok(
        "session_angles",
        json!({ "sessionId": id, "maxPoints": 50 }),
    );
    assert!(angles["t_s"].as_array().unwrap().len() <= 50);
    let metrics = t.ok("app_metrics", json!({}));
    assert!(metrics["launch"]["launch_to_first_frame_ms"]
        .as_u64()
        .is_some());
    let program = t.ok("todays_program", json!({}));
    assert_eq!(program[0]["done_today"], 1);
}

#[test]
fn the_device_check_shows_the_picture_with_framing_and_gives_way_to_a_recording() {
    let Some(clip) = squat_clip() else { return };
    let t = app();
    // A video file stands in for the camera: this machine has none.
    t.ok(
        "start_device_check",
        json!({ "request": {
            "camera": { "kind": "video_file", "path": clip, "real_time": true },
            "listen": false
        } }),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let frames = loop {
        let frames: Vec<Value> = t
            .checks
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "camera_frame")
            .cloned()
            .collect();
        if frames.len() >= 10 {
            break frames;
        }
        assert!(
            Instant::now() < deadline,
            "no camera pictures: {:?}",
            t.checks.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(frames.iter().all(|f| f["preview"]["data_url"]
        .as_str()
        .is_some_and(|u| u.starts_with("data:image/jpeg;base64,"))
        && f["preview"]["width"].as_u64().is_some_and(|w| w <= 320)));
    assert!(
        frames.iter().any(|f| f["framing"]["state"] == "full_body"
            && f["landmarks"].as_array().unwrap().len() == 33),
        "the patient in the clip is seen head to feet: {:?}",
        frames.iter().map(|f| &f["framing"]).collect::<Vec<_>>()
    );

    // Starting a recording ends the check (the camera is the recording's now).
    t.ok(
        "start_recording",
        json!({ "request": {
            "source": { "kind": "video_file", "path": clip, "real_time": false },
            "exercise_id": "squat"
        } }),
    );
    let after_start = t.checks.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        t.checks.lock().unwrap().len(),
        after_start,
        "the check stopped"
    );
    assert_eq!(
        t.invoke(
            "start_device_check",
            json!({ "request": { "camera": { "kind": "video_file", "path": clip }, "listen": false } }),
        )
        .unwrap_err(),
        "a recording is already running"
    );
    let outcome = t.ok("stop_recording", json!({}));
    assert!(outcome["frames"].as_u64().unwrap() > 0);

    // A camera that cannot be opened is reported as an event with its reason.
    t.ok(
        "start_device_check",
        json!({ "request": { "camera": { "kind": "camera", "index": 7 }, "listen": false } }),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let error = t
            .checks
            .lock()
            .unwrap()
            .iter()
            .find(|e| e["type"] == "device_error")
            .cloned();
        if let Some(error) = error {
            assert_eq!(error["device"], "camera");
            assert!(
                error["message"].as_str().unwrap().contains("camera"),
                "{error}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "no error for a missing camera");
        std::thread::sleep(Duration::from_millis(50));
    }
    t.ok("stop_device_check", json!({}));
}
