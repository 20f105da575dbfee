//! The form rule engine: evaluates the catalogue's rules on frames and repetitions, generically.
//!
//! Frame rules are debounced: a fault must last `min_duration_s` to be raised, and one held
//! fault is one issue; after it clears for [`REARM_MS`] the same rule may fire again.

use crate::exercise::{Exercise, Phase, Rule, RuleCheck};
use crate::metric::{Metric, MetricValues, Side};
use crate::rep_stats::RepStats;
use crate::reps::CounterPhase;
use physalign_domain::FormIssue;
use serde::{Deserialize, Serialize};

/// How long a fault must be gone before the same rule may raise a new issue.
pub const REARM_MS: i64 = 600;

/// Progress above which the movement is near the working position ([`Phase::Work`]).
const WORK_PHASE_PROGRESS: f32 = 0.7;

/// Weight of a new rest sample in the baseline average.
const BASELINE_RATE: f32 = 0.1;

/// A raised form issue with its time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TimedIssue {
    /// When the fault began.
    pub timestamp_ms: i64,
    /// The rule that raised it.
    pub rule_id: String,
    /// The issue in seed 003's shape.
    #[serde(flatten)]
    pub issue: FormIssue,
    /// The repetition (1-based, full repetitions) it belongs to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rep: Option<u32>,
}

/// What the engine knows about the movement at a frame.
#[derive(Debug, Clone, Copy)]
pub struct MovementState {
    /// The counter's phase.
    pub phase: CounterPhase,
    /// Progress towards the working position, if measured.
    pub progress: Option<f32>,
}

#[derive(Debug, Clone)]
struct FrameRuleState {
    rule: usize,
    metric: Metric,
    side: Option<Side>,
    fault_since: Option<i64>,
    clear_since: Option<i64>,
    raised: bool,
    baseline: Option<f32>,
}

/// Evaluates an exercise's rules.
#[derive(Debug, Clone)]
pub struct RuleEngine {
    rules: Vec<Rule>,
    frame_states: Vec<FrameRuleState>,
}

/// The joint an issue names: the rule's `joint` (with the side, when per side), else the metric
/// name, else `fallback` (the metric base name of repetition-level rules).
fn joint_name(rule: &Rule, metric: Option<Metric>, side: Option<Side>, fallback: &str) -> String {
    match (&rule.joint, side) {
        (Some(j), Some(s)) => format!("{j}_{}", s.suffix()),
        (Some(j), None) => j.clone(),
        (None, _) => metric.map_or_else(|| fallback.to_string(), |m| m.name().to_string()),
    }
}

fn issue(rule: &Rule, joint: String, timestamp_ms: i64) -> TimedIssue {
    TimedIssue {
        timestamp_ms,
        rule_id: rule.id.clone(),
        issue: FormIssue {
            kind: rule.issue_type.clone(),
            joint,
            message: rule.message.clone(),
            severity: rule.severity,
        },
        rep: None,
    }
}

impl RuleEngine {
    /// The rules of `exercise`.
    pub fn new(exercise: &Exercise) -> Self {
        let mut frame_states = Vec::new();
        for (i, rule) in exercise.rules.iter().enumerate() {
            if matches!(
                rule.check,
                RuleCheck::FrameThreshold { .. } | RuleCheck::BaselineShift { .. }
            ) {
                for (metric, side) in rule.metrics() {
                    frame_states.push(FrameRuleState {
                        rule: i,
                        metric,
                        side,
                        fault_since: None,
                        clear_since: None,
                        raised: false,
                        baseline: None,
                    });
                }
            }
        }
        Self {
            rules: exercise.rules.clone(),
            frame_states,
        }
    }

    /// Evaluates the frame rules on one frame's (smoothed) values.
    pub fn on_frame(
        &mut self,
        timestamp_ms: i64,
        values: &MetricValues,
        movement: MovementState,
    ) -> Vec<TimedIssue> {
        let mut raised = Vec::new();
        let moving = matches!(movement.phase, CounterPhase::Outward | CounterPhase::Return);
        for state in &mut self.frame_states {
            let rule = &self.rules[state.rule];
            let value = values.get(state.metric);
            let (phase, min_duration_s, fault) = match &rule.check {
                RuleCheck::FrameThreshold {
                    above,
                    below,
                    min_duration_s,
                    phase,
                    ..
                } => {
                    let fault = value.is_some_and(|v| {
                        above.is_some_and(|a| v > a) || below.is_some_and(|b| v < b)
                    });
                    (*phase, *min_duration_s, fault)
                }
                RuleCheck::BaselineShift {
                    rise,
                    drop,
                    min_duration_s,
                    phase,
                    ..
                } => {
                    if let (Some(v), CounterPhase::Rest) = (value, movement.phase) {
                        let b = state.baseline.get_or_insert(v);
                        *b += BASELINE_RATE * (v - *b);
                    }
                    let fault = match (value, state.baseline) {
                        (Some(v), Some(b)) => {
                            rise.is_some_and(|r| v - b > r) || drop.is_some_and(|d| b - v > d)
                        }
                        _ => false,
                    };
                    (*phase, *min_duration_s, fault)
                }
                _ => continue,
            };
            let applies = match phase {
                Phase::Any => true,
                Phase::Moving => moving,
                Phase::Work => {
                    moving && movement.progress.is_some_and(|p| p >= WORK_PHASE_PROGRESS)
                }
            };
            if fault && applies {
                state.clear_since = None;
                let since = *state.fault_since.get_or_insert(timestamp_ms);
                if !state.raised && (timestamp_ms - since) as f32 >= min_duration_s * 1000.0 {
                    state.raised = true;
                    raised.push(issue(
                        rule,
                        joint_name(rule, Some(state.metric), state.side, ""),
                        since,
                    ));
                }
            } else {
                let clear = *state.clear_since.get_or_insert(timestamp_ms);
                if !state.raised {
                    // A fault too short to raise is forgotten at once.
                    state.fault_since = None;
                } else if timestamp_ms - clear >= REARM_MS {
                    state.raised = false;
                    state.fault_since = None;
                }
            }
        }
        raised
    }

    /// Evaluates the repetition rules on a finished full repetition.
    pub fn on_rep(&self, exercise: &Exercise, stats: &RepStats) -> Vec<TimedIssue> {
        let mut raised = Vec::new();
        for rule in &self.rules {
            match &rule.check {
                RuleCheck::RepRange { max_range, .. } => {
                    for (metric, side) in rule.metrics() {
                        if let Some((lo, hi)) = stats.range(metric) {
                            if hi - lo > *max_range {
                                raised.push(issue(
                                    rule,
                                    joint_name(rule, Some(metric), side, ""),
                                    stats.peak_ms,
                                ));
                            }
                        }
                    }
                }
                RuleCheck::RepSymmetry {
                    metric,
                    max_difference,
                } => {
                    let roms: Vec<_> = rule
                        .metrics()
                        .into_iter()
                        .filter_map(|(m, _)| stats.range(m).map(|(lo, hi)| hi - lo))
                        .collect();
                    if let [l, r] = roms[..] {
                        if (l - r).abs() > *max_difference {
                            raised.push(issue(
                                rule,
                                joint_name(rule, None, None, metric),
                                stats.peak_ms,
                            ));
                        }
                    }
                }
                RuleCheck::RepTarget => {
                    if let (Some(target), Some(signal), Some((lo, hi))) = (
                        exercise.target_rom.as_ref(),
                        exercise.signals.first(),
                        stats.primary_range,
                    ) {
                        let reached = if signal.work < signal.rest {
                            lo <= target.angle + target.tolerance
                        } else {
                            hi >= target.angle - target.tolerance
                        };
                        if !reached {
                            let joint = joint_name(rule, None, None, &signal.metric);
                            raised.push(issue(rule, joint, stats.peak_ms));
                        }
                    }
                }
                _ => {}
            }
        }
        raised
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use crate::metric::Source;

    fn moving() -> MovementState {
        MovementState {
            phase: CounterPhase::Outward,
            progress: Some(0.8),
        }
    }

    #[test]
    fn a_held_fault_is_one_issue_and_a_new_fault_is_another() {
        let squat = Catalogue::builtin().unwrap().get("squat").unwrap().clone();
        let mut engine = RuleEngine::new(&squat);
        let mut issues = Vec::new();
        let mut values = MetricValues::default();
        // 2 s of valgus at 30 fps, 1 s clean, 1 s of valgus again.
        for i in 0..120 {
            let valgus = if (60..90).contains(&i) { 2.0 } else { 20.0 };
            values.set(Metric::KneeValgusLeft, Some(valgus), Source::Image);
            issues.extend(engine.on_frame(i * 33, &values, moving()));
        }
        assert_eq!(issues.len(), 2, "{issues:?}");
        assert_eq!(issues[0].issue.kind, "KNEE_VALGUS");
        assert_eq!(issues[0].issue.joint, "knee_valgus_left");
        assert_eq!(issues[0].timestamp_ms, 0);
    }

    #[test]
    fn a_brief_fault_or_one_at_rest_raises_nothing() {
        let squat = Catalogue::builtin().unwrap().get("squat").unwrap().clone();
        let mut engine = RuleEngine::new(&squat);
        let mut values = MetricValues::default();
        let mut issues = Vec::new();
        for i in 0..60 {
            let lean = if i < 5 { 60.0 } else { 10.0 };
            values.set(Metric::TrunkLean, Some(lean), Source::World);
            issues.extend(engine.on_frame(i * 33, &values, moving()));
        }
        let rest = MovementState {
            phase: CounterPhase::Rest,
            progress: Some(0.0),
        };
        for i in 60..120 {
            values.set(Metric::TrunkLean, Some(60.0), Source::World);
            issues.extend(engine.on_frame(i * 33, &values, rest));
        }
        assert!(issues.is_empty(), "{issues:?}");
    }

    #[test]
    fn shrugging_is_measured_against_the_rest_baseline() {
        let ex = Catalogue::builtin()
            .unwrap()
            .get("shoulder_abduction")
            .unwrap()
            .clone();
        let mut engine = RuleEngine::new(&ex);
        let mut values = MetricValues::default();
        let mut issues = Vec::new();
        for i in 0..30 {
            values.set(Metric::ShoulderShrugLeft, Some(0.6), Source::Image);
            let rest = MovementState {
                phase: CounterPhase::Rest,
                progress: Some(0.0),
            };
            issues.extend(engine.on_frame(i * 33, &values, rest));
        }
        for i in 30..60 {
            values.set(Metric::ShoulderShrugLeft, Some(0.35), Source::Image);
            issues.extend(engine.on_frame(i * 33, &values, moving()));
        }
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].issue.kind, "SHOULDER_SHRUG");
        assert_eq!(issues[0].issue.joint, "shoulder_shrug_left");
    }

    #[test]
    fn repetition_rules_flag_swinging_and_asymmetry() {
        let catalogue = Catalogue::builtin().unwrap();
        let curl = catalogue.get("bicep_curl").unwrap();
        let mut stats = RepStats::new(1000);
        for lean in [2.0, 5.0, 20.0, 4.0] {
            let mut v = MetricValues::default();
            v.set(Metric::TrunkLean, Some(lean), Source::World);
            stats.add(&v, Some(40.0));
        }
        let issues = RuleEngine::new(curl).on_rep(curl, &stats);
        let kinds: Vec<_> = issues.iter().map(|i| i.issue.kind.as_str()).collect();
        assert_eq!(kinds, ["BODY_SWING"], "{issues:?}");

        let squat = catalogue.get("squat").unwrap();
        let mut stats = RepStats::new(1000);
        for (l, r) in [(170.0, 170.0), (90.0, 125.0), (170.0, 168.0)] {
            let mut v = MetricValues::default();
            v.set(Metric::KneeLeft, Some(l), Source::World);
            v.set(Metric::KneeRight, Some(r), Source::World);
            stats.add(&v, Some((l + r) / 2.0));
        }
        let issues = RuleEngine::new(squat).on_rep(squat, &stats);
        let kinds: Vec<_> = issues
            .iter()
            .map(|i| (i.issue.kind.as_str(), i.issue.joint.as_str()))
            .collect();
        // Mean depth 107.5 misses 90 (+10), and the knees differ by 35 degrees.
        assert_eq!(
            kinds,
            [("DEPTH_NOT_REACHED", "knee"), ("ASYMMETRY", "knee")],
            "{issues:?}"
        );
    }
}
