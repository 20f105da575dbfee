//! `physalign appointments`: the clinic calendar from the local store (pulled by `sync`), a day
//! or a week; booking, moving, cancelling, recurring and marking a no-show work offline (`sync`
//! sends them); `conflicts` lists the slots changed on another device too, `resolve` settles
//! one (keep-mine sends this device's change again, take-theirs drops it).

use crate::commands::clinical_json::{open_store, parse_id, print};
use crate::GlobalArgs;
use anyhow::Context;
use chrono::{NaiveDate, NaiveDateTime, Utc};
use physalign_store::{
    AppointmentKind, AppointmentMove, ConflictResolution, NewAppointment, NoShowMark,
    RecurrencePattern, RecurrenceRule,
};
use physalign_workspace::calendar::{self, CalendarSpan};
use serde_json::json;

/// Arguments of `physalign appointments`.
#[derive(Debug, clap::Args)]
pub struct AppointmentsArgs {
    /// A change to make instead of listing.
    #[command(subcommand)]
    pub command: Option<AppointmentsCommand>,
    /// The whole week (Monday to Sunday) instead of one day.
    #[arg(long)]
    pub week: bool,
    /// The day to show (YYYY-MM-DD; default today).
    #[arg(long)]
    pub date: Option<NaiveDate>,
    /// The clinic's IANA time zone (default: the appointments').
    #[arg(long)]
    pub zone: Option<String>,
    /// Print as JSON.
    #[arg(long, global = true)]
    pub json: bool,
}

/// Subcommands of `physalign appointments`.
#[derive(Debug, clap::Subcommand)]
pub enum AppointmentsCommand {
    /// Book an appointment.
    Book {
        /// The patient's id.
        #[arg(long)]
        patient: String,
        /// Wall-clock start in the clinic, e.g. 2026-03-20T10:00.
        #[arg(long, value_parser = parse_local)]
        at: NaiveDateTime,
        /// The clinic's IANA time zone.
        #[arg(long)]
        zone: String,
        /// Length in minutes.
        #[arg(long, default_value_t = 45)]
        minutes: u32,
        /// initial_assessment, follow_up, treatment, reassessment or telehealth.
        #[arg(long = "type", default_value = "follow_up", value_parser = parse_kind)]
        kind: AppointmentKind,
        /// Notes.
        #[arg(long)]
        notes: Option<String>,
    },
    /// Move an appointment to another wall-clock start (and optionally length).
    Move {
        /// The appointment's id.
        id: String,
        /// New wall-clock start.
        #[arg(long, value_parser = parse_local)]
        at: NaiveDateTime,
        /// New length in minutes.
        #[arg(long)]
        minutes: Option<u32>,
    },
    /// Cancel an appointment (kept, status cancelled).
    Cancel {
        /// The appointment's id.
        id: String,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Repeat an appointment weekly, biweekly or monthly until a date.
    Recur {
        /// The appointment's id.
        id: String,
        /// weekly, biweekly or monthly.
        #[arg(long, value_parser = parse_pattern)]
        pattern: RecurrencePattern,
        /// Last day (YYYY-MM-DD).
        #[arg(long)]
        until: NaiveDate,
        /// Dates to skip.
        #[arg(long = "except")]
        exceptions: Vec<NaiveDate>,
    },
    /// Mark that the patient did not come.
    NoShow {
        /// The appointment's id.
        id: String,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
        /// Charge a no-show fee of this amount.
        #[arg(long)]
        fee: Option<f64>,
        /// Queue a notification for the patient.
        #[arg(long)]
        notify: bool,
    },
    /// Changes refused because the appointment changed elsewhere, with both versions.
    Conflicts,
    /// Settle a conflict: keep-mine or take-theirs.
    Resolve {
        /// The conflict's id (from `conflicts`).
        conflict: i64,
        /// keep_mine or take_theirs.
        #[arg(value_parser = parse_resolution)]
        resolution: ConflictResolution,
    },
}

fn parse_local(text: &str) -> Result<NaiveDateTime, String> {
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .ok_or_else(|| format!("{text:?} is not a date and time like 2026-03-20T10:00"))
}

fn parse_kind(text: &str) -> Result<AppointmentKind, String> {
    text.parse().map_err(|e| format!("{e}"))
}

fn parse_pattern(text: &str) -> Result<RecurrencePattern, String> {
    text.parse().map_err(|e| format!("{e}"))
}

fn parse_resolution(text: &str) -> Result<ConflictResolution, String> {
    text.replace('-', "_").parse().map_err(|e| format!("{e}"))
}

/// Runs the command.
pub fn run(args: AppointmentsArgs, global: &GlobalArgs) -> anyhow::Result<()> {
    let store = open_store(global)?;
    let as_json = args.json;
    let Some(command) = args.command else {
        let zone = calendar::clinic_zone(&store, args.zone.as_deref())?;
        let today = Utc::now()
            .with_timezone(&physalign_store::appointments::parse_zone(&zone)?)
            .date_naive();
        let span = if args.week {
            CalendarSpan::Week
        } else {
            CalendarSpan::Day
        };
        let view = calendar::calendar(&store, span, args.date.unwrap_or(today), &zone)?;
        if as_json {
            return print(&serde_json::to_value(&view)?);
        }
        for day in &view.days {
            println!("{}", day.date.format("%A %-d %B %Y"));
            if day.entries.is_empty() {
                println!("  no appointments");
            }
            for e in &day.entries {
                let a = &e.appointment;
                let flag = if e.conflicted {
                    "  CONFLICT"
                } else if e.pending_sync {
                    "  (not synced yet)"
                } else {
                    ""
                };
                println!(
                    "  {}  {:>3} min  {}  {}  {}{flag}  [{}]",
                    a.local_start.format("%H:%M"),
                    a.duration_minutes,
                    e.patient_name,
                    a.kind,
                    a.status,
                    a.id
                );
                if let Some(previous) = &e.previous_session {
                    println!(
                        "         previous session {} ({}) {}",
                        previous.started_at.format("%Y-%m-%d"),
                        previous.exercise_id,
                        previous.id
                    );
                }
            }
        }
        if !view.conflicts.is_empty() {
            println!(
                "{} conflict(s): `physalign appointments conflicts`",
                view.conflicts.len()
            );
        }
        return Ok(());
    };
    let changed = match command {
        AppointmentsCommand::Book {
            patient,
            at,
            zone,
            minutes,
            kind,
            notes,
        } => store.book_appointment(&NewAppointment {
            id: uuid::Uuid::new_v4(),
            patient_id: parse_id("patient", &patient)?,
            local_start: at,
            time_zone: zone,
            duration_minutes: minutes,
            kind,
            notes,
        })?,
        AppointmentsCommand::Move { id, at, minutes } => store.move_appointment(
            parse_id("appointment", &id)?,
            &AppointmentMove {
                local_start: at,
                time_zone: None,
                duration_minutes: minutes,
            },
        )?,
        AppointmentsCommand::Cancel { id, reason } => {
            store.cancel_appointment(parse_id("appointment", &id)?, reason.as_deref())?
        }
        AppointmentsCommand::Recur {
            id,
            pattern,
            until,
            exceptions,
        } => {
            let series = store.recur_appointment(
                parse_id("appointment", &id)?,
                &RecurrenceRule {
                    pattern,
                    end_date: until,
                    exceptions,
                },
            )?;
            if as_json {
                return print(&serde_json::to_value(&series)?);
            }
            for a in &series {
                println!("{}  {}", a.local_start.format("%Y-%m-%d %H:%M"), a.id);
            }
            return Ok(());
        }
        AppointmentsCommand::NoShow {
            id,
            reason,
            fee,
            notify,
        } => store.mark_no_show(
            parse_id("appointment", &id)?,
            &NoShowMark {
                reason,
                apply_fee: fee.is_some(),
                fee_amount: fee,
                notify_client: notify,
            },
        )?,
        AppointmentsCommand::Conflicts => {
            let conflicts = store.appointment_conflicts()?;
            if as_json {
                return print(&serde_json::to_value(&conflicts)?);
            }
            if conflicts.is_empty() {
                println!("no conflicts");
            }
            for c in &conflicts {
                let theirs = c.theirs.as_ref().map_or("unknown".to_string(), |t| {
                    format!("{} {}", t.local_start.format("%Y-%m-%d %H:%M"), t.status)
                });
                println!(
                    "#{}  appointment {}: mine {} {} ({:?}), theirs {theirs} (version {})",
                    c.id,
                    c.appointment_id,
                    c.mine.appointment.local_start.format("%Y-%m-%d %H:%M"),
                    c.mine.appointment.status,
                    c.mine.action,
                    c.server_version.map_or("?".into(), |v| v.to_string()),
                );
            }
            return Ok(());
        }
        AppointmentsCommand::Resolve {
            conflict,
            resolution,
        } => store
            .resolve_appointment_conflict(conflict, resolution)
            .with_context(|| format!("resolving conflict {conflict}"))?,
    };
    if as_json {
        return print(&json!({ "appointment": changed, "queued": true }));
    }
    println!(
        "appointment {} {} {} ({}); `physalign sync` sends it",
        changed.id,
        changed.local_start.format("%Y-%m-%d %H:%M"),
        changed.time_zone,
        changed.status
    );
    Ok(())
}
