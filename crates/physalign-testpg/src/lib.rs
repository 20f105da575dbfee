//! A throwaway PostgreSQL cluster for integration tests and benchmarks: `initdb` into a temp
//! dir, `pg_ctl start` on a free loopback port with the socket directory inside the temp dir.
//! As root (PostgreSQL refuses to run as root) every command runs as the `postgres` user
//! through `runuser`. The per-process cluster of [`cluster`] is stopped and its directory
//! removed when the process exits, whether tests passed or panicked (an `atexit` hook, since
//! statics are never dropped); other clusters by `Drop`.
//!
//! Test code: failures panic with the tool's output, which is what a failing test should show.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Where Debian puts the server binaries; `PHYSALIGN_PG_BIN` overrides.
const DEFAULT_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running cluster.
pub struct PgCluster {
    root: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres_user: bool,
    stopped: std::sync::atomic::AtomicBool,
}

extern "C" {
    fn geteuid() -> u32;
    fn atexit(callback: extern "C" fn()) -> i32;
}

static CLUSTER: OnceLock<PgCluster> = OnceLock::new();

extern "C" fn stop_at_exit() {
    if let Some(cluster) = CLUSTER.get() {
        cluster.stop();
    }
}

/// The cluster of this test binary, started on first use.
pub fn cluster() -> &'static PgCluster {
    CLUSTER.get_or_init(|| {
        let cluster = PgCluster::start();
        // SAFETY: registering a plain extern "C" function without captured state.
        unsafe {
            atexit(stop_at_exit);
        }
        cluster
    })
}

fn id_of(flag: &str) -> u32 {
    let out = Command::new("id")
        .args([flag, "postgres"])
        .output()
        .expect("run id");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("postgres user must exist when testing as root")
}

impl PgCluster {
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres_user {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(path);
            cmd
        } else {
            Command::new(path)
        }
    }

    fn run(&self, cmd: &mut Command, what: &str) {
        let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            out.status.success(),
            "{what} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts a new cluster (prefer [`cluster`] in tests: one per process).
    pub fn start() -> Self {
        let bin = std::env::var_os("PHYSALIGN_PG_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_BIN));
        assert!(
            bin.join("initdb").exists(),
            "PostgreSQL server binaries not found in {} (install postgresql-15 or set PHYSALIGN_PG_BIN)",
            bin.display()
        );
        // SAFETY: geteuid has no preconditions.
        let as_postgres_user = unsafe { geteuid() } == 0;
        let root = tempfile::Builder::new()
            .prefix("physalign-pg-")
            .tempdir()
            .expect("temp dir")
            .keep();
        if as_postgres_user {
            std::os::unix::fs::chown(&root, Some(id_of("-u")), Some(id_of("-g")))
                .expect("chown temp dir");
        }
        let mut cluster = PgCluster {
            root,
            bin,
            port: 0,
            as_postgres_user,
            stopped: std::sync::atomic::AtomicBool::new(false),
        };
        let data = cluster.data_dir();
        cluster.run(
            cluster.command("initdb").arg("-D").arg(&data).args([
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--no-locale",
            ]),
            "initdb",
        );
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .expect("free port");
            cluster.port = port;
            let options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
                 -c full_page_writes=off -c max_connections=300",
                cluster.root.display()
            );
            let out = cluster
                .command("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(cluster.root.join("server.log"))
                .args(["-w", "-t", "60", "-o", &options, "start"])
                .output()
                .expect("pg_ctl start");
            if out.status.success() {
                return cluster;
            }
            last_error = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                std::fs::read_to_string(cluster.root.join("server.log")).unwrap_or_default()
            );
        }
        cluster.remove_dir();
        panic!("could not start PostgreSQL: {last_error}");
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates an empty database and returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        let port = self.port.to_string();
        self.run(
            self.command("createdb")
                .args(["-h", "127.0.0.1", "-p", &port, "-U", "postgres", name]),
            "createdb",
        );
        self.url(name)
    }

    /// Runs one SQL statement in database `db` with psql and returns its unaligned output.
    pub fn query(&self, db: &str, sql: &str) -> String {
        let port = self.port.to_string();
        let out = self
            .command("psql")
            .args(["-h", "127.0.0.1", "-p", &port, "-U", "postgres", "-d", db])
            .args(["-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .unwrap_or_else(|e| panic!("psql: {e}"));
        assert!(
            out.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Stops the server and removes its files (once).
    pub fn stop(&self) {
        if self.stopped.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        self.remove_dir();
    }

    fn remove_dir(&self) {
        let _ = std::fs::remove_dir_all(Path::new(&self.root));
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        self.stop();
    }
}
