//! BlazePose landmark model: runs on a rotated region and decodes 33 body landmarks, world
//! landmarks and the two auxiliary alignment points back into image coordinates
//! (MediaPipe's `pose_landmark_by_roi` post-processing).

use crate::detector::sigmoid;
use crate::geometry::{crop_to_tensor, Border, CropSpec, Roi};
use crate::model::ImageModel;
use crate::VisionError;
use image::RgbImage;
use physalign_domain::{Landmark, LandmarkType, LANDMARK_COUNT};
use std::path::Path;

/// Landmarks the model predicts: 33 body landmarks, 2 alignment points, 4 unused.
const MODEL_LANDMARKS: usize = 39;
/// Heatmap side of every BlazePose variant.
const HEATMAP_SIDE: usize = 64;
/// Heatmap window used to refine each landmark (MediaPipe `kernel_size`).
const HEATMAP_KERNEL: usize = 7;
/// Landmarks are refined only where the heatmap is at least this confident.
const HEATMAP_MIN_CONFIDENCE: f32 = 0.5;

/// The segmentation mask output (`[1, side, side, 1]`), which pose estimation does not use.
fn is_segmentation(dims: &[i64]) -> bool {
    matches!(dims, [1, h, w, 1] if h == w && *h > HEATMAP_SIDE as i64)
}

/// The landmark model's result for one region.
#[derive(Debug, Clone)]
pub struct RegionLandmarks {
    /// Probability that a person is in the region.
    pub presence: f32,
    /// The 33 landmarks, `x`/`y` normalised to the image.
    pub landmarks: Vec<Landmark>,
    /// The 33 world landmarks in metres, rotated into image axes.
    pub world_landmarks: Vec<Landmark>,
    /// The region to use for the next video frame, from the auxiliary alignment points.
    pub next_roi: Roi,
}

/// The landmark model.
pub struct Landmarker {
    model: ImageModel,
    input: Vec<f32>,
}

impl Landmarker {
    /// Loads a landmark model of any variant.
    pub fn new(path: &Path, threads: usize) -> Result<Self, VisionError> {
        let model = ImageModel::open(path, threads, "pose landmark model", is_segmentation)?;
        let side = model.side;
        Ok(Self {
            model,
            input: vec![0.0; side * side * 3],
        })
    }

    /// Runs the model on `roi` of `image`.
    pub fn run(&mut self, image: &RgbImage, roi: &Roi) -> Result<RegionLandmarks, VisionError> {
        let side = self.model.side;
        let spec = CropSpec {
            side,
            layout: self.model.layout,
            low: 0.0,
            high: 1.0,
            // Black outside the image, not replicated edges: on regions reaching far past the
            // frame (close-ups, narrow crops) replicated edge pixels form stripes that mislead
            // the model (COCO PCK@0.2 0.89 with replication, 0.98 with black).
            border: Border::Zero,
        };
        crop_to_tensor(image, roi, &spec, &mut self.input);
        let (width, height) = (image.width() as f32, image.height() as f32);
        self.model.run_with(&self.input, |outputs| {
            let find = |len: usize| outputs.iter().find(|o| o.len() == len).copied();
            let (Some(raw), Some(flag), Some(world)) = (
                find(MODEL_LANDMARKS * 5),
                find(1),
                find(MODEL_LANDMARKS * 3),
            ) else {
                return Err(VisionError::ModelShape {
                    model: "pose landmark model".into(),
                    detail: format!(
                        "expected outputs of 195, 1 and 117 values, got {:?}",
                        outputs.iter().map(|o| o.len()).collect::<Vec<_>>()
                    ),
                });
            };
            let heatmap = find(HEATMAP_SIDE * HEATMAP_SIDE * MODEL_LANDMARKS);
            Ok(decode(
                raw,
                flag[0],
                world,
                heatmap,
                side as f32,
                roi,
                width,
                height,
            ))
        })
    }
}

/// Decodes raw model outputs. `raw` holds (x, y, z, visibility logit, presence logit) per
/// landmark in input pixels; `world` holds (x, y, z) in metres.
#[allow(clippy::too_many_arguments)]
fn decode(
    raw: &[f32],
    flag: f32,
    world: &[f32],
    heatmap: Option<&[f32]>,
    side: f32,
    roi: &Roi,
    width: f32,
    height: f32,
) -> RegionLandmarks {
    // The converted models output the flag either as a probability or as a logit.
    let presence = if (0.0..=1.0).contains(&flag) {
        flag
    } else {
        sigmoid(flag)
    };
    let mut local: Vec<(f32, f32)> = (0..MODEL_LANDMARKS)
        .map(|i| (raw[i * 5] / side, raw[i * 5 + 1] / side))
        .collect();
    if let Some(heatmap) = heatmap {
        refine_with_heatmap(&mut local, heatmap);
    }
    let mut landmarks = Vec::with_capacity(LANDMARK_COUNT);
    let mut world_landmarks = Vec::with_capacity(LANDMARK_COUNT);
    for (i, kind) in LandmarkType::ALL.into_iter().enumerate() {
        let (u, v) = local[i];
        let (px, py) = roi.to_image(u, v);
        let visibility = sigmoid(raw[i * 5 + 3]);
        let presence = sigmoid(raw[i * 5 + 4]);
        landmarks.push(Landmark {
            kind,
            x: px / width,
            y: py / height,
            // Depth is on the scale of x: ROI-relative, then scaled by the ROI's width.
            z: raw[i * 5 + 2] / side * roi.size / width,
            visibility,
            presence,
        });
        let (wx, wy) = roi.rotate(world[i * 3], world[i * 3 + 1]);
        world_landmarks.push(Landmark {
            kind,
            x: wx,
            y: wy,
            z: world[i * 3 + 2],
            visibility,
            presence,
        });
    }
    let centre = roi.to_image(local[33].0, local[33].1);
    let scale_point = roi.to_image(local[34].0, local[34].1);
    RegionLandmarks {
        presence,
        landmarks,
        world_landmarks,
        next_roi: Roi::from_alignment_points(centre, scale_point),
    }
}

/// MediaPipe's RefineLandmarksFromHeatmap: replaces each landmark by the sigmoid-weighted mean
/// of heatmap cells in a window around it, where the heatmap is confident.
fn refine_with_heatmap(local: &mut [(f32, f32)], heatmap: &[f32]) {
    let side = HEATMAP_SIDE as i64;
    let half = (HEATMAP_KERNEL as i64 - 1) / 2;
    for (index, point) in local.iter_mut().enumerate() {
        let col = (point.0 * side as f32) as i64;
        let row = (point.1 * side as f32) as i64;
        if point.0 < 0.0 || point.1 < 0.0 || col >= side || row >= side {
            continue;
        }
        let (mut sum, mut wcol, mut wrow, mut max) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for r in (row - half).max(0)..(row + half + 1).min(side) {
            for c in (col - half).max(0)..(col + half + 1).min(side) {
                let value = heatmap[(r * side + c) as usize * MODEL_LANDMARKS + index];
                let confidence = sigmoid(value);
                sum += confidence;
                max = max.max(confidence);
                wcol += c as f32 * confidence;
                wrow += r as f32 * confidence;
            }
        }
        if max >= HEATMAP_MIN_CONFIDENCE && sum > 0.0 {
            *point = (wcol / side as f32 / sum, wrow / side as f32 / sum);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landmarks_map_through_the_region_and_world_points_rotate() {
        let mut raw = vec![0.0f32; 195];
        // Landmark 0 at the input's top centre, very visible.
        raw[0] = 128.0;
        raw[1] = 0.0;
        raw[3] = 10.0;
        // Alignment points: centre at the middle, scale point a quarter up.
        raw[33 * 5] = 128.0;
        raw[33 * 5 + 1] = 128.0;
        raw[34 * 5] = 128.0;
        raw[34 * 5 + 1] = 64.0;
        let mut world = vec![0.0f32; 117];
        world[0] = 1.0;
        let roi = Roi {
            center_x: 100.0,
            center_y: 100.0,
            size: 200.0,
            rotation: std::f32::consts::FRAC_PI_2,
        };
        let out = decode(&raw, 0.9, &world, None, 256.0, &roi, 200.0, 400.0);
        assert_eq!(out.landmarks.len(), 33);
        let nose = out.landmarks[0];
        // Region top = image right when rotated a quarter turn clockwise.
        assert!(
            (nose.x - 1.0).abs() < 1e-4 && (nose.y - 0.25).abs() < 1e-4,
            "{nose:?}"
        );
        assert!(nose.visibility > 0.99);
        let w = out.world_landmarks[0];
        assert!(w.x.abs() < 1e-5 && (w.y - 1.0).abs() < 1e-5, "{w:?}");
        // Next region: centre (100,100), scale point 50 px to the right -> 125 px, quarter turn.
        assert!(
            (out.next_roi.size - 125.0).abs() < 1e-3,
            "{:?}",
            out.next_roi
        );
        assert!((out.next_roi.rotation - std::f32::consts::FRAC_PI_2).abs() < 1e-4);
        assert!((out.presence - 0.9).abs() < 1e-6);
    }
}
