//! Cameras and microphones: listing them, and the live check of the setup screens.

use super::blocking_task;
use crate::error::CommandResult;
use crate::events::DEVICE_CHECK_EVENT;
use crate::managers::CaptureManager;
use physalign_recorder::camera::{list_cameras, CameraDevice};
use physalign_recorder::device_check::{CheckEvent, DeviceCheckRequest};
use physalign_recorder::{PreviewOptions, SourceSpec};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Runtime, State};
use ts_rs::TS;

/// Cameras and microphones present.
#[derive(Debug, Serialize, TS)]
pub struct Devices {
    /// Cameras (empty: "no camera found").
    pub cameras: Vec<CameraDevice>,
    /// Microphone names (empty: "no microphone").
    pub microphones: Vec<String>,
    /// Why microphones could not be listed, if they could not.
    pub microphone_error: Option<String>,
}

/// Lists cameras and microphones.
#[tauri::command]
pub async fn list_devices() -> CommandResult<Devices> {
    blocking_task(|| {
        let (microphones, microphone_error) = match physalign_speech::capture::input_device_names()
        {
            Ok(names) => (names, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        Ok(Devices {
            cameras: list_cameras(),
            microphones,
            microphone_error,
        })
    })
    .await
}

/// What the setup screen wants to see and hear.
#[derive(Debug, Deserialize, TS)]
pub struct DeviceCheckArgs {
    /// The camera to show (a video file works too, for demonstrations and tests).
    pub camera: Option<SourceSpec>,
    /// Show the microphone level.
    #[serde(default)]
    pub listen: bool,
    /// Microphone name (part of it is enough); `None`: the system default.
    pub microphone: Option<String>,
}

/// Starts (or restarts) the live camera picture and microphone level of the setup screens; they
/// arrive as `device-check` events until [`stop_device_check`] or a recording starts.
#[tauri::command]
pub async fn start_device_check<R: Runtime>(
    app: AppHandle<R>,
    capture: State<'_, Arc<CaptureManager>>,
    request: DeviceCheckArgs,
) -> CommandResult<()> {
    let capture = capture.inner().clone();
    blocking_task(move || {
        let request = DeviceCheckRequest {
            camera: request.camera,
            microphone: request.listen.then_some(request.microphone),
            preview: PreviewOptions {
                max_fps: 10.0,
                max_side: 320,
                ..PreviewOptions::default()
            },
        };
        let sink = Arc::new(move |event: CheckEvent| {
            if let Err(e) = app.emit(DEVICE_CHECK_EVENT, &event) {
                tracing::warn!("cannot forward a device-check event: {e}");
            }
        });
        Ok(capture.start_device_check(request, sink)?)
    })
    .await
}

/// Stops the camera picture and microphone level of the setup screens.
#[tauri::command]
pub async fn stop_device_check(capture: State<'_, Arc<CaptureManager>>) -> CommandResult<()> {
    let capture = capture.inner().clone();
    blocking_task(move || {
        capture.stop_device_check();
        Ok(())
    })
    .await
}
