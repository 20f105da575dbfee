//! How far the measurement can be trusted, which side moved, and a functional test's score, in
//! words: the engine flags them, this module says them.

use physalign_analysis::functional_test::{FunctionalTest, FunctionalTestResult};
use physalign_analysis::reliability::{ReliabilityLevel, ReliabilityReason};
use physalign_analysis::side::ActiveSides;
use physalign_analysis::SessionReport;

/// Repetitions measured with less confidence than this are marked as uncertain.
pub const UNCERTAIN_BELOW: f64 = 0.5;

/// "measured from the front", with the reasons when the measurement is less than good.
pub fn trust(report: &SessionReport) -> Option<String> {
    let reliability = report.reliability.as_ref()?;
    let view = reliability.view.as_str();
    let reasons: Vec<&str> = reliability.reasons.iter().map(|r| reason(*r)).collect();
    Some(match reliability.level {
        ReliabilityLevel::Good => format!("measured reliably, camera view: {view}"),
        ReliabilityLevel::Limited => format!(
            "measurement limited ({}), camera view: {view}",
            reasons.join("; ")
        ),
        ReliabilityLevel::Unreliable => format!(
            "measurement NOT reliable ({}), camera view: {view}: take the numbers as a rough guide",
            reasons.join("; ")
        ),
    })
}

/// Whether the numbers should be read as a rough guide only.
pub fn unreliable(report: &SessionReport) -> bool {
    report
        .reliability
        .as_ref()
        .is_some_and(|r| r.level == ReliabilityLevel::Unreliable)
}

/// A reason in words, lower case, no full stop.
pub(crate) fn reason(reason: ReliabilityReason) -> &'static str {
    match reason {
        ReliabilityReason::ViewNotSuited => "the camera view does not suit this exercise",
        ReliabilityReason::JointsOutOfView => "the joints were out of view much of the time",
        ReliabilityReason::LowVisibility => "the joints were hard to see",
        ReliabilityReason::Jitter => "the tracking was unsteady",
    }
}

/// A repetition's confidence as shown: "92%", "41% (uncertain)" below [`UNCERTAIN_BELOW`], or
/// "–" when the engine did not rate it.
pub fn confidence_text(confidence: Option<f64>) -> String {
    match confidence {
        None => "–".to_string(),
        Some(c) if c < UNCERTAIN_BELOW => format!("{:.0}% (uncertain)", c * 100.0),
        Some(c) => format!("{:.0}%", c * 100.0),
    }
}

/// "left 3, right 3" for exercises counted per side; the moving side for one-sided movements.
pub fn sides(report: &SessionReport) -> Option<String> {
    if let Some(counts) = &report.reps_by_side {
        return Some(format!("left {}, right {}", counts.left, counts.right));
    }
    match report.active_side {
        ActiveSides::Both => None,
        ActiveSides::Left => Some("the left side moved".into()),
        ActiveSides::Right => Some("the right side moved".into()),
    }
}

/// The score of a functional test (30-second chair stand, five-times sit-to-stand, Timed Up
/// and Go, gait cadence), or `None` when the exercise is not one.
pub fn functional_test(report: &SessionReport) -> Option<String> {
    let result: &FunctionalTestResult = report.functional_test.as_ref()?;
    let incomplete = if result.completed {
        ""
    } else {
        " (the recording does not cover the whole test)"
    };
    let score = match result.test {
        FunctionalTest::CountInWindow { window_s } => format!(
            "{} full stands in {window_s:.0} s",
            result.count.unwrap_or(0)
        ),
        FunctionalTest::TimeToCount { count } => match result.seconds {
            Some(s) => format!("{count} stands in {s:.1} s"),
            None => format!("fewer than {count} stands recorded"),
        },
        FunctionalTest::TimeToReturn => match result.seconds {
            Some(s) => format!("up, walk and back down in {s:.1} s"),
            None => "not back in the chair by the end of the recording".into(),
        },
        FunctionalTest::Cadence => match result.steps_per_minute {
            Some(c) => format!("{c:.0} steps per minute"),
            None => "too few steps to measure a cadence".into(),
        },
    };
    Some(format!("{score}{incomplete}"))
}
