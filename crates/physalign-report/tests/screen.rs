//! The summary screen's words on how a session was measured: the trust verdict for each
//! reliability level, the framing advice, the sides and the per-repetition confidence, from
//! reports the real analyser produced (a recorded track of mini squats filmed side-on, and one of
//! a standing hip abduction filmed from the front, alternating legs), with the engine's flag
//! edited to make each case.

use physalign_analysis::exercise::CameraView;
use physalign_analysis::reliability::Reliability;
use physalign_analysis::side::ActiveSides;
use physalign_analysis::{
    read_track, Catalogue, DetectedView, ExerciseOverrides, FrameSize, SessionAnalyzer,
    SessionReport,
};
use physalign_report::screen::{measurement_view, TrustVerdict};
use std::path::Path;

fn analysed(exercise: &str, fixture: &str) -> SessionReport {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../physalign-analysis/tests/fixtures")
        .join(fixture);
    let catalogue = Catalogue::builtin().expect("the catalogue");
    let mut analyzer = SessionAnalyzer::new(
        catalogue.get(exercise).expect("a catalogue exercise"),
        &ExerciseOverrides::default(),
        FrameSize::new(1280, 720),
    )
    .expect("an analyser");
    for frame in read_track(&path).expect("the recorded track") {
        analyzer.push(&frame);
    }
    analyzer.finish()
}

fn flag(json: serde_json::Value) -> Option<Reliability> {
    Some(serde_json::from_value(json).expect("a reliability flag as the analyser writes it"))
}

#[test]
fn a_side_on_session_measured_well_is_called_reliable() {
    let report = analysed("mini_squat", "mini_squat_side.jsonl");
    let view = measurement_view(&report, Some(CameraView::Side));
    let trust = view.trust.expect("the engine flags every session");
    assert_eq!(trust.verdict, TrustVerdict::Reliable);
    assert_eq!(trust.view, DetectedView::Side);
    assert_eq!(trust.headline, "Side view — knee angles reliable");
    assert!(trust.reasons.is_empty());
    assert_eq!(trust.framing_warning, None);
    assert!(view.sides.is_none());
    assert!(view.functional_test.is_none());
    assert_eq!(view.repetitions.len(), report.rep_details.len());
    let first = &view.repetitions[0];
    assert_eq!(first.label, "1");
    assert!(first.counted && !first.uncertain, "{first:?}");
    let percent = (first.confidence.expect("rated") * 100.0).round();
    assert_eq!(first.confidence_text, format!("{percent:.0}%"));
}

#[test]
fn a_view_that_does_not_suit_says_where_to_put_the_camera() {
    let mut report = analysed("mini_squat", "mini_squat_side.jsonl");
    report.reliability = flag(serde_json::json!({
        "level": "limited", "reasons": ["view_not_suited"], "view": "front",
        "measured_share": 0.95, "confidence": 0.6
    }));
    let trust = measurement_view(&report, Some(CameraView::Side))
        .trust
        .expect("flagged");
    assert_eq!(trust.verdict, TrustVerdict::LessReliable);
    assert_eq!(
        trust.headline,
        "Measured from the front: knee angle less reliable"
    );
    assert_eq!(
        trust.reasons,
        vec!["The camera view does not suit this exercise.".to_string()]
    );
    assert_eq!(
        trust.framing_warning.as_deref(),
        Some("Next time: turn side-on to the camera.")
    );
}

#[test]
fn joints_out_of_view_ask_for_the_body_part_and_make_a_rough_guide() {
    let mut report = analysed("mini_squat", "mini_squat_side.jsonl");
    report.reliability = flag(serde_json::json!({
        "level": "unreliable", "reasons": ["joints_out_of_view", "low_visibility"],
        "view": "side", "measured_share": 0.3, "confidence": 0.25
    }));
    report.rep_details[1].confidence = Some(0.3);
    let view = measurement_view(&report, Some(CameraView::Side));
    let trust = view.trust.expect("flagged");
    assert_eq!(trust.verdict, TrustVerdict::RoughGuide);
    assert_eq!(
        trust.headline,
        "Measured from the side: knee angle not reliable, a rough guide only"
    );
    assert_eq!(trust.reasons.len(), 2);
    assert_eq!(
        trust.framing_warning.as_deref(),
        Some("Next time: move so your whole leg is visible, feet included.")
    );
    let second = &view.repetitions[1];
    assert!(second.uncertain, "{second:?}");
    assert_eq!(second.confidence_text, "30% (uncertain)");
}

#[test]
fn alternating_legs_show_the_counts_per_side_and_each_repetitions_side() {
    let report = analysed("hip_abduction", "hip_abduction_front.jsonl");
    let view = measurement_view(&report, Some(CameraView::Front));
    let sides = view.sides.expect("counted per side");
    assert_eq!(sides.text, "Left 3 · right 3");
    let counted: Vec<&str> = view
        .repetitions
        .iter()
        .filter(|r| r.counted)
        .filter_map(|r| r.side.as_deref())
        .collect();
    assert_eq!(counted.len(), 6, "{:?}", view.repetitions);
    assert_eq!(counted.iter().filter(|s| **s == "Left").count(), 3);
    let last = view.repetitions.last().expect("a last cycle");
    assert_eq!(last.label, "unfinished");
    assert!(!last.counted);
}

#[test]
fn one_side_moving_is_named() {
    let mut report = analysed("mini_squat", "mini_squat_side.jsonl");
    report.active_side = ActiveSides::Right;
    let sides = measurement_view(&report, None).sides.expect("one side");
    assert_eq!(sides.text, "The right side moved");
    assert_eq!(sides.counts, None);
}
