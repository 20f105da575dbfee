//! Time to sync 100 recorded sessions (300 frames each, every 5th uploaded) to the real server
//! over loopback, with a real PostgreSQL; then local recording throughput (frames written per
//! second into the same database) alone and while a sync of 100 more sessions runs, to show
//! that syncing does not slow recording down. Prints the numbers; asserts nothing about speed.
//!
//! `cargo bench -p physalign-sync --bench sync_100_sessions`

#[path = "../tests/support/mod.rs"]
mod support;

use physalign_sync::{CredentialStore, SyncConfig, SyncWorker};
use std::time::{Duration, Instant};
use support::fixtures::{self, PASSWORD};
use support::server::ServerProcess;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let url = support::pg::cluster().create_database("bench_sync");
        let server = ServerProcess::start(&url, support::free_port(), 1_000_000);
        let email = "bench@example.org";
        let token = fixtures::signup_patient(&server.url(), email).await;
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("device.sqlite");
        let creds = CredentialStore::file_only(dir.path().join("creds"));
        physalign_sync::login(&db, creds.clone(), &server.url(), email, PASSWORD)
            .await
            .expect("login");
        let recording = Instant::now();
        fixtures::record_sessions(&db, 100, 300);
        println!("recorded 100 sessions x 300 frames locally in {:.2} s", recording.elapsed().as_secs_f64());
        let config = SyncConfig::default();
        let worker = SyncWorker::open(&db, creds.clone(), config.clone()).expect("worker");
        let started = Instant::now();
        let report = worker.run_once(Duration::from_secs(300)).await.expect("sync");
        let secs = started.elapsed().as_secs_f64();
        assert!(report.complete(), "{report:?}");
        println!(
            "sync_100_sessions (concurrency {}, frame stride {}): {secs:.2} s total, {:.1} ms/session, {} outbox entries delivered, pull {:?}",
            config.concurrency,
            config.frame_stride,
            secs * 1000.0 / 100.0,
            report.delivered,
            report.pull
        );
        let checked = fixtures::assert_server_matches_local(&server.url(), &token, &db, 5).await;
        println!("verified {checked} sessions on the server");

        // Recording alone, then the same recording while 100 fresh sessions sync.
        drop(worker); // one worker per database: release its lock
        let alone = recording_fps(&db).await;
        fixtures::record_sessions(&db, 100, 300);
        let worker = SyncWorker::open(&db, creds.clone(), config.clone()).expect("worker");
        let sync = tokio::spawn(async move { worker.run_once(Duration::from_secs(300)).await });
        let during = recording_fps(&db).await;
        let report = sync.await.expect("join").expect("sync");
        println!(
            "recording throughput: {alone:.0} frames/s alone, {during:.0} frames/s while syncing ({:.0}%; the sync delivered {} entries meanwhile)",
            during * 100.0 / alone,
            report.delivered
        );
    });
}

/// Frames per second written by recording 10 sessions of 300 frames into `db`, on a blocking
/// thread as the analysis pipeline does.
async fn recording_fps(db: &std::path::Path) -> f64 {
    let db = db.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        fixtures::record_sessions(&db, 10, 300);
        3000.0 / started.elapsed().as_secs_f64()
    })
    .await
    .expect("recording task")
}
