//! `physalign monitoring [--patient ID] [--to DATE] [--json]`: remote-monitoring readiness of
//! the practice (every patient of the roster on this device), or of one patient, over the 30
//! days ending on `--to` (default today), as physalign-workspace computes it from the local
//! store: days with measured home data, clinician review minutes, interactive contacts, and what
//! the period meets. The definitions are in `physalign_workspace::monitoring`.

use crate::commands::clinical_json::{open_store, parse_id, print};
use crate::GlobalArgs;
use chrono::{NaiveDate, Utc};
use physalign_workspace::monitoring::{DataDays, ReadinessCriterion, ReviewTime};
use physalign_workspace::{PatientMonitoring, Workspace};

/// Arguments of `physalign monitoring`.
#[derive(Debug, clap::Args)]
pub struct MonitoringArgs {
    /// Only this patient (of the roster).
    #[arg(long)]
    pub patient: Option<String>,
    /// Last day of the 30-day period, inclusive (YYYY-MM-DD in the clinic calendar's time zone;
    /// default today there).
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Print the engine's figures as JSON (one patient's, or `{"period", "totals", "patients"}`).
    #[arg(long)]
    pub json: bool,
}

fn criterion_words(c: ReadinessCriterion) -> &'static str {
    match c {
        ReadinessCriterion::DeviceData16 => "device data 16+ days",
        ReadinessCriterion::DeviceData2To15 => "device data 2-15 days",
        ReadinessCriterion::Management20 => "management 20 min",
        ReadinessCriterion::Management10 => "management 10 min",
        ReadinessCriterion::InteractiveContact => "interactive contact",
    }
}

fn data_words(p: &PatientMonitoring) -> String {
    let class = match p.data_days {
        DataDays::Under2 => "under 2",
        DataDays::From2To15 => "2-15",
        DataDays::From16 => "16+",
    };
    let short = p
        .days_short
        .map(|n| {
            format!(
                ", {n} more for {}",
                if p.days_with_data < 2 { 2 } else { 16 }
            )
        })
        .unwrap_or_default();
    format!("{} days ({class}{short})", p.days_with_data)
}

fn time_words(p: &PatientMonitoring) -> String {
    let class = match p.review_time {
        ReviewTime::Under10 => "under 10",
        ReviewTime::From10To19 => "10-19",
        ReviewTime::From20 => "20+",
    };
    format!(
        "{} min in {} reviews ({class})",
        p.review_minutes, p.timed_reviews
    )
}

fn print_patient(p: &PatientMonitoring) {
    let contact = match p.last_contact_at {
        Some(at) => format!("{} (last {})", p.interactive_contacts, at.date_naive()),
        None => "none".to_string(),
    };
    let met: Vec<&str> = p.readiness.iter().map(|c| criterion_words(*c)).collect();
    println!("{}, {}  {}", p.last_name, p.first_name, p.patient_id);
    println!("  data: {}", data_words(p));
    println!("  review time: {}", time_words(p));
    println!("  interactive contacts: {contact}");
    println!(
        "  meets: {}",
        if met.is_empty() {
            "nothing yet".to_string()
        } else {
            met.join(", ")
        }
    );
}

/// Runs the subcommand.
pub fn run(args: MonitoringArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let patient = args
        .patient
        .as_deref()
        .map(|p| parse_id("patient", p))
        .transpose()?;
    let store = open_store(global)?;
    let workspace = Workspace::new(&store, Utc::now());
    if let Some(patient) = patient {
        let figures = workspace.patient_monitoring(patient, args.to)?;
        if args.json {
            return print(&serde_json::to_value(&figures)?);
        }
        println!(
            "Remote monitoring, {} to {} (30 days, {})",
            figures.period.from, figures.period.to, figures.period.time_zone
        );
        print_patient(&figures);
        return Ok(());
    }
    let practice = workspace.monitoring(args.to)?;
    if args.json {
        return print(&serde_json::to_value(&practice)?);
    }
    let t = &practice.totals;
    println!(
        "Remote monitoring, {} to {} (30 days, {}): {} patients; device data 16+ {}, 2-15 {}; \
         management 20 min {}, 10 min {}; interactive contact {}",
        practice.period.from,
        practice.period.to,
        practice.period.time_zone,
        t.patients,
        t.device_data_16,
        t.device_data_2_to_15,
        t.management_20,
        t.management_10,
        t.interactive_contact
    );
    if practice.patients.is_empty() {
        println!("no patients on this device (run `physalign sync` to pull them)");
    }
    for p in &practice.patients {
        print_patient(p);
    }
    Ok(())
}
