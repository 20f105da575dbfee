//! The device check of the first-run and settings screens: the camera's live picture with the
//! skeleton and a word on framing ("step back: feet not in view"), and the microphone's level,
//! so a patient sees that both work before the first exercise. Nothing is stored.

use crate::engine::PoseEngine;
use crate::preview::{encode_preview, PreviewImage, PreviewOptions};
use crate::source::{open_source, SourceSpec};
use crate::RecorderError;
use physalign_domain::PoseFrame;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Receives the check's events, on its threads: keep it quick.
pub type CheckSink = Arc<dyn Fn(CheckEvent) + Send + Sync>;

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct DeviceCheckRequest {
    /// The camera (or, in tests and demos, a video file) to show; `None`: no picture.
    pub camera: Option<SourceSpec>,
    /// Listen to a microphone: `Some(None)` is the system default, `Some(Some(name))` a device
    /// by (part of) its name; `None`: no level meter.
    pub microphone: Option<Option<String>>,
    /// Preview size and rate.
    pub preview: PreviewOptions,
}

/// An event of a running device check.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CheckEvent {
    /// A camera picture with the person found in it.
    CameraFrame {
        /// The picture, downscaled.
        preview: PreviewImage,
        /// Image landmarks as `[x, y, visibility]` (33, or none).
        landmarks: Vec<[f32; 3]>,
        /// Whether the whole body is in view, and what is missing if not.
        framing: Framing,
        /// Pictures per second over the last second.
        fps: f32,
    },
    /// The microphone's loudness over the last 100 ms.
    MicrophoneLevel {
        /// The device listened to.
        device: String,
        /// Root-mean-square level in dB relative to full scale (−100 for silence).
        rms_dbfs: f32,
        /// Largest absolute sample, 0..1.
        peak: f32,
    },
    /// A device could not be opened or stopped working (the other one goes on).
    DeviceError {
        /// Which one.
        device: CheckedDevice,
        /// What happened, for the user.
        message: String,
    },
    /// The camera source ended (a video file played to its end).
    CameraEnded,
}

/// A device the check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CheckedDevice {
    /// The camera (or the video file standing in for it).
    Camera,
    /// The microphone.
    Microphone,
}

/// A part of the body the exercises need in view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BodyPart {
    /// The head.
    Head,
    /// Both shoulders.
    Shoulders,
    /// Both hips.
    Hips,
    /// Both knees.
    Knees,
    /// Both feet (ankles).
    Feet,
}

/// How well the person is framed for exercise analysis, which needs the whole body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Framing {
    /// Nobody found.
    NoPerson,
    /// A person, but these body parts are out of view (e.g. `feet`).
    Partial {
        /// The parts not seen.
        missing: Vec<BodyPart>,
    },
    /// Head to feet in view.
    FullBody,
}

/// Body parts the exercises need, by their BlazePose landmark indices.
const BODY_PARTS: [(BodyPart, &[usize]); 5] = [
    (BodyPart::Head, &[0]),
    (BodyPart::Shoulders, &[11, 12]),
    (BodyPart::Hips, &[23, 24]),
    (BodyPart::Knees, &[25, 26]),
    (BodyPart::Feet, &[27, 28]),
];

/// Says which body parts are in view: a part counts when its landmarks are confidently seen and
/// inside the picture.
pub fn framing(pose: &PoseFrame) -> Framing {
    if !pose.has_person() {
        return Framing::NoPerson;
    }
    let seen = |i: usize| {
        pose.landmarks.get(i).is_some_and(|l| {
            l.visibility >= 0.5 && (0.0..=1.0).contains(&l.x) && (0.0..=1.0).contains(&l.y)
        })
    };
    let missing: Vec<BodyPart> = BODY_PARTS
        .iter()
        .filter(|(_, points)| !points.iter().all(|&i| seen(i)))
        .map(|(part, _)| *part)
        .collect();
    if missing.is_empty() {
        Framing::FullBody
    } else {
        Framing::Partial { missing }
    }
}

/// A running device check; dropping it stops both devices.
pub struct DeviceCheckHandle {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl DeviceCheckHandle {
    /// Stops the camera and the microphone and waits until both are released, so that a
    /// recording can open them next.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for DeviceCheckHandle {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Starts showing the camera (through the pose models of `engine`) and the microphone level.
/// Returns at once; devices that fail to open report a [`CheckEvent::DeviceError`].
pub fn start_device_check(
    engine: Arc<PoseEngine>,
    request: DeviceCheckRequest,
    sink: CheckSink,
) -> Result<DeviceCheckHandle, RecorderError> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    if let Some(camera) = request.camera.clone() {
        let (stop, sink) = (stop.clone(), sink.clone());
        let preview = request.preview;
        threads.push(spawn("device-check-camera", move || {
            if let Err(e) = show_camera(&camera, &engine, &preview, &sink, &stop) {
                sink(CheckEvent::DeviceError {
                    device: CheckedDevice::Camera,
                    message: e.to_string(),
                });
            }
        })?);
    }
    if let Some(name) = request.microphone.clone() {
        let (stop, sink) = (stop.clone(), sink.clone());
        threads.push(spawn("device-check-microphone", move || {
            if let Err(message) = listen(name.as_deref(), &sink, &stop) {
                sink(CheckEvent::DeviceError {
                    device: CheckedDevice::Microphone,
                    message,
                });
            }
        })?);
    }
    Ok(DeviceCheckHandle { stop, threads })
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>, RecorderError> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map_err(|e| RecorderError::Worker(format!("cannot start the device check: {e}")))
}

fn show_camera(
    spec: &SourceSpec,
    engine: &PoseEngine,
    options: &PreviewOptions,
    sink: &CheckSink,
    stop: &AtomicBool,
) -> Result<(), RecorderError> {
    let mut source = open_source(spec)?;
    let mut tracker = engine.take()?;
    let every = Duration::from_secs_f32(1.0 / options.max_fps.max(1.0));
    let mut last_shown: Option<Instant> = None;
    let mut shown: std::collections::VecDeque<Instant> = Default::default();
    let result = loop {
        if stop.load(Ordering::SeqCst) {
            break Ok(());
        }
        let frame = match source.next_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => {
                sink(CheckEvent::CameraEnded);
                break Ok(());
            }
            Err(e) => break Err(e),
        };
        let now = Instant::now();
        // The tracker follows the person across frames, so every frame goes through it; only
        // the pictures are thinned out.
        let pose = match tracker.process(&frame.image, frame.timestamp_ms) {
            Ok(pose) => pose,
            Err(e) => break Err(RecorderError::Pose(e)),
        };
        if last_shown.is_some_and(|t| now.duration_since(t) < every) {
            continue;
        }
        last_shown = Some(now);
        shown.push_back(now);
        while shown
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1))
        {
            shown.pop_front();
        }
        if let Some(preview) = encode_preview(&frame.image, options) {
            sink(CheckEvent::CameraFrame {
                preview,
                landmarks: pose
                    .landmarks
                    .iter()
                    .map(|l| [l.x, l.y, l.visibility])
                    .collect(),
                framing: framing(&pose),
                fps: shown.len() as f32,
            });
        }
    };
    engine.give_back(tracker);
    result
}

#[cfg(feature = "speech")]
fn listen(name: Option<&str>, sink: &CheckSink, stop: &AtomicBool) -> Result<(), String> {
    use physalign_speech::capture::Microphone;
    let microphone = Microphone::open(name).map_err(|e| e.to_string())?;
    let device = microphone.name().to_string();
    let (tx, rx) = std::sync::mpsc::channel::<Vec<f32>>();
    let recording = microphone.record(tx).map_err(|e| e.to_string())?;
    // 100 ms at the 16 kHz the capture delivers.
    let mut meter = LevelMeter::new(1600);
    while !stop.load(Ordering::SeqCst) {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(block) => {
                for (rms_dbfs, peak) in meter.push(&block) {
                    sink(CheckEvent::MicrophoneLevel {
                        device: device.clone(),
                        rms_dbfs,
                        peak,
                    });
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    recording.stop().map_err(|e| e.to_string())
}

#[cfg(not(feature = "speech"))]
fn listen(_name: Option<&str>, _sink: &CheckSink, _stop: &AtomicBool) -> Result<(), String> {
    Err("this build has no microphone support".into())
}

/// Loudness over fixed windows of samples.
#[cfg_attr(not(feature = "speech"), allow(dead_code))]
struct LevelMeter {
    window: usize,
    sum_squares: f64,
    peak: f32,
    count: usize,
}

#[cfg_attr(not(feature = "speech"), allow(dead_code))]
impl LevelMeter {
    fn new(window: usize) -> Self {
        Self {
            window: window.max(1),
            sum_squares: 0.0,
            peak: 0.0,
            count: 0,
        }
    }

    /// Adds samples; returns `(rms_dbfs, peak)` for each window completed.
    fn push(&mut self, samples: &[f32]) -> Vec<(f32, f32)> {
        let mut levels = Vec::new();
        for &s in samples {
            self.sum_squares += f64::from(s) * f64::from(s);
            self.peak = self.peak.max(s.abs());
            self.count += 1;
            if self.count == self.window {
                let rms = (self.sum_squares / self.count as f64).sqrt();
                let dbfs = if rms > 1e-5 {
                    (20.0 * rms.log10()) as f32
                } else {
                    -100.0
                };
                levels.push((dbfs, self.peak.min(1.0)));
                self.sum_squares = 0.0;
                self.peak = 0.0;
                self.count = 0;
            }
        }
        levels
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use physalign_domain::{Landmark, LandmarkType};

    fn pose_with(visible: impl Fn(usize) -> bool) -> PoseFrame {
        PoseFrame {
            timestamp_ms: 0,
            landmarks: LandmarkType::ALL
                .iter()
                .enumerate()
                .map(|(i, &kind)| Landmark {
                    kind,
                    x: 0.5,
                    y: if visible(i) { 0.5 } else { 1.2 },
                    z: 0.0,
                    visibility: 0.9,
                    presence: 0.9,
                })
                .collect(),
            world_landmarks: Vec::new(),
        }
    }

    #[test]
    fn framing_names_the_parts_out_of_the_picture() {
        assert_eq!(framing(&pose_with(|_| true)), Framing::FullBody);
        assert_eq!(
            framing(&pose_with(|i| i < 27)),
            Framing::Partial {
                missing: vec![BodyPart::Feet]
            }
        );
        let empty = PoseFrame {
            timestamp_ms: 0,
            landmarks: Vec::new(),
            world_landmarks: Vec::new(),
        };
        assert_eq!(framing(&empty), Framing::NoPerson);
    }

    #[test]
    fn level_meter_reports_full_scale_and_silence() {
        let mut meter = LevelMeter::new(4);
        assert_eq!(meter.push(&[1.0, -1.0, 1.0]), vec![]);
        let levels = meter.push(&[-1.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(levels.len(), 2);
        assert!(levels[0].0.abs() < 0.01 && levels[0].1 == 1.0, "{levels:?}");
        assert_eq!(levels[1], (-100.0, 0.0));
    }
}
