//! Open alerts: the server's (pulled by sync) and the device's own, typed and ordered.
//!
//! Server alerts are shown until acknowledged (here or on the server). The device derives two
//! more from pulled data, and shows them while the condition holds:
//!
//! * **falling range of motion** ([`falling_rom`]): for one patient, exercise and side, each of
//!   the last three sessions measured a lower mean range of motion than the one before, and the
//!   total drop exceeds the measurement's noise: the larger of [`ROM_NOISE_FLOOR_DEG`] (a camera
//!   goniometer's session-to-session error) and the pooled spread of the patient's own
//!   repetitions in those sessions (a drop smaller than how much their repetitions vary within
//!   one session is not a trend). The rule only compares the person with themselves.
//! * **missed program item** ([`missed_since`]): an active item, current today, with no ended
//!   linked session for [`MISSED_ITEM_DAYS`] days (counted from its latest session, or from its
//!   start when it has none).

use chrono::{DateTime, Duration, NaiveTime, Utc};
use physalign_domain::BodySide;
use physalign_store::{ProgramItemActivity, ProgramItemStatus, SessionRomSample, Store};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

use crate::WorkspaceError;

/// Session-to-session measurement error of a camera goniometer, in degrees: a smaller total
/// drop is never called a trend.
pub const ROM_NOISE_FLOOR_DEG: f64 = 5.0;

/// Sessions in a falling range-of-motion trend.
pub const ROM_TREND_SESSIONS: usize = 3;

/// Sessions per patient and exercise read to find the last three of each side (a session may
/// measure one side only: six cover sides done on alternate days).
const ROM_LOOKBACK_SESSIONS: usize = 6;

/// Days without a linked session after which an active program item is missed.
pub const MISSED_ITEM_DAYS: i64 = 7;

physalign_domain::wire_enum! {
    /// What an alert is about, in the order a clinician sees to them.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum AlertKind {
        /// The server heard crisis language (self-harm or suicide) in a session.
        Crisis = "crisis",
        /// A pain score of 7 or more out of 10 in a session.
        HighPain = "high_pain",
        /// Range of motion falling across the last three sessions of an exercise.
        FallingRom = "falling_rom",
        /// An active program item with no session for a week.
        MissedItem = "missed_item",
        /// A server alert of a kind this build does not know (shown, never dropped).
        Other = "other",
    }
}

impl AlertKind {
    /// Position in the clinician's order (0 first).
    pub fn rank(self) -> usize {
        AlertKind::ALL
            .iter()
            .position(|k| *k == self)
            .unwrap_or(AlertKind::ALL.len())
    }

    /// The kind of a server alert's stored text (`crisis`, `high_pain`).
    pub fn of_server(text: &str) -> AlertKind {
        match text.parse() {
            Ok(AlertKind::Crisis) => AlertKind::Crisis,
            Ok(AlertKind::HighPain) => AlertKind::HighPain,
            _ => AlertKind::Other,
        }
    }
}

physalign_domain::wire_enum! {
    /// Who raised an alert.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum AlertSource {
        /// Raised by the server, pulled by sync; acknowledged with `physalign alerts ack`.
        Server = "server",
        /// Derived on this device from pulled data; clears when the condition no longer holds.
        Device = "device",
    }
}

/// The evidence of a falling range of motion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RomTrend {
    /// The side measured (none when the engine did not say).
    pub side: Option<BodySide>,
    /// The three sessions, oldest first.
    pub session_ids: Vec<Uuid>,
    /// Their mean range of motion in degrees, oldest first.
    pub mean_rom: Vec<f64>,
    /// First minus last, in degrees.
    pub drop_deg: f64,
    /// The noise the drop had to exceed, in degrees.
    pub noise_deg: f64,
}

/// An open alert as the workspace shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkspaceAlert {
    /// What it is about.
    pub kind: AlertKind,
    /// Raised by the server or derived here.
    pub source: AlertSource,
    /// The server alert's id (to acknowledge it); none for the device's own.
    pub alert_id: Option<Uuid>,
    /// The patient concerned.
    pub patient_id: Option<Uuid>,
    /// The session it points to (the one that raised it; the latest of a falling trend; the
    /// latest linked session of a missed item, if any).
    pub session_id: Option<Uuid>,
    /// The program item it points to (missed items).
    pub program_item_id: Option<Uuid>,
    /// The exercise concerned (device alerts).
    pub exercise_id: Option<String>,
    /// What to tell the clinician.
    pub message: String,
    /// When it was raised (server), or when the condition began (device).
    pub raised_at: DateTime<Utc>,
    /// The evidence of a falling range of motion.
    pub rom_trend: Option<RomTrend>,
}

/// The falling trend in one patient's sessions of one exercise and side (oldest first), if
/// the last [`ROM_TREND_SESSIONS`] fall strictly and by more than the noise.
pub fn falling_rom(samples: &[SessionRomSample]) -> Option<RomTrend> {
    let last = samples.get(samples.len().checked_sub(ROM_TREND_SESSIONS)?..)?;
    let strictly_falling = last.windows(2).all(|w| w[1].mean_rom < w[0].mean_rom);
    if !strictly_falling {
        return None;
    }
    let pooled_sd =
        (last.iter().map(|s| s.rom_sd * s.rom_sd).sum::<f64>() / last.len() as f64).sqrt();
    let noise = pooled_sd.max(ROM_NOISE_FLOOR_DEG);
    let drop = last.first()?.mean_rom - last.last()?.mean_rom;
    (drop > noise).then(|| RomTrend {
        side: last[0].side,
        session_ids: last.iter().map(|s| s.session_id).collect(),
        mean_rom: last.iter().map(|s| s.mean_rom).collect(),
        drop_deg: drop,
        noise_deg: noise,
    })
}

/// Since when an item is missed, if it is as of `now`: active, current today, and no ended
/// linked session for [`MISSED_ITEM_DAYS`] days from its latest one (or from its start).
pub fn missed_since(activity: &ProgramItemActivity, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let item = &activity.item;
    let today = now.date_naive();
    let current = item.status == ProgramItemStatus::Active
        && item.start_date.is_none_or(|d| d <= today)
        && item.end_date.is_none_or(|d| d >= today);
    if !current {
        return None;
    }
    let started = item.start_date.map_or(item.created_at, |d| {
        d.and_time(NaiveTime::MIN).and_utc().max(item.created_at)
    });
    let reference = activity.last_session_at.map_or(started, |t| t.max(started));
    let due = reference + Duration::days(MISSED_ITEM_DAYS);
    (now >= due).then_some(due)
}

fn side_words(side: Option<BodySide>) -> String {
    side.map(|s| format!(" ({s})")).unwrap_or_default()
}

/// Every open alert (of one patient, or all) as of `now`: crisis, then pain ≥ 7, then falling
/// range of motion, then missed items (then unknown server kinds); newest first within a kind.
pub fn open_alerts(
    store: &Store,
    patient: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Vec<WorkspaceAlert>, WorkspaceError> {
    let mut out: Vec<WorkspaceAlert> = store
        .open_alerts()?
        .into_iter()
        .filter(|a| patient.is_none() || a.patient_id == patient)
        .map(|a| WorkspaceAlert {
            kind: AlertKind::of_server(&a.kind),
            source: AlertSource::Server,
            alert_id: Some(a.id),
            patient_id: a.patient_id,
            session_id: a.session_id,
            program_item_id: None,
            exercise_id: None,
            message: a.message,
            raised_at: a.created_at,
            rom_trend: None,
        })
        .collect();

    // Keyed by the side's text: BodySide has no order of its own.
    let mut series: BTreeMap<(Uuid, String, Option<&'static str>), Vec<SessionRomSample>> =
        BTreeMap::new();
    for sample in store.recent_rom_samples(patient, ROM_LOOKBACK_SESSIONS)? {
        series
            .entry((
                sample.patient_id,
                sample.exercise_id.clone(),
                sample.side.map(BodySide::as_str),
            ))
            .or_default()
            .push(sample);
    }
    for ((patient_id, exercise_id, _), samples) in series {
        let Some(trend) = falling_rom(&samples) else {
            continue;
        };
        let Some(latest) = samples.last() else {
            continue;
        };
        let side = trend.side;
        out.push(WorkspaceAlert {
            kind: AlertKind::FallingRom,
            source: AlertSource::Device,
            alert_id: None,
            patient_id: Some(patient_id),
            session_id: Some(latest.session_id),
            program_item_id: None,
            message: format!(
                "range of motion falling in {exercise_id}{}: {} degrees over three sessions",
                side_words(side),
                trend
                    .mean_rom
                    .iter()
                    .map(|v| format!("{v:.0}"))
                    .collect::<Vec<_>>()
                    .join(" → ")
            ),
            exercise_id: Some(exercise_id),
            raised_at: latest.started_at,
            rom_trend: Some(trend),
        });
    }

    // Items of a patient who left the roster may linger until the next pull: not theirs to see.
    let roster: HashSet<Uuid> = store
        .care_patients()?
        .into_iter()
        .map(|p| p.patient.patient_id)
        .collect();
    for activity in store.program_item_activity(patient)? {
        if !roster.contains(&activity.item.patient_id) {
            continue;
        }
        let Some(since) = missed_since(&activity, now) else {
            continue;
        };
        let item = &activity.item;
        let days = (now - (since - Duration::days(MISSED_ITEM_DAYS))).num_days();
        out.push(WorkspaceAlert {
            kind: AlertKind::MissedItem,
            source: AlertSource::Device,
            alert_id: None,
            patient_id: Some(item.patient_id),
            session_id: activity.last_session_id,
            program_item_id: Some(item.id),
            exercise_id: Some(item.exercise_id.clone()),
            message: match activity.last_session_at {
                Some(_) => format!("{}: no session for {days} days", item.exercise_id),
                None => format!(
                    "{}: no session in the {days} days since it was prescribed",
                    item.exercise_id
                ),
            },
            raised_at: since,
            rom_trend: None,
        });
    }

    out.sort_by(|a, b| {
        a.kind
            .rank()
            .cmp(&b.kind.rank())
            .then_with(|| b.raised_at.cmp(&a.raised_at))
            .then_with(|| a.patient_id.cmp(&b.patient_id))
            .then_with(|| a.session_id.cmp(&b.session_id))
            .then_with(|| a.program_item_id.cmp(&b.program_item_id))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample(day: u32, mean: f64, sd: f64) -> SessionRomSample {
        SessionRomSample {
            session_id: Uuid::new_v4(),
            patient_id: Uuid::nil(),
            exercise_id: "squat".into(),
            started_at: Utc.with_ymd_and_hms(2026, 3, day, 9, 0, 0).unwrap(),
            side: None,
            repetitions: 8,
            mean_rom: mean,
            rom_sd: sd,
        }
    }

    #[test]
    fn three_strictly_falling_sessions_beyond_the_noise_are_a_trend() {
        let s = [
            sample(1, 95.0, 2.0),
            sample(2, 90.0, 2.0),
            sample(3, 84.0, 2.0),
        ];
        let trend = falling_rom(&s).expect("falling");
        assert_eq!(trend.drop_deg, 11.0);
        assert_eq!(trend.noise_deg, ROM_NOISE_FLOOR_DEG);
        assert_eq!(
            trend.session_ids,
            s.iter().map(|x| x.session_id).collect::<Vec<_>>()
        );
    }

    #[test]
    fn only_the_last_three_count() {
        let s = [
            sample(1, 80.0, 1.0),
            sample(2, 100.0, 1.0),
            sample(3, 94.0, 1.0),
            sample(4, 88.0, 1.0),
        ];
        assert!(falling_rom(&s).is_some());
        assert!(falling_rom(&s[..3]).is_none(), "rose then fell");
    }

    #[test]
    fn two_sessions_a_plateau_or_a_drop_within_the_noise_are_not() {
        assert!(falling_rom(&[sample(1, 100.0, 1.0), sample(2, 70.0, 1.0)]).is_none());
        let plateau = [
            sample(1, 100.0, 1.0),
            sample(2, 90.0, 1.0),
            sample(3, 90.0, 1.0),
        ];
        assert!(falling_rom(&plateau).is_none(), "not strictly falling");
        let small = [
            sample(1, 92.0, 1.0),
            sample(2, 90.0, 1.0),
            sample(3, 88.0, 1.0),
        ];
        assert!(
            falling_rom(&small).is_none(),
            "4 degrees is within the floor"
        );
        // The person's own repetitions vary by 12 degrees: a 10-degree drop is noise for them.
        let noisy = [
            sample(1, 100.0, 12.0),
            sample(2, 95.0, 12.0),
            sample(3, 90.0, 12.0),
        ];
        assert!(falling_rom(&noisy).is_none());
        let steady = [
            sample(1, 100.0, 3.0),
            sample(2, 95.0, 3.0),
            sample(3, 90.0, 3.0),
        ];
        assert!(falling_rom(&steady).is_some(), "same drop, steadier person");
    }

    #[test]
    fn kinds_are_ranked_crisis_first() {
        let ranks: Vec<usize> = [
            AlertKind::Crisis,
            AlertKind::HighPain,
            AlertKind::FallingRom,
            AlertKind::MissedItem,
        ]
        .iter()
        .map(|k| k.rank())
        .collect();
        assert_eq!(ranks, [0, 1, 2, 3]);
        assert_eq!(AlertKind::of_server("high_pain"), AlertKind::HighPain);
        assert_eq!(AlertKind::of_server("something_new"), AlertKind::Other);
        assert_eq!(AlertKind::of_server("missed_item"), AlertKind::Other);
    }
}
