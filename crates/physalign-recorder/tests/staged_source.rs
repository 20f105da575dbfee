//! Decoding on a thread of its own delivers exactly the frames inline decoding does, and fails
//! the same way on a file that is not a video.

use physalign_recorder::source::{FrameSource, VideoFileSource};
use physalign_recorder::RecorderError;
use std::path::Path;

/// The committed sample: five squats, 720p.
fn sample() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/samples/nowva_squats.mp4"
    ))
}

/// Timestamp and a cheap checksum of every frame.
fn frames(mut source: VideoFileSource) -> Vec<(i64, u32, u32, u64)> {
    let mut out = Vec::new();
    while let Some(frame) = source.next_frame().expect("frame decodes") {
        let sum = frame
            .image
            .as_raw()
            .iter()
            .enumerate()
            .fold(0u64, |acc, (i, &b)| {
                acc.wrapping_add((i as u64 % 251 + 1) * b as u64)
            });
        out.push((
            frame.timestamp_ms,
            frame.image.width(),
            frame.image.height(),
            sum,
        ));
    }
    out
}

#[test]
fn staged_decoding_gives_the_same_frames_as_inline() {
    let staged = VideoFileSource::open_with(sample(), false, true).expect("opens staged");
    let inline = VideoFileSource::open_with(sample(), false, false).expect("opens inline");
    assert_eq!(staged.info(), inline.info());
    let (staged, inline) = (frames(staged), frames(inline));
    assert!(inline.len() > 300, "{} frames", inline.len());
    assert_eq!(staged, inline);
}

#[test]
fn staged_source_dropped_early_stops_its_thread_and_a_non_video_is_an_error() {
    let mut source = VideoFileSource::open_with(sample(), false, true).expect("opens");
    assert!(source.next_frame().expect("first frame").is_some());
    // Dropping with frames still queued must not hang (the decoding thread sees the receiver go).
    drop(source);

    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, "not a video\n").unwrap();
    for staged in [true, false] {
        match VideoFileSource::open_with(&text, false, staged) {
            Err(RecorderError::Video { path, .. }) => assert_eq!(path, text),
            Err(other) => panic!("staged={staged}: wrong error {other}"),
            Ok(_) => panic!("staged={staged}: a text file opened as a video"),
        }
    }
}
