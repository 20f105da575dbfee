//! Transcript retention (seed 002): a session's transcript is purged a fixed time after the
//! session unless someone saved it, and can be deleted on request; the device and the server
//! apply the same rule and tell each other what they removed.

/// Days after the session (its end, else its start) after which an unsaved transcript is purged.
pub const TRANSCRIPT_RETENTION_DAYS: i64 = 90;

/// The longest `retention_days` a save accepts (ten years); no value keeps it indefinitely.
pub const MAX_SAVED_RETENTION_DAYS: u32 = 3650;

crate::wire_enum! {
    /// Why a session's transcript is no longer there.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum TranscriptRemoval {
        /// Removed by the retention rule: older than the retention and not saved.
        Purged = "purged",
        /// Deleted on request of the patient (or the clinician who recorded it).
        Deleted = "deleted",
    }
}

#[cfg(test)]
mod tests {
    use super::TranscriptRemoval;

    #[test]
    fn the_stored_texts_are_fixed() {
        let texts: Vec<&str> = TranscriptRemoval::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(texts, ["purged", "deleted"]);
        assert_eq!("deleted".parse(), Ok(TranscriptRemoval::Deleted));
    }
}
