//! Real-time factor of local transcription, and the ratio against faster-whisper (CTranslate2
//! int8) on the same weights, the same clip and the same thread count, in the same run.
//!
//! Run: `cargo bench -p physalign-speech --bench rtf` (needs provisioned models, sox and Debian's
//! pocketsphinx-testdata; set PHYSALIGN_BENCH_THREADS, default 2; PHYSALIGN_BENCH_SKIP_FW=1 skips
//! the faster-whisper side). The clip is >= 60 s: the LibriVox test clips concatenated (three
//! passes, 0.5 s pauses) with sox into a temporary file.

use physalign_speech::audio::load_whisper_mono;
use physalign_speech::transcribe::ggml_build_info;
use physalign_speech::wer::word_errors;
use physalign_speech::{TranscribeOptions, WhisperTranscriber};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const LIBRIVOX: &str = "/usr/share/pocketsphinx/test/data/librivox";

fn librivox_clips() -> Option<(Vec<PathBuf>, String)> {
    let reference = std::fs::read_to_string(Path::new(LIBRIVOX).join("transcription")).ok()?;
    let mut clips = Vec::new();
    let mut words = Vec::new();
    for line in reference.lines() {
        let (text, id) = line.rsplit_once('(')?;
        clips.push(Path::new(LIBRIVOX).join(format!("{}.wav", id.trim_end_matches(')').trim())));
        words.push(
            text.replace("<s>", "")
                .replace("</s>", "")
                .trim()
                .to_string(),
        );
    }
    Some((clips, words.join(" ")))
}

fn build_clip(dir: &Path) -> Option<(PathBuf, String)> {
    let (clips, reference) = librivox_clips()?;
    let pause = dir.join("pause.wav");
    let ok = Command::new("sox")
        .args(["-n", "-r", "16000", "-c", "1", "-b", "16"])
        .arg(&pause)
        .args(["trim", "0", "0.5"])
        .status()
        .ok()?
        .success();
    if !ok {
        return None;
    }
    let out = dir.join("librivox_x3.wav");
    let mut cmd = Command::new("sox");
    let mut full_reference = Vec::new();
    for _ in 0..3 {
        for c in &clips {
            cmd.arg(c).arg(&pause);
        }
        full_reference.push(reference.clone());
    }
    cmd.arg(&out);
    cmd.status()
        .ok()?
        .success()
        .then_some((out, full_reference.join(" ")))
}

struct Run {
    /// How the weights are stored (ours: from the ggml header; faster-whisper: its compute type).
    weights: String,
    seconds: f64,
    audio: f64,
    wer: f64,
}

fn run_rust(model: &str, clip: &Path, reference: &str, threads: usize) -> Option<Run> {
    let transcriber = match WhisperTranscriber::load(model) {
        Ok(t) => t,
        Err(e) => {
            println!("{model}: skipped ({e})");
            return None;
        }
    };
    let options = TranscribeOptions {
        threads,
        ..Default::default()
    };
    let (samples, audio) = load_whisper_mono(clip).ok()?;
    // Warm-up (first-call allocations), as the faster-whisper side does.
    transcriber
        .transcribe_samples(&samples[..32_000], &options)
        .ok()?;
    let started = Instant::now();
    let t = transcriber.transcribe_samples(&samples, &options).ok()?;
    let seconds = started.elapsed().as_secs_f64();
    Some(Run {
        weights: transcriber.weight_type().to_string(),
        seconds,
        audio,
        wer: word_errors(reference, &t.text).rate(),
    })
}

fn run_faster_whisper(model: &str, clip: &Path, reference: &str, threads: usize) -> Option<Run> {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/whisper/bench_faster_whisper.sh");
    let output = Command::new("bash")
        .arg(script)
        .arg(clip)
        .arg(model)
        .arg(threads.to_string())
        .output()
        .ok()?;
    if !output.status.success() {
        println!(
            "faster-whisper {model}: failed: {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return None;
    }
    let line = String::from_utf8_lossy(&output.stdout);
    let v: serde_json::Value = serde_json::from_str(line.lines().last()?).ok()?;
    Some(Run {
        weights: "int8".into(),
        seconds: v["processing_seconds"].as_f64()?,
        audio: v["audio_seconds"].as_f64()?,
        wer: word_errors(reference, v["text"].as_str()?).rate(),
    })
}

fn main() {
    let threads: usize = std::env::var("PHYSALIGN_BENCH_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(2);
    let Ok(dir) = tempfile::tempdir() else {
        println!("rtf: cannot create a temporary directory");
        return;
    };
    let Some((clip, reference)) = build_clip(dir.path()) else {
        println!("rtf: skipped (needs sox and pocketsphinx-testdata)");
        return;
    };
    let skip_fw = std::env::var_os("PHYSALIGN_BENCH_SKIP_FW").is_some();
    println!(
        "rtf: clip {} , threads {threads}, greedy decoding",
        clip.display()
    );
    let build = ggml_build_info();
    println!("rtf: whisper.cpp built with {}", build.trim());
    if !build.contains("LLAMAFILE = 1") {
        // Without tinyBLAS the encoder is 2-3x slower; the shared target directory may hold a
        // whisper-rs-sys built before the flag existed (its build script ignores GGML_* changes).
        println!("rtf: WARNING: ggml built without GGML_LLAMAFILE=ON; `source tests/setup.sh` rebuilds it");
    }
    for model in ["tiny.en", "base"] {
        let Some(ours) = run_rust(model, &clip, &reference, threads) else {
            continue;
        };
        println!(
            "rtf {model:8} whisper.cpp {:5}   : {:.1} s audio in {:6.2} s  RTF {:.3}  WER {:.1}%",
            ours.weights,
            ours.audio,
            ours.seconds,
            ours.seconds / ours.audio,
            ours.wer * 100.0
        );
        if skip_fw {
            continue;
        }
        if let Some(fw) = run_faster_whisper(model, &clip, &reference, threads) {
            println!(
                "rtf {model:8} faster-whisper {:5}: {:.1} s audio in {:6.2} s  RTF {:.3}  WER {:.1}%",
                fw.weights,
                fw.audio,
                fw.seconds,
                fw.seconds / fw.audio,
                fw.wer * 100.0
            );
            println!(
                "rtf {model:8} ratio ours/faster-whisper time: {:.2} ({})",
                ours.seconds / fw.seconds,
                if ours.seconds <= fw.seconds {
                    "not slower"
                } else {
                    "slower"
                }
            );
        }
    }
}
