//! Pure analysis cost per frame (no decoding, no model): a 30-second, 30 fps squat session of
//! synthetic pose frames with image and world landmarks, through `SessionAnalyzer`.
//! Set `PHYSALIGN_TRACK=FILE.jsonl` (and `PHYSALIGN_TRACK_SIZE=WxH`) to time a saved real track.
//!
//! Run: `cargo bench -p physalign-analysis --bench analysis`

#[path = "../tests/common/mod.rs"]
#[allow(dead_code)] // shared with the tests; not every helper is used here
mod common;

use physalign_analysis::{Catalogue, ExerciseOverrides, FrameSize, SessionAnalyzer};
use physalign_domain::PoseFrame;
use std::time::Instant;

fn synthetic_session() -> Vec<PoseFrame> {
    (0..900)
        .map(|i| {
            let t = i as f32 / 30.0;
            let mut frame = common::squat_frame(i * 1000 / 30, common::squat_trace(t, 9, 90.0));
            frame.world_landmarks = frame
                .landmarks
                .iter()
                .map(|lm| {
                    let mut w = *lm;
                    (w.x, w.y, w.z) = (lm.x - 0.5, lm.y - 0.5, 0.05 * lm.x);
                    w
                })
                .collect();
            frame
        })
        .collect()
}

fn time_session(name: &str, exercise: &str, frames: &[PoseFrame], size: FrameSize) {
    let catalogue = match Catalogue::builtin() {
        Ok(c) => c,
        Err(e) => return eprintln!("catalogue: {e}"),
    };
    let Ok(ex) = catalogue.get(exercise) else {
        return eprintln!("unknown exercise {exercise}");
    };
    let rounds = 20;
    let mut best = f64::MAX;
    let mut reps = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        let Ok(mut analyzer) = SessionAnalyzer::new(ex, &ExerciseOverrides::default(), size) else {
            return eprintln!("cannot build analyser");
        };
        for f in frames {
            analyzer.push(f);
        }
        let report = analyzer.finish();
        best = best.min(start.elapsed().as_secs_f64());
        reps = report.reps;
    }
    println!(
        "{name}: {} frames, best of {rounds}: {:.2} ms per session, {:.1} us per frame, {:.0} frames/s ({reps} reps)",
        frames.len(),
        best * 1e3,
        best * 1e6 / frames.len() as f64,
        frames.len() as f64 / best
    );
}

fn main() {
    time_session(
        "synthetic squat 30 s @ 30 fps",
        "squat",
        &synthetic_session(),
        FrameSize::new(640, 480),
    );
    if let Ok(path) = std::env::var("PHYSALIGN_TRACK") {
        let size = std::env::var("PHYSALIGN_TRACK_SIZE")
            .ok()
            .and_then(|s| {
                let (w, h) = s.split_once('x')?;
                Some(FrameSize::new(w.parse().ok()?, h.parse().ok()?))
            })
            .unwrap_or(FrameSize::new(640, 480));
        let exercise = std::env::var("PHYSALIGN_EXERCISE").unwrap_or_else(|_| "squat".into());
        match physalign_analysis::read_track(std::path::Path::new(&path)) {
            Ok(frames) => time_session(&path, &exercise, &frames, size),
            Err(e) => eprintln!("{e}"),
        }
    }
}
