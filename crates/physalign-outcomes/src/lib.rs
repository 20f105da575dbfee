//! Patient-reported outcome measures, as a pure engine: no storage, no network, no UI.
//!
//! - [`Instrument`]: NPRS, PSFS, KOOS JR, HOOS JR, ODI, NDI and QuickDASH, each with its items,
//!   its allowed answers, its direction of "better" and its minimal clinically important
//!   difference (MCID).
//! - [`form`]: the fillable form of an instrument (its items in form order, every allowed
//!   answer with its wording), whose answers are what [`score`] takes.
//! - [`score`]: a set of answers scored by the instrument's published rules, missing-item rules
//!   included ([`ScoringError`] says which rule refused an answer set).
//! - [`classify_change`]: improved / unchanged / worsened by at least the MCID, in the
//!   instrument's direction.
//! - [`Schedule`]: what is due at intake, every 30 days and at discharge, and what is overdue.
//! - [`disability_band`]: the published severity band (ODI, NDI) of a score.
//! - [`Trend`]: a patient's dated scores summarised for the chart (first, latest, change, MCID).
//!
//! Every type the app and the server exchange (instrument names, responses, scores, changes,
//! schedules, trends) (de)serialises with serde; instrument names are snake_case (`koos_jr`).

mod change;
mod error;
mod form;
mod instrument;
mod interpretation;
mod schedule;
mod scoring;
mod trend;

pub use change::{classify_change, Change, ChangeClass};
pub use error::{ScheduleError, ScoringError, TrendError};
pub use form::{form, AnswerOption, Form, FormItem, MAX_ACTIVITIES, MAX_ACTIVITY_CHARS};
pub use instrument::{Direction, Instrument};
pub use interpretation::{disability_band, DisabilityBand};
pub use physalign_domain::UnknownValue;
pub use schedule::{
    Occasion, OccasionKind, OccasionStatus, Schedule, DUE_WINDOW_DAYS, INTERVAL_DAYS,
};
pub use scoring::{score, Responses, Score, HOOS_JR_INTERVAL_SCORES, KOOS_JR_INTERVAL_SCORES};
pub use trend::{DatedScore, Trend};
