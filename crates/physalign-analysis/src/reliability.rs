//! How far a measurement can be trusted: per frame a confidence (visibility and steadiness of the
//! tracked joints, whether the view suits the signal), per repetition its mean, per session a
//! flag with its reasons, and the framing cue the live view shows when the joints the exercise
//! needs are out of sight ("move so your whole leg is visible").

use crate::view::DetectedView;
use serde::{Deserialize, Serialize};

/// Frame confidence is scaled by this when the view does not suit the signal.
pub const UNSUITED_VIEW_FACTOR: f32 = 0.5;

/// How long the signal may be missing, with a person in view, before the framing cue is shown.
pub const FRAMING_CUE_AFTER_MS: i64 = 1000;

/// Overall trust in a measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReliabilityLevel {
    /// Measured most of the time, from a suitable view, steadily.
    #[default]
    Good,
    /// Usable, with the reasons given.
    Limited,
    /// Not to be trusted: the numbers are shown for information only.
    Unreliable,
}

/// Why a measurement is less than good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReliabilityReason {
    /// The camera view is not one the exercise's signal can be measured from.
    ViewNotSuited,
    /// The joints the signal needs were out of view or hidden much of the time.
    JointsOutOfView,
    /// The tracked joints were seen with low confidence.
    LowVisibility,
    /// The landmarks jumped around (fast motion, blur, several people).
    Jitter,
}

/// The reliability flag of a measurement.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Reliability {
    /// Overall level.
    pub level: ReliabilityLevel,
    /// Why, when not good.
    #[serde(default)]
    pub reasons: Vec<ReliabilityReason>,
    /// The view the camera had most of the time.
    #[serde(default)]
    pub view: DetectedView,
    /// Share of the frames with a person in which the signal was measured.
    #[serde(default)]
    pub measured_share: f64,
    /// Mean frame confidence over the measured frames, 0..1.
    #[serde(default)]
    pub confidence: f64,
}

/// The body part a metric needs in view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyPart {
    /// Hip, knee and ankle.
    Leg,
    /// Shoulder, elbow and wrist.
    Arm,
    /// Nose and ears.
    Face,
    /// Shoulders and hips.
    Torso,
}

impl BodyPart {
    /// The body part a metric (base or full name) is measured on.
    pub fn of_metric(metric: &str) -> BodyPart {
        let leg = [
            "knee",
            "hip",
            "ankle",
            "foot_lift",
            "ankle_spread",
            "heel_lift",
            "body_line",
        ];
        let arm = ["elbow", "shoulder_abduction", "shoulder_flexion"];
        if metric.starts_with("neck") || metric.starts_with("shoulder_shrug") {
            BodyPart::Face
        } else if arm.iter().any(|p| metric.starts_with(p)) {
            BodyPart::Arm
        } else if leg.iter().any(|p| metric.starts_with(p)) {
            BodyPart::Leg
        } else {
            BodyPart::Torso
        }
    }
}

/// What the live view asks of the patient when the exercise cannot be measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FramingCue {
    /// Nobody is in view.
    StepIntoView,
    /// The legs (feet included) are cut off or hidden.
    ShowWholeLeg,
    /// The arm is cut off or hidden.
    ShowWholeArm,
    /// The face is turned away or out of view.
    ShowFace,
    /// Shoulders and hips are not both in view.
    ShowUpperBody,
    /// The camera is somewhere the exercise cannot be measured from.
    TurnTo(DetectedView),
}

impl FramingCue {
    /// The cue for a body part out of view.
    pub fn for_part(part: BodyPart) -> Self {
        match part {
            BodyPart::Leg => Self::ShowWholeLeg,
            BodyPart::Arm => Self::ShowWholeArm,
            BodyPart::Face => Self::ShowFace,
            BodyPart::Torso => Self::ShowUpperBody,
        }
    }

    /// The words shown (and spoken) to the patient.
    pub fn message(self) -> &'static str {
        match self {
            Self::StepIntoView => "Step into view of the camera",
            Self::ShowWholeLeg => "Move so your whole leg is visible, feet included",
            Self::ShowWholeArm => "Move so your whole arm is visible",
            Self::ShowFace => "Face the camera so your head is visible",
            Self::ShowUpperBody => "Move so your shoulders and hips are visible",
            Self::TurnTo(DetectedView::Side) => "Turn side-on to the camera",
            Self::TurnTo(DetectedView::Back) => "Turn your back to the camera",
            Self::TurnTo(_) => "Face the camera",
        }
    }
}

/// Accumulates the session's reliability frame by frame.
#[derive(Debug, Clone, Default)]
pub struct ReliabilityTracker {
    with_person: usize,
    measured: usize,
    unsuited: usize,
    confidence_sum: f64,
    visibility_sum: f64,
    stability_sum: f64,
    views: [usize; 5],
}

/// One frame's facts for the reliability flag.
#[derive(Debug, Clone, Copy)]
pub struct FrameFacts {
    /// A person was detected.
    pub person: bool,
    /// The signal was measured.
    pub measured: bool,
    /// The view suits the signal.
    pub view_suited: bool,
    /// Mean visibility of the signal's joints, 0..1.
    pub visibility: f32,
    /// Tracking steadiness, 0..1 (1 = no jitter).
    pub stability: f32,
    /// The detected view.
    pub view: DetectedView,
}

impl FrameFacts {
    /// The frame's confidence in the measurement, 0..1.
    pub fn confidence(&self) -> f32 {
        if !self.measured {
            return 0.0;
        }
        let view = if self.view_suited {
            1.0
        } else {
            UNSUITED_VIEW_FACTOR
        };
        (self.visibility * (0.5 + 0.5 * self.stability) * view).clamp(0.0, 1.0)
    }
}

fn view_index(view: DetectedView) -> usize {
    match view {
        DetectedView::Unknown => 0,
        DetectedView::Front => 1,
        DetectedView::Back => 2,
        DetectedView::Side => 3,
        DetectedView::Oblique => 4,
    }
}

const VIEWS: [DetectedView; 5] = [
    DetectedView::Unknown,
    DetectedView::Front,
    DetectedView::Back,
    DetectedView::Side,
    DetectedView::Oblique,
];

impl ReliabilityTracker {
    /// Adds one frame.
    pub fn push(&mut self, facts: FrameFacts) {
        if !facts.person {
            return;
        }
        self.with_person += 1;
        self.views[view_index(facts.view)] += 1;
        if facts.measured {
            self.measured += 1;
            self.confidence_sum += facts.confidence() as f64;
            self.visibility_sum += facts.visibility as f64;
            self.stability_sum += facts.stability as f64;
            if !facts.view_suited {
                self.unsuited += 1;
            }
        }
    }

    /// The flag for the session so far.
    pub fn reliability(&self) -> Reliability {
        let view = VIEWS
            .iter()
            .zip(self.views)
            .skip(1)
            .max_by_key(|(_, n)| *n)
            .filter(|(_, n)| *n > 0)
            .map_or(DetectedView::Unknown, |(v, _)| *v);
        if self.with_person == 0 {
            return Reliability {
                level: ReliabilityLevel::Unreliable,
                reasons: vec![ReliabilityReason::JointsOutOfView],
                view,
                measured_share: 0.0,
                confidence: 0.0,
            };
        }
        let measured_share = self.measured as f64 / self.with_person as f64;
        let per_measured = |sum: f64| {
            if self.measured == 0 {
                0.0
            } else {
                sum / self.measured as f64
            }
        };
        let confidence = per_measured(self.confidence_sum);
        let visibility = per_measured(self.visibility_sum);
        let stability = per_measured(self.stability_sum);
        let unsuited_share = per_measured(self.unsuited as f64);
        let mut reasons = Vec::new();
        if unsuited_share > 0.5 {
            reasons.push(ReliabilityReason::ViewNotSuited);
        }
        if measured_share < 0.8 {
            reasons.push(ReliabilityReason::JointsOutOfView);
        }
        if visibility < 0.7 {
            reasons.push(ReliabilityReason::LowVisibility);
        }
        if stability < 0.6 {
            reasons.push(ReliabilityReason::Jitter);
        }
        let level = if measured_share < 0.4 || confidence < 0.3 {
            ReliabilityLevel::Unreliable
        } else if reasons.is_empty() {
            ReliabilityLevel::Good
        } else {
            ReliabilityLevel::Limited
        };
        Reliability {
            level,
            reasons,
            view,
            measured_share: crate::report::round2(measured_share),
            confidence: crate::report::round2(confidence),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(measured: bool, view_suited: bool, visibility: f32) -> FrameFacts {
        FrameFacts {
            person: true,
            measured,
            view_suited,
            visibility,
            stability: 0.9,
            view: DetectedView::Side,
        }
    }

    #[test]
    fn the_flag_says_why() {
        let mut t = ReliabilityTracker::default();
        for _ in 0..100 {
            t.push(facts(true, true, 0.95));
        }
        assert_eq!(t.reliability().level, ReliabilityLevel::Good);
        assert_eq!(t.reliability().view, DetectedView::Side);

        let mut t = ReliabilityTracker::default();
        for i in 0..100 {
            t.push(facts(i % 2 == 0, false, 0.9));
        }
        let r = t.reliability();
        assert_eq!(r.level, ReliabilityLevel::Limited);
        assert!(r.reasons.contains(&ReliabilityReason::ViewNotSuited));
        assert!(r.reasons.contains(&ReliabilityReason::JointsOutOfView));

        let mut t = ReliabilityTracker::default();
        for i in 0..100 {
            t.push(facts(i % 5 == 0, true, 0.9));
        }
        assert_eq!(t.reliability().level, ReliabilityLevel::Unreliable);
    }

    #[test]
    fn cues_name_the_body_part() {
        assert_eq!(BodyPart::of_metric("knee"), BodyPart::Leg);
        assert_eq!(BodyPart::of_metric("hip_abduction_left"), BodyPart::Leg);
        assert_eq!(BodyPart::of_metric("elbow"), BodyPart::Arm);
        assert_eq!(BodyPart::of_metric("neck_rotation"), BodyPart::Face);
        assert!(FramingCue::for_part(BodyPart::Leg)
            .message()
            .contains("whole leg"));
    }
}
