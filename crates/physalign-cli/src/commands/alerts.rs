//! `physalign alerts`: the clinician's open alerts, from the local store (pulled by `sync`);
//! `alerts ack ID` acknowledges one offline (it leaves the list at once; `sync` sends it).

use crate::commands::clinical_json::{open_store, parse_id, print};
use crate::GlobalArgs;
use serde_json::{json, Value};

/// Arguments of `physalign alerts`.
#[derive(Debug, clap::Args)]
pub struct AlertsArgs {
    /// `ack`: acknowledge an alert.
    #[command(subcommand)]
    pub command: Option<AlertsCommand>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Subcommands of `physalign alerts`.
#[derive(Debug, clap::Subcommand)]
pub enum AlertsCommand {
    /// Acknowledge an alert (works offline; `physalign sync` sends it).
    Ack(AckArgs),
}

/// Arguments of `physalign alerts ack`.
#[derive(Debug, clap::Args)]
pub struct AckArgs {
    /// The alert's id (`alert_id` in `physalign alerts --json`).
    pub alert_id: String,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub fn run(args: AlertsArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    if let Some(AlertsCommand::Ack(ack)) = args.command {
        return acknowledge(ack, global);
    }
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

fn acknowledge(args: AckArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let id = parse_id("alert", &args.alert_id)?;
    let store = open_store(global)?;
    let queued = store.acknowledge_alert(id)?;
    let alert = store
        .alert(id)?
        .ok_or(physalign_store::StoreError::AlertNotFound(id))?;
    if args.json {
        return print(&json!({
            "alert_id": alert.id,
            "patient_id": alert.patient_id,
            "kind": alert.kind,
            "acknowledged_at": alert.acknowledged_at,
            "queued": queued,
        }));
    }
    if queued {
        println!("alert {id} acknowledged; `physalign sync` sends it");
    } else {
        println!("alert {id} was already acknowledged");
    }
    Ok(())
}
