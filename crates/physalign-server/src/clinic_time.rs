//! Clinic wall-clock time: appointments are kept as a wall-clock time in an IANA time zone, and
//! their instant is derived from both, so that a weekly 10:00 stays 10:00 across daylight-saving
//! changes.
//!
//! Rules (also in API.md): a wall-clock time that does not exist (the hour skipped when clocks go
//! forward) moves forward by the gap (02:30 becomes 03:30); one that exists twice (clocks go
//! back) is the earlier instant. A `startTime` with an offset names an instant; its wall-clock
//! time is then read in the appointment's zone.

use chrono::{
    DateTime, Duration, LocalResult, Months, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc,
};
use chrono_tz::Tz;
use physalign_api::appointments::RecurrenceFrequency;

use crate::error::ApiError;

/// Most occurrences one recurring request may create.
pub const MAX_OCCURRENCES: usize = 260;

/// The zone named `name`, or 400 on `field`.
pub fn parse_zone(field: &str, name: &str) -> Result<Tz, ApiError> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| ApiError::field(field, "is not an IANA time zone name, e.g. Europe/Berlin"))
}

/// The wall-clock time and instant of `text` (ISO 8601, offset optional) in `zone`.
pub fn parse_start(
    field: &str,
    text: &str,
    zone: Tz,
) -> Result<(NaiveDateTime, DateTime<Utc>), ApiError> {
    let text = text.trim();
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        let instant = instant.with_timezone(&Utc);
        return Ok((instant.with_timezone(&zone).naive_local(), instant));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
            return Ok((local, resolve(local, zone)));
        }
    }
    Err(ApiError::field(
        field,
        "must be an ISO 8601 date and time, e.g. 2026-03-20T10:00:00 or 2026-03-20T10:00:00+01:00",
    ))
}

/// The instant of wall-clock time `local` in `zone` (see the module rules for gaps and folds).
pub fn resolve(local: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            // In a gap: the same instant as the wall-clock time just before the gap plus the
            // distance into the gap, i.e. shifted forward by the gap's length.
            let mut probe = local;
            for _ in 0..48 {
                probe -= Duration::minutes(30);
                if let LocalResult::Single(t) = zone.from_local_datetime(&probe) {
                    return (t + (local - probe)).with_timezone(&Utc);
                }
            }
            Utc.from_utc_datetime(&local)
        }
    }
}

/// `instant` as ISO 8601 with the offset `zone` has at that instant.
pub fn format_in(instant: DateTime<Utc>, zone: Tz) -> String {
    instant
        .with_timezone(&zone)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The calendar dates after `first` on which a series repeats, up to `end` (inclusive), minus
/// `exceptions`. Monthly keeps the day of the month (the month's last day when it is shorter).
pub fn occurrence_dates(
    first: NaiveDate,
    pattern: RecurrenceFrequency,
    end: NaiveDate,
    exceptions: &[NaiveDate],
) -> Result<Vec<NaiveDate>, ApiError> {
    let mut dates = Vec::new();
    for k in 1u32.. {
        let date = match pattern {
            RecurrenceFrequency::Weekly => first.checked_add_signed(Duration::weeks(i64::from(k))),
            RecurrenceFrequency::Biweekly => {
                first.checked_add_signed(Duration::weeks(2 * i64::from(k)))
            }
            RecurrenceFrequency::Monthly => first.checked_add_months(Months::new(k)),
        };
        let Some(date) = date.filter(|d| *d <= end) else {
            break;
        };
        if !exceptions.contains(&date) {
            dates.push(date);
        }
        if dates.len() > MAX_OCCURRENCES {
            return Err(ApiError::field(
                "endDate",
                format!("a series may have at most {MAX_OCCURRENCES} further occurrences"),
            ));
        }
    }
    Ok(dates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> Tz {
        parse_zone("timeZone", "Europe/Berlin").expect("zone")
    }

    #[test]
    fn wall_clock_without_offset_is_read_in_the_zone() {
        let (local, instant) = parse_start("startTime", "2026-03-20T10:00:00", berlin()).unwrap();
        assert_eq!(local.to_string(), "2026-03-20 10:00:00");
        assert_eq!(format_in(instant, berlin()), "2026-03-20T10:00:00+01:00");
        assert_eq!(instant.to_rfc3339(), "2026-03-20T09:00:00+00:00");
    }

    #[test]
    fn an_offset_names_the_instant() {
        let (local, _) = parse_start("startTime", "2026-07-01T08:00:00Z", berlin()).unwrap();
        assert_eq!(local.to_string(), "2026-07-01 10:00:00");
    }

    #[test]
    fn skipped_hours_move_forward_and_repeated_hours_take_the_first() {
        let gap = NaiveDate::from_ymd_opt(2026, 3, 29)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            format_in(resolve(gap, berlin()), berlin()),
            "2026-03-29T03:30:00+02:00"
        );
        let fold = NaiveDate::from_ymd_opt(2026, 10, 25)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            format_in(resolve(fold, berlin()), berlin()),
            "2026-10-25T02:30:00+02:00"
        );
    }

    #[test]
    fn monthly_keeps_the_day_or_the_month_end_and_skips_exceptions() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let dates = occurrence_dates(
            d(1, 31),
            RecurrenceFrequency::Monthly,
            d(5, 31),
            &[d(3, 31)],
        )
        .unwrap();
        assert_eq!(dates, vec![d(2, 28), d(4, 30), d(5, 31)]);
        let weekly =
            occurrence_dates(d(1, 1), RecurrenceFrequency::Biweekly, d(2, 12), &[]).unwrap();
        assert_eq!(weekly, vec![d(1, 15), d(1, 29), d(2, 12)]);
    }

    #[test]
    fn unknown_zones_and_malformed_times_are_field_errors() {
        assert!(parse_zone("timeZone", "Mars/Olympus").is_err());
        assert!(parse_start("startTime", "next tuesday", berlin()).is_err());
    }
}
