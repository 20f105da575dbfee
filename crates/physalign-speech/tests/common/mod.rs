//! Shared helpers of the integration tests: where the models and the evaluation data are.

#![allow(dead_code)]

use physalign_speech::WhisperTranscriber;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// `../shared/testdata/audio` relative to the repository root.
pub fn shared_audio() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/audio"
    ));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared not present");
        None
    }
}

/// Debian's pocketsphinx-testdata LibriVox clips and their reference file.
pub fn librivox() -> Option<(Vec<(PathBuf, String)>, PathBuf)> {
    let dir = PathBuf::from("/usr/share/pocketsphinx/test/data/librivox");
    let reference = std::fs::read_to_string(dir.join("transcription")).ok();
    let Some(reference) = reference else {
        eprintln!("skipped: apt-get install pocketsphinx-testdata for the LibriVox clips");
        return None;
    };
    let mut clips = Vec::new();
    for line in reference.lines() {
        // "<s> words </s> (file-id)"
        let Some((words, id)) = line.rsplit_once('(') else {
            continue;
        };
        let id = id.trim_end_matches(')').trim();
        let words = words.replace("<s>", "").replace("</s>", "");
        clips.push((dir.join(format!("{id}.wav")), words.trim().to_string()));
    }
    Some((clips, dir))
}

/// Loaded models by name.
type LoadedModels = Mutex<Vec<(String, Arc<WhisperTranscriber>)>>;

/// A loaded model, shared by the tests of one binary (loading takes a moment); `None` (with a
/// message) when provisioning has not run.
pub fn model(name: &str) -> Option<Arc<WhisperTranscriber>> {
    static MODELS: OnceLock<LoadedModels> = OnceLock::new();
    let models = MODELS.get_or_init(|| Mutex::new(Vec::new()));
    let mut models = models.lock().unwrap();
    if let Some((_, m)) = models.iter().find(|(n, _)| n == name) {
        return Some(Arc::clone(m));
    }
    match WhisperTranscriber::load(name) {
        Ok(m) => {
            let m = Arc::new(m);
            models.push((name.to_string(), Arc::clone(&m)));
            Some(m)
        }
        Err(e) => {
            eprintln!("skipped: Whisper model {name} not available ({e}); run models/provision.sh");
            None
        }
    }
}

/// One thread: the tests run in parallel on a small machine.
pub fn options() -> physalign_speech::TranscribeOptions {
    physalign_speech::TranscribeOptions {
        threads: 1,
        ..Default::default()
    }
}
