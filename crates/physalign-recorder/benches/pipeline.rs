//! The product's pose pipeline against MediaPipe, and the live latency.
//!
//! `cargo bench -p physalign-recorder --bench pipeline`. Needs the provisioned models and
//! `../shared/testdata/videos` (skipped with a message otherwise).
//!
//! 1. Throughput, one core against one core: for the 720p and the 1080p clip, rounds that
//!    alternate which side goes first; each side is a fresh process pinned with
//!    `taskset -c CPU`. Ours is what `physalign analyze` runs (the recording engine reading the
//!    file as fast as it goes: decoding, crop, detector when tracking is lost, landmarks,
//!    exercise analysis, frames stored in SQLite), timed from the engine's first to its last
//!    event; MediaPipe is `models/bench/mediapipe_baseline.sh` (solutions.pose, model
//!    complexity 1, OpenCV decoding, its own timing without graph set-up). Printed: medians of
//!    frames/s (wall) and of frames per CPU second (robust to other processes on the core), and
//!    ours / MediaPipe.
//! 2. Ours on two cores (`taskset -c CPU,CPU2`: decoding on its own thread), reported apart.
//! 3. Live: the 720p clip played in real time (30 frames/s) through the recording engine on two
//!    cores with previews for every frame; capture-to-overlay latency p50 / p95.
//!
//! Environment: PHYSALIGN_BENCH_ROUNDS (default 3), PHYSALIGN_BENCH_CPU (default 1; the second
//! core is the next one), PHYSALIGN_SHARED_TESTDATA (default ../shared/testdata).

use physalign_analysis::{Catalogue, ExerciseOverrides};
use physalign_recorder::{
    start_recording, EventSink, PoseEngine, PreviewOptions, RecorderEvent, RecordingRequest,
    SourceSpec,
};
use physalign_vision::{PoseConfig, PoseVariant};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Instant;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// A clip of the shared test data and the exercise it shows.
struct Clip {
    label: &'static str,
    file: &'static str,
    exercise: &'static str,
}

const CLIPS: [Clip; 2] = [
    Clip {
        label: "720p",
        file: "nowva_lunge.mp4",
        exercise: "lunge",
    },
    Clip {
        label: "1080p",
        file: "sagor_elbow_flexion.mp4",
        exercise: "elbow_flexion",
    },
];

/// One side's measurement of one run.
#[derive(Debug, Clone, Copy)]
struct Run {
    frames: u64,
    fps: f64,
    cpu_fps: Option<f64>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.iter().position(|a| a == "--ours") {
        Some(i) => child(&args[i + 1..]),
        None => bench(),
    };
    if let Err(e) = result {
        eprintln!("benchmark failed: {e}");
        std::process::exit(1);
    }
}

fn bench() -> BenchResult<()> {
    let rounds: usize = env_or("PHYSALIGN_BENCH_ROUNDS", 3);
    let cpu: usize = env_or("PHYSALIGN_BENCH_CPU", 1);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let second = (cpu + 1) % cores.max(2);
    let shared = std::env::var_os("PHYSALIGN_SHARED_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("../shared/testdata"));
    let videos = shared.join("videos");
    if !videos.is_dir() {
        println!("skipped: {} not present", videos.display());
        return Ok(());
    }
    let baseline = workspace().join("models/bench/mediapipe_baseline.sh");
    let model = physalign_models::pose_landmarker(PoseVariant::Full)?;
    println!(
        "machine: {} ({} cores visible), load average {}",
        cpu_model(),
        cores,
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "ours: full landmark model {}; one core = taskset -c {cpu}, {rounds} rounds alternating",
        model.display()
    );
    let mut json = serde_json::Map::new();
    for clip in &CLIPS {
        let video = videos.join(clip.file);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            // Alternate who runs first, so a load change on the machine hits both sides.
            for side in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
                if side == 0 {
                    ours.push(run_ours(&cpu.to_string(), &video, clip.exercise)?);
                } else {
                    theirs.push(run_mediapipe(&baseline, &cpu.to_string(), &video)?);
                }
            }
        }
        let (o, t) = (median(&ours, |r| r.fps), median(&theirs, |r| r.fps));
        let (oc, tc) = (
            median(&ours, |r| r.cpu_fps.unwrap_or(f64::NAN)),
            median(&theirs, |r| r.cpu_fps.unwrap_or(f64::NAN)),
        );
        println!(
            "{} {} ({} frames), one core: ours {o:.1} frames/s, MediaPipe {t:.1} frames/s, ours/MediaPipe {:.2} (wall) | per CPU second: ours {oc:.1}, MediaPipe {tc:.1}, ratio {:.2}",
            clip.label, clip.file, ours[0].frames, o / t, oc / tc
        );
        println!(
            "  rounds, ours: {}; MediaPipe: {}",
            list(&ours, |r| r.fps),
            list(&theirs, |r| r.fps)
        );
        json.insert(
            clip.label.into(),
            serde_json::json!({
                "clip": clip.file, "frames": ours[0].frames,
                "ours_fps": o, "mediapipe_fps": t, "ratio": o / t,
                "ours_cpu_fps": oc, "mediapipe_cpu_fps": tc, "cpu_ratio": oc / tc,
                "ours_rounds": ours.iter().map(|r| r.fps).collect::<Vec<_>>(),
                "mediapipe_rounds": theirs.iter().map(|r| r.fps).collect::<Vec<_>>(),
            }),
        );
    }
    if cores >= 2 {
        let pair = format!("{cpu},{second}");
        for clip in &CLIPS {
            let video = videos.join(clip.file);
            let runs = (0..rounds)
                .map(|_| run_ours(&pair, &video, clip.exercise))
                .collect::<BenchResult<Vec<_>>>()?;
            let fps = median(&runs, |r| r.fps);
            println!(
                "{} two cores (taskset -c {pair}, decoding on its own thread): ours {fps:.1} frames/s (rounds {})",
                clip.label,
                list(&runs, |r| r.fps)
            );
            json.insert(format!("{}_two_cores_fps", clip.label), fps.into());
        }
        let live = run_live(&pair, &videos.join(CLIPS[0].file), CLIPS[0].exercise)?;
        println!(
            "live, {} played at its own rate on two cores (taskset -c {pair}), a preview for every frame: capture-to-overlay latency p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms ({} frames shown of {}; {:.1} frames/s)",
            CLIPS[0].file,
            live["p50_ms"].as_f64().unwrap_or(f64::NAN),
            live["p95_ms"].as_f64().unwrap_or(f64::NAN),
            live["max_ms"].as_f64().unwrap_or(f64::NAN),
            live["shown"].as_u64().unwrap_or(0),
            live["frames"].as_u64().unwrap_or(0),
            live["fps"].as_f64().unwrap_or(f64::NAN),
        );
        json.insert("live".into(), live);
    } else {
        println!("two-core and live measurements skipped: one core visible");
    }
    println!("{}", serde_json::Value::Object(json));
    Ok(())
}

/// Runs the child mode of this binary pinned to `cpus`.
fn run_ours(cpus: &str, video: &Path, exercise: &str) -> BenchResult<Run> {
    let out = ours_command(cpus, "throughput", video, exercise)?.output()?;
    if !out.status.success() {
        return Err(format!("ours failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let value = last_json(&String::from_utf8_lossy(&out.stdout))?;
    Ok(Run {
        frames: value["frames"].as_u64().unwrap_or(0),
        fps: value["fps"].as_f64().ok_or("no fps from ours")?,
        cpu_fps: value["cpu_fps"].as_f64(),
    })
}

fn run_mediapipe(script: &Path, cpus: &str, video: &Path) -> BenchResult<Run> {
    let out = Command::new("bash")
        .arg(script)
        .arg(video)
        .env("PHYSALIGN_BENCH_CPU", cpus)
        .output()?;
    if !out.status.success() {
        return Err(format!("MediaPipe failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let value = last_json(&String::from_utf8_lossy(&out.stdout))?;
    let frames = value["frames"].as_u64().unwrap_or(0);
    let cpu_fps = value["cpu_seconds"]
        .as_f64()
        .map(|s| frames as f64 / s.max(1e-9));
    Ok(Run {
        frames,
        fps: value["fps"].as_f64().ok_or("no fps from MediaPipe")?,
        cpu_fps,
    })
}

fn run_live(cpus: &str, video: &Path, exercise: &str) -> BenchResult<serde_json::Value> {
    let out = ours_command(cpus, "live", video, exercise)?.output()?;
    if !out.status.success() {
        return Err(format!("live run failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    last_json(&String::from_utf8_lossy(&out.stdout))
}

/// This binary in child mode, pinned to `cpus`, with a throwaway database key.
fn ours_command(cpus: &str, mode: &str, video: &Path, exercise: &str) -> BenchResult<Command> {
    let mut command = Command::new("taskset");
    command
        .args(["-c", cpus])
        .arg(std::env::current_exe()?)
        .args(["--ours", mode])
        .arg(video)
        .arg(exercise)
        .env("PHYSALIGN_NO_KEYRING", "1");
    if std::env::var_os("PHYSALIGN_DB_PASSPHRASE").is_none() {
        command.env("PHYSALIGN_DB_PASSPHRASE", "physalign-bench-throwaway");
    }
    Ok(command)
}

/// Child mode: `--ours throughput|live VIDEO EXERCISE`; records the video through the engine and
/// prints one JSON line.
fn child(args: &[String]) -> BenchResult<()> {
    let [mode, video, exercise, ..] = args else {
        return Err("usage: --ours throughput|live VIDEO EXERCISE".into());
    };
    let live = match mode.as_str() {
        "throughput" => false,
        "live" => true,
        other => return Err(format!("unknown mode {other}").into()),
    };
    let catalogue = Catalogue::builtin()?;
    let exercise = catalogue.get(exercise)?.clone();
    let engine = Arc::new(PoseEngine::new(PoseConfig {
        variant: PoseVariant::Full,
        threads: 1,
    }));
    // Models load before the clock starts, as MediaPipe's graph set-up is outside its timing.
    engine.give_back(engine.take()?);
    let dir = tempfile::tempdir()?;
    // First and last event: (instant, process CPU seconds).
    let marks: Arc<Mutex<Vec<(Instant, f64)>>> = Arc::default();
    let sink_marks = marks.clone();
    let sink: EventSink = Arc::new(move |event| {
        if matches!(
            event,
            RecorderEvent::Started { .. } | RecorderEvent::Finished { .. }
        ) {
            if let Ok(mut marks) = sink_marks.lock() {
                marks.push((Instant::now(), cpu_seconds()));
            }
        }
    });
    let preview = if live {
        // Every frame of a 30 frames/s camera gets its overlay.
        PreviewOptions {
            max_fps: 30.0,
            ..PreviewOptions::default()
        }
    } else {
        // As `physalign analyze` asks.
        PreviewOptions {
            max_fps: 0.0,
            ..PreviewOptions::default()
        }
    };
    let handle = start_recording(
        &dir.path().join("bench.sqlite"),
        engine,
        RecordingRequest {
            source: SourceSpec::VideoFile {
                path: PathBuf::from(video),
                real_time: live,
            },
            exercise,
            overrides: ExerciseOverrides::default(),
            patient_id: None,
            program_item_id: None,
            preview,
            speech: None,
        },
        sink,
    )?;
    let outcome = handle.wait()?;
    if let Some(reason) = outcome.interrupted {
        return Err(format!("recording interrupted: {reason}").into());
    }
    let marks = marks.lock().map_err(|_| "marks poisoned")?.clone();
    let [(start, start_cpu), (end, end_cpu)] = marks[..] else {
        return Err(format!("expected a start and a finish event, got {}", marks.len()).into());
    };
    let seconds = end.duration_since(start).as_secs_f64();
    let frames = outcome.frames;
    let latency = outcome.overlay_latency.unwrap_or_default();
    println!(
        "{}",
        serde_json::json!({
            "frames": frames,
            "seconds": seconds,
            "fps": frames as f64 / seconds.max(1e-9),
            "cpu_fps": frames as f64 / (end_cpu - start_cpu).max(1e-9),
            "reps": outcome.reps,
            "shown": latency.frames,
            "p50_ms": latency.p50_ms,
            "p95_ms": latency.p95_ms,
            "max_ms": latency.max_ms,
        })
    );
    Ok(())
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn last_json(text: &str) -> BenchResult<serde_json::Value> {
    let line = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .ok_or("no JSON line")?;
    Ok(serde_json::from_str(line)?)
}

fn median(runs: &[Run], value: impl Fn(&Run) -> f64) -> f64 {
    let mut values: Vec<f64> = runs.iter().map(value).collect();
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn list(runs: &[Run], value: impl Fn(&Run) -> f64) -> String {
    runs.iter()
        .map(|r| format!("{:.1}", value(r)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// CPU time of this process in seconds.
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
