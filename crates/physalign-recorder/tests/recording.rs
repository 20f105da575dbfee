//! The recording engine end to end on real parts: a real clip through the real pose model into a
//! real SQLite file, with the events the window would receive.

use physalign_analysis::{Catalogue, ExerciseOverrides};
use physalign_recorder::history::{angle_series, session_history, session_view, SyncState};
use physalign_recorder::{
    recover_interrupted, start_recording, EventSink, PoseEngine, PreviewOptions, RecorderError,
    RecorderEvent, RecordingRequest, SourceSpec,
};
use physalign_store::{FrameRecord, NewSession, RecordingInfo, SessionStatus, Store};
use physalign_vision::{PoseConfig, PoseVariant};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A front-view goblet squat clip with 5 hand-counted repetitions.
fn squat_clip() -> Option<PathBuf> {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/videos/nowva_squats.mp4"
    ))
    .to_path_buf();
    if !path.is_file() {
        eprintln!("skipped: ../shared/testdata not present");
        return None;
    }
    if physalign_models::pose_landmarker(PoseVariant::Full).is_err() {
        eprintln!("skipped: pose models not provisioned (bash models/provision.sh)");
        return None;
    }
    Some(path)
}

fn engine() -> Arc<PoseEngine> {
    Arc::new(PoseEngine::new(PoseConfig {
        variant: PoseVariant::Full,
        threads: 1,
    }))
}

fn collecting_sink() -> (EventSink, Arc<Mutex<Vec<RecorderEvent>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink_events = events.clone();
    let sink: EventSink = Arc::new(move |e| sink_events.lock().unwrap().push(e));
    (sink, events)
}

fn request(source: SourceSpec) -> RecordingRequest {
    let catalogue = Catalogue::builtin().unwrap();
    RecordingRequest {
        source,
        exercise: catalogue.get("squat").unwrap().clone(),
        overrides: ExerciseOverrides {
            target_reps: Some(5),
            ..ExerciseOverrides::default()
        },
        patient_id: None,
        program_item_id: None,
        preview: PreviewOptions::default(),
        speech: None,
    }
}

#[test]
fn a_video_file_is_recorded_analysed_and_stored_with_live_events() {
    let Some(clip) = squat_clip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.sqlite");
    let (sink, events) = collecting_sink();
    let handle = start_recording(
        &db,
        engine(),
        request(SourceSpec::VideoFile {
            path: clip,
            real_time: false,
        }),
        sink,
    )
    .unwrap();
    let id = handle.session_id();
    while !handle.is_finished() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let outcome = handle.stop().unwrap();
    assert_eq!(outcome.session_id, id);
    assert_eq!(outcome.reps, 5, "hand-counted repetitions");
    assert!(outcome.interrupted.is_none());

    let events = events.lock().unwrap();
    assert!(matches!(
        events.first(),
        Some(RecorderEvent::Started {
            target_reps: Some(5),
            ..
        })
    ));
    assert!(matches!(
        events.last(),
        Some(RecorderEvent::Finished {
            reps: 5,
            interrupted: None,
            ..
        })
    ));
    let frames: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            RecorderEvent::Frame(f) => Some(f),
            _ => None,
        })
        .collect();
    let previews = frames.iter().filter(|f| f.preview.is_some()).count();
    assert!(previews > 0, "the live screen gets previews");
    assert!(
        frames.iter().any(|f| f.landmarks.len() == 33),
        "skeletons are sent"
    );
    // The counter climbs one repetition at a time and ends at the true count.
    let counts: Vec<u32> = frames.iter().map(|f| f.analysis.reps).collect();
    assert!(counts.windows(2).all(|w| w[1] == w[0] || w[1] == w[0] + 1));
    assert_eq!(counts.last().copied(), Some(5));
    let progress = frames.last().and_then(|f| f.progress).unwrap();
    assert!(progress > 0.95, "file progress reaches the end: {progress}");

    let store = Store::open(&db).unwrap();
    let detail = store.get_session(id).unwrap().unwrap();
    assert_ne!(detail.session.status, SessionStatus::Recording);
    assert_eq!(detail.session.frame_count as u64, outcome.frames);
    assert_eq!(detail.repetitions.iter().filter(|r| !r.partial).count(), 5);
    assert!(store.recording(id).unwrap().unwrap().finished);

    let history = session_history(&store, 10).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].reps, Some(5));
    assert_eq!(
        history[0].sync,
        SyncState::Pending,
        "nothing synced without a server"
    );
    assert!(history[0].mean_rom.unwrap() > 30.0);
    let view = session_view(&store, id).unwrap().unwrap();
    assert!(view.report.is_some());
    let series = angle_series(&store, id, 100).unwrap();
    assert!(series.t_s.len() <= 100 && series.t_s.len() >= 50);
    assert!(series.degrees.iter().flatten().count() > 40, "{series:?}");
}

#[test]
fn pause_and_stop_keep_what_was_recorded() {
    let Some(clip) = squat_clip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.sqlite");
    let (sink, events) = collecting_sink();
    let handle = start_recording(
        &db,
        engine(),
        request(SourceSpec::VideoFile {
            path: clip,
            real_time: true,
        }),
        sink,
    )
    .unwrap();
    let frames_so_far = |handle: &physalign_recorder::RecordingHandle| {
        Store::open(&db)
            .unwrap()
            .frame_count(handle.session_id())
            .unwrap()
    };
    let wait_for = |what: &str, done: &dyn Fn(&[RecorderEvent]) -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while !done(&events.lock().unwrap()) {
            assert!(std::time::Instant::now() < deadline, "no {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_for("frames", &|e| {
        e.iter()
            .filter(|e| matches!(e, RecorderEvent::Frame(_)))
            .count()
            > 5
    });
    handle.pause().unwrap();
    wait_for("pause", &|e| {
        e.iter().any(|e| matches!(e, RecorderEvent::Paused { .. }))
    });
    // Longer than the 250 ms commit interval: everything read before the pause is stored.
    std::thread::sleep(Duration::from_millis(600));
    let frames_at_pause = frames_so_far(&handle);
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(
        frames_at_pause,
        frames_so_far(&handle),
        "no frames while paused"
    );
    handle.resume().unwrap();
    wait_for("resume", &|e| {
        e.iter().any(|e| matches!(e, RecorderEvent::Resumed { .. }))
    });
    std::thread::sleep(Duration::from_millis(500));
    let outcome = handle.stop().unwrap();
    // Stopped part-way through the 365-frame clip (paced in real time, so well before its end).
    assert!(
        outcome.frames > 0 && outcome.frames < 365,
        "frames {}",
        outcome.frames
    );
    assert!(outcome.frames as i64 >= frames_at_pause);
    let events = events.lock().unwrap();
    assert!(events
        .iter()
        .any(|e| matches!(e, RecorderEvent::Paused { .. })));
    assert!(events
        .iter()
        .any(|e| matches!(e, RecorderEvent::Resumed { .. })));
    let store = Store::open(&db).unwrap();
    let detail = store.get_session(outcome.session_id).unwrap().unwrap();
    assert_ne!(detail.session.status, SessionStatus::Recording);
    assert_eq!(detail.session.frame_count as u64, outcome.frames);
}

#[test]
fn a_corrupt_video_is_a_clear_error_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.sqlite");
    let bad = dir.path().join("broken.mp4");
    std::fs::write(&bad, b"\x00\x00\x00\x18ftypmp42 this is not a video").unwrap();
    let (sink, events) = collecting_sink();
    let err = start_recording(
        &db,
        engine(),
        request(SourceSpec::VideoFile {
            path: bad.clone(),
            real_time: false,
        }),
        sink,
    )
    .err()
    .expect("a corrupt file must not start");
    assert!(matches!(err, RecorderError::Video { .. }), "{err}");
    assert!(err.to_string().contains("broken.mp4"), "{err}");
    assert!(events.lock().unwrap().is_empty());
    if db.exists() {
        assert!(Store::open(&db)
            .unwrap()
            .list_sessions(10, 0)
            .unwrap()
            .is_empty());
    }
}

#[test]
fn a_missing_camera_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (sink, _) = collecting_sink();
    let err = start_recording(
        &dir.path().join("device.sqlite"),
        engine(),
        request(SourceSpec::Camera { index: 7 }),
        sink,
    )
    .err()
    .expect("no camera 7 here");
    assert!(matches!(err, RecorderError::NoCamera(_)), "{err}");
}

#[test]
fn an_interrupted_recording_is_completed_from_its_stored_frames() {
    let Some(clip) = squat_clip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.sqlite");
    // What a crash leaves behind: the session, its recording entry and its frames, no summary.
    let store = Store::open(&db).unwrap();
    let id = uuid::Uuid::new_v4();
    store
        .create_session(&NewSession {
            id,
            patient_id: None,
            exercise_id: "squat".into(),
            source: clip.display().to_string(),
            started_at: chrono::Utc::now(),
        })
        .unwrap();
    let info = physalign_vision::VideoReader::open(&clip)
        .unwrap()
        .info()
        .clone();
    store
        .begin_recording(&RecordingInfo {
            session_id: id,
            frame_width: info.width,
            frame_height: info.height,
            source_fps: Some(info.average_fps),
            finished: false,
        })
        .unwrap();
    let mut writer = store.frame_writer(id).unwrap();
    let mut n = 0;
    let config = PoseConfig {
        variant: PoseVariant::Full,
        threads: 1,
    };
    physalign_vision::track_video(&clip, &config, |pose, _| {
        writer
            .push(FrameRecord {
                frame_number: n,
                timestamp_ms: pose.timestamp_ms,
                landmarks: pose.landmarks.clone(),
                world_landmarks: pose.world_landmarks.clone(),
                angles: Default::default(),
                quality_score: 0.0,
                form_issues: Vec::new(),
            })
            .unwrap();
        n += 1;
    })
    .unwrap();
    writer.finish().unwrap();

    let recovered = recover_interrupted(&store, &Catalogue::builtin().unwrap()).unwrap();
    assert_eq!(recovered.len(), 1);
    assert_eq!(recovered[0].session_id, id);
    assert_eq!(recovered[0].frames as i64, n);
    assert_eq!(
        recovered[0].reps, 5,
        "the hand count, from the stored frames alone"
    );
    let detail = store.get_session(id).unwrap().unwrap();
    assert_ne!(detail.session.status, SessionStatus::Recording);
    assert!(store.recording(id).unwrap().unwrap().finished);
    // The next start finds nothing left to do.
    assert!(recover_interrupted(&store, &Catalogue::builtin().unwrap())
        .unwrap()
        .is_empty());
}
