//! Repetition counting end to end on the real evaluation clips: video -> BlazePose (vision
//! crate) -> SessionAnalyzer, against the hand counts in `../shared/testdata/videos`.
//!
//! Set `PHYSALIGN_TRACKS_DIR` to a directory of saved tracks (`<clip stem>.jsonl`, from
//! `physalign track VIDEO --json-lines`) to skip the model for the clips found there.

use physalign_analysis::{read_track, Catalogue, ExerciseOverrides, FrameSize, SessionAnalyzer};
use physalign_domain::PoseFrame;
use physalign_vision::{track_video, PoseConfig, PoseVariant, VideoReader};
use std::path::{Path, PathBuf};

fn videos_dir() -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/videos"
    ))
    .to_path_buf()
}

fn poses(video: &Path) -> Vec<PoseFrame> {
    let stem = video
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    if let Some(dir) = std::env::var_os("PHYSALIGN_TRACKS_DIR") {
        let cached = Path::new(&dir).join(format!("{stem}.jsonl"));
        if cached.is_file() {
            return read_track(&cached).unwrap();
        }
    }
    let mut frames = Vec::new();
    let config = PoseConfig {
        variant: PoseVariant::Full,
        threads: 1,
    };
    track_video(video, &config, |f, _| frames.push(f.clone())).unwrap();
    frames
}

#[test]
fn repetitions_on_real_clips_match_the_hand_counts() {
    let dir = videos_dir();
    let Ok(text) = std::fs::read_to_string(dir.join("ground_truth.json")) else {
        eprintln!("skipped: ../shared not present");
        return;
    };
    if std::env::var_os("PHYSALIGN_TRACKS_DIR").is_none()
        && physalign_vision::PoseTracker::new(&PoseConfig::default()).is_err()
    {
        eprintln!("skipped: pose models not provisioned (bash models/provision.sh)");
        return;
    }
    let gt: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    let catalogue = Catalogue::builtin().unwrap();
    let (mut exact, mut total, mut worst) = (0, 0, 0);
    for (clip, entry) in &gt {
        let (Some(id), Some(expected)) = (
            entry.get("exercise_id").and_then(|v| v.as_str()),
            entry.get("reps").and_then(|v| v.as_u64()),
        ) else {
            continue;
        };
        let video = dir.join(clip);
        let info = VideoReader::open(&video).unwrap().info().clone();
        let mut analyzer = SessionAnalyzer::new(
            catalogue.get(id).unwrap(),
            &ExerciseOverrides::default(),
            FrameSize::new(info.width, info.height),
        )
        .unwrap();
        for frame in poses(&video) {
            analyzer.push(&frame);
        }
        let report = analyzer.finish();
        let off = (report.reps as i64 - expected as i64).unsigned_abs();
        eprintln!(
            "{clip:<32} {id:<20} expected {expected:>2} predicted {:>2} (partial {})",
            report.reps, report.partial_reps
        );
        total += 1;
        exact += usize::from(off == 0);
        worst = worst.max(off);
    }
    eprintln!("{exact}/{total} exact, worst off by {worst}");
    assert_eq!(total, 9);
    assert!(
        exact >= 8 && worst <= 1,
        "{exact}/{total} exact, worst off by {worst}"
    );
}
