//! Word error rate against a reference transcript.
//!
//! Both sides are normalised the same way before comparison: lower case; punctuation removed
//! (apostrophes inside words kept, so "don't" stays one word); hyphens split words; digits
//! spelled out digit by digit ("2" -> "two", "19" -> "one nine", so a spoken digit string matches
//! either way Whisper writes it); "oh" and "zero" both become "zero"; the titles Mr, Mrs and Dr
//! are spelled out; bracketed channel labels such as `[left channel]` are dropped.

/// Edit counts of one comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct WordErrors {
    /// Words in the reference.
    pub reference_words: usize,
    /// Substitutions + deletions + insertions.
    pub errors: usize,
}

impl WordErrors {
    /// errors / reference words (0 when the reference is empty and nothing was inserted).
    pub fn rate(&self) -> f64 {
        if self.reference_words == 0 {
            return if self.errors == 0 { 0.0 } else { 1.0 };
        }
        self.errors as f64 / self.reference_words as f64
    }
}

/// Sums counts of several clips (corpus-level WER).
impl std::ops::Add for WordErrors {
    type Output = WordErrors;

    fn add(self, other: WordErrors) -> WordErrors {
        WordErrors {
            reference_words: self.reference_words + other.reference_words,
            errors: self.errors + other.errors,
        }
    }
}

impl std::ops::AddAssign for WordErrors {
    fn add_assign(&mut self, other: WordErrors) {
        *self = *self + other;
    }
}

const DIGITS: [&str; 10] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];

/// The normalised words of a text.
pub fn normalise(text: &str) -> Vec<String> {
    let mut without_labels = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => without_labels.push(c),
            _ => {}
        }
    }
    let mut words = Vec::new();
    for raw in without_labels
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '-')
    {
        let mut word = String::new();
        let flush = |word: &mut String, words: &mut Vec<String>| {
            let w = word.trim_matches('\'').to_string();
            if !w.is_empty() {
                words.push(match w.as_str() {
                    "oh" => "zero".into(),
                    "mr" => "mister".into(),
                    "mrs" => "missus".into(),
                    "dr" => "doctor".into(),
                    _ => w,
                });
            }
            word.clear();
        };
        for c in raw.chars() {
            if let Some(d) = c.to_digit(10) {
                flush(&mut word, &mut words);
                words.push(DIGITS[d as usize].to_string());
            } else if c.is_alphabetic() || c == '\'' {
                word.push(c);
            }
        }
        flush(&mut word, &mut words);
    }
    words
}

/// Word-level Levenshtein distance between reference and hypothesis, after normalisation.
pub fn word_errors(reference: &str, hypothesis: &str) -> WordErrors {
    let r = normalise(reference);
    let h = normalise(hypothesis);
    let mut previous: Vec<usize> = (0..=h.len()).collect();
    let mut current = vec![0; h.len() + 1];
    for (i, rw) in r.iter().enumerate() {
        current[0] = i + 1;
        for (j, hw) in h.iter().enumerate() {
            let substitution = previous[j] + usize::from(rw != hw);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    WordErrors {
        reference_words: r.len(),
        errors: previous[h.len()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_ignores_case_punctuation_and_digit_style() {
        assert_eq!(
            normalise("And so, my fellow Americans: don't!"),
            ["and", "so", "my", "fellow", "americans", "don't"]
        );
        assert_eq!(
            normalise("1-0 oh 19"),
            ["one", "zero", "zero", "one", "nine"]
        );
        assert_eq!(normalise("[left channel] Hi."), ["hi"]);
    }

    #[test]
    fn counts_substitutions_insertions_and_deletions() {
        let e = word_errors("the cat sat on the mat", "the cat sat on mat today");
        assert_eq!(
            e,
            WordErrors {
                reference_words: 6,
                errors: 2
            }
        );
        assert_eq!(word_errors("a b c", "A, b; c.").errors, 0);
        assert!((word_errors("a b c d", "x b c d").rate() - 0.25).abs() < 1e-12);
        assert_eq!(word_errors("", "").rate(), 0.0);
        assert_eq!(word_errors("", "hallucinated").rate(), 1.0);
    }
}
