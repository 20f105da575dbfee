//! What the speech crate's rule-based extractor finds in a transcript, as the note drafter
//! reads it (`physalign_workspace::notes::TranscriptFindings`): the whole text for pain,
//! exercises, homework and risk flags (each with its sentence), and sentence by sentence for the
//! topics and the mood, so that each of those has its own sentences as evidence.

use physalign_speech::notes::{split_sentences, Laterality, Mood, NoteExtractor};
use physalign_workspace::notes::{
    ExerciseFinding, MoodFinding, MoodLevel, PainFinding, RiskFinding, Side, TopicFinding,
    TranscriptFindings,
};

fn side(l: Laterality) -> Side {
    match l {
        Laterality::Left => Side::Left,
        Laterality::Right => Side::Right,
        Laterality::Both => Side::Both,
    }
}

fn level(mood: Mood) -> MoodLevel {
    MoodLevel::from_score(mood.score())
}

/// The findings of `extractor` in `text`.
pub fn findings(extractor: &dyn NoteExtractor, text: &str) -> TranscriptFindings {
    let notes = extractor.extract(text);
    let mut topics: Vec<TopicFinding> = notes
        .key_topics
        .iter()
        .map(|t| TopicFinding {
            topic: t.clone(),
            quotes: Vec::new(),
        })
        .collect();
    let mut moods = Vec::new();
    for sentence in split_sentences(text) {
        let own = extractor.extract(&sentence);
        for topic in own.key_topics {
            if let Some(t) = topics.iter_mut().find(|t| t.topic == topic) {
                t.quotes.push(sentence.clone());
            }
        }
        if own.session_mood != Mood::Neutral {
            moods.push(MoodFinding {
                level: level(own.session_mood),
                quote: sentence.clone(),
            });
        }
    }
    TranscriptFindings {
        extractor: extractor.name().to_string(),
        pain: notes
            .pain_reports
            .iter()
            .map(|p| PainFinding {
                body_part: p.body_part.clone(),
                side: p.laterality.map(side),
                score: p.score,
                approximate: p.approximate,
                denied: p.denied,
                quote: p.quote.clone(),
            })
            .collect(),
        topics,
        session_mood: Some(level(notes.session_mood)),
        moods,
        exercises: notes
            .exercises
            .iter()
            .map(|e| ExerciseFinding {
                exercise: e.exercise.clone(),
                sets: e.sets,
                reps: e.reps,
                hold_seconds: e.hold_seconds,
                frequency: e.frequency.clone(),
                quote: e.quote.clone(),
            })
            .collect(),
        action_items: notes.action_items.clone(),
        risk_flags: notes
            .risk_flags
            .iter()
            .map(|r| RiskFinding {
                kind: r.kind.clone(),
                quote: r.quote.clone(),
            })
            .collect(),
    }
}
