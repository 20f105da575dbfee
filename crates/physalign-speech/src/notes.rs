//! Clinical notes from a session transcript, extracted on the device.
//!
//! [`NoteExtractor`] is the seam: [`RuleBasedExtractor`] is deterministic (lexicons and patterns
//! tuned to physiotherapy talk) and a local language model can implement the same trait later.
//! The output follows seed 004's note fields (`key_topics`, `action_items`, `session_mood`,
//! `risk_flags`) plus what a physiotherapist needs: pain reports and prescribed exercises.

use crate::crisis::{self, CrisisAlert};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Turns a transcript into clinical notes.
pub trait NoteExtractor {
    /// A short name of the method, stored with the notes.
    fn name(&self) -> &str;
    /// Extracts notes from transcript text.
    fn extract(&self, transcript: &str) -> ClinicalNotes;
}

/// Which side of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Laterality {
    /// Left side.
    Left,
    /// Right side.
    Right,
    /// Both sides.
    Both,
}

/// One statement about pain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PainReport {
    /// Body part, e.g. `knee`, `lower back`.
    pub body_part: Option<String>,
    /// Side, when said.
    pub laterality: Option<Laterality>,
    /// Score on 0-10 (the midpoint for a range such as "3 or 4").
    pub score: Option<f32>,
    /// The patient hedged ("maybe", "about", "I think") or gave a range.
    pub approximate: bool,
    /// Pain is denied ("no pain today", "doesn't hurt anymore").
    pub denied: bool,
    /// The sentence it came from.
    pub quote: String,
}

/// An exercise that was mentioned, with its dose where said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExerciseMention {
    /// Canonical exercise name, e.g. `squat`.
    pub exercise: String,
    /// Number of sets.
    pub sets: Option<u32>,
    /// Repetitions per set.
    pub reps: Option<u32>,
    /// Hold time in seconds.
    pub hold_seconds: Option<u32>,
    /// How often, e.g. `twice a day`.
    pub frequency: Option<String>,
    /// The sentence it came from.
    pub quote: String,
}

/// Overall emotional tone (seed 004's labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mood {
    /// Strongly negative.
    VeryLow,
    /// Negative.
    Low,
    /// Neither.
    Neutral,
    /// Positive.
    Positive,
    /// Strongly positive.
    VeryPositive,
}

impl Mood {
    /// Seed 004's 1-5 mood score.
    pub fn score(self) -> u8 {
        match self {
            Mood::VeryLow => 1,
            Mood::Low => 2,
            Mood::Neutral => 3,
            Mood::Positive => 4,
            Mood::VeryPositive => 5,
        }
    }
}

/// A safety concern for the clinician.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskFlag {
    /// What kind, e.g. `fall`, `severe_pain`, `neurological`, `self_harm`.
    pub kind: String,
    /// The sentence it came from.
    pub quote: String,
}

/// Everything extracted from one transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClinicalNotes {
    /// Main subjects, most discussed first (at most 7).
    pub key_topics: Vec<String>,
    /// Pain statements in order.
    pub pain_reports: Vec<PainReport>,
    /// Exercises in order of first mention.
    pub exercises: Vec<ExerciseMention>,
    /// Overall tone.
    pub session_mood: Mood,
    /// 1 (very low) to 5 (very positive).
    pub mood_score: u8,
    /// Homework and tasks, as said.
    pub action_items: Vec<String>,
    /// Safety concerns.
    pub risk_flags: Vec<RiskFlag>,
    /// Raised when self-harm or suicide language occurs.
    pub crisis_alert: Option<CrisisAlert>,
    /// Which extractor produced these notes.
    pub extractor: String,
}

/// The deterministic extractor.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleBasedExtractor;

impl NoteExtractor for RuleBasedExtractor {
    fn name(&self) -> &str {
        "rules-v1"
    }

    fn extract(&self, transcript: &str) -> ClinicalNotes {
        let sentences = split_sentences(transcript);
        let mood = mood(&sentences);
        let pain_reports = pain_reports(&sentences);
        let mut risk_flags = risk_flags(&sentences, &pain_reports);
        let crisis_alert = crisis::detect(sentences.iter().map(String::as_str));
        if let Some(alert) = &crisis_alert {
            for quote in &alert.quotes {
                risk_flags.push(RiskFlag {
                    kind: "self_harm".into(),
                    quote: quote.clone(),
                });
            }
        }
        ClinicalNotes {
            key_topics: key_topics(&sentences),
            exercises: exercises(&sentences),
            pain_reports,
            session_mood: mood,
            mood_score: mood.score(),
            action_items: action_items(&sentences),
            risk_flags,
            crisis_alert,
            extractor: self.name().to_string(),
        }
    }
}

/// Sentences (split on . ! ? ; and line breaks; decimal points are kept).
pub fn split_sentences(text: &str) -> Vec<String> {
    static SPLIT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:[.!?;]+(?:\s+|$))|\n+").expect("valid regex"));
    let mut out = Vec::new();
    let mut last = 0;
    for m in SPLIT.find_iter(text) {
        let end = m.start() + m.as_str().trim_end().len();
        out.push(text[last..end].trim().to_string());
        last = m.end();
    }
    out.push(text[last..].trim().to_string());
    out.retain(|s| s.chars().any(char::is_alphanumeric));
    out
}

const NUMBER_WORDS: &[(&str, u32)] = &[
    ("zero", 0),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("twenty five", 25),
    ("thirty", 30),
    ("forty", 40),
    ("forty five", 45),
    ("fifty", 50),
    ("sixty", 60),
];

/// Regex alternation matching a number in digits or words.
const NUM: &str = r"(?:\d+(?:\.\d+)?|twenty[ -]five|forty[ -]five|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty)";

fn parse_number(text: &str) -> Option<f32> {
    let t = text.trim().to_lowercase().replace('-', " ");
    if let Ok(v) = t.parse::<f32>() {
        return Some(v);
    }
    NUMBER_WORDS
        .iter()
        .find(|(w, _)| *w == t)
        .map(|(_, v)| *v as f32)
}

fn regex(pattern: &str) -> Regex {
    Regex::new(&pattern.replace("{N}", NUM)).expect("valid built-in regex")
}

fn contains_word(haystack: &str, words: &[&str]) -> bool {
    let padded = format!(" {} ", normalise_words(haystack));
    words.iter().any(|w| padded.contains(&format!(" {w} ")))
}

fn normalise_words(text: &str) -> String {
    text.to_lowercase()
        .replace(['\u{2019}', '\u{2018}'], "'")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' || c == '/' || c == '.' {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .map(|w| w.trim_end_matches('.'))
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------- pain

const BODY_PARTS: &[(&str, &str)] = &[
    ("lower back", "lower back"),
    ("low back", "lower back"),
    ("upper back", "upper back"),
    ("rotator cuff", "shoulder"),
    ("achilles", "achilles"),
    ("hamstrings", "hamstring"),
    ("hamstring", "hamstring"),
    ("quadriceps", "quadriceps"),
    ("quads", "quadriceps"),
    ("quad", "quadriceps"),
    ("kneecap", "knee"),
    ("knees", "knee"),
    ("knee", "knee"),
    ("hips", "hip"),
    ("hip", "hip"),
    ("ankles", "ankle"),
    ("ankle", "ankle"),
    ("shoulders", "shoulder"),
    ("shoulder", "shoulder"),
    ("elbow", "elbow"),
    ("wrist", "wrist"),
    ("hand", "hand"),
    ("neck", "neck"),
    ("back", "back"),
    ("spine", "spine"),
    ("calf", "calf"),
    ("calves", "calf"),
    ("shin", "shin"),
    ("thigh", "thigh"),
    ("groin", "groin"),
    ("glutes", "glute"),
    ("glute", "glute"),
    ("buttock", "glute"),
    ("heel", "heel"),
    ("foot", "foot"),
    ("feet", "foot"),
    ("toes", "toe"),
    ("arm", "arm"),
    ("leg", "leg"),
    ("chest", "chest"),
];

fn body_part(sentence: &str) -> Option<(String, Option<Laterality>)> {
    let words = normalise_words(sentence);
    let padded = format!(" {words} ");
    let (pos, name, found) = BODY_PARTS
        .iter()
        .filter_map(|(pattern, name)| {
            padded
                .find(&format!(" {pattern} "))
                .map(|p| (p, *name, *pattern))
        })
        // Earliest mention; for the same position the longest pattern ("lower back" > "back").
        .min_by_key(|(p, _, pattern)| (*p, std::cmp::Reverse(pattern.len())))?;
    let _ = found;
    let before: Vec<&str> = padded[..pos].split_whitespace().rev().take(3).collect();
    let side = if before.contains(&"left") {
        Some(Laterality::Left)
    } else if before.contains(&"right") {
        Some(Laterality::Right)
    } else if before.contains(&"both") || contains_word(sentence, &["bilateral", "bilaterally"]) {
        Some(Laterality::Both)
    } else if contains_word(sentence, &["left"]) && !contains_word(sentence, &["right"]) {
        Some(Laterality::Left)
    } else if contains_word(sentence, &["right"]) && !contains_word(sentence, &["left"]) {
        Some(Laterality::Right)
    } else {
        None
    };
    Some((name.to_string(), side))
}

const PAIN_WORDS: &[&str] = &[
    "pain",
    "painful",
    "hurts",
    "hurt",
    "hurting",
    "ache",
    "aches",
    "aching",
    "achy",
    "sore",
    "soreness",
    "tender",
    "twinge",
    "throbbing",
];

const HEDGES: &[&str] = &[
    "maybe",
    "about",
    "around",
    "roughly",
    "probably",
    "perhaps",
    "approximately",
    "like",
    "ish",
    "guess",
    "think",
    "say",
    "somewhere",
];

fn pain_denied(sentence: &str) -> bool {
    static DENIAL: LazyLock<Regex> = LazyLock::new(|| {
        regex(
            r"(?i)\b(?:no|zero|without|free of)\s+(?:\w+\s+)?(?:pain|soreness|aches?)\b|\bpain[- ]free\b|\b(?:doesn't|does not|didn't|did not|don't|do not|isn't|is not|wasn't|not|hasn't|has not|never|no longer|won't)\s+(?:\w+\s+)?(?:hurt|hurts|hurting|sore|painful|aching|ache)\b|\b(?:pain|hurt\w*|soreness|ache)\s+(?:is|has|have)\s+(?:all\s+)?gone\b",
        )
    });
    DENIAL.is_match(sentence)
}

fn pain_score(sentence: &str) -> Option<(f32, bool)> {
    static OUT_OF: LazyLock<Regex> = LazyLock::new(|| {
        regex(r"(?i)\b({N})(?:\s*(?:or|to|-)\s*({N}))?\s*(?:out of|/|over)\s*(?:10|ten)\b")
    });
    static IS_A: LazyLock<Regex> = LazyLock::new(|| {
        regex(
            r"(?i)\b(?:is|was|at|it's|its|it is|like|about|around|maybe|probably|a|an)\s+(?:a|an)?\s*({N})(?:\s*(?:or|to|-)\s*({N}))?\b(?:\s*(?:today|now|right now|this morning|tonight|at (?:worst|best|rest)))?\s*(?:[.,!]|$)",
        )
    });
    let caps = OUT_OF
        .captures(sentence)
        .or_else(|| IS_A.captures(sentence))?;
    let low = parse_number(caps.get(1)?.as_str())?;
    let high = caps.get(2).and_then(|m| parse_number(m.as_str()));
    let score = match high {
        Some(h) => (low + h) / 2.0,
        None => low,
    };
    if !(0.0..=10.0).contains(&score) {
        return None;
    }
    let hedged = high.is_some() || contains_word(sentence, HEDGES) || sentence.contains("-ish");
    Some((score, hedged))
}

/// A body part and, when said, its side.
type PainSite = (String, Option<Laterality>);

fn pain_reports(sentences: &[String]) -> Vec<PainReport> {
    let mut reports: Vec<PainReport> = Vec::new();
    // The last pain topic (from a question or a statement) for answers like "About a four."
    let mut context: Option<(usize, Option<PainSite>)> = None;
    for (i, sentence) in sentences.iter().enumerate() {
        let is_question = sentence.trim_end().ends_with('?');
        let mentions_pain = contains_word(sentence, PAIN_WORDS);
        let part = body_part(sentence);
        if is_question {
            if mentions_pain || contains_word(sentence, &["scale", "rate"]) {
                context = Some((i, part.or(context.and_then(|c| c.1))));
            }
            continue;
        }
        let recent_context = context.as_ref().filter(|(at, _)| i - at <= 2);
        // "The shoulder is a 5 out of 10": a rated body part is a pain report too.
        let rated_part = part.is_some() && {
            let lower = sentence.to_lowercase();
            lower.contains("out of") || lower.contains("/10")
        };
        let score = if mentions_pain || rated_part || recent_context.is_some() {
            pain_score(sentence)
        } else {
            None
        };
        let denied = mentions_pain && pain_denied(sentence);
        if !(mentions_pain || score.is_some()) {
            continue;
        }
        let (body_part, laterality) = match (&part, recent_context) {
            (Some((p, l)), _) => (Some(p.clone()), *l),
            (None, Some((_, Some((p, l))))) => (Some(p.clone()), *l),
            _ => (None, None),
        };
        context = Some((i, body_part.clone().map(|p| (p, laterality))));
        reports.push(PainReport {
            body_part,
            laterality,
            score: if denied {
                Some(0.0)
            } else {
                score.map(|s| s.0)
            },
            approximate: !denied && score.is_some_and(|s| s.1),
            denied,
            quote: sentence.clone(),
        });
    }
    reports
}

// ---------------------------------------------------------------- exercises

const EXERCISES: &[(&str, &str)] = &[
    ("straight leg raises", "straight leg raise"),
    ("straight leg raise", "straight leg raise"),
    ("terminal knee extensions", "terminal knee extension"),
    ("knee extensions", "knee extension"),
    ("knee extension", "knee extension"),
    ("glute bridges", "glute bridge"),
    ("glute bridge", "glute bridge"),
    ("hip bridges", "glute bridge"),
    ("bridges", "glute bridge"),
    ("bridge", "glute bridge"),
    ("mini squats", "mini squat"),
    ("wall sits", "wall sit"),
    ("wall sit", "wall sit"),
    ("squats", "squat"),
    ("squat", "squat"),
    ("lunges", "lunge"),
    ("lunge", "lunge"),
    ("step ups", "step-up"),
    ("step-ups", "step-up"),
    ("step up", "step-up"),
    ("calf raises", "calf raise"),
    ("calf raise", "calf raise"),
    ("heel raises", "calf raise"),
    ("heel slides", "heel slide"),
    ("clamshells", "clamshell"),
    ("clamshell", "clamshell"),
    ("clams", "clamshell"),
    ("hamstring stretches", "hamstring stretch"),
    ("hamstring stretch", "hamstring stretch"),
    ("quad stretches", "quadriceps stretch"),
    ("quad stretch", "quadriceps stretch"),
    ("calf stretches", "calf stretch"),
    ("calf stretch", "calf stretch"),
    ("sit to stands", "sit to stand"),
    ("sit-to-stands", "sit to stand"),
    ("sit to stand", "sit to stand"),
    ("planks", "plank"),
    ("plank", "plank"),
    ("push ups", "push-up"),
    ("push-ups", "push-up"),
    ("pushups", "push-up"),
    ("bicep curls", "bicep curl"),
    ("biceps curls", "bicep curl"),
    ("curls", "bicep curl"),
    ("shoulder abductions", "shoulder abduction"),
    ("shoulder abduction", "shoulder abduction"),
    ("external rotations", "external rotation"),
    ("external rotation", "external rotation"),
    ("pendulums", "pendulum"),
    ("pendulum", "pendulum"),
    ("band rows", "row"),
    ("rows", "row"),
    ("bird dogs", "bird dog"),
    ("bird dog", "bird dog"),
    ("dead bugs", "dead bug"),
    ("side leg raises", "side-lying leg raise"),
    ("leg raises", "leg raise"),
    ("elbow flexion", "elbow flexion"),
    ("deadlifts", "deadlift"),
    ("single leg balance", "single-leg balance"),
    ("balance exercises", "balance"),
];

struct Mention {
    start: usize,
    end: usize,
    exercise: &'static str,
}

fn exercise_mentions(lower: &str) -> Vec<Mention> {
    let mut found: Vec<Mention> = Vec::new();
    for (pattern, name) in EXERCISES {
        let mut from = 0;
        while let Some(p) = lower[from..].find(pattern) {
            let start = from + p;
            let end = start + pattern.len();
            from = end;
            let boundary_before = lower[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
            let boundary_after = lower[end..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric());
            let overlaps = found.iter().any(|m| start < m.end && m.start < end);
            if boundary_before && boundary_after && !overlaps {
                found.push(Mention {
                    start,
                    end,
                    exercise: name,
                });
            }
        }
    }
    found.sort_by_key(|m| m.start);
    found
}

#[derive(Default, Clone, Copy)]
struct Dose {
    sets: Option<u32>,
    reps: Option<u32>,
    hold_seconds: Option<u32>,
    /// Only a number, no "sets"/"reps"/"seconds" around it.
    bare: bool,
}

fn doses(lower: &str) -> Vec<(usize, usize, Dose)> {
    static DOSE: LazyLock<Regex> = LazyLock::new(|| {
        regex(
            r"\b(?:(?P<sets>{N})\s*sets?(?:\s*of\s*(?P<reps>{N}))?(?:\s*(?:reps|repetitions))?|(?P<s2>{N})\s*(?:x|by)\s*(?P<r2>{N})|(?P<r3>{N})\s*(?:reps|repetitions|times each|each side|on each side|per side)|(?:hold(?:ing)?(?:\s+(?:it|that|them))?(?:\s+for)?\s+)(?P<h>{N})\s*(?:seconds?|secs?)|(?P<h2>{N})[- ]second\s+holds?|(?P<count>{N}))\b",
        )
    });
    DOSE.captures_iter(lower)
        .filter_map(|c| {
            let whole = c.get(0)?;
            let num = |name: &str| {
                c.name(name)
                    .and_then(|m| parse_number(m.as_str()))
                    .map(|v| v as u32)
            };
            let dose = Dose {
                sets: num("sets").or(num("s2")),
                reps: num("reps").or(num("r2")).or(num("r3")).or(num("count")),
                hold_seconds: num("h").or(num("h2")),
                bare: c.name("count").is_some(),
            };
            Some((whole.start(), whole.end(), dose))
        })
        .collect()
}

fn frequency(lower: &str) -> Option<String> {
    static FREQ: LazyLock<Regex> = LazyLock::new(|| {
        regex(
            r"\b(?:once|twice|three times|{N} times)\s+(?:a|per|each)\s+(?:day|week)\b|\bevery (?:day|morning|evening|night|other day)\b|\bdaily\b",
        )
    });
    FREQ.find(lower).map(|m| m.as_str().to_string())
}

fn exercises(sentences: &[String]) -> Vec<ExerciseMention> {
    let mut out: Vec<ExerciseMention> = Vec::new();
    for sentence in sentences {
        let lower = sentence.to_lowercase();
        let mentions = exercise_mentions(&lower);
        if mentions.is_empty() {
            continue;
        }
        let mut assigned = vec![Dose::default(); mentions.len()];
        for (start, end, dose) in doses(&lower) {
            // A dose right before a mention ("3 sets of 10 squats") is that exercise's; otherwise
            // it describes the exercise just named ("squats, 3 sets of 10").
            let next = mentions.iter().position(|m| m.start >= end);
            let gap_to_next = next.map(|n| lower[end..mentions[n].start].trim());
            let owner = match (next, gap_to_next) {
                (Some(n), Some(gap)) if gap.is_empty() || gap == "of" || gap == "reps of" => n,
                _ => match mentions.iter().rposition(|m| m.end <= start) {
                    Some(p) => p,
                    None => match next {
                        Some(n) => n,
                        None => continue,
                    },
                },
            };
            // A bare number is a rep count only right before the exercise name ("10 squats").
            if dose.bare && !gap_to_next.is_some_and(str::is_empty) {
                continue;
            }
            let a = &mut assigned[owner];
            a.sets = a.sets.or(dose.sets);
            a.reps = a.reps.or(dose.reps);
            a.hold_seconds = a.hold_seconds.or(dose.hold_seconds);
        }
        let freq = frequency(&lower);
        for (m, dose) in mentions.iter().zip(assigned) {
            let mention = ExerciseMention {
                exercise: m.exercise.to_string(),
                sets: dose.sets,
                reps: dose.reps,
                hold_seconds: dose.hold_seconds,
                frequency: freq.clone(),
                quote: sentence.clone(),
            };
            // Later mentions of the same exercise fill in what earlier ones lacked.
            match out.iter_mut().find(|e| e.exercise == mention.exercise) {
                Some(e) => {
                    let had_dose = e.sets.is_some() || e.reps.is_some();
                    e.sets = e.sets.or(mention.sets);
                    e.reps = e.reps.or(mention.reps);
                    e.hold_seconds = e.hold_seconds.or(mention.hold_seconds);
                    e.frequency = e.frequency.take().or(mention.frequency);
                    if !had_dose && (e.sets.is_some() || e.reps.is_some()) {
                        e.quote = mention.quote;
                    }
                }
                None => out.push(mention),
            }
        }
    }
    out
}

// ---------------------------------------------------------------- mood

const POSITIVE: &[&str] = &[
    "good",
    "great",
    "better",
    "happy",
    "glad",
    "motivated",
    "confident",
    "improving",
    "improved",
    "excited",
    "pleased",
    "fantastic",
    "amazing",
    "relieved",
    "progress",
    "easier",
    "stronger",
    "love",
    "enjoying",
    "enjoyed",
    "positive",
    "proud",
    "well",
    "awesome",
];
const NEGATIVE: &[&str] = &[
    "frustrated",
    "frustrating",
    "down",
    "depressed",
    "anxious",
    "worried",
    "stressed",
    "sad",
    "hopeless",
    "exhausted",
    "discouraged",
    "upset",
    "scared",
    "afraid",
    "worse",
    "struggling",
    "miserable",
    "terrible",
    "awful",
    "hard",
    "difficult",
    "angry",
    "annoyed",
    "low",
    "tired",
    "fed up",
    "worn out",
    "overwhelmed",
];
const NEGATORS: &[&str] = &[
    "not", "never", "no", "isn't", "wasn't", "don't", "didn't", "doesn't", "hardly",
];

fn mood(sentences: &[String]) -> Mood {
    let mut score = 0i32;
    for sentence in sentences {
        let words = normalise_words(sentence);
        let tokens: Vec<&str> = words.split_whitespace().collect();
        for (i, w) in tokens.iter().enumerate() {
            let polarity = if POSITIVE.contains(w) {
                1
            } else if NEGATIVE.contains(w) {
                -1
            } else {
                continue;
            };
            let negated = tokens[i.saturating_sub(3)..i]
                .iter()
                .any(|t| NEGATORS.contains(t) || t.ends_with("n't"));
            score += if negated { -polarity } else { polarity };
        }
        if !crisis::crisis_phrases(sentence).is_empty() {
            score -= 5;
        }
    }
    match score {
        i32::MIN..=-4 => Mood::VeryLow,
        -3..=-1 => Mood::Low,
        0 => Mood::Neutral,
        1..=3 => Mood::Positive,
        _ => Mood::VeryPositive,
    }
}

// ---------------------------------------------------------------- action items

fn action_items(sentences: &[String]) -> Vec<String> {
    static DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| {
        regex(
            r"(?i)\b(?:i want you to|i'd like you to|i would like you to|you should|you need to|you'll need to|make sure|try to|keep (?:doing|up)|continue (?:with|doing)|remember to|don't forget|do not forget|for homework|your homework|homework is|before (?:our|the|your) next|by next (?:week|session|time)|next session|let's (?:book|schedule|add|increase|progress)|please|ice (?:it|the|your)|avoid)\b",
        )
    });
    sentences
        .iter()
        .filter(|s| !s.trim_end().ends_with('?') && DIRECTIVE.is_match(s))
        .cloned()
        .collect()
}

// ---------------------------------------------------------------- risk flags

fn risk_flags(sentences: &[String], pain: &[PainReport]) -> Vec<RiskFlag> {
    const RULES: &[(&str, &[&str])] = &[
        (
            "fall",
            &["fell", "fall", "fallen", "falling", "tripped", "slipped"],
        ),
        (
            "instability",
            &[
                "gave way",
                "gives way",
                "giving way",
                "buckled",
                "buckles",
                "locked up",
                "locking",
            ],
        ),
        (
            "neurological",
            &[
                "numb",
                "numbness",
                "tingling",
                "pins and needles",
                "weakness in my",
                "shooting pain",
            ],
        ),
        ("swelling", &["swelling", "swollen"]),
        (
            "cardiorespiratory",
            &[
                "chest pain",
                "short of breath",
                "shortness of breath",
                "dizzy",
                "dizziness",
                "fainted",
                "blacked out",
            ],
        ),
        (
            "red_flag",
            &[
                "bladder",
                "bowel",
                "fever",
                "night sweats",
                "weight loss",
                "can't bear weight",
                "cannot bear weight",
                "can't put weight",
            ],
        ),
        (
            "night_pain",
            &[
                "wakes me up",
                "woke me up",
                "keeps me up at night",
                "pain at night",
            ],
        ),
    ];
    let mut flags = Vec::new();
    for sentence in sentences {
        if sentence.trim_end().ends_with('?') {
            continue;
        }
        let padded = format!(" {} ", normalise_words(sentence));
        for (kind, phrases) in RULES {
            let hit = phrases.iter().any(|p| padded.contains(&format!(" {p} ")));
            // "No swelling" / "didn't fall" is reassurance, not a flag.
            let denied =
                regex(r"\b(?:no|not|never|didn't|haven't|hasn't|without|any)\s+(?:\w+\s+)?$");
            let negated = phrases
                .iter()
                .filter_map(|p| padded.find(&format!(" {p} ")))
                .all(|at| denied.is_match(&padded[..=at]));
            if hit && !negated {
                flags.push(RiskFlag {
                    kind: kind.to_string(),
                    quote: sentence.clone(),
                });
            }
        }
    }
    for report in pain {
        if report.score.is_some_and(|s| s >= 8.0) {
            flags.push(RiskFlag {
                kind: "severe_pain".into(),
                quote: report.quote.clone(),
            });
        }
    }
    flags
}

// ---------------------------------------------------------------- topics

fn key_topics(sentences: &[String]) -> Vec<String> {
    const TOPICS: &[(&str, &[&str])] = &[
        ("pain", PAIN_WORDS),
        (
            "home exercise programme",
            &[
                "homework",
                "exercises",
                "exercise",
                "programme",
                "program",
                "routine",
                "reps",
                "sets",
            ],
        ),
        ("sleep", &["sleep", "sleeping", "slept", "night"]),
        ("work", &["work", "job", "desk", "office", "shift"]),
        (
            "sport and activity",
            &[
                "running", "run", "gym", "football", "tennis", "cycling", "walking", "walk",
                "hike", "swimming",
            ],
        ),
        (
            "medication",
            &[
                "medication",
                "painkillers",
                "ibuprofen",
                "paracetamol",
                "tablets",
                "pills",
            ],
        ),
        (
            "mobility",
            &[
                "stiff",
                "stiffness",
                "range",
                "bend",
                "mobility",
                "flexibility",
                "tight",
                "tightness",
            ],
        ),
        (
            "strength",
            &["strength", "stronger", "weak", "weakness", "strengthening"],
        ),
        ("balance", &["balance", "wobbly", "unsteady", "steady"]),
        ("swelling", &["swelling", "swollen", "ice"]),
        ("stairs", &["stairs", "steps", "staircase"]),
        (
            "mood and stress",
            &[
                "stress",
                "stressed",
                "anxious",
                "anxiety",
                "frustrated",
                "depressed",
                "mood",
                "worried",
            ],
        ),
        (
            "surgery and recovery",
            &[
                "surgery",
                "operation",
                "post-op",
                "replacement",
                "reconstruction",
                "acl",
            ],
        ),
    ];
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut order = 0;
    let mut bump = |topic: String, counts: &mut BTreeMap<String, (usize, usize)>| {
        order += 1;
        let e = counts.entry(topic).or_insert((0, order));
        e.0 += 1;
    };
    for sentence in sentences {
        for (topic, words) in TOPICS {
            if contains_word(sentence, words) {
                bump(topic.to_string(), &mut counts);
            }
        }
        if let Some((part, _)) = body_part(sentence) {
            bump(part, &mut counts);
        }
        for m in exercise_mentions(&sentence.to_lowercase()) {
            bump(m.exercise.to_string(), &mut counts);
        }
    }
    let mut ranked: Vec<(String, (usize, usize))> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.1 .1.cmp(&b.1 .1)));
    ranked.into_iter().take(7).map(|(t, _)| t).collect()
}
