//! The device's transport rule through the built `physalign` binary: `http://` only to this
//! machine, `https://` for any other server (issue 17).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::mpsc;

fn login(db: &Path, credentials: &Path, server: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physalign"))
        .arg("--db")
        .arg(db)
        .args(["login", "--server", server, "--email", "pat@example.org"])
        .env("PHYSALIGN_PASSWORD", "Correct-horse-1")
        .env("PHYSALIGN_CREDENTIALS_DIR", credentials)
        .output()
        .expect("run physalign")
}

#[test]
fn login_refuses_clear_text_http_to_another_machine() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("patient.sqlite");
    let credentials = dir.path().join("credentials");
    // A device that already has data: the refusal must leave it as it was.
    drop(physalign_store::Store::open(&db).unwrap());

    let out = login(&db, &credentials, "http://192.0.2.10:8080");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "must fail: {stderr}");
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr.contains("insecure server URL"), "{stderr}");
    assert!(stderr.contains("use https://"), "{stderr}");
    let store = physalign_store::Store::open(&db).unwrap();
    assert!(store.sync_identity().unwrap().is_none(), "nothing changed");
}

#[test]
fn login_over_http_to_loopback_reaches_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("patient.sqlite");
    let credentials = dir.path().join("credentials");
    // A loopback server that refuses the password: the request got there, so the URL passed.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (seen, heard) = mpsc::channel();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let _ = seen.send(String::from_utf8_lossy(&buf[..n]).to_string());
            let body = r#"{"code":"INVALID_CREDENTIALS","message":"wrong email or password"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });

    let out = login(&db, &credentials, &format!("http://{addr}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the password was refused: {stderr}");
    assert!(!stderr.contains("insecure"), "{stderr}");
    let request = heard.recv().expect("the server was reached");
    assert!(request.starts_with("POST /api/auth/login "), "{request}");

    // `localhost` is this machine too.
    let out = login(&db, &credentials, "http://localhost:9");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("insecure"), "{stderr}");
}
