//! What the reports say, as plain data: the device fills it from its local store, the server's
//! export from its database, and [`crate::progress_report_pdf`] and [`crate::session_note_pdf`]
//! draw it. Every number here is a stored measurement or computed from them; the renderer only
//! words and lays them out.

use chrono::{DateTime, NaiveDate, Utc};
use physalign_outcomes::Trend;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who the report is about: printed on every page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientIdentity {
    /// The patient's name as the record holds it.
    pub name: String,
    /// The patient's id, when known.
    pub patient_id: Option<Uuid>,
    /// Date of birth, when recorded.
    pub date_of_birth: Option<NaiveDate>,
    /// E-mail, when shared.
    pub email: Option<String>,
}

impl PatientIdentity {
    /// "DOB 1961-03-04 · ID 3f2a…", what the running header prints under the name.
    pub fn detail_line(&self) -> String {
        let mut parts = Vec::new();
        if let Some(dob) = self.date_of_birth {
            parts.push(format!("DOB {dob}"));
        }
        if let Some(id) = self.patient_id {
            parts.push(format!("ID {id}"));
        } else if let Some(email) = &self.email {
            parts.push(email.clone());
        }
        if parts.is_empty() {
            "Patient on this device".to_string()
        } else {
            parts.join(" · ")
        }
    }
}

/// Where and by whom a report was produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// When it was generated.
    pub generated_at: DateTime<Utc>,
    /// Who asked for it (the signed-in account), when known.
    pub prepared_by: Option<String>,
    /// Where the data came from, e.g. "this device's local record (offline)".
    pub source: String,
}

/// A program item as the report shows it, with its adherence in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramLine {
    /// The exercise's name.
    pub exercise: String,
    /// The dose in words, e.g. "3 × 10", "hold 30 s".
    pub dose: String,
    /// The target angle band in words, e.g. "90° ± 10°".
    pub target: Option<String>,
    /// Sessions a week prescribed.
    pub per_week: Option<i64>,
    /// Ended sessions of the item in the period.
    pub sessions_done: i64,
    /// Sessions expected in the period (per week × the weeks it was current in the period).
    pub sessions_expected: Option<i64>,
    /// Whether the item is still active.
    pub active: bool,
    /// The clinician's instructions.
    pub instructions: Option<String>,
}

/// Adherence over the whole period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdherenceSummary {
    /// Sessions in the period.
    pub sessions: i64,
    /// Distinct days with a measured session.
    pub days_with_data: i64,
    /// Days in the period.
    pub period_days: i64,
    /// Sessions with a clinician's review.
    pub reviewed: i64,
}

/// One session's point of a range-of-motion series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RomPoint {
    /// The session.
    pub session_id: Uuid,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Mean angle reached at the working position, degrees.
    pub reached_deg: Option<f64>,
    /// Mean range of motion, degrees.
    pub rom_deg: Option<f64>,
    /// Full repetitions.
    pub reps: i64,
    /// Whether the angle reached is inside the target band.
    pub in_band: Option<bool>,
}

/// Range of motion of one exercise and side over the period, against its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RomSeries {
    /// The exercise's name.
    pub exercise: String,
    /// The joint followed, e.g. "knee".
    pub joint: Option<String>,
    /// The side, when the engine said.
    pub side: Option<String>,
    /// The target band: (target, low, high) in degrees.
    pub target: Option<(f64, f64, f64)>,
    /// Sessions, oldest first.
    pub points: Vec<RomPoint>,
}

/// A pain statement of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PainRemark {
    /// When the session started.
    pub at: DateTime<Utc>,
    /// Body part, when said.
    pub body_part: Option<String>,
    /// Side, when said.
    pub side: Option<String>,
    /// Score 0–10, when said.
    pub score: Option<f64>,
    /// The patient said there was no pain.
    pub denied: bool,
    /// The sentence it came from.
    pub quote: String,
}

/// A clinician's review of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewLine {
    /// When it was written.
    pub reviewed_at: DateTime<Utc>,
    /// The session's start.
    pub session_at: Option<DateTime<Utc>>,
    /// The session's exercise.
    pub exercise: Option<String>,
    /// The grade in words ("Good").
    pub grade: String,
    /// The clinician's notes.
    pub notes: Option<String>,
    /// The plan in one line.
    pub plan: Option<String>,
}

/// The progress report of one patient over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressReport {
    /// The patient.
    pub patient: PatientIdentity,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period (inclusive).
    pub to: NaiveDate,
    /// Where and when it was produced.
    pub provenance: Provenance,
    /// Diagnoses and conditions on record.
    pub conditions: Vec<String>,
    /// Therapy goals in words (recorded goals and the program's measurable targets).
    pub goals: Vec<String>,
    /// The program with adherence per item.
    pub program: Vec<ProgramLine>,
    /// Adherence over the period.
    pub adherence: AdherenceSummary,
    /// Range of motion per exercise and side.
    pub rom: Vec<RomSeries>,
    /// Outcome measures scored in the period, per instrument (baseline, latest, change vs MCID).
    pub outcomes: Vec<Trend>,
    /// Highest pain said per session, oldest first.
    pub pain: Vec<(DateTime<Utc>, f64)>,
    /// Pain statements, oldest first.
    pub pain_remarks: Vec<PainRemark>,
    /// Reviews of the period's sessions, oldest first.
    pub reviews: Vec<ReviewLine>,
    /// Tasks the patient said they would do (from the session notes).
    pub action_items: Vec<String>,
    /// Safety concerns flagged in the notes (kind, quote).
    pub risk_flags: Vec<(String, String)>,
    /// The plan, in lines.
    pub plan: Vec<String>,
}

/// One repetition of the session note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteRepetition {
    /// 1-based number.
    pub number: u32,
    /// Side, when counted per side.
    pub side: Option<String>,
    /// Start, seconds from the start of the recording.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// Smallest angle, degrees.
    pub min_deg: f64,
    /// Largest angle, degrees.
    pub max_deg: f64,
    /// Lowering phase, seconds.
    pub eccentric_s: f64,
    /// Lifting phase, seconds.
    pub concentric_s: f64,
    /// The engine's confidence 0..1.
    pub confidence: Option<f64>,
    /// Whether it fell short of the target range.
    pub partial: bool,
    /// Form problems during it.
    pub form_issues: Vec<String>,
}

/// A form issue at a moment of the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteFormIssue {
    /// Seconds from the start.
    pub at_s: f64,
    /// What it is, in words.
    pub kind: String,
    /// The joint.
    pub joint: String,
    /// LOW, MEDIUM or HIGH in words.
    pub severity: String,
    /// The cue given.
    pub message: String,
}

/// The note of one session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionNote {
    /// The patient.
    pub patient: PatientIdentity,
    /// Where and when it was produced.
    pub provenance: Provenance,
    /// The session.
    pub session_id: Uuid,
    /// The exercise's name.
    pub exercise: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Length, seconds.
    pub duration_s: Option<f64>,
    /// Recorded on this device or pulled, in words.
    pub origin: String,
    /// Lifecycle status in words.
    pub status: String,
    /// The program item it was recorded for, in words (dose and target).
    pub prescription: Option<String>,
    /// The target band: (target, low, high), degrees.
    pub target: Option<(f64, f64, f64)>,
    /// The joint angle followed.
    pub joint: Option<String>,
    /// How far the measurement can be trusted, in words.
    pub reliability: Option<String>,
    /// The repetitions.
    pub repetitions: Vec<NoteRepetition>,
    /// Form issues in time order.
    pub form_issues: Vec<NoteFormIssue>,
    /// The followed angle over time: (seconds, degrees).
    pub curve: Vec<(f64, Option<f64>)>,
    /// Pain statements.
    pub pain_remarks: Vec<PainRemark>,
    /// Mood in words, when noted.
    pub mood: Option<String>,
    /// Tasks said.
    pub action_items: Vec<String>,
    /// Safety concerns (kind, quote).
    pub risk_flags: Vec<(String, String)>,
    /// The beginning of the transcript (when the patient shares it).
    pub transcript_excerpt: Option<String>,
    /// Whether the excerpt is shorter than the transcript.
    pub transcript_truncated: bool,
    /// The clinician's latest review.
    pub review: Option<ReviewLine>,
}
