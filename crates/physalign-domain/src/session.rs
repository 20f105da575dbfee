//! The lifecycle of an exercise session, shared by the device store, the API, the server's
//! `exercise_sessions.status` column and the sync client.

crate::wire_enum! {
    /// Where a session is in its life (seed 003's statuses).
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum SessionStatus {
        /// Created, nothing recorded yet.
        Pending = "pending",
        /// The device is recording.
        Recording = "recording",
        /// The device is analysing.
        Processing = "processing",
        /// Pose data uploaded, waiting for a physiotherapist.
        ReviewPending = "review_pending",
        /// A physiotherapist reviewed it.
        Reviewed = "reviewed",
        /// Closed.
        Completed = "completed",
    }
}

#[cfg(test)]
mod tests {
    use super::SessionStatus;

    #[test]
    fn every_status_round_trips_through_json_and_text() {
        for &status in SessionStatus::ALL {
            let json = serde_json::to_value(status).expect("serialise");
            assert_eq!(json, serde_json::Value::from(status.as_str()));
            assert_eq!(
                serde_json::from_value::<SessionStatus>(json).expect("deserialise"),
                status
            );
            assert_eq!(status.as_str().parse::<SessionStatus>(), Ok(status));
            assert_eq!(status.to_string(), status.as_str());
        }
        assert_eq!(SessionStatus::ALL.len(), 6);
    }

    #[test]
    fn the_stored_texts_are_the_ones_released() {
        let texts: Vec<&str> = SessionStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            texts,
            [
                "pending",
                "recording",
                "processing",
                "review_pending",
                "reviewed",
                "completed"
            ]
        );
        assert!("Reviewed".parse::<SessionStatus>().is_err());
    }
}
