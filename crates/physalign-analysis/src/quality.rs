//! Per-frame quality score in 0..1 from landmark visibility, presence and tracking stability.

use crate::geometry::Vec3;
use crate::kinematics::FrameSize;
use physalign_domain::{LandmarkType as L, PoseFrame};
use std::ops::{Add, Sub};

/// The landmarks exercise analysis relies on.
const BODY: [L; 12] = [
    L::LeftShoulder,
    L::RightShoulder,
    L::LeftElbow,
    L::RightElbow,
    L::LeftWrist,
    L::RightWrist,
    L::LeftHip,
    L::RightHip,
    L::LeftKnee,
    L::RightKnee,
    L::LeftAnkle,
    L::RightAnkle,
];

/// Unexplained landmark motion (as a fraction of torso length) at which stability halves.
const JITTER_SCALE: f32 = 0.06;

/// Scores frames one after another (stability needs the previous frames).
#[derive(Debug, Clone, Default)]
pub struct QualityEstimator {
    prev: Option<(i64, [Vec3; 12])>,
    velocity: Option<[Vec3; 12]>,
}

impl QualityEstimator {
    /// A fresh estimator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Quality of `frame`: mean visibility x presence of the body landmarks, reduced when the
    /// landmarks move in a way a constant-velocity prediction cannot explain (jitter).
    pub fn score(&mut self, frame: &PoseFrame, size: FrameSize) -> f32 {
        if frame.landmarks.len() < BODY.iter().map(|l| l.index()).max().unwrap_or(0) + 1 {
            self.prev = None;
            self.velocity = None;
            return 0.0;
        }
        let mut visibility = 0.0;
        let mut points = [Vec3::new(0.0, 0.0, 0.0); 12];
        for (i, kind) in BODY.iter().enumerate() {
            let lm = &frame.landmarks[kind.index()];
            visibility += (lm.visibility * lm.presence).clamp(0.0, 1.0);
            points[i] = Vec3::new(lm.x * size.width as f32, lm.y * size.height as f32, 0.0);
        }
        visibility /= BODY.len() as f32;

        let torso = points[0]
            .mid(points[1])
            .sub(points[6].mid(points[7]))
            .norm()
            .max(1.0);
        let mut stability = 1.0;
        if let Some((t0, prev)) = self.prev {
            let dt = (frame.timestamp_ms - t0) as f32;
            if dt > 0.0 && dt < 500.0 {
                let mut residuals: Vec<f32> = (0..12)
                    .map(|i| {
                        let predicted = match self.velocity {
                            Some(v) => prev[i].add(v[i].scale(dt)),
                            None => prev[i],
                        };
                        points[i].sub(predicted).norm() / torso
                    })
                    .collect();
                residuals.sort_by(|a, b| a.total_cmp(b));
                let median = residuals[residuals.len() / 2];
                stability = 1.0 / (1.0 + (median / JITTER_SCALE).powi(2));
                let mut v = [Vec3::new(0.0, 0.0, 0.0); 12];
                for i in 0..12 {
                    v[i] = points[i].sub(prev[i]).scale(1.0 / dt);
                }
                self.velocity = Some(v);
            } else {
                self.velocity = None;
            }
        }
        self.prev = Some((frame.timestamp_ms, points));
        (visibility * (0.6 + 0.4 * stability)).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinematics::tests::frame_with;

    #[test]
    fn steady_visible_frames_score_high_and_jittery_or_hidden_low() {
        let size = FrameSize::new(640, 480);
        let base = [
            (L::LeftShoulder, 0.45, 0.3),
            (L::RightShoulder, 0.55, 0.3),
            (L::LeftHip, 0.46, 0.6),
            (L::RightHip, 0.54, 0.6),
        ];
        let mut q = QualityEstimator::new();
        let mut steady = 0.0;
        for i in 0..10 {
            let mut f = frame_with(&base);
            f.timestamp_ms = i * 33;
            steady = q.score(&f, size);
        }
        assert!(steady > 0.9, "{steady}");

        let mut q = QualityEstimator::new();
        let mut jittery: f32 = 1.0;
        for i in 0..10 {
            let shift = if i % 2 == 0 { 0.05 } else { -0.05 };
            let mut f = frame_with(&base);
            for lm in f.landmarks.iter_mut() {
                lm.x += shift;
            }
            f.timestamp_ms = i * 33;
            jittery = jittery.min(q.score(&f, size));
        }
        assert!(jittery < 0.75, "{jittery}");

        let mut hidden = frame_with(&base);
        for lm in hidden.landmarks.iter_mut() {
            lm.visibility = 0.1;
        }
        assert!(QualityEstimator::new().score(&hidden, size) < 0.15);
    }
}
