//! `physalign sync`: uploads the local outbox to the central API and pulls reviews and
//! prescriptions; `--once` for one pass, `--status` to inspect.

use crate::GlobalArgs;
use anyhow::bail;
use physalign_sync::{blocking, CredentialStore, RunReport, SyncConfig, SyncStatus};
use std::time::Duration;

/// Arguments of `physalign sync`.
#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// Push and pull until the outbox is empty, then exit (non-zero if anything is left).
    #[arg(long, conflicts_with = "status")]
    pub once: bool,
    /// Print pending and failed entries, conflicts and the last success, then exit.
    #[arg(long)]
    pub status: bool,
    /// JSON output (with `--status` or `--once`).
    #[arg(long)]
    pub json: bool,
    /// Put failed entries back in the queue before syncing.
    #[arg(long)]
    pub retry_failed: bool,
    /// With `--once`: longest wait for retries of transient failures, in seconds.
    #[arg(long, default_value_t = 120)]
    pub max_wait_secs: u64,
    /// Upload every n-th stored frame with the session summary.
    #[arg(long, default_value_t = SyncConfig::default().frame_stride, env = "PHYSALIGN_SYNC_FRAME_STRIDE")]
    pub frame_stride: usize,
    /// Also upload all raw frames (they stay on the device otherwise).
    #[arg(long, env = "PHYSALIGN_SYNC_RAW_FRAMES")]
    pub upload_raw_frames: bool,
    /// Chunk size in bytes of large (raw-frame) uploads; an interrupted upload resumes after
    /// the last chunk the server acknowledged.
    #[arg(long, default_value_t = SyncConfig::default().upload_chunk_size, env = "PHYSALIGN_SYNC_UPLOAD_CHUNK_BYTES")]
    pub upload_chunk_bytes: usize,
    /// First retry delay in milliseconds (doubles up to --backoff-max-ms, with jitter).
    #[arg(long, default_value_t = 1000)]
    pub backoff_base_ms: u64,
    /// Longest retry delay in milliseconds.
    #[arg(long, default_value_t = 300_000)]
    pub backoff_max_ms: u64,
    /// Records delivered at the same time.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Without `--once`: how often to look for new entries, in seconds.
    #[arg(long, default_value_t = 2)]
    pub poll_secs: u64,
    /// Without `--once`: how often to pull from the server, in seconds.
    #[arg(long, default_value_t = 60)]
    pub pull_secs: u64,
}

impl SyncArgs {
    fn config(&self) -> SyncConfig {
        SyncConfig {
            frame_stride: self.frame_stride.max(1),
            upload_raw_frames: self.upload_raw_frames,
            upload_chunk_size: self.upload_chunk_bytes.max(1),
            backoff_base: Duration::from_millis(self.backoff_base_ms.max(1)),
            backoff_max: Duration::from_millis(self.backoff_max_ms.max(self.backoff_base_ms)),
            concurrency: self.concurrency.max(1),
            pull_interval: Duration::from_secs(self.pull_secs),
            ..SyncConfig::default()
        }
    }
}

/// Runs the subcommand.
pub fn run(args: SyncArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let db = global.db_path();
    if args.status {
        let status = blocking::status(&db)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&status)?);
        } else {
            print_status(&status);
        }
        return Ok(());
    }
    if args.retry_failed {
        let n = blocking::retry_failed(&db)?;
        eprintln!("{n} failed entries queued again");
    }
    let credentials = CredentialStore::new(CredentialStore::default_dir());
    if !args.once {
        eprintln!("syncing {} until interrupted", db.display());
        blocking::sync_forever(
            &db,
            credentials,
            args.config(),
            Duration::from_secs(args.poll_secs.max(1)),
        )?;
        return Ok(());
    }
    let report = blocking::sync_once(
        &db,
        credentials,
        args.config(),
        Duration::from_secs(args.max_wait_secs),
    )?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    if !report.complete() {
        let status = blocking::status(&db)?;
        if !args.json {
            for entry in &status.failed_entries {
                println!(
                    "failed #{} {} {} {}: {}",
                    entry.id,
                    entry.entity_type,
                    entry.entity_id,
                    entry.operation,
                    entry.reason.as_deref().unwrap_or("?")
                );
            }
        }
        bail!(
            "sync incomplete: {} pending, {} failed{}{}",
            report.pending_left,
            report.failed_total,
            report
                .login_required
                .as_deref()
                .map(|r| format!(", login required ({r})"))
                .unwrap_or_default(),
            report
                .pull_error
                .as_deref()
                .map(|r| format!(", pull failed ({r})"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

fn print_report(report: &RunReport) {
    println!(
        "delivered {}, retried {}, failed now {}, pending {}, failed total {}",
        report.delivered,
        report.retried,
        report.failed_now,
        report.pending_left,
        report.failed_total
    );
    if let Some(pull) = &report.pull {
        println!(
            "pulled {} sessions ({} changed), {} reviews, {} profile/patient records",
            pull.sessions, pull.changed_sessions, pull.reviews, pull.people
        );
    }
}

fn print_status(status: &SyncStatus) {
    match (&status.server_url, &status.email) {
        (Some(server), Some(email)) => println!("server {server} as {email}"),
        _ => println!("not logged in"),
    }
    if let Some(reason) = &status.login_required {
        println!("login required: {reason}");
    }
    println!(
        "pending {}, failed {}, done {}",
        status.pending, status.failed, status.done
    );
    for entry in &status.failed_entries {
        println!(
            "  failed #{} {} {}: {}",
            entry.id,
            entry.entity_type,
            entry.operation,
            entry.reason.as_deref().unwrap_or("?")
        );
    }
    for c in &status.conflicts {
        println!(
            "  conflict #{} {} {}: local v{:?}, server v{:?}",
            c.id, c.entity_type, c.entity_id, c.local_version, c.server_version
        );
    }
    println!(
        "last success: {}",
        status.last_success_at.as_deref().unwrap_or("never")
    );
    if let Some(e) = &status.last_error {
        println!("last error: {e}");
    }
}
