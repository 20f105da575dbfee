//! The incremental analyser: one pose frame in, one frame analysis out; a report at the end.
//! The desktop app runs it live; `physalign analyze` runs it over a whole video.

use crate::continuity::CutDetector;
use crate::error::AnalysisError;
use crate::exercise::{CameraView, Combine, Exercise, FirstHalf, Mode, Signal};
use crate::hold::{HoldTracker, HoldTrackerSettings};
use crate::kinematics::{measure, FrameSize, KinematicsConfig};
use crate::metric::{Metric, MetricValues, Side, Source, METRIC_COUNT};
use crate::one_euro::{OneEuroConfig, OneEuroFilter};
use crate::overrides::ExerciseOverrides;
use crate::quality::QualityEstimator;
use crate::reliability::{
    BodyPart, FrameFacts, FramingCue, ReliabilityTracker, FRAMING_CUE_AFTER_MS,
};
use crate::rep_stats::RepStats;
use crate::report::{
    round1, round2, summarise, FrameRecord, RepDetail, SessionReport, SideCounts, Symmetry,
};
use crate::reps::{CounterPhase, Cycle, CycleOutcome, RepCounter, RepEvent};
use crate::rules::{MovementState, RuleEngine, TimedIssue};
use crate::side::{ActiveSides, SideActivity};
use crate::view::{DetectedView, ViewDetector};
use physalign_domain::{LandmarkType as L, PoseFrame};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The first frames after the tracker finds a person are not counted on.
const TRACK_WARM_UP_MS: i64 = 150;

/// Settings of the analyser that are not exercise-specific.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalyzerConfig {
    /// Per-frame measurement.
    pub kinematics: KinematicsConfig,
    /// Smoothing of every metric.
    pub smoothing: OneEuroConfig,
    /// Gaps up to this long are filled by interpolation; longer ones stay empty and restart the
    /// smoothing.
    pub max_fill_gap_ms: i64,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        Self {
            kinematics: KinematicsConfig::default(),
            smoothing: OneEuroConfig::default(),
            max_fill_gap_ms: 200,
        }
    }
}

/// What the analyser says about one frame, as it happens (serialisable for the desktop app).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FrameAnalysis {
    /// Frame time, ms.
    pub timestamp_ms: i64,
    /// Smoothed values of this frame (missing where not measurable).
    #[serde(rename = "angles")]
    // Serialised by hand as `{"knee_left": 92.3, ...}`.
    #[cfg_attr(feature = "ts", ts(type = "Partial<Record<string, number>>"))]
    pub values: MetricValues,
    /// Quality 0..1.
    pub quality: f32,
    /// The primary angle the counter follows.
    pub primary_angle: Option<f32>,
    /// Progress from rest (0) to the working position (1).
    pub progress: Option<f32>,
    /// Where in the movement the counter is.
    pub phase: CounterPhase,
    /// Full repetitions so far.
    pub reps: u32,
    /// Counter events of this frame.
    pub events: Vec<RepEvent>,
    /// Form issues raised at this frame.
    pub issues: Vec<TimedIssue>,
    /// Short messages to show or say to the patient now.
    pub cues: Vec<String>,
    /// Seconds held so far, for holds.
    pub hold_s: Option<f64>,
    /// Full repetitions per side so far, for exercises counted per side.
    pub reps_by_side: Option<SideCounts>,
    /// The camera view detected now.
    pub view: DetectedView,
    /// The side(s) doing the movement now.
    pub active_side: ActiveSides,
    /// Confidence in this frame's measurement, 0..1 (visibility, steadiness, view).
    pub confidence: f32,
    /// What the patient should change so the exercise can be measured, when it cannot.
    pub framing: Option<FramingCue>,
}

impl FrameAnalysis {
    /// Angles by name, one decimal.
    pub fn angles(&self) -> BTreeMap<String, f64> {
        crate::report::angle_map(&self.values)
    }
}

/// Analyses one exercise session frame by frame.
#[derive(Debug)]
pub struct SessionAnalyzer {
    exercise: Exercise,
    frame_size: FrameSize,
    config: AnalyzerConfig,
    filters: Vec<OneEuroFilter>,
    last_valid: [Option<(usize, i64, f32)>; METRIC_COUNT],
    source_counts: BTreeMap<(Metric, Source), usize>,
    side_visibility: [f64; 2],
    quality: QualityEstimator,
    counting: Counting,
    hold: Option<HoldTracker>,
    rules: RuleEngine,
    frames: Vec<FrameRecord>,
    /// Per frame: which side the primary angle came from, when one side alone.
    frame_sides: Vec<Option<Side>>,
    /// Per frame: confidence in the measurement.
    frame_confidence: Vec<f32>,
    rep_details: Vec<RepDetail>,
    issues: Vec<TimedIssue>,
    view: ViewDetector,
    cuts: CutDetector,
    activity: Vec<SideActivity>,
    active_frames: [usize; 3],
    reliability: ReliabilityTracker,
    unmeasured_since: Option<i64>,
    /// Since when the person has been tracked without interruption.
    tracked_since: Option<(i64, i64)>,
    full: u32,
    partial: u32,
    by_side: [u32; 2],
}

/// The repetition counter(s) of a session.
#[derive(Debug)]
enum Counting {
    /// A hold, or nothing to count.
    None,
    /// One counter on the combined signal.
    Single(RepCounter),
    /// One counter per side (alternating or one-sided exercises), left then right.
    EachSide(Box<[RepCounter; 2]>),
}

impl Counting {
    fn phase(&self) -> CounterPhase {
        match self {
            Self::None => CounterPhase::Unknown,
            Self::Single(c) => c.phase(),
            Self::EachSide(cs) => {
                // The side that is moving speaks for the session.
                let moving = cs
                    .iter()
                    .map(RepCounter::phase)
                    .find(|p| matches!(p, CounterPhase::Outward | CounterPhase::Return));
                moving.unwrap_or(cs[0].phase())
            }
        }
    }
}

impl SessionAnalyzer {
    /// An analyser for `exercise` with a patient's `overrides`, on video frames of `frame_size`.
    pub fn new(
        exercise: &Exercise,
        overrides: &ExerciseOverrides,
        frame_size: FrameSize,
    ) -> Result<Self, AnalysisError> {
        Self::with_config(exercise, overrides, frame_size, AnalyzerConfig::default())
    }

    /// Same as [`SessionAnalyzer::new`] with explicit settings.
    pub fn with_config(
        exercise: &Exercise,
        overrides: &ExerciseOverrides,
        frame_size: FrameSize,
        config: AnalyzerConfig,
    ) -> Result<Self, AnalysisError> {
        let exercise = overrides.apply(exercise)?;
        let counting = match (exercise.mode, exercise.signals.first()) {
            (Mode::Reps, Some(signal)) => {
                let counter = RepCounter::new(exercise.reps.clone(), signal.leave_progress());
                if signal.combine == Combine::EachSide {
                    Counting::EachSide(Box::new([counter.clone(), counter]))
                } else {
                    Counting::Single(counter)
                }
            }
            _ => Counting::None,
        };
        let hold = exercise
            .hold
            .as_ref()
            .filter(|_| exercise.mode == Mode::Hold)
            .map(|h| {
                HoldTracker::new(HoldTrackerSettings {
                    target_s: h.target_s,
                    grace_s: h.grace_s,
                    min_hold_s: h.min_hold_s,
                    max_break_s: 5.0,
                })
            });
        let activity = vec![SideActivity::new(); exercise.signals.len()];
        Ok(Self {
            rules: RuleEngine::new(&exercise),
            exercise,
            frame_size,
            config,
            filters: vec![OneEuroFilter::new(config.smoothing); METRIC_COUNT],
            last_valid: [None; METRIC_COUNT],
            source_counts: BTreeMap::new(),
            side_visibility: [0.0; 2],
            quality: QualityEstimator::new(),
            counting,
            hold,
            frames: Vec::new(),
            frame_sides: Vec::new(),
            frame_confidence: Vec::new(),
            rep_details: Vec::new(),
            issues: Vec::new(),
            view: ViewDetector::new(),
            cuts: CutDetector::new(),
            activity,
            active_frames: [0; 3],
            reliability: ReliabilityTracker::default(),
            unmeasured_since: None,
            tracked_since: None,
            full: 0,
            partial: 0,
            by_side: [0; 2],
        })
    }

    /// The exercise with overrides applied.
    pub fn exercise(&self) -> &Exercise {
        &self.exercise
    }

    /// Frames analysed so far (earlier ones may have been filled in across short gaps).
    pub fn frames(&self) -> &[FrameRecord] {
        &self.frames
    }

    /// Analyses the next frame.
    pub fn push(&mut self, frame: &PoseFrame) -> FrameAnalysis {
        let t = frame.timestamp_ms;
        let (w, h) = (self.frame_size.width as f32, self.frame_size.height as f32);
        let cut = self.cuts.push(frame, w, h);
        if cut.is_some() {
            // A new shot: no smoothing, interpolation or repetition across it.
            for f in &mut self.filters {
                f.reset();
            }
            self.last_valid = [None; METRIC_COUNT];
        }
        let view = self.view.push(frame, w, h);
        let raw = measure(frame, self.frame_size, &self.config.kinematics);
        let quality = self.quality.score(frame, self.frame_size);
        self.track_side_visibility(frame);
        let values = self.smooth(t, &raw);
        let side_vis = side_visibilities(frame);
        for (signal, activity) in self.exercise.signals.iter().zip(self.activity.iter_mut()) {
            let get =
                |side| Metric::resolve(&signal.metric, Some(side)).and_then(|m| values.get(m));
            activity.push(t, [get(Side::Left), get(Side::Right)], side_vis);
        }

        let warming_up = self.track_warm_up(frame);
        let selected = self
            .primary(&values, view)
            .filter(|_| !warming_up && !self.cuts.suspecting());
        let (primary_angle, progress, primary_side) = match &selected {
            Some(p) => (Some(p.angle), Some(p.progress), p.side),
            None => (None, None, None),
        };
        let mut events = Vec::new();
        let mut side_events: Vec<(Side, RepEvent)> = Vec::new();
        match &mut self.counting {
            Counting::None => {}
            Counting::Single(c) => {
                if let Some(cut_ms) = cut {
                    events.extend(c.cut(cut_ms, t));
                }
                events.extend(c.push(t, progress));
            }
            Counting::EachSide(cs) => {
                let per_side = selected.as_ref().map_or([None, None], |p| p.per_side);
                for side in Side::BOTH {
                    let c = &mut cs[side.index()];
                    let mut evs = cut.map_or_else(Vec::new, |cut_ms| c.cut(cut_ms, t));
                    evs.extend(c.push(t, per_side[side.index()]));
                    side_events.extend(evs.into_iter().map(|e| (side, e)));
                }
            }
        }
        let phase = self.counting.phase();
        let active = self
            .exercise
            .signals
            .first()
            .and_then(|_| self.activity.first())
            .map_or(ActiveSides::Both, SideActivity::active);
        self.active_frames[match active {
            ActiveSides::Both => 0,
            ActiveSides::Left => 1,
            ActiveSides::Right => 2,
        }] += 1;

        let facts = self.frame_facts(frame, &selected, view, quality);
        let confidence = facts.confidence();
        self.reliability.push(facts);
        let framing = self.framing_cue(t, frame, facts, view);

        let mut raised = self
            .rules
            .on_frame(t, &values, MovementState { phase, progress });
        self.frames.push(FrameRecord {
            timestamp_ms: t,
            values,
            primary_angle,
            quality,
            form_issues: raised.iter().map(|i| i.issue.clone()).collect(),
        });
        self.frame_sides.push(primary_side);
        self.frame_confidence.push(confidence);
        self.issues.extend(raised.iter().cloned());

        let mut cues: Vec<String> = raised.iter().map(|i| i.issue.message.clone()).collect();
        let ended: Vec<(Option<Side>, Cycle)> = events
            .iter()
            .filter_map(|e| match e {
                RepEvent::Ended { cycle } => Some((None, *cycle)),
                _ => None,
            })
            .chain(side_events.iter().filter_map(|(side, e)| match e {
                RepEvent::Ended { cycle } => Some((Some(*side), *cycle)),
                _ => None,
            }))
            .collect();
        events.extend(side_events.into_iter().map(|(_, e)| e));
        for (side, cycle) in ended {
            let Some(rep_issues) = self.close_cycle(&cycle, side) else {
                continue;
            };
            if cycle.outcome == CycleOutcome::Full {
                cues.push(format!("Repetition {}", self.full));
            }
            cues.extend(rep_issues.iter().map(|i| i.issue.message.clone()));
            raised.extend(rep_issues);
        }
        if let Some(cue) = framing {
            cues.push(cue.message().to_string());
        }

        let hold_s = self.hold.as_mut().map(|h| {
            let inside = hold_in_range(&self.exercise, &values, self.side_visibility);
            h.push(t, inside);
            h.current_time_s()
        });
        FrameAnalysis {
            timestamp_ms: t,
            values,
            quality,
            primary_angle,
            progress,
            phase,
            reps: self.full,
            events,
            issues: raised,
            cues,
            hold_s,
            reps_by_side: self.side_counts(),
            view,
            active_side: active,
            confidence,
            framing,
        }
    }

    /// Whether the tracker has only just found the person (its first frames often misplace the
    /// body; counting starts after them).
    fn track_warm_up(&mut self, frame: &PoseFrame) -> bool {
        let t = frame.timestamp_ms;
        if !frame.has_person() {
            self.tracked_since = None;
            return true;
        }
        let (since, last) = match self.tracked_since {
            Some((since, last)) if t >= last && t - last <= self.config.max_fill_gap_ms => {
                (since, t)
            }
            _ => (t, t),
        };
        self.tracked_since = Some((since, last));
        t - since < TRACK_WARM_UP_MS
    }

    /// Full repetitions per side, when the exercise is counted per side.
    fn side_counts(&self) -> Option<SideCounts> {
        matches!(self.counting, Counting::EachSide(_)).then_some(SideCounts {
            left: self.by_side[0],
            right: self.by_side[1],
        })
    }

    /// The facts of this frame for the reliability flag and the frame's confidence.
    fn frame_facts(
        &self,
        frame: &PoseFrame,
        selected: &Option<Primary>,
        view: DetectedView,
        quality: f32,
    ) -> FrameFacts {
        let signal = selected
            .as_ref()
            .and_then(|p| self.exercise.signals.get(p.signal))
            .or(self.exercise.signals.first());
        let view_suited = signal.is_none_or(|s| view_suits(s, view, self.exercise.view));
        let part = signal.map_or(BodyPart::Torso, |s| BodyPart::of_metric(&s.metric));
        let visibility = part_visibility(frame, part, selected.as_ref().and_then(|p| p.side));
        // Quality is visibility x (0.6 + 0.4 stability) over the whole body: recover stability.
        let body_visibility = body_visibility(frame).max(0.05);
        let stability = ((quality / body_visibility - 0.6) / 0.4).clamp(0.0, 1.0);
        FrameFacts {
            person: frame.has_person(),
            measured: selected.is_some() || self.hold.is_some() && frame.has_person(),
            view_suited,
            visibility,
            stability,
            view,
        }
    }

    /// The framing cue once the signal has been missing for a while.
    fn framing_cue(
        &mut self,
        t: i64,
        frame: &PoseFrame,
        facts: FrameFacts,
        view: DetectedView,
    ) -> Option<FramingCue> {
        if facts.measured {
            self.unmeasured_since = None;
            if !facts.view_suited && self.exercise.view == CameraView::Side {
                return (view != DetectedView::Unknown)
                    .then_some(FramingCue::TurnTo(DetectedView::Side));
            }
            return None;
        }
        let since = *self.unmeasured_since.get_or_insert(t);
        if t - since < FRAMING_CUE_AFTER_MS {
            return None;
        }
        if !frame.has_person() {
            return Some(FramingCue::StepIntoView);
        }
        let part = self
            .exercise
            .signals
            .first()
            .map_or(BodyPart::Torso, |s| BodyPart::of_metric(&s.metric));
        Some(FramingCue::for_part(part))
    }

    fn track_side_visibility(&mut self, frame: &PoseFrame) {
        let sides = [
            [
                L::LeftShoulder,
                L::LeftElbow,
                L::LeftWrist,
                L::LeftHip,
                L::LeftKnee,
                L::LeftAnkle,
            ],
            [
                L::RightShoulder,
                L::RightElbow,
                L::RightWrist,
                L::RightHip,
                L::RightKnee,
                L::RightAnkle,
            ],
        ];
        for (acc, side) in self.side_visibility.iter_mut().zip(sides) {
            *acc += side
                .iter()
                .filter_map(|k| frame.landmarks.get(k.index()))
                .map(|lm| lm.visibility as f64)
                .sum::<f64>();
        }
    }

    /// Smooths each measured value and fills short gaps behind it.
    fn smooth(&mut self, t: i64, raw: &MetricValues) -> MetricValues {
        let index = self.frames.len();
        let mut out = MetricValues::default();
        for m in Metric::ALL {
            let Some(v) = raw.get(m) else { continue };
            let source = raw.source(m).unwrap_or(Source::Image);
            *self.source_counts.entry((m, source)).or_insert(0) += 1;
            let i = m.index();
            let gap_ok = self.last_valid[i]
                .is_some_and(|(_, t0, _)| t > t0 && t - t0 <= self.config.max_fill_gap_ms);
            if !gap_ok {
                self.filters[i].reset();
            }
            let s = self.filters[i].filter(t, v);
            if let (true, Some((i0, t0, v0))) = (gap_ok, self.last_valid[i]) {
                for j in i0 + 1..index {
                    let f = &mut self.frames[j];
                    let w = (f.timestamp_ms - t0) as f32 / (t - t0) as f32;
                    f.values
                        .set(m, Some(v0 + w * (s - v0)), Source::Interpolated);
                }
            }
            self.last_valid[i] = Some((index, t, s));
            out.set(m, Some(s), source);
        }
        out
    }

    /// The primary angle and its progress, from the first signal that can be measured in the
    /// current view (any measurable one when none suits the view).
    fn primary(&self, values: &MetricValues, view: DetectedView) -> Option<Primary> {
        let suited = |s: &Signal| view_suits(s, view, self.exercise.view);
        let order = self
            .exercise
            .signals
            .iter()
            .enumerate()
            .filter(|(_, s)| suited(s))
            .chain(
                self.exercise
                    .signals
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| !suited(s)),
            );
        for (i, signal) in order {
            let active = self
                .activity
                .get(i)
                .map_or(ActiveSides::Both, SideActivity::active);
            if let Some(p) = select_signal(i, signal, values, self.side_visibility, active) {
                return Some(p);
            }
        }
        None
    }

    /// Builds the detail of a finished cycle and evaluates the repetition rules on it; `None`
    /// when the cycle is not this side's movement (a side counted on its own moved along with
    /// the other, which moved more).
    fn close_cycle(&mut self, cycle: &Cycle, side: Option<Side>) -> Option<Vec<TimedIssue>> {
        let signal = self.exercise.signals.first().cloned();
        let mut stats = RepStats::new(cycle.peak_ms);
        let mut confidence = (0.0f64, 0usize);
        let mut sides = [0usize; 2];
        let first = self
            .frames
            .partition_point(|f| f.timestamp_ms < cycle.start_ms);
        for (i, f) in self.frames.iter().enumerate().skip(first) {
            if f.timestamp_ms > cycle.end_ms {
                break;
            }
            let primary = match (side, &signal) {
                (Some(side), Some(s)) => {
                    Metric::resolve(&s.metric, Some(side)).and_then(|m| f.values.get(m))
                }
                _ => f.primary_angle,
            };
            stats.add(&f.values, primary);
            if let Some(c) = self.frame_confidence.get(i) {
                confidence.0 += *c as f64;
                confidence.1 += 1;
            }
            if let Some(Some(s)) = self.frame_sides.get(i) {
                sides[s.index()] += 1;
            }
        }
        if let (Some(side), Some(s)) = (side, &signal) {
            // Sympathetic movement: the other side moved more over the same time.
            let range = |side| {
                Metric::resolve(&s.metric, Some(side))
                    .and_then(|m| stats.range(m))
                    .map_or(0.0, |(lo, hi)| hi - lo)
            };
            if range(side.other()) > range(side) {
                return None;
            }
        }
        let side = side.or_else(|| match sides {
            [l, r] if l > 2 * r => Some(Side::Left),
            [l, r] if r > 2 * l => Some(Side::Right),
            _ => None,
        });
        let full = cycle.outcome == CycleOutcome::Full;
        if full {
            self.full += 1;
            if let Some(s) = side {
                if matches!(self.counting, Counting::EachSide(_)) {
                    self.by_side[s.index()] += 1;
                }
            }
        } else {
            self.partial += 1;
        }
        let number = full.then_some(self.full);
        let rep_issues = if full {
            self.rules.on_rep(&self.exercise, &stats)
        } else {
            Vec::new()
        };
        let rep_issues: Vec<TimedIssue> = rep_issues
            .into_iter()
            .map(|mut i| {
                i.rep = number;
                i
            })
            .collect();
        if let Some(last) = self.frames.last_mut() {
            last.form_issues
                .extend(rep_issues.iter().map(|i| i.issue.clone()));
        }
        for issue in self.issues.iter_mut().rev() {
            if issue.timestamp_ms < cycle.start_ms {
                break;
            }
            if issue.rep.is_none() && issue.timestamp_ms <= cycle.end_ms {
                issue.rep = number;
            }
        }
        self.issues.extend(rep_issues.iter().cloned());
        let during: Vec<TimedIssue> = self
            .issues
            .iter()
            .filter(|i| i.timestamp_ms >= cycle.start_ms && i.timestamp_ms <= cycle.end_ms)
            .filter(|i| !full || i.rep == number)
            .cloned()
            .collect();

        let symmetry = signal.as_ref().and_then(|s| {
            let left = Metric::resolve(&s.metric, Some(Side::Left))?;
            let right = Metric::resolve(&s.metric, Some(Side::Right))?;
            let (l0, l1) = stats.range(left)?;
            let (r0, r1) = stats.range(right)?;
            let (lr, rr) = ((l1 - l0) as f64, (r1 - r0) as f64);
            Some(Symmetry {
                left_rom: round1(lr),
                right_rom: round1(rr),
                difference: round1((lr - rr).abs()),
                ratio: round2(if lr.max(rr) > 0.0 {
                    lr.min(rr) / lr.max(rr)
                } else {
                    1.0
                }),
            })
        });
        let first_half_s = (cycle.peak_ms - cycle.start_ms) as f64 / 1000.0;
        let second_half_s = (cycle.end_ms - cycle.peak_ms) as f64 / 1000.0;
        let (eccentric_s, concentric_s) = match self.exercise.reps.first_half {
            FirstHalf::Eccentric => (first_half_s, second_half_s),
            FirstHalf::Concentric => (second_half_s, first_half_s),
        };
        self.rep_details.push(RepDetail {
            number,
            outcome: cycle.outcome,
            start_ms: cycle.start_ms,
            peak_ms: cycle.peak_ms,
            end_ms: cycle.end_ms,
            duration_s: round2((cycle.end_ms - cycle.start_ms) as f64 / 1000.0),
            eccentric_s: round2(eccentric_s),
            concentric_s: round2(concentric_s),
            primary_angle: signal
                .as_ref()
                .map_or_else(String::new, |s| s.metric.clone()),
            min_angle: stats.primary_range.map(|r| round1(r.0 as f64)),
            max_angle: stats.primary_range.map(|r| round1(r.1 as f64)),
            rom: stats.primary_range.map(|r| round1((r.1 - r.0) as f64)),
            symmetry,
            form_issues: during,
            reached_work: cycle.reached_work,
            side,
            confidence: (confidence.1 > 0).then(|| round2(confidence.0 / confidence.1 as f64)),
        });
        Some(rep_issues)
    }

    /// Ends the session and returns the report.
    pub fn finish(self) -> SessionReport {
        self.finish_with_frames().0
    }

    /// Ends the session and returns the report with every frame record (for storage).
    pub fn finish_with_frames(mut self) -> (SessionReport, Vec<FrameRecord>) {
        let ended: Vec<(Option<Side>, RepEvent)> = match &mut self.counting {
            Counting::None => Vec::new(),
            Counting::Single(c) => c.finish().into_iter().map(|e| (None, e)).collect(),
            Counting::EachSide(cs) => Side::BOTH
                .into_iter()
                .flat_map(|s| {
                    cs[s.index()]
                        .finish()
                        .into_iter()
                        .map(move |e| (Some(s), e))
                })
                .collect(),
        };
        for (side, event) in ended {
            if let RepEvent::Ended { cycle } = event {
                self.close_cycle(&cycle, side);
            }
        }
        self.rep_details.sort_by_key(|r| r.start_ms);
        let holds = self
            .hold
            .take()
            .map(HoldTracker::finish)
            .unwrap_or_default();
        let (summary_statistics, pose_data) = summarise(&self.frames);
        let mut angle_sources: BTreeMap<String, (Source, usize)> = BTreeMap::new();
        for ((m, source), n) in &self.source_counts {
            if !m.is_angle() {
                continue;
            }
            let e = angle_sources
                .entry(m.name().to_string())
                .or_insert((*source, 0));
            if *n > e.1 {
                *e = (*source, *n);
            }
        }
        let duration_s = match (self.frames.first(), self.frames.last()) {
            (Some(a), Some(b)) => round2((b.timestamp_ms - a.timestamp_ms).max(0) as f64 / 1000.0),
            _ => 0.0,
        };
        let mut form_issues = self.issues.clone();
        form_issues.sort_by_key(|i| i.timestamp_ms);
        let last_ms = self.frames.last().map_or(0, |f| f.timestamp_ms);
        let functional_test = self
            .exercise
            .test
            .as_ref()
            .map(|test| test.score(&self.rep_details, last_ms));
        let active_side = match self.active_frames {
            [b, l, r] if l > b.max(r) => ActiveSides::Left,
            [b, l, r] if r > b.max(l) => ActiveSides::Right,
            _ => ActiveSides::Both,
        };
        let reps_by_side = self.side_counts();
        let report = SessionReport {
            exercise_id: self.exercise.id.clone(),
            exercise_name: self.exercise.name.clone(),
            mode: self.exercise.mode,
            reps: self.full,
            partial_reps: self.partial,
            target_reps: self.exercise.reps.target,
            rep_details: self.rep_details,
            holds,
            form_issues,
            summary_statistics,
            pose_data,
            angle_sources: angle_sources
                .into_iter()
                .map(|(k, (s, _))| (k, s))
                .collect(),
            duration_s,
            reps_by_side,
            active_side,
            reliability: Some(self.reliability.reliability()),
            functional_test,
        };
        (report, self.frames)
    }
}

/// Combines the sides of a metric as the signal says.
fn combine_values(
    metric: &str,
    combine: Combine,
    values: &MetricValues,
    side_visibility: [f64; 2],
) -> Option<f32> {
    let get = |side| Metric::resolve(metric, side).and_then(|m| values.get(m));
    let (l, r) = (get(Some(Side::Left)), get(Some(Side::Right)));
    match combine {
        Combine::None => get(None),
        Combine::Left => l,
        Combine::Right => r,
        Combine::Mean => match (l, r) {
            (Some(a), Some(b)) => Some((a + b) / 2.0),
            (a, b) => a.or(b),
        },
        Combine::Min => match (l, r) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
        Combine::Max => match (l, r) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        },
        Combine::Active | Combine::EachSide => match (l, r) {
            (Some(a), Some(b)) => Some((a + b) / 2.0),
            (a, b) => a.or(b),
        },
        Combine::BestVisible => {
            if side_visibility[0] >= side_visibility[1] {
                l.or(r)
            } else {
                r.or(l)
            }
        }
    }
}

/// The signal chosen for a frame.
#[derive(Debug, Clone, Copy)]
struct Primary {
    /// Index into the exercise's signals.
    signal: usize,
    /// The combined angle.
    angle: f32,
    /// Its progress.
    progress: f32,
    /// Progress of each side on its own (for per-side counting).
    per_side: [Option<f32>; 2],
    /// The side the angle came from, when one side alone.
    side: Option<Side>,
}

/// Combines a signal's sides for this frame; the sides that rest are left out of the mean, the
/// minimum and the maximum (they would hide a one-sided movement).
fn select_signal(
    index: usize,
    signal: &Signal,
    values: &MetricValues,
    side_visibility: [f64; 2],
    active: ActiveSides,
) -> Option<Primary> {
    let get = |side| Metric::resolve(&signal.metric, side).and_then(|m| values.get(m));
    let (l, r) = (get(Some(Side::Left)), get(Some(Side::Right)));
    let per_side = [l.map(|v| signal.progress(v)), r.map(|v| signal.progress(v))];
    let one_side = |side: Side| {
        let v = if side == Side::Left { l } else { r };
        v.map(|v| (v, Some(side)))
    };
    let (angle, side) = match signal.combine {
        Combine::None => (get(None)?, None),
        Combine::Left => one_side(Side::Left)?,
        Combine::Right => one_side(Side::Right)?,
        Combine::EachSide => {
            // Shown: the side further along its movement.
            match (per_side[0], per_side[1]) {
                (Some(pl), Some(pr)) if pr > pl => one_side(Side::Right)?,
                (Some(_), _) => one_side(Side::Left)?,
                (None, _) => one_side(Side::Right)?,
            }
        }
        Combine::Mean | Combine::Min | Combine::Max | Combine::Active => match active.single() {
            Some(side) => one_side(side).or_else(|| one_side(side.other()))?,
            None => {
                let combine = if signal.combine == Combine::Active {
                    Combine::Mean
                } else {
                    signal.combine
                };
                let v = combine_values(&signal.metric, combine, values, side_visibility)?;
                let side = match (l, r) {
                    (Some(_), None) => Some(Side::Left),
                    (None, Some(_)) => Some(Side::Right),
                    (Some(a), Some(b)) if combine != Combine::Mean && a != b => {
                        Some(if (v - a).abs() < (v - b).abs() {
                            Side::Left
                        } else {
                            Side::Right
                        })
                    }
                    _ => None,
                };
                (v, side)
            }
        },
        Combine::BestVisible => {
            let v = combine_values(&signal.metric, signal.combine, values, side_visibility)?;
            (v, None)
        }
    };
    Some(Primary {
        signal: index,
        angle,
        progress: signal.progress(angle),
        per_side,
        side,
    })
}

/// Whether a signal can be trusted from the detected view: its own `views`, or else the
/// exercise's recommended view (an unknown view is given the benefit of the doubt; oblique views
/// suit both front and side measurements partly, and are accepted).
fn view_suits(signal: &Signal, view: DetectedView, recommended: CameraView) -> bool {
    if view == DetectedView::Unknown {
        return true;
    }
    if !signal.views.is_empty() {
        return signal.views.contains(&view);
    }
    match recommended {
        CameraView::Any => true,
        CameraView::Front => matches!(
            view,
            DetectedView::Front | DetectedView::Back | DetectedView::Oblique
        ),
        CameraView::Side => matches!(view, DetectedView::Side | DetectedView::Oblique),
    }
}

const LEFT_LIMBS: [L; 6] = [
    L::LeftShoulder,
    L::LeftElbow,
    L::LeftWrist,
    L::LeftHip,
    L::LeftKnee,
    L::LeftAnkle,
];
const RIGHT_LIMBS: [L; 6] = [
    L::RightShoulder,
    L::RightElbow,
    L::RightWrist,
    L::RightHip,
    L::RightKnee,
    L::RightAnkle,
];

fn mean_visibility(frame: &PoseFrame, kinds: &[L]) -> f32 {
    let (sum, n) = kinds
        .iter()
        .filter_map(|k| frame.landmarks.get(k.index()))
        .fold((0.0, 0usize), |(s, n), lm| {
            (s + (lm.visibility * lm.presence).clamp(0.0, 1.0), n + 1)
        });
    if n == 0 {
        0.0
    } else {
        sum / n as f32
    }
}

/// Mean visibility of each side's limb joints, left then right.
fn side_visibilities(frame: &PoseFrame) -> [f32; 2] {
    [
        mean_visibility(frame, &LEFT_LIMBS),
        mean_visibility(frame, &RIGHT_LIMBS),
    ]
}

fn body_visibility(frame: &PoseFrame) -> f32 {
    (mean_visibility(frame, &LEFT_LIMBS) + mean_visibility(frame, &RIGHT_LIMBS)) / 2.0
}

/// Mean visibility of the joints a body part is measured on (one side, or the better side).
fn part_visibility(frame: &PoseFrame, part: BodyPart, side: Option<Side>) -> f32 {
    let joints = |side: Side| -> &'static [L] {
        let left = side == Side::Left;
        match part {
            BodyPart::Leg if left => &[L::LeftHip, L::LeftKnee, L::LeftAnkle],
            BodyPart::Leg => &[L::RightHip, L::RightKnee, L::RightAnkle],
            BodyPart::Arm if left => &[L::LeftShoulder, L::LeftElbow, L::LeftWrist],
            BodyPart::Arm => &[L::RightShoulder, L::RightElbow, L::RightWrist],
            BodyPart::Face => &[L::Nose, L::LeftEar, L::RightEar],
            BodyPart::Torso => &[L::LeftShoulder, L::RightShoulder, L::LeftHip, L::RightHip],
        }
    };
    match side {
        Some(s) => mean_visibility(frame, joints(s)),
        None => mean_visibility(frame, joints(Side::Left))
            .max(mean_visibility(frame, joints(Side::Right))),
    }
}

fn hold_in_range(
    exercise: &Exercise,
    values: &MetricValues,
    side_visibility: [f64; 2],
) -> Option<bool> {
    let hold = exercise.hold.as_ref()?;
    let mut all = true;
    for c in &hold.conditions {
        let v = combine_values(&c.metric, c.combine, values, side_visibility)?;
        all &= v >= c.min && v <= c.max;
    }
    Some(all)
}
