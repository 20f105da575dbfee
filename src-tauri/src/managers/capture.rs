//! The camera and the microphone: they belong either to the recording or to the setup screens'
//! device check, never to both. That rule lives here, under one lock, so two commands racing
//! (a check starting while a recording starts) cannot both get the devices.

use physalign_recorder::device_check::{
    start_device_check, CheckSink, DeviceCheckHandle, DeviceCheckRequest,
};
use physalign_recorder::{
    start_recording, EventSink, PoseEngine, RecorderError, RecordingHandle, RecordingOutcome,
    RecordingRequest,
};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use uuid::Uuid;

/// Who holds the devices. A finished recording stays until its outcome is collected.
#[derive(Default)]
struct Devices {
    recording: Option<RecordingHandle>,
    check: Option<DeviceCheckHandle>,
}

impl Devices {
    fn recording_runs(&self) -> bool {
        self.recording.as_ref().is_some_and(|r| !r.is_finished())
    }

    /// Stops the device check, if one runs, and waits until it has released the devices.
    fn stop_check(&mut self) {
        if let Some(check) = self.check.take() {
            check.stop();
        }
    }
}

/// Owns the recording and the device check of the running app.
pub struct CaptureManager {
    db: PathBuf,
    engine: Arc<PoseEngine>,
    devices: Mutex<Devices>,
}

impl std::fmt::Debug for CaptureManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureManager")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

// The engine's error passes through as it is: it is rare and goes straight to the window.
#[allow(clippy::result_large_err)]
impl CaptureManager {
    /// A manager recording into the store at `db` through the pose models of `engine`.
    pub fn new(db: PathBuf, engine: Arc<PoseEngine>) -> Self {
        Self {
            db,
            engine,
            devices: Mutex::new(Devices::default()),
        }
    }

    // A panic while holding the lock leaves the handles intact: keep using them.
    fn devices(&self) -> MutexGuard<'_, Devices> {
        self.devices
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts (or restarts) the device check; refused while a recording runs.
    pub fn start_device_check(
        &self,
        request: DeviceCheckRequest,
        sink: CheckSink,
    ) -> Result<(), RecorderError> {
        let mut devices = self.devices();
        if devices.recording_runs() {
            return Err(RecorderError::Busy);
        }
        devices.stop_check();
        devices.check = Some(start_device_check(self.engine.clone(), request, sink)?);
        Ok(())
    }

    /// Stops the device check, if one runs, once it has released the devices.
    pub fn stop_device_check(&self) {
        self.devices().stop_check();
    }

    /// Starts a recording, ending the device check first; refused while another recording runs.
    /// A recording that ended on its own (end of a file) and was never collected is collected
    /// here.
    pub fn start_recording(
        &self,
        request: RecordingRequest,
        sink: EventSink,
    ) -> Result<Uuid, RecorderError> {
        let mut devices = self.devices();
        if devices.recording_runs() {
            return Err(RecorderError::Busy);
        }
        devices.stop_check();
        if let Some(previous) = devices.recording.take() {
            if let Err(e) = previous.stop() {
                tracing::warn!("previous recording: {e}");
            }
        }
        let handle = start_recording(&self.db, self.engine.clone(), request, sink)?;
        let id = handle.session_id();
        devices.recording = Some(handle);
        Ok(id)
    }

    /// Runs `f` on the current (or just finished) recording.
    fn with_recording<T>(
        &self,
        f: impl FnOnce(&RecordingHandle) -> Result<T, RecorderError>,
    ) -> Result<T, RecorderError> {
        let devices = self.devices();
        f(devices
            .recording
            .as_ref()
            .ok_or(RecorderError::NotRecording)?)
    }

    /// Pauses the recording.
    pub fn pause_recording(&self) -> Result<(), RecorderError> {
        self.with_recording(RecordingHandle::pause)
    }

    /// Resumes the recording.
    pub fn resume_recording(&self) -> Result<(), RecorderError> {
        self.with_recording(RecordingHandle::resume)
    }

    /// Stops the recording and waits until it is stored; `None` when there was none.
    pub fn stop_recording(&self) -> Result<Option<RecordingOutcome>, RecorderError> {
        // Taken out first: storing the summary must not hold the lock a pause would wait on.
        let handle = self.devices().recording.take();
        handle.map(RecordingHandle::stop).transpose()
    }
}
