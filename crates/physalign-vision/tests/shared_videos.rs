//! Every evaluation clip decodes completely and the person is tracked (needs ../shared).

mod common;

use physalign_vision::{track_video, PoseConfig, PoseVariant, VideoReader};

#[test]
fn evaluation_clips_decode_and_track() {
    let Some(testdata) = common::shared_testdata() else {
        eprintln!("skipped: ../shared not present");
        return;
    };
    let dir = testdata.join("videos");
    let mut clips: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mp4"))
        .collect();
    clips.sort();
    assert!(clips.len() >= 5);
    let config = PoseConfig {
        variant: PoseVariant::Lite,
        threads: 1,
    };
    for clip in clips {
        let info = VideoReader::open(&clip).unwrap().info().clone();
        let expected = common::ffprobe_frame_times_ms(&clip);
        let mut times = Vec::new();
        let summary =
            track_video(&clip, &config, |frame, _| times.push(frame.timestamp_ms)).unwrap();
        let name = clip.file_name().unwrap().to_string_lossy().into_owned();
        eprintln!(
            "{name}: {} frames ({}x{}), person in {}, detector {} times, {:.1} fps",
            summary.frames,
            info.width,
            info.height,
            summary.frames_with_person,
            summary.detector_runs,
            summary.fps()
        );
        assert_eq!(
            times.len(),
            expected.len(),
            "{name}: frame count as ffprobe"
        );
        for (got, want) in times.iter().zip(&expected) {
            let want = want - expected[0];
            assert!((*got as f64 - want).abs() <= 1.5, "{name}: {got} vs {want}");
        }
        assert!(
            times.windows(2).all(|w| w[1] > w[0]),
            "{name}: increasing timestamps"
        );
        // Title cards and people leaving the frame are allowed, but the subject dominates.
        assert!(
            summary.frames_with_person * 10 >= summary.frames * 7,
            "{name}: person in {} of {} frames",
            summary.frames_with_person,
            summary.frames
        );
        assert!(
            summary.detector_runs * 4 <= summary.frames,
            "{name}: tracking keeps the detector rare"
        );
    }
}
