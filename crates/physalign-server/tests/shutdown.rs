//! Graceful shutdown of the real binary on a real PostgreSQL (issue 17): SIGTERM stops the
//! server cleanly (exit status 0), a request in flight gets the drain time to finish and no
//! more, and a request in flight that finishes within it is answered.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

struct Server {
    child: Child,
    port: u16,
    _storage: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_server(name: &str, drain_secs: u64) -> Server {
    let url = common::cluster().create_database(name);
    let storage = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_physalign-server"))
        .arg("serve")
        .env("DATABASE_URL", url)
        .env(
            "PHYSALIGN_JWT_SECRET",
            "test-secret-test-secret-test-secret-0123",
        )
        .env("PHYSALIGN_LISTEN", format!("127.0.0.1:{port}"))
        .env("PHYSALIGN_STORAGE_DIR", storage.path())
        .env("PHYSALIGN_SHUTDOWN_DRAIN", drain_secs.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start physalign-server");
    let server = Server {
        child,
        port,
        _storage: storage,
    };
    let started = Instant::now();
    loop {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                return server;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A login whose body is still arriving: in flight until the rest is sent.
fn half_sent_request(port: u16) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let body = r#"{"email":"a@example.org","password":"Str0ng-Passw0rd!"}"#;
    write!(
        s,
        "POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .expect("send");
    s.flush().expect("flush");
    s
}

fn terminate(server: &Server) {
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

fn wait_exit(server: &mut Server, limit: Duration) -> (std::process::ExitStatus, Duration) {
    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            return (status, started.elapsed());
        }
        assert!(started.elapsed() < limit, "still running after {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigterm_drains_requests_in_flight_for_at_most_the_drain_time() {
    let mut server = spawn_server(&format!("shutdown_{}_a", std::process::id()), 2);
    let _stuck = half_sent_request(server.port);
    std::thread::sleep(Duration::from_millis(200));
    terminate(&server);
    let (status, took) = wait_exit(&mut server, Duration::from_secs(20));
    assert!(status.success(), "exit status {status:?}");
    // It waited for the request in flight, then gave up on it.
    assert!(
        took >= Duration::from_millis(1500),
        "stopped after {took:?}"
    );
    assert!(took < Duration::from_secs(10), "stopped after {took:?}");
}

#[test]
fn sigterm_lets_a_request_in_flight_finish() {
    let mut server = spawn_server(&format!("shutdown_{}_b", std::process::id()), 20);
    let mut request = half_sent_request(server.port);
    std::thread::sleep(Duration::from_millis(200));
    terminate(&server);
    std::thread::sleep(Duration::from_millis(300));
    let body = r#"{"email":"a@example.org","password":"Str0ng-Passw0rd!"}"#;
    request
        .write_all(&body.as_bytes()[10..])
        .expect("send the rest");
    let mut answer = String::new();
    request.read_to_string(&mut answer).expect("answer");
    // Answered (no such account), not cut off.
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let (status, took) = wait_exit(&mut server, Duration::from_secs(15));
    assert!(status.success(), "exit status {status:?}");
    assert!(took < Duration::from_secs(10), "stopped after {took:?}");
}
