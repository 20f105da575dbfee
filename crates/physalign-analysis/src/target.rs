//! Whether the patient has reached the exercise's target angle.
//!
//! The target ([`crate::exercise::TargetRom`]) is on the first signal's angle, and whether
//! "reached" means above or below it depends on the exercise: a shoulder abduction raises its
//! angle from 40° towards 160°, a squat lowers the knee's from 150° towards 90°. The direction
//! comes from the catalogue data (the first signal's `rest` and `work`), so the screens only show
//! the verdict and never compare angles themselves.

use crate::exercise::Exercise;
use serde::Serialize;

/// Which way the target angle lies from rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AngleDirection {
    /// The angle grows towards the target (raises, curls measured as opening, abduction).
    Rising,
    /// The angle shrinks towards the target (squats, lunges, flexion measured as closing).
    Falling,
}

impl AngleDirection {
    /// The direction of `exercise`'s first signal, from its rest towards its working position;
    /// `None` without signals (holds) or when rest and work coincide.
    pub fn of(exercise: &Exercise) -> Option<Self> {
        let signal = exercise.signals.first()?;
        if signal.work > signal.rest {
            Some(Self::Rising)
        } else if signal.work < signal.rest {
            Some(Self::Falling)
        } else {
            None
        }
    }
}

/// Where the current angle stands against the target, as the live screen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TargetStatus {
    /// The exercise has no target angle (or no direction to judge it by).
    NoTarget,
    /// There is a target, but the angle is not measured in this frame.
    NotMeasured,
    /// The angle is at the target or past it, within the tolerance.
    Reached,
    /// The angle has not got there yet.
    Approaching {
        /// Degrees still to go until the angle counts as reached (target minus tolerance).
        remaining_deg: f32,
    },
}

/// The target angle of one exercise, with its tolerance and direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AngleTarget {
    /// The angle to reach at the working end.
    pub angle: f32,
    /// How far short of `angle` still counts as reached.
    pub tolerance: f32,
    /// Which way `angle` lies from rest.
    pub direction: AngleDirection,
}

impl AngleTarget {
    /// The target of `exercise` (with any overrides already applied); `None` when it has no
    /// target angle or no direction.
    pub fn of(exercise: &Exercise) -> Option<Self> {
        let rom = exercise.target_rom.as_ref()?;
        Some(Self {
            angle: rom.angle,
            tolerance: rom.tolerance.abs(),
            direction: AngleDirection::of(exercise)?,
        })
    }

    /// The verdict for `angle`, the angle measured now.
    pub fn status(&self, angle: Option<f32>) -> TargetStatus {
        let Some(angle) = angle.filter(|a| a.is_finite()) else {
            return TargetStatus::NotMeasured;
        };
        // Positive while short of the threshold, in the exercise's own direction.
        let remaining = match self.direction {
            AngleDirection::Rising => (self.angle - self.tolerance) - angle,
            AngleDirection::Falling => angle - (self.angle + self.tolerance),
        };
        if remaining <= 0.0 {
            TargetStatus::Reached
        } else {
            TargetStatus::Approaching {
                remaining_deg: remaining,
            }
        }
    }
}

/// The verdict for `angle` against `target`, [`TargetStatus::NoTarget`] without one.
pub fn target_status(target: Option<&AngleTarget>, angle: Option<f32>) -> TargetStatus {
    target.map_or(TargetStatus::NoTarget, |t| t.status(angle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalogue;

    fn target(id: &str) -> AngleTarget {
        let catalogue = Catalogue::builtin().expect("built-in catalogue");
        AngleTarget::of(catalogue.get(id).expect("exercise")).expect("a target")
    }

    #[test]
    fn shoulder_abduction_rises_so_a_hanging_arm_has_not_reached() {
        let t = target("shoulder_abduction");
        assert_eq!(t.direction, AngleDirection::Rising);
        // Catalogue: 160° ± 15°.
        assert_eq!(
            t.status(Some(40.0)),
            TargetStatus::Approaching {
                remaining_deg: 105.0
            }
        );
        assert_eq!(t.status(Some(160.0)), TargetStatus::Reached);
        assert_eq!(t.status(Some(145.0)), TargetStatus::Reached);
        assert!(matches!(
            t.status(Some(144.0)),
            TargetStatus::Approaching { .. }
        ));
        assert_eq!(t.status(Some(175.0)), TargetStatus::Reached);
    }

    #[test]
    fn squat_falls_so_standing_has_not_reached_and_deep_has() {
        let t = target("squat");
        assert_eq!(t.direction, AngleDirection::Falling);
        let threshold = t.angle + t.tolerance;
        assert_eq!(t.status(Some(t.angle)), TargetStatus::Reached);
        assert_eq!(t.status(Some(threshold)), TargetStatus::Reached);
        assert_eq!(t.status(Some(70.0)), TargetStatus::Reached);
        assert_eq!(
            t.status(Some(170.0)),
            TargetStatus::Approaching {
                remaining_deg: 170.0 - threshold
            }
        );
    }

    #[test]
    fn no_angle_or_no_target_is_said_so() {
        let t = target("squat");
        assert_eq!(t.status(None), TargetStatus::NotMeasured);
        assert_eq!(t.status(Some(f32::NAN)), TargetStatus::NotMeasured);
        assert_eq!(target_status(None, Some(90.0)), TargetStatus::NoTarget);
    }

    #[test]
    fn overrides_move_the_target() {
        let catalogue = Catalogue::builtin().expect("built-in catalogue");
        let squat = catalogue.get("squat").expect("squat");
        let overrides = crate::ExerciseOverrides {
            target_angle: Some(100.0),
            target_tolerance: Some(5.0),
            ..Default::default()
        };
        let t = AngleTarget::of(&overrides.apply(squat).expect("valid")).expect("a target");
        assert_eq!(t.status(Some(105.0)), TargetStatus::Reached);
        assert!(matches!(
            t.status(Some(106.0)),
            TargetStatus::Approaching { .. }
        ));
    }
}
