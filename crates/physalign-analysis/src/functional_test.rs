//! Timed functional tests scored from the counted cycles: the 30-second chair stand (count in a
//! window), the five-times sit-to-stand (time to a count), Timed Up and Go (time from rising to
//! sitting back down) and gait cadence (steps per minute).

use crate::report::{round1, round2, RepDetail};
use crate::reps::CycleOutcome;
use serde::{Deserialize, Serialize};

/// Which test an exercise scores, with its parameters (the catalogue's `[test]` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FunctionalTest {
    /// Full repetitions completed within `window_s` of the first movement (30 s chair stand).
    CountInWindow {
        /// The window, seconds.
        window_s: f32,
    },
    /// Time from the first movement to the end of the `count`-th full repetition (five-times
    /// sit-to-stand).
    TimeToCount {
        /// Repetitions to time.
        count: u32,
    },
    /// Time from the start of rising to sitting back down, the first cycle (Timed Up and Go).
    TimeToReturn,
    /// Steps per minute while walking: every cycle of the signal is a step (gait cadence).
    Cadence,
}

impl FunctionalTest {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Self::CountInWindow { window_s } if window_s.is_nan() || *window_s <= 0.0 => {
                Err("test: window_s must be > 0".into())
            }
            Self::TimeToCount { count: 0 } => Err("test: count must be > 0".into()),
            _ => Ok(()),
        }
    }

    /// Scores the test from the session's cycles (in time order) and its last frame time.
    pub fn score(&self, reps: &[RepDetail], last_ms: i64) -> FunctionalTestResult {
        let first_start = reps.first().map(|r| r.start_ms);
        let full: Vec<&RepDetail> = reps
            .iter()
            .filter(|r| r.outcome == CycleOutcome::Full)
            .collect();
        let seconds = |a: i64, b: i64| round2((b - a).max(0) as f64 / 1000.0);
        let mut result = FunctionalTestResult {
            test: self.clone(),
            count: None,
            seconds: None,
            steps_per_minute: None,
            start_ms: first_start,
            end_ms: None,
            completed: false,
        };
        let Some(start) = first_start else {
            return result;
        };
        match self {
            Self::CountInWindow { window_s } => {
                let end = start + (*window_s * 1000.0) as i64;
                result.count = Some(full.iter().filter(|r| r.end_ms <= end).count() as u32);
                result.end_ms = Some(end);
                result.completed = last_ms >= end;
            }
            Self::TimeToCount { count } => {
                if let Some(r) = full.get(*count as usize - 1) {
                    result.seconds = Some(seconds(start, r.end_ms));
                    result.end_ms = Some(r.end_ms);
                    result.completed = true;
                }
                result.count = Some(full.len().min(*count as usize) as u32);
            }
            Self::TimeToReturn => {
                // A long test is still one cycle: "too slow" is no fault here.
                if let Some(r) = reps
                    .first()
                    .filter(|r| matches!(r.outcome, CycleOutcome::Full | CycleOutcome::TooSlow))
                {
                    result.seconds = Some(seconds(start, r.end_ms));
                    result.end_ms = Some(r.end_ms);
                    result.completed = true;
                }
            }
            Self::Cadence => {
                let steps = full.len() as u32;
                result.count = Some(steps);
                if let (Some(a), Some(b)) = (full.first(), full.last()) {
                    let span_s = (b.end_ms - a.start_ms) as f64 / 1000.0;
                    if span_s > 0.0 {
                        result.steps_per_minute = Some(round1(steps as f64 * 60.0 / span_s));
                        result.end_ms = Some(b.end_ms);
                        result.completed = steps >= 2;
                    }
                }
            }
        }
        result
    }
}

/// The score of a functional test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionalTestResult {
    /// The test and its parameters.
    pub test: FunctionalTest,
    /// Repetitions (or steps) counted, where the test counts.
    pub count: Option<u32>,
    /// Time taken, seconds, where the test is timed and was completed.
    pub seconds: Option<f64>,
    /// Cadence, for gait.
    pub steps_per_minute: Option<f64>,
    /// When the test started (the first movement), ms.
    pub start_ms: Option<i64>,
    /// When it ended, ms.
    pub end_ms: Option<i64>,
    /// Whether the recording covers the whole test (a clip ending early leaves it incomplete).
    pub completed: bool,
}
