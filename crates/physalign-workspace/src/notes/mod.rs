//! The note of a visit, drafted on the device in a physiotherapy SOAP layout with seed 004's
//! fields, for the clinician to edit and sign ([`draft_note`]).
//!
//! * **Subjective**: complaints and pain (body part, side, 0–10 score), the session's mood;
//!   from the transcript.
//! * **Objective**: repetitions, range of motion and form issues of the linked session; numbers
//!   from the stored measurements only ([`objective`]).
//! * **Assessment**: pain severity, how consistent the movement was, risk flags, how the mood
//!   went, each with the evidence it rests on.
//! * **Plan**: the program changes said (exercises with their dose) and the homework.
//!
//! Every statement carries its evidence: a transcript span (start and end time, the quoted
//! words) or a measurement reference. A fact whose sentence is not found in the stored
//! transcript is dropped, so nothing appears without evidence. The wording comes from rules and
//! templates on this device; the facts come from a [`TranscriptFindings`] extractor (the speech
//! crate's rule-based one on the command line and desktop), so this crate stays free of the
//! speech models.

mod evidence;
pub mod findings;
mod objective;

pub use findings::{
    ExerciseFinding, MoodFinding, MoodLevel, PainFinding, RiskFinding, Side, TopicFinding,
    TranscriptFindings,
};

use crate::curve::session_angle;
use crate::WorkspaceError;
use chrono::{DateTime, Utc};
use evidence::QuoteLocator;
use objective::SideMeasures;
use physalign_analysis::Catalogue;
use physalign_api::notes::{self as notes_api, NoteSummary};
use physalign_store::{Store, TranscriptRecord};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The name of the drafting rules, kept in every draft.
pub const DRAFTER: &str = "soap-rules-v1";

/// Mood sentences quoted as evidence of the session's mood, at most.
const MOOD_QUOTES: usize = 3;

/// A number a statement states, as measured or said.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Figure {
    /// What it is.
    pub quantity: Quantity,
    /// Its value, unrounded.
    pub value: f64,
}

physalign_domain::wire_enum! {
    /// What a [`Figure`] measures.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum Quantity {
        /// Pain, 0–10 as said.
        PainScore = "pain_score",
        /// Full repetitions counted.
        Repetitions = "repetitions",
        /// Partial repetitions counted.
        PartialRepetitions = "partial_repetitions",
        /// Mean range of motion over the repetitions, degrees.
        MeanRangeOfMotion = "mean_range_of_motion",
        /// Smallest repetition's range of motion, degrees.
        SmallestRangeOfMotion = "smallest_range_of_motion",
        /// Largest repetition's range of motion, degrees.
        LargestRangeOfMotion = "largest_range_of_motion",
        /// Lowest joint angle reached, degrees.
        LowestAngle = "lowest_angle",
        /// Highest joint angle reached, degrees.
        HighestAngle = "highest_angle",
        /// Form-issue events of one kind.
        FormIssueCount = "form_issue_count",
        /// Mood, seed 004's 1–5.
        MoodScore = "mood_score",
        /// Sets prescribed.
        Sets = "sets",
        /// Repetitions per set prescribed.
        RepsPerSet = "reps_per_set",
        /// Hold prescribed, seconds.
        HoldSeconds = "hold_seconds",
    }
}

physalign_domain::wire_enum! {
    /// What a statement is about.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum StatementKind {
        /// Pain reported or denied.
        Pain = "pain",
        /// A symptom or concern other than pain.
        Complaint = "complaint",
        /// A subject discussed.
        Topic = "topic",
        /// The subjects discussed, in one sentence.
        TopicSummary = "topic_summary",
        /// The session's mood.
        Mood = "mood",
        /// How the mood went over the visit.
        MoodTrajectory = "mood_trajectory",
        /// Repetitions counted.
        Repetitions = "repetitions",
        /// Range of motion measured.
        RangeOfMotion = "range_of_motion",
        /// A form issue seen.
        FormIssue = "form_issue",
        /// A clinical reading of the evidence.
        Finding = "finding",
        /// A safety concern.
        RiskFlag = "risk_flag",
        /// An exercise with its dose (a program change or strategy).
        Exercise = "exercise",
        /// Homework or a task.
        ActionItem = "action_item",
        /// The patient-facing summary.
        PatientSummary = "patient_summary",
    }
}

/// Where a measured number is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MeasurementRef {
    /// Repetitions of a session, by index.
    Repetitions {
        /// The session.
        session_id: Uuid,
        /// Their indices (empty: the session counted none).
        indices: Vec<u32>,
    },
    /// Form-issue events of a session, by time.
    FormIssues {
        /// The session.
        session_id: Uuid,
        /// When each was seen, from the start of the recording.
        #[cfg_attr(feature = "ts", ts(type = "Array<number>"))]
        at_ms: Vec<i64>,
    },
}

/// Words of a stored transcript, with their time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TranscriptSpan {
    /// The transcript.
    pub transcript_id: Uuid,
    /// Start of the first segment holding the words.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub start_ms: i64,
    /// End of the last segment holding them.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub end_ms: i64,
    /// The words as the transcript has them.
    pub quote: String,
}

/// What a statement rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Evidence {
    /// Something said.
    Transcript(TranscriptSpan),
    /// Something measured.
    Measurement(MeasurementRef),
}

/// One statement of the note with its evidence (never empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NoteStatement {
    /// What it is about.
    pub kind: StatementKind,
    /// The sentence as the note prints it.
    pub text: String,
    /// The numbers it states, unrounded.
    pub figures: Vec<Figure>,
    /// What it rests on.
    pub evidence: Vec<Evidence>,
}

/// The session's mood with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MoodStatement {
    /// Seed 004's label.
    pub level: MoodLevel,
    /// The statement.
    pub statement: NoteStatement,
}

physalign_domain::wire_enum! {
    /// How the mood went from the first half of the visit to the second.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum MoodTrajectory {
        /// Better later.
        Improving = "improving",
        /// About the same.
        Stable = "stable",
        /// Worse later.
        Declining = "declining",
    }
}

/// The mood trajectory with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TrajectoryStatement {
    /// Which way.
    pub trajectory: MoodTrajectory,
    /// The statement.
    pub statement: NoteStatement,
}

/// A note drafted on the device: the SOAP sections and seed 004's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NoteDraft {
    /// The session the note is about.
    pub session_id: Uuid,
    /// The transcript it was drafted from, if any.
    pub transcript_id: Option<Uuid>,
    /// When it was drafted.
    pub drafted_at: DateTime<Utc>,
    /// The drafting rules and the extractor, e.g. `soap-rules-v1 + rules-v1`.
    pub drafter: String,
    /// Complaints, pain, mood.
    pub subjective: Vec<NoteStatement>,
    /// Measured movement.
    pub objective: Vec<NoteStatement>,
    /// Readings of the evidence.
    pub assessment: Vec<NoteStatement>,
    /// Program changes and homework.
    pub plan: Vec<NoteStatement>,
    /// Seed 004: main subjects.
    pub key_topics: Vec<NoteStatement>,
    /// Seed 004: the subjects in one sentence.
    pub topic_summary: Option<NoteStatement>,
    /// Seed 004: strategies and techniques (the exercises with their dose).
    pub strategies: Vec<NoteStatement>,
    /// Seed 004: tasks for the patient.
    pub action_items: Vec<NoteStatement>,
    /// Seed 004: the session's mood.
    pub session_mood: Option<MoodStatement>,
    /// Seed 004: how the mood went.
    pub mood_trajectory: Option<TrajectoryStatement>,
    /// Seed 004: the clinician's own words (empty in a draft; theirs to write).
    pub clinician_notes: String,
    /// Seed 004: a summary for the patient.
    pub patient_summary: Option<NoteStatement>,
    /// Seed 004: safety concerns.
    pub risk_flags: Vec<NoteStatement>,
}

impl NoteDraft {
    /// Every statement of the note, section by section (the seed fields included).
    pub fn statements(&self) -> Vec<&NoteStatement> {
        let mut all: Vec<&NoteStatement> = Vec::new();
        for list in [
            &self.subjective,
            &self.objective,
            &self.assessment,
            &self.plan,
            &self.key_topics,
            &self.strategies,
            &self.action_items,
            &self.risk_flags,
        ] {
            all.extend(list.iter());
        }
        all.extend(self.topic_summary.iter());
        all.extend(self.session_mood.iter().map(|m| &m.statement));
        all.extend(self.mood_trajectory.iter().map(|t| &t.statement));
        all.extend(self.patient_summary.iter());
        all
    }

    /// Seed 004's fields of this note as the server keeps them beside the full document: the
    /// statements' sentences, the mood labels, the clinician's own words. A projection, cut to
    /// the API's limits (the document keeps everything).
    pub fn summary(&self) -> NoteSummary {
        let texts = |list: &[NoteStatement]| -> Vec<String> {
            list.iter()
                .take(notes_api::MAX_SUMMARY_ENTRIES)
                .map(|s| within(&s.text, notes_api::MAX_SUMMARY_TEXT))
                .collect()
        };
        let text = |s: &Option<NoteStatement>| {
            s.as_ref()
                .map(|s| within(&s.text, notes_api::MAX_SUMMARY_TEXT))
        };
        NoteSummary {
            key_topics: texts(&self.key_topics),
            topic_summary: text(&self.topic_summary),
            strategies: texts(&self.strategies),
            action_items: texts(&self.action_items),
            session_mood: self.session_mood.as_ref().map(|m| match m.level {
                MoodLevel::VeryLow => notes_api::SessionMood::VeryLow,
                MoodLevel::Low => notes_api::SessionMood::Low,
                MoodLevel::Neutral => notes_api::SessionMood::Neutral,
                MoodLevel::Positive => notes_api::SessionMood::Positive,
                MoodLevel::VeryPositive => notes_api::SessionMood::VeryPositive,
            }),
            mood_trajectory: self.mood_trajectory.as_ref().map(|t| match t.trajectory {
                MoodTrajectory::Improving => notes_api::MoodTrajectory::Improving,
                MoodTrajectory::Stable => notes_api::MoodTrajectory::Stable,
                MoodTrajectory::Declining => notes_api::MoodTrajectory::Declining,
            }),
            therapist_notes: within(&self.clinician_notes, notes_api::MAX_NOTE_TEXT),
            patient_summary: text(&self.patient_summary),
            risk_flags: texts(&self.risk_flags),
        }
    }
}

/// `text` cut to at most `max` characters (an ellipsis marks the cut).
fn within(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A statement from transcript quotes; `None` when none of them is in the transcript.
fn said(
    locator: Option<&QuoteLocator>,
    kind: StatementKind,
    text: String,
    figures: Vec<Figure>,
    quotes: &[&str],
) -> Option<NoteStatement> {
    let locator = locator?;
    let evidence: Vec<Evidence> = quotes
        .iter()
        .filter_map(|q| locator.locate(q))
        .map(Evidence::Transcript)
        .collect();
    (!evidence.is_empty()).then_some(NoteStatement {
        kind,
        text,
        figures,
        evidence,
    })
}

fn score_words(score: f32) -> String {
    if score.fract() == 0.0 {
        format!("{score:.0}/10")
    } else {
        format!("{score:.1}/10")
    }
}

fn pain_site(p: &PainFinding) -> String {
    let side = p.side.map(|s| format!("{} ", s.word())).unwrap_or_default();
    match &p.body_part {
        Some(part) => format!("{side}{part}"),
        None => "unspecified site".into(),
    }
}

fn pain_statement(locator: Option<&QuoteLocator>, p: &PainFinding) -> Option<NoteStatement> {
    let site = pain_site(p);
    let (text, figures) = if p.denied {
        (format!("Denies pain ({site})."), Vec::new())
    } else {
        match p.score {
            Some(score) => (
                format!(
                    "Reports {site} pain {}{}.",
                    score_words(score),
                    if p.approximate { " (approximate)" } else { "" }
                ),
                vec![Figure {
                    quantity: Quantity::PainScore,
                    value: f64::from(score),
                }],
            ),
            None => (format!("Reports {site} pain, no score given."), Vec::new()),
        }
    };
    said(locator, StatementKind::Pain, text, figures, &[&p.quote])
}

fn kind_words(kind: &str) -> String {
    kind.replace('_', " ")
}

fn risk_statements(
    locator: Option<&QuoteLocator>,
    findings: &TranscriptFindings,
) -> Vec<NoteStatement> {
    findings
        .risk_flags
        .iter()
        .filter_map(|r| {
            said(
                locator,
                StatementKind::RiskFlag,
                format!(
                    "Risk flag: {} — for the clinician's attention.",
                    kind_words(&r.kind)
                ),
                Vec::new(),
                &[&r.quote],
            )
        })
        .collect()
}

fn exercise_statement(
    locator: Option<&QuoteLocator>,
    e: &ExerciseFinding,
) -> Option<NoteStatement> {
    let mut dose = Vec::new();
    let mut figures = Vec::new();
    match (e.sets, e.reps) {
        (Some(sets), Some(reps)) => dose.push(format!("{sets} sets of {reps}")),
        (Some(sets), None) => dose.push(format!("{sets} sets")),
        (None, Some(reps)) => dose.push(format!("{reps} repetitions")),
        (None, None) => {}
    }
    for (value, quantity) in [(e.sets, Quantity::Sets), (e.reps, Quantity::RepsPerSet)] {
        if let Some(v) = value {
            figures.push(Figure {
                quantity,
                value: f64::from(v),
            });
        }
    }
    if let Some(hold) = e.hold_seconds {
        dose.push(format!("hold {hold} s"));
        figures.push(Figure {
            quantity: Quantity::HoldSeconds,
            value: f64::from(hold),
        });
    }
    if let Some(f) = &e.frequency {
        dose.push(f.clone());
    }
    let text = if dose.is_empty() {
        format!("{}: discussed, no dose given.", capitalised(&e.exercise))
    } else {
        format!("{}: {}.", capitalised(&e.exercise), dose.join(", "))
    };
    said(locator, StatementKind::Exercise, text, figures, &[&e.quote])
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn list_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn first_evidence(statements: &[&NoteStatement]) -> Vec<Evidence> {
    let mut evidence: Vec<Evidence> = Vec::new();
    for s in statements {
        for e in &s.evidence {
            if !evidence.contains(e) {
                evidence.push(e.clone());
            }
        }
    }
    evidence
}

fn mood_statements(
    locator: Option<&QuoteLocator>,
    findings: &TranscriptFindings,
) -> (Option<MoodStatement>, Option<TrajectoryStatement>) {
    let Some(locator) = locator else {
        return (None, None);
    };
    // Mood sentences found in the transcript, in time order.
    let mut located: Vec<(MoodLevel, TranscriptSpan)> = findings
        .moods
        .iter()
        .filter_map(|m| locator.locate(&m.quote).map(|span| (m.level, span)))
        .collect();
    located.sort_by_key(|(_, span)| span.start_ms);
    if located.is_empty() {
        return (None, None);
    }
    let level = findings.session_mood.unwrap_or_else(|| {
        let mean = located
            .iter()
            .map(|(l, _)| f64::from(l.score()))
            .sum::<f64>()
            / located.len() as f64;
        MoodLevel::from_score(mean.round() as u8)
    });
    let mood = MoodStatement {
        level,
        statement: NoteStatement {
            kind: StatementKind::Mood,
            text: format!("Mood: {} ({} of 5).", level.words(), level.score()),
            figures: vec![Figure {
                quantity: Quantity::MoodScore,
                value: f64::from(level.score()),
            }],
            evidence: located
                .iter()
                .take(MOOD_QUOTES)
                .map(|(_, s)| Evidence::Transcript(s.clone()))
                .collect(),
        },
    };
    if located.len() < 2 {
        return (Some(mood), None);
    }
    let half = located.len() / 2;
    let (early, late) = located.split_at(half);
    let mean = |part: &[(MoodLevel, TranscriptSpan)]| {
        part.iter().map(|(l, _)| f64::from(l.score())).sum::<f64>() / part.len() as f64
    };
    let (before, after) = (mean(early), mean(late));
    let trajectory = if after - before >= 1.0 {
        MoodTrajectory::Improving
    } else if before - after >= 1.0 {
        MoodTrajectory::Declining
    } else {
        MoodTrajectory::Stable
    };
    let words = match trajectory {
        MoodTrajectory::Improving => "improved",
        MoodTrajectory::Stable => "stayed about the same",
        MoodTrajectory::Declining => "fell",
    };
    let trajectory = TrajectoryStatement {
        trajectory,
        statement: NoteStatement {
            kind: StatementKind::MoodTrajectory,
            text: format!("Mood {words} over the visit ({before:.1} → {after:.1} of 5)."),
            figures: Vec::new(),
            evidence: [early.first(), late.last()]
                .into_iter()
                .flatten()
                .map(|(_, s)| Evidence::Transcript(s.clone()))
                .collect(),
        },
    };
    (Some(mood), Some(trajectory))
}

/// NPRS bands: 1–3 mild, 4–6 moderate, 7–10 severe.
fn pain_severity(score: f32) -> &'static str {
    if score <= 0.0 {
        "absent"
    } else if score < 4.0 {
        "mild"
    } else if score < 7.0 {
        "moderate"
    } else {
        "severe"
    }
}

/// Spread of repetition range of motion up to which the movement reads as consistent.
const CONSISTENT_SPREAD_DEG: f64 = 10.0;

fn assessment(
    pain: &[(PainFinding, NoteStatement)],
    measures: &[SideMeasures],
    exercise: &str,
) -> Vec<NoteStatement> {
    let mut out = Vec::new();
    let worst = pain
        .iter()
        .filter(|(p, _)| !p.denied)
        .filter_map(|(p, s)| p.score.map(|score| (score, p, s)))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((score, p, s)) = worst {
        out.push(NoteStatement {
            kind: StatementKind::Finding,
            text: format!(
                "Pain is {} (highest reported {} at the {}).",
                pain_severity(score),
                score_words(score),
                pain_site(p)
            ),
            figures: vec![Figure {
                quantity: Quantity::PainScore,
                value: f64::from(score),
            }],
            evidence: s.evidence.clone(),
        });
    }
    for m in measures {
        let side = m
            .side
            .map(|s| format!(" ({})", s.as_str()))
            .unwrap_or_default();
        let total = m.full + m.partial;
        let mut parts = Vec::new();
        if let Some(spread) = m.rom_spread {
            parts.push(if spread <= CONSISTENT_SPREAD_DEG {
                format!("range of motion consistent across repetitions (spread {spread:.0}°)")
            } else {
                format!("range of motion varied across repetitions (spread {spread:.0}°)")
            });
        }
        if m.partial > 0 {
            parts.push(format!("{} of {total} repetitions partial", m.partial));
        }
        if m.with_form_issues > 0 {
            parts.push(format!(
                "form issues in {} of {total} repetitions",
                m.with_form_issues
            ));
        }
        if parts.is_empty() {
            continue;
        }
        let mut evidence = vec![m.evidence.clone()];
        let mut text = format!("{exercise}{side}: {}.", parts.join("; "));
        // Partial repetitions beside moderate or severe pain: the two together, as said and measured.
        if let Some((score, _, s)) = worst.filter(|(score, _, _)| *score >= 4.0 && m.partial > 0) {
            text.push_str(&format!(
                " Partial repetitions occur with {} pain reported.",
                pain_severity(score)
            ));
            evidence.extend(s.evidence.iter().cloned());
        }
        out.push(NoteStatement {
            kind: StatementKind::Finding,
            text,
            figures: Vec::new(),
            evidence,
        });
    }
    out
}

fn patient_summary(
    pain: &[(PainFinding, NoteStatement)],
    objective: &[NoteStatement],
    plan: &[NoteStatement],
) -> Option<NoteStatement> {
    let mut sentences = Vec::new();
    let mut used: Vec<&NoteStatement> = Vec::new();
    let told: Vec<(String, &NoteStatement)> = pain
        .iter()
        .filter(|(p, _)| !p.denied)
        .map(|(p, s)| {
            (
                match p.score {
                    Some(score) => format!("{} pain at {}", pain_site(p), score_words(score)),
                    None => format!("{} pain", pain_site(p)),
                },
                s,
            )
        })
        .collect();
    if !told.is_empty() {
        sentences.push(format!(
            "You told us about {}.",
            list_words(&told.iter().map(|(w, _)| w.clone()).collect::<Vec<_>>())
        ));
        used.extend(told.iter().map(|(_, s)| *s));
    }
    let done: Vec<&NoteStatement> = objective
        .iter()
        .filter(|s| s.kind == StatementKind::Repetitions)
        .collect();
    if !done.is_empty() {
        sentences.push(format!(
            "Measured today: {}",
            done.iter()
                .map(|s| s.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ));
        used.extend(done);
    }
    let next: Vec<&NoteStatement> = plan
        .iter()
        .filter(|s| s.kind == StatementKind::Exercise)
        .collect();
    if !next.is_empty() {
        sentences.push(format!(
            "Your exercises: {}",
            next.iter()
                .map(|s| s.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ));
        used.extend(next);
    }
    (!used.is_empty()).then(|| NoteStatement {
        kind: StatementKind::PatientSummary,
        text: sentences.join(" "),
        figures: Vec::new(),
        evidence: first_evidence(&used),
    })
}

/// Drafts the note of `session_id` from its stored measurements and, when given, a stored
/// transcript of the visit with what an extractor found in it.
pub fn draft_note(
    store: &Store,
    catalogue: &Catalogue,
    session_id: Uuid,
    transcript: Option<(&TranscriptRecord, &TranscriptFindings)>,
    now: DateTime<Utc>,
) -> Result<NoteDraft, WorkspaceError> {
    let detail = store
        .get_session(session_id)?
        .ok_or(WorkspaceError::SessionNotFound(session_id))?;
    let exercise_id = detail.session.exercise_id.clone();
    let exercise = catalogue
        .get(&exercise_id)
        .map(|e| e.name.clone())
        .unwrap_or_else(|_| exercise_id.clone());
    let joint = session_angle(store, catalogue, session_id, &exercise_id)?;
    let locator = transcript.map(|(t, _)| QuoteLocator::new(t));
    let locator = locator.as_ref();
    let empty = TranscriptFindings::default();
    let findings = transcript.map_or(&empty, |(_, f)| f);

    // Subjective: pain, other complaints, mood.
    let pain: Vec<(PainFinding, NoteStatement)> = findings
        .pain
        .iter()
        .filter_map(|p| pain_statement(locator, p).map(|s| (p.clone(), s)))
        .collect();
    let risk_flags = risk_statements(locator, findings);
    let mut subjective: Vec<NoteStatement> = pain.iter().map(|(_, s)| s.clone()).collect();
    for r in &findings.risk_flags {
        subjective.extend(said(
            locator,
            StatementKind::Complaint,
            format!("Reports {}: \"{}\"", kind_words(&r.kind), r.quote.trim()),
            Vec::new(),
            &[&r.quote],
        ));
    }
    let (session_mood, mood_trajectory) = mood_statements(locator, findings);
    subjective.extend(session_mood.iter().map(|m| m.statement.clone()));

    let (objective, measures) = objective::objective(&detail, &exercise, joint.as_deref());

    let mut assessment = assessment(&pain, &measures, &exercise);
    assessment.extend(risk_flags.iter().cloned());
    assessment.extend(mood_trajectory.iter().map(|t| t.statement.clone()));

    let strategies: Vec<NoteStatement> = findings
        .exercises
        .iter()
        .filter_map(|e| exercise_statement(locator, e))
        .collect();
    let action_items: Vec<NoteStatement> = findings
        .action_items
        .iter()
        .filter_map(|a| {
            said(
                locator,
                StatementKind::ActionItem,
                format!("Homework: {}", a.trim()),
                Vec::new(),
                &[a],
            )
        })
        .collect();
    let mut plan = strategies.clone();
    plan.extend(action_items.iter().cloned());

    let key_topics: Vec<NoteStatement> = findings
        .topics
        .iter()
        .filter_map(|t| {
            let quotes: Vec<&str> = t.quotes.iter().map(String::as_str).take(2).collect();
            said(
                locator,
                StatementKind::Topic,
                capitalised(&t.topic),
                Vec::new(),
                &quotes,
            )
        })
        .collect();
    let topic_summary = (!key_topics.is_empty()).then(|| NoteStatement {
        kind: StatementKind::TopicSummary,
        text: format!(
            "Discussed {}.",
            list_words(
                &key_topics
                    .iter()
                    .map(|t| t.text.to_lowercase())
                    .collect::<Vec<_>>()
            )
        ),
        figures: Vec::new(),
        evidence: key_topics
            .iter()
            .filter_map(|t| t.evidence.first().cloned())
            .collect(),
    });
    let patient_summary = patient_summary(&pain, &objective, &plan);

    Ok(NoteDraft {
        session_id,
        transcript_id: transcript.map(|(t, _)| t.id),
        drafted_at: now,
        drafter: match transcript {
            Some(_) if !findings.extractor.is_empty() => {
                format!("{DRAFTER} + {}", findings.extractor)
            }
            _ => DRAFTER.to_string(),
        },
        subjective,
        objective,
        assessment,
        plan,
        key_topics,
        topic_summary,
        strategies,
        action_items,
        session_mood,
        mood_trajectory,
        clinician_notes: String::new(),
        patient_summary,
        risk_flags,
    })
}
