//! HTTPS served by the server itself (issue 17): the real binary, on a non-loopback address,
//! with a certificate issued by a clinic's own authority.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::json;

const JWT_SECRET: &str = "tls-secret-tls-secret-tls-secret-0123456";

/// A clinic's certificate authority and the server certificate it issued for this machine.
struct ClinicPki {
    dir: tempfile::TempDir,
    ca_pem: String,
    cert: PathBuf,
    key: PathBuf,
}

fn clinic_pki() -> ClinicPki {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Test Clinic Authority");
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().expect("server key");
    let server_params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    let server = server_params
        .signed_by(&server_key, &issuer)
        .expect("server certificate");
    let dir = tempfile::tempdir().expect("temp dir");
    let cert = dir.path().join("server.pem");
    let key = dir.path().join("server.key");
    // The chain as a proxy would serve it: the leaf, then the authority.
    std::fs::write(&cert, format!("{}{}", server.pem(), ca.pem())).expect("write cert");
    std::fs::write(&key, server_key.serialize_pem()).expect("write key");
    ClinicPki {
        dir,
        ca_pem: ca.pem(),
        cert,
        key,
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// The server process, killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn server_command(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_physalign-server"));
    command
        .env("DATABASE_URL", database_url)
        .env("PHYSALIGN_JWT_SECRET", JWT_SECRET)
        .env("RUST_LOG", "warn")
        .env_remove("PHYSALIGN_LISTEN")
        .env_remove("PHYSALIGN_BEHIND_PROXY")
        .env_remove("PHYSALIGN_TRUSTED_PROXY")
        .env_remove("PHYSALIGN_TLS_CERT")
        .env_remove("PHYSALIGN_TLS_KEY");
    command
}

fn trusting(ca_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("CA"))
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

#[tokio::test]
async fn the_server_serves_https_itself_on_the_network() {
    let pki = clinic_pki();
    let database_url = common::cluster().create_database(&format!("tls_{}", std::process::id()));
    let storage = tempfile::tempdir().expect("storage");
    let port = free_port();
    // Every address of the machine: allowed because the server speaks TLS itself.
    let _server = Running(
        server_command(&database_url)
            .args(["--listen", &format!("0.0.0.0:{port}")])
            .arg("--tls-cert")
            .arg(&pki.cert)
            .arg("--tls-key")
            .arg(&pki.key)
            .arg("--storage-dir")
            .arg(storage.path())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start physalign-server"),
    );
    let base = format!("https://localhost:{port}");
    let client = trusting(&pki.ca_pem);
    let deadline = Instant::now() + Duration::from_secs(60);
    let health = loop {
        match client.get(format!("{base}/health")).send().await {
            Ok(reply) => break reply,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("no HTTPS answer within 60 s: {}", error_chain(&e)),
        }
    };
    assert_eq!(health.status(), 200);
    let hsts = health
        .headers()
        .get("strict-transport-security")
        .and_then(|v| v.to_str().ok())
        .expect("HSTS over HTTPS");
    assert!(hsts.starts_with("max-age="), "{hsts}");

    // A patient signs up and in over it: tokens only ever cross the network encrypted.
    let signup = client
        .post(format!("{base}/api/auth/signup"))
        .json(
            &json!({"email": "tls-patient@example.org", "password": common::PASSWORD,
            "first_name": "Tia", "last_name": "Ls", "role": "patient"}),
        )
        .send()
        .await
        .expect("signup");
    assert_eq!(signup.status(), 201);
    let tokens: serde_json::Value = signup.json().await.expect("tokens");
    let access = tokens["access_token"].as_str().expect("access token");
    let me = client
        .get(format!("{base}/api/auth/me"))
        .bearer_auth(access)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 200);

    // A client that does not know the clinic's authority refuses the certificate.
    let stranger = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let refused = stranger
        .get(format!("{base}/health"))
        .send()
        .await
        .expect_err("an unknown issuer is refused");
    let why = error_chain(&refused);
    assert!(why.contains("certificate"), "{why}");

    // Clear text gets no answer: the port speaks TLS only.
    let plain = client
        .get(format!("http://127.0.0.1:{port}/health"))
        .send()
        .await;
    assert!(plain.is_err(), "clear-text HTTP answered: {plain:?}");

    // Clients that connect and never say hello hold up nobody: handshakes run side by side
    // (one at a time, the next client would wait out the 10 s handshake limit).
    let silent: Vec<_> = (0..3)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect"))
        .collect();
    let started = Instant::now();
    let reply = client
        .get(format!("{base}/health"))
        .send()
        .await
        .expect("answered beside silent clients");
    assert_eq!(reply.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(silent);
}

fn refused_before_the_database(args: &[&std::ffi::OsStr]) -> String {
    let out: Output = server_command("postgres://127.0.0.1:1/none")
        .args(["--listen", "0.0.0.0:0"])
        .args(args)
        .output()
        .expect("run physalign-server");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("database"),
        "refused only at the database: {stderr}"
    );
    stderr
}

fn file_args<'a>(cert: &'a Path, key: &'a Path) -> [&'a std::ffi::OsStr; 4] {
    [
        "--tls-cert".as_ref(),
        cert.as_os_str(),
        "--tls-key".as_ref(),
        key.as_os_str(),
    ]
}

#[test]
fn a_certificate_that_cannot_serve_stops_the_server_at_start() {
    let pki = clinic_pki();
    let other = clinic_pki();

    let half = refused_before_the_database(&["--tls-cert".as_ref(), pki.cert.as_os_str()]);
    assert!(half.contains("go together"), "{half}");

    let missing = pki.dir.path().join("absent.pem");
    let stderr = refused_before_the_database(&file_args(&missing, &pki.key));
    assert!(stderr.contains("TLS certificate file"), "{stderr}");
    assert!(stderr.contains("absent.pem"), "{stderr}");

    // A key in place of the certificate.
    let stderr = refused_before_the_database(&file_args(&pki.key, &pki.key));
    assert!(stderr.contains("holds no PEM certificate"), "{stderr}");

    // The key of another certificate.
    let stderr = refused_before_the_database(&file_args(&pki.cert, &other.key));
    assert!(stderr.contains("cannot serve HTTPS"), "{stderr}");

    // A certificate in place of the key.
    let mut not_a_key = tempfile::NamedTempFile::new().expect("temp file");
    not_a_key.write_all(pki.ca_pem.as_bytes()).expect("write");
    let stderr = refused_before_the_database(&file_args(&pki.cert, not_a_key.path()));
    assert!(stderr.contains("TLS private key file"), "{stderr}");
}
