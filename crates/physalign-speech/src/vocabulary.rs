//! The clinic's replacements applied to recognised text (issue 19); the vocabulary itself
//! (terms for the prompt, the replacements, their checks) is `physalign_domain::vocabulary`.

use regex::{Regex, RegexBuilder};

pub use physalign_domain::vocabulary::{Replacement, Vocabulary, VocabularyError};

/// Compiled replacements: every heard phrase, matched as whole words in any letter case (with
/// any run of spaces between its words), the longest first where two start at the same place,
/// replaced left to right in one pass (a replacement's own text is never replaced again).
#[derive(Debug, Clone)]
pub struct Replacer {
    pattern: Regex,
    written: std::collections::HashMap<String, String>,
}

impl Replacer {
    /// The replacements of `vocabulary` compiled; `None` without any.
    pub fn new(vocabulary: &Vocabulary) -> Option<Self> {
        let replacements = &vocabulary.replacements;
        let mut entries: Vec<(String, String)> = replacements
            .iter()
            .map(|r| {
                let heard = r.heard.split_whitespace().collect::<Vec<_>>().join(" ");
                (heard, r.written.trim().to_string())
            })
            .filter(|(h, _)| !h.is_empty())
            .collect();
        if entries.is_empty() {
            return None;
        }
        // Regex alternation takes the first that matches: longest first.
        entries.sort_by_key(|(h, _)| std::cmp::Reverse(h.chars().count()));
        let alternatives: Vec<String> = entries
            .iter()
            .map(|(h, _)| {
                h.split(' ')
                    .map(regex::escape)
                    .collect::<Vec<_>>()
                    .join(r"\s+")
            })
            .collect();
        let pattern = RegexBuilder::new(&format!(r"\b(?:{})\b", alternatives.join("|")))
            .case_insensitive(true)
            .build()
            // Not expected within the checked limits; said rather than silently ignored.
            .map_err(|e| tracing::warn!("the vocabulary's replacements cannot be used: {e}"))
            .ok()?;
        let written = entries
            .into_iter()
            .map(|(h, w)| (h.to_lowercase(), w))
            .collect();
        Some(Self { pattern, written })
    }

    /// `text` with the replacements made.
    pub fn apply(&self, text: &str) -> String {
        self.pattern
            .replace_all(text, |caps: &regex::Captures<'_>| {
                let heard = caps[0].split_whitespace().collect::<Vec<_>>().join(" ");
                self.written
                    .get(&heard.to_lowercase())
                    .cloned()
                    .unwrap_or_else(|| caps[0].to_string())
            })
            .into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replacement(heard: &str, written: &str) -> Replacement {
        Replacement {
            heard: heard.into(),
            written: written.into(),
        }
    }

    #[test]
    fn replacements_match_whole_words_any_case_longest_first_once() {
        let v = Vocabulary {
            terms: vec![],
            replacements: vec![
                replacement("thera band", "TheraBand"),
                replacement("band", "strap"),
                replacement("ibuprofen", "ibuprofen (Nurofen)"),
                replacement("dr okafor", "Dr. Okafor"),
            ],
        }
        .checked()
        .unwrap();
        let r = Replacer::new(&v).unwrap();
        assert_eq!(
            r.apply("Use the Thera  band, then the band. Dr Okafor said IBUPROFEN helps."),
            "Use the TheraBand, then the strap. Dr. Okafor said ibuprofen (Nurofen) helps."
        );
        // Not inside other words; a replacement's text is not replaced again.
        assert_eq!(r.apply("bandage husband"), "bandage husband");
        assert_eq!(
            r.apply("ibuprofen ibuprofen"),
            "ibuprofen (Nurofen) ibuprofen (Nurofen)"
        );
        assert!(Replacer::new(&Vocabulary::default()).is_none());
    }
}
