//! The facts remote-monitoring readiness is computed from (issue 19, outcome measures): the days
//! each patient's sessions ended on, and the clinician review time recorded with reviews written
//! on this device (`session_reviews.minutes_spent`, migration `1400_review_minutes.sql`). Plain
//! facts over a period of days in the clinic's time zone; what counts, and towards what, is
//! decided in `physalign_workspace::monitoring`. Appointments come from [`Store::appointments_between`].

use crate::clinical::RecordOrigin;
use crate::sql_values::{parse_text, parse_time, parse_uuid, time_text, uuid_text};
use crate::{Store, StoreError};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

/// The most minutes one review may record (a working day; the column's CHECK says the same).
pub const REVIEW_MINUTES_MAX: u32 = 480;

/// Checks the minutes a clinician says a review took: 1 to [`REVIEW_MINUTES_MAX`].
pub fn check_review_minutes(minutes: u32) -> Result<u32, StoreError> {
    if (1..=REVIEW_MINUTES_MAX).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(StoreError::Invalid {
            what: "minutes spent",
            detail: format!(
                "{minutes} is not between 1 and {REVIEW_MINUTES_MAX} (leave it out to record no time)"
            ),
        })
    }
}

/// A day (in the clinic's time zone) on which an ended session of a patient started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionDay {
    /// The patient.
    pub patient_id: Uuid,
    /// The date the session started on, in the clinic's time zone.
    pub day: NaiveDate,
    /// A home session pulled from the server, or recorded on this device (in clinic).
    pub origin: RecordOrigin,
}

/// A review written on this device with the minutes the clinician spent on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedReview {
    /// The review.
    pub review_id: Uuid,
    /// The session reviewed.
    pub session_id: Uuid,
    /// The session's patient.
    pub patient_id: Uuid,
    /// When the review was written.
    pub reviewed_at: DateTime<Utc>,
    /// Minutes spent on it (1 to [`REVIEW_MINUTES_MAX`]).
    pub minutes: u32,
}

/// The instant a day begins in `zone`: its midnight or, where a clock change skips midnight,
/// the first whole hour after it that exists.
pub fn start_of_day(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    (0..=3)
        .find_map(|hours| {
            zone.from_local_datetime(&(midnight + chrono::Duration::hours(hours)))
                .earliest()
        })
        .map_or(midnight.and_utc(), |start| start.with_timezone(&Utc))
}

/// `[from's start, the start of the day after to)` in `zone`.
fn window(from: NaiveDate, to: NaiveDate, zone: Tz) -> (String, String) {
    let start = start_of_day(from, zone);
    let end = to
        .succ_opt()
        .map(|d| start_of_day(d, zone))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    (time_text(start), time_text(end))
}

impl Store {
    /// The distinct (patient, start day, origin) of ended sessions with a patient (of one
    /// patient, or all) started from `from` to `to` inclusive, days in `zone`, by patient, day,
    /// then origin.
    pub fn session_days(
        &self,
        patient: Option<Uuid>,
        from: NaiveDate,
        to: NaiveDate,
        zone: Tz,
    ) -> Result<Vec<SessionDay>, StoreError> {
        let (start, end) = window(from, to, zone);
        let mut stmt = self.conn.prepare_cached(
            "SELECT patient_id, started_at, origin FROM exercise_sessions
             WHERE ended_at IS NOT NULL AND patient_id IS NOT NULL
               AND started_at >= ?1 AND started_at < ?2
               AND (?3 IS NULL OR patient_id = ?3)",
        )?;
        let mut rows = stmt.query(params![start, end, patient.map(uuid_text)])?;
        let mut seen = HashSet::new();
        let mut days = Vec::new();
        while let Some(row) = rows.next()? {
            let day = SessionDay {
                patient_id: parse_uuid("exercise_sessions.patient_id", &row.get::<_, String>(0)?)?,
                day: parse_time("exercise_sessions.started_at", &row.get::<_, String>(1)?)?
                    .with_timezone(&zone)
                    .date_naive(),
                origin: parse_text("exercise_sessions.origin", &row.get::<_, String>(2)?)?,
            };
            if seen.insert(day) {
                days.push(day);
            }
        }
        days.sort_by(|a, b| {
            (a.patient_id, a.day, a.origin.as_str()).cmp(&(b.patient_id, b.day, b.origin.as_str()))
        });
        Ok(days)
    }

    /// Reviews with recorded minutes (of one patient's sessions, or all) written from `from` to
    /// `to` inclusive (days in `zone`), oldest first.
    pub fn timed_reviews(
        &self,
        patient: Option<Uuid>,
        from: NaiveDate,
        to: NaiveDate,
        zone: Tz,
    ) -> Result<Vec<TimedReview>, StoreError> {
        let (start, end) = window(from, to, zone);
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.id, r.session_id, s.patient_id, r.reviewed_at, r.minutes_spent
             FROM session_reviews AS r JOIN exercise_sessions AS s ON s.id = r.session_id
             WHERE r.minutes_spent IS NOT NULL AND s.patient_id IS NOT NULL
               AND r.reviewed_at >= ?1 AND r.reviewed_at < ?2
               AND (?3 IS NULL OR s.patient_id = ?3)
             ORDER BY r.reviewed_at, r.id",
        )?;
        let mut rows = stmt.query(params![start, end, patient.map(uuid_text)])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let minutes: i64 = row.get(4)?;
            out.push(TimedReview {
                review_id: parse_uuid("session_reviews.id", &row.get::<_, String>(0)?)?,
                session_id: parse_uuid("session_reviews.session_id", &row.get::<_, String>(1)?)?,
                patient_id: parse_uuid("exercise_sessions.patient_id", &row.get::<_, String>(2)?)?,
                reviewed_at: parse_time("session_reviews.reviewed_at", &row.get::<_, String>(3)?)?,
                minutes: u32::try_from(minutes)
                    .map_err(|e| StoreError::corrupt("session_reviews.minutes_spent", e))?,
            });
        }
        Ok(out)
    }

    /// The minutes recorded with a review (none: not recorded, or no such review).
    pub fn review_minutes_spent(&self, review: Uuid) -> Result<Option<u32>, StoreError> {
        let minutes: Option<Option<i64>> = self
            .conn
            .query_row(
                "SELECT minutes_spent FROM session_reviews WHERE id = ?1",
                [uuid_text(review)],
                |r| r.get(0),
            )
            .optional()?;
        minutes
            .flatten()
            .map(|m| {
                u32::try_from(m)
                    .map_err(|e| StoreError::corrupt("session_reviews.minutes_spent", e))
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_minutes_are_one_to_a_working_day() {
        assert!(check_review_minutes(0).is_err());
        assert_eq!(check_review_minutes(1).unwrap(), 1);
        assert_eq!(check_review_minutes(480).unwrap(), 480);
        assert!(check_review_minutes(481).is_err());
    }

    #[test]
    fn the_window_runs_from_the_first_midnight_to_the_midnight_after_the_last_day() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let (start, end) = window(day(1), day(30), Tz::UTC);
        assert_eq!(start, "2026-03-01T00:00:00.000000000Z");
        assert_eq!(end, "2026-03-31T00:00:00.000000000Z");
        // The clinic's midnights: Los Angeles is UTC-8 until its clocks go forward on 8 March,
        // UTC-7 after.
        let (start, end) = window(day(1), day(30), chrono_tz::America::Los_Angeles);
        assert_eq!(start, "2026-03-01T08:00:00.000000000Z");
        assert_eq!(end, "2026-03-31T07:00:00.000000000Z");
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_at_the_first_hour_that_exists() {
        // Santiago's clocks went from 24:00 to 01:00 on 2026-09-06 (UTC-4 to UTC-3).
        let start = start_of_day(
            NaiveDate::from_ymd_opt(2026, 9, 6).unwrap(),
            chrono_tz::America::Santiago,
        );
        assert_eq!(time_text(start), "2026-09-06T04:00:00.000000000Z");
    }
}
