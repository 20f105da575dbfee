//! A device driven through the `physalign` command line, as a person runs it: its own database
//! and credential folder, the password from the environment.

use super::fixtures::PASSWORD;
use super::server::binaries;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

/// One device: its own database and credential folder.
pub struct CliDevice {
    /// Holds the database and the credentials; removed with the device.
    pub dir: tempfile::TempDir,
}

impl CliDevice {
    /// A device with an empty folder.
    pub fn new() -> Self {
        CliDevice {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The device's database.
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("physalign.sqlite")
    }

    /// Runs `physalign --db DB ARGS…`, whatever its exit status.
    pub fn output(&self, args: &[&str]) -> Output {
        self.output_with(args, &[])
    }

    /// Runs `physalign --db DB ARGS…` with the environment variables `env` added.
    pub fn output_with(&self, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Output {
        let (_, cli) = binaries();
        Command::new(cli)
            .arg("--db")
            .arg(self.db())
            .args(args)
            .env(
                "PHYSALIGN_CREDENTIALS_DIR",
                self.dir.path().join("credentials"),
            )
            .env("PHYSALIGN_NO_KEYRING", "1")
            .env("PHYSALIGN_PASSWORD", PASSWORD)
            .envs(env.iter().copied())
            .output()
            .expect("run physalign")
    }

    /// Signs the device in to `base` as `email`, failing the test if that fails.
    pub fn login(&self, base: &str, email: &str) {
        self.json(&["login", "--server", base, "--email", email]);
    }

    /// One `physalign sync --once` with a short back-off; whether it succeeded. What it printed
    /// goes to the test's log.
    pub fn sync_once(&self, max_wait_secs: u32) -> bool {
        let out = self.output(&[
            "sync",
            "--once",
            "--max-wait-secs",
            &max_wait_secs.to_string(),
            "--backoff-base-ms",
            "100",
            "--backoff-max-ms",
            "500",
        ]);
        eprintln!(
            "sync --once: {}\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out.status.success()
    }

    /// Runs a command and returns its standard output, failing the test on a non-zero exit.
    pub fn run(&self, args: &[&str]) -> String {
        self.run_with(args, &[])
    }

    /// [`CliDevice::run`] with the environment variables `env` added.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> String {
        let out = self.output_with(args, env);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "physalign {args:?} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Runs a command with `--json` and parses what it printed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let stdout = self.run(&with_json);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("physalign {args:?}: not JSON ({e}):\n{stdout}"))
    }
}

/// The items of a JSON array, failing the test on anything else.
pub fn as_array(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        other => panic!("expected a JSON array, got {other}"),
    }
}
