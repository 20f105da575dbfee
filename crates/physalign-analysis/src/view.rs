//! Where the camera is relative to the body, detected from the landmarks: the same exercise is
//! filmed from the front, the side, at an angle or from behind, and which measurements can be
//! trusted depends on it (a knee-ankle-toe angle means nothing from behind; knee valgus nothing
//! from the side).

use physalign_domain::{LandmarkType as L, PoseFrame};
use serde::{Deserialize, Serialize};

/// Shoulder-and-hip width over torso length at or above which the body faces (or turns its back
/// to) the camera: about 0.7 squarely, 0.5 at 45 degrees, under 0.2 side-on.
const FRONTAL_WIDTH: f32 = 0.55;

/// At or below this width ratio the camera sees the body side-on.
const SIDE_WIDTH: f32 = 0.3;

/// Smoothing of the width ratio, seconds (a turning body changes view slowly).
const VIEW_SMOOTHING_S: f32 = 1.0;

/// Landmarks below this visibility do not count as seen.
const SEEN: f32 = 0.5;

/// The camera's position relative to the body, as detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DetectedView {
    /// Not enough of the body seen yet.
    #[default]
    Unknown,
    /// The body faces the camera.
    Front,
    /// The camera is behind the person.
    Back,
    /// Side-on.
    Side,
    /// In between front (or back) and side.
    Oblique,
}

impl DetectedView {
    /// `front`, `back`, `side`, `oblique` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Front => "front",
            Self::Back => "back",
            Self::Side => "side",
            Self::Oblique => "oblique",
        }
    }
}

/// Follows the view frame by frame.
#[derive(Debug, Clone, Default)]
pub struct ViewDetector {
    width_ratio: Option<f32>,
    facing: f32,
    last_ms: Option<i64>,
    view: DetectedView,
}

impl ViewDetector {
    /// No history yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The view now.
    pub fn view(&self) -> DetectedView {
        self.view
    }

    /// Feeds one frame (pixel geometry: normalised coordinates scaled by `width` x `height`).
    pub fn push(&mut self, frame: &PoseFrame, width: f32, height: f32) -> DetectedView {
        let Some((ratio, facing)) = measure(frame, width, height) else {
            return self.view;
        };
        let dt_s = self
            .last_ms
            .map_or(0.0, |t| (frame.timestamp_ms - t).max(0) as f32 / 1000.0);
        self.last_ms = Some(frame.timestamp_ms);
        let keep = (-dt_s / VIEW_SMOOTHING_S).exp();
        let smoothed = match self.width_ratio {
            Some(r) => r * keep + ratio * (1.0 - keep),
            None => ratio,
        };
        self.width_ratio = Some(smoothed);
        self.facing = self.facing * keep + facing * (1.0 - keep);
        if self.last_ms.is_some() && self.facing == 0.0 {
            self.facing = facing;
        }
        self.view = if smoothed <= SIDE_WIDTH {
            DetectedView::Side
        } else if smoothed < FRONTAL_WIDTH {
            DetectedView::Oblique
        } else if self.facing >= 0.0 {
            DetectedView::Front
        } else {
            DetectedView::Back
        };
        self.view
    }
}

/// Width ratio (shoulder and hip widths over torso length, in pixels) and facing (+1 when the
/// subject's left is on the image right, as when facing the camera; -1 from behind).
fn measure(frame: &PoseFrame, width: f32, height: f32) -> Option<(f32, f32)> {
    let px = |k: L| {
        frame
            .landmarks
            .get(k.index())
            .map(|lm| (lm.x * width, lm.y * height, lm.visibility))
    };
    let (ls, rs) = (px(L::LeftShoulder)?, px(L::RightShoulder)?);
    let (lh, rh) = (px(L::LeftHip)?, px(L::RightHip)?);
    let shoulders_seen = ls.2.max(rs.2) >= SEEN;
    if !shoulders_seen {
        return None;
    }
    let dist =
        |a: (f32, f32, f32), b: (f32, f32, f32)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    let mid = |a: (f32, f32, f32), b: (f32, f32, f32)| ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0, 1.0);
    let hips_seen = lh.2.max(rh.2) >= SEEN;
    // With the hips out of view (a close-up), the shoulder width against the head size decides.
    let (torso, widths) = if hips_seen {
        let t = dist(mid(ls, rs), mid(lh, rh));
        (t, (dist(ls, rs) + dist(lh, rh) * 1.4) / 2.0)
    } else {
        let (le, re) = (px(L::LeftEar)?, px(L::RightEar)?);
        // Shoulder width is about 2.5 ear distances facing the camera: scale to a torso.
        (dist(le, re).max(1.0) * 2.5 / 0.75, dist(ls, rs))
    };
    if torso <= 1.0 {
        return None;
    }
    let facing = ((ls.0 - rs.0) + (lh.0 - rh.0)).signum();
    Some((widths / torso, facing))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinematics::tests::frame_with;

    fn body(shoulder_half: f32, mirrored: bool) -> PoseFrame {
        let s = if mirrored { -1.0 } else { 1.0 };
        frame_with(&[
            (L::LeftShoulder, 0.5 + s * shoulder_half, 0.3),
            (L::RightShoulder, 0.5 - s * shoulder_half, 0.3),
            (L::LeftHip, 0.5 + s * shoulder_half * 0.7, 0.6),
            (L::RightHip, 0.5 - s * shoulder_half * 0.7, 0.6),
        ])
    }

    #[test]
    fn front_back_side_and_oblique() {
        let cases = [
            (0.12, false, DetectedView::Front),
            (0.12, true, DetectedView::Back),
            (0.02, false, DetectedView::Side),
            (0.07, false, DetectedView::Oblique),
        ];
        for (half, mirrored, expected) in cases {
            let mut d = ViewDetector::new();
            for i in 0..30 {
                let mut f = body(half, mirrored);
                f.timestamp_ms = i * 33;
                d.push(&f, 480.0, 480.0);
            }
            assert_eq!(d.view(), expected, "half width {half}, mirrored {mirrored}");
        }
    }
}
