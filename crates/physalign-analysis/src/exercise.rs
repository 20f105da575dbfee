//! An exercise definition as the catalogue files describe it.

use crate::functional_test::FunctionalTest;
use crate::metric::{Metric, Side};
use crate::view::DetectedView;
use physalign_domain::Severity;
use serde::{Deserialize, Serialize};

/// A catalogue entry: what to measure, how to count, what to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Stable identifier, e.g. `squat`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// One line for the patient.
    #[serde(default)]
    pub description: String,
    /// Where the camera should be.
    pub view: CameraView,
    /// Repetitions or a timed hold.
    pub mode: Mode,
    /// Signals the repetition counter follows, in order of preference: per frame the first one
    /// that can be measured is used.
    #[serde(default)]
    pub signals: Vec<Signal>,
    /// Repetition settings (for `mode = "reps"`).
    #[serde(default)]
    pub reps: RepSettings,
    /// Hold settings (for `mode = "hold"`).
    #[serde(default)]
    pub hold: Option<HoldSettings>,
    /// Range of motion to aim for, on the first signal's angle.
    #[serde(default)]
    pub target_rom: Option<TargetRom>,
    /// Form rules.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// A timed functional test scored from the repetitions (chair stand, five-times
    /// sit-to-stand, Timed Up and Go, cadence).
    #[serde(default)]
    pub test: Option<FunctionalTest>,
}

/// Recommended camera position.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraView {
    Front,
    Side,
    Any,
}

impl CameraView {
    /// `front`, `side` or `any`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Front => "front",
            Self::Side => "side",
            Self::Any => "any",
        }
    }
}

/// Counted repetitions or a timed hold.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Reps,
    Hold,
}

/// How the left and right values of a bilateral metric become one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// Mean of the measured sides (one side alone when only one is measured).
    #[default]
    Mean,
    /// The side that has been better visible over the session so far.
    BestVisible,
    /// The smaller value.
    Min,
    /// The larger value.
    Max,
    /// Left side only.
    Left,
    /// Right side only.
    Right,
    /// The metric has no side (e.g. `trunk_lean`).
    None,
    /// Whichever side moves (found from each side's range of motion and visibility, re-checked
    /// as the session goes); the mean when both move.
    Active,
    /// Each side counted on its own (alternating or one-sided movements); repetitions are
    /// reported per side.
    EachSide,
}

/// A metric followed by the counter, with its hysteresis thresholds in degrees.
///
/// The movement goes from `rest` towards `work`: leaving rest is recognised past `leave`, the
/// working position is reached past `work`, and the repetition ends on coming back past `rest`.
/// `rest`, `leave` and `work` are monotonic, increasing or decreasing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    /// Metric base name (`knee`, `elbow`, `shoulder_abduction`) or a full name (`trunk_lean`).
    pub metric: String,
    /// How the sides are combined.
    #[serde(default)]
    pub combine: Combine,
    /// Back at rest past this angle.
    pub rest: f32,
    /// Left rest past this angle.
    pub leave: f32,
    /// Working position reached past this angle.
    pub work: f32,
    /// Camera views in which this signal can be trusted (empty: any view). A signal is skipped
    /// while the detected view is not among them.
    #[serde(default)]
    pub views: Vec<DetectedView>,
}

impl Signal {
    /// The concrete metrics this signal reads: both sides, one side, or the unsided metric.
    pub fn metrics(&self) -> Vec<(Metric, Option<Side>)> {
        let sided = |side| Metric::resolve(&self.metric, Some(side)).map(|m| (m, Some(side)));
        match self.combine {
            Combine::None => Metric::resolve(&self.metric, None)
                .map(|m| vec![(m, None)])
                .unwrap_or_default(),
            Combine::Left => sided(Side::Left).into_iter().collect(),
            Combine::Right => sided(Side::Right).into_iter().collect(),
            _ => [sided(Side::Left), sided(Side::Right)]
                .into_iter()
                .flatten()
                .collect(),
        }
    }

    /// Progress of `angle` from rest (0) to the working position (1); may leave 0..1.
    pub fn progress(&self, angle: f32) -> f32 {
        (angle - self.rest) / (self.work - self.rest)
    }

    /// Progress at the `leave` threshold.
    pub fn leave_progress(&self) -> f32 {
        self.progress(self.leave)
    }
}

/// Which muscle action the first half of a repetition (rest towards work) is.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstHalf {
    /// Lowering under load first (squat, push-up, lunge).
    #[default]
    Eccentric,
    /// Lifting first (curl, raise, bridge).
    Concentric,
}

/// Repetition counting settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RepSettings {
    /// Shorter cycles are not repetitions (jitter, a stumble).
    pub min_duration_s: f32,
    /// Longer cycles are not repetitions (a slow descent into a hold, or someone leaving).
    pub max_duration_s: f32,
    /// A cycle that leaves rest but never reaches work is a partial repetition when it gets at
    /// least this far (progress 0..1); smaller excursions are ignored as noise.
    pub partial_min_progress: f32,
    /// Excursion from the person's own resting level (in units of `work - rest` of the first
    /// signal) the first repetition must reach; later ones are judged against the person's own
    /// typical excursion.
    pub min_excursion: f32,
    /// Gaps in the signal longer than this abandon the repetition in progress (someone left the
    /// frame, or the video was cut).
    pub max_gap_s: f32,
    /// The action of the first half of a repetition.
    pub first_half: FirstHalf,
    /// The prescribed number of repetitions, if any.
    pub target: Option<u32>,
}

impl Default for RepSettings {
    fn default() -> Self {
        Self {
            min_duration_s: 0.6,
            max_duration_s: 12.0,
            partial_min_progress: 0.4,
            min_excursion: 0.75,
            max_gap_s: 1.0,
            first_half: FirstHalf::Eccentric,
            target: None,
        }
    }
}

/// A metric range that must hold during a timed hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldCondition {
    /// Metric base or full name.
    pub metric: String,
    /// How the sides are combined.
    #[serde(default)]
    pub combine: Combine,
    /// Smallest accepted value.
    pub min: f32,
    /// Largest accepted value.
    pub max: f32,
}

/// Timed hold settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldSettings {
    /// All of these must hold at once.
    pub conditions: Vec<HoldCondition>,
    /// Prescribed hold time in seconds.
    pub target_s: f32,
    /// Time outside the range shorter than this is not a break.
    #[serde(default = "default_grace")]
    pub grace_s: f32,
    /// A hold shorter than this is not reported (passing through the range).
    #[serde(default = "default_min_hold")]
    pub min_hold_s: f32,
}

fn default_grace() -> f32 {
    0.5
}

fn default_min_hold() -> f32 {
    2.0
}

/// Range-of-motion target on the first signal's angle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetRom {
    /// The angle to reach at the working end (e.g. knee 90 for a squat to parallel).
    pub angle: f32,
    /// How far short of it still counts as reached.
    #[serde(default = "default_tolerance")]
    pub tolerance: f32,
}

fn default_tolerance() -> f32 {
    10.0
}

/// A form rule: common fields plus the kind-specific check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Identifier within the exercise (for overrides: `disabled_rules`).
    pub id: String,
    /// The issue type reported, e.g. `KNEE_VALGUS`.
    #[serde(rename = "type")]
    pub issue_type: String,
    /// Joint reported; defaults to the metric name (with side).
    #[serde(default)]
    pub joint: Option<String>,
    /// How much it matters.
    pub severity: Severity,
    /// Short patient-facing message.
    pub message: String,
    /// The check.
    #[serde(flatten)]
    pub check: RuleCheck,
}

/// When in the movement a frame rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Always.
    #[default]
    Any,
    /// During a repetition (not at rest).
    Moving,
    /// Only near the working position (progress above 0.7).
    Work,
}

/// The kind of a rule with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleCheck {
    /// A metric beyond a limit for at least `min_duration_s`.
    FrameThreshold {
        /// Metric base or full name.
        metric: String,
        /// Check each side separately (`knee_valgus` -> `knee_valgus_left`, `_right`).
        #[serde(default)]
        per_side: bool,
        /// Fault when above.
        #[serde(default)]
        above: Option<f32>,
        /// Fault when below.
        #[serde(default)]
        below: Option<f32>,
        /// How long the fault must last.
        #[serde(default = "default_min_fault")]
        min_duration_s: f32,
        /// When it applies.
        #[serde(default)]
        phase: Phase,
    },
    /// A metric moving away from its value at rest (shrugging, heel lift).
    BaselineShift {
        /// Metric base or full name.
        metric: String,
        /// Check each side separately.
        #[serde(default)]
        per_side: bool,
        /// Fault when it rises more than this above the rest value.
        #[serde(default)]
        rise: Option<f32>,
        /// Fault when it drops more than this below the rest value.
        #[serde(default)]
        drop: Option<f32>,
        /// How long the fault must last.
        #[serde(default = "default_min_fault")]
        min_duration_s: f32,
        /// When it applies.
        #[serde(default)]
        phase: Phase,
    },
    /// A metric that should stay steady varies too much within one repetition (swinging).
    RepRange {
        /// Metric base or full name.
        metric: String,
        /// Check each side separately.
        #[serde(default)]
        per_side: bool,
        /// Largest accepted max - min within a repetition.
        max_range: f32,
    },
    /// Left and right sides reach different extremes within one repetition.
    RepSymmetry {
        /// Metric base name (`knee`, `shoulder_abduction`).
        metric: String,
        /// Largest accepted difference in degrees.
        max_difference: f32,
    },
    /// The repetition did not reach the exercise's target range of motion.
    RepTarget,
}

fn default_min_fault() -> f32 {
    0.3
}

impl Rule {
    /// The metrics a rule reads, with the side each belongs to.
    pub fn metrics(&self) -> Vec<(Metric, Option<Side>)> {
        let (base, per_side) = match &self.check {
            RuleCheck::FrameThreshold {
                metric, per_side, ..
            }
            | RuleCheck::BaselineShift {
                metric, per_side, ..
            }
            | RuleCheck::RepRange {
                metric, per_side, ..
            } => (metric.as_str(), *per_side),
            RuleCheck::RepSymmetry { metric, .. } => (metric.as_str(), true),
            RuleCheck::RepTarget => return Vec::new(),
        };
        if per_side {
            [Side::Left, Side::Right]
                .into_iter()
                .filter_map(|s| Metric::resolve(base, Some(s)).map(|m| (m, Some(s))))
                .collect()
        } else {
            Metric::resolve(base, None)
                .map(|m| vec![(m, None)])
                .unwrap_or_default()
        }
    }
}

impl Exercise {
    /// Checks that the definition is consistent; returns what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let snake = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
        if !self.id.starts_with(|c: char| c.is_ascii_lowercase()) || !self.id.chars().all(snake) {
            return Err("id must be lower_snake_case".into());
        }
        if self.signals.is_empty() && self.mode == Mode::Reps {
            return Err("mode reps needs at least one signal".into());
        }
        for s in &self.signals {
            if s.metrics().is_empty() {
                return Err(format!(
                    "signal metric {:?} with combine {:?} names no metric",
                    s.metric, s.combine
                ));
            }
            let increasing = s.rest < s.leave && s.leave < s.work;
            let decreasing = s.rest > s.leave && s.leave > s.work;
            if !(increasing || decreasing) {
                return Err(format!(
                    "signal {:?}: rest {}, leave {}, work {} must be strictly monotonic",
                    s.metric, s.rest, s.leave, s.work
                ));
            }
        }
        let r = &self.reps;
        if !(r.min_duration_s >= 0.0 && r.min_duration_s < r.max_duration_s) {
            return Err("reps: need 0 <= min_duration_s < max_duration_s".into());
        }
        if !(0.0..=1.0).contains(&r.partial_min_progress) || r.max_gap_s <= 0.0 {
            return Err("reps: partial_min_progress in 0..1 and max_gap_s > 0".into());
        }
        if !(r.min_excursion > 0.0 && r.min_excursion.is_finite()) {
            return Err("reps: min_excursion must be > 0".into());
        }
        if let Some(test) = &self.test {
            test.validate()?;
        }
        match (self.mode, &self.hold) {
            (Mode::Hold, None) => return Err("mode hold needs a [hold] table".into()),
            (_, Some(h)) => {
                if h.conditions.is_empty() || h.target_s <= 0.0 {
                    return Err("hold: needs conditions and target_s > 0".into());
                }
                for c in &h.conditions {
                    let probe = Signal {
                        metric: c.metric.clone(),
                        combine: c.combine,
                        views: Vec::new(),
                        rest: 0.0,
                        leave: 1.0,
                        work: 2.0,
                    };
                    if probe.metrics().is_empty() || c.min > c.max {
                        return Err(format!("hold condition {:?} is invalid", c.metric));
                    }
                }
            }
            _ => {}
        }
        for rule in &self.rules {
            if !matches!(rule.check, RuleCheck::RepTarget) && rule.metrics().is_empty() {
                return Err(format!("rule {:?} names no metric", rule.id));
            }
            if let RuleCheck::FrameThreshold { above, below, .. }
            | RuleCheck::BaselineShift {
                rise: above,
                drop: below,
                ..
            } = &rule.check
            {
                if above.is_none() && below.is_none() {
                    return Err(format!("rule {:?} has no limit", rule.id));
                }
            }
            if matches!(rule.check, RuleCheck::RepTarget) && self.target_rom.is_none() {
                return Err(format!("rule {:?} needs a target_rom", rule.id));
            }
        }
        Ok(())
    }
}
