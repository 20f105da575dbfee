//! BlazePose person detector: SSD anchors, box/keypoint decoding and weighted NMS, as in
//! MediaPipe's `pose_detection_cpu` graph.

use crate::geometry::{crop_to_tensor, Border, CropSpec, Roi};
use crate::model::ImageModel;
use crate::VisionError;
use image::RgbImage;
use std::path::Path;

/// Detector input side in pixels.
const INPUT_SIZE: usize = 224;
/// Values per anchor: box (cx, cy, w, h) then 4 keypoints (x, y).
const COORDS: usize = 12;
/// Scores below this are not people (MediaPipe `min_score_thresh`).
const MIN_SCORE: f32 = 0.5;
/// Overlap above which weaker boxes are merged into a stronger one.
const NMS_IOU: f32 = 0.3;
/// Raw scores are clipped to this magnitude before the sigmoid.
const SCORE_CLIP: f32 = 100.0;

/// One detected person, in image pixel coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Confidence 0..1.
    pub score: f32,
    /// Box centre x, y and width, height in pixels. BlazePose's box covers the face; the body
    /// is described by the keypoints.
    pub bbox: [f32; 4],
    /// The 4 keypoints in pixels: mid-hip centre, full-body size/rotation point, and the two
    /// upper-body equivalents.
    pub keypoints: [(f32, f32); 4],
}

impl Detection {
    /// The landmark model's region for this person.
    pub fn roi(&self) -> Roi {
        Roi::from_alignment_points(self.keypoints[0], self.keypoints[1])
    }
}

/// An SSD anchor centre (anchor sizes are fixed to 1 for this model).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Anchor {
    x: f32,
    y: f32,
}

/// Anchors of `pose_detection`: 5 layers with strides 8, 16, 32, 32, 32; layers sharing a
/// stride share one grid; each layer contributes 2 anchors per cell (aspect ratio 1 plus the
/// interpolated scale), all of unit size.
fn generate_anchors() -> Vec<Anchor> {
    const STRIDES: [usize; 5] = [8, 16, 32, 32, 32];
    let mut anchors = Vec::with_capacity(2254);
    let mut layer = 0;
    while layer < STRIDES.len() {
        let stride = STRIDES[layer];
        let mut per_cell = 0;
        while layer < STRIDES.len() && STRIDES[layer] == stride {
            per_cell += 2;
            layer += 1;
        }
        let cells = INPUT_SIZE.div_ceil(stride);
        for y in 0..cells {
            for x in 0..cells {
                let anchor = Anchor {
                    x: (x as f32 + 0.5) / cells as f32,
                    y: (y as f32 + 0.5) / cells as f32,
                };
                anchors.extend(std::iter::repeat_n(anchor, per_cell));
            }
        }
    }
    anchors
}

/// The person detector model.
pub struct PoseDetector {
    model: ImageModel,
    anchors: Vec<Anchor>,
    input: Vec<f32>,
}

impl PoseDetector {
    /// Loads the detector model.
    pub fn new(path: &Path, threads: usize) -> Result<Self, VisionError> {
        let model = ImageModel::open(path, threads, "pose detector", |_| false)?;
        if model.side != INPUT_SIZE {
            return Err(VisionError::ModelShape {
                model: "pose detector".into(),
                detail: format!("input side {} (expected {INPUT_SIZE})", model.side),
            });
        }
        Ok(Self {
            input: vec![0.0; INPUT_SIZE * INPUT_SIZE * 3],
            anchors: generate_anchors(),
            model,
        })
    }

    /// All people in the image after NMS, strongest first.
    pub fn detect(&mut self, image: &RgbImage) -> Result<Vec<Detection>, VisionError> {
        let roi = Roi::letterbox(image.width(), image.height());
        let spec = CropSpec {
            side: INPUT_SIZE,
            layout: self.model.layout,
            low: -1.0,
            high: 1.0,
            border: Border::Zero,
        };
        crop_to_tensor(image, &roi, &spec, &mut self.input);
        let outputs = self.model.run(&self.input)?;
        let boxes = outputs
            .iter()
            .find(|o| o.len() == self.anchors.len() * COORDS);
        let scores = outputs.iter().find(|o| o.len() == self.anchors.len());
        let (Some(boxes), Some(scores)) = (boxes, scores) else {
            return Err(VisionError::ModelShape {
                model: "pose detector".into(),
                detail: format!(
                    "expected outputs of {} and {} values, got {:?}",
                    self.anchors.len() * COORDS,
                    self.anchors.len(),
                    outputs.iter().map(Vec::len).collect::<Vec<_>>()
                ),
            });
        };
        let raw = decode(boxes, scores, &self.anchors);
        Ok(weighted_nms(raw)
            .into_iter()
            .map(|d| to_image(&d, &roi))
            .collect())
    }
}

/// A detection in letterboxed-input-normalised coordinates.
#[derive(Debug, Clone)]
struct RawDetection {
    score: f32,
    /// x_min, y_min, x_max, y_max.
    corners: [f32; 4],
    keypoints: [f32; 8],
}

fn decode(boxes: &[f32], scores: &[f32], anchors: &[Anchor]) -> Vec<RawDetection> {
    let scale = INPUT_SIZE as f32;
    let mut out = Vec::new();
    for (i, anchor) in anchors.iter().enumerate() {
        let score = sigmoid(scores[i].clamp(-SCORE_CLIP, SCORE_CLIP));
        if score < MIN_SCORE {
            continue;
        }
        let b = &boxes[i * COORDS..(i + 1) * COORDS];
        let cx = b[0] / scale + anchor.x;
        let cy = b[1] / scale + anchor.y;
        let (w, h) = (b[2] / scale, b[3] / scale);
        let mut keypoints = [0.0; 8];
        for k in 0..4 {
            keypoints[2 * k] = b[4 + 2 * k] / scale + anchor.x;
            keypoints[2 * k + 1] = b[5 + 2 * k] / scale + anchor.y;
        }
        out.push(RawDetection {
            score,
            corners: [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0],
            keypoints,
        });
    }
    out
}

fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let ix = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let iy = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = ix * iy;
    let area = |r: &[f32; 4]| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
    let union = area(a) + area(b) - inter;
    if union <= 0.0 {
        0.0
    } else {
        inter / union
    }
}

/// MediaPipe's weighted NMS: each strongest remaining box absorbs the boxes overlapping it,
/// averaging coordinates by score and keeping its own score.
fn weighted_nms(mut dets: Vec<RawDetection>) -> Vec<RawDetection> {
    dets.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while !dets.is_empty() {
        let top = dets[0].corners;
        let (cluster, rest): (Vec<_>, Vec<_>) = dets
            .into_iter()
            .partition(|d| iou(&top, &d.corners) > NMS_IOU);
        dets = rest;
        // The top box always overlaps itself, unless it is degenerate.
        let Some(first) = cluster.first() else {
            break;
        };
        let total: f32 = cluster.iter().map(|d| d.score).sum();
        let mut merged = RawDetection {
            score: first.score,
            corners: [0.0; 4],
            keypoints: [0.0; 8],
        };
        for d in &cluster {
            let w = d.score / total;
            for (m, v) in merged.corners.iter_mut().zip(d.corners) {
                *m += v * w;
            }
            for (m, v) in merged.keypoints.iter_mut().zip(d.keypoints) {
                *m += v * w;
            }
        }
        out.push(merged);
    }
    out
}

fn to_image(d: &RawDetection, roi: &Roi) -> Detection {
    let (x0, y0) = roi.to_image(d.corners[0], d.corners[1]);
    let (x1, y1) = roi.to_image(d.corners[2], d.corners[3]);
    let mut keypoints = [(0.0, 0.0); 4];
    for (k, kp) in keypoints.iter_mut().enumerate() {
        *kp = roi.to_image(d.keypoints[2 * k], d.keypoints[2 * k + 1]);
    }
    Detection {
        score: d.score,
        bbox: [(x0 + x1) / 2.0, (y0 + y1) / 2.0, x1 - x0, y1 - y0],
        keypoints,
    }
}

pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_layout_matches_the_model_output() {
        let anchors = generate_anchors();
        assert_eq!(anchors.len(), 2254);
        // First grid: 28x28 cells of stride 8, two anchors per cell.
        assert_eq!(anchors[0], anchors[1]);
        assert!((anchors[0].x - 0.5 / 28.0).abs() < 1e-6);
        assert!((anchors[2].x - 1.5 / 28.0).abs() < 1e-6);
        // Last grid: 7x7 cells of stride 32, six anchors per cell.
        let last = anchors[2253];
        assert!((last.x - 6.5 / 7.0).abs() < 1e-6 && (last.y - 6.5 / 7.0).abs() < 1e-6);
        assert_eq!(anchors[2254 - 6], last);
    }

    #[test]
    fn weighted_nms_merges_overlaps_and_keeps_separate_people() {
        let det = |score: f32, x: f32| RawDetection {
            score,
            corners: [x, 0.1, x + 0.2, 0.5],
            keypoints: [x; 8],
        };
        let merged = weighted_nms(vec![det(0.6, 0.11), det(0.9, 0.1), det(0.7, 0.7)]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].score, 0.9);
        let expected = (0.1 * 0.9 + 0.11 * 0.6) / 1.5;
        assert!((merged[0].corners[0] - expected).abs() < 1e-6);
        assert!((merged[1].corners[0] - 0.7).abs() < 1e-6);
    }
}
