//! Pose benchmark: per-frame model latency of every variant on one thread, and end-to-end
//! tracking throughput (decoding included) on a 720p video with `full`, pinned to one core.
//!
//! `cargo bench -p physalign-vision`. Wall-clock numbers suffer when other processes share the
//! core, so CPU-time numbers are printed beside them. If `models/bench/mediapipe_baseline.sh`
//! exists it is run on the same video and the ratio ours / MediaPipe is printed.

use physalign_vision::{PoseConfig, PoseEstimator, PoseTracker, PoseVariant, VideoReader};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() {
    if let Err(e) = run() {
        eprintln!("benchmark failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> BenchResult<()> {
    let pinned = pin_to_one_core();
    let source = physalign_models::asset("pose2sim_cam01.mp4")?;
    let dir = tempfile::tempdir()?;
    let video = dir.path().join("pose2sim_720p.mp4");
    make_720p(&source, &video)?;
    println!("pinned to one core: {pinned}");

    let mut json = serde_json::Map::new();
    let frames: Vec<_> = VideoReader::open(&video)?.collect::<Result<_, _>>()?;
    let crop_ms = crop_latency(&frames);
    println!("rotated 256x256 crop from a 720p frame: median {crop_ms:.3} ms CPU");
    json.insert("crop_median_ms".into(), crop_ms.into());
    for variant in PoseVariant::ALL {
        let latency = model_latency(variant, &frames)?;
        println!(
            "{variant:>5}: landmark model (crop + inference + decoding) median {:.2} ms, p95 {:.2} ms wall; {:.2} / {:.2} ms CPU | detector median {:.2} ms, p95 {:.2} ms wall; {:.2} / {:.2} ms CPU (720p frame, 1 thread)",
            ms(&latency, "landmark_median_ms"), ms(&latency, "landmark_p95_ms"),
            ms(&latency, "landmark_cpu_median_ms"), ms(&latency, "landmark_cpu_p95_ms"),
            ms(&latency, "detector_median_ms"), ms(&latency, "detector_p95_ms"),
            ms(&latency, "detector_cpu_median_ms"), ms(&latency, "detector_cpu_p95_ms"),
        );
        json.insert(variant.name().into(), serde_json::Value::Object(latency));
    }
    drop(frames);

    // End to end: decode + convert + track, full model, one thread.
    let mut tracker = PoseTracker::new(&PoseConfig {
        variant: PoseVariant::Full,
        threads: 1,
    })?;
    let mut best: Option<(physalign_vision::TrackSummary, f64)> = None;
    for _ in 0..3 {
        tracker.reset();
        let cpu = cpu_seconds();
        let summary =
            physalign_vision::track_reader(VideoReader::open(&video)?, &mut tracker, |_, _| {})?;
        let cpu_fps = summary.frames as f64 / (cpu_seconds() - cpu);
        if best.as_ref().is_none_or(|(b, _)| summary.fps() > b.fps()) {
            best = Some((summary, cpu_fps));
        }
    }
    let (best, cpu_fps) = best.ok_or("no run")?;
    println!(
        "end to end 720p full (decode + convert + track): {:.1} frames/s wall, {cpu_fps:.1} frames per CPU second ({} frames, {} with a person, detector ran {} times)",
        best.fps(),
        best.frames,
        best.frames_with_person,
        best.detector_runs
    );
    json.insert("end_to_end_720p_full_fps".into(), best.fps().into());
    json.insert("end_to_end_720p_full_cpu_fps".into(), cpu_fps.into());
    json.insert("pinned_one_core".into(), pinned.into());

    let baseline = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../models/bench/mediapipe_baseline.sh"
    ));
    if baseline.is_file() {
        match mediapipe_fps(baseline, &video) {
            Ok((mp, mp_cpu)) => {
                println!(
                    "MediaPipe baseline: {mp:.1} frames/s wall; ours/mediapipe = {:.2}",
                    best.fps() / mp
                );
                json.insert("mediapipe_fps".into(), mp.into());
                json.insert("ratio_vs_mediapipe".into(), (best.fps() / mp).into());
                if let Some(mp_cpu) = mp_cpu {
                    println!(
                        "MediaPipe baseline: {mp_cpu:.1} frames per CPU second; ours/mediapipe = {:.2}",
                        cpu_fps / mp_cpu
                    );
                    json.insert("mediapipe_cpu_fps".into(), mp_cpu.into());
                    json.insert("cpu_ratio_vs_mediapipe".into(), (cpu_fps / mp_cpu).into());
                }
            }
            Err(e) => println!("MediaPipe baseline failed: {e}"),
        }
    } else {
        println!(
            "MediaPipe baseline: {} not present, skipped",
            baseline.display()
        );
    }
    println!("{}", serde_json::Value::Object(json));
    Ok(())
}

/// Median and p95 latency (wall and CPU) of the landmark model on a fixed region and of the
/// detector, over real frames.
fn model_latency(
    variant: PoseVariant,
    frames: &[physalign_vision::VideoFrame],
) -> BenchResult<serde_json::Map<String, serde_json::Value>> {
    let mut estimator = PoseEstimator::new(&PoseConfig {
        variant,
        threads: 1,
    })?;
    let roi = estimator
        .detect(&frames[0].image)?
        .first()
        .map(|d| d.roi())
        .ok_or("nobody detected in the benchmark video")?;
    let (mut lm_wall, mut lm_cpu) = (Vec::new(), Vec::new());
    for frame in frames.iter().take(60) {
        let (t, c) = (Instant::now(), cpu_seconds());
        estimator.landmarks_in(&frame.image, &roi)?;
        lm_wall.push(t.elapsed().as_secs_f64() * 1000.0);
        lm_cpu.push((cpu_seconds() - c) * 1000.0);
    }
    let (mut det_wall, mut det_cpu) = (Vec::new(), Vec::new());
    for frame in frames.iter().take(30) {
        let (t, c) = (Instant::now(), cpu_seconds());
        estimator.detect(&frame.image)?;
        det_wall.push(t.elapsed().as_secs_f64() * 1000.0);
        det_cpu.push((cpu_seconds() - c) * 1000.0);
    }
    let mut out = serde_json::Map::new();
    for (name, values) in [
        ("landmark", &mut lm_wall),
        ("landmark_cpu", &mut lm_cpu),
        ("detector", &mut det_wall),
        ("detector_cpu", &mut det_cpu),
    ] {
        out.insert(format!("{name}_median_ms"), percentile(values, 0.5).into());
        out.insert(format!("{name}_p95_ms"), percentile(values, 0.95).into());
    }
    Ok(out)
}

/// Median CPU time of the bilinear rotated crop that feeds the landmark model.
fn crop_latency(frames: &[physalign_vision::VideoFrame]) -> f64 {
    use physalign_vision::geometry::{crop_to_tensor, Border, CropSpec, Layout, Roi};
    let spec = CropSpec {
        side: 256,
        layout: Layout::Nhwc,
        low: 0.0,
        high: 1.0,
        border: Border::Zero,
    };
    let mut out = vec![0.0f32; 256 * 256 * 3];
    let mut times = Vec::new();
    for (i, frame) in frames.iter().take(100).enumerate() {
        let roi = Roi {
            center_x: 360.0,
            center_y: 640.0,
            size: 900.0,
            rotation: i as f32 * 0.01,
        };
        let t = cpu_seconds();
        crop_to_tensor(&frame.image, &roi, &spec, &mut out);
        times.push((cpu_seconds() - t) * 1000.0);
    }
    std::hint::black_box(&out);
    percentile(&mut times, 0.5)
}

fn make_720p(source: &Path, out: &Path) -> BenchResult<()> {
    // The source is portrait: 720 x 1280 is its 720p. Looped three times: 300 frames.
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-stream_loop", "2", "-i"])
        .arg(source)
        .args([
            "-vf",
            "scale=720:1280",
            "-c:v",
            "libx264",
            "-preset",
            "medium",
            "-crf",
            "20",
            "-an",
        ])
        .arg(out)
        .status()?;
    if !status.success() {
        return Err("ffmpeg could not make the 720p clip".into());
    }
    Ok(())
}

/// The baseline's wall-clock frames/s (JSON on stdout) and, if it reports it, frames per CPU
/// second (stderr).
fn mediapipe_fps(script: &Path, video: &Path) -> BenchResult<(f64, Option<f64>)> {
    let out = Command::new("bash").arg(script).arg(video).output()?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .ok_or("no JSON line from the baseline")?;
    let value: serde_json::Value = serde_json::from_str(line)?;
    let fps = value["fps"].as_f64().ok_or("baseline JSON has no fps")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let cpu_fps = stderr
        .find(" frames per cpu second")
        .and_then(|end| stderr[..end].rsplit('(').next())
        .and_then(|n| n.trim().parse::<f64>().ok());
    Ok((fps, cpu_fps))
}

fn ms(values: &serde_json::Map<String, serde_json::Value>, key: &str) -> f64 {
    values.get(key).and_then(|v| v.as_f64()).unwrap_or(f64::NAN)
}

fn percentile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    if values.is_empty() {
        return f64::NAN;
    }
    values[((values.len() - 1) as f64 * q).round() as usize]
}

/// CPU time of this process in seconds (robust to other processes sharing the core).
fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    if unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) } == 0 {
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    } else {
        f64::NAN
    }
}

/// Pins this process to the CPU it is running on, so the measurement uses one core.
fn pin_to_one_core() -> bool {
    // SAFETY: plain libc calls on a zeroed cpu_set_t owned by this frame.
    unsafe {
        let cpu = libc::sched_getcpu();
        if cpu < 0 {
            return false;
        }
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu as usize, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}
