//! The incremental analyser: one pose frame in, one frame analysis out; a report at the end.
//! The desktop app runs it live; `physalign analyze` runs it over a whole video.

use crate::error::AnalysisError;
use crate::exercise::{Combine, Exercise, FirstHalf, Mode, Signal};
use crate::hold::{HoldTracker, HoldTrackerSettings};
use crate::kinematics::{measure, FrameSize, KinematicsConfig};
use crate::metric::{Metric, MetricValues, Side, Source, METRIC_COUNT};
use crate::one_euro::{OneEuroConfig, OneEuroFilter};
use crate::overrides::ExerciseOverrides;
use crate::quality::QualityEstimator;
use crate::rep_stats::RepStats;
use crate::report::{round1, round2, summarise, FrameRecord, RepDetail, SessionReport, Symmetry};
use crate::reps::{CounterPhase, Cycle, CycleOutcome, RepCounter, RepEvent};
use crate::rules::{MovementState, RuleEngine, TimedIssue};
use physalign_domain::{LandmarkType as L, PoseFrame};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
pub struct FrameAnalysis {
    /// Frame time, ms.
    pub timestamp_ms: i64,
    /// Smoothed values of this frame (missing where not measurable).
    #[serde(rename = "angles")]
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
    counter: Option<RepCounter>,
    hold: Option<HoldTracker>,
    rules: RuleEngine,
    frames: Vec<FrameRecord>,
    rep_details: Vec<RepDetail>,
    issues: Vec<TimedIssue>,
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
        let counter = match (exercise.mode, exercise.signals.first()) {
            (Mode::Reps, Some(signal)) => Some(RepCounter::new(
                exercise.reps.clone(),
                signal.leave_progress(),
            )),
            _ => None,
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
            counter,
            hold,
            frames: Vec::new(),
            rep_details: Vec::new(),
            issues: Vec::new(),
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
        let raw = measure(frame, self.frame_size, &self.config.kinematics);
        let quality = self.quality.score(frame, self.frame_size);
        self.track_side_visibility(frame);
        let values = self.smooth(t, &raw);

        let (primary_angle, progress) = self.primary(&values);
        let events = match self.counter.as_mut() {
            Some(c) => c.push(t, progress),
            None => Vec::new(),
        };
        let phase = self
            .counter
            .as_ref()
            .map_or(CounterPhase::Unknown, RepCounter::phase);

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
        self.issues.extend(raised.iter().cloned());

        let mut cues: Vec<String> = raised.iter().map(|i| i.issue.message.clone()).collect();
        for event in &events {
            if let RepEvent::Ended { cycle } = event {
                let rep_issues = self.close_cycle(cycle);
                if cycle.outcome == CycleOutcome::Full {
                    cues.push(format!("Repetition {}", self.full_reps()));
                }
                cues.extend(rep_issues.iter().map(|i| i.issue.message.clone()));
                raised.extend(rep_issues);
            }
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
            reps: self.full_reps(),
            events,
            issues: raised,
            cues,
            hold_s,
        }
    }

    fn full_reps(&self) -> u32 {
        self.counter.as_ref().map_or(0, RepCounter::full_reps)
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

    /// The primary angle and its progress, from the first signal that can be measured.
    fn primary(&self, values: &MetricValues) -> (Option<f32>, Option<f32>) {
        for signal in &self.exercise.signals {
            if let Some(angle) = combine_signal(signal, values, self.side_visibility) {
                return (Some(angle), Some(signal.progress(angle)));
            }
        }
        (None, None)
    }

    /// Builds the detail of a finished cycle and evaluates the repetition rules on it.
    fn close_cycle(&mut self, cycle: &Cycle) -> Vec<TimedIssue> {
        let mut stats = RepStats::new(cycle.peak_ms);
        for f in self.frames.iter().rev() {
            if f.timestamp_ms < cycle.start_ms {
                break;
            }
            if f.timestamp_ms <= cycle.end_ms {
                stats.add(&f.values, f.primary_angle);
            }
        }
        let full = cycle.outcome == CycleOutcome::Full;
        let number = full.then(|| self.full_reps());
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

        let signal = self.exercise.signals.first();
        let symmetry = signal.and_then(|s| {
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
            primary_angle: signal.map_or_else(String::new, |s| s.metric.clone()),
            min_angle: stats.primary_range.map(|r| round1(r.0 as f64)),
            max_angle: stats.primary_range.map(|r| round1(r.1 as f64)),
            rom: stats.primary_range.map(|r| round1((r.1 - r.0) as f64)),
            symmetry,
            form_issues: during,
        });
        rep_issues
    }

    /// Ends the session and returns the report.
    pub fn finish(self) -> SessionReport {
        self.finish_with_frames().0
    }

    /// Ends the session and returns the report with every frame record (for storage).
    pub fn finish_with_frames(mut self) -> (SessionReport, Vec<FrameRecord>) {
        let events = self
            .counter
            .as_mut()
            .map(RepCounter::finish)
            .unwrap_or_default();
        for event in events {
            if let RepEvent::Ended { cycle } = event {
                self.close_cycle(&cycle);
            }
        }
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
        let report = SessionReport {
            exercise_id: self.exercise.id.clone(),
            exercise_name: self.exercise.name.clone(),
            mode: self.exercise.mode,
            reps: self.full_reps(),
            partial_reps: self.counter.as_ref().map_or(0, RepCounter::partial_reps),
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
        Combine::BestVisible => {
            if side_visibility[0] >= side_visibility[1] {
                l.or(r)
            } else {
                r.or(l)
            }
        }
    }
}

fn combine_signal(
    signal: &Signal,
    values: &MetricValues,
    side_visibility: [f64; 2],
) -> Option<f32> {
    combine_values(&signal.metric, signal.combine, values, side_visibility)
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
