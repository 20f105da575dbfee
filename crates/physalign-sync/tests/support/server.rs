//! The real `physalign-server` binary as a child process, killable and restartable.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Directory of the workspace's debug binaries (next to this test executable's `deps/`).
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target/debug")
        .to_path_buf()
}

/// Builds `physalign-server` and the `physalign` CLI once per test binary, with the same cargo
/// and target directory as the tests. Each is built on its own with its default features, exactly
/// as `cargo build -p …` builds it, so the tests never leave a cut-down `physalign` behind in
/// the target directory and reuse what an ordinary build already compiled.
pub fn binaries() -> &'static (PathBuf, PathBuf) {
    static BINS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BINS.get_or_init(|| {
        let dir = bin_dir();
        if std::env::var_os("PHYSALIGN_SKIP_BIN_BUILD").is_none() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let target_dir = dir.parent().expect("target dir").to_path_buf();
            for package in ["physalign-server", "physalign-cli"] {
                let mut build = Command::new(&cargo);
                build.args(["build", "--bins", "-p", package]);
                // Benchmarks run from target/release: build the binaries with the same profile.
                if dir.file_name().is_some_and(|name| name == "release") {
                    build.arg("--release");
                }
                let status = build
                    .env("CARGO_TARGET_DIR", &target_dir)
                    .current_dir(env!("CARGO_MANIFEST_DIR"))
                    .status()
                    .expect("run cargo build");
                assert!(status.success(), "building {package} failed");
            }
        }
        (dir.join("physalign-server"), dir.join("physalign"))
    })
}

/// Signing secret of every test server.
const JWT_SECRET: &str = "sync-tests-secret-0123456789abcdefghijklmnop";

/// A running server.
pub struct ServerProcess {
    child: Option<Child>,
    /// Loopback port it listens on.
    pub port: u16,
    database_url: String,
    storage: PathBuf,
    rate_limit: u32,
    /// Certificate chain and key files when the server serves HTTPS itself.
    tls: Option<(PathBuf, PathBuf)>,
}

impl ServerProcess {
    /// Starts a server on `port` against `database_url` and waits until `/health` answers.
    pub fn start(database_url: &str, port: u16, rate_limit: u32) -> Self {
        Self::start_serving(database_url, port, rate_limit, None)
    }

    /// Starts a server serving HTTPS itself with the PEM certificate chain `cert` (issued for
    /// `localhost`) and its key, on every address of the machine.
    pub fn start_https(database_url: &str, port: u16, cert: PathBuf, key: PathBuf) -> Self {
        Self::start_serving(database_url, port, 100_000, Some((cert, key)))
    }

    fn start_serving(
        database_url: &str,
        port: u16,
        rate_limit: u32,
        tls: Option<(PathBuf, PathBuf)>,
    ) -> Self {
        let storage = tempfile::Builder::new()
            .prefix("physalign-sync-blobs-")
            .tempdir()
            .expect("temp dir")
            .keep();
        let mut server = ServerProcess {
            child: None,
            port,
            database_url: database_url.to_string(),
            storage,
            rate_limit,
            tls,
        };
        server.restart();
        server
    }

    /// The directory the server stores uploaded files in.
    pub fn storage_dir(&self) -> &std::path::Path {
        &self.storage
    }

    /// Base URL.
    pub fn url(&self) -> String {
        match self.tls {
            Some(_) => format!("https://localhost:{}", self.port),
            None => format!("http://127.0.0.1:{}", self.port),
        }
    }

    /// Starts the process again (after [`ServerProcess::kill`]) on the same port and database.
    pub fn restart(&mut self) {
        let (server_bin, _) = binaries();
        let mut command = Command::new(server_bin);
        match &self.tls {
            Some((cert, key)) => command
                .arg("--listen")
                .arg(format!("0.0.0.0:{}", self.port))
                .arg("--tls-cert")
                .arg(cert)
                .arg("--tls-key")
                .arg(key),
            None => command
                .arg("--listen")
                .arg(format!("127.0.0.1:{}", self.port)),
        };
        let child = command
            .arg("--database-url")
            .arg(&self.database_url)
            .arg("--jwt-secret")
            .arg(JWT_SECRET)
            .arg("--storage-dir")
            .arg(&self.storage)
            .arg("--rate-limit-per-minute")
            .arg(self.rate_limit.to_string())
            .arg("--login-attempts-per-minute")
            .arg("1000")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start physalign-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            // Over TLS, a listening port is enough: the test's own client checks the rest.
            let up = match self.tls {
                Some(_) => TcpStream::connect(("127.0.0.1", self.port)).is_ok(),
                None => health(self.port),
            };
            if up {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("physalign-server exited at start: {status}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("physalign-server did not answer /health within 60 s");
    }

    /// Creates a physiotherapist account the only way there is: the administrator's command
    /// (`physalign-server create-user`), against this server's database.
    #[allow(dead_code)] // not every test binary registers clinicians
    pub fn create_clinician(&self, email: &str) {
        let (server_bin, _) = binaries();
        let out = Command::new(server_bin)
            .args([
                "--database-url",
                &self.database_url,
                "--jwt-secret",
                JWT_SECRET,
            ])
            .args(["create-user", "--role", "physiotherapist", "--email", email])
            .args(["--first-name", "Clare", "--last-name", "Nician"])
            .env("PHYSALIGN_PASSWORD", super::fixtures::PASSWORD)
            .output()
            .expect("run physalign-server create-user");
        assert!(
            out.status.success(),
            "create-user failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// SIGKILLs the process (no graceful shutdown).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.storage);
    }
}

fn health(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}
