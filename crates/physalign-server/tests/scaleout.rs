//! Scale-out (issue 20) with real processes: two `physalign-server` replicas on one PostgreSQL,
//! both storing files in one bucket of a real SeaweedFS, behind a real HAProxy.
//!
//! - A resumable upload started on one replica is continued and completed on the other, and a
//!   signed upload URL from one is taken by the other; the files land in the bucket intact.
//! - Failed-login limits and the account lockout count across replicas.
//! - The scheduled clean-up runs once per slot, however many replicas tick.
//! - A device syncing sessions (session, pose data, video in chunks) through HAProxy while one
//!   replica is SIGKILLed loses nothing: every session, its frames and its video are on the
//!   server exactly once.
//!
//! Needs SeaweedFS (`tests/scaleout/provision.sh`, run by `tests/setup.sh`) and HAProxy. Without
//! them the test says why and passes, unless `PHYSALIGN_REQUIRE_SCALEOUT` is set (as
//! `tests/run-all.sh` does), where their absence fails it.

mod common;
#[path = "support/replicas.rs"]
mod replicas;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use physalign_server::storage::{BlobStore, S3Settings, S3Store};
use replicas::{Balancer, Replica, Seaweed};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const PASSWORD: &str = common::PASSWORD;

/// The processes of the test, or why they cannot run here.
fn tools() -> Option<(std::path::PathBuf, std::path::PathBuf)> {
    let weed = replicas::weed_binary();
    let haproxy = replicas::haproxy_binary();
    match (weed, haproxy) {
        (Some(w), Some(h)) => Some((w, h)),
        (w, h) => {
            let missing = [
                w.is_none().then_some(
                    "SeaweedFS (`weed`: run tests/scaleout/provision.sh or set PHYSALIGN_WEED)",
                ),
                h.is_none().then_some("HAProxy (Debian `haproxy`)"),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" and ");
            assert!(
                std::env::var_os("PHYSALIGN_REQUIRE_SCALEOUT").is_none(),
                "PHYSALIGN_REQUIRE_SCALEOUT is set but {missing} is missing"
            );
            println!("SKIPPED scale-out test: {missing} not found");
            None
        }
    }
}

struct Api {
    http: reqwest::Client,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> reqwest::Result<(StatusCode, Value)> {
        let mut request = self.http.request(method, url);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        if let Some(b) = body {
            request = request.json(b);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    async fn json(
        &self,
        method: reqwest::Method,
        url: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        self.call(method, url, token, body, &[])
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    async fn patch_chunk(&self, url: &str, token: &str, offset: u64, chunk: &[u8]) -> StatusCode {
        self.http
            .patch(url)
            .bearer_auth(token)
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", offset.to_string())
            .body(chunk.to_vec())
            .send()
            .await
            .expect("patch")
            .status()
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Deterministic, incompressible-looking bytes.
fn file_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_behind_haproxy_share_files_limits_and_schedules_and_survive_a_crash() {
    let Some((weed, haproxy)) = tools() else {
        return;
    };
    let started = Instant::now();
    let db_name = format!("scaleout_{}", std::process::id());
    let url = common::cluster().create_database(&db_name);
    let seaweed = Seaweed::start(&weed, "physalign");
    let mut env = seaweed.replica_env();
    env.extend([
        ("PHYSALIGN_BEHIND_PROXY", "true".to_string()),
        ("PHYSALIGN_TRUSTED_PROXY", "127.0.0.1/32".to_string()),
        ("PHYSALIGN_RATE_LIMIT", "100000".to_string()),
        ("PHYSALIGN_LOGIN_ATTEMPTS", "3".to_string()),
        ("PHYSALIGN_LOGIN_FAILURES_PER_ADDRESS", "1000".to_string()),
        ("PHYSALIGN_LOCKOUT_THRESHOLD", "5".to_string()),
        ("PHYSALIGN_RETENTION_INTERVAL", "2".to_string()),
        ("PHYSALIGN_UPLOAD_CHUNK_LIMIT", (256 * 1024).to_string()),
        ("PHYSALIGN_SHUTDOWN_DRAIN", "1".to_string()),
    ]);
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_physalign-server"));
    // The first replica applies the migrations; the second finds them applied.
    let mut replicas = vec![Replica::spawn(binary, &url, &env)];
    replicas.push(Replica::spawn(binary, &url, &env));
    let ports: Vec<u16> = replicas.iter().map(|r| r.port).collect();
    let balancer = Balancer::start(&haproxy, &ports);
    let bases: Vec<String> = replicas.iter().map(|r| r.base.clone()).collect();
    println!(
        "SeaweedFS, two replicas and HAProxy up in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let pool = sqlx::PgPool::connect(&url).await.expect("connect");
    let (runs_before, slot_before) = job_runs(&pool).await;
    // The test reads the bucket with the replicas' credentials (from the environment, as the
    // server takes them; this binary runs no other test).
    std::env::set_var("AWS_ACCESS_KEY_ID", replicas::S3_ACCESS_KEY);
    std::env::set_var("AWS_SECRET_ACCESS_KEY", replicas::S3_SECRET_KEY);
    let bucket = S3Store::new(&S3Settings {
        endpoint: Some(seaweed.endpoint.clone()),
        bucket: Some(seaweed.bucket.clone()),
        region: None,
        allow_http: true,
    })
    .expect("bucket");
    let api = Api {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client"),
    };
    let post = reqwest::Method::POST;
    let get = reqwest::Method::GET;

    // A patient signs up through the balancer.
    let email = "scaleout-patient@example.org";
    let (status, body) = api
        .json(
            post.clone(),
            &format!("{}/api/auth/signup", balancer.base),
            None,
            Some(
                &json!({"email": email, "password": PASSWORD, "first_name": "S",
                          "last_name": "O", "role": "patient"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = body["access_token"].as_str().expect("token").to_string();

    // --- A resumable upload started on replica 0, continued and completed on replica 1. ---
    let session = Uuid::new_v4();
    let (status, body) = api
        .json(
            post.clone(),
            &format!("{}/api/sessions", bases[0]),
            Some(&token),
            Some(&json!({"id": session, "exercise_type": "squat"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let video = file_bytes(1, 700 * 1024);
    let (status, body) = api
        .json(
            post.clone(),
            &format!("{}/api/uploads", bases[0]),
            Some(&token),
            Some(
                &json!({"session_id": session, "kind": "video", "size_bytes": video.len(),
                          "sha256": sha256_hex(&video)}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let upload = body["upload_id"].as_str().expect("upload id").to_string();
    let chunk = 256 * 1024;
    let on = |r: usize| format!("{}/api/uploads/{upload}", bases[r]);
    assert_eq!(
        api.patch_chunk(&on(0), &token, 0, &video[..chunk]).await,
        StatusCode::OK
    );
    // Replica 1 knows the offset replica 0 acknowledged, and refuses a stale one.
    let (status, body) = api.json(get.clone(), &on(1), Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["offset"], chunk as u64);
    assert_eq!(
        api.patch_chunk(&on(1), &token, 0, &video[..chunk]).await,
        StatusCode::CONFLICT
    );
    assert_eq!(
        api.patch_chunk(&on(1), &token, chunk as u64, &video[chunk..2 * chunk])
            .await,
        StatusCode::OK
    );
    assert_eq!(
        api.patch_chunk(&on(0), &token, 2 * chunk as u64, &video[2 * chunk..])
            .await,
        StatusCode::OK
    );
    let (status, body) = api
        .json(
            post.clone(),
            &format!("{}/complete", on(1)),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "completed");
    let key = format!("sessions/{session}/video");
    assert_eq!(
        sha256_hex(&bucket.get(&key).await.expect("stored video")),
        sha256_hex(&video),
        "the file in the bucket is the uploaded one"
    );
    // The chunks staged in the bucket went with the completion.
    assert!(!bucket
        .exists(&format!("staging/uploads/{upload}/{:020}", 0))
        .await
        .expect("exists"));

    // A checksum that does not match is still refused when the chunks came through both.
    let wrong = file_bytes(2, 300 * 1024);
    let (status, body) = api
        .json(
            post.clone(),
            &format!("{}/api/uploads", bases[1]),
            Some(&token),
            Some(
                &json!({"session_id": session, "kind": "pose_data", "size_bytes": wrong.len(),
                          "sha256": sha256_hex(b"something else")}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let bad = body["upload_id"].as_str().expect("upload id").to_string();
    let bad_on = |r: usize| format!("{}/api/uploads/{bad}", bases[r]);
    assert_eq!(
        api.patch_chunk(&bad_on(1), &token, 0, &wrong[..chunk])
            .await,
        StatusCode::OK
    );
    assert_eq!(
        api.patch_chunk(&bad_on(0), &token, chunk as u64, &wrong[chunk..])
            .await,
        StatusCode::OK
    );
    let (status, body) = api
        .json(
            post.clone(),
            &format!("{}/complete", bad_on(0)),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "UPLOAD_CHECKSUM_MISMATCH");
    assert!(!bucket
        .exists(&format!("sessions/{session}/pose_data"))
        .await
        .expect("exists"));

    // A signed upload URL from replica 0, taken by replica 1.
    let (status, body) = api
        .json(
            post.clone(),
            &format!("{}/api/upload/generate-url", bases[0]),
            Some(&token),
            Some(&json!({"session_id": session, "kind": "pose_data"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let signed = body["upload_url"].as_str().expect("url");
    let path_and_query = &signed[signed.find("/api/").expect("path")..];
    let pose_file = file_bytes(3, 100 * 1024);
    let r = api
        .http
        .put(format!("{}{path_and_query}", bases[1]))
        .header("content-type", "application/octet-stream")
        .body(pose_file.clone())
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        sha256_hex(
            &bucket
                .get(&format!("sessions/{session}/pose_data"))
                .await
                .expect("stored pose file")
        ),
        sha256_hex(&pose_file)
    );

    // --- Limits count across replicas. ---
    // Three failed logins per account and address a minute: two on one replica and one on the
    // other use them up; the fourth is refused wherever it goes.
    let login = |replica: usize, email: &'static str, from: &'static str| {
        let api = &api;
        let url = format!("{}/api/auth/login", bases[replica]);
        async move {
            api.call(
                reqwest::Method::POST,
                &url,
                None,
                Some(&json!({"email": email, "password": "Wrong-Passw0rd!"})),
                &[("x-forwarded-for", from)],
            )
            .await
            .expect("login")
            .0
        }
    };
    for (replica, expected) in [(0, 401), (1, 401), (0, 401), (1, 429), (0, 429)] {
        assert_eq!(
            login(replica, "limited@example.org", "198.51.100.7")
                .await
                .as_u16(),
            expected
        );
    }
    // The lockout after five failures of one account, from five addresses across replicas.
    let addresses = [
        "203.0.113.1",
        "203.0.113.2",
        "203.0.113.3",
        "203.0.113.4",
        "203.0.113.5",
    ];
    for (i, from) in addresses.into_iter().enumerate() {
        assert_eq!(login(i % 2, "locked@example.org", from).await.as_u16(), 401);
    }
    assert_eq!(
        login(1, "locked@example.org", "203.0.113.6").await.as_u16(),
        429
    );
    assert_eq!(
        login(0, "locked@example.org", "203.0.113.7").await.as_u16(),
        429
    );

    // --- A device syncs while replica 0 is killed. ---
    let sessions: Vec<Uuid> = (0..16).map(|_| Uuid::new_v4()).collect();
    let done = Arc::new(AtomicUsize::new(0));
    let retries = Arc::new(AtomicUsize::new(0));
    let frames_per_session = 30;
    let workers: Vec<_> = sessions
        .chunks(4)
        .map(|mine| {
            let mine = mine.to_vec();
            let base = balancer.base.clone();
            let token = token.clone();
            let http = api.http.clone();
            let done = done.clone();
            let retries = retries.clone();
            tokio::spawn(async move {
                let device = Device {
                    http,
                    base,
                    token,
                    retries,
                };
                for id in mine {
                    device.sync_session(id, frames_per_session).await;
                    done.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    // Once a few sessions are through, replica 0 dies mid-sync.
    let wait = Instant::now();
    while done.load(Ordering::SeqCst) < 4 && wait.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let killed_after = done.load(Ordering::SeqCst);
    replicas[0].kill();
    println!(
        "replica 0 killed after {killed_after} of {} sessions",
        sessions.len()
    );
    for w in workers {
        w.await.expect("device worker");
    }
    println!(
        "all {} sessions synced ({} requests retried)",
        sessions.len(),
        retries.load(Ordering::SeqCst)
    );
    assert!(
        killed_after < sessions.len(),
        "the replica died while sessions were still syncing"
    );

    // Everything is there exactly once: the sessions, their frames, one video each, intact.
    let patient_sessions: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM exercise_sessions s JOIN patients p ON p.id = s.patient_id
         JOIN users u ON u.id = p.user_id WHERE u.email = $1",
    )
    .bind(email)
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(patient_sessions, sessions.len() as i64 + 1);
    for (i, id) in sessions.iter().enumerate() {
        let frames: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM pose_frames WHERE session_id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .expect("frames");
        assert_eq!(frames, frames_per_session as i64, "session {i}");
        let files: Vec<(String, String)> =
            sqlx::query_as("SELECT storage_key, sha256 FROM stored_files WHERE session_id = $1")
                .bind(id)
                .fetch_all(&pool)
                .await
                .expect("files");
        let expected = sha256_hex(&Device::video(*id));
        assert_eq!(files.len(), 1, "session {i}: {files:?}");
        assert_eq!(files[0].1, expected, "session {i}");
        let stored = bucket.get(&files[0].0).await.expect("video in the bucket");
        assert_eq!(sha256_hex(&stored), expected, "session {i}");
    }

    // --- The clean-up ran once per slot while both replicas ticked. ---
    // On a fast run the syncing above fits in one slot: wait until two more slots have begun
    // (ticks come every second), so that later slots had the chance to run twice.
    let waited = Instant::now();
    let (runs_after, slot_after) = loop {
        let (runs, slot) = job_runs(&pool).await;
        if slot >= slot_before + 2 || waited.elapsed() > Duration::from_secs(20) {
            break (runs, slot);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    println!(
        "retention: {} passes in {} slots of 2 s",
        runs_after - runs_before,
        slot_after - slot_before
    );
    assert!(runs_after > runs_before, "the clean-up never ran");
    assert!(
        runs_after - runs_before <= slot_after - slot_before,
        "more passes than slots: {runs_before}->{runs_after} over slots {slot_before}->{slot_after}"
    );
    println!(
        "scale-out test done in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop(balancer);
    drop(replicas);
    drop(seaweed);
}

async fn job_runs(pool: &sqlx::PgPool) -> (i64, i64) {
    let wait = Instant::now();
    loop {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT runs, last_slot FROM scheduled_job_runs WHERE job = 'retention'",
        )
        .fetch_optional(pool)
        .await
        .expect("job runs");
        if let Some(row) = row {
            return row;
        }
        assert!(wait.elapsed() < Duration::from_secs(10), "no clean-up ran");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A patient's device syncing through the balancer like physalign-sync: client-generated ids,
/// an idempotency key per request, and every failed request retried until it gets an answer.
struct Device {
    http: reqwest::Client,
    base: String,
    token: String,
    retries: Arc<AtomicUsize>,
}

impl Device {
    /// The session's video: its own bytes, three chunks' worth.
    fn video(id: Uuid) -> Vec<u8> {
        file_bytes(id.as_u128() as u64, 200 * 1024)
    }

    fn frames(n: usize) -> Value {
        let landmarks: Vec<Value> = physalign_domain::LandmarkType::ALL
            .iter()
            .map(|t| json!({"type": t.name(), "x": 0.5, "y": 0.4, "z": 0.1, "visibility": 0.98}))
            .collect();
        let frames: Vec<Value> = (0..n)
            .map(|i| {
                json!({"timestamp": 1_706_630_400_000i64 + i as i64 * 66,
                       "landmarks": landmarks, "angles": {"knee_left": 90.0 + i as f64},
                       "quality_score": 0.9, "form_issues": []})
            })
            .collect();
        json!({"frames": frames, "summary_statistics": {"total_frames": n}})
    }

    /// Sends until an answer other than a server or connection failure comes back.
    async fn send(&self, make: impl Fn() -> reqwest::RequestBuilder) -> (StatusCode, Value) {
        for attempt in 0..200 {
            if attempt > 0 {
                self.retries.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let Ok(response) = make().bearer_auth(&self.token).send().await else {
                continue;
            };
            let status = response.status();
            let Ok(bytes) = response.bytes().await else {
                continue;
            };
            if status.is_server_error() {
                continue;
            }
            return (
                status,
                serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            );
        }
        panic!("no answer after 200 attempts");
    }

    async fn sync_session(&self, id: Uuid, frames: usize) {
        let base = &self.base;
        let created = json!({"id": id, "exercise_type": "squat"});
        let (status, body) = self
            .send(|| {
                self.http
                    .post(format!("{base}/api/sessions"))
                    .header("idempotency-key", format!("create-{id}"))
                    .json(&created)
            })
            .await;
        // A retry of a create that went through meets the session (or the stored answer).
        assert!(
            status == StatusCode::CREATED
                || (status == StatusCode::CONFLICT && body["error"]["code"] == "SESSION_EXISTS"),
            "create {id}: {status} {body}"
        );
        let data = Self::frames(frames);
        let (status, body) = self
            .send(|| {
                self.http
                    .post(format!("{base}/api/sessions/{id}/data"))
                    .header("idempotency-key", format!("data-{id}"))
                    .json(&data)
            })
            .await;
        assert!(status.is_success(), "data {id}: {status} {body}");
        let video = Self::video(id);
        let declared = json!({"session_id": id, "kind": "video", "size_bytes": video.len(),
                              "sha256": sha256_hex(&video)});
        let (status, body) = self
            .send(|| {
                self.http
                    .post(format!("{base}/api/uploads"))
                    .header("idempotency-key", format!("upload-{id}"))
                    .json(&declared)
            })
            .await;
        assert_eq!(status, StatusCode::CREATED, "upload {id}: {body}");
        let upload = body["upload_id"].as_str().expect("upload id").to_string();
        let url = format!("{base}/api/uploads/{upload}");
        let chunk = 70 * 1024;
        let mut offset = 0usize;
        while offset < video.len() {
            let end = (offset + chunk).min(video.len());
            let (status, body) = self
                .send(|| {
                    self.http
                        .patch(&url)
                        .header("content-type", "application/offset+octet-stream")
                        .header("upload-offset", offset.to_string())
                        .body(video[offset..end].to_vec())
                })
                .await;
            // A conflict tells where the server stands (a chunk acknowledged whose answer was
            // lost): resume from there.
            match status {
                StatusCode::OK => offset = end,
                StatusCode::CONFLICT => {
                    offset = body["error"]["details"]["offset"]
                        .as_u64()
                        .expect("offset in the conflict") as usize
                }
                _ => panic!("chunk of {id}: {status} {body}"),
            }
        }
        let (status, body) = self
            .send(|| self.http.post(format!("{url}/complete")))
            .await;
        assert_eq!(status, StatusCode::OK, "complete {id}: {body}");
        assert_eq!(body["status"], "completed");
    }
}
