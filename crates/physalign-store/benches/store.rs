//! Store benchmark: FrameWriter throughput, time the producer spends blocked in `push`, and
//! storage per minute of 30 fps video (33 image + 33 world landmarks, 16 angles, issues) for
//! both landmark encodings. Prints readable lines and one JSON line.
//!
//! `cargo bench -p physalign-store`; `PHYSALIGN_BENCH_PACED_FPS` sets the paced producer's
//! rate (default 120, i.e. four times real time).

#[path = "../tests/common/mod.rs"]
mod common;

use common::{new_session, realistic_frame, t0};
use physalign_store::{FrameWriterConfig, LandmarkEncoding, Store, WriteStats};
use std::time::{Duration, Instant};

const FRAMES_PER_MINUTE: i64 = 30 * 60;

struct Run {
    session: uuid::Uuid,
    stats: WriteStats,
    elapsed: Duration,
}

/// Pushes `frames` frames into a fresh session, at `fps` if given, else as fast as possible.
fn write_session(store: &Store, frames: i64, fps: Option<f64>, encoding: LandmarkEncoding) -> Run {
    let session = store
        .create_session(&new_session("squat", t0()))
        .expect("create session");
    let config = FrameWriterConfig {
        landmark_encoding: encoding,
        ..FrameWriterConfig::default()
    };
    // Frames are built before timing so that only the store is measured.
    let prepared: Vec<_> = (0..frames).map(realistic_frame).collect();
    let mut writer = store
        .frame_writer_with(session, config)
        .expect("frame writer");
    let started = Instant::now();
    for (i, frame) in prepared.into_iter().enumerate() {
        if let Some(fps) = fps {
            let due = started + Duration::from_secs_f64(i as f64 / fps);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        writer.push(frame).expect("push");
    }
    let stats = writer.finish().expect("finish");
    Run {
        session,
        stats,
        elapsed: started.elapsed(),
    }
}

fn storage_per_minute(encoding: LandmarkEncoding) -> (u64, WriteStats) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("size.db")).expect("open");
    store.checkpoint().expect("checkpoint");
    let before = store.storage_bytes().expect("size");
    let run = write_session(&store, FRAMES_PER_MINUTE, None, encoding);
    store.checkpoint().expect("checkpoint");
    let after = store.storage_bytes().expect("size");
    (after - before, run.stats)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let paced_fps: f64 = std::env::var("PHYSALIGN_BENCH_PACED_FPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120.0);

    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("bench.db")).expect("open");

    // 1. Unpaced: the producer pushes five minutes of video as fast as it can.
    let unpaced_frames = 5 * FRAMES_PER_MINUTE;
    let unpaced = write_session(&store, unpaced_frames, None, LandmarkEncoding::Blob);
    let unpaced_fps = unpaced.stats.frames as f64 / unpaced.elapsed.as_secs_f64();
    println!(
        "unpaced: {} frames in {:.0} ms = {:.0} frames/s ({} batches, slowest batch {:.1} ms); \
         producer blocked {:.1} ms in push, longest push {:.3} ms",
        unpaced.stats.frames,
        ms(unpaced.elapsed),
        unpaced_fps,
        unpaced.stats.batches,
        ms(unpaced.stats.slowest_batch),
        ms(unpaced.stats.push_blocked),
        ms(unpaced.stats.longest_push),
    );

    // 2. Paced: a producer at a steady frame rate, as live analysis is.
    let paced = write_session(
        &store,
        FRAMES_PER_MINUTE,
        Some(paced_fps),
        LandmarkEncoding::Blob,
    );
    println!(
        "paced at {paced_fps} fps: {} frames in {:.0} ms, {} batches (slowest {:.1} ms); \
         producer blocked {:.3} ms in push, longest push {:.3} ms",
        paced.stats.frames,
        ms(paced.elapsed),
        paced.stats.batches,
        ms(paced.stats.slowest_batch),
        ms(paced.stats.push_blocked),
        ms(paced.stats.longest_push),
    );

    // 3. Reading a minute back.
    let started = Instant::now();
    let frames = store.frames(paced.session).expect("read");
    let read_elapsed = started.elapsed();
    let read_fps = frames.len() as f64 / read_elapsed.as_secs_f64();
    println!(
        "read back: {} frames in {:.1} ms = {:.0} frames/s",
        frames.len(),
        ms(read_elapsed),
        read_fps
    );

    // 4. Storage per minute of 30 fps video, both encodings.
    let (blob_bytes, blob_stats) = storage_per_minute(LandmarkEncoding::Blob);
    let (json_bytes, json_stats) = storage_per_minute(LandmarkEncoding::Json);
    for (name, bytes, stats) in [
        ("blob", blob_bytes, blob_stats),
        ("json", json_bytes, json_stats),
    ] {
        println!(
            "storage ({name} landmarks): {:.2} MiB per minute of 30 fps video, {:.0} bytes/frame \
             on disk, {:.0} bytes/frame encoded payload, {:.0} MiB per hour",
            bytes as f64 / (1024.0 * 1024.0),
            bytes as f64 / FRAMES_PER_MINUTE as f64,
            stats.bytes as f64 / stats.frames as f64,
            bytes as f64 * 60.0 / (1024.0 * 1024.0),
        );
    }
    println!(
        "blob saves {:.0}% of the JSON size",
        100.0 * (1.0 - blob_bytes as f64 / json_bytes as f64)
    );

    let summary = serde_json::json!({
        "bench": "physalign-store",
        "unpaced_frames": unpaced.stats.frames,
        "unpaced_frames_per_s": unpaced_fps.round(),
        "unpaced_push_blocked_ms": ms(unpaced.stats.push_blocked),
        "paced_fps": paced_fps,
        "paced_push_blocked_ms": ms(paced.stats.push_blocked),
        "paced_longest_push_ms": ms(paced.stats.longest_push),
        "paced_slowest_batch_ms": ms(paced.stats.slowest_batch),
        "read_frames_per_s": read_fps.round(),
        "bytes_per_minute_blob": blob_bytes,
        "bytes_per_minute_json": json_bytes,
        "bytes_per_frame_blob": blob_bytes / FRAMES_PER_MINUTE as u64,
        "bytes_per_frame_json": json_bytes / FRAMES_PER_MINUTE as u64,
    });
    println!("{summary}");
}
