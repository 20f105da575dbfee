//! Short spoken cues ("knees over your toes") with the system's offline speech synthesiser
//! (`espeak-ng`), so a patient a few metres from the screen hears them. Cues are dropped while
//! one is still being said: a late cue is worse than none.

use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

/// Says cues through a speech synthesiser process.
pub struct CueSpeaker {
    program: String,
    args: Vec<String>,
    speaking: Mutex<Option<Child>>,
}

impl CueSpeaker {
    /// `espeak-ng` at a calm rate, if it is installed.
    pub fn system() -> Option<Self> {
        let found = std::env::var_os("PATH")
            .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join("espeak-ng").is_file()))
            .unwrap_or(false);
        found.then(|| Self::with_command("espeak-ng", &["-s", "150"]))
    }

    /// A speaker running `program args... TEXT` (tests write the sound to a file this way).
    pub fn with_command(program: &str, args: &[&str]) -> Self {
        Self {
            program: program.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            speaking: Mutex::new(None),
        }
    }

    /// Starts saying `text` unless a cue is still being said; returns whether it started.
    pub fn say(&self, text: &str) -> bool {
        let Ok(mut speaking) = self.speaking.lock() else {
            return false;
        };
        if let Some(child) = speaking.as_mut() {
            if matches!(child.try_wait(), Ok(None)) {
                return false;
            }
        }
        match Command::new(&self.program)
            .args(&self.args)
            .arg(text)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => {
                *speaking = Some(child);
                true
            }
            Err(e) => {
                tracing::warn!("cannot speak a cue with {}: {e}", self.program);
                false
            }
        }
    }

    /// Waits until the current cue has been said (tests, shutdown).
    pub fn wait(&self) {
        if let Some(mut child) = self.speaking.lock().ok().and_then(|mut s| s.take()) {
            let _ = child.wait();
        }
    }
}

impl Drop for CueSpeaker {
    fn drop(&mut self) {
        self.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cue_is_spoken_and_overlapping_ones_are_dropped() {
        let Some(_) = CueSpeaker::system() else {
            eprintln!("skipped: espeak-ng not installed");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let wav = dir.path().join("cue.wav");
        let speaker = CueSpeaker::with_command("espeak-ng", &["-w", wav.to_str().unwrap()]);
        assert!(speaker.say(
            "Keep your knees over your toes, and your back straight, all the way down and up again",
        ));
        assert!(
            !speaker.say("Repetition 2"),
            "dropped while the first is said"
        );
        speaker.wait();
        let bytes = std::fs::read(&wav).unwrap();
        assert_eq!(&bytes[..4], b"RIFF");
        // Two seconds or so of 22 kHz 16-bit speech, not an empty file.
        assert!(bytes.len() > 22_050, "{} bytes", bytes.len());
        assert!(
            speaker.say("Repetition 2"),
            "free again once the first is done"
        );
    }
}
