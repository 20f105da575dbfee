//! Video decoding with FFmpeg: frames as RGB images with presentation timestamps, upright
//! according to the stream's rotation metadata.

use crate::VisionError;
use ffmpeg::format::Pixel;
use ffmpeg::software::scaling;
use ffmpeg::util::frame;
use ffmpeg_next as ffmpeg;
use image::RgbImage;
use std::path::{Path, PathBuf};
use std::sync::Once;

/// One decoded frame.
#[derive(Debug, Clone)]
pub struct VideoFrame {
    /// Presentation time from the start of the stream (stream pts x time base), milliseconds.
    pub timestamp_ms: i64,
    /// The frame, upright (rotation metadata applied).
    pub image: RgbImage,
}

/// What is known about a video before decoding it.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoInfo {
    /// Width of the upright frames in pixels.
    pub width: u32,
    /// Height of the upright frames in pixels.
    pub height: u32,
    /// Duration in milliseconds (0 when the container does not say).
    pub duration_ms: i64,
    /// Estimated number of frames (exact when the container records it; 0 when unknown).
    pub estimated_frames: u64,
    /// Clockwise rotation in degrees (0, 90, 180, 270) applied to the coded frames.
    pub rotation: u32,
    /// Average frame rate, frames per second (0 when unknown).
    pub average_fps: f64,
    /// Codec name, e.g. `h264`.
    pub codec: String,
}

/// Decodes a video file frame by frame.
pub struct VideoReader {
    path: PathBuf,
    input: ffmpeg::format::context::Input,
    decoder: ffmpeg::decoder::Video,
    stream_index: usize,
    time_base: ffmpeg::Rational,
    start_pts: i64,
    info: VideoInfo,
    scaler: Option<scaling::Context>,
    decoded: frame::Video,
    rgb: frame::Video,
    last_timestamp_ms: Option<i64>,
    frames_out: u64,
    /// Packets the demuxer marked corrupt or the decoder rejected.
    damaged_packets: u64,
    /// Frames the container's index promises (0 when it does not say).
    indexed_frames: u64,
    eof_sent: bool,
    done: bool,
}

fn init_ffmpeg() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let _ = ffmpeg::init();
        // FFmpeg's own console logging would interleave with our output.
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Fatal);
    });
}

impl VideoReader {
    /// Opens a video file and prepares its best video stream for decoding.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, VisionError> {
        let path = path.as_ref().to_path_buf();
        if !path.is_file() {
            return Err(VisionError::FileNotFound(path));
        }
        init_ffmpeg();
        let not_video = |reason: String| VisionError::NotAVideo {
            path: path.clone(),
            reason,
        };
        let input = ffmpeg::format::input(&path).map_err(|e| not_video(e.to_string()))?;
        let stream = input
            .streams()
            .best(ffmpeg::media::Type::Video)
            .ok_or_else(|| not_video("no video stream".into()))?;
        let stream_index = stream.index();
        let time_base = stream.time_base();
        let start_pts = match stream.start_time() {
            t if t == ffmpeg::ffi::AV_NOPTS_VALUE => 0,
            t => t,
        };
        let rotation = stream_rotation(&stream);
        let context = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
            .map_err(|e| not_video(e.to_string()))?;
        let decoder = context
            .decoder()
            .video()
            .map_err(|e| not_video(format!("unsupported video codec: {e}")))?;
        if decoder.width() == 0 || decoder.height() == 0 {
            return Err(not_video("video stream has no frame size".into()));
        }
        let average_fps = rational_to_f64(stream.avg_frame_rate());
        let duration_ms = if stream.duration() > 0 {
            rescale_ms(stream.duration(), time_base)
        } else if input.duration() > 0 {
            input.duration() / 1000
        } else {
            0
        };
        let stream_frames = stream.frames().max(0) as u64;
        let estimated_frames = if stream.frames() > 0 {
            stream.frames() as u64
        } else {
            (duration_ms as f64 / 1000.0 * average_fps).round().max(0.0) as u64
        };
        let (w, h) = (decoder.width(), decoder.height());
        let (width, height) = if rotation % 180 == 90 { (h, w) } else { (w, h) };
        let codec = decoder
            .codec()
            .map(|c| c.name().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(Self {
            info: VideoInfo {
                width,
                height,
                duration_ms,
                estimated_frames,
                rotation,
                average_fps,
                codec,
            },
            path,
            input,
            decoder,
            stream_index,
            time_base,
            start_pts,
            scaler: None,
            decoded: frame::Video::empty(),
            rgb: frame::Video::empty(),
            last_timestamp_ms: None,
            frames_out: 0,
            damaged_packets: 0,
            indexed_frames: stream_frames,
            eof_sent: false,
            done: false,
        })
    }

    /// Size, duration, frame-count estimate and rotation of the video.
    pub fn info(&self) -> &VideoInfo {
        &self.info
    }

    /// Frames returned so far.
    pub fn frames_read(&self) -> u64 {
        self.frames_out
    }

    fn decode_error(&self, reason: impl std::fmt::Display) -> VisionError {
        VisionError::Decode {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    /// Converts the decoded frame to an upright RGB image.
    fn convert(&mut self) -> Result<VideoFrame, VisionError> {
        let (format, w, h) = (
            self.decoded.format(),
            self.decoded.width(),
            self.decoded.height(),
        );
        let stale = self.scaler.as_ref().is_none_or(|s| {
            let i = s.input();
            i.format != format || i.width != w || i.height != h
        });
        if stale {
            let scaler = scaling::Context::get(
                format,
                w,
                h,
                Pixel::RGB24,
                w,
                h,
                scaling::Flags::BILINEAR,
            )
            .map_err(|e| self.decode_error(format!("cannot convert {format:?} frames: {e}")))?;
            self.scaler = Some(scaler);
            self.rgb = frame::Video::empty();
        }
        if let Some(scaler) = self.scaler.as_mut() {
            scaler
                .run(&self.decoded, &mut self.rgb)
                .map_err(|e| VisionError::Decode {
                    path: self.path.clone(),
                    reason: format!("pixel conversion failed: {e}"),
                })?;
        }
        let (w, h) = (w as usize, h as usize);
        let stride = self.rgb.stride(0);
        let data = self.rgb.data(0);
        let mut pixels = Vec::with_capacity(w * h * 3);
        for row in 0..h {
            pixels.extend_from_slice(&data[row * stride..row * stride + w * 3]);
        }
        let image = RgbImage::from_raw(w as u32, h as u32, pixels)
            .ok_or_else(|| self.decode_error("frame buffer size mismatch"))?;
        let image = match self.info.rotation {
            90 => image::imageops::rotate90(&image),
            180 => image::imageops::rotate180(&image),
            270 => image::imageops::rotate270(&image),
            _ => image,
        };
        let timestamp_ms = self.timestamp_ms();
        self.last_timestamp_ms = Some(timestamp_ms);
        self.frames_out += 1;
        Ok(VideoFrame {
            timestamp_ms,
            image,
        })
    }

    /// The decoded frame's presentation time; frames without one continue from the previous
    /// frame at the average rate.
    fn timestamp_ms(&self) -> i64 {
        let from_stream = self
            .decoded
            .timestamp()
            .or(self.decoded.pts())
            .map(|pts| rescale_ms(pts - self.start_pts, self.time_base));
        match (from_stream, self.last_timestamp_ms) {
            (Some(t), Some(last)) if t <= last => last + 1,
            (Some(t), _) => t,
            (None, Some(last)) => {
                let step = if self.info.average_fps > 0.0 {
                    1000.0 / self.info.average_fps
                } else {
                    33.0
                };
                last + step.round().max(1.0) as i64
            }
            (None, None) => 0,
        }
    }

    fn next_frame(&mut self) -> Result<Option<VideoFrame>, VisionError> {
        loop {
            match self.decoder.receive_frame(&mut self.decoded) {
                Ok(()) => return self.convert().map(Some),
                Err(ffmpeg::Error::Eof) => return self.finish(),
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => {}
                Err(e) => return Err(self.decode_error(e)),
            }
            if self.eof_sent {
                // A drained decoder answers EOF; this is only reached if it misbehaves.
                return Ok(None);
            }
            let mut packet = ffmpeg::Packet::empty();
            match packet.read(&mut self.input) {
                Ok(()) => {
                    if packet.stream() == self.stream_index {
                        if packet.is_corrupt() {
                            self.damaged_packets += 1;
                        }
                        if let Err(e) = self.decoder.send_packet(&packet) {
                            // Skip it: the decoder resynchronises on the next key frame, so
                            // the frames after the damage are still delivered; the damage is
                            // reported once the stream ends.
                            self.damaged_packets += 1;
                            tracing::debug!(path = %self.path.display(), "undecodable packet: {e}");
                        }
                    }
                }
                Err(ffmpeg::Error::Eof) => {
                    self.decoder.send_eof().map_err(|e| self.decode_error(e))?;
                    self.eof_sent = true;
                }
                Err(e) => return Err(self.decode_error(format!("reading packet: {e}"))),
            }
        }
    }
}

impl VideoReader {
    /// End of stream: fine, or an error if nothing decoded or the stream proved damaged or
    /// shorter than its index says (truncated file).
    fn finish(&self) -> Result<Option<VideoFrame>, VisionError> {
        if self.frames_out == 0 {
            return Err(VisionError::NoFrames(self.path.clone()));
        }
        let missing = self.indexed_frames.saturating_sub(self.frames_out);
        // A couple of frames may legitimately be cut by edit lists.
        if missing > 2 && missing * 50 > self.indexed_frames {
            return Err(self.decode_error(format!(
                "stream ends after {} of {} frames (truncated file?)",
                self.frames_out, self.indexed_frames
            )));
        }
        if self.damaged_packets > 0 {
            return Err(self.decode_error(format!(
                "{} damaged packets after {} good frames",
                self.damaged_packets, self.frames_out
            )));
        }
        Ok(None)
    }
}

impl Iterator for VideoReader {
    type Item = Result<VideoFrame, VisionError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_frame() {
            Ok(Some(frame)) => Some(Ok(frame)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

fn rational_to_f64(r: ffmpeg::Rational) -> f64 {
    if r.denominator() == 0 {
        0.0
    } else {
        r.numerator() as f64 / r.denominator() as f64
    }
}

fn rescale_ms(ticks: i64, time_base: ffmpeg::Rational) -> i64 {
    let (num, den) = (
        time_base.numerator() as i128,
        time_base.denominator() as i128,
    );
    if den == 0 {
        return 0;
    }
    let scaled = ticks as i128 * num * 1000;
    // Round to nearest, also for negative values.
    let ms = if scaled >= 0 {
        (scaled + den / 2) / den
    } else {
        (scaled - den / 2) / den
    };
    ms as i64
}

/// Clockwise rotation in degrees the player applies: from the display matrix side data, else
/// the legacy `rotate` tag.
fn stream_rotation(stream: &ffmpeg::format::stream::Stream) -> u32 {
    let mut degrees: Option<f64> = None;
    for side in stream.side_data() {
        if side.kind() == ffmpeg::codec::packet::side_data::Type::DisplayMatrix
            && side.data().len() >= 36
        {
            let mut matrix = [0i32; 9];
            for (i, m) in matrix.iter_mut().enumerate() {
                let bytes = &side.data()[i * 4..i * 4 + 4];
                *m = i32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            }
            // SAFETY: `matrix` is the 3x3 int32 display matrix the function expects.
            let ccw = unsafe { ffmpeg::ffi::av_display_rotation_get(matrix.as_ptr()) };
            if ccw.is_finite() {
                degrees = Some(-ccw);
            }
        }
    }
    if degrees.is_none() {
        degrees = stream
            .metadata()
            .get("rotate")
            .and_then(|r| r.trim().parse::<f64>().ok());
    }
    let degrees = degrees.unwrap_or(0.0);
    (((degrees / 90.0).round() as i64).rem_euclid(4) * 90) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_rescale_with_rounding() {
        let tb = ffmpeg::Rational::new(1, 15360);
        assert_eq!(rescale_ms(15360, tb), 1000);
        assert_eq!(rescale_ms(256, tb), 17);
        assert_eq!(rescale_ms(-256, tb), -17);
        assert_eq!(rescale_ms(1001, ffmpeg::Rational::new(1, 30000)), 33);
    }

    #[test]
    fn missing_file_and_non_video_are_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nothing.mp4");
        assert!(matches!(
            VideoReader::open(&missing),
            Err(VisionError::FileNotFound(_))
        ));
        let text = dir.path().join("notes.mp4");
        std::fs::write(&text, "this is a text file, not a video\n").unwrap();
        let err = VideoReader::open(&text)
            .err()
            .expect("text file must not open as video");
        assert!(matches!(err, VisionError::NotAVideo { .. }), "{err}");
    }
}
