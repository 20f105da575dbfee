//! The clinician's workspace, decided on the device from what the local store holds (pulled
//! sessions, reviews, program items, alerts and the roster), so it works with the network
//! unplugged:
//!
//! * the **review queue**: sessions of the roster's patients without a review, oldest first;
//! * **open alerts**: the server's (crisis, pain ≥ 7) not acknowledged, and the device's own
//!   (range of motion falling across three sessions, a program item missed for a week), crisis
//!   first, each pointing to its patient and session or program item ([`alerts`]);
//! * the **roster**: each patient with the last session, adherence this week and open alerts,
//!   searchable by name ([`roster`]);
//! * **today's patients**: recently active patients, until appointments exist;
//! * the **calendar**: the day or week of appointments, booked and changed offline, with the
//!   conflicts sync found ([`calendar`]); a patient's upcoming appointments and goals;
//! * the **patient chart**'s progress over time per exercise and side against the target band
//!   ([`progress`]), a session's **replay** from its stored landmarks ([`replay`]) and the
//!   **comparison** of two sessions ([`compare`]);
//! * the clinician's **changes**, offline: reviews and the program builder ([`actions`]);
//! * **measurement mode**: a camera goniometer reading of a held position, saved in the
//!   patient's chart ([`measurement`]);
//! * the **note of a visit** drafted in a SOAP layout, every statement with its evidence, for
//!   the clinician to edit and sign ([`notes`]);
//! * the **PDF reports**' data: a patient's progress over a period and a session's note
//!   ([`reports`]);
//! * **outcome measures**: questionnaires over time against their MCID, the plan's schedule
//!   and what is due, for the chart and the patient's Today ([`outcomes`]);
//! * **remote-monitoring readiness** per patient over 30 days, and for the practice: days with
//!   measured data, clinician review minutes, interactive contacts ([`monitoring`]);
//! * **who may open it** (a clinician signed in, never a patient: [`access`]) and the **idle
//!   lock** of a shared clinic computer ([`lock`]).
//!
//! The desktop shell and the command line show what [`Workspace`] returns; they decide nothing.

#![warn(missing_docs)]

pub mod access;
pub mod actions;
pub mod alerts;
pub mod calendar;
pub mod compare;
pub mod curve;
pub mod lock;
pub mod measurement;
pub mod monitoring;
pub mod notes;
pub mod outcomes;
pub mod progress;
pub mod replay;
pub mod reports;
pub mod roster;

pub use access::{require_clinician, Clinician};
pub use alerts::{AlertKind, AlertSource, RomTrend, WorkspaceAlert};
pub use monitoring::{PatientMonitoring, PracticeMonitoring};
/// The exercise catalogue the replay, comparison and progress read (re-exported for callers
/// without the analysis crate).
pub use physalign_analysis::Catalogue;
pub use roster::{name_matches, ChartProgramItem, PatientChart, RosterEntry, WeekAdherence};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use physalign_store::{RecordOrigin, SessionStatus, Store, StoreError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How far back activity makes a patient one of today's (until appointments exist).
pub const RECENT_ACTIVITY_DAYS: i64 = 7;

/// What can go wrong building the workspace.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No patient with this id on the roster.
    #[error("patient {0} is not on this device's roster")]
    PatientNotFound(Uuid),
    /// Nobody is signed in on this device.
    #[error("sign in as a physiotherapist to open the workspace")]
    NotSignedIn,
    /// The signed-in account is not a clinician's.
    #[error("the workspace is for physiotherapists; this device is signed in as a {role}")]
    NotAClinician {
        /// The account's role as the server named it.
        role: String,
    },
    /// No session with this id on this device.
    #[error("session {0} is not on this device")]
    SessionNotFound(Uuid),
    /// No program item with this id on this device.
    #[error("program item {0} is not on this device")]
    ItemNotFound(Uuid),
    /// Two sessions of different patients cannot be compared.
    #[error("the two sessions are of different patients")]
    NotSamePatient,
    /// A session compared with itself.
    #[error("choose two different sessions to compare (both are {0})")]
    SameSession(Uuid),
    /// A change the server would refuse.
    #[error("{what}: {detail}")]
    Invalid {
        /// What is wrong.
        what: &'static str,
        /// Why.
        detail: String,
    },
}

/// A session waiting for the clinician's review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReviewQueueEntry {
    /// Session id.
    pub session_id: Uuid,
    /// The patient.
    pub patient_id: Uuid,
    /// The patient's first name.
    pub first_name: String,
    /// The patient's last name.
    pub last_name: String,
    /// Exercise catalogue id.
    pub exercise_id: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: DateTime<Utc>,
    /// Lifecycle status.
    pub status: SessionStatus,
    /// A home session pulled from the server, or recorded here in clinic.
    pub origin: RecordOrigin,
    /// The program item it was recorded for.
    pub program_item_id: Option<Uuid>,
}

/// A patient active recently, with why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TodayPatient {
    /// The patient as the roster shows them.
    #[serde(flatten)]
    pub entry: RosterEntry,
    /// The latest session start or alert raised, within [`RECENT_ACTIVITY_DAYS`].
    pub last_activity_at: DateTime<Utc>,
}

/// The start of the clinician's day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StartOfDay {
    /// Sessions to review, oldest first.
    pub review_queue: Vec<ReviewQueueEntry>,
    /// Open alerts, most urgent kind first, newest first within a kind.
    pub alerts: Vec<WorkspaceAlert>,
    /// Today's patients: those active recently, most recent first.
    pub patients: Vec<TodayPatient>,
}

/// The workspace over one store as of one instant (tests pass their own clock).
#[derive(Debug)]
pub struct Workspace<'a> {
    store: &'a Store,
    now: DateTime<Utc>,
}

impl<'a> Workspace<'a> {
    /// The workspace of `store` as of `now`.
    pub fn new(store: &'a Store, now: DateTime<Utc>) -> Workspace<'a> {
        Workspace { store, now }
    }

    /// The instant the workspace is computed for.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Sessions of the roster's patients without a review, oldest first. A session still
    /// being recorded (not ended) is not ready for review and waits.
    pub fn review_queue(&self) -> Result<Vec<ReviewQueueEntry>, WorkspaceError> {
        let names = roster::names(self.store)?;
        Ok(self
            .store
            .roster_sessions_without_review()?
            .into_iter()
            .filter_map(|s| {
                let ended_at = s.ended_at?;
                let (first_name, last_name) = names.get(&s.patient_id).cloned()?;
                Some(ReviewQueueEntry {
                    session_id: s.session_id,
                    patient_id: s.patient_id,
                    first_name,
                    last_name,
                    exercise_id: s.exercise_id,
                    started_at: s.started_at,
                    ended_at,
                    status: s.status,
                    origin: s.origin,
                    program_item_id: s.program_item_id,
                })
            })
            .collect())
    }

    /// Open alerts of every kind, in the order the clinician sees to them.
    pub fn alerts(&self) -> Result<Vec<WorkspaceAlert>, WorkspaceError> {
        alerts::open_alerts(self.store, None, self.now)
    }

    /// The roster, by last then first name; with `search`, only patients whose first or last
    /// name contains it (case-insensitive).
    pub fn roster(&self, search: Option<&str>) -> Result<Vec<RosterEntry>, WorkspaceError> {
        let alerts = self.alerts()?;
        roster::roster(self.store, &alerts, search, self.now)
    }

    /// Review queue, open alerts and today's patients at once (alerts computed once).
    pub fn start_of_day(&self) -> Result<StartOfDay, WorkspaceError> {
        let alerts = self.alerts()?;
        let entries = roster::roster(self.store, &alerts, None, self.now)?;
        let since = self.now - Duration::days(RECENT_ACTIVITY_DAYS);
        let mut patients: Vec<TodayPatient> = entries
            .into_iter()
            .filter_map(|entry| {
                let alert_at = alerts
                    .iter()
                    .filter(|a| a.patient_id == Some(entry.patient_id))
                    .map(|a| a.raised_at)
                    .max();
                // A future timestamp (a clock set wrong somewhere) is not activity "now".
                let last_activity_at = [entry.last_session_at, alert_at]
                    .into_iter()
                    .flatten()
                    .filter(|t| *t >= since && *t <= self.now)
                    .max()?;
                Some(TodayPatient {
                    entry,
                    last_activity_at,
                })
            })
            .collect();
        patients.sort_by(|a, b| {
            b.last_activity_at
                .cmp(&a.last_activity_at)
                .then_with(|| a.entry.patient_id.cmp(&b.entry.patient_id))
        });
        Ok(StartOfDay {
            review_queue: self.review_queue()?,
            alerts,
            patients,
        })
    }

    /// What the patient chart shows of one patient: the roster row, the program with adherence
    /// per item, the sessions (newest first, each with its latest review) and open alerts.
    pub fn patient_chart(&self, patient_id: Uuid) -> Result<PatientChart, WorkspaceError> {
        roster::patient_chart(self.store, patient_id, self.now)
    }

    /// Remote-monitoring figures of every roster patient over the 30 days ending on `to`
    /// (default: the workspace's day), by name.
    pub fn monitoring(&self, to: Option<NaiveDate>) -> Result<PracticeMonitoring, WorkspaceError> {
        let to = match to {
            Some(to) => to,
            None => self.clinic_today()?,
        };
        monitoring::practice_monitoring(self.store, to)
    }

    /// Today in the clinic calendar's time zone (the monitoring's default last day).
    fn clinic_today(&self) -> Result<NaiveDate, WorkspaceError> {
        let zone = monitoring::monitoring_zone(self.store)?;
        Ok(self.now.with_timezone(&zone).date_naive())
    }

    /// One roster patient's remote-monitoring figures over the 30 days ending on `to` (default:
    /// the workspace's day).
    pub fn patient_monitoring(
        &self,
        patient_id: Uuid,
        to: Option<NaiveDate>,
    ) -> Result<PatientMonitoring, WorkspaceError> {
        let to = match to {
            Some(to) => to,
            None => self.clinic_today()?,
        };
        monitoring::patient_monitoring(self.store, patient_id, to)
    }

    /// The chart's progress over time per exercise and side, against the target bands.
    pub fn progress(
        &self,
        catalogue: &physalign_analysis::Catalogue,
        chart: &PatientChart,
    ) -> Result<Vec<progress::ProgressSeries>, WorkspaceError> {
        progress::progress(
            self.store,
            catalogue,
            chart.patient.patient_id,
            &chart.sessions,
        )
    }
}
