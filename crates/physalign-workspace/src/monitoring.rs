//! Adherence and remote-monitoring readiness per patient over a 30-day period (issue 19,
//! outcome measures): the figures US remote therapeutic monitoring (RTM) is billed on, computed
//! on the clinician's device from the local store, offline, for one patient (the chart) and for
//! every patient of the roster (the practice list).
//!
//! What the codes ask, and what is counted here for each:
//!
//! * **Device data** (CPT 98977, musculoskeletal device supply: 16 or more days of data in a
//!   30-day period; the 2026 codes add 2–15 days). Counted: the distinct **days** (in the clinic
//!   calendar's time zone, [`monitoring_zone`]) on which a
//!   **home session** of the patient started and then **ended** (`ended_at` set: the session was
//!   measured to its end), the rule of the program adherence the store and the server compute
//!   (`days_with_data_30d`), over all the patient's home sessions instead of one item's. A home
//!   session is one recorded on the patient's device and pulled from the server; a session
//!   recorded on this device in clinic is part of a visit, not remote monitoring, and is not
//!   counted. Classes ([`DataDays`]): under 2, 2–15, 16 or more.
//! * **Treatment management time** (CPT 98980: 20 minutes of clinician time with at least one
//!   interactive communication with the patient; the 2026 codes add a first-10-minutes code).
//!   Counted: the minutes recorded with the reviews (`minutes_spent`, entered on the review form
//!   or `physalign review --minutes N`, sent up with the review and pulled down by the
//!   practice's other devices) whose review was **written** in the period (time counts when it
//!   is spent, whichever session it is about). Classes ([`ReviewTime`]): under 10, 10–19, 20 or
//!   more.
//! * **Interactive contact**: a **completed** appointment with the patient that started in the
//!   period (any kind: in clinic, treatment, telehealth), from the calendar on this device.
//!   Scheduled (not yet held), cancelled and no-show appointments do not count, nor does a
//!   review: a review is written feedback read later, while the codes ask for a real-time
//!   exchange (at least synchronous audio). An appointment counts once the calendar says it was
//!   completed (the server's status, pulled by sync).
//!
//! Readiness ([`ReadinessCriterion`]) lists what the period meets: device data 16+ or 2–15 (one
//! of them), management 20 or 10 minutes (one of them, and only with an interactive contact,
//! as the codes require), and the interactive contact itself. The management codes are billed
//! per calendar month, the device codes per 30 days; one 30-day period (ending on a chosen day,
//! today by default) is used for all here, so at a month's end the time figure covers the last
//! 30 days rather than the calendar month. The figures are for the clinician to check, not a
//! claim: eligibility, consent and documentation are the practice's.
//!
//! The practice list is in roster order (last name, first name): a stable order in which a
//! patient is found at once, where "closest to a threshold first" would mix days and minutes
//! into one arbitrary score and reshuffle the rows every day as the period moves; what is
//! missing is said per row instead ([`PatientMonitoring::days_short`],
//! [`PatientMonitoring::minutes_short`]), and the totals per criterion head the list.

use crate::WorkspaceError;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use physalign_store::appointments::parse_zone;
use physalign_store::{
    start_of_day, Appointment, AppointmentStatus, RecordOrigin, SessionDay, Store, TimedReview,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// Days in a monitoring period (the device-data codes' 30 days), the last day included.
pub const PERIOD_DAYS: i64 = 30;
/// Days with data for the 16-day device-data code.
pub const DATA_DAYS_FULL: u32 = 16;
/// Days with data for the 2–15-day device-data code.
pub const DATA_DAYS_MIN: u32 = 2;
/// Review minutes for the 20-minute management code.
pub const MANAGEMENT_MINUTES_FULL: u32 = 20;
/// Review minutes for the 10-minute management code.
pub const MANAGEMENT_MINUTES_MIN: u32 = 10;

physalign_domain::wire_enum! {
    /// How many days with measured data a period holds, against the device-data thresholds.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum DataDays {
        /// None or one day: no device-data code.
        Under2 = "under_2",
        /// 2 to 15 days.
        From2To15 = "2_to_15",
        /// 16 days or more.
        From16 = "16_or_more",
    }
}

physalign_domain::wire_enum! {
    /// How much clinician review time a period holds, against the management thresholds.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum ReviewTime {
        /// Under 10 minutes.
        Under10 = "under_10",
        /// 10 to 19 minutes.
        From10To19 = "10_to_19",
        /// 20 minutes or more.
        From20 = "20_or_more",
    }
}

physalign_domain::wire_enum! {
    /// One thing a period meets towards remote-monitoring billing.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum ReadinessCriterion {
        /// 16 or more days with device data.
        DeviceData16 = "device_data_16",
        /// 2 to 15 days with device data.
        DeviceData2To15 = "device_data_2_to_15",
        /// 20 minutes or more of review time, with an interactive contact.
        Management20 = "management_20",
        /// 10 to 19 minutes of review time, with an interactive contact.
        Management10 = "management_10",
        /// At least one interactive contact (a completed appointment).
        InteractiveContact = "interactive_contact",
    }
}

/// The class of `days` days with data.
pub fn data_days(days: u32) -> DataDays {
    if days >= DATA_DAYS_FULL {
        DataDays::From16
    } else if days >= DATA_DAYS_MIN {
        DataDays::From2To15
    } else {
        DataDays::Under2
    }
}

/// The class of `minutes` minutes of review time.
pub fn review_time(minutes: u32) -> ReviewTime {
    if minutes >= MANAGEMENT_MINUTES_FULL {
        ReviewTime::From20
    } else if minutes >= MANAGEMENT_MINUTES_MIN {
        ReviewTime::From10To19
    } else {
        ReviewTime::Under10
    }
}

/// Days still missing to the next device-data threshold (2, then 16); none at 16 or more.
pub fn days_short(days: u32) -> Option<u32> {
    match data_days(days) {
        DataDays::Under2 => Some(DATA_DAYS_MIN - days),
        DataDays::From2To15 => Some(DATA_DAYS_FULL - days),
        DataDays::From16 => None,
    }
}

/// Minutes still missing to the next management threshold (10, then 20); none at 20 or more.
pub fn minutes_short(minutes: u32) -> Option<u32> {
    match review_time(minutes) {
        ReviewTime::Under10 => Some(MANAGEMENT_MINUTES_MIN - minutes),
        ReviewTime::From10To19 => Some(MANAGEMENT_MINUTES_FULL - minutes),
        ReviewTime::From20 => None,
    }
}

/// What a period with `days` days of data, `minutes` of review time and `contacts` interactive
/// contacts meets, in [`ReadinessCriterion`]'s order.
pub fn readiness(days: u32, minutes: u32, contacts: u32) -> Vec<ReadinessCriterion> {
    let mut met = Vec::new();
    match data_days(days) {
        DataDays::From16 => met.push(ReadinessCriterion::DeviceData16),
        DataDays::From2To15 => met.push(ReadinessCriterion::DeviceData2To15),
        DataDays::Under2 => {}
    }
    if contacts > 0 {
        match review_time(minutes) {
            ReviewTime::From20 => met.push(ReadinessCriterion::Management20),
            ReviewTime::From10To19 => met.push(ReadinessCriterion::Management10),
            ReviewTime::Under10 => {}
        }
        met.push(ReadinessCriterion::InteractiveContact);
    }
    met
}

/// Whether an appointment is an interactive contact: it took place (completed).
pub fn is_interactive_contact(appointment: &Appointment) -> bool {
    appointment.status == AppointmentStatus::Completed
}

/// Whether a session day is remote device data: a home session pulled from the server.
pub fn is_device_data(day: &SessionDay) -> bool {
    day.origin == RecordOrigin::Pulled
}

/// A period of whole days in the clinic's time zone, both ends included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MonitoringPeriod {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// The IANA time zone the days are cut in (the clinic calendar's).
    pub time_zone: String,
}

impl MonitoringPeriod {
    /// The [`PERIOD_DAYS`] days ending on `to`, cut in `zone`; none when they (or the day
    /// after) fall outside the calendar's range.
    pub fn ending(to: NaiveDate, zone: Tz) -> Option<MonitoringPeriod> {
        to.succ_opt()?;
        Some(MonitoringPeriod {
            from: to.checked_sub_signed(Duration::days(PERIOD_DAYS - 1))?,
            to,
            time_zone: zone.name().to_string(),
        })
    }

    /// [`MonitoringPeriod::ending`], or the error that says why `to` cannot end one.
    fn checked(to: NaiveDate, zone: Tz) -> Result<MonitoringPeriod, WorkspaceError> {
        MonitoringPeriod::ending(to, zone).ok_or_else(|| WorkspaceError::Invalid {
            what: "period",
            detail: format!("no {PERIOD_DAYS}-day period can end on {to}"),
        })
    }

    /// Whether `day` is in the period.
    pub fn contains(&self, day: NaiveDate) -> bool {
        day >= self.from && day <= self.to
    }

    /// Whether the instant `at` falls on a day of the period (in its zone).
    pub fn contains_instant(&self, at: DateTime<Utc>) -> bool {
        at >= self.start() && at < self.end()
    }

    /// The zone; UTC for a name this build does not know (a period is only made from a parsed one).
    pub fn zone(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::UTC)
    }

    fn start(&self) -> DateTime<Utc> {
        start_of_day(self.from, self.zone())
    }

    fn end(&self) -> DateTime<Utc> {
        // `ending` made sure the day after exists.
        start_of_day(self.to.succ_opt().unwrap_or(self.to), self.zone())
    }
}

/// One patient's remote-monitoring figures over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PatientMonitoring {
    /// The patient.
    pub patient_id: Uuid,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// The period.
    pub period: MonitoringPeriod,
    /// Distinct UTC days with an ended home session.
    pub days_with_data: u32,
    /// Their class.
    pub data_days: DataDays,
    /// The latest of those days.
    pub last_data_day: Option<NaiveDate>,
    /// Days missing to the next device-data threshold (none at 16 or more).
    pub days_short: Option<u32>,
    /// Minutes recorded with the reviews written in the period.
    pub review_minutes: u32,
    /// Those reviews.
    pub timed_reviews: u32,
    /// The minutes' class.
    pub review_time: ReviewTime,
    /// Minutes missing to the next management threshold (none at 20 or more).
    pub minutes_short: Option<u32>,
    /// Completed appointments that started in the period.
    pub interactive_contacts: u32,
    /// Start of the latest of them.
    pub last_contact_at: Option<DateTime<Utc>>,
    /// What the period meets, in [`ReadinessCriterion`]'s order.
    pub readiness: Vec<ReadinessCriterion>,
}

/// How many patients of the list meet each criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReadinessTotals {
    /// Patients listed.
    pub patients: u32,
    /// With 16 or more days of data.
    pub device_data_16: u32,
    /// With 2 to 15 days of data.
    pub device_data_2_to_15: u32,
    /// With 20 minutes or more and a contact.
    pub management_20: u32,
    /// With 10 to 19 minutes and a contact.
    pub management_10: u32,
    /// With an interactive contact.
    pub interactive_contact: u32,
}

impl ReadinessTotals {
    fn of(patients: &[PatientMonitoring]) -> ReadinessTotals {
        let mut totals = ReadinessTotals {
            patients: u32::try_from(patients.len()).unwrap_or(u32::MAX),
            ..ReadinessTotals::default()
        };
        for criterion in patients.iter().flat_map(|p| &p.readiness) {
            let count = match criterion {
                ReadinessCriterion::DeviceData16 => &mut totals.device_data_16,
                ReadinessCriterion::DeviceData2To15 => &mut totals.device_data_2_to_15,
                ReadinessCriterion::Management20 => &mut totals.management_20,
                ReadinessCriterion::Management10 => &mut totals.management_10,
                ReadinessCriterion::InteractiveContact => &mut totals.interactive_contact,
            };
            *count += 1;
        }
        totals
    }
}

/// The practice's list: every patient of the roster over one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PracticeMonitoring {
    /// The period.
    pub period: MonitoringPeriod,
    /// Patients meeting each criterion.
    pub totals: ReadinessTotals,
    /// Each patient of the roster, by last then first name.
    pub patients: Vec<PatientMonitoring>,
}

/// A patient's figures from the facts of the period (only the patient's own are used).
pub fn figures(
    period: MonitoringPeriod,
    patient_id: Uuid,
    first_name: String,
    last_name: String,
    days: &[SessionDay],
    reviews: &[TimedReview],
    appointments: &[Appointment],
) -> PatientMonitoring {
    let data: BTreeSet<NaiveDate> = days
        .iter()
        .filter(|d| d.patient_id == patient_id && is_device_data(d) && period.contains(d.day))
        .map(|d| d.day)
        .collect();
    let timed: Vec<&TimedReview> = reviews
        .iter()
        .filter(|r| r.patient_id == patient_id && period.contains_instant(r.reviewed_at))
        .collect();
    let contacts: Vec<&Appointment> = appointments
        .iter()
        .filter(|a| {
            a.patient_id == patient_id
                && is_interactive_contact(a)
                && period.contains_instant(a.start_at)
        })
        .collect();
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let days_with_data = count(data.len());
    let review_minutes = timed
        .iter()
        .fold(0u32, |sum, r| sum.saturating_add(r.minutes));
    let interactive_contacts = count(contacts.len());
    PatientMonitoring {
        patient_id,
        first_name,
        last_name,
        period,
        days_with_data,
        data_days: data_days(days_with_data),
        last_data_day: data.last().copied(),
        days_short: days_short(days_with_data),
        review_minutes,
        timed_reviews: count(timed.len()),
        review_time: review_time(review_minutes),
        minutes_short: minutes_short(review_minutes),
        interactive_contacts,
        last_contact_at: contacts.iter().map(|a| a.start_at).max(),
        readiness: readiness(days_with_data, review_minutes, interactive_contacts),
    }
}

/// Every roster patient's figures over the [`PERIOD_DAYS`] days ending on `to`, by name.
pub fn practice_monitoring(
    store: &Store,
    to: NaiveDate,
) -> Result<PracticeMonitoring, WorkspaceError> {
    let zone = monitoring_zone(store)?;
    let period = MonitoringPeriod::checked(to, zone)?;
    let days = store.session_days(None, period.from, period.to, zone)?;
    let reviews = store.timed_reviews(None, period.from, period.to, zone)?;
    let appointments = store.appointments_between(period.start(), period.end(), None)?;
    // Each patient's facts once, not the whole list per patient.
    let mut days_of: HashMap<Uuid, Vec<SessionDay>> = HashMap::new();
    for day in days {
        days_of.entry(day.patient_id).or_default().push(day);
    }
    let mut reviews_of: HashMap<Uuid, Vec<TimedReview>> = HashMap::new();
    for review in reviews {
        reviews_of
            .entry(review.patient_id)
            .or_default()
            .push(review);
    }
    let mut appointments_of: HashMap<Uuid, Vec<Appointment>> = HashMap::new();
    for appointment in appointments {
        appointments_of
            .entry(appointment.patient_id)
            .or_default()
            .push(appointment);
    }
    let patients: Vec<PatientMonitoring> = store
        .care_patients()?
        .into_iter()
        .map(|p| {
            let id = p.patient.patient_id;
            figures(
                period.clone(),
                id,
                p.patient.first_name,
                p.patient.last_name,
                days_of.get(&id).map_or(&[], Vec::as_slice),
                reviews_of.get(&id).map_or(&[], Vec::as_slice),
                appointments_of.get(&id).map_or(&[], Vec::as_slice),
            )
        })
        .collect();
    Ok(PracticeMonitoring {
        period,
        totals: ReadinessTotals::of(&patients),
        patients,
    })
}

/// The zone the monitoring's days are cut in: the clinic calendar's
/// ([`crate::calendar::clinic_zone`]), so that a session in the evening counts on the day the
/// patient and the clinic call it, not on the next UTC day.
pub fn monitoring_zone(store: &Store) -> Result<Tz, WorkspaceError> {
    let name = crate::calendar::clinic_zone(store, None)?;
    parse_zone(&name).map_err(WorkspaceError::from)
}

/// One roster patient's figures over the [`PERIOD_DAYS`] days ending on `to`.
pub fn patient_monitoring(
    store: &Store,
    patient_id: Uuid,
    to: NaiveDate,
) -> Result<PatientMonitoring, WorkspaceError> {
    let patient = store
        .care_patients()?
        .into_iter()
        .find(|p| p.patient.patient_id == patient_id)
        .ok_or(WorkspaceError::PatientNotFound(patient_id))?;
    let zone = monitoring_zone(store)?;
    let period = MonitoringPeriod::checked(to, zone)?;
    let days = store.session_days(Some(patient_id), period.from, period.to, zone)?;
    let reviews = store.timed_reviews(Some(patient_id), period.from, period.to, zone)?;
    let appointments =
        store.appointments_between(period.start(), period.end(), Some(patient_id))?;
    Ok(figures(
        period,
        patient_id,
        patient.patient.first_name,
        patient.patient.last_name,
        &days,
        &reviews,
        &appointments,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use physalign_store::AppointmentKind;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn days_with_data_are_classed_at_2_and_16() {
        assert_eq!(data_days(0), DataDays::Under2);
        assert_eq!(data_days(1), DataDays::Under2);
        assert_eq!(data_days(2), DataDays::From2To15);
        assert_eq!(data_days(15), DataDays::From2To15);
        assert_eq!(data_days(16), DataDays::From16);
        assert_eq!(data_days(30), DataDays::From16);
        assert_eq!(days_short(0), Some(2));
        assert_eq!(days_short(1), Some(1));
        assert_eq!(days_short(2), Some(14));
        assert_eq!(days_short(15), Some(1));
        assert_eq!(days_short(16), None);
    }

    #[test]
    fn review_minutes_are_classed_at_10_and_20() {
        assert_eq!(review_time(0), ReviewTime::Under10);
        assert_eq!(review_time(9), ReviewTime::Under10);
        assert_eq!(review_time(10), ReviewTime::From10To19);
        assert_eq!(review_time(19), ReviewTime::From10To19);
        assert_eq!(review_time(20), ReviewTime::From20);
        assert_eq!(minutes_short(9), Some(1));
        assert_eq!(minutes_short(10), Some(10));
        assert_eq!(minutes_short(19), Some(1));
        assert_eq!(minutes_short(20), None);
    }

    #[test]
    fn readiness_names_one_data_code_one_time_code_and_time_only_with_a_contact() {
        use ReadinessCriterion::*;
        assert_eq!(readiness(1, 9, 0), vec![]);
        assert_eq!(readiness(2, 9, 0), vec![DeviceData2To15]);
        assert_eq!(
            readiness(15, 10, 1),
            vec![DeviceData2To15, Management10, InteractiveContact]
        );
        assert_eq!(
            readiness(16, 19, 1),
            vec![DeviceData16, Management10, InteractiveContact]
        );
        assert_eq!(
            readiness(16, 20, 2),
            vec![DeviceData16, Management20, InteractiveContact]
        );
        assert_eq!(readiness(16, 9, 1), vec![DeviceData16, InteractiveContact]);
        // Time without an interactive contact meets no management code.
        assert_eq!(readiness(16, 45, 0), vec![DeviceData16]);
    }

    #[test]
    fn the_period_is_thirty_days_ending_on_the_day_given() {
        let period = MonitoringPeriod::ending(day(2026, 3, 20), Tz::UTC).unwrap();
        assert_eq!(period.from, day(2026, 2, 19));
        assert!(period.contains(day(2026, 2, 19)));
        assert!(period.contains(day(2026, 3, 20)));
        assert!(!period.contains(day(2026, 2, 18)));
        assert!(!period.contains(day(2026, 3, 21)));
        assert_eq!(period.end() - period.start(), Duration::days(30));
        // Days at the calendar's ends end no period (an error, not a panic, for outside input).
        assert_eq!(MonitoringPeriod::ending(NaiveDate::MAX, Tz::UTC), None);
        assert_eq!(MonitoringPeriod::ending(NaiveDate::MIN, Tz::UTC), None);
    }

    fn appointment(patient: Uuid, at: DateTime<Utc>, status: AppointmentStatus) -> Appointment {
        Appointment {
            id: Uuid::new_v4(),
            patient_id: patient,
            therapist_id: None,
            client_name: None,
            local_start: at.naive_utc(),
            time_zone: "UTC".into(),
            start_at: at,
            duration_minutes: 30,
            kind: AppointmentKind::Telehealth,
            notes: None,
            status,
            series_id: None,
            provisional: false,
            preparation: None,
            no_show: None,
            cancel_reason: None,
            session_id: None,
            version: 1,
            origin: RecordOrigin::Pulled,
            updated_at: at,
        }
    }

    #[test]
    fn figures_count_home_days_once_time_when_written_and_completed_appointments_only() {
        let period = MonitoringPeriod::ending(day(2026, 3, 20), Tz::UTC).unwrap();
        let (ada, other) = (Uuid::new_v4(), Uuid::new_v4());
        let session_day = |patient, d, origin| SessionDay {
            patient_id: patient,
            day: d,
            origin,
        };
        let days = [
            session_day(ada, day(2026, 3, 1), RecordOrigin::Pulled),
            session_day(ada, day(2026, 3, 2), RecordOrigin::Pulled),
            // In clinic: a visit, not remote data.
            session_day(ada, day(2026, 3, 3), RecordOrigin::Local),
            // Before the period.
            session_day(ada, day(2026, 2, 18), RecordOrigin::Pulled),
            session_day(other, day(2026, 3, 4), RecordOrigin::Pulled),
        ];
        let at = |d: NaiveDate, h| Utc.from_utc_datetime(&d.and_hms_opt(h, 0, 0).unwrap());
        let review = |patient, when, minutes| TimedReview {
            review_id: Uuid::new_v4(),
            session_id: Uuid::new_v4(),
            patient_id: patient,
            reviewed_at: when,
            minutes,
        };
        let reviews = [
            review(ada, at(day(2026, 3, 2), 9), 7),
            review(ada, at(day(2026, 3, 20), 23), 5),
            review(ada, at(day(2026, 3, 21), 0), 30),
            review(other, at(day(2026, 3, 5), 9), 40),
        ];
        let appointments = [
            appointment(ada, at(day(2026, 3, 10), 9), AppointmentStatus::Completed),
            appointment(ada, at(day(2026, 3, 12), 9), AppointmentStatus::NoShow),
            appointment(ada, at(day(2026, 3, 13), 9), AppointmentStatus::Cancelled),
            appointment(ada, at(day(2026, 3, 19), 9), AppointmentStatus::Scheduled),
            appointment(other, at(day(2026, 3, 14), 9), AppointmentStatus::Completed),
        ];
        let f = figures(
            period,
            ada,
            "Ada".into(),
            "Lovelace".into(),
            &days,
            &reviews,
            &appointments,
        );
        assert_eq!(f.days_with_data, 2);
        assert_eq!(f.data_days, DataDays::From2To15);
        assert_eq!(f.last_data_day, Some(day(2026, 3, 2)));
        assert_eq!(f.days_short, Some(14));
        assert_eq!((f.review_minutes, f.timed_reviews), (12, 2));
        assert_eq!(f.review_time, ReviewTime::From10To19);
        assert_eq!(f.minutes_short, Some(8));
        assert_eq!(f.interactive_contacts, 1);
        assert_eq!(f.last_contact_at, Some(at(day(2026, 3, 10), 9)));
        assert_eq!(
            f.readiness,
            vec![
                ReadinessCriterion::DeviceData2To15,
                ReadinessCriterion::Management10,
                ReadinessCriterion::InteractiveContact
            ]
        );
        let totals = ReadinessTotals::of(&[f.clone(), f]);
        assert_eq!(
            (
                totals.patients,
                totals.device_data_2_to_15,
                totals.management_10
            ),
            (2, 2, 2)
        );
        assert_eq!(totals.device_data_16, 0);
    }
}
