//! The summary screen's measurement facts survive the store: a session analysed from a recorded
//! landmark track (the analysis crate's fixture of mini squats against a wall, filmed side-on;
//! and a standing hip abduction, alternating legs, filmed from the front) is completed into a
//! real SQLite file, read back through the history's read path, and the summary built from the
//! stored report carries the engine's reliability flag, the sides and each repetition's
//! confidence, typed.

use chrono::Utc;
use physalign_analysis::report::SideCounts;
use physalign_analysis::{
    read_track, Catalogue, DetectedView, ExerciseOverrides, FrameSize, SessionAnalyzer,
    SessionReport,
};
use physalign_desktop::commands::history::SessionSummary;
use physalign_recorder::completion_from_report;
use physalign_recorder::history::session_view;
use physalign_report::screen::TrustVerdict;
use physalign_store::{NewSession, Store};
use std::path::Path;
use uuid::Uuid;

fn analysed(exercise: &str, fixture: &str) -> SessionReport {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/physalign-analysis/tests/fixtures")
        .join(fixture);
    let frames = read_track(&path).expect("the recorded track");
    let catalogue = Catalogue::builtin().expect("the catalogue");
    let mut analyzer = SessionAnalyzer::new(
        catalogue.get(exercise).expect("a catalogue exercise"),
        &ExerciseOverrides::default(),
        FrameSize::new(1280, 720),
    )
    .expect("an analyser");
    for frame in &frames {
        analyzer.push(frame);
    }
    analyzer.finish()
}

/// Stores `report` as a completed session and reads its summary back.
fn stored_summary(report: &SessionReport) -> SessionSummary {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Store::open(&dir.path().join("physalign.sqlite")).expect("the store");
    let id = store
        .create_session(&NewSession {
            id: Uuid::new_v4(),
            patient_id: None,
            exercise_id: report.exercise_id.clone(),
            source: "recorded track".into(),
            started_at: Utc::now(),
        })
        .expect("a new session");
    let completion = completion_from_report(report).expect("a completion record");
    store
        .complete_session(id, &completion)
        .expect("the completed session");
    let view = session_view(&store, id)
        .expect("the history's read path")
        .expect("the stored session");
    SessionSummary::new(view, &Catalogue::builtin().expect("the catalogue"))
}

#[test]
fn reliability_and_confidence_are_read_back_from_the_stored_session() {
    let report = analysed("mini_squat", "mini_squat_side.jsonl");
    assert_eq!(report.reps, 4, "{:?}", report.rep_details);
    let summary = stored_summary(&report);
    let measurement = summary.measurement.expect("the stored report is read");

    let trust = measurement.trust.expect("the reliability flag was stored");
    assert_eq!(trust.verdict, TrustVerdict::Reliable, "{trust:?}");
    assert_eq!(trust.view, DetectedView::Side);
    assert_eq!(trust.headline, "Side view — knee angles reliable");
    assert!(trust.reasons.is_empty() && trust.framing_warning.is_none());

    // Four counted and the fifth cut off by the end, each with the confidence the engine gave.
    let counted: Vec<_> = measurement
        .repetitions
        .iter()
        .filter(|r| r.counted)
        .collect();
    assert_eq!(counted.len(), 4);
    assert_eq!(measurement.repetitions.len(), 5);
    for (row, rep) in measurement.repetitions.iter().zip(&report.rep_details) {
        assert_eq!(row.confidence, rep.confidence, "{row:?}");
    }
    for row in &counted {
        let c = row.confidence.expect("a confidence per repetition");
        assert!(c > 0.5 && !row.uncertain, "{row:?}");
        assert!(row.confidence_text.ends_with('%'), "{row:?}");
    }
    assert_eq!(measurement.repetitions[4].label, "unfinished");
    assert!(measurement.sides.is_none(), "both legs squat together");
}

#[test]
fn the_sides_of_an_alternating_exercise_are_read_back() {
    let report = analysed("hip_abduction", "hip_abduction_front.jsonl");
    let measurement = stored_summary(&report)
        .measurement
        .expect("the stored report is read");
    let sides = measurement.sides.expect("counted per side");
    assert_eq!(sides.counts, Some(SideCounts { left: 3, right: 3 }));
    assert_eq!(sides.text, "Left 3 · right 3");
    assert_eq!(sides.active, report.active_side);
    let by_side = |side: &str| {
        measurement
            .repetitions
            .iter()
            .filter(|r| r.counted && r.side.as_deref() == Some(side))
            .count()
    };
    assert_eq!((by_side("Left"), by_side("Right")), (3, 3));
}
