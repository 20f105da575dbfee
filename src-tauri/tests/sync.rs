//! Background sync in the app: one worker on Tauri's runtime, woken by "sync now", never wedged
//! by a round that panics. A real SQLite file and a real (if unhelpful) server: a TCP listener
//! that accepts requests and never answers, so every round ends on the request timeout.

use physalign_desktop::managers::{StatusSink, SyncManager};
use physalign_store::sync_state::SyncIdentity;
use physalign_store::Store;
use physalign_sync::client::account_name;
use physalign_sync::credentials::Tokens;
use physalign_sync::{CredentialStore, SyncConfig, SyncStatus};
use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Counts connections and keeps when each was open.
#[derive(Default)]
struct SilentServer {
    accepted: AtomicUsize,
    spans: Mutex<Vec<(Instant, Instant)>>,
}

impl SilentServer {
    /// Connections that opened while an earlier one was still open (beyond the moment it
    /// takes the server to see a closed connection).
    fn overlapping(&self) -> usize {
        let mut spans = self.spans.lock().expect("spans").clone();
        spans.sort();
        spans
            .windows(2)
            .filter(|w| w[1].0 + Duration::from_millis(100) < w[0].1)
            .count()
    }

    /// Listens on a free local port; returns its URL.
    fn start() -> (Arc<Self>, String) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let server = Arc::new(Self::default());
        let counts = server.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counts.accepted.fetch_add(1, Ordering::SeqCst);
                let opened = Instant::now();
                let counts = counts.clone();
                std::thread::spawn(move || {
                    // Reads the request and never answers, until the client gives up.
                    let mut buf = [0u8; 4096];
                    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
                    let span = (opened, Instant::now());
                    counts.spans.lock().expect("spans").push(span);
                });
            }
        });
        (server, url)
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    db: PathBuf,
    credentials: CredentialStore,
}

/// A database signed in to `url`, with tokens, so that rounds really go to the network.
fn signed_in(url: &str) -> Setup {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("physalign.sqlite");
    let email = "patient@example.org";
    Store::open(&db)
        .expect("open the store")
        .set_sync_identity(&SyncIdentity {
            server_url: url.into(),
            email: email.into(),
            user_id: None,
            role: None,
            logged_in_at: chrono::Utc::now(),
            login_required_reason: None,
        })
        .expect("sign in");
    let credentials = CredentialStore::file_only(dir.path().join("credentials"));
    credentials
        .save(
            &account_name(url, email),
            &Tokens {
                refresh_token: "refresh".into(),
                access_token: Some("access".into()),
                access_expires_at: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
                pending_refresh_key: None,
            },
        )
        .expect("store the tokens");
    Setup {
        _dir: dir,
        db,
        credentials,
    }
}

fn manager(setup: &Setup) -> SyncManager {
    SyncManager::new(
        setup.db.clone(),
        setup.credentials.clone(),
        SyncConfig {
            request_timeout: Duration::from_millis(1500),
            ..SyncConfig::default()
        },
        // Long: any round within a test was asked for.
        Duration::from_secs(600),
    )
}

fn wait_until(what: &str, deadline: Duration, done: impl Fn() -> bool) {
    let end = Instant::now() + deadline;
    while !done() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sync_now_during_a_round_joins_it_instead_of_starting_a_second() {
    let (server, url) = SilentServer::start();
    let setup = signed_in(&url);
    let sync = manager(&setup);
    let statuses = Arc::new(AtomicUsize::new(0));
    let seen = statuses.clone();
    sync.start(Arc::new(move |_: &SyncStatus| {
        seen.fetch_add(1, Ordering::SeqCst);
    }));
    // The first round starts on its own.
    wait_until("the first request", Duration::from_secs(10), || {
        server.accepted.load(Ordering::SeqCst) > 0
    });

    let started = Instant::now();
    let requests: Vec<_> = (0..4)
        .map(|_| {
            let sync = sync.clone();
            std::thread::spawn(move || {
                tauri::async_runtime::block_on(sync.sync_now(Duration::from_secs(30)))
            })
        })
        .collect();
    for request in requests {
        let status = request.join().expect("no panic").expect("a status");
        assert!(status.last_error.is_some(), "{status:?}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "sync now returned after the round, not after waiting out back-offs: {:?}",
        started.elapsed()
    );
    assert_eq!(server.overlapping(), 0, "one round at a time");
    assert!(statuses.load(Ordering::SeqCst) >= 2, "rounds reported");
    sync.stop();
}

#[test]
fn a_round_that_panics_does_not_wedge_sync() {
    let (server, url) = SilentServer::start();
    let setup = signed_in(&url);
    let sync = manager(&setup);
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    // Call 1 is the status before the first worker opens; call 2 is the first round's report,
    // made on the worker's task: it panics there.
    let sink: StatusSink = Arc::new(move |_: &SyncStatus| {
        if seen.fetch_add(1, Ordering::SeqCst) == 1 {
            panic!("a round panics");
        }
    });
    sync.start(sink);
    wait_until("the panicking round", Duration::from_secs(20), || {
        calls.load(Ordering::SeqCst) >= 2
    });
    let accepted = server.accepted.load(Ordering::SeqCst);

    // A request after the panic is served by a new worker (the lock file was released).
    let status =
        tauri::async_runtime::block_on(sync.sync_now(Duration::from_secs(30))).expect("a status");
    assert!(status.server_url.is_some());
    wait_until("a round after the panic", Duration::from_secs(30), || {
        server.accepted.load(Ordering::SeqCst) > accepted && calls.load(Ordering::SeqCst) >= 4
    });
    sync.stop();
}

#[test]
fn without_a_sign_in_sync_now_answers_at_once() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let sync = SyncManager::new(
        dir.path().join("physalign.sqlite"),
        CredentialStore::file_only(dir.path().join("credentials")),
        SyncConfig::default(),
        Duration::from_secs(600),
    );
    sync.start(Arc::new(|_: &SyncStatus| {}));
    let started = Instant::now();
    let status =
        tauri::async_runtime::block_on(sync.sync_now(Duration::from_secs(30))).expect("a status");
    assert!(status.server_url.is_none());
    assert_eq!(status.pending, 0);
    assert!(started.elapsed() < Duration::from_secs(5));
    sync.stop();
}
