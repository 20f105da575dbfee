//! The failure classes of issue 14 on recorded landmark tracks, edited to make each case: a
//! side that stops moving, a cut, a gap, an early end, a title card, hidden legs.
//!
//! Fixtures (`tests/fixtures/*.jsonl`, from `physalign track --json-lines` of two evaluation
//! clips, every 2nd or 4th frame, coordinates to 3 decimals):
//! - `hip_abduction_front.jsonl`: standing hip abduction, alternating legs, front view, 12 fps;
//!   hand count 3 left + 3 right and a partial raise cut off by the end.
//! - `mini_squat_side.jsonl`: mini squats against a wall, side view, 6 fps; hand count 4 and a
//!   fifth cut off by the end while rising.
//! - `step_up_side.jsonl`: a step tap with the left foot, side view, 15 fps; hand count 1 and 2
//!   partials (the foot already on the step at the start, lifting again at the end).

use physalign_analysis::metric::Side;
use physalign_analysis::reliability::FramingCue;
use physalign_analysis::report::SessionReport;
use physalign_analysis::reps::CycleOutcome;
use physalign_analysis::side::ActiveSides;
use physalign_analysis::{read_track, Catalogue, ExerciseOverrides, FrameSize, SessionAnalyzer};
use physalign_domain::{LandmarkType as L, PoseFrame};
use std::path::Path;

const SIZE: FrameSize = FrameSize::new(1280, 720);

fn fixture(name: &str) -> Vec<PoseFrame> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    read_track(&path).unwrap()
}

fn analyse(exercise: &str, frames: &[PoseFrame]) -> SessionReport {
    let catalogue = Catalogue::builtin().unwrap();
    let mut a = SessionAnalyzer::new(
        catalogue.get(exercise).unwrap(),
        &ExerciseOverrides::default(),
        SIZE,
    )
    .unwrap();
    for f in frames {
        a.push(f);
    }
    a.finish()
}

#[test]
fn alternating_legs_are_counted_per_side() {
    let report = analyse("hip_abduction", &fixture("hip_abduction_front.jsonl"));
    let sides = report.reps_by_side.unwrap();
    assert_eq!(
        (sides.left, sides.right),
        (3, 3),
        "{:?}",
        report.rep_details
    );
    assert_eq!(report.reps, 6);
    let last = report.rep_details.last().unwrap();
    assert_eq!(last.outcome, CycleOutcome::Unfinished);
    assert_eq!(last.side, Some(Side::Left));
}

#[test]
fn one_leg_works_and_the_other_rests() {
    // A step tap with the left foot; the right leg stands. Counted per side, and with the sides
    // combined the resting leg does not dilute the working one.
    let frames = fixture("step_up_side.jsonl");
    let report = analyse("step_up", &frames);
    let sides = report.reps_by_side.unwrap();
    assert_eq!(
        (sides.left, sides.right),
        (1, 0),
        "{:?}",
        report.rep_details
    );
    // The foot already on the step at the start and lifting again at the end: partials.
    assert_eq!(report.partial_reps, 2);

    let combined = analyse("mini_squat", &frames);
    assert_eq!(combined.reps, 1, "{:?}", combined.rep_details);
    assert_eq!(combined.active_side, ActiveSides::Left);
    let rep = combined
        .rep_details
        .iter()
        .find(|r| r.number == Some(1))
        .unwrap();
    assert_eq!(rep.side, Some(Side::Left));
    assert!(rep.rom.unwrap() > 60.0, "{rep:?}");
}

#[test]
fn the_recorded_mini_squats_count_with_a_partial_at_the_end() {
    let report = analyse("mini_squat", &fixture("mini_squat_side.jsonl"));
    assert_eq!(report.reps, 4, "{:?}", report.rep_details);
    assert_eq!(
        report.rep_details.last().map(|r| r.outcome),
        Some(CycleOutcome::Unfinished)
    );
    for rep in report.rep_details.iter().filter(|r| r.number.is_some()) {
        let c = rep.confidence.unwrap();
        assert!(c > 0.5 && c <= 1.0, "{rep:?}");
    }
    let reliability = report.reliability.unwrap();
    assert!(reliability.reasons.is_empty(), "{reliability:?}");
}

#[test]
fn a_clip_ending_mid_repetition_reports_it_partial() {
    // Cut at 12 s, at the bottom of the third squat.
    let frames: Vec<PoseFrame> = fixture("mini_squat_side.jsonl")
        .into_iter()
        .filter(|f| f.timestamp_ms <= 12_000)
        .collect();
    let report = analyse("mini_squat", &frames);
    assert_eq!(report.reps, 2, "{:?}", report.rep_details);
    assert_eq!(
        report.rep_details.last().map(|r| r.outcome),
        Some(CycleOutcome::Unfinished)
    );
}

#[test]
fn nothing_is_counted_across_a_gap() {
    // The person leaves the frame for 2 s at the bottom of the second squat.
    let frames: Vec<PoseFrame> = fixture("mini_squat_side.jsonl")
        .into_iter()
        .map(|mut f| {
            if (6_000..8_000).contains(&f.timestamp_ms) {
                f.landmarks.clear();
                f.world_landmarks.clear();
            }
            f
        })
        .collect();
    let report = analyse("mini_squat", &frames);
    assert_eq!(report.reps, 3, "{:?}", report.rep_details);
    for rep in report.rep_details.iter().filter(|r| r.number.is_some()) {
        assert!(
            rep.end_ms < 6_000 || rep.start_ms >= 8_000,
            "a repetition spans the gap: {rep:?}"
        );
    }
}

#[test]
fn nothing_is_counted_across_a_cut() {
    // At 7 s (the bottom of the second squat) the video cuts to another shot: the same person
    // filmed closer and further left, starting again from the beginning of the recording.
    let original = fixture("mini_squat_side.jsonl");
    let cut_ms = 7_000;
    let second_shot: Vec<PoseFrame> = original
        .iter()
        .filter(|f| f.timestamp_ms < 14_000)
        .map(|f| {
            let mut f = f.clone();
            f.timestamp_ms += cut_ms;
            for lm in f.landmarks.iter_mut() {
                lm.x = 0.1 + (lm.x - 0.3) * 1.8;
                lm.y = 0.5 + (lm.y - 0.5) * 1.8;
            }
            f
        })
        .collect();
    let mut frames: Vec<PoseFrame> = original
        .iter()
        .filter(|f| f.timestamp_ms < cut_ms)
        .cloned()
        .collect();
    frames.extend(second_shot.iter().cloned());
    let report = analyse("mini_squat", &frames);
    for rep in report.rep_details.iter().filter(|r| r.number.is_some()) {
        assert!(
            rep.end_ms < cut_ms || rep.start_ms >= cut_ms,
            "a repetition spans the cut: {rep:?}"
        );
    }
    // Before the cut one squat; after it, what the second shot alone gives.
    let alone = analyse("mini_squat", &second_shot);
    assert_eq!(report.reps, 1 + alone.reps, "{:?}", report.rep_details);
}

#[test]
fn a_title_card_before_the_exercise_changes_nothing() {
    let mut frames: Vec<PoseFrame> = (0..12)
        .map(|i| PoseFrame {
            timestamp_ms: i * 125,
            landmarks: Vec::new(),
            world_landmarks: Vec::new(),
        })
        .collect();
    frames.extend(fixture("mini_squat_side.jsonl").into_iter().map(|mut f| {
        f.timestamp_ms += 1_500;
        f
    }));
    assert_eq!(analyse("mini_squat", &frames).reps, 4);
}

#[test]
fn hidden_legs_ask_for_the_whole_leg_and_lower_the_reliability() {
    let catalogue = Catalogue::builtin().unwrap();
    let mut a = SessionAnalyzer::new(
        catalogue.get("mini_squat").unwrap(),
        &ExerciseOverrides::default(),
        SIZE,
    )
    .unwrap();
    let mut cues = Vec::new();
    for mut f in fixture("mini_squat_side.jsonl") {
        if f.timestamp_ms >= 5_000 {
            // The camera tilted up: knees and feet out of view.
            for k in [
                L::LeftKnee,
                L::RightKnee,
                L::LeftAnkle,
                L::RightAnkle,
                L::LeftHeel,
                L::RightHeel,
                L::LeftFootIndex,
                L::RightFootIndex,
            ] {
                f.landmarks[k.index()].visibility = 0.05;
                f.landmarks[k.index()].presence = 0.05;
            }
        }
        cues.extend(a.push(&f).framing);
    }
    assert!(cues.contains(&FramingCue::ShowWholeLeg), "{cues:?}");
    let report = a.finish();
    let reliability = report.reliability.unwrap();
    assert_ne!(
        reliability.level,
        physalign_analysis::reliability::ReliabilityLevel::Good,
        "{reliability:?}"
    );
}
