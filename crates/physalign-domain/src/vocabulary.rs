//! A clinic's own words (issue 19): terms the speech recogniser is primed with (exercise,
//! anatomy and drug names it would otherwise mishear) and exact replacements made in what it
//! wrote. Edited in the app's settings, carried to the recorder; the speech engine applies them
//! (`physalign_speech::vocabulary`).

use serde::{Deserialize, Serialize};

/// Most terms.
pub const MAX_TERMS: usize = 200;
/// Most replacements.
pub const MAX_REPLACEMENTS: usize = 200;
/// Longest term, heard phrase or written form, in characters.
pub const MAX_PHRASE_CHARS: usize = 100;
/// Most characters of terms put in Whisper's prompt: its prompt holds about 224 tokens, and the
/// clinic prompt comes first.
pub const MAX_PROMPT_CHARS: usize = 600;

/// A phrase Whisper writes one way and the clinic wants another, e.g. "thera band" → "TheraBand".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Replacement {
    /// What the transcript says (matched whole words, any letter case).
    pub heard: String,
    /// What it should say, exactly.
    pub written: String,
}

/// The clinic's vocabulary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Vocabulary {
    /// Names Whisper is primed with, most important first.
    pub terms: Vec<String>,
    /// Exact replacements of the recognised text.
    pub replacements: Vec<Replacement>,
}

/// Why a vocabulary was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VocabularyError {
    /// Too many entries.
    #[error("at most {max} {what}")]
    TooMany {
        /// Terms or replacements.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// An empty or over-long phrase.
    #[error("{what} {index}: 1 to {MAX_PHRASE_CHARS} characters")]
    Length {
        /// Which field.
        what: &'static str,
        /// Its 1-based position.
        index: usize,
    },
    /// A heard phrase that does not start and end with a letter or digit (it could not be
    /// matched as whole words).
    #[error("replacement {index}: \"{heard}\" must start and end with a letter or digit")]
    Edges {
        /// Its 1-based position.
        index: usize,
        /// The phrase.
        heard: String,
    },
    /// The same heard phrase twice (letter case aside).
    #[error("replacement {index}: \"{heard}\" is already replaced")]
    Duplicate {
        /// Its 1-based position.
        index: usize,
        /// The phrase.
        heard: String,
    },
}

fn phrase_ok(text: &str) -> bool {
    let n = text.trim().chars().count();
    (1..=MAX_PHRASE_CHARS).contains(&n)
}

impl Vocabulary {
    /// The vocabulary with its entries trimmed and empty terms dropped, or why it is refused.
    pub fn checked(&self) -> Result<Vocabulary, VocabularyError> {
        let terms: Vec<String> = self
            .terms
            .iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        if terms.len() > MAX_TERMS {
            return Err(VocabularyError::TooMany {
                what: "terms",
                max: MAX_TERMS,
            });
        }
        if self.replacements.len() > MAX_REPLACEMENTS {
            return Err(VocabularyError::TooMany {
                what: "replacements",
                max: MAX_REPLACEMENTS,
            });
        }
        if let Some(i) = terms.iter().position(|t| !phrase_ok(t)) {
            return Err(VocabularyError::Length {
                what: "term",
                index: i + 1,
            });
        }
        let mut seen = std::collections::HashSet::new();
        let mut replacements = Vec::with_capacity(self.replacements.len());
        for (i, r) in self.replacements.iter().enumerate() {
            let index = i + 1;
            let heard = r.heard.split_whitespace().collect::<Vec<_>>().join(" ");
            let written = r.written.trim().to_string();
            if !phrase_ok(&heard) || !phrase_ok(&written) {
                return Err(VocabularyError::Length {
                    what: "replacement",
                    index,
                });
            }
            let edge = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
            if !edge(heard.chars().next()) || !edge(heard.chars().last()) {
                return Err(VocabularyError::Edges { index, heard });
            }
            if !seen.insert(heard.to_lowercase()) {
                return Err(VocabularyError::Duplicate { index, heard });
            }
            replacements.push(Replacement { heard, written });
        }
        Ok(Vocabulary {
            terms,
            replacements,
        })
    }

    /// The terms for Whisper's prompt ("TheraBand, Dr. Okafor, naproxen"), as many as fit in
    /// [`MAX_PROMPT_CHARS`]; `None` without any.
    pub fn prompt(&self) -> Option<String> {
        let mut prompt = String::new();
        for term in self
            .terms
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
        {
            let extra = if prompt.is_empty() { 0 } else { 2 };
            if prompt.chars().count() + extra + term.chars().count() > MAX_PROMPT_CHARS {
                break;
            }
            if !prompt.is_empty() {
                prompt.push_str(", ");
            }
            prompt.push_str(term);
        }
        (!prompt.is_empty()).then_some(prompt)
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
    fn checks_refuse_what_cannot_work_and_the_prompt_fits() {
        let bad = |replacements: Vec<Replacement>| {
            Vocabulary {
                terms: vec![],
                replacements,
            }
            .checked()
            .unwrap_err()
        };
        assert!(matches!(
            bad(vec![replacement("  ", "x")]),
            VocabularyError::Length { index: 1, .. }
        ));
        assert!(matches!(
            bad(vec![replacement("c++", "C")]),
            VocabularyError::Edges { index: 1, .. }
        ));
        assert!(matches!(
            bad(vec![
                replacement("Knee", "knee"),
                replacement("knee", "Knee")
            ]),
            VocabularyError::Duplicate { index: 2, .. }
        ));
        let many = Vocabulary {
            terms: (0..=MAX_TERMS).map(|i| format!("term {i}")).collect(),
            replacements: vec![],
        };
        assert!(matches!(
            many.checked(),
            Err(VocabularyError::TooMany { .. })
        ));
        let v = Vocabulary {
            terms: vec![" TheraBand ".into(), "".into(), "Dr. Okafor".into()],
            replacements: vec![],
        };
        assert_eq!(v.checked().unwrap().terms, ["TheraBand", "Dr. Okafor"]);
        assert_eq!(v.prompt().as_deref(), Some("TheraBand, Dr. Okafor"));
        let long = Vocabulary {
            terms: (0..150).map(|i| format!("medication{i:03}")).collect(),
            replacements: vec![],
        };
        let prompt = long.prompt().unwrap();
        assert!(prompt.chars().count() <= MAX_PROMPT_CHARS);
        assert!(prompt.starts_with("medication000, medication001"));
    }
}
