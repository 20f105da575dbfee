//! The device's preferences (first-run choices, devices, program), kept as JSON beside the
//! database. Written atomically so a crash never leaves half a file.

use physalign_recorder::program::ProgramItem;
use physalign_speech::Vocabulary;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Who uses this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A patient exercising at home.
    Patient,
    /// A physiotherapist in clinic.
    Therapist,
}

/// Everything the user chose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Settings {
    /// `None` until the first-run screen is done.
    pub role: Option<Role>,
    /// The central server, when the user set one (everything works without).
    pub server_url: Option<String>,
    /// Camera index; `None` when none was chosen (or none exists).
    pub camera_index: Option<u32>,
    /// Microphone name; `None` for the system default.
    pub microphone: Option<String>,
    /// Transcribe the microphone while recording.
    pub transcribe: bool,
    /// Say form cues aloud.
    pub spoken_cues: bool,
    /// Whisper model for live transcription.
    pub whisper_model: String,
    /// Exercises picked from the catalogue.
    pub program: Vec<ProgramItem>,
    /// Minutes without activity before the therapist's workspace locks.
    pub lock_idle_minutes: u32,
    /// The clinic's words for the speech recogniser: terms it is primed with, replacements of
    /// what it writes.
    pub vocabulary: Vocabulary,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            role: None,
            server_url: None,
            camera_index: None,
            microphone: None,
            transcribe: false,
            spoken_cues: false,
            whisper_model: "tiny.en".into(),
            program: vec![ProgramItem {
                exercise_id: "squat".into(),
                target_reps: Some(10),
                target_angle: None,
            }],
            lock_idle_minutes: physalign_workspace::lock::DEFAULT_IDLE_MINUTES,
            vocabulary: Vocabulary::default(),
        }
    }
}

/// Where the app keeps its files.
#[derive(Debug, Clone)]
pub struct AppPaths {
    /// The local store (shared with the `physalign` command line).
    pub db: PathBuf,
    /// The preferences file.
    pub settings: PathBuf,
    /// Where the sign-in's refresh token is kept when there is no OS keyring.
    pub credentials: PathBuf,
    /// The idle lock's PIN and password hashes (salted Argon2id, owner-only).
    pub lock_secrets: PathBuf,
}

impl AppPaths {
    /// `PHYSALIGN_DB`, `PHYSALIGN_CONFIG_DIR` and `PHYSALIGN_CREDENTIALS_DIR` when set (tests,
    /// portable installs), else the user's data and config folders.
    pub fn from_env() -> Self {
        let db = std::env::var_os("PHYSALIGN_DB")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                dirs::data_dir()
                    .unwrap_or_else(|| PathBuf::from("."))
                    .join("physalign")
                    .join("physalign.sqlite")
            });
        let config = std::env::var_os("PHYSALIGN_CONFIG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                dirs::config_dir()
                    .unwrap_or_else(|| PathBuf::from("."))
                    .join("physalign")
            });
        Self {
            db,
            settings: config.join("desktop.json"),
            lock_secrets: config.join("lock.json"),
            credentials: physalign_sync::CredentialStore::default_dir(),
        }
    }
}

/// Reads the settings; a missing file gives the defaults, a damaged one is kept aside (renamed
/// `.damaged`) and replaced by the defaults rather than blocking the app.
pub fn load(path: &Path) -> Settings {
    match std::fs::read(path) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(settings) => settings,
            Err(e) => {
                tracing::warn!(
                    "{}: unreadable settings ({e}); using defaults",
                    path.display()
                );
                let _ = std::fs::rename(path, path.with_extension("json.damaged"));
                Settings::default()
            }
        },
        Err(_) => Settings::default(),
    }
}

/// Writes the settings atomically (temporary file, fsync, rename).
pub fn save(path: &Path, settings: &Settings) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(&serde_json::to_vec_pretty(settings)?)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}
