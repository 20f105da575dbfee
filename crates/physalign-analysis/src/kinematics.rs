//! Joint angles and body-line measures of one pose frame (see [`crate::metric`] for conventions).

use crate::geometry::{angle_between, included_angle, Vec3};
use crate::metric::{Metric, MetricValues, Source};
use physalign_domain::{LandmarkType as L, PoseFrame};
use serde::{Deserialize, Serialize};
use std::ops::Sub;

/// Size of the video frame in pixels; normalised image coordinates are scaled by it so that 2D
/// angles are the angles seen on the picture, whatever the aspect ratio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrameSize {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl FrameSize {
    /// A frame size.
    pub const fn new(width: u32, height: u32) -> Self {
        Self { width, height }
    }
}

/// Which landmarks flexion angles are computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AngleSource {
    /// 3D world landmarks when the frame has them (no perspective foreshortening), else 2D.
    #[default]
    Auto,
    /// Always 3D world landmarks (angles missing when the frame has none).
    World,
    /// Always 2D image landmarks.
    Image,
}

/// Settings of the per-frame measurement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KinematicsConfig {
    /// Landmarks with visibility below this are not used (their angles are masked, not guessed).
    pub min_visibility: f32,
    /// Landmarks with presence (inside the frame) below this are not used.
    pub min_presence: f32,
    /// Where flexion angles come from.
    pub angle_source: AngleSource,
    /// Shoulder width over torso length above which the body is taken to face the camera
    /// (knee valgus is only measured then).
    pub frontal_ratio: f32,
}

impl Default for KinematicsConfig {
    fn default() -> Self {
        Self {
            min_visibility: 0.5,
            min_presence: 0.5,
            angle_source: AngleSource::Auto,
            frontal_ratio: 0.45,
        }
    }
}

/// Measures one frame.
pub fn measure(frame: &PoseFrame, size: FrameSize, config: &KinematicsConfig) -> MetricValues {
    let mut out = MetricValues::default();
    if !frame.has_person() {
        return out;
    }
    let view = View::new(frame, size, config);

    for (metric, [a, b, c]) in [
        (Metric::KneeLeft, [L::LeftHip, L::LeftKnee, L::LeftAnkle]),
        (
            Metric::KneeRight,
            [L::RightHip, L::RightKnee, L::RightAnkle],
        ),
        (Metric::HipLeft, [L::LeftShoulder, L::LeftHip, L::LeftKnee]),
        (
            Metric::HipRight,
            [L::RightShoulder, L::RightHip, L::RightKnee],
        ),
        (
            Metric::ElbowLeft,
            [L::LeftShoulder, L::LeftElbow, L::LeftWrist],
        ),
        (
            Metric::ElbowRight,
            [L::RightShoulder, L::RightElbow, L::RightWrist],
        ),
        (
            Metric::AnkleLeft,
            [L::LeftKnee, L::LeftAnkle, L::LeftFootIndex],
        ),
        (
            Metric::AnkleRight,
            [L::RightKnee, L::RightAnkle, L::RightFootIndex],
        ),
    ] {
        if let Some((value, source)) = view.triplet_angle(a, b, c) {
            out.set(metric, Some(value), source);
        }
    }

    for (abd, flex, shoulder, elbow) in [
        (
            Metric::ShoulderAbductionLeft,
            Metric::ShoulderFlexionLeft,
            L::LeftShoulder,
            L::LeftElbow,
        ),
        (
            Metric::ShoulderAbductionRight,
            Metric::ShoulderFlexionRight,
            L::RightShoulder,
            L::RightElbow,
        ),
    ] {
        if let Some((a, f, source)) = view.shoulder_angles(shoulder, elbow) {
            out.set(abd, Some(a), source);
            out.set(flex, Some(f), source);
        }
    }

    if let Some((value, source)) = view.trunk_lean() {
        out.set(Metric::TrunkLean, Some(value), source);
    }
    for (metric, hip, knee, ankle) in [
        (
            Metric::KneeValgusLeft,
            L::LeftHip,
            L::LeftKnee,
            L::LeftAnkle,
        ),
        (
            Metric::KneeValgusRight,
            L::RightHip,
            L::RightKnee,
            L::RightAnkle,
        ),
    ] {
        out.set(metric, view.knee_valgus(hip, knee, ankle), Source::Image);
    }
    for (metric, heel, toe) in [
        (Metric::HeelLiftLeft, L::LeftHeel, L::LeftFootIndex),
        (Metric::HeelLiftRight, L::RightHeel, L::RightFootIndex),
    ] {
        out.set(metric, view.heel_lift(heel, toe), Source::Image);
    }
    for (metric, shoulder, hip, ankle) in [
        (
            Metric::BodyLineLeft,
            L::LeftShoulder,
            L::LeftHip,
            L::LeftAnkle,
        ),
        (
            Metric::BodyLineRight,
            L::RightShoulder,
            L::RightHip,
            L::RightAnkle,
        ),
    ] {
        out.set(metric, view.body_line(shoulder, hip, ankle), Source::Image);
    }
    for (metric, ear, shoulder) in [
        (Metric::ShoulderShrugLeft, L::LeftEar, L::LeftShoulder),
        (Metric::ShoulderShrugRight, L::RightEar, L::RightShoulder),
    ] {
        out.set(metric, view.shrug(ear, shoulder), Source::Image);
    }
    for (metric, hip, knee) in [
        (Metric::HipAbductionLeft, L::LeftHip, L::LeftKnee),
        (Metric::HipAbductionRight, L::RightHip, L::RightKnee),
    ] {
        if let Some((value, source)) = view.hip_abduction(hip, knee) {
            out.set(metric, Some(value), source);
        }
    }
    if let Some(yaw) = view.head_yaw() {
        out.set(Metric::NeckRotationLeft, Some(yaw.max(0.0)), Source::Image);
        out.set(
            Metric::NeckRotationRight,
            Some((-yaw).max(0.0)),
            Source::Image,
        );
    }
    if let Some((left, right)) = view.foot_lift() {
        out.set(Metric::FootLiftLeft, Some(left), Source::Image);
        out.set(Metric::FootLiftRight, Some(right), Source::Image);
    }
    out.set(Metric::AnkleSpread, view.ankle_spread(), Source::Image);
    for (metric, heel, toe) in [
        (Metric::HeelHeightLeft, L::LeftHeel, L::LeftFootIndex),
        (Metric::HeelHeightRight, L::RightHeel, L::RightFootIndex),
    ] {
        out.set(metric, view.heel_height(heel, toe), Source::Image);
    }
    out
}

/// Access to one frame's landmarks with visibility masking.
struct View<'a> {
    frame: &'a PoseFrame,
    size: FrameSize,
    config: &'a KinematicsConfig,
    has_world: bool,
}

impl<'a> View<'a> {
    fn new(frame: &'a PoseFrame, size: FrameSize, config: &'a KinematicsConfig) -> Self {
        let has_world = frame.world_landmarks.len() == frame.landmarks.len()
            && config.angle_source != AngleSource::Image;
        Self {
            frame,
            size,
            config,
            has_world,
        }
    }

    fn visible(&self, kind: L) -> bool {
        self.frame.landmarks.get(kind.index()).is_some_and(|lm| {
            lm.visibility >= self.config.min_visibility && lm.presence >= self.config.min_presence
        })
    }

    /// The landmark in pixels (z dropped), if visible.
    fn px(&self, kind: L) -> Option<Vec3> {
        if !self.visible(kind) {
            return None;
        }
        let lm = self.frame.landmarks.get(kind.index())?;
        Some(Vec3::new(
            lm.x * self.size.width as f32,
            lm.y * self.size.height as f32,
            0.0,
        ))
    }

    /// The world landmark in metres, if the image landmark is visible.
    fn world(&self, kind: L) -> Option<Vec3> {
        if !self.has_world || !self.visible(kind) {
            return None;
        }
        let lm = self.frame.world_landmarks.get(kind.index())?;
        Some(Vec3::new(lm.x, lm.y, lm.z))
    }

    /// Points from the preferred source: world when configured and available, else image.
    fn points<const N: usize>(&self, kinds: [L; N]) -> Option<([Vec3; N], Source)> {
        if self.has_world {
            let pts = kinds.map(|k| self.world(k));
            if pts.iter().all(Option::is_some) {
                return Some((
                    pts.map(|p| p.unwrap_or(Vec3::new(0.0, 0.0, 0.0))),
                    Source::World,
                ));
            }
            if self.config.angle_source == AngleSource::World {
                return None;
            }
        }
        let pts = kinds.map(|k| self.px(k));
        if pts.iter().all(Option::is_some) {
            return Some((
                pts.map(|p| p.unwrap_or(Vec3::new(0.0, 0.0, 0.0))),
                Source::Image,
            ));
        }
        None
    }

    fn triplet_angle(&self, a: L, b: L, c: L) -> Option<(f32, Source)> {
        let ([pa, pb, pc], source) = self.points([a, b, c])?;
        Some((included_angle(pa, pb, pc)?, source))
    }

    /// Abduction and flexion of the upper arm against the trunk.
    fn shoulder_angles(&self, shoulder: L, elbow: L) -> Option<(f32, f32, Source)> {
        let ([s, e], source) = self.points([shoulder, elbow])?;
        let arm = e.sub(s);
        let get = |k| match source {
            Source::World => self.world(k),
            _ => self.px(k),
        };
        // Trunk axis from the hips when they are in view, else the image/world vertical.
        let (ls, rs) = (get(L::LeftShoulder), get(L::RightShoulder));
        let (lh, rh) = (get(L::LeftHip), get(L::RightHip));
        let down = match (ls, rs, lh, rh) {
            (Some(ls), Some(rs), Some(lh), Some(rh)) => lh.mid(rh).sub(ls.mid(rs)),
            _ => Vec3::new(0.0, 1.0, 0.0),
        };
        if source == Source::Image {
            // In the picture both are the same planar angle; the camera view decides which it is.
            let a = angle_between(arm, down)?;
            return Some((a, a, source));
        }
        let lateral = match (ls, rs) {
            (Some(ls), Some(rs)) => rs.sub(ls),
            _ => Vec3::new(1.0, 0.0, 0.0),
        };
        let forward = down.cross(lateral);
        let abduction = angle_between(arm.reject(forward), down)?;
        let flexion = angle_between(arm.reject(lateral), down)?;
        Some((abduction, flexion, source))
    }

    fn trunk_lean(&self) -> Option<(f32, Source)> {
        let ([ls, rs, lh, rh], source) =
            self.points([L::LeftShoulder, L::RightShoulder, L::LeftHip, L::RightHip])?;
        let trunk = ls.mid(rs).sub(lh.mid(rh));
        Some((angle_between(trunk, Vec3::new(0.0, -1.0, 0.0))?, source))
    }

    fn facing_camera(&self) -> bool {
        let (Some(ls), Some(rs), Some(lh), Some(rh)) = (
            self.px(L::LeftShoulder),
            self.px(L::RightShoulder),
            self.px(L::LeftHip),
            self.px(L::RightHip),
        ) else {
            return false;
        };
        let torso = ls.mid(rs).sub(lh.mid(rh)).norm();
        torso > 1.0 && ls.sub(rs).norm() / torso >= self.config.frontal_ratio
    }

    fn knee_valgus(&self, hip: L, knee: L, ankle: L) -> Option<f32> {
        if !self.facing_camera() {
            return None;
        }
        let (h, k, a) = (self.px(hip)?, self.px(knee)?, self.px(ankle)?);
        let midline_x = self.px(L::LeftHip)?.mid(self.px(L::RightHip)?).x;
        let deviation = 180.0 - included_angle(h, k, a)?;
        let dy = a.y - h.y;
        if dy.abs() < 1.0 {
            return None;
        }
        let line_x = h.x + (k.y - h.y) / dy * (a.x - h.x);
        let inward = (k.x - midline_x).abs() < (line_x - midline_x).abs();
        Some(if inward { deviation } else { -deviation })
    }

    fn heel_lift(&self, heel: L, toe: L) -> Option<f32> {
        let (h, t) = (self.px(heel)?, self.px(toe)?);
        let dx = (t.x - h.x).abs();
        if dx < 1.0 && (t.y - h.y).abs() < 1.0 {
            return None;
        }
        Some((t.y - h.y).atan2(dx).to_degrees())
    }

    fn body_line(&self, shoulder: L, hip: L, ankle: L) -> Option<f32> {
        let (s, h, a) = (self.px(shoulder)?, self.px(hip)?, self.px(ankle)?);
        let deviation = 180.0 - included_angle(s, h, a)?;
        let offset = h.sub(s).reject(a.sub(s));
        Some(if offset.y < 0.0 {
            deviation
        } else {
            -deviation
        })
    }

    /// Thigh against the trunk axis in the frontal plane (0 = hanging straight down).
    fn hip_abduction(&self, hip: L, knee: L) -> Option<(f32, Source)> {
        let ([h, k, ls, rs, lh, rh], source) = self.points([
            hip,
            knee,
            L::LeftShoulder,
            L::RightShoulder,
            L::LeftHip,
            L::RightHip,
        ])?;
        let thigh = k.sub(h);
        let down = lh.mid(rh).sub(ls.mid(rs));
        if source == Source::Image {
            return Some((angle_between(thigh, down)?, source));
        }
        // Remove the forward component (hip flexion) so that only the sideways swing remains.
        let forward = down.cross(rh.sub(lh));
        Some((angle_between(thigh.reject(forward), down)?, source))
    }

    /// Head yaw in degrees, positive towards the subject's left, from the nose's offset between
    /// the ears: on a head seen from the front the ears are at +-90 degrees of a circle, so the
    /// nose's offset `d` and the ears' half distance `w` give `atan2(d, w)`.
    fn head_yaw(&self) -> Option<f32> {
        let lm = |k: L| self.frame.landmarks.get(k.index());
        let (nose, le, re) = (lm(L::Nose)?, lm(L::LeftEar)?, lm(L::RightEar)?);
        // The ear turned away is often hidden; its predicted position still follows the head,
        // so only the nose must be seen.
        if nose.visibility < self.config.min_visibility {
            return None;
        }
        let x = |l: &physalign_domain::Landmark| l.x * self.size.width as f32;
        let half = (x(le) - x(re)) / 2.0;
        // Seen from behind (ears in mirrored order) there is no face to measure.
        if half <= 1.0 {
            return None;
        }
        let d = x(nose) - (x(le) + x(re)) / 2.0;
        Some(d.atan2(half).to_degrees())
    }

    /// Hip-to-ankle length in pixels, the larger of the two legs (a bent leg looks shorter).
    fn leg_length(&self) -> Option<f32> {
        let l = self.px(L::LeftHip)?.sub(self.px(L::LeftAnkle)?).norm();
        let r = self.px(L::RightHip)?.sub(self.px(L::RightAnkle)?).norm();
        Some(l.max(r)).filter(|v| *v > 1.0)
    }

    /// How far each ankle is above the other, percent of leg length (0 when below).
    fn foot_lift(&self) -> Option<(f32, f32)> {
        let leg = self.leg_length()?;
        let (la, ra) = (self.px(L::LeftAnkle)?, self.px(L::RightAnkle)?);
        let up = (ra.y - la.y) / leg * 100.0;
        Some((up.max(0.0), (-up).max(0.0)))
    }

    /// Heel above the toes, percent of leg length. Seen from behind the toes are hidden by the
    /// heel, yet the model still places them: they only need to be inside the frame.
    fn heel_height(&self, heel: L, toe: L) -> Option<f32> {
        let leg = self.leg_length()?;
        let h = self.px(heel)?;
        let t = self.frame.landmarks.get(toe.index())?;
        if t.presence < self.config.min_presence {
            return None;
        }
        Some((t.y * self.size.height as f32 - h.y) / leg * 100.0)
    }

    /// Horizontal ankle distance, percent of leg length.
    fn ankle_spread(&self) -> Option<f32> {
        let leg = self.leg_length()?;
        let (la, ra) = (self.px(L::LeftAnkle)?, self.px(L::RightAnkle)?);
        Some((la.x - ra.x).abs() / leg * 100.0)
    }

    fn shrug(&self, ear: L, shoulder: L) -> Option<f32> {
        let width = self
            .px(L::LeftShoulder)?
            .sub(self.px(L::RightShoulder)?)
            .norm();
        if width < 1.0 {
            return None;
        }
        Some((self.px(shoulder)?.y - self.px(ear)?.y) / width)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use physalign_domain::{Landmark, LANDMARK_COUNT};

    /// A frame with every landmark at `(0.5, 0.5)` and full visibility, then the given overrides
    /// (normalised image coordinates); no world landmarks.
    pub(crate) fn frame_with(points: &[(L, f32, f32)]) -> PoseFrame {
        let mut landmarks: Vec<Landmark> = (0..LANDMARK_COUNT)
            .map(|i| Landmark {
                kind: L::ALL[i],
                x: 0.5,
                y: 0.5,
                z: 0.0,
                visibility: 0.99,
                presence: 1.0,
            })
            .collect();
        for (kind, x, y) in points {
            landmarks[kind.index()].x = *x;
            landmarks[kind.index()].y = *y;
        }
        PoseFrame {
            timestamp_ms: 0,
            landmarks,
            world_landmarks: Vec::new(),
        }
    }

    #[test]
    fn knee_angle_accounts_for_aspect_ratio() {
        // In a 2:1 frame, normalised (0.25,0.5)-(0.5,0.5)-(0.5,1.0) is a right angle only after
        // scaling x by the width.
        let frame = frame_with(&[
            (L::LeftHip, 0.25, 0.0),
            (L::LeftKnee, 0.5, 0.5),
            (L::LeftAnkle, 0.5, 1.0),
        ]);
        let square = measure(
            &frame,
            FrameSize::new(100, 100),
            &KinematicsConfig::default(),
        );
        let wide = measure(
            &frame,
            FrameSize::new(200, 100),
            &KinematicsConfig::default(),
        );
        let sq = square.get(Metric::KneeLeft).unwrap();
        let wd = wide.get(Metric::KneeLeft).unwrap();
        assert!((sq - 153.43).abs() < 0.1, "{sq}");
        assert!((wd - 135.0).abs() < 0.1, "{wd}");
        assert_eq!(wide.source(Metric::KneeLeft), Some(Source::Image));
    }

    #[test]
    fn low_visibility_masks_the_angle() {
        let mut frame = frame_with(&[
            (L::LeftHip, 0.5, 0.3),
            (L::LeftKnee, 0.5, 0.6),
            (L::LeftAnkle, 0.5, 0.9),
        ]);
        frame.landmarks[L::LeftAnkle.index()].visibility = 0.2;
        let m = measure(
            &frame,
            FrameSize::new(640, 480),
            &KinematicsConfig::default(),
        );
        assert_eq!(m.get(Metric::KneeLeft), None);
        assert!(m.get(Metric::HipLeft).is_some());
    }

    #[test]
    fn world_landmarks_are_preferred_for_flexion() {
        let mut frame = frame_with(&[
            (L::LeftShoulder, 0.5, 0.2),
            (L::LeftElbow, 0.5, 0.4),
            (L::LeftWrist, 0.5, 0.6),
        ]);
        // In the world the forearm points at the camera: 90 degrees that the image cannot see.
        let mut world = frame.landmarks.clone();
        for lm in world.iter_mut() {
            (lm.x, lm.y, lm.z) = (0.0, 0.0, 0.0);
        }
        world[L::LeftShoulder.index()].y = -0.3;
        world[L::LeftWrist.index()].z = -0.3;
        frame.world_landmarks = world;
        let m = measure(
            &frame,
            FrameSize::new(640, 480),
            &KinematicsConfig::default(),
        );
        assert!((m.get(Metric::ElbowLeft).unwrap() - 90.0).abs() < 0.01);
        assert_eq!(m.source(Metric::ElbowLeft), Some(Source::World));
        let image_only = KinematicsConfig {
            angle_source: AngleSource::Image,
            ..Default::default()
        };
        let m = measure(&frame, FrameSize::new(640, 480), &image_only);
        assert!((m.get(Metric::ElbowLeft).unwrap() - 180.0).abs() < 0.01);
    }

    #[test]
    fn shoulder_abduction_and_trunk_lean_and_valgus_from_front() {
        // Person facing the camera: their left side is on the image right.
        let frame = frame_with(&[
            (L::LeftShoulder, 0.6, 0.3),
            (L::RightShoulder, 0.4, 0.3),
            (L::LeftElbow, 0.75, 0.3),
            (L::RightElbow, 0.4, 0.45),
            (L::LeftHip, 0.57, 0.6),
            (L::RightHip, 0.43, 0.6),
            (L::LeftKnee, 0.54, 0.75),
            (L::LeftAnkle, 0.58, 0.9),
            (L::RightKnee, 0.40, 0.75),
            (L::RightAnkle, 0.42, 0.9),
        ]);
        let m = measure(
            &frame,
            FrameSize::new(500, 500),
            &KinematicsConfig::default(),
        );
        let abd_l = m.get(Metric::ShoulderAbductionLeft).unwrap();
        let abd_r = m.get(Metric::ShoulderAbductionRight).unwrap();
        assert!((abd_l - 90.0).abs() < 0.5, "{abd_l}");
        assert!(abd_r < 10.0, "{abd_r}");
        assert!(m.get(Metric::TrunkLean).unwrap() < 0.5);
        assert!(
            m.get(Metric::KneeValgusLeft).unwrap() > 10.0,
            "left knee caves in"
        );
        assert!(
            m.get(Metric::KneeValgusRight).unwrap() < 0.0,
            "right knee is outside"
        );
    }

    #[test]
    fn body_line_sign_tells_sag_from_pike() {
        // Side view push-up, head on the left.
        let plank = |hip_y| {
            frame_with(&[
                (L::LeftShoulder, 0.2, 0.5),
                (L::LeftHip, 0.5, hip_y),
                (L::LeftAnkle, 0.8, 0.5),
            ])
        };
        let size = FrameSize::new(640, 480);
        let cfg = KinematicsConfig::default();
        let sag = measure(&plank(0.6), size, &cfg)
            .get(Metric::BodyLineLeft)
            .unwrap();
        let pike = measure(&plank(0.4), size, &cfg)
            .get(Metric::BodyLineLeft)
            .unwrap();
        assert!(sag < -10.0, "{sag}");
        assert!(pike > 10.0, "{pike}");
    }

    #[test]
    fn empty_frame_measures_nothing() {
        let frame = PoseFrame {
            timestamp_ms: 0,
            landmarks: vec![],
            world_landmarks: vec![],
        };
        let m = measure(
            &frame,
            FrameSize::new(640, 480),
            &KinematicsConfig::default(),
        );
        assert_eq!(m.iter().count(), 0);
    }
}
