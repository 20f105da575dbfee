//! The pose models, loaded once and lent to each recording: loading them takes about a second,
//! which the patient should not wait for at every start.

use crate::RecorderError;
use physalign_vision::{PoseConfig, PoseTracker};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Holds an idle [`PoseTracker`] between recordings.
pub struct PoseEngine {
    config: PoseConfig,
    idle: Mutex<Option<PoseTracker>>,
}

impl PoseEngine {
    /// An engine for `config`; nothing is loaded until [`PoseEngine::warm_up`] or the first
    /// recording.
    pub fn new(config: PoseConfig) -> Self {
        Self {
            config,
            idle: Mutex::new(None),
        }
    }

    /// The model settings.
    pub fn config(&self) -> &PoseConfig {
        &self.config
    }

    /// Loads the models now (e.g. while the app starts); returns how long it took (zero when
    /// they were already loaded).
    pub fn warm_up(&self) -> Result<Duration, RecorderError> {
        let started = Instant::now();
        let tracker = self.take()?;
        let took = started.elapsed();
        self.give_back(tracker);
        Ok(took)
    }

    /// Whether the models are loaded and idle.
    pub fn is_warm(&self) -> bool {
        self.idle.lock().map(|t| t.is_some()).unwrap_or(false)
    }

    /// The idle tracker, or a newly loaded one.
    pub fn take(&self) -> Result<PoseTracker, RecorderError> {
        let idle = self.idle.lock().ok().and_then(|mut t| t.take());
        match idle {
            Some(tracker) => Ok(tracker),
            None => PoseTracker::new(&self.config).map_err(RecorderError::Pose),
        }
    }

    /// Returns a tracker after a recording (forgetting the person it followed).
    pub fn give_back(&self, mut tracker: PoseTracker) {
        tracker.reset();
        if let Ok(mut idle) = self.idle.lock() {
            *idle = Some(tracker);
        }
    }
}
