//! The incremental analyser end to end on synthetic pose frames.

mod common;

use common::{empty_frame, squat_frame, squat_trace};
use physalign_analysis::{
    Catalogue, ExerciseOverrides, FrameSize, Metric, SessionAnalyzer, Source,
};

fn analyzer(id: &str, overrides: &ExerciseOverrides) -> SessionAnalyzer {
    let catalogue = Catalogue::builtin().unwrap();
    SessionAnalyzer::new(
        catalogue.get(id).unwrap(),
        overrides,
        FrameSize::new(600, 600),
    )
    .unwrap()
}

#[test]
fn squats_are_counted_with_rom_and_the_report_has_seed_003_shape() {
    let mut a = analyzer("squat", &ExerciseOverrides::default());
    let mut live_reps = 0;
    for i in 0..(12.0 * 30.0) as i64 {
        let t = i as f32 / 30.0;
        let fa = a.push(&squat_frame(i * 1000 / 30, squat_trace(t, 3, 88.0)));
        live_reps = fa.reps;
        assert!(fa.quality > 0.8, "quality {}", fa.quality);
        if i == 200 {
            let live = serde_json::to_value(&fa).unwrap();
            assert!(
                live["angles"]["knee_left"].as_f64().unwrap() < 175.0,
                "{live}"
            );
            assert!(live["phase"].is_string() && live["reps"].is_number());
        }
    }
    assert_eq!(live_reps, 3);
    let report = a.finish();
    assert_eq!(report.reps, 3);
    assert_eq!(report.partial_reps, 0);
    let rep = &report.rep_details[0];
    assert!((rep.min_angle.unwrap() - 88.0).abs() < 4.0, "{rep:?}");
    assert!(rep.rom.unwrap() > 70.0);
    assert!(rep.eccentric_s > 0.6 && rep.concentric_s > 0.6, "{rep:?}");
    assert!(report
        .form_issues
        .iter()
        .all(|i| i.issue.kind != "DEPTH_NOT_REACHED"));

    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["exercise_id"], "squat");
    assert_eq!(json["reps"], 3);
    assert_eq!(json["summary_statistics"]["total_frames"], 360);
    assert!(
        json["summary_statistics"]["average_quality"]
            .as_f64()
            .unwrap()
            > 0.8
    );
    assert!(
        json["summary_statistics"]["peak_angles"]["knee_left_max"]
            .as_f64()
            .unwrap()
            > 165.0
    );
    assert_eq!(json["pose_data"]["frame_count"], 360);
    assert!((json["pose_data"]["sampling_rate"].as_f64().unwrap() - 30.0).abs() < 0.5);
    let knee = &json["pose_data"]["angle_ranges"]["knee_left"];
    assert!(knee["min"].as_f64().unwrap() < 92.0 && knee["max"].as_f64().unwrap() > 165.0);
    assert!(knee["avg"].is_number());
    assert_eq!(json["angle_sources"]["knee_left"], "image");
}

#[test]
fn therapist_target_changes_the_depth_verdict() {
    // Squats to 104 degrees: the default needs 90 (+10), a post-surgery target of 115 accepts it.
    let run = |overrides: &ExerciseOverrides| {
        let mut a = analyzer("squat", overrides);
        for i in 0..(12.0 * 30.0) as i64 {
            a.push(&squat_frame(
                i * 1000 / 30,
                squat_trace(i as f32 / 30.0, 3, 104.0),
            ));
        }
        a.finish()
    };
    let default = run(&ExerciseOverrides::default());
    assert_eq!(default.reps, 3);
    let depth = default
        .form_issues
        .iter()
        .filter(|i| i.issue.kind == "DEPTH_NOT_REACHED")
        .count();
    assert_eq!(
        depth, 3,
        "one depth issue per rep: {:?}",
        default.form_issues
    );
    assert_eq!(default.rep_details[0].form_issues.len(), 1);

    let after_surgery = run(&ExerciseOverrides {
        target_angle: Some(115.0),
        ..Default::default()
    });
    assert_eq!(after_surgery.reps, 3);
    assert!(after_surgery
        .form_issues
        .iter()
        .all(|i| i.issue.kind != "DEPTH_NOT_REACHED"));
}

#[test]
fn short_gaps_are_filled_and_long_gaps_left_empty() {
    let mut a = analyzer("squat", &ExerciseOverrides::default());
    for i in 0..(12.0 * 30.0) as i64 {
        let t_ms = i * 1000 / 30;
        let t = i as f32 / 30.0;
        // 100 ms without a person mid-descent, 1 s without a person while standing at the end.
        let gone = (1500..1600).contains(&t_ms) || (10_500..11_500).contains(&t_ms);
        if gone {
            a.push(&empty_frame(t_ms));
        } else {
            a.push(&squat_frame(t_ms, squat_trace(t, 3, 88.0)));
        }
    }
    let (report, frames) = a.finish_with_frames();
    assert_eq!(report.reps, 3);
    let short: Vec<_> = frames
        .iter()
        .filter(|f| (1500..1600).contains(&f.timestamp_ms))
        .collect();
    assert!(!short.is_empty());
    for f in short {
        assert!(
            f.values.get(Metric::KneeLeft).is_some(),
            "short gap not filled at {}",
            f.timestamp_ms
        );
        assert_eq!(
            f.values.source(Metric::KneeLeft),
            Some(Source::Interpolated)
        );
    }
    let long: Vec<_> = frames
        .iter()
        .filter(|f| (10_500..11_500).contains(&f.timestamp_ms))
        .collect();
    assert!(long
        .iter()
        .all(|f| f.values.get(Metric::KneeLeft).is_none() && f.quality == 0.0));
}

#[test]
fn a_wall_sit_hold_is_timed() {
    let mut a = analyzer("wall_sit", &ExerciseOverrides::default());
    // Stand 2 s, slide down over 2 s, hold at 95 degrees for 10 s, stand.
    for i in 0..(16.0 * 30.0) as i64 {
        let t = i as f32 / 30.0;
        let knee = if t < 2.0 {
            172.0
        } else if t < 4.0 {
            172.0 - (t - 2.0) / 2.0 * 77.0
        } else if t < 14.0 {
            95.0
        } else {
            172.0
        };
        a.push(&squat_frame(i * 1000 / 30, knee));
    }
    let report = a.finish();
    assert_eq!(report.reps, 0);
    assert_eq!(report.holds.len(), 1);
    let hold = &report.holds[0];
    assert!(
        hold.time_in_range_s > 10.0 && hold.time_in_range_s < 11.5,
        "{hold:?}"
    );
    assert!(hold.breaks.is_empty());
    assert!(!hold.achieved, "target is 30 s");
}
