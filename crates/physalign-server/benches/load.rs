//! Load benchmark on loopback: requests per second and latency percentiles for
//! `GET /api/sessions/{id}` and `POST /api/sessions/{id}/data` with 450 frames, against a real
//! PostgreSQL started in a temp dir (as the tests do) and the server in-process.
//!
//! Run: `cargo bench -p physalign-server --bench load` (add `--profile dev` for a quicker
//! build). Settings: `LOAD_SECONDS` (default 5), `LOAD_GET_CONNECTIONS` (16),
//! `LOAD_POST_CONNECTIONS` (4).

#[allow(dead_code)]
use physalign_testpg as pg;

use std::sync::Arc;
use std::time::{Duration, Instant};

use physalign_server::config::ServerConfig;
use physalign_server::state::AppState;
use serde_json::{json, Value};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn frame(i: usize) -> Value {
    let landmarks: Vec<Value> = physalign_domain::LandmarkType::ALL
        .iter()
        .map(|t| json!({"type": t.name(), "x": 0.5, "y": 0.4, "z": 0.1, "visibility": 0.98}))
        .collect();
    let knee = 90.0 + (i % 30) as f64;
    json!({"timestamp": 1_706_630_400_000i64 + (i as i64) * 66, "landmarks": landmarks,
           "angles": {"knee_left": knee, "knee_right": knee - 2.0, "elbow_left": 170.0, "elbow_right": 171.0},
           "quality_score": 0.9, "form_issues": []})
}

struct Outcome {
    latencies: Vec<Duration>,
    errors: usize,
    elapsed: Duration,
}

fn report(name: &str, connections: usize, o: &mut Outcome) {
    o.latencies.sort();
    let n = o.latencies.len();
    let pct = |p: f64| {
        o.latencies
            .get(((n as f64 * p) as usize).min(n.saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "{name}: connections={connections} requests={n} errors={} rate={:.1} req/s p50={:.2} ms p99={:.2} ms max={:.2} ms",
        o.errors,
        n as f64 / o.elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        o.latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

/// Runs `connections` workers for `duration`; worker `w` sends request `make(w)` in a loop.
async fn drive<F>(connections: usize, duration: Duration, make: F) -> Outcome
where
    F: Fn(usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let start = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|w| {
            let make = make.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0;
                while start.elapsed() < duration {
                    let t = Instant::now();
                    match make(w).send().await {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            latencies.push(t.elapsed());
                        }
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut out = Outcome {
        latencies: Vec::new(),
        errors: 0,
        elapsed: Duration::ZERO,
    };
    for w in workers {
        if let Ok((l, e)) = w.await {
            out.latencies.extend(l);
            out.errors += e;
        }
    }
    out.elapsed = start.elapsed();
    out
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run());
}

async fn run() {
    let seconds = env_or("LOAD_SECONDS", 5);
    let get_conns = env_or("LOAD_GET_CONNECTIONS", 16) as usize;
    let post_conns = env_or("LOAD_POST_CONNECTIONS", 4) as usize;
    let cluster = pg::PgCluster::start();
    let url = cluster.create_database("load");
    let storage = tempfile::tempdir().expect("temp dir");
    let mut config = ServerConfig::new(url, "bench-secret-bench-secret-bench-secret-01");
    config.storage_dir = storage.path().to_path_buf();
    config.rate_limit_per_minute = u32::MAX / 20;
    config.db_pool_max = 20;
    let pool = physalign_server::db::connect(&config)
        .await
        .expect("connect");
    physalign_server::db::migrate(&pool).await.expect("migrate");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    config.listen = addr;
    let state = AppState::new(config, pool).expect("state");
    tokio::spawn(async move {
        let _ = physalign_server::app::serve(listener, state, std::future::pending()).await;
    });
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");

    let signup: Value = http
        .post(format!("{base}/api/auth/signup"))
        .json(&json!({"email": "load@example.org", "password": "Str0ng-Passw0rd!", "first_name": "L", "last_name": "D", "role": "patient"}))
        .send().await.expect("signup").json().await.expect("signup json");
    let token = signup["access_token"].as_str().expect("token").to_string();
    let upload = json!({"frames": (0..450).map(frame).collect::<Vec<_>>(),
                        "summary_statistics": {"total_frames": 450, "average_quality": 0.9}});
    let upload_bytes = serde_json::to_vec(&upload).expect("json");
    println!("pose upload body: 450 frames, {} bytes", upload_bytes.len());

    let mut sessions = Vec::new();
    for _ in 0..post_conns.max(1) {
        let r: Value = http
            .post(format!("{base}/api/sessions"))
            .bearer_auth(&token)
            .json(&json!({"exercise_type": "squat"}))
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("json");
        sessions.push(r["session_id"].as_str().expect("id").to_string());
    }
    let first = sessions[0].clone();
    let r = http
        .post(format!("{base}/api/sessions/{first}/data"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(upload_bytes.clone())
        .send()
        .await
        .expect("upload");
    assert!(r.status().is_success(), "upload failed: {}", r.status());

    let duration = Duration::from_secs(seconds);
    {
        let (http, base, token, id) = (http.clone(), base.clone(), token.clone(), first.clone());
        let mut o = drive(get_conns, duration, move |_| {
            http.get(format!("{base}/api/sessions/{id}"))
                .bearer_auth(&token)
        })
        .await;
        report(
            "GET /api/sessions/{id} (450 frames stored)",
            get_conns,
            &mut o,
        );
    }
    {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        let body = Arc::new(upload_bytes);
        let sessions = Arc::new(sessions);
        let mut o = drive(post_conns, duration, move |w| {
            http.post(format!(
                "{base}/api/sessions/{}/data",
                sessions[w % sessions.len()]
            ))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.as_ref().clone())
        })
        .await;
        report(
            "POST /api/sessions/{id}/data (450 frames)",
            post_conns,
            &mut o,
        );
    }
    drop(cluster);
}
