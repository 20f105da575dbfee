//! The published severity bands of the instruments that have them, for the words next to a
//! score ("moderate disability"). Instruments without published bands (NPRS, whose cut-points
//! differ between studies; PSFS; KOOS JR; HOOS JR; QuickDASH) get none rather than invented ones.

use crate::Instrument;

physalign_domain::wire_enum! {
    /// A published severity band of a disability index.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum DisabilityBand {
        /// NDI 0–4 of 50.
        NoDisability = "no_disability",
        /// ODI 0–20 %.
        Minimal = "minimal",
        /// NDI 5–14 of 50.
        Mild = "mild",
        /// ODI 21–40 %, NDI 15–24 of 50.
        Moderate = "moderate",
        /// ODI 41–60 %, NDI 25–34 of 50.
        Severe = "severe",
        /// ODI 61–80 % ("crippled" in Fairbank's wording).
        Crippled = "crippled",
        /// ODI 81–100 %.
        BedBound = "bed_bound",
        /// NDI 35–50 of 50.
        Complete = "complete",
    }
}

impl DisabilityBand {
    /// The band in words, e.g. "moderate disability".
    pub const fn description(self) -> &'static str {
        match self {
            DisabilityBand::NoDisability => "no disability",
            DisabilityBand::Minimal => "minimal disability",
            DisabilityBand::Mild => "mild disability",
            DisabilityBand::Moderate => "moderate disability",
            DisabilityBand::Severe => "severe disability",
            DisabilityBand::Crippled => "crippled",
            DisabilityBand::BedBound => "bed-bound",
            DisabilityBand::Complete => "complete disability",
        }
    }
}

/// The published band a score falls in, if the instrument has published bands.
///
/// - ODI (percentage; Fairbank et al. 1980, restated by Fairbank & Pynsent, Spine 2000): 0–20
///   minimal, 21–40 moderate, 41–60 severe, 61–80 crippled, 81–100 bed-bound. A fractional
///   percentage (a missing section) belongs to the band whose upper bound it does not exceed.
/// - NDI (Vernon & Mior, JMPT 1991, on the 0–50 raw scale; the score here is a percentage, so
///   raw = score ÷ 2): 0–4 none, 5–14 mild, 15–24 moderate, 25–34 severe, 35–50 complete.
///   A fractional raw score (a missing section) belongs to the band it has reached.
pub fn disability_band(instrument: Instrument, score: f64) -> Option<DisabilityBand> {
    match instrument {
        Instrument::Odi => Some(match score {
            s if s <= 20.0 => DisabilityBand::Minimal,
            s if s <= 40.0 => DisabilityBand::Moderate,
            s if s <= 60.0 => DisabilityBand::Severe,
            s if s <= 80.0 => DisabilityBand::Crippled,
            _ => DisabilityBand::BedBound,
        }),
        Instrument::Ndi => Some(match score / 2.0 {
            raw if raw < 5.0 => DisabilityBand::NoDisability,
            raw if raw < 15.0 => DisabilityBand::Mild,
            raw if raw < 25.0 => DisabilityBand::Moderate,
            raw if raw < 35.0 => DisabilityBand::Severe,
            _ => DisabilityBand::Complete,
        }),
        Instrument::Nprs
        | Instrument::Psfs
        | Instrument::KoosJr
        | Instrument::HoosJr
        | Instrument::QuickDash => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score;

    #[test]
    fn odi_bands_follow_fairbank_at_their_boundaries() {
        let band = |value| disability_band(Instrument::Odi, value);
        assert_eq!(band(0.0), Some(DisabilityBand::Minimal));
        assert_eq!(band(20.0), Some(DisabilityBand::Minimal));
        assert_eq!(band(22.0), Some(DisabilityBand::Moderate));
        assert_eq!(band(40.0), Some(DisabilityBand::Moderate));
        assert_eq!(band(42.0), Some(DisabilityBand::Severe));
        assert_eq!(band(60.0), Some(DisabilityBand::Severe));
        assert_eq!(band(62.0), Some(DisabilityBand::Crippled));
        assert_eq!(band(80.0), Some(DisabilityBand::Crippled));
        assert_eq!(band(82.0), Some(DisabilityBand::BedBound));
        assert_eq!(band(100.0), Some(DisabilityBand::BedBound));
        // One section missing, 18 of 45 = 40 %: moderate; 19 of 45 = 42.2 %: severe.
        assert_eq!(band(18.0 / 45.0 * 100.0), Some(DisabilityBand::Moderate));
        assert_eq!(band(19.0 / 45.0 * 100.0), Some(DisabilityBand::Severe));
    }

    #[test]
    fn ndi_bands_follow_vernon_and_mior_on_the_raw_scale() {
        let band_of = |answers: [u8; 10]| {
            let answers: Vec<Option<u8>> = answers.into_iter().map(Some).collect();
            let scored = score(Instrument::Ndi, &answers).expect("complete NDI");
            disability_band(Instrument::Ndi, scored.value)
        };
        assert_eq!(
            band_of([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]),
            Some(DisabilityBand::NoDisability)
        ); // raw 4
        assert_eq!(
            band_of([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]),
            Some(DisabilityBand::Mild)
        ); // raw 5
        assert_eq!(
            band_of([1, 1, 1, 1, 2, 2, 2, 2, 1, 1]),
            Some(DisabilityBand::Mild)
        ); // raw 14
        assert_eq!(
            band_of([1, 1, 1, 2, 2, 2, 2, 2, 1, 1]),
            Some(DisabilityBand::Moderate)
        ); // raw 15
        assert_eq!(
            band_of([2, 2, 2, 2, 2, 2, 3, 3, 3, 3]),
            Some(DisabilityBand::Moderate)
        ); // raw 24
        assert_eq!(
            band_of([2, 2, 2, 2, 2, 3, 3, 3, 3, 3]),
            Some(DisabilityBand::Severe)
        ); // raw 25
        assert_eq!(
            band_of([3, 3, 3, 3, 3, 3, 3, 3, 5, 5]),
            Some(DisabilityBand::Severe)
        ); // raw 34
        assert_eq!(
            band_of([3, 3, 3, 3, 3, 3, 3, 4, 5, 5]),
            Some(DisabilityBand::Complete)
        ); // raw 35
        assert_eq!(
            band_of([5, 5, 5, 5, 5, 5, 5, 5, 5, 5]),
            Some(DisabilityBand::Complete)
        ); // raw 50
    }

    #[test]
    fn instruments_without_published_bands_get_none() {
        for instrument in [
            Instrument::Nprs,
            Instrument::Psfs,
            Instrument::KoosJr,
            Instrument::HoosJr,
            Instrument::QuickDash,
        ] {
            assert_eq!(disability_band(instrument, 5.0), None, "{instrument}");
        }
        assert_eq!(DisabilityBand::BedBound.description(), "bed-bound");
        assert_eq!(
            serde_json::to_string(&DisabilityBand::BedBound).unwrap(),
            "\"bed_bound\""
        );
    }
}
