//! COCO keypoint evaluation: single-person (top-down) PCK of BlazePose against COCO's 17
//! annotated keypoints.
//!
//! Each annotated person's box is enlarged by 25 % and cropped; the estimator runs on the crop,
//! taking the strongest detection whose body centre lies in the annotated box (or, when there is
//! none, the box itself as the landmark region). Predictions are mapped back to original image
//! pixels and compared with the annotation: a keypoint is correct when it lies within
//! `alpha` x the larger box side of the annotated position (PCK@alpha), over keypoints with
//! visibility flag > 0.

use crate::estimator::MIN_PRESENCE;
use crate::geometry::Roi;
use crate::{PoseEstimator, VisionError};
use image::RgbImage;
use physalign_domain::LandmarkType;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// COCO's keypoint names in annotation order.
pub const COCO_KEYPOINTS: [&str; 17] = [
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
];

/// The BlazePose landmark corresponding to each COCO keypoint.
pub const BLAZEPOSE_FOR_COCO: [LandmarkType; 17] = [
    LandmarkType::Nose,
    LandmarkType::LeftEye,
    LandmarkType::RightEye,
    LandmarkType::LeftEar,
    LandmarkType::RightEar,
    LandmarkType::LeftShoulder,
    LandmarkType::RightShoulder,
    LandmarkType::LeftElbow,
    LandmarkType::RightElbow,
    LandmarkType::LeftWrist,
    LandmarkType::RightWrist,
    LandmarkType::LeftHip,
    LandmarkType::RightHip,
    LandmarkType::LeftKnee,
    LandmarkType::RightKnee,
    LandmarkType::LeftAnkle,
    LandmarkType::RightAnkle,
];

/// 17 COCO keypoints: x, y in pixels and a flag or confidence.
pub type CocoKeypoints = [[f32; 3]; 17];

/// The standard PCK threshold as a fraction of the larger box side.
pub const DEFAULT_ALPHA: f32 = 0.2;

/// Box enlargement before cropping.
const CROP_MARGIN: f32 = 1.25;

#[derive(Debug, Deserialize)]
struct RawFile {
    images: Vec<RawImage>,
    annotations: Vec<RawAnnotation>,
}

#[derive(Debug, Deserialize)]
struct RawImage {
    id: u64,
    file_name: String,
}

#[derive(Debug, Deserialize)]
struct RawAnnotation {
    id: u64,
    image_id: u64,
    bbox: [f32; 4],
    keypoints: Vec<f32>,
    #[serde(default)]
    num_keypoints: u32,
    #[serde(default)]
    iscrowd: u8,
}

/// One annotated person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CocoPerson {
    /// COCO annotation id.
    pub annotation_id: u64,
    /// Box: x, y, width, height in pixels.
    pub bbox: [f32; 4],
    /// The 17 keypoints: x, y in pixels and COCO's visibility flag (0 unlabelled, 1 occluded,
    /// 2 visible).
    pub keypoints: [[f32; 3]; 17],
}

/// One image with its annotated people.
#[derive(Debug, Clone, PartialEq)]
pub struct CocoImage {
    /// The image file.
    pub path: PathBuf,
    /// People with at least one labelled keypoint (crowd regions excluded).
    pub people: Vec<CocoPerson>,
}

/// Reads `*.json` in `dir` (the first COCO keypoint file found, `test_coco.json` preferred) and
/// resolves image files beside it.
pub fn load_dataset(dir: &Path) -> Result<Vec<CocoImage>, VisionError> {
    let json = if dir.is_file() {
        dir.to_path_buf()
    } else {
        let preferred = dir.join("test_coco.json");
        if preferred.is_file() {
            preferred
        } else {
            let mut found = std::fs::read_dir(dir)
                .map_err(|_| VisionError::FileNotFound(dir.to_path_buf()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect::<Vec<_>>();
            found.sort();
            found
                .into_iter()
                .next()
                .ok_or_else(|| VisionError::FileNotFound(dir.join("*.json")))?
        }
    };
    let annotations_error = |reason: String| VisionError::Annotations {
        path: json.clone(),
        reason,
    };
    let text = std::fs::read_to_string(&json).map_err(|e| annotations_error(e.to_string()))?;
    let raw: RawFile = serde_json::from_str(&text).map_err(|e| annotations_error(e.to_string()))?;
    let base = json.parent().unwrap_or(Path::new("."));
    let mut images = Vec::new();
    for image in &raw.images {
        let mut people = Vec::new();
        for a in raw.annotations.iter().filter(|a| a.image_id == image.id) {
            if a.iscrowd != 0 || a.num_keypoints == 0 {
                continue;
            }
            if a.keypoints.len() != 51 {
                return Err(annotations_error(format!(
                    "annotation {} has {} keypoint values (expected 51)",
                    a.id,
                    a.keypoints.len()
                )));
            }
            let mut keypoints = [[0.0; 3]; 17];
            for (k, kp) in keypoints.iter_mut().enumerate() {
                kp.copy_from_slice(&a.keypoints[k * 3..k * 3 + 3]);
            }
            people.push(CocoPerson {
                annotation_id: a.id,
                bbox: a.bbox,
                keypoints,
            });
        }
        images.push(CocoImage {
            path: base.join(&image.file_name),
            people,
        });
    }
    Ok(images)
}

/// How the landmark region of an evaluated person was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionSource {
    /// The person detector found the person in the crop.
    Detector,
    /// The detector found nobody overlapping the box; the annotated box was used.
    AnnotatedBox,
}

/// The prediction for one annotated person and its score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonResult {
    /// The image file name.
    pub image: String,
    /// COCO annotation id.
    pub annotation_id: u64,
    /// Predicted COCO keypoints (x, y in original image pixels, BlazePose visibility); `None`
    /// when the landmark model found nobody.
    pub predicted: Option<[[f32; 3]; 17]>,
    /// Annotated keypoints (x, y, COCO flag).
    pub annotated: [[f32; 3]; 17],
    /// Where the landmark region came from.
    pub region: RegionSource,
    /// Correct keypoints at the evaluation's alpha.
    pub correct: u32,
    /// Labelled (flag > 0) keypoints.
    pub labelled: u32,
}

impl PersonResult {
    /// PCK of this person (1 when nothing is labelled).
    pub fn pck(&self) -> f32 {
        if self.labelled == 0 {
            1.0
        } else {
            self.correct as f32 / self.labelled as f32
        }
    }
}

/// Results over a whole dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The threshold used, as a fraction of the larger box side.
    pub alpha: f32,
    /// Every evaluated person.
    pub people: Vec<PersonResult>,
    /// Correct keypoints over all people.
    pub correct: u32,
    /// Labelled keypoints over all people.
    pub labelled: u32,
}

impl Evaluation {
    /// Overall PCK: correct over labelled keypoints.
    pub fn pck(&self) -> f32 {
        if self.labelled == 0 {
            0.0
        } else {
            self.correct as f32 / self.labelled as f32
        }
    }
}

/// Counts keypoints within `alpha` x the larger box side of their annotation.
/// Returns (correct, labelled).
pub fn pck_counts(
    predicted: Option<&[[f32; 3]; 17]>,
    annotated: &[[f32; 3]; 17],
    bbox: [f32; 4],
    alpha: f32,
) -> (u32, u32) {
    let threshold = alpha * bbox[2].max(bbox[3]);
    let mut correct = 0;
    let mut labelled = 0;
    for (k, a) in annotated.iter().enumerate() {
        if a[2] <= 0.0 {
            continue;
        }
        labelled += 1;
        if let Some(p) = predicted {
            let (dx, dy) = (p[k][0] - a[0], p[k][1] - a[1]);
            if (dx * dx + dy * dy).sqrt() <= threshold {
                correct += 1;
            }
        }
    }
    (correct, labelled)
}

/// Predicts one annotated person's COCO keypoints in original image pixels.
pub fn predict_person(
    estimator: &mut PoseEstimator,
    image: &RgbImage,
    person: &CocoPerson,
) -> Result<(Option<CocoKeypoints>, RegionSource), VisionError> {
    let (both, source) = predict_person_3d(estimator, image, person)?;
    Ok((both.map(|(image_points, _)| image_points), source))
}

/// Predicts one annotated person's COCO keypoints in original image pixels (`[x, y,
/// visibility]`) and the same keypoints as world landmarks in metres (`[x, y, z]`), for joint
/// angles measured in 3D.
#[allow(clippy::type_complexity)]
pub fn predict_person_3d(
    estimator: &mut PoseEstimator,
    image: &RgbImage,
    person: &CocoPerson,
) -> Result<(Option<(CocoKeypoints, CocoKeypoints)>, RegionSource), VisionError> {
    let [bx, by, bw, bh] = person.bbox;
    let (cx, cy) = (bx + bw / 2.0, by + bh / 2.0);
    let (cw, ch) = (bw * CROP_MARGIN, bh * CROP_MARGIN);
    let x0 = (cx - cw / 2.0).floor().max(0.0) as u32;
    let y0 = (cy - ch / 2.0).floor().max(0.0) as u32;
    let x1 = ((cx + cw / 2.0).ceil() as u32).min(image.width());
    let y1 = ((cy + ch / 2.0).ceil() as u32).min(image.height());
    if x1 <= x0 || y1 <= y0 {
        return Ok((None, RegionSource::AnnotatedBox));
    }
    let crop = image::imageops::crop_imm(image, x0, y0, x1 - x0, y1 - y0).to_image();
    // Several people may share the crop: take the strongest detection whose body centre (the
    // detector's mid-hip keypoint; its box covers only the face) lies in the annotated box.
    let (lx0, ly0) = (bx - x0 as f32, by - y0 as f32);
    let inside = |(x, y): (f32, f32)| x >= lx0 && x <= lx0 + bw && y >= ly0 && y <= ly0 + bh;
    let best = estimator
        .detect(&crop)?
        .into_iter()
        .find(|d| inside(d.keypoints[0]));
    let (roi, source) = match best {
        Some(d) => (d.roi(), RegionSource::Detector),
        None => (
            Roi {
                center_x: cx - x0 as f32,
                center_y: cy - y0 as f32,
                size: bw.max(bh) * CROP_MARGIN,
                rotation: 0.0,
            },
            RegionSource::AnnotatedBox,
        ),
    };
    let region = estimator.landmarks_in(&crop, &roi)?;
    if region.presence < MIN_PRESENCE {
        return Ok((None, source));
    }
    let (w, h) = (crop.width() as f32, crop.height() as f32);
    let mut out = [[0.0; 3]; 17];
    let mut world = [[0.0; 3]; 17];
    for (k, kind) in BLAZEPOSE_FOR_COCO.iter().enumerate() {
        let lm = region.landmarks[kind.index()];
        out[k] = [lm.x * w + x0 as f32, lm.y * h + y0 as f32, lm.visibility];
        if let Some(wl) = region.world_landmarks.get(kind.index()) {
            world[k] = [wl.x, wl.y, wl.z];
        }
    }
    Ok((Some((out, world)), source))
}

/// Evaluates every annotated person in the dataset at `dir`.
pub fn evaluate(
    estimator: &mut PoseEstimator,
    dir: &Path,
    alpha: f32,
) -> Result<Evaluation, VisionError> {
    let images = load_dataset(dir)?;
    let mut people = Vec::new();
    for entry in &images {
        if entry.people.is_empty() {
            continue;
        }
        let image = crate::load_image(&entry.path)?;
        let name = entry
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for person in &entry.people {
            let (predicted, region) = predict_person(estimator, &image, person)?;
            let (correct, labelled) =
                pck_counts(predicted.as_ref(), &person.keypoints, person.bbox, alpha);
            people.push(PersonResult {
                image: name.clone(),
                annotation_id: person.annotation_id,
                predicted,
                annotated: person.keypoints,
                region,
                correct,
                labelled,
            });
        }
    }
    let correct = people.iter().map(|p| p.correct).sum();
    let labelled = people.iter().map(|p| p.labelled).sum();
    Ok(Evaluation {
        alpha,
        people,
        correct,
        labelled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pck_counts_only_labelled_keypoints_within_threshold() {
        let mut annotated = [[0.0; 3]; 17];
        annotated[0] = [100.0, 100.0, 2.0];
        annotated[1] = [200.0, 100.0, 1.0];
        annotated[2] = [300.0, 300.0, 0.0]; // unlabelled: ignored
        let mut predicted = [[0.0; 3]; 17];
        predicted[0] = [110.0, 100.0, 0.9]; // 10 px off: within 0.2 * 100
        predicted[1] = [230.0, 100.0, 0.9]; // 30 px off: outside
        let bbox = [50.0, 50.0, 80.0, 100.0];
        assert_eq!(pck_counts(Some(&predicted), &annotated, bbox, 0.2), (1, 2));
        assert_eq!(pck_counts(None, &annotated, bbox, 0.2), (0, 2));
    }

    #[test]
    fn mapping_covers_coco_order_with_matching_sides() {
        for (name, kind) in COCO_KEYPOINTS.iter().zip(BLAZEPOSE_FOR_COCO) {
            assert_eq!(name.to_uppercase(), kind.name(), "{name}");
        }
    }

    #[test]
    fn malformed_annotation_file_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("test_coco.json"), "{\"images\": 3}").unwrap();
        assert!(matches!(
            load_dataset(dir.path()),
            Err(VisionError::Annotations { .. })
        ));
    }
}
