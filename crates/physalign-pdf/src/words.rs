//! Numbers and dates as the reports print them.

use crate::model::Provenance;
use chrono::{DateTime, NaiveDate, Utc};

/// A day as printed: ISO 8601 (`2026-12-07`), unambiguous across countries.
pub(crate) fn date(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Days (fractional) from the start of `origin` to `at`: a chart's x position.
pub(crate) fn day_x(origin: NaiveDate, at: DateTime<Utc>) -> f64 {
    let start = origin.and_time(chrono::NaiveTime::MIN).and_utc();
    (at - start).num_seconds() as f64 / 86_400.0
}

/// Degrees, rounded to the degree as a goniometer reads: `92°`.
pub(crate) fn deg(value: f64) -> String {
    format!("{value:.0}°")
}

/// A change in degrees with its sign: `+12°`, `−3°`, `±0°`.
pub(crate) fn delta_deg(value: f64) -> String {
    let rounded = value.round();
    if rounded == 0.0 {
        "±0°".to_string()
    } else if rounded > 0.0 {
        format!("+{rounded:.0}°")
    } else {
        format!("−{:.0}°", -rounded)
    }
}

/// A score with at most one decimal: `4`, `4.5`.
pub(crate) fn one_decimal(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// `left`, `right`, `both sides`.
pub(crate) fn side_words(side: &str) -> String {
    match side {
        "both" => "both sides".to_string(),
        other => other.to_string(),
    }
}

/// The footer's words: when, by whom, from where, and that it is confidential.
pub(crate) fn footer(provenance: &Provenance) -> String {
    format!(
        "Generated {} by PhysAlign from {}. Confidential: personal health information.",
        provenance.generated_at.format("%Y-%m-%d %H:%M UTC"),
        provenance.source
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_a_clinician_writes_them() {
        assert_eq!(deg(91.6), "92°");
        assert_eq!(delta_deg(-12.4), "−12°");
        assert_eq!(delta_deg(0.2), "±0°");
        assert_eq!(delta_deg(3.5), "+4°");
        assert_eq!(one_decimal(4.0), "4");
        assert_eq!(one_decimal(4.46), "4.5");
    }
}
