//! The instruments: their items, answer scales, direction of "better", score range, missing-item
//! rule and minimal clinically important difference (MCID), each with its source.

use std::ops::RangeInclusive;

physalign_domain::wire_enum! {
    /// A patient-reported outcome measure PhysAlign scores.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum Instrument {
        /// Numeric Pain Rating Scale: one item, pain 0 (none) to 10 (worst imaginable).
        Nprs = "nprs",
        /// Patient-Specific Functional Scale: 3 to 5 activities the patient names, each rated
        /// 0 (unable to perform) to 10 (able to perform at the pre-injury level).
        Psfs = "psfs",
        /// Knee injury and Osteoarthritis Outcome Score for Joint Replacement: 7 items 0–4
        /// (none to extreme), raw sum converted to a 0–100 interval score (100 = perfect knee health).
        KoosJr = "koos_jr",
        /// Hip disability and Osteoarthritis Outcome Score for Joint Replacement: 6 items 0–4,
        /// raw sum converted to a 0–100 interval score (100 = perfect hip health).
        HoosJr = "hoos_jr",
        /// Oswestry Disability Index (version 2.1a): 10 sections 0–5, as a percentage
        /// (0 = no disability).
        Odi = "odi",
        /// Neck Disability Index (Vernon & Mior): 10 sections 0–5, as a percentage
        /// (0 = no disability).
        Ndi = "ndi",
        /// Quick Disabilities of the Arm, Shoulder and Hand: 11 items 1–5, 0–100
        /// (0 = no disability).
        QuickDash = "quickdash",
    }
}

physalign_domain::wire_enum! {
    /// Which way a score moves when the patient gets better.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum Direction {
        /// A higher score is better (PSFS, KOOS JR, HOOS JR).
        HigherIsBetter = "higher_is_better",
        /// A lower score is better (NPRS, ODI, NDI, QuickDASH).
        LowerIsBetter = "lower_is_better",
    }
}

impl Instrument {
    /// The instrument's usual printed name, e.g. "KOOS JR".
    pub const fn display_name(self) -> &'static str {
        match self {
            Instrument::Nprs => "NPRS",
            Instrument::Psfs => "PSFS",
            Instrument::KoosJr => "KOOS JR",
            Instrument::HoosJr => "HOOS JR",
            Instrument::Odi => "ODI",
            Instrument::Ndi => "NDI",
            Instrument::QuickDash => "QuickDASH",
        }
    }

    /// Parses a name in any letter case, as typed on a command line (`KOOS_JR`, `QuickDASH`).
    pub fn parse_any_case(text: &str) -> Result<Instrument, physalign_domain::UnknownValue> {
        text.trim().to_ascii_lowercase().parse()
    }

    /// How many items the form has (PSFS: the patient names 3 to 5 activities).
    pub const fn item_count(self) -> RangeInclusive<usize> {
        match self {
            Instrument::Nprs => 1..=1,
            Instrument::Psfs => 3..=5,
            Instrument::KoosJr => 7..=7,
            Instrument::HoosJr => 6..=6,
            Instrument::Odi | Instrument::Ndi => 10..=10,
            Instrument::QuickDash => 11..=11,
        }
    }

    /// The answers each item allows.
    pub const fn answer_range(self) -> RangeInclusive<u8> {
        match self {
            Instrument::Nprs | Instrument::Psfs => 0..=10,
            Instrument::KoosJr | Instrument::HoosJr => 0..=4,
            Instrument::Odi | Instrument::Ndi => 0..=5,
            Instrument::QuickDash => 1..=5,
        }
    }

    /// The fewest answered items the published rule accepts.
    ///
    /// - NPRS: its one item.
    /// - PSFS: 3 rated activities (the scale is 3 to 5 activities; a blank slot is an activity
    ///   not named).
    /// - KOOS JR / HOOS JR: every item. The HSS scoring instructions convert the raw sum of all
    ///   items with their table and publish no imputation for a missing item, so an incomplete
    ///   form is not scored.
    /// - ODI (Fairbank & Pynsent, Spine 2000;25:2940) and NDI (Vernon & Mior 1991; Vernon,
    ///   JMPT 2008;31:491): the denominator shrinks by 5 for each unanswered section (for the
    ///   NDI, equivalently, missing items take the mean of the answered ones). Both sources give
    ///   the one-missing-section example (score / 45); the limit applied here, at most 2 of the
    ///   10 sections unanswered, is the limit used in practice and was not found stated in
    ///   those sources.
    /// - QuickDASH (Beaton et al., JBJS Am 2005;87:1038; IWH scoring instructions): at least 10
    ///   of the 11 items.
    pub const fn min_answered(self) -> usize {
        match self {
            Instrument::Nprs => 1,
            Instrument::Psfs => 3,
            Instrument::KoosJr => 7,
            Instrument::HoosJr => 6,
            Instrument::Odi | Instrument::Ndi => 8,
            Instrument::QuickDash => 10,
        }
    }

    /// The missing-item rule in words, for error messages.
    pub const fn missing_item_rule(self) -> &'static str {
        match self {
            Instrument::Nprs => "the pain rating must be answered",
            Instrument::Psfs => "at least 3 activities must be rated",
            Instrument::KoosJr => "every item must be answered (the conversion table needs the full raw sum)",
            Instrument::HoosJr => "every item must be answered (the conversion table needs the full raw sum)",
            Instrument::Odi | Instrument::Ndi => {
                "at most 2 of the 10 sections may be unanswered (the denominator shrinks by 5 for each)"
            }
            Instrument::QuickDash => "at least 10 of the 11 items must be answered",
        }
    }

    /// Which way the score moves when the patient gets better.
    pub const fn direction(self) -> Direction {
        match self {
            Instrument::Psfs | Instrument::KoosJr | Instrument::HoosJr => Direction::HigherIsBetter,
            Instrument::Nprs | Instrument::Odi | Instrument::Ndi | Instrument::QuickDash => {
                Direction::LowerIsBetter
            }
        }
    }

    /// The highest possible score (the lowest is 0 for every instrument).
    pub const fn max_score(self) -> f64 {
        match self {
            Instrument::Nprs | Instrument::Psfs => 10.0,
            _ => 100.0,
        }
    }

    /// The minimal clinically important difference, in score points.
    ///
    /// - NPRS: 2 points (Farrar et al., Pain 2001;94:149; Childs et al., Spine 2005;30:1331).
    /// - PSFS: 2 points on the mean score (Stratford et al., Physiotherapy Canada 1995;47:258).
    /// - KOOS JR: 14 points, HOOS JR: 18 points (Lyman et al., "What are the minimal and
    ///   substantial improvements in the HOOS and KOOS and JR versions after total joint
    ///   replacement?", Clin Orthop Relat Res 2018;476:2432).
    /// - ODI: 10 percentage points (Ostelo et al., Spine 2008;33:90, international consensus).
    /// - NDI: 7.5 of 50 points, i.e. 15 percentage points on the percentage scale used here
    ///   (Young et al., Spine J 2009;9:802; Vernon's own rule of thumb is 5 of 50).
    /// - QuickDASH: 8 points (Mintken et al., J Shoulder Elbow Surg 2009;18:920).
    pub const fn mcid(self) -> f64 {
        match self {
            Instrument::Nprs | Instrument::Psfs => 2.0,
            Instrument::KoosJr => 14.0,
            Instrument::HoosJr => 18.0,
            Instrument::Odi => 10.0,
            Instrument::Ndi => 15.0,
            Instrument::QuickDash => 8.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_instrument_round_trips_through_json_and_text() {
        for &instrument in Instrument::ALL {
            let json = serde_json::to_string(&instrument).expect("serialises");
            assert_eq!(json, format!("\"{}\"", instrument.as_str()));
            let back: Instrument = serde_json::from_str(&json).expect("deserialises");
            assert_eq!(back, instrument);
        }
        assert_eq!(
            serde_json::to_string(&Instrument::KoosJr).unwrap(),
            "\"koos_jr\""
        );
        assert!(serde_json::from_str::<Instrument>("\"womac\"").is_err());
    }

    #[test]
    fn command_line_names_parse_in_any_case() {
        assert_eq!(
            Instrument::parse_any_case("KOOS_JR"),
            Ok(Instrument::KoosJr)
        );
        assert_eq!(
            Instrument::parse_any_case("HOOS_JR"),
            Ok(Instrument::HoosJr)
        );
        assert_eq!(
            Instrument::parse_any_case("QUICKDASH"),
            Ok(Instrument::QuickDash)
        );
        assert_eq!(Instrument::parse_any_case("nprs"), Ok(Instrument::Nprs));
        assert!(Instrument::parse_any_case("KOOS").is_err());
    }

    #[test]
    fn directions_follow_the_instruments_scales() {
        use Direction::*;
        let expected = [
            (Instrument::Nprs, LowerIsBetter),
            (Instrument::Psfs, HigherIsBetter),
            (Instrument::KoosJr, HigherIsBetter),
            (Instrument::HoosJr, HigherIsBetter),
            (Instrument::Odi, LowerIsBetter),
            (Instrument::Ndi, LowerIsBetter),
            (Instrument::QuickDash, LowerIsBetter),
        ];
        for (instrument, direction) in expected {
            assert_eq!(instrument.direction(), direction, "{instrument}");
        }
        assert_eq!(
            serde_json::to_string(&HigherIsBetter).unwrap(),
            "\"higher_is_better\""
        );
    }

    #[test]
    fn the_missing_item_limit_never_exceeds_the_item_count() {
        for &instrument in Instrument::ALL {
            let items = instrument.item_count();
            assert!(instrument.min_answered() <= *items.start(), "{instrument}");
            assert!(instrument.mcid() > 0.0 && instrument.mcid() < instrument.max_score());
        }
    }
}
