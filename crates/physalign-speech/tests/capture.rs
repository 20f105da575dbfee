//! Live capture through cpal: real speech is played into a PulseAudio null sink whose monitor
//! is the default source (the stand-in microphone), recorded through ALSA's pulse plugin and
//! transcribed while it streams.

#![cfg(feature = "microphone")]

mod common;

use physalign_speech::capture::Microphone;
use physalign_speech::stream::StreamingTranscription;
use physalign_speech::wer::word_errors;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SINK: &str = "physalign_mic";

fn pactl(args: &[&str]) -> Option<String> {
    let out = Command::new("pactl").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Starts PulseAudio if needed and makes the null sink's monitor the default source.
fn stand_in_microphone() -> Result<(), String> {
    if pactl(&["info"]).is_none() {
        // As root PulseAudio refuses the per-user mode unless daemonised explicitly.
        let started = Command::new("pulseaudio")
            .args(["-D", "--exit-idle-time=-1"])
            .status()
            .map_err(|e| format!("pulseaudio not installed ({e})"))?;
        if !started.success() {
            return Err("pulseaudio did not start".into());
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while pactl(&["info"]).is_none() {
            if Instant::now() > deadline {
                return Err("pulseaudio started but does not answer".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let sinks = pactl(&["list", "short", "sinks"]).unwrap_or_default();
    if !sinks.contains(SINK) {
        pactl(&[
            "load-module",
            "module-null-sink",
            &format!("sink_name={SINK}"),
        ])
        .ok_or("cannot load module-null-sink")?;
    }
    pactl(&["set-default-source", &format!("{SINK}.monitor")])
        .ok_or("cannot set the default source")?;
    Ok(())
}

#[test]
fn unknown_device_name_is_a_clear_error() {
    let err = Microphone::open(Some("no-such-microphone-xyz"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no input device named"), "{err}");
}

#[test]
fn speech_played_into_the_null_sink_is_recorded_and_streamed_into_text() {
    let Some((clips, _)) = common::librivox() else {
        return;
    };
    let Some(model) = common::model("tiny.en") else {
        return;
    };
    if let Err(why) = stand_in_microphone() {
        eprintln!("skipped: no stand-in microphone: {why}");
        return;
    }
    let (clip, reference) = &clips[0];
    let microphone = Microphone::open(Some("pulse"))
        .or_else(|_| Microphone::open(None))
        .expect("the pulse ALSA device (needs libasound2-plugins)");
    let streamed: Arc<Mutex<Vec<(Instant, String)>>> = Arc::default();
    let seen = Arc::clone(&streamed);
    let stream = StreamingTranscription::start(model, common::options(), move |s| {
        seen.lock().unwrap().push((Instant::now(), s.text.clone()));
    })
    .unwrap();
    let recording = microphone.record(stream.sender()).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let played = Command::new("paplay")
        .arg(format!("--device={SINK}"))
        .arg(clip)
        .status()
        .expect("paplay");
    assert!(played.success());
    let played_at = Instant::now();
    // Trailing silence lets the voice activity detector close the phrase while still recording.
    std::thread::sleep(Duration::from_millis(2_500));
    recording.stop().unwrap();
    let stopped_at = Instant::now();
    let transcript = stream.finish().unwrap();
    eprintln!("captured: {:?}", transcript.text);
    let e = word_errors(reference, &transcript.text);
    assert!(
        e.rate() <= 0.25,
        "WER {:.2}: {:?}",
        e.rate(),
        transcript.text
    );
    let streamed = streamed.lock().unwrap();
    assert!(!streamed.is_empty(), "no segment was streamed");
    // Segments arrived from the callback (streaming), not only at the end.
    assert!(streamed[0].0 >= played_at - Duration::from_secs(10));
    assert!(stopped_at > played_at);
    assert!(
        transcript.audio_seconds >= 7.0,
        "{}",
        transcript.audio_seconds
    );
}
