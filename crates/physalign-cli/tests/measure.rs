//! `physalign measure` (the camera goniometer) through the real pose model on real video: a
//! mini squat held against a wall filmed side-on reads as a partly bent knee on the side facing
//! the camera; the same joint filmed from the front is flagged as unreadable from there; a file
//! that is not a video is a clear error. Needs the provisioned pose models (tests/setup.sh) and
//! `../shared/testdata` (skipped without it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn shared(clip: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata")
        .join(clip);
    path.is_file().then_some(path).or_else(|| {
        eprintln!("skipped: ../shared/testdata not present");
        None
    })
}

fn measure(video: &Path, joint: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physalign"))
        .args(["measure", "--json", "--joint", joint])
        .arg(video)
        .output()
        .expect("run physalign")
}

fn reading(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "measure failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON reading")
}

fn warnings(side: &serde_json::Value) -> Vec<&str> {
    side["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .collect()
}

#[test]
fn a_wall_mini_squat_filmed_side_on_reads_a_partly_bent_knee() {
    let Some(video) = shared("videos_more/02_mini_squat_wall_side.mp4") else {
        return;
    };
    let reading = reading(&measure(&video, "knee"));
    assert_eq!(reading["joint"], "knee");
    assert_eq!(reading["view"], "side");
    let sides = reading["sides"].as_array().unwrap();
    let reliable: Vec<&serde_json::Value> =
        sides.iter().filter(|s| warnings(s).is_empty()).collect();
    assert!(!reliable.is_empty(), "no side reliable: {reading:#}");
    for side in reliable {
        // A mini squat bends the knee part of the way: neither straight (about 180) nor a full
        // squat (under 90).
        let angle = side["angle_deg"].as_f64().unwrap();
        assert!((90.0..160.0).contains(&angle), "{reading:#}");
        assert!(side["held_s"].as_f64().unwrap() >= 1.0, "{reading:#}");
    }
}

#[test]
fn knee_flexion_filmed_from_the_front_is_flagged_not_reported_as_reliable() {
    let Some(video) = shared("videos/renyun_squat.mp4") else {
        return;
    };
    let reading = reading(&measure(&video, "knee"));
    assert_eq!(reading["view"], "front", "{reading:#}");
    for side in reading["sides"].as_array().unwrap() {
        assert!(warnings(side).contains(&"view_across_plane"), "{reading:#}");
    }
}

#[test]
fn a_file_that_is_not_a_video_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("held.mp4");
    std::fs::write(&fake, b"not a video at all").unwrap();
    let out = measure(&fake, "knee");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("held.mp4"), "{stderr}");
    let out = measure(&fake, "wrist");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown joint"),
        "unknown joint not named"
    );
}
