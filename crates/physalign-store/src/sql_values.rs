//! How UUIDs, timestamps and closed vocabularies are written to and read from SQLite columns.

use crate::StoreError;
use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

/// UUIDs are stored as lowercase hyphenated text: readable in the sqlite3 shell and identical to
/// what the server's JSON carries.
pub(crate) fn uuid_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

pub(crate) fn parse_uuid(what: &'static str, text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| StoreError::corrupt(what, format!("{text:?}: {e}")))
}

pub(crate) fn parse_opt_uuid(
    what: &'static str,
    text: Option<String>,
) -> Result<Option<Uuid>, StoreError> {
    text.map(|t| parse_uuid(what, &t)).transpose()
}

/// Fixed nine fractional digits so that text order is time order and values round-trip exactly.
pub(crate) fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

pub(crate) fn parse_time(what: &'static str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::corrupt(what, format!("{text:?}: {e}")))
}

pub(crate) fn parse_opt_time(
    what: &'static str,
    text: Option<String>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.map(|t| parse_time(what, &t)).transpose()
}

pub(crate) fn parse_json(
    what: &'static str,
    text: Option<String>,
) -> Result<Option<serde_json::Value>, StoreError> {
    text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::corrupt(what, e)))
        .transpose()
}

/// Reads a column holding one of a closed vocabulary (a `wire_enum!` type's `as_str`).
pub(crate) fn parse_text<T>(what: &'static str, text: &str) -> Result<T, StoreError>
where
    T: std::str::FromStr<Err = physalign_domain::UnknownValue>,
{
    text.parse().map_err(|e| StoreError::corrupt(what, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn time_text_round_trips_and_sorts() {
        let a = Utc.with_ymd_and_hms(2026, 1, 30, 10, 0, 0).unwrap();
        let b = a + chrono::Duration::nanoseconds(500_000_001);
        assert_eq!(parse_time("t", &time_text(a)).unwrap(), a);
        assert_eq!(parse_time("t", &time_text(b)).unwrap(), b);
        assert!(time_text(a) < time_text(b));
        assert_eq!(time_text(a), "2026-01-30T10:00:00.000000000Z");
    }

    #[test]
    fn bad_values_are_corrupt_errors() {
        assert!(matches!(
            parse_uuid("id", "nope"),
            Err(StoreError::Corrupt { what: "id", .. })
        ));
        assert!(parse_time("t", "yesterday").is_err());
    }
}
