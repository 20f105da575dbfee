//! Form issues raised by exercise analysis, in seed 003's shape.

use serde::{Deserialize, Serialize};

/// How much a form issue matters to the patient's safety or the exercise's benefit.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    Low,
    Medium,
    High,
}

/// A form problem: `{"type","joint","message","severity"}` as seed 003 writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormIssue {
    /// Machine-readable kind, e.g. `KNEE_VALGUS` or `ANGLE_WARNING`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The joint concerned, e.g. `knee_left`.
    pub joint: String,
    /// A short message the patient can act on.
    pub message: String,
    /// How much it matters.
    pub severity: Severity,
}
