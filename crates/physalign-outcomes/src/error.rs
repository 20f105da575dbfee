//! What can refuse an answer set, a schedule or a trend, named precisely enough for the person
//! filling in the questionnaire (which item, which rule).

use chrono::NaiveDate;

use crate::Instrument;

/// Why a set of answers cannot be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoringError {
    /// The instrument has a different number of items (PSFS: 3 to 5 activities).
    #[error(
        "{} has {expected_min}{} item(s), got {got}",
        instrument.display_name(),
        if expected_min == expected_max { String::new() } else { format!(" to {expected_max}") }
    )]
    WrongItemCount {
        /// The instrument being scored.
        instrument: Instrument,
        /// The fewest items the instrument has.
        expected_min: usize,
        /// The most items the instrument has.
        expected_max: usize,
        /// How many answers (answered or missing) were given.
        got: usize,
    },
    /// An answer lies outside the instrument's answer scale.
    #[error(
        "{} item {item} answered {answer}; allowed answers are {min} to {max}",
        instrument.display_name()
    )]
    AnswerOutOfRange {
        /// The instrument being scored.
        instrument: Instrument,
        /// The item, counted from 1 as printed on the form.
        item: usize,
        /// The answer given.
        answer: u8,
        /// The lowest allowed answer.
        min: u8,
        /// The highest allowed answer.
        max: u8,
    },
    /// More items are unanswered than the instrument's published rule allows.
    #[error("{}: only {answered} of {items} items answered; {rule}", instrument.display_name())]
    TooManyMissing {
        /// The instrument being scored.
        instrument: Instrument,
        /// How many items were answered.
        answered: usize,
        /// How many items the form had.
        items: usize,
        /// The instrument's missing-item rule, in words.
        rule: &'static str,
    },
}

/// Why a schedule cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The discharge date precedes the episode's start.
    #[error("discharge on {discharge} is before the episode started on {start}")]
    DischargeBeforeStart {
        /// The episode's start (intake).
        start: NaiveDate,
        /// The discharge date given.
        discharge: NaiveDate,
    },
}

/// Why a series of scores cannot make a trend.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrendError {
    /// There is no score at all.
    #[error("no {} scores to draw a trend from", instrument.display_name())]
    Empty {
        /// The instrument of the trend.
        instrument: Instrument,
    },
    /// A score lies outside the instrument's score range (or is not a number).
    #[error("{} score {value} on {date} is outside 0 to {max}", instrument.display_name())]
    ScoreOutOfRange {
        /// The instrument of the trend.
        instrument: Instrument,
        /// The date of the offending score.
        date: NaiveDate,
        /// The offending value.
        value: f64,
        /// The instrument's maximum score.
        max: f64,
    },
}
