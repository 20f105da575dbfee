//! Decoding and tracking real video, including rotated, variable-frame-rate and damaged files.

mod common;

use physalign_vision::{
    track_video, LandmarkType, PoseConfig, PoseTracker, PoseVariant, VideoReader, VisionError,
};
use std::path::Path;

#[test]
fn pose2sim_clip_is_tracked_with_stream_timestamps_and_few_detections() {
    let path = common::asset("pose2sim_cam01.mp4");
    let reader = VideoReader::open(&path).unwrap();
    let info = reader.info().clone();
    assert_eq!((info.width, info.height, info.rotation), (1080, 1920, 0));
    assert_eq!(info.estimated_frames, 100);
    assert!((info.duration_ms - 1667).abs() <= 1, "{info:?}");
    assert_eq!(info.codec, "h264");

    let mut frames = Vec::new();
    let summary = track_video(&path, &PoseConfig::default(), |frame, progress| {
        assert!(progress.fraction() <= 1.0);
        frames.push(frame.clone());
    })
    .unwrap();
    assert_eq!(summary.frames, 100);
    assert_eq!(frames.len(), 100);
    assert!(summary.frames_with_person >= 95, "{summary:?}");
    assert!(
        summary.detector_runs <= 3,
        "tracking should avoid the detector: {summary:?}"
    );

    let expected = common::ffprobe_frame_times_ms(&path);
    assert_eq!(expected.len(), frames.len());
    for (frame, want) in frames.iter().zip(&expected) {
        assert!(
            (frame.timestamp_ms as f64 - want).abs() <= 1.0,
            "{} vs {want}",
            frame.timestamp_ms
        );
    }
    assert!(frames
        .windows(2)
        .all(|w| w[1].timestamp_ms > w[0].timestamp_ms));

    // The subject stands on a treadmill: head above hips, feet below, inside the frame.
    for frame in frames.iter().filter(|f| f.has_person()) {
        let lm = |k: LandmarkType| frame.landmarks[k.index()];
        assert!(lm(LandmarkType::Nose).y < lm(LandmarkType::LeftHip).y);
        assert!(lm(LandmarkType::LeftHip).y < lm(LandmarkType::LeftAnkle).y);
        assert_eq!(frame.world_landmarks.len(), 33);
    }
}

#[test]
fn rotation_metadata_turns_frames_like_ffmpeg_does() {
    let dir = tempfile::tempdir().unwrap();
    let src = common::asset("pose2sim_cam01.mp4");
    let rotated = dir.path().join("rotated.mp4");
    common::ffmpeg(&[
        "-i",
        src.to_str().unwrap(),
        "-c",
        "copy",
        "-metadata:s:v",
        "rotate=90",
        rotated.to_str().unwrap(),
    ]);

    let mut reader = VideoReader::open(&rotated).unwrap();
    let info = reader.info().clone();
    assert_eq!((info.width, info.height), (1920, 1080), "{info:?}");
    assert!(info.rotation == 90 || info.rotation == 270, "{info:?}");
    let first = reader.next().unwrap().unwrap();
    assert_eq!(first.image.dimensions(), (1920, 1080));

    // Same pixels as the ffmpeg tool's autorotated frame (up to colour-conversion rounding).
    let (w, h, reference) = common::ffmpeg_first_frame(&rotated);
    assert_eq!((w, h), (1920, 1080));
    let diff: u64 = first
        .image
        .as_raw()
        .iter()
        .zip(&reference)
        .map(|(a, b)| a.abs_diff(*b) as u64)
        .sum();
    let mean = diff as f64 / reference.len() as f64;
    assert!(mean < 4.0, "mean abs difference {mean}");

    // The person now lies across the frame, and is still tracked.
    let mut tracker = PoseTracker::new(&PoseConfig::default()).unwrap();
    let pose = tracker.process(&first.image, first.timestamp_ms).unwrap();
    assert!(pose.has_person());
    let lm = |k: LandmarkType| pose.landmarks[k.index()];
    let (nose, hip) = (lm(LandmarkType::Nose), lm(LandmarkType::LeftHip));
    let (dx, dy) = ((nose.x - hip.x) * 1920.0, (nose.y - hip.y) * 1080.0);
    assert!(
        dx.abs() > 3.0 * dy.abs(),
        "head-hip vector ({dx}, {dy}) should be horizontal"
    );
}

#[test]
fn variable_frame_rate_timestamps_come_from_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let src = common::asset("pose2sim_cam01.mp4");
    let vfr = dir.path().join("vfr.mkv");
    // Drop every third frame and keep the original timestamps: gaps of 1 and 2 frame periods.
    common::ffmpeg(&[
        "-i",
        src.to_str().unwrap(),
        "-vf",
        "select='mod(n\\,3)',scale=270:480",
        "-fps_mode",
        "vfr",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        vfr.to_str().unwrap(),
    ]);
    let expected = common::ffprobe_frame_times_ms(&vfr);
    let frames: Vec<_> = VideoReader::open(&vfr)
        .unwrap()
        .map(|f| f.unwrap().timestamp_ms)
        .collect();
    assert_eq!(frames.len(), expected.len());
    assert!(frames.len() >= 60, "{}", frames.len());
    // Times count from the stream's start (the first kept frame), spacing as in the stream.
    for (got, want) in frames.iter().zip(&expected) {
        let want = want - expected[0];
        assert!((*got as f64 - want).abs() <= 1.0, "{got} vs {want}");
    }
    let gaps: Vec<i64> = frames.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().all(|g| *g > 0));
    let (min, max) = (gaps.iter().min().unwrap(), gaps.iter().max().unwrap());
    assert!(*max >= 2 * *min - 1, "gaps should vary: {gaps:?}");
}

fn faststart_copy(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("faststart.mp4");
    let src = common::asset("pose2sim_cam01.mp4");
    common::ffmpeg(&[
        "-i",
        src.to_str().unwrap(),
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        out.to_str().unwrap(),
    ]);
    out
}

#[test]
fn truncated_video_ends_in_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    // Index first, data cut off: decodes some frames, then reports the damage.
    let whole = std::fs::read(faststart_copy(dir.path())).unwrap();
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &whole[..whole.len() * 2 / 5]).unwrap();
    let results: Vec<_> = VideoReader::open(&cut).unwrap().collect();
    let good = results.iter().take_while(|r| r.is_ok()).count();
    assert!(good > 0 && good < 100, "{good} frames");
    assert!(matches!(
        results.last(),
        Some(Err(VisionError::Decode { .. }))
    ));

    // Index at the end, cut off: not a readable video at all.
    let original = std::fs::read(common::asset("pose2sim_cam01.mp4")).unwrap();
    let headless = dir.path().join("no_index.mp4");
    std::fs::write(&headless, &original[..original.len() / 2]).unwrap();
    assert!(matches!(
        VideoReader::open(&headless),
        Err(VisionError::NotAVideo { .. })
    ));
}

#[test]
fn unreadable_files_and_frameless_streams_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("clip.mp4");
    std::fs::write(&text, "definitely not a video\n").unwrap();
    assert!(matches!(
        VideoReader::open(&text),
        Err(VisionError::NotAVideo { .. })
    ));
    assert!(matches!(
        track_video(
            dir.path().join("absent.webm"),
            &PoseConfig::default(),
            |_, _| {}
        ),
        Err(VisionError::FileNotFound(_))
    ));

    // Intact container, every video packet overwritten with zeros: no frame decodes.
    let mut bytes = std::fs::read(faststart_copy(dir.path())).unwrap();
    let mdat = bytes.windows(4).position(|w| w == b"mdat").unwrap() + 4;
    bytes[mdat..].fill(0);
    let blank = dir.path().join("blank.mp4");
    std::fs::write(&blank, &bytes).unwrap();
    let results: Vec<_> = VideoReader::open(&blank).unwrap().collect();
    assert!(results.iter().all(|r| r.is_err()), "no frame may decode");
    assert!(
        matches!(results.last(), Some(Err(VisionError::NoFrames(_)))),
        "{:?}",
        results.last().map(|r| r.as_ref().err())
    );
}

#[test]
fn other_containers_and_codecs_decode() {
    let dir = tempfile::tempdir().unwrap();
    let src = common::asset("pose2sim_cam01.mp4");
    for (name, codec) in [
        ("clip.webm", "libvpx-vp9"),
        ("clip.mkv", "libx265"),
        ("clip.mov", "libx264"),
    ] {
        let out = dir.path().join(name);
        common::ffmpeg(&[
            "-i",
            src.to_str().unwrap(),
            "-frames:v",
            "12",
            "-vf",
            "scale=216:384",
            "-c:v",
            codec,
            "-deadline",
            "realtime",
            "-an",
            out.to_str().unwrap(),
        ]);
        let frames: Vec<_> = VideoReader::open(&out)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(frames.len(), 12, "{name}");
        assert_eq!(frames[0].image.dimensions(), (216, 384), "{name}");
    }
}

#[test]
fn lite_and_heavy_models_track_too() {
    let path = common::asset("pose2sim_cam01.mp4");
    for variant in [PoseVariant::Lite, PoseVariant::Heavy] {
        let mut tracker = PoseTracker::new(&PoseConfig {
            variant,
            threads: 1,
        })
        .unwrap();
        let mut found = 0;
        for frame in VideoReader::open(&path).unwrap().take(10) {
            let frame = frame.unwrap();
            found += tracker
                .process(&frame.image, frame.timestamp_ms)
                .unwrap()
                .has_person() as u32;
        }
        assert!(found >= 9, "{variant}: {found}/10");
        tracker.reset();
    }
}
