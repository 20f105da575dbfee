//! Real-time factor of local transcription, and the ratio against faster-whisper (CTranslate2
//! int8) on the same weights, the same clip and the same thread count, in the same run.
//!
//! Run: `cargo bench -p physalign-speech --bench rtf` (needs provisioned models, sox and Debian's
//! pocketsphinx-testdata). Environment: PHYSALIGN_BENCH_THREADS (default 2),
//! PHYSALIGN_BENCH_ROUNDS (default 5), PHYSALIGN_BENCH_MODELS (default `tiny.en,base`),
//! PHYSALIGN_BENCH_SKIP_FW=1 skips the faster-whisper side. The clip is >= 60 s: the LibriVox
//! test clips concatenated (three passes, 0.5 s pauses) with sox into a temporary file. Each round
//! times both engines once, alternating which goes first; the verdict compares the medians.

use physalign_speech::audio::{load_whisper_mono, WHISPER_SAMPLE_RATE};
use physalign_speech::transcribe::ggml_build_info;
use physalign_speech::vad::{pack_chunks, speech_chunks};
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

/// Our side: the model stays loaded across rounds, as it does in the app.
struct Ours {
    transcriber: WhisperTranscriber,
    samples: Vec<f32>,
    audio: f64,
    options: TranscribeOptions,
}

impl Ours {
    fn load(model: &str, clip: &Path, threads: usize) -> Option<Self> {
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
        let chunks = speech_chunks(&samples, options.vad);
        let windows = pack_chunks(&samples, &chunks, options.vad.max_chunk_ms);
        let rate = f64::from(WHISPER_SAMPLE_RATE);
        // Each window costs one full 30 s encoder pass: their number drives the time.
        println!(
            "rtf {model:8} whisper.cpp: {} speech chunks packed into {} windows ({})",
            chunks.len(),
            windows.len(),
            windows
                .iter()
                .map(|w| format!("{:.1} s", w.samples.len() as f64 / rate))
                .collect::<Vec<_>>()
                .join(", ")
        );
        // Warm-up (first-call allocations), as the faster-whisper side does.
        transcriber
            .transcribe_samples(&samples[..32_000], &options)
            .ok()?;
        Some(Self {
            transcriber,
            samples,
            audio,
            options,
        })
    }

    fn run(&self, reference: &str) -> Option<Run> {
        let started = Instant::now();
        let t = self
            .transcriber
            .transcribe_samples(&self.samples, &self.options)
            .ok()?;
        let seconds = started.elapsed().as_secs_f64();
        Some(Run {
            weights: self.transcriber.weight_type().to_string(),
            seconds,
            audio: self.audio,
            wer: word_errors(reference, &t.text).rate(),
        })
    }
}

/// One faster-whisper process: loads the model and warms up untimed, then times one pass.
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

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn print_run(model: &str, engine: &str, round: usize, run: &Run) {
    println!(
        "rtf {model:8} round {round} {engine:14} {:5}: {:.1} s audio in {:6.2} s  RTF {:.3}  WER {:.1}%",
        run.weights,
        run.audio,
        run.seconds,
        run.seconds / run.audio,
        run.wer * 100.0
    );
}

fn print_summary(model: &str, engine: &str, runs: &[Run]) -> f64 {
    let times: Vec<f64> = runs.iter().map(|r| r.seconds).collect();
    let m = median(times.clone());
    let min = times.iter().copied().fold(f64::INFINITY, f64::min);
    let max = times.iter().copied().fold(0.0, f64::max);
    println!(
        "rtf {model:8} {engine:14} {:5}: median {m:6.2} s (min {min:.2}, max {max:.2}, {} runs)  RTF {:.3}  WER {:.1}%",
        runs[0].weights,
        runs.len(),
        m / runs[0].audio,
        median(runs.iter().map(|r| r.wer).collect()) * 100.0
    );
    m
}

fn main() {
    let env_number = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(default)
    };
    let threads = env_number("PHYSALIGN_BENCH_THREADS", 2).max(1);
    let rounds = env_number("PHYSALIGN_BENCH_ROUNDS", 5).max(1);
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
        "rtf: clip {} , threads {threads}, greedy decoding, {rounds} rounds (the engine that goes first alternates)",
        clip.display()
    );
    let build = ggml_build_info();
    println!("rtf: whisper.cpp built with {}", build.trim());
    if !build.contains("LLAMAFILE = 1") {
        // Without tinyBLAS the encoder is 2-3x slower.
        println!("rtf: WARNING: ggml built without GGML_LLAMAFILE=ON; `source tests/env.sh` and build again");
    }
    let models = std::env::var("PHYSALIGN_BENCH_MODELS").unwrap_or_else(|_| "tiny.en,base".into());
    for model in models.split(',').map(str::trim).filter(|m| !m.is_empty()) {
        let Some(ours) = Ours::load(model, &clip, threads) else {
            continue;
        };
        let mut our_runs = Vec::new();
        let mut fw_runs = Vec::new();
        // Run-to-run spread on a shared machine is 10-25%, larger than the gap being measured:
        // interleave the engines, alternate which goes first, and compare medians.
        let mut ratios = Vec::new();
        for round in 1..=rounds {
            let ours_first = round % 2 == 1;
            let (mut ours_seconds, mut fw_seconds) = (None, None);
            for engine in [ours_first, !ours_first] {
                if engine {
                    if let Some(run) = ours.run(&reference) {
                        print_run(model, "whisper.cpp", round, &run);
                        ours_seconds = Some(run.seconds);
                        our_runs.push(run);
                    }
                } else if !skip_fw {
                    if let Some(run) = run_faster_whisper(model, &clip, &reference, threads) {
                        print_run(model, "faster-whisper", round, &run);
                        fw_seconds = Some(run.seconds);
                        fw_runs.push(run);
                    }
                }
            }
            if let (Some(o), Some(f)) = (ours_seconds, fw_seconds) {
                ratios.push(o / f);
            }
        }
        if our_runs.is_empty() {
            println!("rtf {model}: every run failed");
            continue;
        }
        let ours_median = print_summary(model, "whisper.cpp", &our_runs);
        if fw_runs.is_empty() {
            continue;
        }
        let fw_median = print_summary(model, "faster-whisper", &fw_runs);
        let ratio = ours_median / fw_median;
        println!(
            "rtf {model:8} ratio ours/faster-whisper time (medians): {ratio:.2} ({}); per round {}",
            if ratio <= 1.0 { "not slower" } else { "slower" },
            ratios
                .iter()
                .map(|r| format!("{r:.2}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
}
