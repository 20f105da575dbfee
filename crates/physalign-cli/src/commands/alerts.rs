//! `physalign alerts`: the clinician's open alerts, from the local store (pulled by `sync`).

use crate::commands::clinical_json::{open_store, print};
use crate::GlobalArgs;
use serde_json::{json, Value};

/// Arguments of `physalign alerts`.
#[derive(Debug, clap::Args)]
pub struct AlertsArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: AlertsArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let store = open_store(global)?;
    let alerts = store.open_alerts()?;
    if args.json {
        return print(&Value::Array(
            alerts
                .iter()
                .map(|a| {
                    json!({
                        "alert_id": a.id,
                        "patient_id": a.patient_id,
                        "session_id": a.session_id,
                        "kind": a.kind,
                        "message": a.message,
                        "created_at": a.created_at,
                    })
                })
                .collect(),
        ));
    }
    if alerts.is_empty() {
        println!("no open alerts");
    }
    for a in &alerts {
        println!(
            "{}  {}  {}: {}",
            a.created_at,
            a.kind,
            a.patient_id.map(|p| p.to_string()).unwrap_or_default(),
            a.message
        );
    }
    Ok(())
}
