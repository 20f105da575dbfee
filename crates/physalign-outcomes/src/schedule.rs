//! When an instrument is due during an episode of care: at intake, every 30 days, and at
//! discharge; which occasions a completed questionnaire satisfies; what is due and overdue.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ScheduleError;

/// Days between follow-up measurements (issue 19: "every 30 days").
pub const INTERVAL_DAYS: u64 = 30;

/// How many days around a due date count for it: a questionnaire may be filled in up to this
/// many days early, and an occasion stays "due" (not yet overdue) this many days after its date.
/// Also the gap under which a follow-up just before discharge is left to the discharge
/// measurement instead of asking twice in a week.
pub const DUE_WINDOW_DAYS: u64 = 7;

physalign_domain::wire_enum! {
    /// Why a measurement is scheduled.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum OccasionKind {
        /// At the start of the episode (baseline).
        Intake = "intake",
        /// Every [`INTERVAL_DAYS`] days after intake, before discharge.
        FollowUp = "follow_up",
        /// At discharge.
        Discharge = "discharge",
    }
}

physalign_domain::wire_enum! {
    /// Where a scheduled measurement stands on a given day.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum OccasionStatus {
        /// A questionnaire was completed within the occasion's window.
        Completed = "completed",
        /// The due date has not come yet.
        Upcoming = "upcoming",
        /// Due now: on or up to [`DUE_WINDOW_DAYS`] days after the due date.
        Due = "due",
        /// More than [`DUE_WINDOW_DAYS`] days late, still to be done (the next occasion's
        /// window has not opened).
        Overdue = "overdue",
        /// Never completed, and the next occasion's window has opened: it can no longer be made up.
        Missed = "missed",
    }
}

/// One scheduled measurement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Occasion {
    /// Intake, follow-up or discharge.
    pub kind: OccasionKind,
    /// The day it is due.
    pub due: NaiveDate,
    /// Its status on the day the schedule was computed for.
    pub status: OccasionStatus,
    /// The day of the questionnaire that satisfied it, if any.
    pub completed_on: Option<NaiveDate>,
}

/// An episode's measurement schedule for one instrument, as of one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Schedule {
    /// The occasions in date order: intake, the follow-ups, then discharge when known. Without
    /// a discharge date the follow-ups run up to the first one after `today`.
    pub occasions: Vec<Occasion>,
}

impl Schedule {
    /// The schedule of an episode that started (intake) on `start`, with questionnaires
    /// completed on the days in `completed` (any order), an optional (actual or planned)
    /// `discharge`, as of `today`.
    ///
    /// A completion counts for the occasion whose window holds it: from [`DUE_WINDOW_DAYS`]
    /// before its due date until the next occasion's window opens (but at least through the due
    /// date; the last occasion's window never closes). Each completion counts once, for the
    /// earliest occasion that can take it; completions earlier than the intake window are
    /// ignored, and extra ones in a window are spare.
    pub fn build(
        start: NaiveDate,
        completed: &[NaiveDate],
        discharge: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Schedule, ScheduleError> {
        if let Some(discharge) = discharge {
            if discharge < start {
                return Err(ScheduleError::DischargeBeforeStart { start, discharge });
            }
        }
        let planned = planned_occasions(start, discharge, today);
        let opens: Vec<NaiveDate> = planned
            .iter()
            .map(|&(_, due)| days_before(due, DUE_WINDOW_DAYS))
            .collect();
        let mut completed = completed.to_vec();
        completed.sort_unstable();
        let mut used = vec![false; completed.len()];

        let mut occasions = Vec::with_capacity(planned.len());
        for (index, &(kind, due)) in planned.iter().enumerate() {
            // The window closes when the next one opens, but never before the day after the due
            // date (an occasion close behind, e.g. a discharge days after intake, opens early).
            let closes = opens
                .get(index + 1)
                .map(|&next| next.max(days_after(due, 1)));
            let in_window =
                |day: NaiveDate| day >= opens[index] && closes.is_none_or(|closes| day < closes);
            let taken = (0..completed.len()).find(|&at| !used[at] && in_window(completed[at]));
            if let Some(at) = taken {
                used[at] = true;
            }
            let completed_on = taken.map(|at| completed[at]);
            let status = match completed_on {
                Some(_) => OccasionStatus::Completed,
                None if today < due => OccasionStatus::Upcoming,
                None if closes.is_some_and(|closes| today >= closes) => OccasionStatus::Missed,
                None if today < days_after(due, DUE_WINDOW_DAYS) => OccasionStatus::Due,
                None => OccasionStatus::Overdue,
            };
            occasions.push(Occasion {
                kind,
                due,
                status,
                completed_on,
            });
        }
        Ok(Schedule { occasions })
    }

    /// The occasions due now (within [`DUE_WINDOW_DAYS`] of their date, not yet completed).
    pub fn due(&self) -> impl Iterator<Item = &Occasion> {
        self.with_status(OccasionStatus::Due)
    }

    /// The occasions overdue (late, not completed, still possible to make up).
    pub fn overdue(&self) -> impl Iterator<Item = &Occasion> {
        self.with_status(OccasionStatus::Overdue)
    }

    /// The first occasion still to be done (due, overdue or upcoming), if any.
    pub fn next(&self) -> Option<&Occasion> {
        self.occasions.iter().find(|occasion| {
            matches!(
                occasion.status,
                OccasionStatus::Due | OccasionStatus::Overdue | OccasionStatus::Upcoming
            )
        })
    }

    fn with_status(&self, status: OccasionStatus) -> impl Iterator<Item = &Occasion> {
        self.occasions
            .iter()
            .filter(move |occasion| occasion.status == status)
    }
}

/// Intake, the 30-day follow-ups, and discharge, in date order.
fn planned_occasions(
    start: NaiveDate,
    discharge: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<(OccasionKind, NaiveDate)> {
    let mut planned = vec![(OccasionKind::Intake, start)];
    for step in 1.. {
        let due = days_after(start, INTERVAL_DAYS * step);
        let keep_going = match discharge {
            // A follow-up within a week of discharge is left to the discharge measurement.
            Some(discharge) => days_after(due, DUE_WINDOW_DAYS) < discharge,
            // Without discharge: up to and including the first follow-up after today.
            None => planned.last().is_some_and(|&(_, last)| last <= today),
        };
        if !keep_going {
            break;
        }
        planned.push((OccasionKind::FollowUp, due));
    }
    if let Some(discharge) = discharge {
        planned.push((OccasionKind::Discharge, discharge));
    }
    planned
}

fn days_after(day: NaiveDate, days: u64) -> NaiveDate {
    // Beyond the calendar's end (year 262143) the day stays put rather than panicking.
    day.checked_add_days(Days::new(days)).unwrap_or(day)
}

fn days_before(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(days)).unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(day) => day,
            Err(error) => panic!("{text}: {error}"),
        }
    }

    fn summary(schedule: &Schedule) -> Vec<(OccasionKind, String, OccasionStatus)> {
        schedule
            .occasions
            .iter()
            .map(|occasion| (occasion.kind, occasion.due.to_string(), occasion.status))
            .collect()
    }

    use OccasionKind::*;
    use OccasionStatus::*;

    #[test]
    fn a_new_episode_is_due_at_intake_and_every_30_days() {
        // Started 1 March; today 3 March; nothing filled in yet.
        let schedule = Schedule::build(day("2026-03-01"), &[], None, day("2026-03-03")).unwrap();
        assert_eq!(
            summary(&schedule),
            vec![
                (Intake, "2026-03-01".into(), Due),
                (FollowUp, "2026-03-31".into(), Upcoming),
            ]
        );
        assert_eq!(schedule.due().count(), 1);
        assert_eq!(schedule.next().map(|occasion| occasion.kind), Some(Intake));
    }

    #[test]
    fn completions_satisfy_their_window_and_late_ones_become_overdue_then_missed() {
        let start = day("2026-03-01");
        // Intake done on the day; the day-30 follow-up (31 March) not done; today 10 April.
        let schedule =
            Schedule::build(start, &[day("2026-03-01")], None, day("2026-04-10")).unwrap();
        assert_eq!(
            summary(&schedule),
            vec![
                (Intake, "2026-03-01".into(), Completed),
                (FollowUp, "2026-03-31".into(), Overdue),
                (FollowUp, "2026-04-30".into(), Upcoming),
            ]
        );
        assert_eq!(
            schedule
                .overdue()
                .map(|occasion| occasion.due)
                .collect::<Vec<_>>(),
            vec![day("2026-03-31")]
        );
        // 6 April is the last day the 31 March follow-up is "due"; from 7 April it is overdue.
        let on_6th = Schedule::build(start, &[start], None, day("2026-04-06")).unwrap();
        assert_eq!(on_6th.occasions[1].status, Due);
        let on_7th = Schedule::build(start, &[start], None, day("2026-04-07")).unwrap();
        assert_eq!(on_7th.occasions[1].status, Overdue);
        // From 23 April (a week before the day-60 follow-up) it can no longer be made up.
        let later = Schedule::build(start, &[start], None, day("2026-04-23")).unwrap();
        assert_eq!(later.occasions[1].status, Missed);
        assert_eq!(later.occasions[2].status, Upcoming);
        // Filled in late (20 April), it still counts for the 31 March follow-up.
        let late =
            Schedule::build(start, &[start, day("2026-04-20")], None, day("2026-04-25")).unwrap();
        assert_eq!(late.occasions[1].status, Completed);
        assert_eq!(late.occasions[1].completed_on, Some(day("2026-04-20")));
    }

    #[test]
    fn a_questionnaire_up_to_a_week_early_counts_and_earlier_ones_do_not() {
        let start = day("2026-03-01");
        // 24 March is 7 days before the 31 March follow-up: it counts for the follow-up.
        let early =
            Schedule::build(start, &[start, day("2026-03-24")], None, day("2026-03-25")).unwrap();
        assert_eq!(early.occasions[1].status, Completed);
        // 23 March is still the intake's window: intake counted once, the follow-up still upcoming.
        let too_early =
            Schedule::build(start, &[start, day("2026-03-23")], None, day("2026-03-25")).unwrap();
        assert_eq!(too_early.occasions[0].completed_on, Some(start));
        assert_eq!(too_early.occasions[1].status, Upcoming);
        // A baseline filled in the week before the first visit counts for intake; before that not.
        let pre_visit =
            Schedule::build(start, &[day("2026-02-22")], None, day("2026-03-02")).unwrap();
        assert_eq!(pre_visit.occasions[0].status, Completed);
        let stale = Schedule::build(start, &[day("2026-02-21")], None, day("2026-03-02")).unwrap();
        assert_eq!(stale.occasions[0].status, Due);
    }

    #[test]
    fn discharge_ends_the_follow_ups_and_is_due_itself() {
        let start = day("2026-03-01");
        // Discharge on 5 May (day 65): the day-30 follow-up (31 March) stays; the day-60 one
        // (30 April) is 5 days before discharge, so it is left to the discharge measurement.
        let done = [start, day("2026-03-31")];
        let schedule =
            Schedule::build(start, &done, Some(day("2026-05-05")), day("2026-05-06")).unwrap();
        assert_eq!(
            summary(&schedule),
            vec![
                (Intake, "2026-03-01".into(), Completed),
                (FollowUp, "2026-03-31".into(), Completed),
                (Discharge, "2026-05-05".into(), Due),
            ]
        );
        // Discharge on 15 May (day 75): the day-60 follow-up is 15 days before, so it stays.
        let schedule =
            Schedule::build(start, &done, Some(day("2026-05-15")), day("2026-05-01")).unwrap();
        assert_eq!(
            summary(&schedule),
            vec![
                (Intake, "2026-03-01".into(), Completed),
                (FollowUp, "2026-03-31".into(), Completed),
                (FollowUp, "2026-04-30".into(), Due),
                (Discharge, "2026-05-15".into(), Upcoming),
            ]
        );
        // Discharged the day it started: intake and discharge, one questionnaire each.
        let same_day = Schedule::build(start, &[start], Some(start), start).unwrap();
        assert_eq!(
            summary(&same_day),
            vec![
                (Intake, "2026-03-01".into(), Completed),
                (Discharge, "2026-03-01".into(), Due)
            ]
        );
        let both = Schedule::build(start, &[start, start], Some(start), start).unwrap();
        assert!(both
            .occasions
            .iter()
            .all(|occasion| occasion.status == Completed));
        // Discharged 3 days after intake: the intake questionnaire still counts for intake.
        let short = Schedule::build(
            start,
            &[start, day("2026-03-04")],
            Some(day("2026-03-04")),
            day("2026-03-04"),
        )
        .unwrap();
        assert_eq!(
            summary(&short),
            vec![
                (Intake, "2026-03-01".into(), Completed),
                (Discharge, "2026-03-04".into(), Completed)
            ]
        );
    }

    #[test]
    fn discharge_before_the_start_is_refused() {
        let error = Schedule::build(
            day("2026-03-01"),
            &[],
            Some(day("2026-02-28")),
            day("2026-03-01"),
        )
        .unwrap_err();
        assert_eq!(
            error,
            ScheduleError::DischargeBeforeStart {
                start: day("2026-03-01"),
                discharge: day("2026-02-28")
            }
        );
    }

    #[test]
    fn a_schedule_travels_as_json() {
        let schedule = Schedule::build(
            day("2026-03-01"),
            &[day("2026-03-01")],
            None,
            day("2026-03-02"),
        )
        .unwrap();
        let json = serde_json::to_string(&schedule).unwrap();
        assert!(json.starts_with(
            r#"{"occasions":[{"kind":"intake","due":"2026-03-01","status":"completed","completed_on":"2026-03-01"}"#
        ));
        assert_eq!(serde_json::from_str::<Schedule>(&json).unwrap(), schedule);
    }
}
