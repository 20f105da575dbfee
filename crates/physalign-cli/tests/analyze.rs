//! `physalign analyze` as a newcomer runs it (tests/demo.sh): the committed sample through the
//! real pose model and the recording engine into a real SQLite file, then the summary and the
//! HTML report. Needs the provisioned pose models (tests/setup.sh).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/samples/nowva_squats.mp4")
}

fn physalign(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physalign"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run physalign")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_sample_gives_a_summary_a_report_and_a_stored_session() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.sqlite");
    let report = dir.path().join("report.html");
    let sample = sample();
    let out = physalign(
        &db,
        &[
            "analyze",
            sample.to_str().unwrap(),
            "--exercise",
            "squat",
            "--target-reps",
            "5",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "analyze failed: {stderr}");
    // The hand count of the sample is five squats.
    assert!(stdout.contains("repetitions: 5 of 5"), "{stdout}");
    assert!(stdout.contains("All 5 repetitions done"), "{stdout}");
    for n in 1..=5 {
        assert!(
            stdout.contains(&format!("#{n} ")),
            "repetition {n} missing: {stdout}"
        );
    }
    assert!(stdout.contains("range of motion (knee)"), "{stdout}");
    assert!(
        stdout.contains(&format!("report: {}", report.display())),
        "{stdout}"
    );
    // Not a terminal: progress as a few lines, not a bar redrawn thousands of times.
    assert!(stderr.contains("analysing: 50%"), "{stderr}");
    assert!(stderr.lines().count() < 40, "{stderr}");

    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("<svg class=\"chart\""), "no chart");
    assert!(html.contains("<svg class=\"skeleton\""), "no skeleton");
    assert_eq!(
        html.matches("<rect class=\"rep\"").count(),
        5,
        "five shaded repetitions"
    );
    assert!(!html.contains("<script"), "the report runs no script");

    // Stored like a recording from the app: completed, with its frames and repetitions.
    let store = physalign_store::Store::open(&db).unwrap();
    let sessions = store.list_sessions(10, 0).unwrap();
    assert_eq!(sessions.len(), 1);
    let detail = store.get_session(sessions[0].id).unwrap().unwrap();
    assert_eq!(detail.repetitions.len(), 5);
    assert!(store.frame_count(sessions[0].id).unwrap() > 300);
}

#[test]
fn json_keeps_the_machine_form() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("json.sqlite");
    let sample = sample();
    let out = physalign(
        &db,
        &[
            "analyze",
            sample.to_str().unwrap(),
            "--exercise",
            "squat",
            "--json",
            "--no-store",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(report["exercise_id"], "squat");
    assert_eq!(report["reps"], 5);
    assert!(!db.exists(), "--no-store must not create the database");
}

#[test]
fn a_corrupt_video_is_a_clear_error_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("corrupt.sqlite");
    let video = dir.path().join("broken.mp4");
    let mut bytes = std::fs::read(sample()).unwrap();
    bytes.truncate(4096);
    std::fs::write(&video, bytes).unwrap();
    let out = physalign(
        &db,
        &["analyze", video.to_str().unwrap(), "--exercise", "squat"],
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("broken.mp4"),
        "the error names the file: {stderr}"
    );
    if db.exists() {
        let store = physalign_store::Store::open(&db).unwrap();
        let sessions = store.list_sessions(10, 0).unwrap();
        assert!(
            sessions.is_empty(),
            "nothing stored for a file that cannot be read"
        );
    }
}
