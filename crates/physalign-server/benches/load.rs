//! Load benchmark on loopback: requests per second and latency percentiles for
//! `GET /api/sessions/{id}` and `POST /api/sessions/{id}/data` with 450 frames, against one and
//! against two `physalign-server` processes (the built binary) on one real PostgreSQL started in
//! a temp dir, behind HAProxy when it is installed (else the client alternates between them),
//! reported side by side. Rate limits and the rest are counted in PostgreSQL as in production.
//!
//! Run: `cargo bench -p physalign-server --bench load` (add `--profile dev` for a quicker
//! build). Settings: `LOAD_SECONDS` (default 5), `LOAD_GET_CONNECTIONS` (16),
//! `LOAD_POST_CONNECTIONS` (4), `LOAD_REPLICAS` (`1,2`).

#[allow(dead_code)]
use physalign_testpg as pg;

#[path = "../tests/support/replicas.rs"]
mod replicas;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use replicas::{Balancer, Replica};
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

/// What one phase measured.
struct Measured {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    requests: usize,
    errors: usize,
}

fn measure(name: &str, connections: usize, o: &mut Outcome) -> Measured {
    o.latencies.sort();
    let n = o.latencies.len();
    let pct = |p: f64| {
        o.latencies
            .get(((n as f64 * p) as usize).min(n.saturating_sub(1)))
            .copied()
            .unwrap_or_default()
            .as_secs_f64()
            * 1e3
    };
    let m = Measured {
        rate: n as f64 / o.elapsed.as_secs_f64(),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        requests: n,
        errors: o.errors,
    };
    println!(
        "  {name}: connections={connections} requests={n} errors={} rate={:.1} req/s p50={:.2} ms p99={:.2} ms max={:.2} ms",
        o.errors,
        m.rate,
        m.p50_ms,
        m.p99_ms,
        o.latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    m
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

/// Where the load goes: the balancer, or each replica in turn.
struct Targets {
    bases: Vec<String>,
    next: AtomicUsize,
}

impl Targets {
    fn next(&self) -> &str {
        &self.bases[self.next.fetch_add(1, Ordering::Relaxed) % self.bases.len()]
    }
}

async fn run() {
    let seconds = env_or("LOAD_SECONDS", 5);
    let get_conns = env_or("LOAD_GET_CONNECTIONS", 16) as usize;
    let post_conns = env_or("LOAD_POST_CONNECTIONS", 4) as usize;
    let counts: Vec<usize> = std::env::var("LOAD_REPLICAS")
        .unwrap_or_else(|_| "1,2".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .filter(|&n| n > 0)
        .collect();
    let cluster = pg::PgCluster::start();
    let haproxy = replicas::haproxy_binary();
    println!(
        "load: {seconds} s per phase, {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        if haproxy.is_some() {
            "through HAProxy (round robin)"
        } else {
            "HAProxy not found: the client alternates between replicas"
        }
    );
    let mut rows = Vec::new();
    for &n in &counts {
        println!("{n} replica(s):");
        let url = cluster.create_database(&format!("load_{n}"));
        let env = vec![
            ("PHYSALIGN_RATE_LIMIT", (u32::MAX / 20).to_string()),
            ("PHYSALIGN_DB_POOL_MAX", "20".to_string()),
            ("RUST_LOG", "warn".to_string()),
        ];
        let binary = std::path::Path::new(env!("CARGO_BIN_EXE_physalign-server"));
        let servers: Vec<Replica> = (0..n).map(|_| Replica::spawn(binary, &url, &env)).collect();
        let balancer = haproxy
            .as_ref()
            .map(|h| Balancer::start(h, &servers.iter().map(|r| r.port).collect::<Vec<_>>()));
        let bases = match &balancer {
            Some(b) => vec![b.base.clone()],
            None => servers.iter().map(|r| r.base.clone()).collect(),
        };
        let targets = Arc::new(Targets {
            bases,
            next: AtomicUsize::new(0),
        });
        let (get, post) = phases(targets, seconds, get_conns, post_conns).await;
        rows.push((n, get, post));
        drop(balancer);
        drop(servers);
    }
    println!();
    println!(
        "{:<44} {:>9} {:>12} {:>10} {:>10} {:>8}",
        "", "replicas", "req/s", "p50 ms", "p99 ms", "errors"
    );
    for (name, pick) in [
        ("GET /api/sessions/{id} (450 frames stored)", 0usize),
        ("POST /api/sessions/{id}/data (450 frames)", 1),
    ] {
        for (n, get, post) in &rows {
            let m = if pick == 0 { get } else { post };
            println!(
                "{:<44} {:>9} {:>12.1} {:>10.2} {:>10.2} {:>8}",
                name, n, m.rate, m.p50_ms, m.p99_ms, m.errors
            );
        }
        if let (Some(one), Some(two)) = (
            rows.iter().find(|r| r.0 == 1),
            rows.iter().find(|r| r.0 == 2),
        ) {
            let (a, b) = if pick == 0 {
                (&one.1, &two.1)
            } else {
                (&one.2, &two.2)
            };
            println!(
                "{:<44} two against one: {:.2}x",
                "",
                b.rate / a.rate.max(1e-9)
            );
        }
    }
    let total: usize = rows.iter().map(|r| r.1.requests + r.2.requests).sum();
    println!("({total} requests measured)");
    drop(cluster);
}

async fn phases(
    targets: Arc<Targets>,
    seconds: u64,
    get_conns: usize,
    post_conns: usize,
) -> (Measured, Measured) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");
    let base = targets.next().to_string();
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
    let get = {
        let (http, targets, token, id) = (http.clone(), targets.clone(), token.clone(), first);
        let mut o = drive(get_conns, duration, move |_| {
            http.get(format!("{}/api/sessions/{id}", targets.next()))
                .bearer_auth(&token)
        })
        .await;
        measure(
            "GET /api/sessions/{id} (450 frames stored)",
            get_conns,
            &mut o,
        )
    };
    let post = {
        let (http, token) = (http.clone(), token.clone());
        let body = Arc::new(upload_bytes);
        let sessions = Arc::new(sessions);
        let mut o = drive(post_conns, duration, move |w| {
            http.post(format!(
                "{}/api/sessions/{}/data",
                targets.next(),
                sessions[w % sessions.len()]
            ))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.as_ref().clone())
        })
        .await;
        measure(
            "POST /api/sessions/{id}/data (450 frames)",
            post_conns,
            &mut o,
        )
    };
    (get, post)
}
