//! A fault-injecting HTTP/1.1 proxy on loopback: one request per client connection, and for each
//! a seeded random choice to pass it, delay it, drop the connection before forwarding, reset it
//! after the server processed the request (the client never sees the answer), or answer 500/503
//! itself before or after forwarding. [`FaultProxy::slow`] only delays every request (to make
//! a transfer last long enough to be interrupted at a chosen point).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Counts of what the proxy did.
#[derive(Debug, Default)]
pub struct FaultCounts {
    /// Requests passed through untouched.
    pub passed: AtomicUsize,
    /// Requests delayed, then passed.
    pub delayed: AtomicUsize,
    /// Connections closed before forwarding.
    pub dropped: AtomicUsize,
    /// Connections closed after the server answered (answer lost).
    pub reset_after_forward: AtomicUsize,
    /// 500/503 answered without forwarding.
    pub error_before: AtomicUsize,
    /// 500 answered after the server processed the request.
    pub error_after: AtomicUsize,
    /// Upstream unreachable (server down).
    pub upstream_down: AtomicUsize,
}

impl FaultCounts {
    /// Injected faults (everything except passes and upstream outages).
    pub fn injected(&self) -> usize {
        self.delayed.load(Ordering::Relaxed)
            + self.dropped.load(Ordering::Relaxed)
            + self.reset_after_forward.load(Ordering::Relaxed)
            + self.error_before.load(Ordering::Relaxed)
            + self.error_after.load(Ordering::Relaxed)
    }

    /// One line for the test log.
    pub fn summary(&self) -> String {
        format!(
            "passed {}, delayed {}, dropped {}, reset after forward {}, 5xx before {}, 5xx after {}, upstream down {}",
            self.passed.load(Ordering::Relaxed),
            self.delayed.load(Ordering::Relaxed),
            self.dropped.load(Ordering::Relaxed),
            self.reset_after_forward.load(Ordering::Relaxed),
            self.error_before.load(Ordering::Relaxed),
            self.error_after.load(Ordering::Relaxed),
            self.upstream_down.load(Ordering::Relaxed),
        )
    }
}

/// A running proxy.
pub struct FaultProxy {
    /// Port clients connect to.
    pub port: u16,
    /// What it did so far.
    pub counts: Arc<FaultCounts>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone, Copy)]
enum Fault {
    Pass,
    /// Not a fault: a pass after a fixed delay (counted as passed).
    SlowPass(u64),
    Delay(u64),
    Drop,
    ResetAfterForward,
    ErrorBefore(u16),
    ErrorAfter,
}

fn choose(rng: &mut StdRng, fault_rate: f64) -> Fault {
    if rng.gen::<f64>() >= fault_rate {
        return Fault::Pass;
    }
    match rng.gen_range(0..6) {
        0 => Fault::Delay(rng.gen_range(50..400)),
        1 => Fault::Drop,
        2 => Fault::ResetAfterForward,
        3 => Fault::ErrorBefore(500),
        4 => Fault::ErrorBefore(503),
        _ => Fault::ErrorAfter,
    }
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream_port`; `fault_rate` of the
    /// requests get a fault, chosen by an RNG seeded with `seed`.
    pub async fn start(upstream_port: u16, seed: u64, fault_rate: f64) -> FaultProxy {
        Self::start_with(upstream_port, seed, fault_rate, 0).await
    }

    /// A proxy without faults that delays every request by `delay_ms` before forwarding it.
    pub async fn slow(upstream_port: u16, delay_ms: u64) -> FaultProxy {
        Self::start_with(upstream_port, 0, 0.0, delay_ms).await
    }

    async fn start_with(
        upstream_port: u16,
        seed: u64,
        fault_rate: f64,
        pass_delay_ms: u64,
    ) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let counts = Arc::new(FaultCounts::default());
        let rng = Arc::new(Mutex::new(StdRng::seed_from_u64(seed)));
        let task_counts = Arc::clone(&counts);
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let fault = {
                    let mut rng = rng
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    match choose(&mut rng, fault_rate) {
                        Fault::Pass if pass_delay_ms > 0 => Fault::SlowPass(pass_delay_ms),
                        fault => fault,
                    }
                };
                let counts = Arc::clone(&task_counts);
                tokio::spawn(async move {
                    let _ = handle(client, upstream_port, fault, &counts).await;
                });
            }
        });
        FaultProxy { port, counts, task }
    }

    /// Base URL clients use.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Reads one request (head + Content-Length body) and returns it with `Connection: close`.
async fn read_request(client: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut length = 0usize;
    let mut lines: Vec<String> = Vec::new();
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("connection:") {
            continue;
        }
        lines.push(line.to_string());
    }
    while buf.len() < head_end + length {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut request = lines.join("\r\n").into_bytes();
    request.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    request.extend_from_slice(&buf[head_end..head_end + length]);
    Ok(Some(request))
}

async fn forward(upstream_port: u16, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut upstream = TcpStream::connect(("127.0.0.1", upstream_port)).await?;
    upstream.write_all(request).await?;
    let mut response = Vec::new();
    upstream.read_to_end(&mut response).await?;
    Ok(response)
}

async fn handle(
    mut client: TcpStream,
    upstream_port: u16,
    fault: Fault,
    counts: &FaultCounts,
) -> std::io::Result<()> {
    let Some(request) = read_request(&mut client).await? else {
        return Ok(());
    };
    match fault {
        Fault::Drop => {
            counts.dropped.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        Fault::ErrorBefore(status) => {
            counts.error_before.fetch_add(1, Ordering::Relaxed);
            let answer = format!(
                "HTTP/1.1 {status} Injected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            return client.write_all(answer.as_bytes()).await;
        }
        Fault::Delay(ms) | Fault::SlowPass(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        _ => {}
    }
    let response = match forward(upstream_port, &request).await {
        Ok(response) if !response.is_empty() => response,
        _ => {
            // Server down: the client sees a closed connection, as it would without the proxy.
            counts.upstream_down.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
    };
    match fault {
        Fault::ResetAfterForward => {
            counts.reset_after_forward.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
        Fault::ErrorAfter => {
            counts.error_after.fetch_add(1, Ordering::Relaxed);
            client
                .write_all(
                    b"HTTP/1.1 500 Injected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await
        }
        Fault::Delay(_) => {
            counts.delayed.fetch_add(1, Ordering::Relaxed);
            client.write_all(&response).await
        }
        _ => {
            counts.passed.fetch_add(1, Ordering::Relaxed);
            client.write_all(&response).await
        }
    }
}
