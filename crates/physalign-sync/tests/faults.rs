//! Fault tolerance end to end: the server killed mid-sync, a proxy that drops, delays, resets
//! and answers 5xx at random (seeded), and the `physalign` client SIGKILLed mid-upload. After
//! each, every session is on the server exactly once with the local summary. Chunked raw-frame
//! uploads interrupted by a SIGKILL or by the proxy's faults continue from the server's
//! acknowledged offset (no acknowledged byte is sent twice) and arrive byte-identical.

mod support;

use physalign_store::Store;
use physalign_sync::{CredentialStore, SyncConfig, SyncWorker};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::fixtures::{self, PASSWORD};
use support::proxy::FaultProxy;
use support::server::{binaries, ServerProcess};

fn config() -> SyncConfig {
    SyncConfig {
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(500),
        request_timeout: Duration::from_secs(5),
        ..SyncConfig::default()
    }
}

fn done_count(db: &Path) -> i64 {
    Store::open(db)
        .and_then(|s| s.outbox_counts())
        .map(|c| c.done)
        .unwrap_or(0)
}

/// Logs in straight to the server, then points the device at the proxy. A lost refresh-token
/// answer would revoke the session (rotation with reuse detection), which is the server's
/// intended behaviour, so the login itself must not meet faults.
async fn login_through_proxy(
    db: &Path,
    creds: &CredentialStore,
    server_url: &str,
    proxy_url: &str,
    email: &str,
) {
    physalign_sync::login(db, creds.clone(), server_url, email, PASSWORD)
        .await
        .expect("login");
    let store = Store::open(db).expect("store");
    let mut identity = store.sync_identity().expect("identity").expect("logged in");
    let account = physalign_sync::client::account_name(&identity.server_url, email);
    let tokens = creds.load(&account).expect("load").expect("tokens");
    identity.server_url = proxy_url.to_string();
    store
        .set_sync_identity(&identity)
        .expect("identity via proxy");
    let proxied = physalign_sync::client::account_name(proxy_url, email);
    creds.save(&proxied, &tokens).expect("tokens for proxy URL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_killed_mid_sync_loses_nothing_and_duplicates_nothing() {
    let url = support::pg::cluster().create_database("server_killed");
    let mut server = ServerProcess::start(&url, support::free_port(), 100_000);
    let email = "killed@example.org";
    let token = fixtures::signup_patient(&server.url(), email).await;
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("device.sqlite");
    let creds = CredentialStore::file_only(dir.path().join("creds"));
    physalign_sync::login(&db, creds.clone(), &server.url(), email, PASSWORD)
        .await
        .expect("login");
    fixtures::record_sessions(&db, 40, 150);

    let worker = SyncWorker::open(&db, creds, config()).expect("worker");
    let sync = tokio::spawn(async move { worker.run_once(Duration::from_secs(60)).await });
    let deadline = Instant::now() + Duration::from_secs(60);
    while done_count(&db) < 15 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    let done_at_kill = done_count(&db);
    println!("server killed after {done_at_kill} of 80 entries");
    assert!(done_at_kill < 80, "the kill came too late to test anything");
    tokio::time::sleep(Duration::from_millis(800)).await;
    server.restart();
    let report = sync.await.expect("join").expect("run");
    println!("after restart: {report:?}");
    assert!(report.complete(), "{report:?}");
    assert!(report.retried > 0, "the outage must have been seen");
    let n = fixtures::assert_server_matches_local(&server.url(), &token, &db, 5).await;
    assert_eq!(n, 40);
    println!(
        "server kill survived: {} transient failures retried, 40/40 sessions exact",
        report.retried
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_drops_delays_resets_and_5xx_are_survived() {
    let url = support::pg::cluster().create_database("fault_proxy");
    let server = ServerProcess::start(&url, support::free_port(), 100_000);
    let email = "proxy@example.org";
    let token = fixtures::signup_patient(&server.url(), email).await;
    let seed = std::env::var("PHYSALIGN_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261121);
    let proxy = FaultProxy::start(server.port, seed, 0.4).await;
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("device.sqlite");
    let creds = CredentialStore::file_only(dir.path().join("creds"));
    login_through_proxy(&db, &creds, &server.url(), &proxy.url(), email).await;
    fixtures::record_sessions(&db, 25, 120);
    let worker = SyncWorker::open(&db, creds, config()).expect("worker");
    let started = Instant::now();
    let report = worker
        .run_once(Duration::from_secs(120))
        .await
        .expect("run");
    println!("fault proxy (seed {seed}): {}", proxy.counts.summary());
    println!(
        "faults injected {}, transient failures retried {}, in {:.1} s: {report:?}",
        proxy.counts.injected(),
        report.retried,
        started.elapsed().as_secs_f64()
    );
    assert!(report.complete(), "{report:?}");
    assert!(
        proxy.counts.injected() >= 10,
        "too few faults to mean anything"
    );
    let n = fixtures::assert_server_matches_local(&server.url(), &token, &db, 5).await;
    assert_eq!(n, 25);
    println!(
        "all {} injected faults survived: 25/25 sessions on the server exactly once",
        proxy.counts.injected()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_killed_with_sigkill_mid_upload_resumes_after_restart() {
    let (_, cli) = binaries();
    let url = support::pg::cluster().create_database("client_killed");
    let server = ServerProcess::start(&url, support::free_port(), 100_000);
    let email = "sigkill@example.org";
    let token = fixtures::signup_patient(&server.url(), email).await;
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("device.sqlite");
    let creds_dir = dir.path().join("creds");
    let physalign = |args: &[&str]| {
        let mut cmd = Command::new(cli);
        cmd.arg("--db").arg(&db).args(args);
        cmd.env("PHYSALIGN_CREDENTIALS_DIR", &creds_dir)
            .env("PHYSALIGN_NO_KEYRING", "1")
            .env("PHYSALIGN_PASSWORD", PASSWORD);
        cmd
    };
    let out = physalign(&["login", "--server", &server.url(), "--email", email])
        .output()
        .expect("physalign login");
    assert!(
        out.status.success(),
        "login: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Large sessions (stride 1: all 900 frames) so the kill lands inside an upload.
    fixtures::record_sessions(&db, 30, 900);

    let mut kills = 0;
    for _ in 0..3 {
        let before = done_count(&db);
        if before >= 60 {
            break;
        }
        let mut child = physalign(&[
            "sync",
            "--once",
            "--frame-stride",
            "1",
            "--backoff-base-ms",
            "20",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn sync");
        let deadline = Instant::now() + Duration::from_secs(60);
        while done_count(&db) < before + 8 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(3));
        }
        // SIGKILL: no destructor, no flush, possibly mid-request.
        child.kill().expect("kill");
        let _ = child.wait();
        kills += 1;
        println!(
            "SIGKILL #{kills} with {} of 60 entries done",
            done_count(&db)
        );
    }
    let out = physalign(&[
        "sync",
        "--once",
        "--frame-stride",
        "1",
        "--backoff-base-ms",
        "20",
    ])
    .output()
    .expect("final sync");
    assert!(
        out.status.success(),
        "final sync: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = physalign(&["sync", "--status", "--json"])
        .output()
        .expect("status");
    assert!(out.status.success());
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    assert_eq!(status["pending"], 0, "{status}");
    assert_eq!(status["failed"], 0, "{status}");
    assert!(status["last_success_at"].is_string(), "{status}");
    let n = fixtures::assert_server_matches_local(&server.url(), &token, &db, 1).await;
    assert_eq!(n, 30);
    println!(
        "client SIGKILLed {kills} times mid-upload: 30/30 sessions on the server exactly once"
    );
}

/// The device's resumable uploads (outbox entry, upload id, acknowledged offset).
fn local_uploads(db: &Path) -> Vec<physalign_store::sync_state::UploadProgress> {
    Store::open(db)
        .and_then(|s| s.all_upload_progress())
        .unwrap_or_default()
}

/// The server's view of an upload (`offset`, `bytes_received`, `chunks_received`, ...).
async fn server_upload(base_url: &str, token: &str, id: uuid::Uuid) -> Value {
    let (status, body) = fixtures::get_json(base_url, token, &format!("/api/uploads/{id}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn number(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

/// The raw-frame file the device uploads for a session, and the copy the server stored.
fn raw_file_and_stored(db: &Path, storage: &Path, session: uuid::Uuid) -> (Vec<u8>, Vec<u8>) {
    let store = Store::open(db).expect("store");
    let local = physalign_sync::mapping::raw_frames_file(&store, session).expect("raw file");
    let stored = std::fs::read(storage.join(format!("sessions/{session}/pose_data")))
        .expect("file stored on the server");
    (local, stored)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raw_upload_killed_mid_way_resumes_from_the_acknowledged_offset() {
    const CHUNK: u64 = 64 * 1024;
    let (_, cli) = binaries();
    let url = support::pg::cluster().create_database("chunk_resume");
    let server = ServerProcess::start(&url, support::free_port(), 100_000);
    // Every request takes 25 ms more, so the upload lasts long enough to be killed mid-way.
    let proxy = FaultProxy::slow(server.port, 25).await;
    let email = "chunks@example.org";
    let token = fixtures::signup_patient(&server.url(), email).await;
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("device.sqlite");
    let creds_dir = dir.path().join("creds");
    let physalign = |args: &[&str]| {
        let mut cmd = Command::new(cli);
        cmd.arg("--db").arg(&db).args(args);
        cmd.env("PHYSALIGN_CREDENTIALS_DIR", &creds_dir)
            .env("PHYSALIGN_NO_KEYRING", "1")
            .env("PHYSALIGN_PASSWORD", PASSWORD);
        cmd
    };
    let out = physalign(&["login", "--server", &proxy.url(), "--email", email])
        .output()
        .expect("physalign login");
    assert!(
        out.status.success(),
        "login: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let session = fixtures::record_sessions(&db, 1, 900)[0];
    let size = {
        let store = Store::open(&db).expect("store");
        physalign_sync::mapping::raw_frames_file(&store, session)
            .expect("raw file")
            .len() as u64
    };
    let expected_chunks = size.div_ceil(CHUNK);
    assert!(
        expected_chunks >= 10,
        "file too small to interrupt: {size} bytes"
    );
    let chunk_arg = CHUNK.to_string();
    let sync_args = [
        "sync",
        "--once",
        "--upload-raw-frames",
        "--upload-chunk-bytes",
        chunk_arg.as_str(),
        "--backoff-base-ms",
        "20",
    ];

    let mut child = physalign(&sync_args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn sync");
    let deadline = Instant::now() + Duration::from_secs(90);
    let acked_before_kill = loop {
        let acked = local_uploads(&db).first().map_or(0, |u| u.acked_offset);
        if acked >= 4 * CHUNK || Instant::now() > deadline {
            break acked;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    // SIGKILL mid-upload: possibly with a chunk in flight.
    child.kill().expect("kill");
    let _ = child.wait();
    // A chunk the proxy had already read is still forwarded and acknowledged by the server
    // (its answer goes nowhere): let it land before reading the server's offset.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let uploads = local_uploads(&db);
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    let upload_id = uploads[0].upload_id.expect("upload created");
    assert!(uploads[0].completed_at.is_none(), "killed too late");
    let at_kill = server_upload(&server.url(), &token, upload_id).await;
    let server_offset = number(&at_kill, "offset");
    println!(
        "SIGKILL after {} of {expected_chunks} chunks: device saw {acked_before_kill} bytes \
         acknowledged, server holds {server_offset} of {size}",
        number(&at_kill, "chunks_received")
    );
    assert!(acked_before_kill >= 4 * CHUNK && acked_before_kill < size);
    assert!(server_offset >= uploads[0].acked_offset && server_offset < size);
    assert_eq!(number(&at_kill, "bytes_received"), server_offset);

    let out = physalign(&sync_args).output().expect("resumed sync");
    assert!(
        out.status.success(),
        "resumed sync: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let done = server_upload(&server.url(), &token, upload_id).await;
    assert_eq!(done["status"], "completed", "{done}");
    let received = number(&done, "bytes_received");
    let chunks = number(&done, "chunks_received");
    let resent = received - size;
    println!(
        "resumed from byte {server_offset}: {chunks} chunks ({received} bytes) received in all for \
         a {size}-byte file, {resent} bytes re-sent"
    );
    // Every chunk arrived exactly once: the restart continued at the server's offset, not at 0.
    assert_eq!(resent, 0);
    assert_eq!(chunks, expected_chunks);
    let uploads = local_uploads(&db);
    assert_eq!(
        uploads[0].upload_id,
        Some(upload_id),
        "same upload continued"
    );
    assert!(uploads[0].completed_at.is_some());
    let entry = Store::open(&db)
        .and_then(|s| s.sync_progress(uploads[0].outbox_id))
        .expect("progress")
        .expect("progress saved");
    assert_eq!(
        entry.1["raw_frames"]["resumed_from"].as_u64(),
        Some(server_offset),
        "{}",
        entry.1
    );
    let (local, stored) = raw_file_and_stored(&db, server.storage_dir(), session);
    assert!(local == stored, "stored file differs from the device's");
    let n = fixtures::assert_server_matches_local(&server.url(), &token, &db, 5).await;
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_raw_uploads_survive_random_faults_without_resending_acknowledged_bytes() {
    let url = support::pg::cluster().create_database("chunk_faults");
    let server = ServerProcess::start(&url, support::free_port(), 100_000);
    let email = "chunkfaults@example.org";
    let token = fixtures::signup_patient(&server.url(), email).await;
    let seed = std::env::var("PHYSALIGN_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261122);
    let proxy = FaultProxy::start(server.port, seed, 0.3).await;
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("device.sqlite");
    let creds = CredentialStore::file_only(dir.path().join("creds"));
    login_through_proxy(&db, &creds, &server.url(), &proxy.url(), email).await;
    let sessions = fixtures::record_sessions(&db, 3, 600);
    let worker = SyncWorker::open(
        &db,
        creds,
        SyncConfig {
            upload_raw_frames: true,
            upload_chunk_size: 32 * 1024,
            ..config()
        },
    )
    .expect("worker");
    let report = worker
        .run_once(Duration::from_secs(180))
        .await
        .expect("run");
    println!("fault proxy (seed {seed}): {}", proxy.counts.summary());
    assert!(report.complete(), "{report:?}");
    let uploads = local_uploads(&db);
    assert_eq!(uploads.len(), 3, "{uploads:?}");
    let (mut chunks, mut bytes, mut resent, mut sent_by_device) = (0, 0, 0, 0);
    for upload in &uploads {
        let id = upload.upload_id.expect("upload id");
        let remote = server_upload(&server.url(), &token, id).await;
        assert_eq!(remote["status"], "completed", "{remote}");
        chunks += number(&remote, "chunks_received");
        bytes += upload.size_bytes;
        resent += number(&remote, "bytes_received") - upload.size_bytes;
        sent_by_device += upload.chunks_sent;
    }
    for session in &sessions {
        let (local, stored) = raw_file_and_stored(&db, server.storage_dir(), *session);
        assert!(local == stored, "stored file of {session} differs");
    }
    println!(
        "{} faults injected, {} retried; 3 raw files ({bytes} bytes) in {chunks} chunks received \
         ({sent_by_device} chunk requests sent), {resent} bytes re-sent",
        proxy.counts.injected(),
        report.retried
    );
    assert!(
        proxy.counts.injected() >= 5,
        "too few faults to mean anything"
    );
    // A lost answer never makes the device re-send acknowledged bytes: it asks for the offset.
    assert_eq!(resent, 0);
    let n = fixtures::assert_server_matches_local(&server.url(), &token, &db, 5).await;
    assert_eq!(n, 3);
}
