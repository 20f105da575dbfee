//! Live microphone capture with cpal (ALSA on Linux; PulseAudio/PipeWire through ALSA's `pulse`
//! plugin). Audio is downmixed and resampled to 16 kHz mono in the capture callback and sent
//! on as blocks, e.g. into a [`crate::stream::StreamingTranscription`].

use crate::audio::StreamResampler;
use crate::SpeechError;
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

/// Names of the input devices the audio host offers.
pub fn input_device_names() -> Result<Vec<String>, SpeechError> {
    let host = cpal::default_host();
    let devices = host
        .input_devices()
        .map_err(|e| SpeechError::Capture(format!("cannot list input devices: {e}")))?;
    Ok(devices.filter_map(|d| d.name().ok()).collect())
}

/// An input device, chosen by name or the system default.
pub struct Microphone {
    device: cpal::Device,
    name: String,
}

impl std::fmt::Debug for Microphone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Microphone")
            .field("name", &self.name)
            .finish()
    }
}

impl Microphone {
    /// Opens the device whose name contains `name` (case-insensitive), or the default input.
    pub fn open(name: Option<&str>) -> Result<Self, SpeechError> {
        let host = cpal::default_host();
        let device = match name {
            None => host.default_input_device().ok_or_else(|| {
                SpeechError::Capture(
                    "no input device: connect a microphone (or check that the sound server runs)"
                        .into(),
                )
            })?,
            Some(wanted) => {
                let wanted_lower = wanted.to_lowercase();
                let devices = host
                    .input_devices()
                    .map_err(|e| SpeechError::Capture(format!("cannot list input devices: {e}")))?;
                let mut names = Vec::new();
                let mut found = None;
                for d in devices {
                    let n = d.name().unwrap_or_default();
                    if found.is_none() && n.to_lowercase().contains(&wanted_lower) {
                        found = Some(d);
                    }
                    names.push(n);
                }
                found.ok_or_else(|| {
                    SpeechError::Capture(format!(
                        "no input device named {wanted:?}; available: {}",
                        if names.is_empty() {
                            "none".to_string()
                        } else {
                            names.join(", ")
                        }
                    ))
                })?
            }
        };
        let name = device.name().unwrap_or_else(|_| "unnamed device".into());
        Ok(Self { device, name })
    }

    /// The device name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Starts recording; 16 kHz mono blocks go to `sink` until the returned [`Recording`] is
    /// dropped or stopped.
    pub fn record(&self, sink: Sender<Vec<f32>>) -> Result<Recording, SpeechError> {
        let supported = self.device.default_input_config().map_err(|e| {
            SpeechError::Capture(format!("{}: no usable input format: {e}", self.name))
        })?;
        let config = supported.config();
        let channels = usize::from(config.channels.max(1));
        let resampler = StreamResampler::to_whisper(config.sample_rate.0)?;
        let errors = Arc::new(Mutex::new(Vec::<String>::new()));
        let stream = match supported.sample_format() {
            SampleFormat::F32 => self.build::<f32>(&config, channels, resampler, sink, &errors),
            SampleFormat::I16 => self.build::<i16>(&config, channels, resampler, sink, &errors),
            SampleFormat::U16 => self.build::<u16>(&config, channels, resampler, sink, &errors),
            SampleFormat::I32 => self.build::<i32>(&config, channels, resampler, sink, &errors),
            SampleFormat::U8 => self.build::<u8>(&config, channels, resampler, sink, &errors),
            other => {
                return Err(SpeechError::Capture(format!(
                    "{}: unsupported sample format {other}",
                    self.name
                )))
            }
        }?;
        stream
            .play()
            .map_err(|e| SpeechError::Capture(format!("{}: cannot start: {e}", self.name)))?;
        Ok(Recording {
            _stream: stream,
            errors,
            sample_rate: config.sample_rate.0,
        })
    }

    fn build<T>(
        &self,
        config: &cpal::StreamConfig,
        channels: usize,
        mut resampler: StreamResampler,
        sink: Sender<Vec<f32>>,
        errors: &Arc<Mutex<Vec<String>>>,
    ) -> Result<cpal::Stream, SpeechError>
    where
        T: SizedSample,
        f32: FromSample<T>,
    {
        let data_errors = Arc::clone(errors);
        let stream_errors = Arc::clone(errors);
        let remember = |store: &Arc<Mutex<Vec<String>>>, message: String| {
            if let Ok(mut e) = store.lock() {
                e.push(message);
            }
        };
        self.device
            .build_input_stream(
                config,
                move |data: &[T], _: &cpal::InputCallbackInfo| {
                    let mono: Vec<f32> = data
                        .chunks(channels)
                        .map(|frame| {
                            frame.iter().map(|s| s.to_sample::<f32>()).sum::<f32>()
                                / frame.len() as f32
                        })
                        .collect();
                    match resampler.push(&mono) {
                        Ok(block) if !block.is_empty() => {
                            // The receiver has gone: recording is being stopped.
                            let _ = sink.send(block);
                        }
                        Ok(_) => {}
                        Err(e) => remember(&data_errors, e.to_string()),
                    }
                },
                move |e| remember(&stream_errors, e.to_string()),
                None,
            )
            .map_err(|e| SpeechError::Capture(format!("{}: cannot open stream: {e}", self.name)))
    }
}

/// A running capture; dropping it stops the microphone.
pub struct Recording {
    _stream: cpal::Stream,
    errors: Arc<Mutex<Vec<String>>>,
    sample_rate: u32,
}

impl Recording {
    /// The device's native sample rate (before resampling to 16 kHz).
    pub fn device_sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Stops capture; reports stream errors that happened meanwhile.
    pub fn stop(self) -> Result<(), SpeechError> {
        let errors = self.errors.lock().map(|e| e.clone()).unwrap_or_default();
        drop(self._stream);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(SpeechError::Capture(errors.join("; ")))
        }
    }
}
