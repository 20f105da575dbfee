//! The repetition counter: a hysteresis state machine over the smoothed primary signal, expressed
//! as progress from the catalogue's rest threshold (0) towards its working threshold (1).
//!
//! The thresholds only give the direction and the scale of the movement; what counts is measured
//! against the person: a cycle starts when the signal leaves the person's own resting level (not
//! a fixed angle), reaches the working position when its excursion from that level is large enough
//! (the first time a fixed share of the catalogue's range, then a share of the person's own typical
//! excursion) and ends when it has come back a clear share of its own excursion, so a patient who
//! does not return fully to rest between repetitions is still counted. Coming back without enough
//! excursion is a partial repetition (reported, not counted). A stream that starts away from rest
//! begins a repetition there, so a clip that opens mid-movement still counts its first repetition;
//! after a gap (someone left, a cut) the counter waits for the next movement instead: nothing is
//! counted across a gap.

use crate::exercise::RepSettings;
use serde::{Deserialize, Serialize};

/// Progress within which the signal counts as still at its resting level: a repetition starts
/// the last time the signal was this close to the resting level (tremor of a few degrees).
const REST_TOLERANCE: f32 = 0.08;

/// How fast (progress per second) the resting level may drift towards the working position.
const REST_DRIFT_PER_S: f32 = 0.1;

/// Share of the person's typical excursion a cycle must reach to be a full repetition.
const OWN_RANGE_SHARE: f32 = 0.6;

/// Share of its own excursion a cycle must come back to end (partial return is enough).
const RETURN_SHARE: f32 = 0.6;

/// A movement that stops short of the working position and stays still this long was a change
/// of resting posture (settling, shifting weight), not the start of a repetition.
const SETTLE_MS: i64 = 2000;

/// Within this much progress the signal counts as still.
const STILL_TOLERANCE: f32 = 0.1;

/// Past this share of its excursion from its resting level, a cycle is dwelling at the working
/// position. Measured from the resting level, not as a band around the peak: a wall sit that
/// creeps deeper keeps moving its peak, and a band around the peak would miss the hold above it.
const DWELL_FROM_BASE: f32 = 0.5;

/// A cycle that dwells at the working position for more than this share of `max_duration_s` is
/// a hold (a wall sit), not a repetition.
const MAX_DWELL_SHARE: f32 = 0.5;

/// A cycle already under way when the stream starts is only a full repetition when the part
/// seen moving towards the peak is at least this share of the required excursion (a clip that
/// opens at the peak shows only the way back).
const UNSEEN_START_SEEN_SHARE: f32 = 0.5;

/// How a movement cycle ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CycleOutcome {
    /// A full repetition: counted.
    Full,
    /// Came back to rest without reaching the working position.
    Partial,
    /// Reached the working position but took longer than `max_duration_s` (a hold, not a rep).
    TooSlow,
    /// The stream ended before the movement came back to rest.
    Unfinished,
}

/// One movement cycle away from rest and back.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Cycle {
    /// Last time at rest before the movement (or the first sample when it started unseen).
    pub start_ms: i64,
    /// When the furthest point was reached.
    pub peak_ms: i64,
    /// When it came back to rest (or the last sample).
    pub end_ms: i64,
    /// Furthest progress (1 = working position).
    pub peak_progress: f32,
    /// How it ended.
    pub outcome: CycleOutcome,
    /// The resting level the cycle started from (progress).
    #[serde(default)]
    pub base_progress: f32,
    /// Whether the working position was reached (true for full and too-slow cycles; an
    /// unfinished one may have reached it before the stream ended).
    #[serde(default)]
    pub reached_work: bool,
}

impl Cycle {
    /// How far the cycle went from its resting level (progress units).
    pub fn excursion(&self) -> f32 {
        self.peak_progress - self.base_progress
    }
}

/// Something the counter noticed on a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RepEvent {
    /// Left rest: a repetition may be starting.
    Started {
        /// Time of the sample.
        timestamp_ms: i64,
    },
    /// Reached the working position.
    WorkReached {
        /// Time of the sample.
        timestamp_ms: i64,
    },
    /// A cycle ended (full, partial, too slow or unfinished).
    Ended {
        /// The cycle.
        cycle: Cycle,
    },
    /// The cycle in progress was dropped after a gap in the signal.
    Abandoned {
        /// Time of the sample after the gap.
        timestamp_ms: i64,
    },
}

/// Where in the movement the counter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CounterPhase {
    /// No signal yet, or just after a gap.
    Unknown,
    /// At rest.
    Rest,
    /// On the way towards the working position.
    Outward,
    /// Past the working position, on the way back.
    Return,
}

#[derive(Debug, Clone, Copy)]
struct InProgress {
    start_ms: i64,
    peak_ms: i64,
    peak: f32,
    base: f32,
    reached_work: bool,
    /// Began before the stream did: its true duration is unknown.
    unseen_start: bool,
    /// The first progress seen in the cycle.
    first_seen: f32,
}

/// The counter.
#[derive(Debug, Clone)]
pub struct RepCounter {
    settings: RepSettings,
    leave: f32,
    phase: CounterPhase,
    /// No sample seen yet: a movement already under way then is counted (the clip opens mid-rep).
    at_stream_start: bool,
    last_rest_ms: i64,
    rest_level: f32,
    last_sample_ms: Option<i64>,
    current: Option<InProgress>,
    /// Excursions of the substantial cycles so far: the person's own range.
    excursions: Vec<f32>,
    /// Where and since when the signal has been still.
    still: (f32, i64),
    /// The samples of the cycle in progress (for the dwell at the working position).
    samples: Vec<(i64, f32)>,
    full: u32,
    partial: u32,
}

impl RepCounter {
    /// A counter with the exercise's settings; `leave_progress` is the progress past which the
    /// movement has left rest (between 0 and 1).
    pub fn new(settings: RepSettings, leave_progress: f32) -> Self {
        Self {
            settings,
            leave: leave_progress.clamp(0.01, 0.99),
            phase: CounterPhase::Unknown,
            at_stream_start: true,
            last_rest_ms: 0,
            rest_level: 0.0,
            last_sample_ms: None,
            current: None,
            excursions: Vec::new(),
            still: (0.0, 0),
            samples: Vec::new(),
            full: 0,
            partial: 0,
        }
    }

    /// Full repetitions so far.
    pub fn full_reps(&self) -> u32 {
        self.full
    }

    /// Partial repetitions so far.
    pub fn partial_reps(&self) -> u32 {
        self.partial
    }

    /// The current phase.
    pub fn phase(&self) -> CounterPhase {
        self.phase
    }

    /// The excursion (progress units) a cycle must reach to be a full repetition now: a share
    /// of the person's typical excursion once there is one, the catalogue's minimum before.
    pub fn required_excursion(&self) -> f32 {
        let floor = self.settings.min_excursion;
        let own = match self.excursions.len() {
            0 => return floor,
            n => {
                let mut sorted = self.excursions.clone();
                sorted.sort_by(f32::total_cmp);
                sorted[n / 2]
            }
        };
        (OWN_RANGE_SHARE * own).max(self.settings.partial_min_progress)
    }

    /// Drops the cycle in progress (a gap in the signal): the next movement is waited for,
    /// nothing is counted across it.
    pub fn interrupt(&mut self, timestamp_ms: i64) -> Vec<RepEvent> {
        let mut events = Vec::new();
        if self.current.take().is_some() {
            events.push(RepEvent::Abandoned { timestamp_ms });
        }
        self.phase = CounterPhase::Unknown;
        events
    }

    /// A cut in the video at `cut_ms`, noticed at `timestamp_ms`: a cycle that started before it
    /// spans it and is dropped; one that started after it is kept.
    pub fn cut(&mut self, cut_ms: i64, timestamp_ms: i64) -> Vec<RepEvent> {
        match self.current {
            Some(cur) if cur.start_ms < cut_ms => self.interrupt(timestamp_ms),
            Some(_) => Vec::new(),
            None => {
                self.phase = CounterPhase::Unknown;
                Vec::new()
            }
        }
    }

    /// Feeds one sample: progress at `timestamp_ms`, `None` when the signal was not measurable.
    pub fn push(&mut self, timestamp_ms: i64, progress: Option<f32>) -> Vec<RepEvent> {
        let mut events = Vec::new();
        let Some(p) = progress.filter(|p| p.is_finite()) else {
            return events;
        };
        if let Some(last) = self.last_sample_ms {
            let gap_ms = timestamp_ms - last;
            if gap_ms < 0 || gap_ms as f32 > self.settings.max_gap_s * 1000.0 {
                events.extend(self.interrupt(timestamp_ms));
            }
        }
        let dt_s = self
            .last_sample_ms
            .map_or(0.0, |last| (timestamp_ms - last).max(0) as f32 / 1000.0);
        self.last_sample_ms = Some(timestamp_ms);
        if (p - self.still.0).abs() > STILL_TOLERANCE {
            self.still = (p, timestamp_ms);
        }

        if self.phase == CounterPhase::Unknown {
            if self.at_stream_start && p > self.leave {
                // Started away from rest: the movement began before we could see it.
                self.begin(timestamp_ms, timestamp_ms, p, 0.0_f32.min(p), &mut events);
            } else {
                // After a gap the resting level is re-learnt from here (it follows downwards).
                self.enter_rest(timestamp_ms, p);
            }
            self.at_stream_start = false;
        }

        match self.phase {
            CounterPhase::Rest => {
                if p > self.rest_level + self.leave {
                    let base = self.rest_level;
                    self.begin(self.last_rest_ms, timestamp_ms, p, base, &mut events);
                } else {
                    // The resting level follows slow drift (shifting weight) upwards.
                    self.rest_level = p.min(self.rest_level + REST_DRIFT_PER_S * dt_s);
                    if p <= self.rest_level + REST_TOLERANCE {
                        // Still at the resting level: the movement has not begun yet.
                        self.last_rest_ms = timestamp_ms;
                    }
                }
            }
            CounterPhase::Outward | CounterPhase::Return => {
                let required = self.required_excursion();
                self.samples.push((timestamp_ms, p));
                if let Some(cur) = self.current.as_mut() {
                    if p > cur.peak {
                        cur.peak = p;
                        cur.peak_ms = timestamp_ms;
                    }
                    let excursion = cur.peak - cur.base;
                    if !cur.reached_work && excursion >= required {
                        cur.reached_work = true;
                        self.phase = CounterPhase::Return;
                        events.push(RepEvent::WorkReached { timestamp_ms });
                    }
                    // Back by a clear share of its own excursion (and by more than the noise
                    // margin that started it): the cycle is over.
                    let back = cur.peak - p;
                    let settled = !cur.reached_work && timestamp_ms - self.still.1 >= SETTLE_MS;
                    if back >= (RETURN_SHARE * excursion).max(self.leave) {
                        self.end(timestamp_ms, &mut events);
                        self.enter_rest(timestamp_ms, p);
                    } else if settled {
                        // A new resting posture: no cycle, the rest level starts from here.
                        self.current = None;
                        self.enter_rest(timestamp_ms, p);
                    }
                }
            }
            CounterPhase::Unknown => {}
        }
        events
    }

    fn enter_rest(&mut self, timestamp_ms: i64, p: f32) {
        self.phase = CounterPhase::Rest;
        self.last_rest_ms = timestamp_ms;
        self.rest_level = p;
    }

    fn begin(&mut self, start_ms: i64, now_ms: i64, p: f32, base: f32, events: &mut Vec<RepEvent>) {
        let reached_work = p - base >= self.required_excursion();
        self.current = Some(InProgress {
            start_ms,
            peak_ms: now_ms,
            peak: p,
            base,
            reached_work,
            unseen_start: start_ms == now_ms,
            first_seen: p,
        });
        self.samples.clear();
        self.samples.push((now_ms, p));
        self.phase = if reached_work {
            CounterPhase::Return
        } else {
            CounterPhase::Outward
        };
        events.push(RepEvent::Started {
            timestamp_ms: start_ms,
        });
        if reached_work {
            events.push(RepEvent::WorkReached {
                timestamp_ms: now_ms,
            });
        }
    }

    /// Seconds the cycle spent in the working part of its movement (past [`DWELL_FROM_BASE`] of
    /// its excursion).
    fn dwell_s(&self, cur: &InProgress) -> f32 {
        let near = cur.base + DWELL_FROM_BASE * (cur.peak - cur.base);
        let ms: i64 = self
            .samples
            .windows(2)
            .filter(|w| w[0].1 >= near && w[1].1 >= near)
            .map(|w| w[1].0 - w[0].0)
            .sum();
        ms as f32 / 1000.0
    }

    /// Smallest excursion reported as a partial repetition (smaller ones are noise).
    fn partial_floor(&self) -> f32 {
        self.settings
            .partial_min_progress
            .max(0.5 * self.required_excursion())
    }

    fn end(&mut self, end_ms: i64, events: &mut Vec<RepEvent>) {
        let Some(cur) = self.current.take() else {
            return;
        };
        let duration_s = (end_ms - cur.start_ms) as f32 / 1000.0;
        let excursion = cur.peak - cur.base;
        let seen_rise = cur.peak - cur.first_seen;
        let outcome = if cur.reached_work {
            if duration_s > self.settings.max_duration_s
                || self.dwell_s(&cur) > MAX_DWELL_SHARE * self.settings.max_duration_s
            {
                CycleOutcome::TooSlow
            } else if cur.unseen_start
                && seen_rise < UNSEEN_START_SEEN_SHARE * self.required_excursion()
            {
                CycleOutcome::Partial
            } else if duration_s < self.settings.min_duration_s && !cur.unseen_start {
                // Too quick to be a movement: a tracking glitch.
                return;
            } else {
                CycleOutcome::Full
            }
        } else if excursion >= self.partial_floor() && duration_s >= self.settings.min_duration_s {
            CycleOutcome::Partial
        } else {
            return;
        };
        if outcome != CycleOutcome::TooSlow {
            self.excursions.push(excursion);
        }
        match outcome {
            CycleOutcome::Full => self.full += 1,
            _ => self.partial += 1,
        }
        events.push(RepEvent::Ended {
            cycle: Cycle {
                start_ms: cur.start_ms,
                peak_ms: cur.peak_ms,
                end_ms,
                peak_progress: cur.peak,
                outcome,
                base_progress: cur.base,
                reached_work: cur.reached_work,
            },
        });
    }

    /// Ends the stream: a cycle still in progress is reported as unfinished (not counted).
    pub fn finish(&mut self) -> Vec<RepEvent> {
        let mut events = Vec::new();
        if let (Some(cur), Some(last)) = (self.current.take(), self.last_sample_ms) {
            if cur.reached_work || cur.peak - cur.base >= self.partial_floor() {
                self.partial += 1;
                events.push(RepEvent::Ended {
                    cycle: Cycle {
                        start_ms: cur.start_ms,
                        peak_ms: cur.peak_ms,
                        end_ms: last,
                        peak_progress: cur.peak,
                        outcome: CycleOutcome::Unfinished,
                        base_progress: cur.base,
                        reached_work: cur.reached_work,
                    },
                });
            }
        }
        self.phase = CounterPhase::Unknown;
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f32::consts::PI;

    /// Squat-like progress: rest 155, leave 145, work 115 degrees of knee angle.
    fn progress(angle: f32) -> f32 {
        (angle - 155.0) / (115.0 - 155.0)
    }

    fn counter() -> RepCounter {
        RepCounter::new(RepSettings::default(), progress(145.0))
    }

    /// Runs a trace of knee angles (None = not measured) sampled every `dt_ms`.
    fn run(trace: &[(i64, Option<f32>)]) -> (RepCounter, Vec<Cycle>) {
        let mut c = counter();
        let mut cycles = Vec::new();
        let mut collect = |events: Vec<RepEvent>| {
            for e in events {
                if let RepEvent::Ended { cycle } = e {
                    cycles.push(cycle);
                }
            }
        };
        for &(t, angle) in trace {
            collect(c.push(t, angle.map(progress)));
        }
        collect(c.finish());
        (c, cycles)
    }

    /// A squat from 170 down to `bottom` and back with the given descent/ascent/pause, at 30 fps.
    fn squat(
        start_ms: i64,
        descent_s: f32,
        pause_s: f32,
        ascent_s: f32,
        bottom: f32,
    ) -> Vec<(i64, Option<f32>)> {
        let total = descent_s + pause_s + ascent_s;
        let n = (total * 30.0) as i64;
        (0..=n)
            .map(|i| {
                let t = i as f32 / 30.0;
                let depth = if t < descent_s {
                    0.5 - 0.5 * (PI * t / descent_s).cos()
                } else if t < descent_s + pause_s {
                    1.0
                } else {
                    0.5 + 0.5 * (PI * (t - descent_s - pause_s) / ascent_s).cos()
                };
                (
                    start_ms + (t * 1000.0) as i64,
                    Some(170.0 - depth * (170.0 - bottom)),
                )
            })
            .collect()
    }

    fn standing(start_ms: i64, seconds: f32) -> Vec<(i64, Option<f32>)> {
        (0..(seconds * 30.0) as i64)
            .map(|i| (start_ms + i * 33, Some(170.0)))
            .collect()
    }

    fn full(cycles: &[Cycle]) -> usize {
        cycles
            .iter()
            .filter(|c| c.outcome == CycleOutcome::Full)
            .count()
    }

    #[test]
    fn counts_clean_repetitions_with_timing() {
        let mut trace = standing(0, 1.0);
        for k in 0..3 {
            trace.extend(squat(1000 + k * 3000, 1.2, 0.0, 1.2, 90.0));
            trace.extend(standing(3400 + k * 3000, 0.5));
        }
        let (c, cycles) = run(&trace);
        assert_eq!(c.full_reps(), 3);
        assert_eq!(full(&cycles), 3);
        let first = cycles[0];
        assert!(
            (first.peak_ms - 2200).abs() <= 40,
            "bottom at {}",
            first.peak_ms
        );
        assert!(first.start_ms >= 1000 && first.start_ms < 1600);
        assert!(first.end_ms > 2800 && first.end_ms < 3400);
    }

    #[test]
    fn jitter_at_a_threshold_does_not_double_count() {
        // Hovering around the rest, leave and work thresholds with +-4 degree noise.
        let mut trace = Vec::new();
        let mut t = 0;
        for &(level, secs) in &[
            (155.0, 2.0),
            (145.0, 2.0),
            (115.0, 2.0),
            (145.0, 2.0),
            (155.0, 2.0),
        ] {
            for i in 0..(secs * 30.0) as i64 {
                let noise = if i % 2 == 0 { 4.0 } else { -4.0 };
                trace.push((t, Some(level + noise)));
                t += 33;
            }
        }
        let (c, _) = run(&trace);
        assert_eq!(c.full_reps(), 1);
        assert_eq!(c.partial_reps(), 0);
    }

    #[test]
    fn a_partial_repetition_is_reported_not_counted() {
        let mut trace = standing(0, 1.0);
        trace.extend(squat(1000, 1.0, 0.0, 1.0, 90.0));
        trace.extend(standing(3000, 1.0));
        trace.extend(squat(4000, 1.0, 0.0, 1.0, 130.0)); // only to 130: 62% of the way
        trace.extend(standing(6000, 1.0));
        let (c, cycles) = run(&trace);
        assert_eq!(c.full_reps(), 1);
        assert_eq!(c.partial_reps(), 1);
        assert_eq!(cycles[1].outcome, CycleOutcome::Partial);
    }

    #[test]
    fn a_small_dip_is_not_a_repetition() {
        // 25 degrees down from standing: at most a partial (relative to the person's own rest,
        // it is over half the catalogue's rest-to-work range).
        let mut trace = standing(0, 1.0);
        trace.extend(squat(1000, 0.6, 0.0, 0.6, 145.0));
        trace.extend(standing(2200, 1.0));
        let (c, _) = run(&trace);
        assert_eq!(c.full_reps(), 0);
        // A tremor-sized dip is nothing at all.
        let mut trace = standing(0, 1.0);
        trace.extend(squat(1000, 0.6, 0.0, 0.6, 162.0));
        trace.extend(standing(2200, 1.0));
        let (c, _) = run(&trace);
        assert_eq!((c.full_reps(), c.partial_reps()), (0, 0));
    }

    /// Piecewise-linear knee angle through `(seconds, angle)` points, sampled at 30 fps.
    fn path(points: &[(f32, f32)]) -> Vec<(i64, Option<f32>)> {
        let end = points.last().map(|p| p.0).unwrap_or(0.0);
        (0..=(end * 30.0) as i64)
            .map(|i| {
                let t = i as f32 / 30.0;
                let k = points
                    .windows(2)
                    .find(|w| t <= w[1].0)
                    .unwrap_or(&points[points.len() - 2..]);
                let f = ((t - k[0].0) / (k[1].0 - k[0].0)).clamp(0.0, 1.0);
                ((t * 1000.0) as i64, Some(k[0].1 + f * (k[1].1 - k[0].1)))
            })
            .collect()
    }

    #[test]
    fn a_pause_mid_repetition_is_one_repetition() {
        // Down to 130, stop there for 2 s with tremor, continue to 90, stand up.
        let mut trace = path(&[
            (0.0, 170.0),
            (1.0, 170.0),
            (2.0, 130.0),
            (4.0, 130.0),
            (5.0, 90.0),
            (6.5, 170.0),
            (7.5, 170.0),
        ]);
        for (i, (_, a)) in trace.iter_mut().enumerate() {
            *a = a.map(|a| a + if i % 2 == 0 { 1.5 } else { -1.5 });
        }
        let (c, cycles) = run(&trace);
        assert_eq!(c.full_reps(), 1, "{cycles:?}");
        assert_eq!(c.partial_reps(), 0);
    }

    #[test]
    fn a_pause_at_the_bottom_is_one_repetition() {
        let trace = path(&[
            (0.0, 170.0),
            (1.0, 170.0),
            (2.0, 95.0),
            (5.0, 95.0),
            (6.0, 170.0),
            (7.0, 170.0),
        ]);
        let (c, cycles) = run(&trace);
        assert_eq!(c.full_reps(), 1);
        assert!(cycles[0].peak_ms >= 1900 && cycles[0].peak_ms <= 5100);
    }

    #[test]
    fn a_slow_seven_second_descent_counts_once() {
        // 7 s steady descent from 170 to 90 with tremor, 1.5 s up.
        let mut trace = path(&[
            (0.0, 170.0),
            (1.0, 170.0),
            (8.0, 90.0),
            (9.5, 170.0),
            (10.5, 170.0),
        ]);
        for (i, (_, a)) in trace.iter_mut().enumerate() {
            *a = a.map(|a| a + if i % 2 == 0 { 2.0 } else { -2.0 });
        }
        let (c, cycles) = run(&trace);
        assert_eq!(c.full_reps(), 1, "{cycles:?}");
        assert_eq!(c.partial_reps(), 0);
        let rep = cycles[0];
        // From leaving the rest zone (155 degrees, 1.3 s in) to the bottom.
        let eccentric = rep.peak_ms - rep.start_ms;
        assert!(eccentric > 5500, "eccentric {eccentric} ms");
        assert!(rep.end_ms - rep.peak_ms < 1500);
    }

    #[test]
    fn a_long_descent_into_a_hold_is_not_a_repetition() {
        // 12 s staged descent, 4 s hold, stand: a wall sit, not a squat.
        let mut trace = standing(0, 1.0);
        trace.extend(squat(1000, 12.0, 4.0, 1.5, 95.0));
        trace.extend(standing(18600, 1.0));
        let (c, cycles) = run(&trace);
        assert_eq!(c.full_reps(), 0);
        assert_eq!(cycles[0].outcome, CycleOutcome::TooSlow);
    }

    #[test]
    fn a_wall_sit_that_creeps_deeper_is_a_hold() {
        // Down to 125 in under a second, then 8 s sinking slowly to 60, up in half a second:
        // the peak keeps moving, yet most of the time is spent in the working half.
        let trace = path(&[
            (0.0, 170.0),
            (1.0, 170.0),
            (1.7, 125.0),
            (9.7, 60.0),
            (10.2, 170.0),
            (11.2, 170.0),
        ]);
        let (c, cycles) = run(&trace);
        assert_eq!(c.full_reps(), 0, "{cycles:?}");
        assert_eq!(cycles[0].outcome, CycleOutcome::TooSlow);
    }

    #[test]
    fn short_missing_stretches_do_not_break_a_repetition() {
        let mut trace = standing(0, 1.0);
        let mut rep = squat(1000, 1.2, 0.0, 1.2, 90.0);
        // Drop every frame for 300 ms at the bottom and around the rest crossing.
        for (t, a) in rep.iter_mut() {
            if (2000..2300).contains(t) || (2900..3100).contains(t) {
                *a = None;
            }
        }
        trace.extend(rep);
        trace.extend(standing(3400, 1.0));
        let (c, _) = run(&trace);
        assert_eq!(c.full_reps(), 1);
    }

    #[test]
    fn leaving_the_frame_mid_repetition_abandons_it() {
        let mut trace = standing(0, 1.0);
        let rep = squat(1000, 1.2, 0.0, 1.2, 90.0);
        // Gone from the bottom of the squat for 3 s, back standing.
        trace.extend(rep.iter().copied().filter(|(t, _)| *t < 2200));
        trace.extend(standing(5200, 2.0));
        trace.extend(squat(7200, 1.2, 0.0, 1.2, 90.0));
        trace.extend(standing(9600, 1.0));
        let (c, _) = run(&trace);
        assert_eq!(c.full_reps(), 1);
    }

    #[test]
    fn a_cut_with_a_timestamp_jump_back_resets() {
        let mut trace = standing(0, 1.0);
        trace.extend(squat(1000, 1.2, 0.0, 1.2, 90.0).into_iter().take(20));
        // The edit jumps back in time, the person standing again.
        trace.extend(standing(500, 1.0));
        trace.extend(squat(1500, 1.2, 0.0, 1.2, 90.0));
        trace.extend(standing(3900, 1.0));
        let (c, _) = run(&trace);
        assert_eq!(c.full_reps(), 1);
    }

    #[test]
    fn a_clip_starting_on_the_way_down_counts_it() {
        // Starts half-way down, reaches the bottom, stands up, then one more squat.
        let mut trace: Vec<_> = squat(0, 1.0, 0.0, 1.0, 90.0)
            .into_iter()
            .filter(|(t, _)| *t >= 300)
            .collect();
        trace.extend(standing(2100, 1.0));
        trace.extend(squat(3100, 1.0, 0.0, 1.0, 90.0));
        trace.extend(standing(5200, 0.5));
        let (c, _) = run(&trace);
        assert_eq!(c.full_reps(), 2);
    }

    #[test]
    fn a_clip_starting_at_the_bottom_reports_the_first_one_partial() {
        // Only the way back up of the first squat is seen: not a whole repetition.
        let mut trace: Vec<_> = squat(0, 1.0, 0.0, 1.0, 90.0)
            .into_iter()
            .filter(|(t, _)| *t >= 1000)
            .collect();
        trace.extend(standing(2100, 1.0));
        trace.extend(squat(3100, 1.0, 0.0, 1.0, 90.0));
        trace.extend(standing(5200, 0.5));
        let (c, cycles) = run(&trace);
        assert_eq!((c.full_reps(), c.partial_reps()), (1, 1), "{cycles:?}");
    }

    #[test]
    fn a_clip_ending_mid_repetition_reports_it_unfinished() {
        let mut trace = standing(0, 1.0);
        trace.extend(squat(1000, 1.0, 0.0, 1.0, 90.0));
        trace.extend(squat(3100, 1.0, 0.0, 1.0, 90.0).into_iter().take(35));
        let (c, cycles) = run(&trace);
        assert_eq!(c.full_reps(), 1);
        assert_eq!(cycles.last().unwrap().outcome, CycleOutcome::Unfinished);
    }

    #[test]
    fn variable_frame_rate_counts_the_same() {
        // Same movement sampled at irregular 20-70 ms intervals.
        let mut trace = Vec::new();
        let mut t = 0i64;
        let mut k = 0;
        while t < 10_000 {
            let cycle_t = (t % 3000) as f32 / 3000.0;
            let depth = 0.5 - 0.5 * (2.0 * PI * cycle_t).cos();
            trace.push((t, Some(170.0 - depth * 80.0)));
            k += 1;
            t += [20, 45, 70, 33][k % 4];
        }
        let (c, _) = run(&trace);
        assert_eq!(c.full_reps(), 3);
    }

    #[test]
    fn drifting_rest_posture_does_not_stretch_the_next_repetition() {
        // Stands at 178 for 5 s, settles to 165 for 5 s, then a brisk squat.
        let trace = path(&[
            (0.0, 178.0),
            (5.0, 178.0),
            (5.5, 165.0),
            (10.0, 165.0),
            (11.0, 90.0),
            (12.0, 165.0),
            (13.0, 165.0),
        ]);
        let (c, cycles) = run(&trace);
        assert_eq!(c.full_reps(), 1, "{cycles:?}");
        assert!(cycles[0].start_ms > 9000, "start {}", cycles[0].start_ms);
    }
}
