//! Shared helpers of the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A provisioned asset (`models/provision.sh` puts them in the model cache).
pub fn asset(name: &str) -> PathBuf {
    match physalign_models::asset(name) {
        Ok(path) => path,
        Err(e) => panic!("{e}"),
    }
}

/// `../shared/testdata` beside the repository, if present.
pub fn shared_testdata() -> Option<PathBuf> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata"
    ));
    dir.is_dir().then(|| dir.to_path_buf())
}

/// Runs the FFmpeg command-line tool, panicking with its output on failure.
pub fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .output()
        .expect("the ffmpeg command-line tool is installed");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Presentation times (ms) of every video frame according to ffprobe.
pub fn ffprobe_frame_times_ms(path: &Path) -> Vec<f64> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "frame=pts_time",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe is installed");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().trim_end_matches(',').parse::<f64>().ok())
        .map(|s| s * 1000.0)
        .collect()
}

/// The first frame decoded by the ffmpeg tool (autorotated), as width, height, RGB bytes.
pub fn ffmpeg_first_frame(path: &Path) -> (u32, u32, Vec<u8>) {
    let probe = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .expect("ffmpeg is installed");
    assert!(probe.status.success());
    let dims = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe is installed");
    let text = String::from_utf8_lossy(&dims.stdout);
    let mut parts = text.trim().split(',').map(|v| v.parse::<u32>().unwrap());
    let (w, h) = (parts.next().unwrap(), parts.next().unwrap());
    // ffmpeg autorotates, so a quarter-turned stream comes out with swapped sides.
    let (w, h) = if is_rotated(path) { (h, w) } else { (w, h) };
    assert_eq!(probe.stdout.len(), (w * h * 3) as usize);
    (w, h, probe.stdout)
}

fn is_rotated(path: &Path) -> bool {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream_side_data=rotation",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .trim_matches(',')
        .parse::<i32>()
        .map(|r| r.rem_euclid(180) == 90)
        .unwrap_or(false)
}
