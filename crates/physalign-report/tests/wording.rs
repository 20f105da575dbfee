//! The words a person reads, from reports the real analyser produced: an empty session from the
//! analyser, filled with repetitions shaped as the analyser writes them; then the verdict, the
//! summary and the page are checked.

use physalign_analysis::report::RepDetail;
use physalign_analysis::reps::CycleOutcome;
use physalign_analysis::{Catalogue, ExerciseOverrides, FrameSize, SessionAnalyzer, SessionReport};
use physalign_report::{html, summary, verdict::verdict, AngleTrace, SessionDocument};

/// An empty squat session from the real analyser, to be filled with repetitions.
fn squat_report(target_reps: Option<u32>) -> SessionReport {
    let catalogue = Catalogue::builtin().unwrap();
    let exercise = catalogue.get("squat").unwrap();
    let overrides = ExerciseOverrides {
        target_reps,
        ..ExerciseOverrides::default()
    };
    let analyzer = SessionAnalyzer::new(exercise, &overrides, FrameSize::new(640, 480)).unwrap();
    analyzer.finish()
}

/// `report` with full repetitions of these ranges of motion, two seconds each.
fn with_reps(mut report: SessionReport, roms: &[f64]) -> SessionReport {
    let template: RepDetail = serde_json::from_value(serde_json::json!({
        "number": 1, "outcome": "full", "start_ms": 0, "peak_ms": 1000, "end_ms": 2000,
        "duration_s": 2.0, "eccentric_s": 1.0, "concentric_s": 1.0, "primary_angle": "knee",
        "min_angle": 80.0, "max_angle": 170.0, "rom": 90.0, "symmetry": null, "form_issues": []
    }))
    .expect("a repetition as the analyser writes it");
    for (i, rom) in roms.iter().enumerate() {
        let start = i as i64 * 2000;
        report.rep_details.push(RepDetail {
            number: Some(i as u32 + 1),
            start_ms: start,
            peak_ms: start + 1000,
            end_ms: start + 2000,
            rom: Some(*rom),
            min_angle: Some(170.0 - rom),
            ..template.clone()
        });
    }
    report.reps = roms.len() as u32;
    report.duration_s = roms.len() as f64 * 2.0;
    // The empty session was flagged as not measured; these repetitions were.
    report.reliability = None;
    report
}

fn document(report: SessionReport, angle: AngleTrace) -> SessionDocument {
    SessionDocument {
        report,
        session_id: None,
        source: "a&b.mp4".into(),
        recorded_at: None,
        angle,
        skeleton: None,
    }
}

#[test]
fn nothing_counted_says_what_to_check() {
    let line = verdict(&squat_report(Some(10)));
    assert!(line.contains("check"), "{line}");
}

#[test]
fn count_against_target_and_steady_range() {
    let line = verdict(&with_reps(squat_report(Some(10)), &[88.0, 90.0, 92.0]));
    assert_eq!(
        line,
        "3 of 10 repetitions (7 to go); range of motion steady (88–92°); no form issues."
    );
    let done = verdict(&with_reps(squat_report(Some(3)), &[88.0, 90.0, 92.0]));
    assert!(done.starts_with("All 3 repetitions done"), "{done}");
}

#[test]
fn a_range_that_shrinks_is_called_out() {
    let line = verdict(&with_reps(squat_report(None), &[95.0, 80.0, 60.0, 45.0]));
    assert!(
        line.contains("varied from 45° to 95°, smaller towards the end"),
        "{line}"
    );
}

#[test]
fn partial_repetitions_are_reported_not_counted() {
    let mut report = with_reps(squat_report(None), &[90.0, 90.0]);
    report.partial_reps = 1;
    report.rep_details[1].outcome = CycleOutcome::Partial;
    report.rep_details[1].number = None;
    report.reps = 1;
    let text = summary::render(&document(report, AngleTrace::default()));
    assert!(text.contains("repetitions: 1\n"), "{text}");
    assert!(text.contains("partial, not counted: 1"), "{text}");
    assert!(
        text.contains("1 full repetition, 1 partial not counted"),
        "{text}"
    );
}

#[test]
fn the_page_escapes_what_it_shows_and_breaks_the_line_at_gaps() {
    let mut report = with_reps(squat_report(None), &[90.0]);
    report.exercise_name = "<script>alert(1)</script>".into();
    let page = html::render(&document(
        report,
        AngleTrace {
            name: Some("knee".into()),
            t_s: vec![0.0, 1.0, 2.0],
            degrees: vec![Some(170.0), None, Some(80.0)],
        },
    ));
    assert!(!page.contains("<script>"));
    assert!(page.contains("&lt;script&gt;"));
    assert!(page.contains("a&amp;b.mp4"));
    // A gap in the measurement is a gap in the line: two separate moves, no line across it.
    let path = page.split("class=\"angle\" d=\"").nth(1).unwrap();
    let d = &path[..path.find('"').unwrap()];
    assert_eq!(d.matches('M').count(), 2, "{d}");
    assert!(!d.contains('L'), "{d}");
}

#[test]
fn an_unreliable_measurement_says_so_and_why() {
    let mut report = with_reps(squat_report(None), &[90.0, 92.0]);
    report.reliability = Some(
        serde_json::from_value(serde_json::json!({
            "level": "unreliable", "reasons": ["view_not_suited", "joints_out_of_view"],
            "view": "side", "measured_share": 0.4, "confidence": 0.3
        }))
        .expect("a reliability flag as the analyser writes it"),
    );
    report.rep_details[1].confidence = Some(0.3);
    let line = verdict(&report);
    assert!(line.starts_with("A rough guide only"), "{line}");
    let text = summary::render(&document(report, AngleTrace::default()));
    assert!(
        text.contains("measurement NOT reliable (the camera view does not suit this exercise; the joints were out of view much of the time), camera view: side"),
        "{text}"
    );
    let uncertain: Vec<&str> = text.lines().filter(|l| l.ends_with("uncertain")).collect();
    assert_eq!(uncertain.len(), 1, "{text}");
}

#[test]
fn sides_are_reported_for_per_side_exercises() {
    let mut report = with_reps(squat_report(None), &[40.0, 42.0]);
    report.reps_by_side = Some(
        serde_json::from_value(serde_json::json!({"left": 1, "right": 1})).expect("side counts"),
    );
    let text = summary::render(&document(report, AngleTrace::default()));
    assert!(text.contains("sides: left 1, right 1"), "{text}");
}
