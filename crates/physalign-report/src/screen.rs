//! What the desktop summary screen shows about how a session was measured: the trust verdict in
//! words ("Side view — knee angles reliable"), the framing advice for next time, the side that
//! moved and the per-side counts, a functional test's score, and the repetition table with each
//! repetition's confidence. The window only lays these out: every word and every verdict is
//! decided here, from the engine's session report.

use crate::escape::capitalise;
use crate::measurement::{self, UNCERTAIN_BELOW};
use crate::svg_chart::outcome_word;
use physalign_analysis::exercise::CameraView;
use physalign_analysis::metric::Side;
use physalign_analysis::reliability::{BodyPart, FramingCue, ReliabilityLevel, ReliabilityReason};
use physalign_analysis::report::SideCounts;
use physalign_analysis::reps::CycleOutcome;
use physalign_analysis::side::ActiveSides;
use physalign_analysis::view::DetectedView;
use physalign_analysis::SessionReport;
use serde::Serialize;

/// The screen's verdict on the measurement, one per [`ReliabilityLevel`]: a type of its own so
/// that the window's styling follows the engine's verdict without reading the engine's enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TrustVerdict {
    /// The numbers can be taken as measured.
    Reliable,
    /// Usable, with the reasons given.
    LessReliable,
    /// A rough guide only.
    RoughGuide,
}

impl From<ReliabilityLevel> for TrustVerdict {
    fn from(level: ReliabilityLevel) -> Self {
        match level {
            ReliabilityLevel::Good => Self::Reliable,
            ReliabilityLevel::Limited => Self::LessReliable,
            ReliabilityLevel::Unreliable => Self::RoughGuide,
        }
    }
}

/// How far the session's measurement can be trusted, in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TrustView {
    /// The verdict.
    pub verdict: TrustVerdict,
    /// The camera view most of the session was filmed from.
    pub view: DetectedView,
    /// One line: "Side view — knee angles reliable", "Measured from the front: knee angle less
    /// reliable".
    pub headline: String,
    /// Why the measurement is less than reliable, one sentence per reason (empty when reliable).
    pub reasons: Vec<String>,
    /// What to change about the camera next time, when the framing was the trouble.
    pub framing_warning: Option<String>,
}

/// Which side moved, and the counts per side for exercises counted per side.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SidesView {
    /// The side(s) that did the movement over most of the session.
    pub active: ActiveSides,
    /// Full repetitions per side, for exercises that alternate or are counted per side.
    pub counts: Option<SideCounts>,
    /// One line: "Left 3 · right 3", "The left side moved".
    pub text: String,
}

/// One row of the repetition table.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RepetitionRow {
    /// "1", "2"… for counted repetitions; "partial", "too slow", "unfinished" otherwise.
    pub label: String,
    /// Whether it was counted.
    pub counted: bool,
    /// Full, partial, too slow or unfinished.
    pub outcome: CycleOutcome,
    /// Start, seconds from the start of the recording.
    pub start_s: f64,
    /// End, seconds from the start of the recording.
    pub end_s: f64,
    /// Range of motion of the followed angle, degrees.
    pub rom: Option<f64>,
    /// "Left" or "Right" when one side did it.
    pub side: Option<String>,
    /// The engine's confidence in the measurement, 0..1.
    pub confidence: Option<f64>,
    /// The confidence as shown: "92%", "41% (uncertain)", "–".
    pub confidence_text: String,
    /// Measured with too little confidence to be relied on.
    pub uncertain: bool,
}

/// Everything the summary screen shows about how a session was measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MeasurementView {
    /// The trust verdict; `None` for a report from before the engine flagged reliability.
    pub trust: Option<TrustView>,
    /// The moving side and the per-side counts; `None` when both sides moved together.
    pub sides: Option<SidesView>,
    /// A functional test's score ("12 full stands in 30 s"), when the exercise is one.
    pub functional_test: Option<String>,
    /// Every cycle in order, counted or not.
    pub repetitions: Vec<RepetitionRow>,
}

/// The measurement view of `report`. `camera` is the view the exercise asks for (the
/// catalogue's), used to say where to put the camera when the view did not suit; `None` when
/// the exercise is no longer in the catalogue.
pub fn measurement_view(report: &SessionReport, camera: Option<CameraView>) -> MeasurementView {
    MeasurementView {
        trust: trust_view(report, camera),
        sides: sides_view(report),
        functional_test: measurement::functional_test(report).map(|s| capitalise(&s)),
        repetitions: report
            .rep_details
            .iter()
            .map(|rep| RepetitionRow {
                label: rep
                    .number
                    .map_or_else(|| outcome_word(rep.outcome).to_string(), |n| n.to_string()),
                counted: rep.number.is_some(),
                outcome: rep.outcome,
                start_s: rep.start_ms as f64 / 1000.0,
                end_s: rep.end_ms as f64 / 1000.0,
                rom: rep.rom,
                side: rep.side.map(|s| side_word(s).to_string()),
                confidence: rep.confidence,
                confidence_text: measurement::confidence_text(rep.confidence),
                uncertain: rep.confidence.is_some_and(|c| c < UNCERTAIN_BELOW),
            })
            .collect(),
    }
}

fn side_word(side: Side) -> &'static str {
    match side {
        Side::Left => "Left",
        Side::Right => "Right",
    }
}

/// The angle the counter followed, in words ("knee", "shoulder abduction").
fn angle_name(report: &SessionReport) -> Option<String> {
    report
        .rep_details
        .first()
        .map(|r| r.primary_angle.clone())
        .or_else(|| report.angle_sources.keys().next().cloned())
        .map(|a| {
            // `knee_left` and `knee` are the same joint to a patient.
            a.trim_end_matches("_left")
                .trim_end_matches("_right")
                .replace('_', " ")
        })
}

fn trust_view(report: &SessionReport, camera: Option<CameraView>) -> Option<TrustView> {
    let reliability = report.reliability.as_ref()?;
    let verdict = TrustVerdict::from(reliability.level);
    let angle = angle_name(report);
    let what = |plural: bool| match &angle {
        Some(a) if plural => format!("{a} angles"),
        Some(a) => format!("{a} angle"),
        None if plural => "angles".to_string(),
        None => "measurement".to_string(),
    };
    let view = reliability.view;
    let headline = match verdict {
        TrustVerdict::Reliable => match view {
            DetectedView::Unknown => capitalise(&format!("{} reliable", what(true))),
            v => format!("{} view — {} reliable", capitalise(v.as_str()), what(true)),
        },
        TrustVerdict::LessReliable => {
            format!("{}: {} less reliable", measured_from(view), what(false))
        }
        TrustVerdict::RoughGuide => format!(
            "{}: {} not reliable, a rough guide only",
            measured_from(view),
            what(false)
        ),
    };
    let reasons = reliability
        .reasons
        .iter()
        .map(|r| format!("{}.", capitalise(measurement::reason(*r))))
        .collect();
    Some(TrustView {
        verdict,
        view,
        headline,
        reasons,
        framing_warning: framing_warning(&reliability.reasons, angle.as_deref(), camera),
    })
}

/// "Measured from the front", "Measured from behind"…
fn measured_from(view: DetectedView) -> &'static str {
    match view {
        DetectedView::Front => "Measured from the front",
        DetectedView::Back => "Measured from behind",
        DetectedView::Side => "Measured from the side",
        DetectedView::Oblique => "Measured at an angle",
        DetectedView::Unknown => "Camera view unclear",
    }
}

/// The live view's framing cue, as advice for the next session. A view that does not suit the
/// exercise comes first: moving the camera also fixes the joints hidden by the wrong view.
fn framing_warning(
    reasons: &[ReliabilityReason],
    angle: Option<&str>,
    camera: Option<CameraView>,
) -> Option<String> {
    let cue = if reasons.contains(&ReliabilityReason::ViewNotSuited) {
        match camera {
            Some(CameraView::Side) => Some(FramingCue::TurnTo(DetectedView::Side)),
            Some(CameraView::Front) => Some(FramingCue::TurnTo(DetectedView::Front)),
            // "Any" view suits: the flag came from a signal's own views, and the body part
            // advice below is the one that helps.
            Some(CameraView::Any) | None => None,
        }
    } else {
        None
    };
    let cue = cue.or_else(|| {
        (reasons.contains(&ReliabilityReason::JointsOutOfView)
            || reasons.contains(&ReliabilityReason::LowVisibility))
        .then(|| {
            angle.map_or(FramingCue::StepIntoView, |a| {
                FramingCue::for_part(BodyPart::of_metric(&a.replace(' ', "_")))
            })
        })
    })?;
    Some(format!("Next time: {}.", lower_first(cue.message())))
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn sides_view(report: &SessionReport) -> Option<SidesView> {
    if let Some(counts) = report.reps_by_side {
        return Some(SidesView {
            active: report.active_side,
            counts: Some(counts),
            text: format!("Left {} · right {}", counts.left, counts.right),
        });
    }
    let text = match report.active_side {
        ActiveSides::Both => return None,
        ActiveSides::Left => "The left side moved",
        ActiveSides::Right => "The right side moved",
    };
    Some(SidesView {
        active: report.active_side,
        counts: None,
        text: text.into(),
    })
}
