//! Small JPEG previews of the frames for the live screen: the window shows what the camera sees
//! without shipping full-size frames through the webview bridge.

use base64::Engine;
use image::codecs::jpeg::JpegEncoder;
use image::RgbImage;
use serde::{Deserialize, Serialize};

/// How often and how large previews are made.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PreviewOptions {
    /// At most this many previews per second (0 disables previews).
    pub max_fps: f32,
    /// Longest side of the preview in pixels.
    pub max_side: u32,
    /// JPEG quality 1..100.
    pub quality: u8,
}

impl Default for PreviewOptions {
    /// 15 previews per second, 480 pixels on the long side: smooth enough to follow a
    /// movement, about 25 KB each.
    fn default() -> Self {
        Self {
            max_fps: 15.0,
            max_side: 480,
            quality: 70,
        }
    }
}

/// One encoded preview.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PreviewImage {
    /// Preview width in pixels.
    pub width: u32,
    /// Preview height in pixels.
    pub height: u32,
    /// `data:image/jpeg;base64,...`, ready for an `<img>` or a canvas.
    pub data_url: String,
}

/// Downscales and encodes `image`; `None` if the encoder fails (a preview is never worth
/// stopping a recording for).
pub fn encode_preview(image: &RgbImage, options: &PreviewOptions) -> Option<PreviewImage> {
    let (w, h) = image.dimensions();
    let scale = (options.max_side as f32 / w.max(h) as f32).min(1.0);
    let (pw, ph) = (
        ((w as f32 * scale).round() as u32).max(1),
        ((h as f32 * scale).round() as u32).max(1),
    );
    // `thumbnail` averages whole pixel blocks: much faster than a filtered resize at this size.
    let small = if scale < 1.0 {
        image::imageops::thumbnail(image, pw, ph)
    } else {
        image.clone()
    };
    let mut jpeg = Vec::with_capacity((pw * ph / 4) as usize);
    JpegEncoder::new_with_quality(&mut jpeg, options.quality.clamp(1, 100))
        .encode_image(&small)
        .map_err(|e| tracing::warn!("preview encoding failed: {e}"))
        .ok()?;
    let mut data_url = String::from("data:image/jpeg;base64,");
    base64::engine::general_purpose::STANDARD.encode_string(&jpeg, &mut data_url);
    Some(PreviewImage {
        width: small.width(),
        height: small.height(),
        data_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_keeps_the_aspect_ratio_and_is_a_jpeg() {
        let image = RgbImage::from_fn(1080, 1920, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 0])
        });
        let preview = encode_preview(&image, &PreviewOptions::default()).expect("encodes");
        assert_eq!((preview.width, preview.height), (270, 480));
        let b64 = preview
            .data_url
            .strip_prefix("data:image/jpeg;base64,")
            .expect("prefix");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64");
        assert_eq!(&bytes[..2], &[0xFF, 0xD8], "JPEG start-of-image marker");
    }
}
