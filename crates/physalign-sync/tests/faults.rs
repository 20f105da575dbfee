//! Fault tolerance end to end: the server killed mid-sync, a proxy that drops, delays, resets
//! and answers 5xx at random (seeded), and the `physalign` client SIGKILLed mid-upload. After
//! each, every session is on the server exactly once with the local summary.

mod support;

use physalign_store::Store;
use physalign_sync::{CredentialStore, SyncConfig, SyncWorker};
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
    // Login goes straight to the server: a lost refresh-token answer would revoke the session
    // (rotation with reuse detection), which is the server's intended behaviour.
    physalign_sync::login(&db, creds.clone(), &server.url(), email, PASSWORD)
        .await
        .expect("login");
    {
        let store = Store::open(&db).expect("store");
        store.ensure_sync_schema().expect("schema");
        let mut identity = store.sync_identity().expect("identity").expect("logged in");
        let account = physalign_sync::client::account_name(&identity.server_url, email);
        let tokens = creds.load(&account).expect("load").expect("tokens");
        identity.server_url = proxy.url();
        store
            .set_sync_identity(&identity)
            .expect("identity via proxy");
        let proxied = physalign_sync::client::account_name(&proxy.url(), email);
        creds.save(&proxied, &tokens).expect("tokens for proxy URL");
    }
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
