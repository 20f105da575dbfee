//! What a transcript says, as the note drafter reads it: the facts a rule-based extractor (or a
//! local model) found, each with the sentence it came from. The drafter keeps a fact only when
//! that sentence is found in the stored transcript ([`super::evidence`]).

use serde::{Deserialize, Serialize};

/// Which side of the body a remark is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Left.
    Left,
    /// Right.
    Right,
    /// Both sides.
    Both,
}

impl Side {
    /// The word used in a note.
    pub fn word(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
            Side::Both => "bilateral",
        }
    }
}

/// Seed 004's mood labels, on its 1-5 scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MoodLevel {
    /// 1.
    VeryLow,
    /// 2.
    Low,
    /// 3.
    Neutral,
    /// 4.
    Positive,
    /// 5.
    VeryPositive,
}

impl MoodLevel {
    /// Seed 004's score, 1 (very low) to 5 (very positive).
    pub fn score(self) -> u8 {
        match self {
            MoodLevel::VeryLow => 1,
            MoodLevel::Low => 2,
            MoodLevel::Neutral => 3,
            MoodLevel::Positive => 4,
            MoodLevel::VeryPositive => 5,
        }
    }

    /// The level of a 1-5 score (clamped).
    pub fn from_score(score: u8) -> Self {
        match score {
            0 | 1 => MoodLevel::VeryLow,
            2 => MoodLevel::Low,
            3 => MoodLevel::Neutral,
            4 => MoodLevel::Positive,
            _ => MoodLevel::VeryPositive,
        }
    }

    /// The words used in a note.
    pub fn words(self) -> &'static str {
        match self {
            MoodLevel::VeryLow => "very low",
            MoodLevel::Low => "low",
            MoodLevel::Neutral => "neutral",
            MoodLevel::Positive => "positive",
            MoodLevel::VeryPositive => "very positive",
        }
    }
}

/// A statement about pain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PainFinding {
    /// Body part, e.g. `knee`.
    pub body_part: Option<String>,
    /// Side, when said.
    pub side: Option<Side>,
    /// Score on 0-10, when said.
    pub score: Option<f32>,
    /// Hedged or given as a range.
    pub approximate: bool,
    /// Pain denied ("no pain today").
    pub denied: bool,
    /// The sentence it came from.
    pub quote: String,
}

/// A subject that was discussed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicFinding {
    /// The topic, e.g. `sleep`.
    pub topic: String,
    /// Sentences about it, in order.
    pub quotes: Vec<String>,
}

/// A sentence with a mood other than neutral.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoodFinding {
    /// The sentence's mood.
    pub level: MoodLevel,
    /// The sentence.
    pub quote: String,
}

/// An exercise that was prescribed or discussed, with its dose where said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExerciseFinding {
    /// Exercise name, e.g. `squat`.
    pub exercise: String,
    /// Sets.
    pub sets: Option<u32>,
    /// Repetitions per set.
    pub reps: Option<u32>,
    /// Hold in seconds.
    pub hold_seconds: Option<u32>,
    /// How often, e.g. `twice a day`.
    pub frequency: Option<String>,
    /// The sentence it came from.
    pub quote: String,
}

/// A safety concern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskFinding {
    /// Kind as the extractor names it, e.g. `fall`, `swelling`, `self_harm`.
    pub kind: String,
    /// The sentence it came from.
    pub quote: String,
}

/// Everything an extractor found in one transcript.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TranscriptFindings {
    /// Which extractor found them (kept in the draft).
    pub extractor: String,
    /// Pain statements in order.
    pub pain: Vec<PainFinding>,
    /// Topics, most discussed first.
    pub topics: Vec<TopicFinding>,
    /// The overall mood, when the extractor rates one.
    pub session_mood: Option<MoodLevel>,
    /// Sentences carrying a mood, in order.
    pub moods: Vec<MoodFinding>,
    /// Exercises in order of first mention.
    pub exercises: Vec<ExerciseFinding>,
    /// Homework and tasks, as said.
    pub action_items: Vec<String>,
    /// Safety concerns.
    pub risk_flags: Vec<RiskFinding>,
}
