//! `physalign transcript show|save|delete SESSION`: a session's transcript under seed 002's
//! retention. Transcripts are purged 90 days after their session unless saved (`save`, for
//! `--days` after the session or indefinitely); `delete` removes one on the patient's request.
//! Both are queued for the server and sent by `sync`; what the server removed or saved arrives
//! with the next pull. `show` also purges what is due on this device first.

use crate::commands::clinical_json::{open_store, parse_id, print};
use crate::GlobalArgs;
use chrono::Utc;
use physalign_store::TranscriptRetention;
use serde_json::json;

/// Arguments of `physalign transcript`.
#[derive(Debug, clap::Args)]
pub struct TranscriptArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: TranscriptCommand,
}

/// What to do with the transcript.
#[derive(Debug, clap::Subcommand)]
pub enum TranscriptCommand {
    /// When the transcript will be purged, whether it is saved, or why it is gone.
    Show(TargetArgs),
    /// Keep the transcript beyond the automatic 90-day purge.
    Save(SaveArgs),
    /// Delete the transcript now (its text and timing; the clinical notes drawn from it stay).
    Delete(TargetArgs),
}

/// The session whose transcript is meant.
#[derive(Debug, clap::Args)]
pub struct TargetArgs {
    /// The session id.
    pub session: String,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `physalign transcript save`.
#[derive(Debug, clap::Args)]
pub struct SaveArgs {
    /// The session id.
    pub session: String,
    /// Keep it this many days after the session (90 to 3650); without it, indefinitely.
    #[arg(long)]
    pub days: Option<u32>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: TranscriptArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let store = open_store(global)?;
    let (retention, json) = match args.command {
        TranscriptCommand::Show(t) => {
            let id = parse_id("session", &t.session)?;
            store.purge_expired_transcripts(Utc::now())?;
            let retention = store
                .transcript_retention(id)?
                .ok_or_else(|| anyhow::anyhow!("session {id} has no transcript"))?;
            (retention, t.json)
        }
        TranscriptCommand::Save(s) => {
            let id = parse_id("session", &s.session)?;
            (store.save_session_transcript(id, s.days)?, s.json)
        }
        TranscriptCommand::Delete(t) => {
            let id = parse_id("session", &t.session)?;
            store.delete_session_transcript(id)?;
            let retention = store
                .transcript_retention(id)?
                .ok_or_else(|| anyhow::anyhow!("session {id} has no transcript"))?;
            (retention, t.json)
        }
    };
    if json {
        return print(&json!({
            "session_id": retention.session_id,
            "saved": retention.saved,
            "purge_at": retention.purge_at,
            "removed": retention.removed,
            "removed_at": retention.removed_at,
        }));
    }
    println!("{}", describe(&retention));
    Ok(())
}

/// One line a person reads.
fn describe(r: &TranscriptRetention) -> String {
    match (r.removed, r.removed_at, r.saved, r.purge_at) {
        (Some(reason), at, _, _) => format!(
            "transcript of session {}: {reason}{}",
            r.session_id,
            at.map(|t| format!(" on {}", t.format("%Y-%m-%d %H:%M UTC")))
                .unwrap_or_default()
        ),
        (None, _, true, None) => format!(
            "transcript of session {}: saved, kept indefinitely",
            r.session_id
        ),
        (None, _, saved, Some(at)) => format!(
            "transcript of session {}: {}purged on {}",
            r.session_id,
            if saved { "saved; " } else { "" },
            at.format("%Y-%m-%d")
        ),
        (None, _, false, None) => format!("transcript of session {}: kept", r.session_id),
    }
}
