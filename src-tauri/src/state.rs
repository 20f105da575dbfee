//! What the app holds while it runs: paths, preferences, the catalogue, the loaded pose models
//! and measurements. The devices and sync have managers of their own ([`crate::managers`]).

use crate::settings::{self, AppPaths, Settings};
use physalign_analysis::Catalogue;
use physalign_recorder::spoken::CueSpeaker;
use physalign_recorder::PoseEngine;
use physalign_vision::{PoseConfig, PoseVariant};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use ts_rs::TS;

/// Startup and runtime measurements shown in the about box and read by the tests.
#[derive(Debug, Clone, Default, Serialize, TS)]
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
            launched_at,
            metrics: Mutex::new(LaunchMetrics::default()),
            speaker: CueSpeaker::system(),
        })
    }

    /// A copy of the current settings.
    pub fn settings(&self) -> Settings {
        self.settings.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Replaces the settings held in memory (after they were saved).
    pub fn set_settings(&self, settings: Settings) {
        if let Ok(mut current) = self.settings.lock() {
            *current = settings;
        }
    }

    /// A copy of the measurements so far.
    pub fn metrics(&self) -> LaunchMetrics {
        self.metrics.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Updates the measurements.
    pub fn update_metrics(&self, f: impl FnOnce(&mut LaunchMetrics)) {
        if let Ok(mut metrics) = self.metrics.lock() {
            f(&mut metrics);
        }
    }
}
