//! One throwaway PostgreSQL cluster per test binary (the approach of physalign-server's tests):
//! `initdb` into a temp dir, `pg_ctl start` on a free loopback port; as root every command runs
//! as the `postgres` user through `runuser`. Stopped and removed at process exit.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

const DEFAULT_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running cluster.
pub struct PgCluster {
    root: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres_user: bool,
}

extern "C" {
    fn geteuid() -> u32;
    fn atexit(callback: extern "C" fn()) -> i32;
}

static CLUSTER: OnceLock<PgCluster> = OnceLock::new();

extern "C" fn stop_at_exit() {
    if let Some(cluster) = CLUSTER.get() {
        let _ = cluster
            .command("pg_ctl")
            .arg("-D")
            .arg(cluster.root.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&cluster.root);
    }
}

/// The cluster of this test binary, started on first use.
pub fn cluster() -> &'static PgCluster {
    CLUSTER.get_or_init(|| {
        let cluster = PgCluster::start();
        // SAFETY: registers a plain extern "C" function without captured state.
        unsafe {
            atexit(stop_at_exit);
        }
        cluster
    })
}

fn id_of(flag: &str) -> u32 {
    let out = Command::new("id").args([flag, "postgres"]).output().expect("run id");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("the postgres user must exist when testing as root")
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

    fn start() -> Self {
        let bin = std::env::var_os("PHYSALIGN_PG_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_BIN));
        assert!(
            bin.join("initdb").exists(),
            "PostgreSQL binaries not found in {} (install postgresql-15 or set PHYSALIGN_PG_BIN)",
            bin.display()
        );
        // SAFETY: geteuid has no preconditions.
        let as_postgres_user = unsafe { geteuid() } == 0;
        let root = tempfile::Builder::new()
            .prefix("physalign-sync-pg-")
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
        };
        let data = cluster.root.join("data");
        let out = cluster
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--no-locale"])
            .output()
            .expect("initdb");
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        for _ in 0..5 {
            cluster.port = super::free_port();
            let options = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
                 -c full_page_writes=off -c max_connections=200",
                cluster.port,
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
        }
        panic!(
            "could not start PostgreSQL: {}",
            std::fs::read_to_string(cluster.root.join("server.log")).unwrap_or_default()
        );
    }

    /// Creates an empty database and returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        let out = self
            .command("createdb")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", name])
            .output()
            .expect("createdb");
        assert!(out.status.success(), "createdb: {}", String::from_utf8_lossy(&out.stderr));
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Runs one SQL statement in `db` with psql and returns its unaligned output.
    pub fn query(&self, db: &str, sql: &str) -> String {
        let out = self
            .command("psql")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", "-d", db])
            .args(["-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("psql");
        assert!(out.status.success(), "psql: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}
