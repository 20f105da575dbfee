//! Scoring an answer set by the instrument's published rules.

use serde::{Deserialize, Serialize};

use crate::{Instrument, ScoringError};

/// KOOS JR: raw sum of the 7 items (0–28, the index) to the interval score (0–100).
///
/// From the HSS KOOS JR scoring instructions (Lyman et al., Clin Orthop Relat Res
/// 2016;474:1472). Checked value by value against independent public implementations of the
/// published table (a Java patient-outcomes score provider holding both JR tables, and several
/// JavaScript/TypeScript scorers citing the HSS table); all agree.
pub const KOOS_JR_INTERVAL_SCORES: [f64; 29] = [
    100.000, 91.975, 84.600, 79.914, 76.332, 73.342, 70.704, 68.284, 65.994, 63.776, 61.583,
    59.381, 57.140, 54.840, 52.465, 50.012, 47.487, 44.905, 42.281, 39.625, 36.931, 34.174, 31.307,
    28.251, 24.875, 20.941, 15.939, 8.291, 0.000,
];

/// HOOS JR: raw sum of the 6 items (0–24, the index) to the interval score (0–100).
///
/// From the HSS HOOS JR scoring instructions (Lyman et al., J Arthroplasty 2016;31:1181).
/// Checked value by value against the same independent public implementations as
/// [`KOOS_JR_INTERVAL_SCORES`]; all agree.
pub const HOOS_JR_INTERVAL_SCORES: [f64; 25] = [
    100.000, 92.340, 85.257, 80.550, 76.776, 73.472, 70.426, 67.516, 64.664, 61.815, 58.930,
    55.985, 52.965, 49.858, 46.652, 43.335, 39.902, 36.363, 32.735, 29.009, 25.103, 20.805, 15.633,
    8.104, 0.000,
];

/// One completed questionnaire as the app sends it: the answers in form order, `None` for an
/// item left blank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Responses {
    /// The instrument filled in.
    pub instrument: Instrument,
    /// The answers in the order of the form; `null` is an unanswered item.
    pub answers: Vec<Option<u8>>,
}

impl Responses {
    /// Scores these answers (see [`score`]).
    pub fn score(&self) -> Result<Score, ScoringError> {
        score(self.instrument, &self.answers)
    }
}

/// A scored questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// The instrument scored.
    pub instrument: Instrument,
    /// The score on the instrument's scale, unrounded (0 to `max`).
    pub value: f64,
    /// The instrument's highest possible score.
    pub max: f64,
    /// How many items were answered.
    pub answered: usize,
    /// How many items the form had.
    pub items: usize,
}

/// Scores `answers` (in form order, `None` for a blank item) by the instrument's published rule.
///
/// The item count is checked first, then every answer's range, then the missing-item rule
/// ([`Instrument::min_answered`]):
/// - NPRS: the rating itself.
/// - PSFS: the mean of the rated activities.
/// - KOOS JR / HOOS JR: the raw sum converted with [`KOOS_JR_INTERVAL_SCORES`] /
///   [`HOOS_JR_INTERVAL_SCORES`].
/// - ODI / NDI: sum ÷ (5 × answered sections) × 100.
/// - QuickDASH: (mean of the answered items − 1) × 25.
pub fn score(instrument: Instrument, answers: &[Option<u8>]) -> Result<Score, ScoringError> {
    let items = instrument.item_count();
    if !items.contains(&answers.len()) {
        return Err(ScoringError::WrongItemCount {
            instrument,
            expected_min: *items.start(),
            expected_max: *items.end(),
            got: answers.len(),
        });
    }
    let allowed = instrument.answer_range();
    for (index, answer) in answers.iter().enumerate() {
        if let Some(answer) = *answer {
            if !allowed.contains(&answer) {
                return Err(ScoringError::AnswerOutOfRange {
                    instrument,
                    item: index + 1,
                    answer,
                    min: *allowed.start(),
                    max: *allowed.end(),
                });
            }
        }
    }
    let given: Vec<u8> = answers.iter().flatten().copied().collect();
    if given.len() < instrument.min_answered() {
        return Err(ScoringError::TooManyMissing {
            instrument,
            answered: given.len(),
            items: answers.len(),
            rule: instrument.missing_item_rule(),
        });
    }
    let answered = given.len();
    let sum: usize = given.iter().map(|&answer| usize::from(answer)).sum();
    let mean = sum as f64 / answered as f64;
    let value = match instrument {
        Instrument::Nprs | Instrument::Psfs => mean,
        // Every item is answered (checked above), so the sum indexes the table.
        Instrument::KoosJr => KOOS_JR_INTERVAL_SCORES[sum],
        Instrument::HoosJr => HOOS_JR_INTERVAL_SCORES[sum],
        Instrument::Odi | Instrument::Ndi => sum as f64 / (5.0 * answered as f64) * 100.0,
        Instrument::QuickDash => (mean - 1.0) * 25.0,
    };
    Ok(Score {
        instrument,
        value,
        max: instrument.max_score(),
        answered,
        items: answers.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(answer: u8, count: usize) -> Vec<Option<u8>> {
        vec![Some(answer); count]
    }

    fn value(instrument: Instrument, answers: &[Option<u8>]) -> f64 {
        match score(instrument, answers) {
            Ok(score) => score.value,
            Err(error) => panic!("{instrument} {answers:?} should score: {error}"),
        }
    }

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 1e-9,
            "got {actual}, expected {expected}"
        );
    }

    #[test]
    fn nprs_is_the_rating_itself() {
        assert_close(value(Instrument::Nprs, &[Some(0)]), 0.0);
        assert_close(value(Instrument::Nprs, &[Some(7)]), 7.0);
        assert_close(value(Instrument::Nprs, &[Some(10)]), 10.0);
        assert!(matches!(
            score(Instrument::Nprs, &[Some(11)]),
            Err(ScoringError::AnswerOutOfRange {
                item: 1,
                answer: 11,
                min: 0,
                max: 10,
                ..
            })
        ));
        assert!(matches!(
            score(Instrument::Nprs, &[None]),
            Err(ScoringError::TooManyMissing { .. })
        ));
        assert!(matches!(
            score(Instrument::Nprs, &[Some(3), Some(4)]),
            Err(ScoringError::WrongItemCount {
                expected_min: 1,
                expected_max: 1,
                got: 2,
                ..
            })
        ));
        assert_eq!(
            score(Instrument::Nprs, &[Some(3), Some(4)])
                .unwrap_err()
                .to_string(),
            "NPRS has 1 item(s), got 2"
        );
        assert_eq!(
            score(Instrument::Nprs, &[Some(11)])
                .unwrap_err()
                .to_string(),
            "NPRS item 1 answered 11; allowed answers are 0 to 10"
        );
    }

    #[test]
    fn psfs_is_the_mean_of_three_to_five_rated_activities() {
        // (3 + 5 + 7) / 3 = 5.
        assert_close(value(Instrument::Psfs, &[Some(3), Some(5), Some(7)]), 5.0);
        // (2 + 4 + 6 + 8 + 10) / 5 = 6.
        assert_close(value(Instrument::Psfs, &all_of(&[2, 4, 6, 8, 10])), 6.0);
        // Five slots, two left blank: (4 + 5 + 9) / 3 = 6.
        assert_close(
            value(Instrument::Psfs, &[Some(4), None, Some(5), Some(9), None]),
            6.0,
        );
        // (1 + 2 + 2 + 2) / 4 = 1.75.
        assert_close(value(Instrument::Psfs, &all_of(&[1, 2, 2, 2])), 1.75);
        // Only two activities rated out of five slots.
        let error = score(Instrument::Psfs, &[Some(4), None, Some(5), None, None]).unwrap_err();
        assert_eq!(
            error,
            ScoringError::TooManyMissing {
                instrument: Instrument::Psfs,
                answered: 2,
                items: 5,
                rule: "at least 3 activities must be rated",
            }
        );
        assert_eq!(
            error.to_string(),
            "PSFS: only 2 of 5 items answered; at least 3 activities must be rated"
        );
        assert_eq!(
            score(Instrument::Psfs, &all(5, 6)).unwrap_err().to_string(),
            "PSFS has 3 to 5 item(s), got 6"
        );
        for count in [2, 6] {
            assert!(matches!(
                score(Instrument::Psfs, &all(5, count)),
                Err(ScoringError::WrongItemCount {
                    expected_min: 3,
                    expected_max: 5,
                    ..
                })
            ));
        }
    }

    fn all_of(answers: &[u8]) -> Vec<Option<u8>> {
        answers.iter().copied().map(Some).collect()
    }

    #[test]
    fn koos_jr_converts_the_raw_sum_with_the_published_table() {
        assert_close(value(Instrument::KoosJr, &all(0, 7)), 100.0);
        assert_close(value(Instrument::KoosJr, &all(4, 7)), 0.0);
        // Raw 1 + 0 + 2 + 1 + 1 + 1 + 1 = 7 -> 68.284.
        assert_close(
            value(Instrument::KoosJr, &all_of(&[1, 0, 2, 1, 1, 1, 1])),
            68.284,
        );
        // Raw 2 × 7 = 14 -> 52.465 (not the 50 a linear rescaling would give).
        assert_close(value(Instrument::KoosJr, &all(2, 7)), 52.465);
        // Raw 27 -> 8.291, raw 1 -> 91.975.
        assert_close(
            value(Instrument::KoosJr, &all_of(&[4, 4, 4, 4, 4, 4, 3])),
            8.291,
        );
        assert_close(
            value(Instrument::KoosJr, &all_of(&[0, 0, 0, 0, 0, 0, 1])),
            91.975,
        );
        let missing = [Some(1), Some(1), None, Some(1), Some(1), Some(1), Some(1)];
        assert!(matches!(
            score(Instrument::KoosJr, &missing),
            Err(ScoringError::TooManyMissing {
                answered: 6,
                items: 7,
                ..
            })
        ));
        assert!(matches!(
            score(Instrument::KoosJr, &all_of(&[0, 0, 5, 0, 0, 0, 0])),
            Err(ScoringError::AnswerOutOfRange {
                item: 3,
                answer: 5,
                max: 4,
                ..
            })
        ));
        assert!(matches!(
            score(Instrument::KoosJr, &all(0, 6)),
            Err(ScoringError::WrongItemCount { .. })
        ));
    }

    #[test]
    fn hoos_jr_converts_the_raw_sum_with_the_published_table() {
        assert_close(value(Instrument::HoosJr, &all(0, 6)), 100.0);
        assert_close(value(Instrument::HoosJr, &all(4, 6)), 0.0);
        // Raw 1 × 6 = 6 -> 70.426.
        assert_close(value(Instrument::HoosJr, &all(1, 6)), 70.426);
        // Raw 2 × 6 = 12 -> 52.965.
        assert_close(value(Instrument::HoosJr, &all(2, 6)), 52.965);
        // Raw 23 -> 8.104.
        assert_close(
            value(Instrument::HoosJr, &all_of(&[4, 4, 4, 4, 4, 3])),
            8.104,
        );
        assert!(matches!(
            score(
                Instrument::HoosJr,
                &[Some(0), Some(0), Some(0), Some(0), Some(0), None]
            ),
            Err(ScoringError::TooManyMissing {
                answered: 5,
                items: 6,
                ..
            })
        ));
        assert!(matches!(
            score(Instrument::HoosJr, &all(0, 7)),
            Err(ScoringError::WrongItemCount { .. })
        ));
    }

    #[test]
    fn the_conversion_tables_fall_from_perfect_health_to_total_disability() {
        for table in [&KOOS_JR_INTERVAL_SCORES[..], &HOOS_JR_INTERVAL_SCORES[..]] {
            assert_eq!(table.first(), Some(&100.0));
            assert_eq!(table.last(), Some(&0.0));
            assert!(table.windows(2).all(|pair| pair[0] > pair[1]));
        }
    }

    #[test]
    fn odi_shrinks_the_denominator_for_each_unanswered_section_up_to_two() {
        // Fairbank's example: 16 of 50 = 32 %.
        let complete = all_of(&[2, 2, 2, 2, 2, 2, 1, 1, 1, 1]);
        assert_close(value(Instrument::Odi, &complete), 32.0);
        // One section missed: 16 of 45 = 35.56 %.
        let one_missing = [
            Some(2),
            Some(2),
            Some(2),
            Some(2),
            Some(2),
            Some(2),
            Some(2),
            Some(1),
            Some(1),
            None,
        ];
        assert_close(value(Instrument::Odi, &one_missing), 16.0 / 45.0 * 100.0);
        // Two missed: 16 of 40 = 40 %.
        let two_missing = [
            Some(2),
            Some(2),
            Some(2),
            Some(2),
            Some(2),
            Some(2),
            Some(2),
            Some(2),
            None,
            None,
        ];
        assert_close(value(Instrument::Odi, &two_missing), 40.0);
        let three_missing = [
            Some(2),
            Some(2),
            Some(2),
            Some(2),
            Some(2),
            Some(2),
            Some(2),
            None,
            None,
            None,
        ];
        let error = score(Instrument::Odi, &three_missing).unwrap_err();
        assert!(matches!(
            error,
            ScoringError::TooManyMissing {
                answered: 7,
                items: 10,
                ..
            }
        ));
        assert!(error.to_string().contains("at most 2 of the 10 sections"));
        assert_close(value(Instrument::Odi, &all(0, 10)), 0.0);
        assert_close(value(Instrument::Odi, &all(5, 10)), 100.0);
        assert!(matches!(
            score(Instrument::Odi, &all_of(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 6])),
            Err(ScoringError::AnswerOutOfRange {
                item: 10,
                answer: 6,
                ..
            })
        ));
        assert!(matches!(
            score(Instrument::Odi, &all(0, 9)),
            Err(ScoringError::WrongItemCount { .. })
        ));
    }

    #[test]
    fn ndi_scores_like_the_odi_as_a_percentage() {
        // 3+3+2+2+2+2+1+1+0+0 = 16 of 50 = 32 %.
        assert_close(
            value(Instrument::Ndi, &all_of(&[3, 3, 2, 2, 2, 2, 1, 1, 0, 0])),
            32.0,
        );
        // Driving not answered: 15 of 45 = 33.33 %.
        let no_driving = [
            Some(3),
            Some(3),
            Some(2),
            Some(2),
            Some(2),
            Some(2),
            None,
            Some(1),
            Some(0),
            Some(0),
        ];
        assert_close(value(Instrument::Ndi, &no_driving), 15.0 / 45.0 * 100.0);
        let three_missing = [
            None,
            None,
            None,
            Some(1),
            Some(1),
            Some(1),
            Some(1),
            Some(1),
            Some(1),
            Some(1),
        ];
        assert!(matches!(
            score(Instrument::Ndi, &three_missing),
            Err(ScoringError::TooManyMissing {
                instrument: Instrument::Ndi,
                answered: 7,
                ..
            })
        ));
        assert_close(value(Instrument::Ndi, &all(5, 10)), 100.0);
    }

    #[test]
    fn quickdash_is_the_mean_minus_one_times_25_with_at_most_one_item_missing() {
        assert_close(value(Instrument::QuickDash, &all(1, 11)), 0.0);
        assert_close(value(Instrument::QuickDash, &all(5, 11)), 100.0);
        assert_close(value(Instrument::QuickDash, &all(3, 11)), 50.0);
        // Sum 2+2+2+3+3+3+1+1+4+2+2 = 25: (25/11 − 1) × 25 = 31.818…
        let answers = all_of(&[2, 2, 2, 3, 3, 3, 1, 1, 4, 2, 2]);
        assert_close(
            value(Instrument::QuickDash, &answers),
            (25.0 / 11.0 - 1.0) * 25.0,
        );
        // One item missing: 10 answered summing 24, (2.4 − 1) × 25 = 35.
        let one_missing = [
            Some(2),
            Some(2),
            Some(2),
            Some(3),
            Some(3),
            Some(3),
            Some(1),
            None,
            Some(4),
            Some(2),
            Some(2),
        ];
        assert_close(value(Instrument::QuickDash, &one_missing), 35.0);
        let two_missing = [
            Some(2),
            Some(2),
            Some(2),
            Some(3),
            Some(3),
            Some(3),
            Some(1),
            None,
            Some(4),
            None,
            Some(2),
        ];
        assert_eq!(
            score(Instrument::QuickDash, &two_missing),
            Err(ScoringError::TooManyMissing {
                instrument: Instrument::QuickDash,
                answered: 9,
                items: 11,
                rule: "at least 10 of the 11 items must be answered",
            })
        );
        assert!(matches!(
            score(
                Instrument::QuickDash,
                &all_of(&[1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1])
            ),
            Err(ScoringError::AnswerOutOfRange {
                item: 6,
                answer: 0,
                min: 1,
                max: 5,
                ..
            })
        ));
    }

    #[test]
    fn responses_and_scores_travel_as_json() {
        let json = r#"{"instrument":"quickdash","answers":[1,1,1,1,1,1,1,1,1,1,null]}"#;
        let responses: Responses = serde_json::from_str(json).expect("deserialises");
        assert_eq!(responses.instrument, Instrument::QuickDash);
        assert_eq!(serde_json::to_string(&responses).unwrap(), json);
        let scored = responses.score().expect("10 of 11 answered");
        assert_eq!(scored.answered, 10);
        let text = serde_json::to_string(&scored).unwrap();
        assert_eq!(
            text,
            r#"{"instrument":"quickdash","value":0.0,"max":100.0,"answered":10,"items":11}"#
        );
        assert_eq!(serde_json::from_str::<Score>(&text).unwrap(), scored);
        // An answer that is no small whole number is refused when decoding.
        assert!(
            serde_json::from_str::<Responses>(r#"{"instrument":"nprs","answers":[-1]}"#).is_err()
        );
    }
}
