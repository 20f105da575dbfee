//! `physalign consent`: what of a session this device sends to the care team. Shows the
//! patient's settings; `--share-notes` and `--share-transcript` change them (from the next
//! delivery on). Video and audio never leave the device: there is no setting for them.

use crate::commands::clinical_json::{open_store, print};
use crate::GlobalArgs;
use physalign_store::ConsentSettings;
use serde_json::json;

/// A yes-or-no answer on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum YesNo {
    /// Shared with the care team.
    Yes,
    /// Kept on this device.
    No,
}

impl YesNo {
    fn shared(self) -> bool {
        self == YesNo::Yes
    }
}

/// Arguments of `physalign consent`.
#[derive(Debug, clap::Args)]
pub struct ConsentArgs {
    /// Share the clinical notes (pain, mood, action items, risk and crisis flags).
    #[arg(long, value_enum)]
    pub share_notes: Option<YesNo>,
    /// Share the transcript text.
    #[arg(long, value_enum)]
    pub share_transcript: Option<YesNo>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The fixed line on what never leaves the device.
const NEVER_SHARED: &str = "Video and audio never leave this device.";

/// Runs the subcommand.
pub fn run(args: ConsentArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let store = open_store(global)?;
    let mut settings = store.consent_settings()?;
    let changed = args.share_notes.is_some() || args.share_transcript.is_some();
    if changed {
        settings = ConsentSettings {
            share_notes: args.share_notes.map_or(settings.share_notes, YesNo::shared),
            share_transcript: args
                .share_transcript
                .map_or(settings.share_transcript, YesNo::shared),
        };
        store.set_consent_settings(settings)?;
        // Read back: what is printed is what is stored.
        settings = store.consent_settings()?;
    }
    if args.json {
        return print(&json!({
            "share_notes": settings.share_notes,
            "share_transcript": settings.share_transcript,
            "share_video": false,
            "share_audio": false,
            "changed": changed,
        }));
    }
    let word = |shared: bool| {
        if shared {
            "shared"
        } else {
            "kept on this device"
        }
    };
    println!("clinical notes: {}", word(settings.share_notes));
    println!("transcript: {}", word(settings.share_transcript));
    println!("{NEVER_SHARED}");
    Ok(())
}
