//! Crisis language detection (seed 002's `crisis_alert`): self-harm or suicide language in a
//! transcript raises an alert that carries emergency resources.
//!
//! Deliberately keyword-based and never suppressed by negation ("I'm not suicidal" still alerts):
//! a missed alert costs far more than a clinician dismissing a false one.

use serde::{Deserialize, Serialize};

/// Where to get help now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyResource {
    /// Service name.
    pub name: String,
    /// Phone number (or SMS short code).
    pub phone: String,
    /// Web address, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Reachable at any hour.
    pub available_24_7: bool,
}

/// Seed 002's crisis alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrisisAlert {
    /// The phrases that matched (normalised, deduplicated, in order of appearance).
    pub keywords_matched: Vec<String>,
    /// The sentences they occurred in.
    pub quotes: Vec<String>,
    /// Whom to contact.
    pub emergency_resources: Vec<EmergencyResource>,
}

/// Phrases that indicate risk of self-harm or suicide (lower case; matched on word boundaries).
const CRISIS_PHRASES: &[&str] = &[
    "suicide",
    "suicidal",
    "kill myself",
    "killing myself",
    "end my life",
    "ending my life",
    "end it all",
    "take my own life",
    "taking my own life",
    "want to die",
    "wanna die",
    "wish i was dead",
    "wish i were dead",
    "better off dead",
    "better off without me",
    "no reason to live",
    "nothing to live for",
    "don't want to live",
    "do not want to live",
    "don't want to be here anymore",
    "don't want to wake up",
    "hurt myself",
    "hurting myself",
    "harm myself",
    "harming myself",
    "self-harm",
    "self harm",
    "cutting myself",
    "overdose",
];

/// The default resources (US numbers plus the international emergency number).
pub fn emergency_resources() -> Vec<EmergencyResource> {
    vec![
        EmergencyResource {
            name: "988 Suicide & Crisis Lifeline".into(),
            phone: "988".into(),
            url: Some("https://988lifeline.org".into()),
            available_24_7: true,
        },
        EmergencyResource {
            name: "Crisis Text Line (text HOME)".into(),
            phone: "741741".into(),
            url: None,
            available_24_7: true,
        },
        EmergencyResource {
            name: "Emergency services".into(),
            phone: "911 / 112".into(),
            url: None,
            available_24_7: true,
        },
    ]
}

fn normalise(text: &str) -> String {
    let lower = text.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
    let spaced: String = lower
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' || c == '-' {
                c
            } else {
                ' '
            }
        })
        .collect();
    format!(
        " {} ",
        spaced.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

/// The crisis phrases in one sentence.
pub fn crisis_phrases(sentence: &str) -> Vec<&'static str> {
    let text = normalise(sentence);
    CRISIS_PHRASES
        .iter()
        .copied()
        .filter(|p| text.contains(&format!(" {p} ")))
        .collect()
}

/// Scans sentences; an alert when any contains crisis language.
pub fn detect<'a>(sentences: impl IntoIterator<Item = &'a str>) -> Option<CrisisAlert> {
    let mut keywords: Vec<String> = Vec::new();
    let mut quotes = Vec::new();
    for sentence in sentences {
        let found = crisis_phrases(sentence);
        if found.is_empty() {
            continue;
        }
        quotes.push(sentence.trim().to_string());
        for k in found {
            if !keywords.iter().any(|seen| seen == k) {
                keywords.push(k.to_string());
            }
        }
    }
    (!keywords.is_empty()).then(|| CrisisAlert {
        keywords_matched: keywords,
        quotes,
        emergency_resources: emergency_resources(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_harm_language_raises_an_alert_with_resources() {
        let alert = detect([
            "The bridges were fine.",
            "Honestly some days I just want to end it all.",
            "I've thought about hurting myself.",
        ])
        .expect("alert");
        assert_eq!(alert.keywords_matched, ["end it all", "hurting myself"]);
        assert_eq!(alert.quotes.len(), 2);
        assert!(alert.emergency_resources.iter().any(|r| r.phone == "988"));
    }

    #[test]
    fn ordinary_physio_talk_raises_nothing() {
        assert!(detect([
            "This exercise is killing my quads.",
            "I could die for a coffee after that.",
            "Don't hurt yourself lifting the box, bend your knees.",
        ])
        .is_none());
    }

    #[test]
    fn negated_mentions_still_alert_so_a_person_reviews_them() {
        let alert = detect(["I'm not suicidal, I promise."]).expect("alert");
        assert_eq!(alert.keywords_matched, ["suicidal"]);
    }
}
