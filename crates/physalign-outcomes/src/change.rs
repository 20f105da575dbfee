//! Whether a change between two scores matters clinically: at least the instrument's MCID, in
//! the instrument's direction of "better".

use serde::{Deserialize, Serialize};

use crate::{Direction, Instrument};

/// Scores are computed in floating point (e.g. 16/45 × 100), so a change meant to equal the
/// MCID exactly may fall a rounding error short of it.
const ROUNDING_TOLERANCE: f64 = 1e-9;

physalign_domain::wire_enum! {
    /// A change between two scores, judged against the instrument's MCID.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum ChangeClass {
        /// Better by at least the MCID.
        Improved = "improved",
        /// Less than the MCID either way.
        Unchanged = "unchanged",
        /// Worse by at least the MCID.
        Worsened = "worsened",
    }
}

/// A change between an earlier and a later score of one instrument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Change {
    /// The instrument of both scores.
    pub instrument: Instrument,
    /// The earlier score.
    pub from: f64,
    /// The later score.
    pub to: f64,
    /// `to − from`, in score points (its sign is not "better" or "worse": see `class`).
    pub difference: f64,
    /// The instrument's MCID the change was judged against.
    pub mcid: f64,
    /// Improved, unchanged or worsened by at least the MCID.
    pub class: ChangeClass,
}

impl Change {
    /// The change from `from` to `to`, classified (see [`classify_change`]).
    pub fn between(instrument: Instrument, from: f64, to: f64) -> Change {
        Change {
            instrument,
            from,
            to,
            difference: to - from,
            mcid: instrument.mcid(),
            class: classify_change(instrument, from, to),
        }
    }

    /// Whether the change reaches the MCID in either direction.
    pub fn passes_mcid(&self) -> bool {
        self.class != ChangeClass::Unchanged
    }
}

/// Classifies the change from an earlier score `from` to a later score `to`: improved or
/// worsened when it moves by at least the instrument's MCID (a change of exactly the MCID
/// counts), in the instrument's direction; unchanged otherwise.
pub fn classify_change(instrument: Instrument, from: f64, to: f64) -> ChangeClass {
    let toward_better = match instrument.direction() {
        Direction::HigherIsBetter => to - from,
        Direction::LowerIsBetter => from - to,
    };
    let threshold = instrument.mcid() - ROUNDING_TOLERANCE;
    if toward_better >= threshold {
        ChangeClass::Improved
    } else if -toward_better >= threshold {
        ChangeClass::Worsened
    } else {
        ChangeClass::Unchanged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_is_better_instruments_improve_when_the_score_falls_by_the_mcid() {
        // ODI, MCID 10: 42 -> 32 is exactly the MCID.
        assert_eq!(
            classify_change(Instrument::Odi, 42.0, 32.0),
            ChangeClass::Improved
        );
        assert_eq!(
            classify_change(Instrument::Odi, 42.0, 32.2),
            ChangeClass::Unchanged
        );
        assert_eq!(
            classify_change(Instrument::Odi, 32.0, 42.0),
            ChangeClass::Worsened
        );
        // NPRS, MCID 2.
        assert_eq!(
            classify_change(Instrument::Nprs, 7.0, 5.0),
            ChangeClass::Improved
        );
        assert_eq!(
            classify_change(Instrument::Nprs, 7.0, 6.0),
            ChangeClass::Unchanged
        );
        assert_eq!(
            classify_change(Instrument::Nprs, 3.0, 6.0),
            ChangeClass::Worsened
        );
        // QuickDASH, MCID 8: 45.45 -> 36.36 (9.09 better).
        assert_eq!(
            classify_change(Instrument::QuickDash, 45.45, 36.36),
            ChangeClass::Improved
        );
        assert_eq!(
            classify_change(Instrument::QuickDash, 40.0, 33.0),
            ChangeClass::Unchanged
        );
        // NDI, MCID 15 percentage points.
        assert_eq!(
            classify_change(Instrument::Ndi, 40.0, 25.0),
            ChangeClass::Improved
        );
        assert_eq!(
            classify_change(Instrument::Ndi, 40.0, 26.0),
            ChangeClass::Unchanged
        );
    }

    #[test]
    fn higher_is_better_instruments_improve_when_the_score_rises_by_the_mcid() {
        // KOOS JR, MCID 14: raw 14 (52.465) -> raw 7 (68.284) is 15.819 better.
        assert_eq!(
            classify_change(Instrument::KoosJr, 52.465, 68.284),
            ChangeClass::Improved
        );
        assert_eq!(
            classify_change(Instrument::KoosJr, 68.284, 52.465),
            ChangeClass::Worsened
        );
        assert_eq!(
            classify_change(Instrument::KoosJr, 52.465, 63.776),
            ChangeClass::Unchanged
        );
        // HOOS JR, MCID 18.
        assert_eq!(
            classify_change(Instrument::HoosJr, 52.965, 70.426),
            ChangeClass::Unchanged
        );
        assert_eq!(
            classify_change(Instrument::HoosJr, 52.965, 70.965),
            ChangeClass::Improved
        );
        // PSFS, MCID 2.
        assert_eq!(
            classify_change(Instrument::Psfs, 4.0, 6.0),
            ChangeClass::Improved
        );
        assert_eq!(
            classify_change(Instrument::Psfs, 4.0, 5.9),
            ChangeClass::Unchanged
        );
        assert_eq!(
            classify_change(Instrument::Psfs, 6.0, 3.0),
            ChangeClass::Worsened
        );
    }

    #[test]
    fn a_change_of_exactly_the_mcid_survives_floating_point_rounding() {
        // ODI with one section missing: 25/45 -> 20.5/45 is 10 points in exact arithmetic.
        let from = 25.0 / 45.0 * 100.0;
        let to = from - 10.0;
        assert_eq!(
            classify_change(Instrument::Odi, from, to),
            ChangeClass::Improved
        );
    }

    #[test]
    fn a_change_carries_its_numbers_and_travels_as_json() {
        let change = Change::between(Instrument::Odi, 42.0, 30.0);
        assert_eq!(change.difference, -12.0);
        assert_eq!(change.class, ChangeClass::Improved);
        assert!(change.passes_mcid());
        let json = serde_json::to_string(&change).unwrap();
        assert_eq!(
            json,
            r#"{"instrument":"odi","from":42.0,"to":30.0,"difference":-12.0,"mcid":10.0,"class":"improved"}"#
        );
        assert_eq!(serde_json::from_str::<Change>(&json).unwrap(), change);
        assert!(!Change::between(Instrument::Nprs, 5.0, 4.0).passes_mcid());
    }
}
