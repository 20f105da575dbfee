//! What the app holds while it runs: paths, preferences, the catalogue, the loaded pose models
//! and the one recording that may be running.

use crate::settings::{self, AppPaths, Settings};
use physalign_analysis::Catalogue;
use physalign_recorder::device_check::DeviceCheckHandle;
use physalign_recorder::spoken::CueSpeaker;
use physalign_recorder::{PoseEngine, RecordingHandle};
use physalign_vision::{PoseConfig, PoseVariant};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Startup and runtime measurements shown in the about box and read by the tests.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LaunchMetrics {
    /// Milliseconds from process start to the first analysed frame of this run.
    pub launch_to_first_frame_ms: Option<u64>,
    /// How long loading the pose models took at startup.
    pub model_warm_up_ms: Option<u64>,
    /// Sessions completed at startup from an interrupted recording.
    pub recovered_sessions: usize,
}

/// Shared state of the running app.
pub struct AppState {
    /// Where files live.
    pub paths: AppPaths,
    /// The user's preferences.
    pub settings: Mutex<Settings>,
    /// The exercise catalogue.
    pub catalogue: Catalogue,
    /// The pose models, loaded once.
    pub engine: Arc<PoseEngine>,
    /// The running (or just finished) recording.
    pub recording: Mutex<Option<RecordingHandle>>,
    /// The camera and microphone check of the setup screens, while it shows.
    pub device_check: Mutex<Option<DeviceCheckHandle>>,
    /// When the process started.
    pub launched_at: Instant,
    /// Startup measurements.
    pub metrics: Mutex<LaunchMetrics>,
    /// Says form cues aloud when the user asked for it (`None`: no synthesiser installed).
    pub speaker: Option<CueSpeaker>,
}

impl AppState {
    /// State for `paths`, with the settings read from disk.
    pub fn new(
        paths: AppPaths,
        launched_at: Instant,
    ) -> Result<Self, physalign_analysis::AnalysisError> {
        let settings = settings::load(&paths.settings);
        Ok(Self {
            paths,
            settings: Mutex::new(settings),
            catalogue: Catalogue::builtin()?,
            engine: Arc::new(PoseEngine::new(PoseConfig {
                variant: PoseVariant::Full,
                threads: 1,
            })),
            recording: Mutex::new(None),
            device_check: Mutex::new(None),
            launched_at,
            metrics: Mutex::new(LaunchMetrics::default()),
            speaker: CueSpeaker::system(),
        })
    }

    /// Stops the device check, if one runs, and waits until it has released the camera and
    /// the microphone.
    pub fn stop_device_check(&self) {
        let check = self.device_check.lock().ok().and_then(|mut c| c.take());
        if let Some(check) = check {
            check.stop();
        }
    }

    /// A copy of the current settings.
    pub fn settings(&self) -> Settings {
        self.settings.lock().map(|s| s.clone()).unwrap_or_default()
    }
}
