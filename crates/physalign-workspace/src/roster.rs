//! The roster (each patient with the last session, adherence this week and open alerts,
//! searchable by name) and one patient's chart.

use crate::alerts::{missed_since, open_alerts, AlertSource, WorkspaceAlert};
use crate::WorkspaceError;
use chrono::{DateTime, Utc};
use physalign_store::{Adherence, ProgramItem, ProgramItemStatus, SessionOverview, Store};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// Sessions done this week against the program's weekly targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WeekAdherence {
    /// Ended sessions linked to the patient's current active items, started this ISO week
    /// (the store's adherence, summed over the items).
    pub done: i64,
    /// Sum of those items' sessions per week (items without a target add nothing).
    pub target: i64,
    /// Current active items.
    pub items: i64,
}

/// One patient of the roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RosterEntry {
    /// The patient's id.
    pub patient_id: Uuid,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail, when the server shares it.
    pub email: Option<String>,
    /// Start of their latest session on this device.
    pub last_session_at: Option<DateTime<Utc>>,
    /// Server alerts not acknowledged (as `physalign patients` always counted them).
    pub alerts_open: i64,
    /// Open alerts of every kind, the device's own included.
    pub alerts_total: i64,
    /// This week's sessions against the program.
    pub adherence_this_week: WeekAdherence,
}

/// A program item of the chart with its adherence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChartProgramItem {
    /// The item.
    pub item: ProgramItem,
    /// Its adherence now (the store's definition, the server's too).
    pub adherence: Adherence,
    /// Start of its latest ended linked session.
    pub last_session_at: Option<DateTime<Utc>>,
    /// Since when it is missed, if it is.
    pub missed_since: Option<DateTime<Utc>>,
}

/// What the patient chart shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PatientChart {
    /// The roster row.
    pub patient: RosterEntry,
    /// The program, active items first.
    pub program: Vec<ChartProgramItem>,
    /// Sessions, newest first, each with its latest review.
    pub sessions: Vec<SessionOverview>,
    /// The patient's open alerts, most urgent first.
    pub alerts: Vec<WorkspaceAlert>,
}

/// Whether `search` (trimmed, case-insensitive) is part of the first or last name, or of
/// "first last"; an empty search matches everyone.
pub fn name_matches(first_name: &str, last_name: &str, search: &str) -> bool {
    let needle = search.trim().to_lowercase();
    if needle.is_empty() {
        return true;
    }
    let full = format!("{first_name} {last_name}").to_lowercase();
    full.contains(&needle)
}

/// Roster names by patient id.
pub(crate) fn names(store: &Store) -> Result<HashMap<Uuid, (String, String)>, WorkspaceError> {
    Ok(store
        .care_patients()?
        .into_iter()
        .map(|p| {
            (
                p.patient.patient_id,
                (p.patient.first_name, p.patient.last_name),
            )
        })
        .collect())
}

/// Adherence this week per patient over their current active items.
fn week_adherence(
    store: &Store,
    patient: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, WeekAdherence>, WorkspaceError> {
    let today = now.date_naive();
    // One query for every item: the store's adherence, item by item, is 2 queries each.
    let done = store.done_this_week_by_item(patient, now)?;
    let mut out: HashMap<Uuid, WeekAdherence> = HashMap::new();
    for item in store.program_items(patient)? {
        let current = item.status == ProgramItemStatus::Active
            && item.start_date.is_none_or(|d| d <= today)
            && item.end_date.is_none_or(|d| d >= today);
        if !current {
            continue;
        }
        let week = out.entry(item.patient_id).or_default();
        week.done += done.get(&item.id).copied().unwrap_or(0);
        week.target += item.per_week.unwrap_or(0);
        week.items += 1;
    }
    Ok(out)
}

/// The roster with `alerts` counted in, by last then first name, filtered by `search`.
pub(crate) fn roster(
    store: &Store,
    alerts: &[WorkspaceAlert],
    search: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<RosterEntry>, WorkspaceError> {
    let adherence = week_adherence(store, None, now)?;
    let mut totals: HashMap<Uuid, i64> = HashMap::new();
    for patient in alerts.iter().filter_map(|a| a.patient_id) {
        *totals.entry(patient).or_default() += 1;
    }
    Ok(store
        .care_patients()?
        .into_iter()
        .filter(|p| {
            search.is_none_or(|s| name_matches(&p.patient.first_name, &p.patient.last_name, s))
        })
        .map(|p| {
            let id = p.patient.patient_id;
            RosterEntry {
                patient_id: id,
                first_name: p.patient.first_name,
                last_name: p.patient.last_name,
                email: p.patient.email,
                last_session_at: p.last_session_at,
                alerts_open: p.alerts_open,
                alerts_total: totals.get(&id).copied().unwrap_or(0),
                adherence_this_week: adherence.get(&id).copied().unwrap_or_default(),
            }
        })
        .collect())
}

/// One patient's chart as of `now`.
pub(crate) fn patient_chart(
    store: &Store,
    patient_id: Uuid,
    now: DateTime<Utc>,
) -> Result<PatientChart, WorkspaceError> {
    let overview = store
        .care_patients()?
        .into_iter()
        .find(|p| p.patient.patient_id == patient_id)
        .ok_or(WorkspaceError::PatientNotFound(patient_id))?;
    let alerts = open_alerts(store, Some(patient_id), now)?;
    let adherence = week_adherence(store, Some(patient_id), now)?;
    let program = store
        .program_item_activity(Some(patient_id))?
        .into_iter()
        .map(|activity| {
            Ok(ChartProgramItem {
                adherence: store.adherence(activity.item.id, now)?,
                missed_since: missed_since(&activity, now),
                last_session_at: activity.last_session_at,
                item: activity.item,
            })
        })
        .collect::<Result<Vec<_>, WorkspaceError>>()?;
    let alerts_open = alerts
        .iter()
        .filter(|a| a.source == AlertSource::Server)
        .count();
    Ok(PatientChart {
        patient: RosterEntry {
            patient_id,
            first_name: overview.patient.first_name,
            last_name: overview.patient.last_name,
            email: overview.patient.email,
            last_session_at: overview.last_session_at,
            alerts_open: i64::try_from(alerts_open).unwrap_or(i64::MAX),
            alerts_total: i64::try_from(alerts.len()).unwrap_or(i64::MAX),
            adherence_this_week: adherence.get(&patient_id).copied().unwrap_or_default(),
        },
        program,
        sessions: store.session_overviews(Some(patient_id))?,
        alerts,
    })
}

#[cfg(test)]
mod tests {
    use super::name_matches;

    #[test]
    fn search_is_any_part_of_either_name_ignoring_case() {
        assert!(name_matches("Ada", "Lovelace", "love"));
        assert!(name_matches("Ada", "Lovelace", "ADA"));
        assert!(name_matches("Ada", "Lovelace", " ada lov "));
        assert!(name_matches("Ada", "Lovelace", ""));
        assert!(name_matches("Zoë", "Öztürk", "ÖZT"));
        assert!(!name_matches("Ada", "Lovelace", "grace"));
    }
}
