//! `physalign consent` and the crisis resources of `physalign notes`, on a real SQLite file
//! through the built binary.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn physalign(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physalign"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run physalign")
}

fn json_of(db: &Path, args: &[&str]) -> Value {
    let out = physalign(db, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

const CRISIS_TEXT: &str = "My knee was fine today. Honestly some days I just want to end it all.";

#[test]
fn consent_defaults_to_shared_and_changes_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("patient.sqlite");
    let shown = json_of(&db, &["consent", "--json"]);
    assert_eq!(shown["share_notes"], true);
    assert_eq!(shown["share_transcript"], true);
    assert_eq!(shown["share_video"], false);
    assert_eq!(shown["share_audio"], false);

    let changed = json_of(&db, &["consent", "--share-transcript", "no", "--json"]);
    assert_eq!(changed["share_transcript"], false);
    assert_eq!(changed["share_notes"], true, "untouched");
    assert_eq!(changed["changed"], true);

    // Kept in the database, as sync reads it.
    let store = physalign_store::Store::open(&db).unwrap();
    let stored = store.consent_settings().unwrap();
    assert!(stored.share_notes && !stored.share_transcript);

    json_of(
        &db,
        &[
            "consent",
            "--share-notes",
            "no",
            "--share-transcript",
            "yes",
            "--json",
        ],
    );
    let shown = json_of(&db, &["consent", "--json"]);
    assert_eq!(shown["share_notes"], false);
    assert_eq!(shown["share_transcript"], true);

    let human = physalign(&db, &["consent"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("clinical notes: kept on this device"),
        "{text}"
    );
    assert!(
        text.contains("Video and audio never leave this device."),
        "{text}"
    );

    let wrong = physalign(&db, &["consent", "--share-notes", "maybe"]);
    assert!(!wrong.status.success(), "only yes or no");
}

#[test]
fn crisis_language_brings_the_resources_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("patient.sqlite");
    let doc = json_of(&db, &["notes", CRISIS_TEXT, "--json"]);
    assert!(!doc["crisis_alert"].is_null(), "{doc}");
    let resources = &doc["crisis_resources"];
    assert_eq!(resources["steps"][0]["kind"], "emergency", "{resources}");
    assert!(resources["steps"][0]["text"]
        .as_str()
        .unwrap()
        .contains("local emergency number"));
    // Text outside a session stays on the device: the care team is not said to know.
    assert_eq!(resources["care_team"], "not_sent");

    let human = physalign(&db, &["notes", CRISIS_TEXT]);
    assert!(human.status.success());
    let text = String::from_utf8_lossy(&human.stdout);
    let first = text.lines().take(3).collect::<Vec<_>>().join("\n");
    assert!(first.contains("CRISIS ALERT"), "at the top: {text}");
    assert!(text.contains("call your local emergency number"), "{text}");
    assert!(text.contains("your care team has not been told"), "{text}");

    let calm = json_of(
        &db,
        &["notes", "Knee pain about three out of ten.", "--json"],
    );
    assert!(calm["crisis_resources"].is_null(), "{calm}");
    let calm = physalign(&db, &["notes", "Knee pain about three out of ten."]);
    assert!(!String::from_utf8_lossy(&calm.stdout).contains("emergency"));
}

#[test]
fn notes_of_a_session_say_when_the_care_team_will_know() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("patient.sqlite");
    let store = physalign_store::Store::open(&db).unwrap();
    let session = store
        .create_session(&physalign_store::NewSession {
            id: uuid::Uuid::new_v4(),
            patient_id: None,
            exercise_id: "squat".into(),
            source: "test".into(),
            started_at: chrono::Utc::now(),
        })
        .unwrap()
        .to_string();
    let doc = json_of(
        &db,
        &["notes", CRISIS_TEXT, "--session", &session, "--json"],
    );
    assert_eq!(doc["crisis_resources"]["care_team"], "when_online", "{doc}");
    assert_eq!(doc["crisis_resources"]["session_id"], session.as_str());

    json_of(&db, &["consent", "--share-notes", "no", "--json"]);
    let doc = json_of(
        &db,
        &["notes", CRISIS_TEXT, "--session", &session, "--json"],
    );
    assert_eq!(doc["crisis_resources"]["care_team"], "not_shared", "{doc}");
}

/// A spoken remark (espeak-ng, installed by tests/setup.sh), as a patient would make it.
fn spoken(dir: &Path, sentence: &str) -> std::path::PathBuf {
    let wav = dir.join("remark.wav");
    let status = Command::new("espeak-ng")
        .args(["-s", "140", "-w"])
        .arg(&wav)
        .arg(sentence)
        .status()
        .expect("espeak-ng (installed by tests/setup.sh)");
    assert!(status.success());
    wav
}

#[test]
fn analyze_with_crisis_speech_shows_the_resources_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("patient.sqlite");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples/nowva_squats.mp4");
    let remark = spoken(
        dir.path(),
        "My knee pain is three out of ten. Some days I feel suicidal.",
    );
    let args = [
        "analyze",
        sample.to_str().unwrap(),
        "--exercise",
        "squat",
        "--audio",
        remark.to_str().unwrap(),
    ];
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let report = json_of(&db, &with_json);
    // The engine's keys are unchanged; the resources come beside them.
    assert_eq!(report["exercise_id"], "squat");
    let resources = &report["crisis_resources"];
    assert_eq!(resources["session_id"], report["session_id"], "{resources}");
    assert_eq!(resources["steps"][0]["kind"], "emergency");
    // Stored and queued, not yet delivered.
    assert_eq!(resources["care_team"], "when_online");

    let human = physalign(&db, &args);
    assert!(human.status.success());
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.starts_with(&"!".repeat(72)),
        "the resources come first: {text}"
    );
    assert!(text.contains("call your local emergency number"), "{text}");
    assert!(
        text.contains("repetitions: 5"),
        "the summary follows: {text}"
    );
}
