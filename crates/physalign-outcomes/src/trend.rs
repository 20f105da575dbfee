//! A patient's scores on one instrument over time, summarised for the chart: where they started,
//! where they are, and whether the change matters clinically.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{Change, Instrument, TrendError};

/// One score on one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DatedScore {
    /// The day the questionnaire was completed.
    pub date: NaiveDate,
    /// Its score on the instrument's scale.
    pub value: f64,
}

/// The chart's summary of an instrument's scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Trend {
    /// The instrument of every score.
    pub instrument: Instrument,
    /// The earliest score (the baseline).
    pub first: DatedScore,
    /// The most recent score.
    pub latest: DatedScore,
    /// From the first to the latest score, classified against the MCID.
    pub change: Change,
    /// Whether the change reaches the MCID (improved or worsened).
    pub passes_mcid: bool,
    /// How many scores the series holds.
    pub points: usize,
}

impl Trend {
    /// Summarises `scores` (any order; on one day, the later in the slice counts as later).
    /// Refuses an empty series and a score outside the instrument's range.
    pub fn from_scores(instrument: Instrument, scores: &[DatedScore]) -> Result<Trend, TrendError> {
        let max = instrument.max_score();
        if let Some(bad) = scores
            .iter()
            .find(|score| !(0.0..=max).contains(&score.value))
        {
            return Err(TrendError::ScoreOutOfRange {
                instrument,
                date: bad.date,
                value: bad.value,
                max,
            });
        }
        let mut ordered = scores.to_vec();
        ordered.sort_by_key(|score| score.date);
        let (Some(first), Some(latest)) = (ordered.first().cloned(), ordered.last().cloned())
        else {
            return Err(TrendError::Empty { instrument });
        };
        let change = Change::between(instrument, first.value, latest.value);
        Ok(Trend {
            instrument,
            passes_mcid: change.passes_mcid(),
            change,
            first,
            latest,
            points: ordered.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ChangeClass;

    fn at(date: &str, value: f64) -> DatedScore {
        match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
            Ok(date) => DatedScore { date, value },
            Err(error) => panic!("{date}: {error}"),
        }
    }

    #[test]
    fn an_odi_series_that_falls_by_more_than_the_mcid_is_an_improvement() {
        // Given out of order: intake 46 %, day 30 38 %, day 60 30 %.
        let scores = [
            at("2026-03-31", 38.0),
            at("2026-04-30", 30.0),
            at("2026-03-01", 46.0),
        ];
        let trend = Trend::from_scores(Instrument::Odi, &scores).unwrap();
        assert_eq!(trend.first, at("2026-03-01", 46.0));
        assert_eq!(trend.latest, at("2026-04-30", 30.0));
        assert_eq!(trend.change.difference, -16.0);
        assert_eq!(trend.change.class, ChangeClass::Improved);
        assert!(trend.passes_mcid);
        assert_eq!(trend.points, 3);
    }

    #[test]
    fn a_koos_jr_series_below_the_mcid_is_unchanged_and_a_drop_is_a_worsening() {
        let small = [at("2026-03-01", 52.465), at("2026-04-01", 61.583)];
        let trend = Trend::from_scores(Instrument::KoosJr, &small).unwrap();
        assert_eq!(trend.change.class, ChangeClass::Unchanged);
        assert!(!trend.passes_mcid);
        let drop = [at("2026-03-01", 68.284), at("2026-04-01", 50.012)];
        assert_eq!(
            Trend::from_scores(Instrument::KoosJr, &drop)
                .unwrap()
                .change
                .class,
            ChangeClass::Worsened
        );
    }

    #[test]
    fn one_score_is_its_own_baseline() {
        let trend = Trend::from_scores(Instrument::Nprs, &[at("2026-03-01", 6.0)]).unwrap();
        assert_eq!(trend.first, trend.latest);
        assert_eq!(trend.change.difference, 0.0);
        assert!(!trend.passes_mcid);
    }

    #[test]
    fn empty_series_and_impossible_scores_are_refused() {
        assert_eq!(
            Trend::from_scores(Instrument::Psfs, &[]),
            Err(TrendError::Empty {
                instrument: Instrument::Psfs
            })
        );
        assert!(matches!(
            Trend::from_scores(Instrument::Nprs, &[at("2026-03-01", 11.0)]),
            Err(TrendError::ScoreOutOfRange { max, .. }) if max == 10.0
        ));
        assert!(Trend::from_scores(Instrument::Odi, &[at("2026-03-01", f64::NAN)]).is_err());
    }

    #[test]
    fn a_trend_travels_as_json() {
        let trend = Trend::from_scores(
            Instrument::Nprs,
            &[at("2026-03-01", 7.0), at("2026-04-01", 4.0)],
        )
        .unwrap();
        let json = serde_json::to_string(&trend).unwrap();
        assert!(
            json.contains(r#""first":{"date":"2026-03-01","value":7.0}"#),
            "{json}"
        );
        assert!(json.contains(r#""class":"improved""#), "{json}");
        assert_eq!(serde_json::from_str::<Trend>(&json).unwrap(), trend);
    }
}
